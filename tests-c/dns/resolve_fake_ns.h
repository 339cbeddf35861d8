/* A scripted DNS name server for the resolver cases: a plain UDP socket on 127.0.0.1 (or
   another loopback address) at a port the kernel picks, read by the same event loop as the
   resolver under test. Each query is parsed into a fake_query and handed to the case's
   handler, which builds the reply bytes it wants (well-formed or hostile) with the pkt_*
   helpers, or returns 0 to stay silent. The server lives only as long as the case's loop. */
#ifndef RESOLVE_FAKE_NS_H
#define RESOLVE_FAKE_NS_H
#include <event2/event.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Helpers a case may not use. */
#define FAKE_NS_UNUSED __attribute__((unused))

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

struct fake_query {
    unsigned char pkt[1500];
    int len;
    int id, flags, qdcount;
    char name[300];      /* the question's name, dotted, as sent (case kept) */
    int qtype, qclass;
    int question_end;    /* offset just past the first question */
    struct sockaddr_in from;
};

struct pkt {
    unsigned char b[4096];
    int n;
};

struct fake_ns;
/* Build the reply into *out and return 1 to send it, 0 to stay silent. */
typedef int (*fake_ns_fn)(struct fake_ns *ns, const struct fake_query *q, struct pkt *out, void *arg);

struct fake_ns {
    evutil_socket_t fd;
    struct event *ev;
    int port;
    fake_ns_fn fn;
    void *arg;
    int n_queries;
    struct fake_query last;
    char log[8192];      /* "name/qtype " for every query, in arrival order */
};

static FAKE_NS_UNUSED void pkt_u8(struct pkt *p, int v) { p->b[p->n++] = (unsigned char)v; }
static FAKE_NS_UNUSED void pkt_u16(struct pkt *p, int v) { pkt_u8(p, (v >> 8) & 0xff); pkt_u8(p, v & 0xff); }
static FAKE_NS_UNUSED void pkt_u32(struct pkt *p, unsigned v) { pkt_u16(p, (int)(v >> 16)); pkt_u16(p, (int)(v & 0xffff)); }
static FAKE_NS_UNUSED void pkt_bytes(struct pkt *p, const void *d, int n) { memcpy(p->b + p->n, d, n); p->n += n; }
/* A dotted name as uncompressed labels ("" is the root). */
static FAKE_NS_UNUSED void pkt_name(struct pkt *p, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        int len = dot ? (int)(dot - name) : (int)strlen(name);
        pkt_u8(p, len);
        pkt_bytes(p, name, len);
        name += len + (dot ? 1 : 0);
    }
    pkt_u8(p, 0);
}
/* A reply header echoing the query's ID and its question section verbatim. */
static FAKE_NS_UNUSED void pkt_reply_head(struct pkt *p, const struct fake_query *q, int flags, int an, int ns, int ar)
{
    p->n = 0;
    pkt_u16(p, q->id);
    pkt_u16(p, flags);
    pkt_u16(p, 1);
    pkt_u16(p, an);
    pkt_u16(p, ns);
    pkt_u16(p, ar);
    pkt_bytes(p, q->pkt + 12, q->question_end - 12);
}
/* A record owned by the question's name (compression pointer to offset 12). */
static FAKE_NS_UNUSED void pkt_rr_head(struct pkt *p, const char *name, int type, unsigned ttl, int rdlen)
{
    if (name)
        pkt_name(p, name);
    else
        pkt_u16(p, 0xc00c);
    pkt_u16(p, type);
    pkt_u16(p, 1);
    pkt_u32(p, ttl);
    pkt_u16(p, rdlen);
}
static FAKE_NS_UNUSED void pkt_rr_a(struct pkt *p, const char *name, unsigned ttl, const char *ip)
{
    struct in_addr a;
    CHECK(inet_pton(AF_INET, ip, &a) == 1);
    pkt_rr_head(p, name, 1, ttl, 4);
    pkt_bytes(p, &a, 4);
}
static FAKE_NS_UNUSED void pkt_rr_aaaa(struct pkt *p, const char *name, unsigned ttl, const char *ip)
{
    struct in6_addr a;
    CHECK(inet_pton(AF_INET6, ip, &a) == 1);
    pkt_rr_head(p, name, 28, ttl, 16);
    pkt_bytes(p, &a, 16);
}
/* A record whose data is a name (CNAME 5, PTR 12), written uncompressed. */
static FAKE_NS_UNUSED void pkt_rr_name(struct pkt *p, const char *name, int type, unsigned ttl, const char *target)
{
    struct pkt t;
    t.n = 0;
    pkt_name(&t, target);
    pkt_rr_head(p, name, type, ttl, t.n);
    pkt_bytes(p, t.b, t.n);
}
/* An SOA in the authority section giving a negative-answer TTL (RFC 2308). */
static FAKE_NS_UNUSED void pkt_rr_soa(struct pkt *p, const char *zone, unsigned ttl, unsigned minimum)
{
    struct pkt t;
    t.n = 0;
    pkt_name(&t, "ns.example");
    pkt_name(&t, "admin.example");
    pkt_u32(&t, 1);
    pkt_u32(&t, 3600);
    pkt_u32(&t, 600);
    pkt_u32(&t, 86400);
    pkt_u32(&t, minimum);
    pkt_rr_head(p, zone, 6, ttl, t.n);
    pkt_bytes(p, t.b, t.n);
}

static FAKE_NS_UNUSED int fake_parse(struct fake_query *q)
{
    int i = 12, n = 0;
    if (q->len < 12)
        return -1;
    q->id = (q->pkt[0] << 8) | q->pkt[1];
    q->flags = (q->pkt[2] << 8) | q->pkt[3];
    q->qdcount = (q->pkt[4] << 8) | q->pkt[5];
    q->name[0] = 0;
    while (i < q->len && q->pkt[i]) {
        int l = q->pkt[i++];
        if (l > 63 || i + l > q->len || n + l + 2 > (int)sizeof(q->name))
            return -1;
        if (n)
            q->name[n++] = '.';
        memcpy(q->name + n, q->pkt + i, l);
        n += l;
        i += l;
    }
    q->name[n] = 0;
    if (i + 5 > q->len)
        return -1;
    i++;
    q->qtype = (q->pkt[i] << 8) | q->pkt[i + 1];
    q->qclass = (q->pkt[i + 2] << 8) | q->pkt[i + 3];
    q->question_end = i + 4;
    return 0;
}

static FAKE_NS_UNUSED void fake_ns_readable(evutil_socket_t fd, short what, void *arg)
{
    struct fake_ns *ns = arg;
    struct fake_query q;
    struct pkt out;
    socklen_t sl = sizeof(q.from);
    (void)what;
    memset(&q, 0, sizeof(q));
    q.len = (int)recvfrom(fd, q.pkt, sizeof(q.pkt), 0, (struct sockaddr *)&q.from, &sl);
    if (q.len <= 0 || fake_parse(&q) < 0)
        return;
    ns->n_queries++;
    ns->last = q;
    if (strlen(ns->log) + strlen(q.name) + 16 < sizeof(ns->log))
        sprintf(ns->log + strlen(ns->log), "%s/%d ", q.name, q.qtype);
    memset(&out, 0, sizeof(out));
    if (ns->fn(ns, &q, &out, ns->arg) && out.n > 0)
        sendto(fd, out.b, out.n, 0, (struct sockaddr *)&q.from, sizeof(q.from));
}

/* Start a server on ip (e.g. "127.0.0.1") at a kernel-chosen port. */
static FAKE_NS_UNUSED struct fake_ns *fake_ns_start(struct event_base *base, const char *ip, fake_ns_fn fn, void *arg)
{
    struct fake_ns *ns = calloc(1, sizeof(*ns));
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    CHECK(inet_pton(AF_INET, ip, &sin.sin_addr) == 1);
    ns->fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(ns->fd >= 0);
    CHECK(bind(ns->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
    CHECK(getsockname(ns->fd, (struct sockaddr *)&sin, &sl) == 0);
    ns->port = ntohs(sin.sin_port);
    evutil_make_socket_nonblocking(ns->fd);
    ns->fn = fn;
    ns->arg = arg;
    ns->ev = event_new(base, ns->fd, EV_READ | EV_PERSIST, fake_ns_readable, ns);
    event_add(ns->ev, NULL);
    return ns;
}

static FAKE_NS_UNUSED void fake_ns_stop(struct fake_ns *ns)
{
    if (!ns)
        return;
    event_free(ns->ev);
    close(ns->fd);
    free(ns);
}

/* "127.0.0.1:port" for evdns_base_nameserver_ip_add. */
static FAKE_NS_UNUSED const char *fake_ns_addr(const struct fake_ns *ns, const char *ip)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "%s:%d", ip, ns->port);
    return buf;
}

/* ---- recording resolver callbacks ---- */
struct answer {
    int done;
    int result;
    int type;
    int count;
    int ttl;
    unsigned char addrs[64 * 16];
    char ptr[512];
    int in_call; /* the callback ran inside the API call that made the request */
};
static FAKE_NS_UNUSED int in_api_call;
static FAKE_NS_UNUSED int answers_pending;
static FAKE_NS_UNUSED struct event_base *answers_base;

static FAKE_NS_UNUSED void answer_cb(int result, char type, int count, int ttl, void *addresses, void *arg)
{
    struct answer *a = arg;
    a->done++;
    a->result = result;
    a->type = type;
    a->count = count;
    a->ttl = ttl;
    a->in_call = in_api_call;
    if (addresses && type == 1 && count > 0)
        memcpy(a->addrs, addresses, (size_t)(count > 64 ? 64 : count) * 4);
    else if (addresses && type == 3 && count > 0)
        memcpy(a->addrs, addresses, (size_t)(count > 64 ? 64 : count) * 16);
    else if (addresses && type == 2)
        snprintf(a->ptr, sizeof(a->ptr), "%s", *(char **)addresses);
    if (--answers_pending == 0 && answers_base)
        event_base_loopbreak(answers_base);
}

/* The i-th address of an A answer as text. */
static FAKE_NS_UNUSED const char *answer_v4(const struct answer *a, int i)
{
    static char buf[INET_ADDRSTRLEN];
    return inet_ntop(AF_INET, a->addrs + 4 * i, buf, sizeof(buf));
}
static FAKE_NS_UNUSED const char *answer_v6(const struct answer *a, int i)
{
    static char buf[INET6_ADDRSTRLEN];
    return inet_ntop(AF_INET6, a->addrs + 16 * i, buf, sizeof(buf));
}

static FAKE_NS_UNUSED void run_timer_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopbreak(arg);
}
/* Run the loop until `answers_pending` callbacks have come, or `secs` pass. */
static FAKE_NS_UNUSED void run_until_answered(struct event_base *base, double secs)
{
    struct timeval tv;
    struct event *t = evtimer_new(base, run_timer_cb, base);
    tv.tv_sec = (long)secs;
    tv.tv_usec = (long)((secs - (long)secs) * 1e6);
    answers_base = base;
    if (answers_pending > 0) {
        evtimer_add(t, &tv);
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    }
    event_free(t);
}
/* Run the loop for `secs` whatever happens. */
static FAKE_NS_UNUSED void run_for(struct event_base *base, double secs)
{
    struct timeval tv;
    struct event *t = evtimer_new(base, run_timer_cb, base);
    tv.tv_sec = (long)secs;
    tv.tv_usec = (long)((secs - (long)secs) * 1e6);
    answers_base = NULL;
    evtimer_add(t, &tv);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    event_free(t);
}
#endif
