/* dns resolve_basics: the resolver's configuration calls and their return values, as
   2.1.12 answers them: evdns_err_to_string for every code, evdns_base_new's flags (unknown
   ones read as "initialize name servers"), name servers added by address, text and
   sockaddr (duplicates 3, unparsable text 4, oversized sockaddr 2), the ring order that
   evdns_base_get_nameserver_addr walks (a new server goes right after the head), its
   too-small-buffer and bad-index answers, evdns_base_set_option for every option with and
   without the trailing colon, good and bad values, unknown options, bind-to (not for
   loopback servers; a server whose socket cannot bind is refused with 2), and
   evdns_set_transaction_id_fn / evdns_set_random_bytes_fn having no effect. */
/* BACKENDS: epoll */
#include "resolve_fake_ns.h"
#include <event2/dns.h>

static int tid_calls, rnd_calls;
static ev_uint16_t tid_fn(void) { tid_calls++; return 7; }
static void rnd_fn(char *b, size_t n) { rnd_calls++; memset(b, 0, n); }

static int nx(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns; (void)arg;
    pkt_reply_head(o, q, 0x8183, 0, 0, 0);
    return 1;
}

/* "addr:port" of the i-th server, or "-1"/"len N" */
static const char *ns_at(struct evdns_base *d, int i)
{
    static char out[128];
    struct sockaddr_storage ss;
    char b[64];
    int r;
    memset(&ss, 0, sizeof(ss));
    r = evdns_base_get_nameserver_addr(d, i, (struct sockaddr *)&ss, sizeof(ss));
    if (r < 0) return "-1";
    if (ss.ss_family == AF_INET) {
        struct sockaddr_in *s = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &s->sin_addr, b, sizeof(b));
        snprintf(out, sizeof(out), "%d %s:%d", r, b, ntohs(s->sin_port));
    } else if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &s->sin6_addr, b, sizeof(b));
        snprintf(out, sizeof(out), "%d [%s]:%d", r, b, ntohs(s->sin6_port));
    } else {
        snprintf(out, sizeof(out), "%d family %d", r, ss.ss_family);
    }
    return out;
}

int main(void)
{
    struct event_base *base;
    struct evdns_base *d;
    struct sockaddr_in sin;
    int i;
    alarm(20);

    /* every code's text */
    {
        static const struct { int code; const char *text; } t[] = {
            {0, "no error"}, {1, "misformatted query"}, {2, "server failed"}, {3, "name does not exist"},
            {4, "query not implemented"}, {5, "refused"}, {65, "reply truncated or ill-formed"}, {66, "unknown"},
            {67, "request timed out"}, {68, "dns subsystem shut down"}, {69, "dns request canceled"},
            {70, "no records in the reply"},
        };
        for (i = -1; i <= 71; i++) {
            const char *want = "[Unknown error code]";
            unsigned k;
            for (k = 0; k < sizeof(t) / sizeof(t[0]); k++)
                if (t[k].code == i) want = t[k].text;
            CHECK_STR(evdns_err_to_string(i), want);
        }
        CHECK_STR(evdns_err_to_string(100000), "[Unknown error code]");
    }
    CHECK_EQ(DNS_ERR_NODATA, 70);
    CHECK_EQ(EVDNS_BASE_DISABLE_WHEN_INACTIVE, 0x8000);

    base = event_base_new();
    CHECK(base);

    /* flags: unknown ones are taken as INITIALIZE_NAMESERVERS (this host's resolv.conf) */
    d = evdns_base_new(base, 0);
    CHECK(d);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    CHECK_EQ(evdns_base_get_nameserver_addr(d, 0, NULL, 0), -1);
    evdns_base_free(d, 0);
    d = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE | EVDNS_BASE_NAMESERVERS_NO_DEFAULT);
    CHECK(d);
    CHECK_EQ(evdns_base_count_nameservers(d), 0);
    evdns_base_free(d, 1);

    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "10.0.0.1"), 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "10.0.0.1"), 3);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "10.0.0.1:53"), 3);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "10.0.0.2:5353"), 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "[::1]:53"), 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "::2"), 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "[::1]"), 3);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "foo"), 4);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, ""), 4);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "1.2.3.4:0"), 4);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "1.2.3.4:99999"), 4);
    CHECK_EQ(evdns_base_nameserver_add(d, htonl(0x0a000003)), 0);
    CHECK_EQ(evdns_base_nameserver_add(d, htonl(0x0a000001)), 3);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x0a000004);
    CHECK_EQ(evdns_base_nameserver_sockaddr_add(d, (struct sockaddr *)&sin, sizeof(sin), 0), 0); /* port 0 kept */
    sin.sin_addr.s_addr = htonl(0x0a000005);
    CHECK_EQ(evdns_base_nameserver_sockaddr_add(d, (struct sockaddr *)&sin, 200, 0), 2);
    CHECK_EQ(evdns_base_count_nameservers(d), 6);

    /* the ring from its head: the first server, then the others newest first */
    CHECK_STR(ns_at(d, 0), "16 10.0.0.1:53");
    CHECK_STR(ns_at(d, 1), "16 10.0.0.4:0");
    CHECK_STR(ns_at(d, 2), "16 10.0.0.3:53");
    CHECK_STR(ns_at(d, 3), "28 [::2]:53");
    CHECK_STR(ns_at(d, 4), "28 [::1]:53");
    CHECK_STR(ns_at(d, 5), "16 10.0.0.2:5353");
    CHECK_STR(ns_at(d, 6), "-1");
    CHECK_STR(ns_at(d, -1), "16 10.0.0.1:53");
    {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        CHECK_EQ(evdns_base_get_nameserver_addr(d, 0, (struct sockaddr *)&ss, 3), 16);
        CHECK_EQ(ss.ss_family, 0); /* nothing copied */
        CHECK_EQ(evdns_base_get_nameserver_addr(d, 3, NULL, 0), 28);
    }

    /* options: a name matches with or without its colon; bad values are -1 */
    {
        static const char *ints[] = {"ndots", "ndots:", "max-timeouts", "max-timeouts:", "max-inflight", "max-inflight:",
            "attempts", "attempts:", "randomize-case", "randomize-case:", "so-rcvbuf", "so-rcvbuf:", "so-sndbuf",
            "so-sndbuf:", "ndots:5", NULL};
        static const char *times[] = {"timeout", "timeout:", "getaddrinfo-allow-skew", "getaddrinfo-allow-skew:",
            "initial-probe-timeout", "initial-probe-timeout:", NULL};
        static const struct { const char *v; int i, t; } vals[] = {
            {"0", 0, -1}, {"1", 0, 0}, {"-1", -1, -1}, {"-2", 0, -1}, {"300", 0, 0}, {"70000", 0, 0}, {" 5", 0, 0},
            {"5 ", -1, -1}, {"", 0, -1}, {"foo", -1, -1}, {"0.5", -1, 0}, {"0.001", -1, 0}, {"0.0009", -1, -1},
            {"1.5e1", -1, 0}, {"0x10", -1, 0}, {"3600.5", -1, 0},
        };
        unsigned k;
        for (i = 0; ints[i]; i++)
            for (k = 0; k < sizeof(vals) / sizeof(vals[0]); k++)
                if (evdns_base_set_option(d, ints[i], vals[k].v) != vals[k].i) {
                    fprintf(stderr, "option %s value '%s'\n", ints[i], vals[k].v);
                    CHECK(0);
                }
        for (i = 0; times[i]; i++)
            for (k = 0; k < sizeof(vals) / sizeof(vals[0]); k++)
                if (evdns_base_set_option(d, times[i], vals[k].v) != vals[k].t) {
                    fprintf(stderr, "option %s value '%s'\n", times[i], vals[k].v);
                    CHECK(0);
                }
        CHECK_EQ(evdns_base_set_option(d, "bind-to", "8.8.8.8:80"), 0);
        CHECK_EQ(evdns_base_set_option(d, "bind-to:", "1.2.3.4"), 0);
        CHECK_EQ(evdns_base_set_option(d, "bind-to", "::1:82"), 0);
        CHECK_EQ(evdns_base_set_option(d, "bind-to", "[::1]:5"), 0);
        CHECK_EQ(evdns_base_set_option(d, "bind-to", "3.14"), -1);
        CHECK_EQ(evdns_base_set_option(d, "bind-to", "1.2.3.4:0"), -1);
        CHECK_EQ(evdns_base_set_option(d, "bind-to", ""), -1);
        CHECK_EQ(evdns_base_set_option(d, "ndotsx", "foo"), 0);
        CHECK_EQ(evdns_base_set_option(d, "bogus:", "foo"), 0);
        CHECK_EQ(evdns_base_set_option(d, "", "foo"), 0);
    }
    evdns_base_free(d, 0);

    /* bind-to applies to servers added later, except loopback ones */
    d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_set_option(d, "bind-to", "1.2.3.4"), 0); /* not an address of ours */
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "10.0.0.1"), 2);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "[2001:db8::1]"), 2);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "127.0.0.1"), 0);
    CHECK_EQ(evdns_base_set_option(d, "bind-to", "0.0.0.0"), 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, "10.0.0.2"), 0);
    CHECK_EQ(evdns_base_count_nameservers(d), 2);
    evdns_base_free(d, 0);

    /* IDs and letter case come from the library's own RNG whatever the program sets */
    evdns_set_transaction_id_fn(tid_fn);
    evdns_set_random_bytes_fn(rnd_fn);
    {
        struct fake_ns *ns = fake_ns_start(base, "127.0.0.1", nx, NULL);
        struct answer a;
        int ids[8], n, upper = 0, lower = 0;
        d = evdns_base_new(base, 0);
        CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
        for (n = 0; n < 8; n++) {
            memset(&a, 0, sizeof(a));
            answers_pending = 1;
            CHECK(evdns_base_resolve_ipv4(d, "abcdefghijklmnop.example", DNS_QUERY_NO_SEARCH, answer_cb, &a));
            run_until_answered(base, 5);
            CHECK_EQ(a.done, 1);
            CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
            ids[n] = ns->last.id;
            for (i = 0; ns->last.name[i]; i++) {
                if (ns->last.name[i] >= 'A' && ns->last.name[i] <= 'Z') upper++;
                if (ns->last.name[i] >= 'a' && ns->last.name[i] <= 'z') lower++;
            }
            CHECK_EQ(ns->last.flags, 0x0100); /* RD only */
            CHECK_EQ(ns->last.qdcount, 1);
        }
        CHECK(upper > 0 && lower > 0); /* randomize-case is on by default */
        CHECK(!(ids[0] == ids[1] && ids[1] == ids[2] && ids[2] == ids[3]));
        CHECK_EQ(tid_calls, 0);
        CHECK_EQ(rnd_calls, 0);
        /* randomize-case:0 sends the name as given */
        CHECK_EQ(evdns_base_set_option(d, "randomize-case:", "0"), 0);
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv6(d, "MiXeD.Example", DNS_QUERY_NO_SEARCH, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_STR(ns->last.name, "MiXeD.Example");
        CHECK_EQ(ns->last.qtype, 28);
        evdns_base_free(d, 0);
        fake_ns_stop(ns);
    }
    evdns_set_transaction_id_fn(NULL);
    evdns_set_random_bytes_fn(NULL);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
