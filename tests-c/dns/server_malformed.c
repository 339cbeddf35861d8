/* dns server_malformed: an evdns server port fed a few thousand hostile datagrams (seeded, so
   a failure replays): random bytes, valid queries with bytes flipped, cut or extended,
   compression pointer loops and chains, labels running past the end, names of 255 bytes and
   more built from pointers, the empty name, question counts far beyond the packet, response
   packets. The program's callback answers whatever reaches it (a record named after the
   question, or a drop). After each batch a valid query must still be answered, and at the
   end the port must close cleanly. Packets shorter than a header are left to
   server_short_packet.c (libevent 2.1.12 crashes on them). Run under valgrind by hand:
   valgrind --leak-check=full --error-exitcode=9 build/tests/ours/dns_server_malformed */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static int cli, served, pings;
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}
static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }

struct pkt { unsigned char b[1400]; int n; };
static void put(struct pkt *p, const void *d, int n)
{
    if (p->n + n > (int)sizeof p->b)
        n = (int)sizeof p->b - p->n;
    memcpy(p->b + p->n, d, n);
    p->n += n;
}
static void put8(struct pkt *p, int v) { unsigned char c = (unsigned char)v; put(p, &c, 1); }
static void put16(struct pkt *p, int v) { put8(p, v >> 8); put8(p, v); }
static void header(struct pkt *p, unsigned id, unsigned flags, int qd, int an)
{
    p->n = 0;
    put16(p, id); put16(p, flags); put16(p, qd); put16(p, an); put16(p, 0); put16(p, 0);
}
static void name(struct pkt *p, const char *s)
{
    while (*s) {
        const char *dot = strchr(s, '.');
        int len = dot ? (int)(dot - s) : (int)strlen(s);
        put8(p, len);
        put(p, s, len);
        s += len + (dot ? 1 : 0);
    }
    put8(p, 0);
}
static void valid(struct pkt *p, unsigned id, const char *n, int type)
{
    header(p, id, 0x0100, 1, 0);
    name(p, n);
    put16(p, type);
    put16(p, 1);
}

/* One hostile packet of kind k, never shorter than the 12-byte header. */
static void hostile(struct pkt *p, int k)
{
    int i, n;
    switch (k) {
    case 0: /* random bytes */
        p->n = 12 + below(600);
        for (i = 0; i < p->n; i++)
            p->b[i] = (unsigned char)rnd();
        if (below(2))
            p->b[2] &= 0x7f; /* mostly not responses, so the questions get read */
        break;
    case 1: /* a valid query, bytes flipped */
        valid(p, rnd(), below(2) ? "www.example.com" : "a.very.long.name.with.many.labels.example.org", 1 + below(40));
        for (n = 1 + below(4); n > 0; n--)
            p->b[below(p->n)] ^= (unsigned char)(1u << below(8));
        break;
    case 2: /* a valid query cut short (but keeping its header) or extended */
        valid(p, rnd(), "host.example.net", 1);
        if (below(2))
            p->n = 12 + below(p->n - 12);
        else
            for (n = below(100); n > 0; n--)
                put8(p, rnd());
        break;
    case 3: /* pointer loops: two pointers at each other, a pointer to itself, a long chain */
        header(p, rnd(), 0x0100, 1, 0);
        if (below(3) == 0) {
            put(p, "\xc0\x0e\xc0\x0c", 4);
        } else if (below(2)) {
            put(p, "\x01x\xc0\x0c", 4);
        } else {
            put(p, "\x01x\x00", 3);
            for (i = 0; i < 200; i++)
                put16(p, 0xc000 | (12 + 2 * i + (i ? 1 : 0)));
        }
        put16(p, 1);
        put16(p, 1);
        break;
    case 4: /* a label running past the end */
        header(p, rnd(), 0x0100, 1, 0);
        put8(p, 1 + below(63));
        for (n = below(10); n > 0; n--)
            put8(p, 'a');
        break;
    case 5: /* names of 250..300 bytes: each question a 63-byte label and a pointer to the
               question before it, so the last one is the longest */
        header(p, rnd(), 0x0100, 0, 0);
        {
            int prev = -1, target = 250 + below(50), total = 1, nq = 0;
            while (total < target) {
                int here = p->n, len = total + 64 <= target ? 63 : target - total - 1;
                if (len < 1)
                    len = 1;
                put8(p, len);
                for (i = 0; i < len; i++)
                    put8(p, 'x');
                total += len + 1;
                if (prev < 0)
                    put8(p, 0);
                else
                    put16(p, 0xc000 | prev);
                put16(p, 1);
                put16(p, 1);
                prev = here;
                nq++;
            }
            p->b[5] = (unsigned char)nq;
        }
        break;
    case 6: /* the empty name; a question count far beyond the packet */
        header(p, rnd(), 0x0100, below(2) ? 1 : 0xffff, 0);
        put8(p, 0);
        put16(p, 1);
        put16(p, 1);
        break;
    default: /* responses, some with answers */
        header(p, rnd(), 0x8000 | below(0x8000), 1, below(3));
        name(p, "resp.example");
        put16(p, 1);
        put16(p, 1);
        for (n = below(3); n > 0; n--)
            put(p, "\xc0\x0c\0\1\0\1\0\0\0\1\0\4\1\2\3\4", 16);
        break;
    }
}

static void server_cb(struct evdns_server_request *req, void *arg)
{
    const char *q;
    (void)arg;
    CHECK(req->nquestions >= 1);
    q = req->questions[0]->name;
    if (!strcmp(q, "ping")) {
        CHECK(evdns_server_request_add_a_reply(req, q, 1, "\x7f\0\0\1", 1) == 0);
        CHECK(evdns_server_request_respond(req, 0) >= 0);
        return;
    }
    served++;
    if (rnd() % 4 == 0) {
        CHECK(evdns_server_request_drop(req) == 0);
        return;
    }
    /* the question's own name, whatever it is, written back (a bad one gives a cut reply) */
    CHECK(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, q, req->questions[0]->type, 1, 60, 4, 0, "\1\2\3\4") == 0);
    if (rnd() % 2)
        CHECK(evdns_server_request_add_cname_reply(req, q, q, 60) == 0);
    CHECK(evdns_server_request_respond(req, (int)(rnd() % 6)) >= 0);
}

static void on_reply(evutil_socket_t fd, short what, void *arg)
{
    unsigned char buf[2048];
    int n;
    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        if (n >= 18 && buf[0] == 0xfe && buf[1] == 0xed && !memcmp(buf + 12, "\4ping\0", 6)) {
            CHECK(n == 38 && buf[2] == 0x81 && buf[3] == 0x00 && buf[7] == 1);
            pings++;
            event_base_loopbreak(base);
        }
    }
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    fprintf(stderr, "the server stopped answering (batch %ld)\n", (long)(intptr_t)arg);
    exit(1);
}

int main(int argc, char **argv)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int srv, batch, i, per_batch = 100, batches = 40, rcv = 1 << 20;
    struct evdns_server_port *port;
    struct event *rd;
    struct pkt p;

    if (argc > 1)
        rng_state = strtoull(argv[1], NULL, 0) | 1;
    base = event_base_new();
    srv = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(srv >= 0 && evutil_make_socket_nonblocking(srv) == 0);
    setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
    CHECK(port);
    cli = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(cli, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);
    rd = event_new(base, cli, EV_READ | EV_PERSIST, on_reply, NULL);
    event_add(rd, NULL);

    for (batch = 0; batch < batches; batch++) {
        struct timeval tv = {5, 0};
        struct event *to = evtimer_new(base, on_timeout, (void *)(intptr_t)batch);
        for (i = 0; i < per_batch; i++) {
            hostile(&p, (int)below(8));
            CHECK(p.n >= 12);
            send(cli, p.b, p.n, 0);
        }
        valid(&p, 0xfeed, "ping", 1);
        CHECK(send(cli, p.b, p.n, 0) == p.n);
        evtimer_add(to, &tv);
        event_base_dispatch(base);
        event_free(to);
        CHECK(pings == batch + 1);
    }
    printf("%d hostile packets, %d reached the callback\n", batches * per_batch, served);
    CHECK(served > 0);
    event_free(rd);
    evdns_close_server_port(port);
    event_base_free(base);
    close(cli);
    return 0;
}
