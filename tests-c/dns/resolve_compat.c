/* dns resolve_compat: dns_compat.h's global base and evdns_set_log_fn, as in 2.1.12.
   evdns_nameserver_ip_add, evdns_nameserver_add, evdns_set_option and
   evdns_resolv_conf_parse make the global base (empty, on the current event base) when
   there is none; evdns_init always makes a new one; evdns_resolve_* return 0 / -1 and
   answer through the callback from the loop; evdns_search_* and evdns_count_nameservers
   act on it; evdns_shutdown frees it (with DNS_ERR_SHUTDOWN from the loop when asked) and
   forgets the log function. The log function receives every message with is_warning set
   only for warnings, debug messages included; without it they go to the event log, debug
   ones only with event_enable_debug_logging. */
/* BACKENDS: epoll */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <event2/dns_compat.h>
#include <event2/event_compat.h>

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns; (void)arg;
    if (strcasestr(q->name, "hang")) return 0;
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    pkt_rr_a(o, NULL, 60, "5.5.5.5");
    return 1;
}

static char dnslog[8192], evlog[8192];
static int warnings, debugs;
static void dns_log(int is_warning, const char *msg)
{
    size_t n = strlen(dnslog);
    snprintf(dnslog + n, sizeof(dnslog) - n, "%d:%s\n", is_warning, msg);
    if (is_warning) warnings++;
    if (!strncmp(msg, "Resolve requested for ", 22)) debugs++;
}
static void ev_log(int severity, const char *msg)
{
    size_t n = strlen(evlog);
    snprintf(evlog + n, sizeof(evlog) - n, "%d:%s\n", severity, msg);
}

int main(void)
{
    struct event_base *base;
    struct fake_ns *ns;
    struct evdns_base *g;
    struct answer a;
    alarm(20);
    event_set_log_callback(ev_log);

    CHECK(evdns_get_global_base() == NULL);
    base = event_init();
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_set_option("ndots", "x", 0), -1);
    g = evdns_get_global_base();
    CHECK(g != NULL);
    CHECK_EQ(evdns_count_nameservers(), 0);
    CHECK_EQ(evdns_nameserver_ip_add(fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_nameserver_ip_add(fake_ns_addr(ns, "127.0.0.1")), 3);
    CHECK_EQ(evdns_nameserver_add(htonl(0x0a000001)), 0);
    CHECK_EQ(evdns_count_nameservers(), 2);
    CHECK_EQ(evdns_clear_nameservers_and_suspend(), 0);
    CHECK_EQ(evdns_count_nameservers(), 0);
    CHECK_EQ(evdns_nameserver_ip_add(fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_resume(), 0);
    CHECK_EQ(evdns_set_option("randomize-case:", "0", 0), 0);

    /* the compat search list and ndots act on the global base */
    evdns_search_add("a.example");
    evdns_search_ndots_set(2);
    ns->log[0] = 0;
    memset(&a, 0, sizeof(a));
    answers_pending = 1;
    in_api_call = 1;
    CHECK_EQ(evdns_resolve_ipv4("h.i", 0, answer_cb, &a), 0);
    in_api_call = 0;
    run_until_answered(base, 5);
    CHECK_EQ(a.result, 0);
    CHECK_EQ(a.in_call, 0);
    CHECK_STR(ns->log, "h.i.a.example/1 ");
    evdns_search_clear();
    ns->log[0] = 0;
    answers_pending = 1;
    CHECK_EQ(evdns_resolve_ipv6("h.i", 0, answer_cb, &a), 0);
    run_until_answered(base, 5);
    CHECK_STR(ns->log, "h.i/28 ");
    {
        struct in_addr in;
        struct in6_addr in6;
        in.s_addr = htonl(0x01020304);
        memset(&in6, 0, sizeof(in6));
        answers_pending = 2;
        CHECK_EQ(evdns_resolve_reverse(&in, 0, answer_cb, &a), 0);
        CHECK_EQ(evdns_resolve_reverse_ipv6(&in6, 0, answer_cb, &a), 0);
        run_until_answered(base, 5);
    }
    CHECK_EQ(evdns_resolve_ipv4("toolong-label-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 0, answer_cb, &a), -1);

    /* the evdns log function: warnings flagged, debug messages included */
    evdns_set_log_fn(dns_log);
    evlog[0] = 0;
    CHECK_EQ(evdns_nameserver_ip_add("bad address"), 4);
    answers_pending = 1;
    CHECK_EQ(evdns_resolve_ipv4("x.example", 0, answer_cb, &a), 0);
    run_until_answered(base, 5);
    CHECK(strstr(dnslog, "1:Unable to parse nameserver address bad address\n") != NULL);
    CHECK_EQ(warnings, 1);
    CHECK_EQ(debugs, 1);
    CHECK_STR(evlog, "");

    /* shutdown: requests fail from the loop; the log function is forgotten */
    memset(&a, 0, sizeof(a));
    CHECK_EQ(evdns_resolve_ipv4("hang.example", 0, answer_cb, &a), 0);
    answers_pending = 1;
    evdns_shutdown(1);
    CHECK(evdns_get_global_base() == NULL);
    CHECK_EQ(a.done, 0);
    run_until_answered(base, 5);
    CHECK_EQ(a.result, DNS_ERR_SHUTDOWN);
    dnslog[0] = 0;
    evlog[0] = 0;
    {
        struct evdns_base *d = evdns_base_new(base, 0);
        CHECK_EQ(evdns_base_nameserver_ip_add(d, "nonsense"), 4);
        CHECK_STR(dnslog, "");
        CHECK_STR(evlog, "2:Unable to parse nameserver address nonsense\n");
        /* debug messages reach the event log only when asked for */
        evlog[0] = 0;
        CHECK(evdns_base_resolve_ipv4(d, "y.example", 0, NULL, NULL));
        CHECK(strstr(evlog, "Resolve requested") == NULL);
        event_enable_debug_logging(EVENT_DBG_ALL);
        CHECK(evdns_base_resolve_ipv4(d, "z.example", 0, NULL, NULL));
        CHECK(strstr(evlog, "0:Resolve requested for z.example\n") != NULL);
        event_enable_debug_logging(EVENT_DBG_NONE);
        evdns_base_free(d, 0);
    }
    /* evdns_init makes a new global base from /etc/resolv.conf each time (the old one is
       left to the program) */
    if (evdns_init() == 0) {
        g = evdns_get_global_base();
        CHECK(g != NULL);
        CHECK_EQ(evdns_init(), 0);
        CHECK(evdns_get_global_base() != NULL);
        CHECK(evdns_get_global_base() != g);
        evdns_shutdown(0);
        evdns_base_free(g, 0);
    }
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
