/* dns resolve_answers: what a resolver callback receives for each kind of reply from a
   scripted name server, exactly as 2.1.12 passes it: addresses as an array (A: 4 bytes,
   AAAA: 16), at most 32 of them, several from one record whose data holds several, the
   lowest TTL (cast to int), a PTR name as a char ** (names of 64 characters or more are
   DNS_ERR_UNKNOWN), CNAME chains followed by address records, errors with type 0, count 0,
   NULL addresses and, for NXDOMAIN / NODATA, the TTL from the authority section's SOA;
   every RCODE's error (SERVFAIL treated as a timeout), TC as DNS_ERR_TRUNCATED, records of
   another type as NODATA. Callbacks never run inside the resolve call; a cancelled
   request's callback runs from the loop with DNS_ERR_CANCEL. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <ctype.h>

static int ptrlen = 10;

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    char n[300];
    int i;
    (void)ns; (void)arg;
    for (i = 0; q->name[i]; i++) n[i] = (char)tolower((unsigned char)q->name[i]);
    n[i] = 0;
    if (q->qtype == 12) {
        char t[300];
        memset(t, 'p', ptrlen);
        t[ptrlen] = 0;
        for (i = 20; i < ptrlen - 1; i += 21) t[i] = '.';
        pkt_reply_head(o, q, 0x8180, 2, 0, 0);
        pkt_rr_a(o, NULL, 5, "1.2.3.4"); /* skipped for a PTR question */
        pkt_rr_name(o, NULL, 12, 77, t);
        return 1;
    }
    if (!strcmp(n, "a2.example")) {
        pkt_reply_head(o, q, 0x8180, 2, 0, 0);
        pkt_rr_a(o, NULL, 300, "1.1.1.1");
        pkt_rr_a(o, NULL, 100, "2.2.2.2");
        return 1;
    }
    if (!strcmp(n, "a40.example") || !strcmp(n, "aaaa40.example")) {
        pkt_reply_head(o, q, 0x8180, 40, 0, 0);
        for (i = 0; i < 40; i++) {
            char ip[32];
            if (q->qtype == 1) {
                sprintf(ip, "10.0.0.%d", i);
                pkt_rr_a(o, NULL, 300 - i, ip);
            } else {
                sprintf(ip, "fe80::%d", i);
                pkt_rr_aaaa(o, NULL, 300 - i, ip);
            }
        }
        return 1;
    }
    if (!strcmp(n, "rd8.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_head(o, NULL, 1, 50, 8);
        pkt_u32(o, 0x01020304);
        pkt_u32(o, 0x05060708);
        return 1;
    }
    if (!strcmp(n, "rd5.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_head(o, NULL, 1, 50, 5);
        pkt_u32(o, 0x01020304);
        pkt_u8(o, 1);
        return 1;
    }
    if (!strcmp(n, "bigttl.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_a(o, NULL, 0x90000000u, "1.1.1.1");
        return 1;
    }
    if (!strncmp(n, "rcode", 5)) {
        pkt_reply_head(o, q, 0x8180 | atoi(n + 5), 0, 0, 0);
        return 1;
    }
    if (!strcmp(n, "nxsoa.example")) {
        pkt_reply_head(o, q, 0x8183, 0, 1, 0);
        pkt_rr_soa(o, "example", 500, 60);
        return 1;
    }
    if (!strcmp(n, "nodata.example")) {
        pkt_reply_head(o, q, 0x8180, 0, 1, 0);
        pkt_rr_soa(o, "example", 40, 600);
        return 1;
    }
    if (!strcmp(n, "tc.example")) {
        pkt_reply_head(o, q, 0x8380, 1, 0, 0);
        pkt_rr_a(o, NULL, 300, "1.1.1.1");
        return 1;
    }
    if (!strcmp(n, "tcnx.example")) {
        pkt_reply_head(o, q, 0x8383, 0, 0, 0);
        return 1;
    }
    if (!strcmp(n, "cname.example")) {
        pkt_reply_head(o, q, 0x8180, 3, 0, 0);
        pkt_rr_name(o, NULL, 5, 10, "mid.example");
        pkt_rr_name(o, "mid.example", 5, 10, "end.example");
        pkt_rr_a(o, "end.example", 20, "9.9.9.9");
        return 1;
    }
    if (!strcmp(n, "aaaaina.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_aaaa(o, NULL, 20, "::1");
        return 1;
    }
    if (!strcmp(n, "drop.example")) return 0;
    pkt_reply_head(o, q, 0x8183, 0, 0, 0);
    return 1;
}

static struct event_base *base;
static struct evdns_base *dns;

static struct answer ask(int v6, const char *name)
{
    struct answer a;
    struct evdns_request *r;
    memset(&a, 0, sizeof(a));
    answers_pending = 1;
    in_api_call = 1;
    r = (v6 ? evdns_base_resolve_ipv6 : evdns_base_resolve_ipv4)(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &a);
    in_api_call = 0;
    CHECK(r);
    CHECK_EQ(a.done, 0);
    run_until_answered(base, 5);
    CHECK_EQ(a.done, 1);
    CHECK_EQ(a.in_call, 0);
    if (a.result) {
        CHECK_EQ(a.type, 0);
        CHECK_EQ(a.count, 0);
    }
    return a;
}

static void check_error(int v6, const char *name, int err, int ttl)
{
    struct answer a = ask(v6, name);
    if (a.result != err || a.ttl != ttl) {
        fprintf(stderr, "%s: result %d ttl %d, expected %d %d\n", name, a.result, a.ttl, err, ttl);
        exit(1);
    }
}

int main(void)
{
    struct fake_ns *ns;
    struct answer a;
    int i;
    alarm(30);
    base = event_base_new();
    dns = evdns_base_new(base, 0);
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "timeout", "0.2"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "attempts", "2"), 0);

    a = ask(0, "a2.example");
    CHECK_EQ(a.result, 0);
    CHECK_EQ(a.type, DNS_IPv4_A);
    CHECK_EQ(a.count, 2);
    CHECK_EQ(a.ttl, 100);
    CHECK_STR(answer_v4(&a, 0), "1.1.1.1");
    CHECK_STR(answer_v4(&a, 1), "2.2.2.2");

    a = ask(0, "a40.example");
    CHECK_EQ(a.count, 32);
    CHECK_EQ(a.ttl, 300 - 31);
    CHECK_STR(answer_v4(&a, 31), "10.0.0.31");
    a = ask(1, "aaaa40.example");
    CHECK_EQ(a.type, DNS_IPv6_AAAA);
    CHECK_EQ(a.count, 32);
    CHECK_STR(answer_v6(&a, 5), "fe80::5");

    a = ask(0, "rd8.example");
    CHECK_EQ(a.count, 2);
    CHECK_STR(answer_v4(&a, 1), "5.6.7.8");
    check_error(0, "rd5.example", DNS_ERR_UNKNOWN, 0);
    a = ask(0, "bigttl.example");
    CHECK_EQ(a.ttl, (int)0x90000000u);
    a = ask(0, "cname.example");
    CHECK_EQ(a.count, 1);
    CHECK_EQ(a.ttl, 20);
    CHECK_STR(answer_v4(&a, 0), "9.9.9.9");

    check_error(0, "rcode1.example", DNS_ERR_FORMAT, 0);
    check_error(0, "rcode3.example", DNS_ERR_NOTEXIST, 0);
    check_error(0, "rcode6.example", DNS_ERR_UNKNOWN, 0);
    check_error(0, "rcode15.example", DNS_ERR_UNKNOWN, 0);
    check_error(0, "nxsoa.example", DNS_ERR_NOTEXIST, 60);
    check_error(0, "nodata.example", DNS_ERR_NODATA, 40);
    check_error(0, "tc.example", DNS_ERR_TRUNCATED, 0);
    check_error(0, "tcnx.example", DNS_ERR_TRUNCATED, 0);
    check_error(0, "aaaaina.example", DNS_ERR_NODATA, 0);
    check_error(1, "a2.example", DNS_ERR_NODATA, 0);
    a = ask(1, "aaaaina.example");
    CHECK_EQ(a.count, 1);
    CHECK_STR(answer_v6(&a, 0), "::1");
    /* NOTIMPL / REFUSED from the only server: it is marked down, there is nowhere else */
    check_error(0, "rcode4.example", DNS_ERR_NOTIMPL, 0);
    check_error(0, "rcode5.example", DNS_ERR_REFUSED, 0);
    /* SERVFAIL is treated like no answer: retransmitted, then a timeout */
    ns->n_queries = 0;
    check_error(0, "rcode2.example", DNS_ERR_TIMEOUT, 0);
    CHECK_EQ(ns->n_queries, 2);
    ns->n_queries = 0;
    check_error(0, "drop.example", DNS_ERR_TIMEOUT, 0);
    CHECK_EQ(ns->n_queries, 2);

    /* PTR answers: a char **; the name must fit 63 characters */
    {
        static const int lens[] = {10, 62, 63, 64, 100, 250};
        struct in_addr in;
        struct in6_addr in6;
        in.s_addr = htonl(0x7f000001);
        for (i = 0; i < 6; i++) {
            ptrlen = lens[i];
            memset(&a, 0, sizeof(a));
            answers_pending = 1;
            CHECK(evdns_base_resolve_reverse(dns, &in, 0, answer_cb, &a));
            run_until_answered(base, 5);
            CHECK_EQ(a.done, 1);
            if (lens[i] < 64) {
                CHECK_EQ(a.result, 0);
                CHECK_EQ(a.type, DNS_PTR);
                CHECK_EQ(a.count, 1);
                CHECK_EQ(a.ttl, 77);
                CHECK_EQ(strlen(a.ptr), lens[i]);
            } else {
                CHECK_EQ(a.result, DNS_ERR_UNKNOWN);
            }
        }
        for (i = 0; ns->last.name[i]; i++) ns->last.name[i] = (char)tolower((unsigned char)ns->last.name[i]);
        CHECK_STR(ns->last.name, "1.0.0.127.in-addr.arpa");
        CHECK_EQ(ns->last.qtype, 12);
        inet_pton(AF_INET6, "2001:db8::1", &in6);
        ptrlen = 10;
        answers_pending = 1;
        CHECK(evdns_base_resolve_reverse_ipv6(dns, &in6, 0, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.result, 0);
        for (i = 0; ns->last.name[i]; i++) ns->last.name[i] = (char)tolower((unsigned char)ns->last.name[i]);
        CHECK_STR(ns->last.name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    }

    /* cancel: the callback comes from the loop, with DNS_ERR_CANCEL */
    {
        struct evdns_request *r;
        memset(&a, 0, sizeof(a));
        answers_pending = 1;
        in_api_call = 1;
        r = evdns_base_resolve_ipv4(dns, "drop.example", 0, answer_cb, &a);
        CHECK(r);
        evdns_cancel_request(NULL, r);
        in_api_call = 0;
        CHECK_EQ(a.done, 0);
        run_until_answered(base, 5);
        CHECK_EQ(a.done, 1);
        CHECK_EQ(a.in_call, 0);
        CHECK_EQ(a.result, DNS_ERR_CANCEL);
        CHECK_EQ(a.type, 0);
        /* once more, through the base argument, on a request waiting in the queue */
        CHECK_EQ(evdns_base_set_option(dns, "max-inflight", "1"), 0);
        {
            struct answer b1, b2;
            struct evdns_request *r1, *r2;
            memset(&b1, 0, sizeof(b1));
            memset(&b2, 0, sizeof(b2));
            answers_pending = 2;
            r1 = evdns_base_resolve_ipv4(dns, "a2.example", 0, answer_cb, &b1);
            r2 = evdns_base_resolve_ipv4(dns, "a2.example", 0, answer_cb, &b2);
            CHECK(r1 && r2);
            evdns_cancel_request(dns, r2);
            run_until_answered(base, 5);
            CHECK_EQ(b1.result, 0);
            CHECK_EQ(b2.result, DNS_ERR_CANCEL);
        }
    }

    evdns_base_free(dns, 0);
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
