/* dns resolve_getaddrinfo: evdns_getaddrinfo as 2.1.12 answers it. Inside the call (the
   function returns NULL): numeric hosts (IPv6 with a zone too), no host (loopback, or the
   wildcard with AI_PASSIVE), bad families and services, AI_NUMERICHOST (through the C
   library), hosts-file names (file order, the port only on the first node of an address,
   "found but not in this family" = success with no list; evdns_base_resolve_ipv4 does not
   read them), no evdns base at all. From the
   loop: A and AAAA lookups together, IPv4 first, the first CNAME as ai_canonname with
   AI_CANONNAME (a name of 64 characters or more fails the reply), NXDOMAIN as EAI_NONAME,
   NODATA and server failures as EAI_FAIL, one family answering while the other hangs
   (reported after getaddrinfo-allow-skew), evdns_getaddrinfo_cancel (EAI_CANCEL), and
   evdns_base_free with fail_requests (EAI_FAIL). Result nodes carry only the
   "allocated by libevent" flag and are released with evutil_freeaddrinfo. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <ctype.h>
#include <netdb.h>

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    char n[300];
    int i;
    (void)ns; (void)arg;
    for (i = 0; q->name[i]; i++) n[i] = (char)tolower((unsigned char)q->name[i]);
    n[i] = 0;
    if (!strcmp(n, "both.example")) {
        pkt_reply_head(o, q, 0x8180, 2, 0, 0);
        pkt_rr_name(o, NULL, 5, 10, "canon.example");
        if (q->qtype == 1) pkt_rr_a(o, "canon.example", 20, "9.9.9.9");
        else pkt_rr_aaaa(o, "canon.example", 20, "99::9");
        return 1;
    }
    if (!strcmp(n, "longcname.example")) {
        pkt_reply_head(o, q, 0x8180, 2, 0, 0);
        pkt_rr_name(o, NULL, 5, 10, "cccccccccccccccccccccccccccccccccccccccc.cccccccccccccccccccccccccccccc.example");
        if (q->qtype == 1) pkt_rr_a(o, NULL, 20, "9.9.9.9");
        else pkt_rr_aaaa(o, NULL, 20, "99::9");
        return 1;
    }
    if (!strcmp(n, "nodata.example")) { pkt_reply_head(o, q, 0x8180, 0, 0, 0); return 1; }
    if (!strcmp(n, "v4nodata.example")) {
        if (q->qtype == 1) {
            pkt_reply_head(o, q, 0x8180, 1, 0, 0);
            pkt_rr_a(o, NULL, 20, "4.4.4.4");
        } else {
            pkt_reply_head(o, q, 0x8180, 0, 0, 0);
        }
        return 1;
    }
    if (!strcmp(n, "servfail.example")) { pkt_reply_head(o, q, 0x8182, 0, 0, 0); return 1; }
    if (!strcmp(n, "refused.example")) { pkt_reply_head(o, q, 0x8185, 0, 0, 0); return 1; }
    if (!strcmp(n, "1.2.3.4")) { pkt_reply_head(o, q, 0x8180, 1, 0, 0); pkt_rr_aaaa(o, NULL, 20, "1::4"); return 1; }
    if (!strcmp(n, "v4slow.example")) {
        if (q->qtype != 28) return 0;
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_aaaa(o, NULL, 20, "6::6");
        return 1;
    }
    if (!strcmp(n, "v6slow-nx.example")) {
        if (q->qtype == 28) return 0;
        pkt_reply_head(o, q, 0x8183, 0, 0, 0);
        return 1;
    }
    if (!strcmp(n, "hang.example")) return 0;
    pkt_reply_head(o, q, 0x8183, 0, 0, 0);
    return 1;
}

struct gres { int done, err, in_call; char desc[1024]; };

static void describe(struct evutil_addrinfo *ai, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (; ai; ai = ai->ai_next) {
        char a[64];
        int port;
        if (ai->ai_family == AF_INET) {
            struct sockaddr_in *s = (struct sockaddr_in *)ai->ai_addr;
            CHECK_EQ(ai->ai_addrlen, sizeof(*s));
            inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
            port = ntohs(s->sin_port);
        } else {
            struct sockaddr_in6 *s = (struct sockaddr_in6 *)ai->ai_addr;
            CHECK_EQ(ai->ai_addrlen, sizeof(*s));
            inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
            port = ntohs(s->sin6_port);
            if (s->sin6_scope_id) snprintf(a + strlen(a), sizeof(a) - strlen(a), "%%%u", (unsigned)s->sin6_scope_id);
        }
        n += snprintf(buf + n, len - n, "%s%d/%d/%d/%#x %s %d%s%s", n ? "; " : "", ai->ai_family, ai->ai_socktype,
                      ai->ai_protocol, (unsigned)ai->ai_flags, a, port, ai->ai_canonname ? " " : "",
                      ai->ai_canonname ? ai->ai_canonname : "");
    }
}

static void gcb(int err, struct evutil_addrinfo *res, void *arg)
{
    struct gres *g = arg;
    g->done++;
    g->err = err;
    g->in_call = in_api_call;
    describe(res, g->desc, sizeof(g->desc));
    if (res) evutil_freeaddrinfo(res);
    if (--answers_pending == 0 && answers_base) event_base_loopbreak(answers_base);
}

static struct event_base *base;
static struct evdns_base *dns;

/* Ask; `immediate` says whether the answer must come inside the call. */
static struct gres go(const char *node, const char *serv, int fam, int st, int proto, int flags, int immediate)
{
    struct evutil_addrinfo hints;
    struct gres g;
    struct evdns_getaddrinfo_request *r;
    memset(&hints, 0, sizeof(hints));
    memset(&g, 0, sizeof(g));
    hints.ai_family = fam;
    hints.ai_socktype = st;
    hints.ai_protocol = proto;
    hints.ai_flags = flags;
    answers_pending = 1;
    in_api_call = 1;
    r = evdns_getaddrinfo(dns, node, serv, fam == -1 ? NULL : &hints, gcb, &g);
    in_api_call = 0;
    if (immediate) {
        CHECK(r == NULL);
        CHECK_EQ(g.done, 1);
        CHECK_EQ(g.in_call, 1);
    } else {
        CHECK(r != NULL);
        CHECK_EQ(g.done, 0);
        run_until_answered(base, 5);
        CHECK_EQ(g.done, 1);
        CHECK_EQ(g.in_call, 0);
    }
    return g;
}

static void expect(const char *node, const char *serv, int fam, int st, int proto, int flags, int immediate, int err,
                   const char *desc)
{
    struct gres g = go(node, serv, fam, st, proto, flags, immediate);
    if (g.err != err || strcmp(g.desc, desc)) {
        fprintf(stderr, "%s %s: err %d [%s], expected %d [%s]\n", node ? node : "NULL", serv ? serv : "NULL", g.err, g.desc, err,
                desc);
        exit(1);
    }
}

#define V4 "0x80000000"

int main(void)
{
    struct fake_ns *ns;
    alarm(40);
    base = event_base_new();
    dns = evdns_base_new(base, 0);

    /* no DNS needed */
    expect("1.2.3.4", "80", 0, 0, 0, 0, 1, 0, "2/1/6/" V4 " 1.2.3.4 80; 2/2/17/" V4 " 1.2.3.4 80");
    expect("1.2.3.4", "80", -1, 0, 0, 0, 1, 0, "2/1/6/" V4 " 1.2.3.4 80; 2/2/17/" V4 " 1.2.3.4 80");
    expect("1.2.3.4", NULL, 0, 0, 0, 0, 1, 0, "2/1/6/" V4 " 1.2.3.4 0; 2/2/17/" V4 " 1.2.3.4 0");
    expect(NULL, NULL, 0, 0, 0, 0, 1, EVUTIL_EAI_NONAME, "");
    expect(NULL, "80", 0, SOCK_STREAM, 0, 0, 1, 0, "2/1/6/" V4 " 127.0.0.1 80; 10/1/6/" V4 " ::1 80");
    expect(NULL, "80", 0, SOCK_STREAM, 0, EVUTIL_AI_PASSIVE, 1, 0, "2/1/6/" V4 " 0.0.0.0 80; 10/1/6/" V4 " :: 80");
    expect(NULL, "80", AF_INET6, SOCK_DGRAM, 0, 0, 1, 0, "10/2/17/" V4 " ::1 80");
    expect("1.2.3.4", "http", 0, SOCK_STREAM, 0, 0, 1, 0, "2/1/6/" V4 " 1.2.3.4 80");
    expect("1.2.3.4", "nosuchservice", 0, SOCK_STREAM, 0, 0, 1, EVUTIL_EAI_NONAME, "");
    expect("1.2.3.4", "80x", 0, SOCK_STREAM, 0, 0, 1, EVUTIL_EAI_NONAME, "");
    expect("1.2.3.4", "70000", 0, SOCK_STREAM, 0, 0, 1, EVUTIL_EAI_NONAME, "");
    expect("1.2.3.4", "80", 0, 0, IPPROTO_UDP, 0, 1, 0, "2/2/17/" V4 " 1.2.3.4 80");
    expect("1.2.3.4", "80", 0, SOCK_RAW, 0, 0, 1, 0, "2/3/0/" V4 " 1.2.3.4 80");
    expect("1.2.3.4", "80", AF_UNIX, 0, 0, 0, 1, EVUTIL_EAI_FAMILY, "");
    expect("1.2.3.4", "80", 0, 0, 0, EVUTIL_AI_CANONNAME, 1, 0, "2/1/6/" V4 " 1.2.3.4 80; 2/2/17/" V4 " 1.2.3.4 80");
    expect("::1", "80", 0, SOCK_STREAM, 0, 0, 1, 0, "10/1/6/" V4 " ::1 80");
    expect("fe80::1%1", "80", 0, SOCK_STREAM, 0, 0, 1, 0, "10/1/6/" V4 " fe80::1%1 80");
    expect("www.example", "80", 0, SOCK_STREAM, 0, EVUTIL_AI_NUMERICHOST, 1, EVUTIL_EAI_NONAME, "");
    {
        /* AI_NUMERICHOST goes to the C library: its list, its flags */
        struct gres g = go("1.2.3.4", "80", 0, SOCK_STREAM, 0, EVUTIL_AI_NUMERICHOST, 1);
        CHECK_EQ(g.err, 0);
        CHECK(strstr(g.desc, "1.2.3.4 80") != NULL);
        CHECK(strstr(g.desc, V4) == NULL);
    }

    /* hosts */
    CHECK_EQ(evdns_base_load_hosts(dns, NULL), 0);
    expect("LocalHost", "80", 0, SOCK_STREAM, 0, 0, 1, 0, "2/1/6/" V4 " 127.0.0.1 80; 10/1/6/" V4 " ::1 80");
    expect("localhost", "80", 0, 0, 0, 0, 1, 0,
           "2/1/6/" V4 " 127.0.0.1 80; 2/2/17/" V4 " 127.0.0.1 0; 10/1/6/" V4 " ::1 80; 10/2/17/" V4 " ::1 0");
    expect("localhost", "9", AF_INET6, SOCK_STREAM, 0, EVUTIL_AI_CANONNAME, 1, 0, "10/1/6/" V4 " ::1 9");
    {
        char path[] = "/tmp/levent-hosts-XXXXXX";
        int fd = mkstemp(path);
        const char *text = "# comment\n10.0.0.1 h1 h1alias # trailing\n  10.0.0.2\th2\n::5 h1\n10.0.0.3:80 hport\n"
                           "badaddr hbad\n10.0.0.4 h4only\n10.0.0.7 H1\n[::6] six\n";
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        CHECK_EQ(evdns_base_load_hosts(dns, path), 0);
        unlink(path);
        CHECK_EQ(evdns_base_load_hosts(dns, "/nonexistent/hosts"), -1);
        CHECK_EQ(evdns_base_load_hosts(dns, "/tmp"), -1);
        expect("h1", "80", 0, SOCK_STREAM, 0, 0, 1, 0,
               "2/1/6/" V4 " 10.0.0.1 80; 10/1/6/" V4 " ::5 80; 2/1/6/" V4 " 10.0.0.7 80");
        expect("h1alias", "80", 0, SOCK_STREAM, 0, 0, 1, 0, "2/1/6/" V4 " 10.0.0.1 80");
        expect("h2", "80", AF_INET, SOCK_STREAM, 0, 0, 1, 0, "2/1/6/" V4 " 10.0.0.2 80");
        expect("six", "80", 0, SOCK_STREAM, 0, 0, 1, 0, "10/1/6/" V4 " ::6 80");
        expect("h4only", "80", AF_INET6, SOCK_STREAM, 0, 0, 1, 0, "");
        expect("h1", "80", AF_INET6, SOCK_STREAM, 0, 0, 1, 0, "10/1/6/" V4 " ::5 80");
    }

    /* DNS */
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "timeout", "0.3"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "getaddrinfo-allow-skew", "0.2"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "attempts", "1"), 0);
    expect("hport", "80", 0, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_NONAME, ""); /* not taken from the file */
    {
        /* only evdns_getaddrinfo reads the hosts entries: a plain lookup asks the server */
        struct answer a;
        memset(&a, 0, sizeof(a));
        ns->n_queries = 0;
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv4(dns, "localhost", DNS_QUERY_NO_SEARCH, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
        CHECK_EQ(ns->n_queries, 1);
    }
    expect("both.example", "80", 0, SOCK_STREAM, 0, EVUTIL_AI_CANONNAME, 0, 0,
           "2/1/6/" V4 " 9.9.9.9 80 canon.example; 10/1/6/" V4 " 99::9 80");
    expect("both.example", "80", 0, SOCK_STREAM, 0, 0, 0, 0, "2/1/6/" V4 " 9.9.9.9 80; 10/1/6/" V4 " 99::9 80");
    expect("both.example", NULL, -1, 0, 0, 0, 0, 0,
           "2/1/6/" V4 " 9.9.9.9 0; 2/2/17/" V4 " 9.9.9.9 0; 10/1/6/" V4 " 99::9 0; 10/2/17/" V4 " 99::9 0");
    expect("both.example", "80", AF_INET6, SOCK_STREAM, 0, EVUTIL_AI_CANONNAME, 0, 0, "10/1/6/" V4 " 99::9 80 canon.example");
    expect("longcname.example", "80", 0, SOCK_STREAM, 0, EVUTIL_AI_CANONNAME, 0, EVUTIL_EAI_FAIL, "");
    expect("longcname.example", "80", 0, SOCK_STREAM, 0, 0, 0, 0, "2/1/6/" V4 " 9.9.9.9 80; 10/1/6/" V4 " 99::9 80");
    expect("nodata.example", "80", 0, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_FAIL, "");
    expect("nodata.example", "80", AF_INET, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_FAIL, "");
    expect("v4nodata.example", "80", 0, SOCK_STREAM, 0, 0, 0, 0, "2/1/6/" V4 " 4.4.4.4 80");
    expect("nx.example", "80", 0, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_NONAME, "");
    expect("nx.example", "80", AF_INET6, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_NONAME, "");
    expect("servfail.example", "80", AF_INET, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_FAIL, "");
    expect("refused.example", "80", AF_INET, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_FAIL, "");
    expect("1.2.3.4", "80", AF_INET6, SOCK_STREAM, 0, 0, 0, 0, "10/1/6/" V4 " 1::4 80");
    expect("v4slow.example", "80", 0, SOCK_STREAM, 0, EVUTIL_AI_CANONNAME, 0, 0, "10/1/6/" V4 " 6::6 80");
    expect("v6slow-nx.example", "80", 0, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_NONAME, "");
    expect("hang.example", "80", 0, SOCK_STREAM, 0, 0, 0, EVUTIL_EAI_FAIL, "");

    /* cancel: the callback comes from the loop with EAI_CANCEL */
    {
        struct gres g;
        struct evdns_getaddrinfo_request *r;
        memset(&g, 0, sizeof(g));
        answers_pending = 1;
        r = evdns_getaddrinfo(dns, "hang.example", "80", NULL, gcb, &g);
        CHECK(r);
        in_api_call = 1;
        evdns_getaddrinfo_cancel(r);
        in_api_call = 0;
        CHECK_EQ(g.done, 0);
        run_until_answered(base, 5);
        CHECK_EQ(g.done, 1);
        CHECK_EQ(g.in_call, 0);
        CHECK_EQ(g.err, EVUTIL_EAI_CANCEL);
    }
    /* freeing the base with fail_requests: EAI_FAIL from the loop, after the free */
    {
        static struct gres g[4];
        int i;
        memset(g, 0, sizeof(g));
        for (i = 0; i < 4; i++) CHECK(evdns_getaddrinfo(dns, "hang.example", "80", NULL, gcb, &g[i]));
        answers_pending = 4;
        evdns_base_free(dns, 1);
        for (i = 0; i < 4; i++) CHECK_EQ(g[i].done, 0);
        run_until_answered(base, 5);
        for (i = 0; i < 4; i++) {
            CHECK_EQ(g[i].done, 1);
            CHECK_EQ(g[i].err, EVUTIL_EAI_FAIL);
        }
    }
    /* no evdns base at all */
    {
        struct gres g;
        memset(&g, 0, sizeof(g));
        CHECK(evdns_getaddrinfo(NULL, "1.2.3.4", "80", NULL, gcb, &g) == NULL);
        CHECK_EQ(g.done, 1);
        CHECK_EQ(g.err, EVUTIL_EAI_FAIL);
    }
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
