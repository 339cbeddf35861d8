/* dns server_ignored: which datagrams an evdns server port serves and which it ignores
   without a word. Ignored: a response (QR set), no question, fewer questions than the header
   counts, a question cut short, compression pointers to themselves or out of the packet,
   reserved label types, labels over 63 bytes or running past the end, names over 255 bytes.
   Served: garbage after the questions or in the answer sections, a dot or a NUL inside a
   label (the program sees the dotted / C-string name), the root name, a 63-byte label, a
   253-character name, an unknown opcode. Each ignored packet is followed by a ping query,
   whose answer must be the next datagram back. (Packets shorter than a header are in
   server_short_packet.c: libevent 2.1.12 crashes on them.) */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
static int cli;
static unsigned char reply[2048];
static int reply_len;
static char seen[600]; /* the last name the callback saw, with its length */
static int seen_len, seen_type, seen_flags, seen_nq;

static const unsigned char ping[] = {0x77, 0x77, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 'p', 'i', 'n', 'g', 0, 0, 1, 0, 1};

/* Packet builder. */
struct pkt { unsigned char b[2048]; int n; };
static void put(struct pkt *p, const void *d, int n) { memcpy(p->b + p->n, d, n); p->n += n; }
static void header(struct pkt *p, unsigned flags, int qd, int an)
{
    unsigned char h[12] = {0x12, 0x34, flags >> 8, flags & 0xff, qd >> 8, qd & 0xff, an >> 8, an & 0xff, 0, 0, 0, 0};
    p->n = 0;
    put(p, h, 12);
}
static void label(struct pkt *p, int len, char fill)
{
    p->b[p->n++] = (unsigned char)len;
    memset(p->b + p->n, fill, len);
    p->n += len;
}
static void tail(struct pkt *p) { put(p, "\0\0\1\0\1", 5); } /* root, type A, class IN */
static void qtail(struct pkt *p) { put(p, "\0\1\0\1", 4); }

static void server_cb(struct evdns_server_request *req, void *arg)
{
    (void)arg;
    seen_nq = req->nquestions;
    seen_flags = req->flags;
    seen_type = req->questions[0]->type;
    seen_len = (int)strlen(req->questions[0]->name);
    CHECK(seen_len < (int)sizeof seen);
    memcpy(seen, req->questions[0]->name, seen_len + 1);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}

static void on_reply(evutil_socket_t fd, short what, void *arg)
{
    int n = recv(fd, reply, sizeof reply, 0);
    if (n < 0)
        return;
    reply_len = n;
    event_base_loopbreak(base);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    fprintf(stderr, "no reply for %s\n", (const char *)arg);
    exit(1);
}

/* Send, then wait for the next datagram back. */
static void exchange(const struct pkt *p, const char *what)
{
    struct timeval tv = {5, 0};
    struct event *to = evtimer_new(base, on_timeout, (void *)what);
    CHECK(send(cli, p->b, p->n, 0) == p->n);
    reply_len = -1;
    evtimer_add(to, &tv);
    event_base_dispatch(base);
    event_free(to);
}

static void ignored(const struct pkt *p, const char *what)
{
    struct pkt q;
    CHECK(send(cli, p->b, p->n, 0) == p->n);
    memcpy(q.b, ping, sizeof ping);
    q.n = sizeof ping;
    seen_len = -1;
    exchange(&q, what);
    if (reply[0] != 0x77) {
        fprintf(stderr, "%s: answered (flags %02x%02x)\n", what, reply[2], reply[3]);
        exit(1);
    }
    CHECK_EQ(reply_len, sizeof ping);
    CHECK(!strcmp(seen, "ping"));
}

static void served(const struct pkt *p, const char *what, const char *name, int len)
{
    seen_len = -1;
    exchange(p, what);
    if (reply[0] != 0x12 || reply[1] != 0x34 || seen_len != len || memcmp(seen, name, len)) {
        fprintf(stderr, "%s: reply id %02x%02x, name seen \"%s\" (%d)\n", what, reply[0], reply[1], seen, seen_len);
        exit(1);
    }
}

int main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int srv, i;
    struct evdns_server_port *port;
    struct event *rd;
    struct pkt p;
    char name[300];

    base = event_base_new();
    srv = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(srv >= 0 && evutil_make_socket_nonblocking(srv) == 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
    CHECK(port);
    cli = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);
    rd = event_new(base, cli, EV_READ | EV_PERSIST, on_reply, NULL);
    event_add(rd, NULL);

    /* ---- ignored ---- */
    header(&p, 0x8100, 1, 0); label(&p, 1, 'a'); tail(&p);
    ignored(&p, "a response");
    header(&p, 0x8000, 1, 1); label(&p, 1, 'a'); tail(&p); put(&p, "\xc0\x0c\0\1\0\1\0\0\0\1\0\4\1\2\3\4", 16);
    ignored(&p, "a whole response with an answer");
    header(&p, 0x0100, 0, 0);
    ignored(&p, "a header alone");
    header(&p, 0x0100, 0, 0); put(&p, "junk junk", 9);
    ignored(&p, "no question");
    header(&p, 0x0100, 2, 0); label(&p, 1, 'a'); tail(&p);
    ignored(&p, "two questions counted, one there");
    header(&p, 0x0100, 1, 0); label(&p, 1, 'a'); put(&p, "\0\0\1\0", 4);
    ignored(&p, "class cut short");
    header(&p, 0x0100, 1, 0); label(&p, 1, 'a'); label(&p, 1, 'b');
    ignored(&p, "no type or class, no end of name");
    header(&p, 0x0100, 1, 0); put(&p, "\xc0\x0c", 2); qtail(&p);
    ignored(&p, "a pointer to itself");
    header(&p, 0x0100, 1, 0); put(&p, "\x01" "a\xc0\x0c", 4); qtail(&p);
    ignored(&p, "a pointer back to its own name");
    header(&p, 0x0100, 1, 0); put(&p, "\xc0\xff", 2); qtail(&p);
    ignored(&p, "a pointer past the end");
    header(&p, 0x0100, 1, 0); put(&p, "\xff\xff", 2); qtail(&p);
    ignored(&p, "a pointer far past the end");
    header(&p, 0x0100, 1, 0); put(&p, "\x41" "a\0", 3); qtail(&p);
    ignored(&p, "label type 0x40");
    header(&p, 0x0100, 1, 0); put(&p, "\x81\0", 2); qtail(&p);
    ignored(&p, "label type 0x80");
    header(&p, 0x0100, 1, 0); put(&p, "\x05" "ab", 3);
    ignored(&p, "a label past the end");
    header(&p, 0x0100, 1, 0); label(&p, 63, 'x'); label(&p, 63, 'x'); label(&p, 63, 'x'); label(&p, 63, 'x'); label(&p, 1, 'x'); tail(&p);
    ignored(&p, "a 257-character name");
    header(&p, 0x0100, 1, 0);
    for (i = 0; i < 140; i++)
        label(&p, 1, 'a' + i % 26);
    tail(&p);
    ignored(&p, "a name of 140 labels (281 bytes)");

    /* ---- served ---- */
    header(&p, 0x0100, 1, 0); label(&p, 1, 'a'); label(&p, 1, 'b'); tail(&p); put(&p, "garbage", 7);
    served(&p, "garbage after the question", "a.b", 3);
    header(&p, 0x0100, 1, 5); label(&p, 1, 'a'); label(&p, 1, 'b'); tail(&p); put(&p, "\xff", 1);
    served(&p, "five answers promised, garbage there", "a.b", 3);
    header(&p, 0x7900, 1, 0); label(&p, 1, 'a'); label(&p, 1, 'b'); tail(&p);
    served(&p, "opcode 15", "a.b", 3);
    CHECK_EQ(seen_flags, 0x100);
    CHECK_EQ(reply[2], 0x81);
    header(&p, 0x0100, 1, 0); put(&p, "\x03" "a.b\0", 5); qtail(&p);
    served(&p, "a dot inside a label", "a.b", 3);
    header(&p, 0x0100, 1, 0); put(&p, "\x03" "a\0b\0", 5); qtail(&p);
    served(&p, "a NUL inside a label", "a", 1);
    header(&p, 0x0100, 1, 0); tail(&p);
    served(&p, "the root", "", 0);
    header(&p, 0x0100, 1, 0); label(&p, 63, 'x'); tail(&p);
    memset(name, 'x', 63);
    served(&p, "a 63-byte label", name, 63);
    header(&p, 0x0100, 1, 0); label(&p, 64, 'x'); tail(&p);
    ignored(&p, "a 64-byte label");
    header(&p, 0x0100, 1, 0); label(&p, 63, 'x'); label(&p, 63, 'x'); label(&p, 63, 'x'); label(&p, 61, 'x'); tail(&p);
    memset(name, 'x', 253);
    name[63] = name[127] = name[191] = '.';
    served(&p, "a 253-character name", name, 253);
    header(&p, 0x0100, 2, 0); label(&p, 1, 'a'); label(&p, 1, 'b'); tail(&p); put(&p, "\x01" "c\xc0\x0c\0\x1c\0\1", 8);
    served(&p, "a compressed second question", "a.b", 3);
    CHECK_EQ(seen_nq, 2);

    event_free(rd);
    evdns_close_server_port(port);
    event_base_free(base);
    close(cli);
    return 0;
}
