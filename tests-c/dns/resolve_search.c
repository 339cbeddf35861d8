/* dns resolve_search: which names a lookup asks, in which order, as 2.1.12 does it.
   evdns_base_search_add puts the newest domain first; a resolv.conf "search" line keeps
   its order and "domain" replaces the list; leading dots of a domain are dropped and a
   name ending in a dot gets no second one; a name with at least ndots dots is asked as
   given first, a shorter one last; ndots comes back to 1 when the list is cleared (also
   by a later "search" line); NXDOMAIN and NODATA move on to the next name, an answer
   stops; DNS_QUERY_NO_SEARCH and reverse lookups ask one name; the empty name is refused
   with a list and asked as the root without one. Letter case is not randomized here so
   the server sees the names as built. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns; (void)arg;
    if (!strcmp(q->name, "host.b.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_a(o, NULL, 60, "2.2.2.2");
    } else if (!strcmp(q->name, "nodata.a.example")) {
        pkt_reply_head(o, q, 0x8180, 0, 1, 0);
        pkt_rr_soa(o, "a.example", 30, 600);
    } else if (!strcmp(q->name, "refused.a.example")) {
        pkt_reply_head(o, q, 0x8185, 0, 0, 0);
    } else {
        pkt_reply_head(o, q, 0x8183, 0, 0, 0);
    }
    return 1;
}

static struct event_base *base;
static struct fake_ns *ns;
static int port;

static const char *asked(struct evdns_base *d, const char *name, int flags, struct answer *out)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    ns->log[0] = 0;
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(d, name, flags, answer_cb, &a));
    run_until_answered(base, 5);
    CHECK_EQ(a.done, 1);
    if (out) *out = a;
    return ns->log;
}

static struct evdns_base *fresh(void)
{
    struct evdns_base *d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(d, "randomize-case", "0"), 0);
    return d;
}

static struct evdns_base *from_file(const char *text, int flags, int want)
{
    char path[] = "/tmp/levent-resolvconf-XXXXXX";
    int fd = mkstemp(path);
    struct evdns_base *d = evdns_base_new(base, 0);
    FILE *f;
    CHECK(fd >= 0);
    f = fdopen(fd, "w");
    fprintf(f, "nameserver 127.0.0.1:%d\n%s", port, text);
    fclose(f);
    CHECK_EQ(evdns_base_set_option(d, "randomize-case", "0"), 0);
    CHECK_EQ(evdns_base_resolv_conf_parse(d, flags, path), want);
    unlink(path);
    return d;
}

int main(void)
{
    struct evdns_base *d;
    struct answer a;
    alarm(30);
    base = event_base_new();
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    port = ns->port;

    d = fresh();
    evdns_base_search_add(d, "a.example");
    evdns_base_search_add(d, "..b.example");
    evdns_base_search_add(d, "c.example.");
    CHECK_STR(asked(d, "nx", 0, &a), "nx.c.example/1 nx.b.example/1 nx.a.example/1 nx/1 ");
    CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    CHECK_STR(asked(d, "host", 0, &a), "host.c.example/1 host.b.example/1 ");
    CHECK_EQ(a.result, 0);
    CHECK_STR(answer_v4(&a, 0), "2.2.2.2");
    CHECK_STR(asked(d, "x.y", 0, NULL), "x.y/1 x.y.c.example/1 x.y.b.example/1 x.y.a.example/1 ");
    CHECK_STR(asked(d, "x.y.", 0, NULL), "x.y/1 x.y.c.example/1 x.y.b.example/1 x.y.a.example/1 ");
    CHECK_STR(asked(d, "host", DNS_QUERY_NO_SEARCH, &a), "host/1 ");
    CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    evdns_base_search_ndots_set(d, 3);
    CHECK_STR(asked(d, "x.y", 0, NULL), "x.y.c.example/1 x.y.b.example/1 x.y.a.example/1 x.y/1 ");
    evdns_base_search_ndots_set(d, 0);
    CHECK_STR(asked(d, "x", 0, NULL), "x/1 x.c.example/1 x.b.example/1 x.a.example/1 ");
    /* clearing puts ndots back to 1 */
    evdns_base_search_ndots_set(d, 3);
    evdns_base_search_clear(d);
    CHECK_STR(asked(d, "x.y", 0, NULL), "x.y/1 ");
    evdns_base_search_add(d, "z.example");
    CHECK_STR(asked(d, "x.y", 0, NULL), "x.y/1 x.y.z.example/1 ");
    CHECK_STR(asked(d, "x", 0, NULL), "x.z.example/1 x/1 ");
    /* the empty name: refused with a list, the root without one */
    CHECK(evdns_base_resolve_ipv4(d, "", 0, answer_cb, &a) == NULL);
    CHECK_STR(asked(d, "", DNS_QUERY_NO_SEARCH, NULL), "/1 ");
    /* NODATA moves on; REFUSED from the only server ends the search (nowhere to reissue) */
    evdns_base_search_clear(d);
    evdns_base_search_add(d, "b.example");
    evdns_base_search_add(d, "a.example");
    CHECK_STR(asked(d, "nodata", 0, &a), "nodata.a.example/1 nodata.b.example/1 nodata/1 ");
    CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    CHECK_STR(asked(d, "host", 0, &a), "host.a.example/1 host.b.example/1 ");
    CHECK_EQ(a.result, 0);
    CHECK_STR(asked(d, "refused", 0, &a), "refused.a.example/1 refused.b.example/1 refused/1 ");
    CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    {
        struct in_addr in;
        in.s_addr = htonl(0x7f000001);
        ns->log[0] = 0;
        answers_pending = 1;
        CHECK(evdns_base_resolve_reverse(d, &in, 0, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_STR(ns->log, "1.0.0.127.in-addr.arpa/12 ");
        CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    }
    evdns_base_free(d, 0);

    /* resolv.conf: search keeps file order, domain replaces, options ndots needs SEARCH */
    d = from_file("search a.example b.example\noptions ndots:2\n", DNS_OPTIONS_ALL, 0);
    CHECK_STR(asked(d, "nx.y", 0, NULL), "nx.y.a.example/1 nx.y.b.example/1 nx.y/1 ");
    evdns_base_free(d, 0);
    d = from_file("options ndots:2\nsearch a.example b.example\n", DNS_OPTIONS_ALL, 0);
    CHECK_STR(asked(d, "nx.y", 0, NULL), "nx.y/1 nx.y.a.example/1 nx.y.b.example/1 ");
    evdns_base_free(d, 0);
    d = from_file("search a.example b.example\ndomain .d.example.\n", DNS_OPTIONS_ALL, 0);
    CHECK_STR(asked(d, "nx", 0, NULL), "nx.d.example/1 nx/1 ");
    evdns_base_free(d, 0);
    d = from_file("search a.example\noptions ndots:3\n", DNS_OPTION_NAMESERVERS | DNS_OPTION_MISC, 0);
    CHECK_STR(asked(d, "nx.y", 0, NULL), "nx.y/1 ");
    evdns_base_free(d, 0);
    d = from_file("search a.example\noptions ndots:3\n", DNS_OPTION_SEARCH | DNS_OPTION_NAMESERVERS, 0);
    CHECK_STR(asked(d, "nx.y", 0, NULL), "nx.y.a.example/1 nx.y/1 ");
    evdns_base_free(d, 0);
    d = from_file("search\tx.example\n\nsearch y.example z.example\n", DNS_OPTIONS_ALL, 0);
    CHECK_STR(asked(d, "nx", 0, NULL), "nx.y.example/1 nx.z.example/1 nx/1 ");
    evdns_base_free(d, 0);
    /* an empty list falls back to the host name's domain, if it has one */
    {
        char host[256], want[600];
        const char *dot;
        CHECK(gethostname(host, sizeof(host)) == 0);
        dot = strchr(host, '.');
        if (dot)
            snprintf(want, sizeof(want), "nx.%s/1 nx/1 ", dot + 1);
        else
            snprintf(want, sizeof(want), "nx/1 ");
        d = from_file("search\n", DNS_OPTIONS_ALL, 0);
        CHECK_STR(asked(d, "nx", 0, NULL), want);
        evdns_base_free(d, 0);
    }

    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
