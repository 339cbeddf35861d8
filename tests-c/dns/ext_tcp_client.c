/* dns ext_tcp_client: DNS over TCP in the resolver, an extension beyond 2.1.12 (libevent
   2.2's DNS_QUERY_USEVC / DNS_QUERY_IGNTC flags and use-vc / ignore-tc / tcp-idle-timeout:
   options; Debian's 2.1.12 has none of it, hence OURS_ONLY). A scripted name server answers
   on UDP and TCP at the same port of 127.0.0.1: over UDP with a truncated (TC) answer for
   "big.example", over TCP with 40 addresses. Checked: DNS_QUERY_USEVC goes over TCP (two
   bytes of length, then the query), several such queries share one connection; by default
   a truncated answer fails with DNS_ERR_TRUNCATED and nothing goes over TCP, as in 2.1.12;
   with tcp-fallback:1 it is asked again over TCP and answered, unless DNS_QUERY_IGNTC (or
   ignore-tc) says no; use-vc sends everything over TCP; an idle connection is closed after
   tcp-idle-timeout:, and the next query opens a new one; a connection the server drops
   while a query waits is reopened by the retransmission. */
/* OURS_ONLY */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <errno.h>
#include <strings.h>

static struct event_base *base;
static struct evdns_base *dns;
static int udp_queries, tcp_queries, accepts, eofs, drop_next;

static void big_answer(struct pkt *o, const struct fake_query *q, int n)
{
    int i;
    pkt_reply_head(o, q, 0x8180, n, 0, 0);
    for (i = 0; i < n; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.9.0.%d", i + 1);
        pkt_rr_a(o, NULL, 60, ip);
    }
}

static int udp_handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns;
    (void)arg;
    udp_queries++;
    big_answer(o, q, strcasecmp(q->name, "big.example") ? 1 : 40);
    if (o->n > 512) {
        o->n = 512;
        o->b[2] |= 0x02;
    }
    return 1;
}

/* ---- the TCP side ---- */
struct conn { int fd; struct event *ev; unsigned char in[4096]; int n; };

static void conn_close(struct conn *c)
{
    event_free(c->ev);
    close(c->fd);
    free(c);
}

static void conn_read(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    int r = (int)recv(fd, c->in + c->n, sizeof c->in - c->n, 0);
    (void)what;
    if (r <= 0) {
        eofs++;
        conn_close(c);
        return;
    }
    c->n += r;
    while (c->n >= 2 && c->n >= 2 + ((c->in[0] << 8) | c->in[1])) {
        int len = (c->in[0] << 8) | c->in[1];
        struct fake_query q;
        struct pkt o;
        unsigned char hdr[2];
        memset(&q, 0, sizeof q);
        memcpy(q.pkt, c->in + 2, len);
        q.len = len;
        memmove(c->in, c->in + 2 + len, c->n - 2 - len);
        c->n -= 2 + len;
        if (fake_parse(&q) < 0)
            continue;
        tcp_queries++;
        if (drop_next) {
            drop_next = 0;
            conn_close(c);
            return;
        }
        memset(&o, 0, sizeof o);
        big_answer(&o, &q, strcasecmp(q.name, "big.example") ? 1 : 40);
        hdr[0] = o.n >> 8;
        hdr[1] = o.n & 0xff;
        CHECK(send(fd, hdr, 2, 0) == 2);
        CHECK(send(fd, o.b, o.n, 0) == o.n);
    }
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct conn *c;
    int fd = accept(lfd, NULL, NULL);
    (void)what;
    (void)arg;
    if (fd < 0)
        return;
    accepts++;
    c = calloc(1, sizeof *c);
    c->fd = fd;
    evutil_make_socket_nonblocking(fd);
    c->ev = event_new(base, fd, EV_READ | EV_PERSIST, conn_read, c);
    event_add(c->ev, NULL);
}

static struct answer ask(const char *name, int flags)
{
    struct answer a;
    memset(&a, 0, sizeof a);
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH | flags, answer_cb, &a));
    run_until_answered(base, 10);
    CHECK_EQ(a.done, 1);
    return a;
}

static struct evdns_base *fresh(struct fake_ns *ns)
{
    struct evdns_base *d = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(d, "timeout:", "0.5"), 0);
    return d;
}

int main(void)
{
    struct fake_ns *ns;
    struct sockaddr_in sin;
    struct event *lev;
    struct answer a;
    int lfd, one = 1, i;
    alarm(40);
    base = event_base_new();
    ns = fake_ns_start(base, "127.0.0.1", udp_handler, NULL);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    sin.sin_port = htons(ns->port);
    CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(listen(lfd, 16) == 0);
    evutil_make_socket_nonblocking(lfd);
    lev = event_new(base, lfd, EV_READ | EV_PERSIST, on_accept, NULL);
    event_add(lev, NULL);
    dns = fresh(ns);

    /* DNS_QUERY_USEVC: over TCP, a full answer */
    a = ask("small.example", DNS_QUERY_USEVC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_STR(answer_v4(&a, 0), "10.9.0.1");
    CHECK_EQ(udp_queries, 0);
    CHECK_EQ(tcp_queries, 1);
    CHECK_EQ(accepts, 1);

    /* several at once share the connection */
    {
        static struct answer m[10];
        memset(m, 0, sizeof m);
        answers_pending = 10;
        for (i = 0; i < 10; i++)
            CHECK(evdns_base_resolve_ipv4(dns, i % 2 ? "big.example" : "small.example", DNS_QUERY_NO_SEARCH | DNS_QUERY_USEVC,
                                          answer_cb, &m[i]));
        run_until_answered(base, 10);
        for (i = 0; i < 10; i++) {
            CHECK_EQ(m[i].result, DNS_ERR_NONE);
            CHECK_EQ(m[i].count, i % 2 ? 32 : 1);
        }
        CHECK_EQ(tcp_queries, 11);
        CHECK_EQ(accepts, 1);
    }

    /* 2.1.12's behaviour by default: truncated is final, nothing over TCP */
    a = ask("big.example", 0);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);
    CHECK_EQ(udp_queries, 1);
    CHECK_EQ(tcp_queries, 11);

    /* tcp-fallback:1: asked again over TCP */
    CHECK_EQ(evdns_base_set_option(dns, "tcp-fallback:", "1"), 0);
    a = ask("big.example", 0);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(a.count, 32);
    CHECK_EQ(udp_queries, 2);
    CHECK_EQ(tcp_queries, 12);
    /* ... unless DNS_QUERY_IGNTC */
    a = ask("big.example", DNS_QUERY_IGNTC);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);
    CHECK_EQ(udp_queries, 3);
    CHECK_EQ(tcp_queries, 12);

    /* idle connections close after tcp-idle-timeout:, the next query opens another */
    CHECK_EQ(evdns_base_set_option(dns, "tcp-idle-timeout:", "0.3"), 0);
    a = ask("small.example", DNS_QUERY_USEVC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    run_for(base, 1.2);
    CHECK_EQ(eofs, 1);
    a = ask("small.example", DNS_QUERY_USEVC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(accepts, 2);

    /* the server drops the connection under a query: the retransmission reconnects */
    drop_next = 1;
    a = ask("small.example", DNS_QUERY_USEVC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(accepts, 3);
    evdns_base_free(dns, 0);

    /* use-vc and ignore-tc take no value; use-vc puts every query on TCP */
    dns = fresh(ns);
    CHECK_EQ(evdns_base_set_option(dns, "use-vc", "x"), -1);
    CHECK_EQ(evdns_base_set_option(dns, "use-vc", ""), 0);
    udp_queries = tcp_queries = 0;
    a = ask("big.example", 0);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(a.count, 32);
    CHECK_EQ(udp_queries, 0);
    CHECK_EQ(tcp_queries, 1);
    evdns_base_free(dns, 0);
    dns = fresh(ns);
    CHECK_EQ(evdns_base_set_option(dns, "tcp-fallback:", "1"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "ignore-tc", NULL), 0);
    a = ask("big.example", 0);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);
    CHECK_EQ(tcp_queries, 1);
    evdns_base_free(dns, 0);

    event_free(lev);
    close(lfd);
    fake_ns_stop(ns);
    run_for(base, 0.1);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
