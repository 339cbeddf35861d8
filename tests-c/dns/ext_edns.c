/* dns ext_edns: the EDNS0 extension (libevent 2.2's `edns-udp-size:` option; Debian's 2.1.12
   has no such thing, hence OURS_ONLY). By default a query carries no OPT record and an
   answer the server had to truncate (TC) fails with DNS_ERR_TRUNCATED, as in 2.1.12. With
   edns-udp-size:4096 each query carries an OPT record (root name, type 41, the size in
   the class field) and the server's 1,000-byte answer of 60 addresses is read whole (the
   callback gets the first 32, the most 2.1.12 ever passes). Values
   are clipped to 512..65535 (512 means no OPT record); a non-number is refused. */
/* OURS_ONLY */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>

static int last_opt_size; /* 0: the last query had no OPT record */

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    const unsigned char *p = q->pkt;
    int i, arcount = (p[10] << 8) | p[11];
    (void)ns;
    (void)arg;
    last_opt_size = 0;
    if (arcount == 1 && q->len == q->question_end + 11 && p[q->question_end] == 0 &&
        p[q->question_end + 1] == 0 && p[q->question_end + 2] == 41)
        last_opt_size = (p[q->question_end + 3] << 8) | p[q->question_end + 4];
    pkt_reply_head(o, q, 0x8180, 60, 0, 0);
    for (i = 0; i < 60; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.0.0.%d", i + 1);
        pkt_rr_a(o, NULL, 300, ip);
    }
    if (last_opt_size < o->n) { /* what a server does when it does not fit: cut, TC */
        o->n = 512;
        o->b[2] |= 0x02;
    }
    return 1;
}

static struct event_base *base;
static struct evdns_base *dns;

static struct answer ask(const char *name)
{
    struct answer a;
    memset(&a, 0, sizeof a);
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &a));
    run_until_answered(base, 5);
    CHECK_EQ(a.done, 1);
    return a;
}

int main(void)
{
    struct fake_ns *ns;
    struct answer a;
    alarm(30);
    base = event_base_new();
    dns = evdns_base_new(base, 0);
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);

    a = ask("big.example");
    CHECK_EQ(last_opt_size, 0);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);

    CHECK_EQ(evdns_base_set_option(dns, "edns-udp-size:", "4096"), 0);
    a = ask("big.example");
    CHECK_EQ(last_opt_size, 4096);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(a.count, 32);
    CHECK_STR(answer_v4(&a, 0), "10.0.0.1");
    CHECK_STR(answer_v4(&a, 31), "10.0.0.32");

    CHECK_EQ(evdns_base_set_option(dns, "edns-udp-size", "100000"), 0);
    a = ask("big.example");
    CHECK_EQ(last_opt_size, 65535);
    CHECK_EQ(a.count, 32);

    CHECK_EQ(evdns_base_set_option(dns, "edns-udp-size:", "100"), 0);
    a = ask("big.example");
    CHECK_EQ(last_opt_size, 0);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);

    CHECK_EQ(evdns_base_set_option(dns, "edns-udp-size:", "lots"), -1);

    evdns_base_free(dns, 0);
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
