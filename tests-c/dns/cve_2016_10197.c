/* dns cve_2016_10197: libevent before 2.1.6 read before the start of a name in
   search_make_new when a search list was combined with the empty name or ".". With a search
   list: the empty name is refused at the call (NULL), for A and AAAA alike; "." and ".." are asked as they stand and then with each search domain appended,
   and the names that reach the (scripted) server are checked; every request ends. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns;
    (void)arg;
    pkt_reply_head(o, q, 0x8183, 0, 0, 0); /* NXDOMAIN for everything */
    return 1;
}

int main(void)
{
    struct event_base *base;
    struct evdns_base *dns;
    struct fake_ns *ns;
    const char *names[] = {".", ".."};
    /* What the server reads (name/type): the name as given is the root; with a domain
       appended, 2.1.12's encoding starts with an empty label, a zero byte, so the server
       reads the root again and a type made of the next bytes: 0x0374 = "\3t" (two.example,
       added last, tried first), 0x036f = "\3o" (one.example). */
    const char *asked[] = {"/0 /884 /879 ", "/0 /3 /3 "};
    size_t i;
    alarm(30);
    base = event_base_new();
    dns = evdns_base_new(base, 0);
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "randomize-case:", "0"), 0);
    evdns_base_search_add(dns, "one.example");
    evdns_base_search_add(dns, "two.example");

    CHECK(evdns_base_resolve_ipv4(dns, "", 0, answer_cb, NULL) == NULL);
    CHECK(evdns_base_resolve_ipv6(dns, "", 0, answer_cb, NULL) == NULL);
    CHECK_EQ(ns->n_queries, 0);

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct answer a;
        memset(&a, 0, sizeof a);
        ns->log[0] = 0;
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv4(dns, names[i], 0, answer_cb, &a) != NULL);
        run_until_answered(base, 5);
        CHECK_EQ(a.done, 1);
        CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
        CHECK_STR(ns->log, asked[i]);
    }
    evdns_base_free(dns, 0);
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
