/* dns resolve_free: an evdns base's end, as in 2.1.12. evdns_base_free(base, 0) drops its
   requests silently; with fail_requests each callback still runs, from the loop after the
   free, with DNS_ERR_SHUTDOWN (waiting and in-flight requests alike); a base freed from
   one of its own callbacks lets the other callbacks come once each; cancelling a request
   from another request's callback works. Memory: with event_set_mem_functions counting,
   every block the library took from the program's allocator is given back once the
   bases are freed and libevent_global_shutdown has run (the getaddrinfo lists the program
   frees with evutil_freeaddrinfo included). */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>

static long blocks;
static void *cnt_malloc(size_t n) { blocks++; return malloc(n); }
static void *cnt_realloc(void *p, size_t n)
{
    if (!p) blocks++;
    if (!n) blocks--;
    return realloc(p, n);
}
static void cnt_free(void *p)
{
    if (p) blocks--;
    free(p);
}

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns; (void)arg;
    if (strcasestr(q->name, "hang")) return 0;
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    pkt_rr_a(o, NULL, 60, "5.5.5.5");
    return 1;
}

static struct event_base *base;
static struct evdns_base *victim;
static struct evdns_request *to_cancel;
static int counts[8], results[8];

static void free_in_cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
    int i = (int)(long)arg;
    (void)type; (void)count; (void)ttl; (void)addrs;
    counts[i]++;
    results[i] = result;
    if (victim) {
        struct evdns_base *v = victim;
        victim = NULL;
        evdns_base_free(v, 1);
    }
    if (to_cancel) {
        struct evdns_request *r = to_cancel;
        to_cancel = NULL;
        evdns_cancel_request(NULL, r);
    }
}

static void gai_cb(int err, struct evutil_addrinfo *res, void *arg)
{
    (void)arg;
    CHECK_EQ(err, 0);
    evutil_freeaddrinfo(res);
    if (--answers_pending == 0) event_base_loopbreak(base);
}

int main(void)
{
    struct fake_ns *ns;
    struct evdns_base *d;
    struct answer a[6];
    int i;
    alarm(30);
    event_set_mem_functions(cnt_malloc, cnt_realloc, cnt_free);
    base = event_base_new();
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);

    /* silent free: waiting and in-flight requests never call back */
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(d, "max-inflight", "2"), 0);
    memset(a, 0, sizeof(a));
    for (i = 0; i < 4; i++) CHECK(evdns_base_resolve_ipv4(d, "hang.example", 0, answer_cb, &a[i]));
    evdns_base_free(d, 0);
    run_for(base, 0.2);
    for (i = 0; i < 4; i++) CHECK_EQ(a[i].done, 0);

    /* fail_requests: DNS_ERR_SHUTDOWN from the loop */
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(d, "max-inflight", "2"), 0);
    memset(a, 0, sizeof(a));
    for (i = 0; i < 4; i++) CHECK(evdns_base_resolve_ipv4(d, "hang.example", 0, answer_cb, &a[i]));
    in_api_call = 1;
    evdns_base_free(d, 1);
    in_api_call = 0;
    for (i = 0; i < 4; i++) CHECK_EQ(a[i].done, 0);
    answers_pending = 4;
    run_until_answered(base, 5);
    for (i = 0; i < 4; i++) {
        CHECK_EQ(a[i].done, 1);
        CHECK_EQ(a[i].in_call, 0);
        CHECK_EQ(a[i].result, DNS_ERR_SHUTDOWN);
        CHECK_EQ(a[i].type, 0);
    }
    /* a request with no server at all, failed the same way */
    d = evdns_base_new(base, 0);
    memset(a, 0, sizeof(a));
    CHECK(evdns_base_resolve_ipv6(d, "anything.example", 0, answer_cb, &a[0]));
    evdns_base_free(d, 1);
    answers_pending = 1;
    run_until_answered(base, 5);
    CHECK_EQ(a[0].result, DNS_ERR_SHUTDOWN);

    /* freed from its own callback: every other callback still comes once */
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    victim = d;
    CHECK(evdns_base_resolve_ipv4(d, "first.example", 0, free_in_cb, (void *)0L));
    CHECK(evdns_base_resolve_ipv4(d, "second.example", 0, free_in_cb, (void *)1L));
    CHECK(evdns_base_resolve_ipv4(d, "hang.example", 0, free_in_cb, (void *)2L));
    run_for(base, 0.3);
    CHECK_EQ(counts[0], 1);
    CHECK_EQ(results[0], 0);
    CHECK_EQ(counts[1], 1);
    CHECK(results[1] == 0 || results[1] == DNS_ERR_SHUTDOWN);
    CHECK_EQ(counts[2], 1);
    CHECK_EQ(results[2], DNS_ERR_SHUTDOWN);

    /* cancelling one request from another's callback */
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK(evdns_base_resolve_ipv4(d, "one.example", 0, free_in_cb, (void *)3L));
    to_cancel = evdns_base_resolve_ipv4(d, "hang.example", 0, free_in_cb, (void *)4L);
    CHECK(to_cancel);
    run_for(base, 0.3);
    CHECK_EQ(counts[3], 1);
    CHECK_EQ(results[3], 0);
    CHECK_EQ(counts[4], 1);
    CHECK_EQ(results[4], DNS_ERR_CANCEL);

    /* getaddrinfo lists come from the program's allocator and go back to it */
    CHECK_EQ(evdns_base_load_hosts(d, NULL), 0);
    answers_pending = 4;
    CHECK(evdns_getaddrinfo(d, "localhost", "80", NULL, gai_cb, NULL) == NULL);
    CHECK(evdns_getaddrinfo(d, "1.2.3.4", NULL, NULL, gai_cb, NULL) == NULL);
    {
        struct evutil_addrinfo hints;
        memset(&hints, 0, sizeof(hints));
        hints.ai_flags = EVUTIL_AI_CANONNAME;
        CHECK(evdns_getaddrinfo(d, "name.example", "80", &hints, gai_cb, NULL) != NULL);
        CHECK(evdns_getaddrinfo(d, "name2.example", "80", &hints, gai_cb, NULL) != NULL);
    }
    run_until_answered(base, 5);
    CHECK_EQ(answers_pending, 0);
    evdns_base_free(d, 0);

    fake_ns_stop(ns);
    event_base_free(base);
    libevent_global_shutdown();
    if (blocks != 0) {
        fprintf(stderr, "%ld blocks not given back\n", blocks);
        return 1;
    }
    printf("ok\n");
    return 0;
}
