/* dns server_reply: the replies an evdns server port sends, byte for byte. Each case sends one
   query from a raw UDP client to a port on 127.0.0.1, lets its callback add records / set
   flags / respond, and compares the datagram that comes back with the bytes libevent 2.1.12
   sends: header flags (only RD and CD kept from the query, the opcode ignored, QR and the
   rcode added, set_flags replacing AA and "RD"), the questions echoed from the request
   structs, sections in order, case-sensitive name compression (also of names inside data),
   trailing dots, empty names and labels, one record for several A/AAAA addresses, PTR from an
   address or a name, CNAME, records without data, the 128-entry compression table, the cut
   to 512 bytes with TC, and the return values of the add/respond/set/get functions.
   Set PRINT=1 to print what came back. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <ctype.h>
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
static struct sockaddr_in cli_addr;

/* Hex to bytes; "{N*hex}" repeats hex N times. */
static int unhex(const char *h, unsigned char *out)
{
    int n = 0;
    while (h[0]) {
        unsigned v;
        if (h[0] == '{') {
            int times, k, len;
            const char *star = strchr(h, '*'), *end = strchr(h, '}');
            char part[64];
            CHECK(star && end && end - star - 1 < (int)sizeof part);
            times = atoi(h + 1);
            len = (int)(end - star - 1);
            memcpy(part, star + 1, len);
            part[len] = 0;
            for (k = 0; k < times; k++)
                n += unhex(part, out + n);
            h = end + 1;
            continue;
        }
        CHECK(sscanf(h, "%2x", &v) == 1);
        out[n++] = (unsigned char)v;
        h += 2;
    }
    return n;
}

/* A query for name/type with the given header flags, ID 0x1234. */
static int query(unsigned char *p, unsigned flags, const char *name, int type)
{
    int n = 12;
    const char *s = name;
    memset(p, 0, 12);
    p[0] = 0x12; p[1] = 0x34; p[2] = flags >> 8; p[3] = flags & 0xff; p[5] = 1;
    while (*s) {
        const char *dot = strchr(s, '.');
        int len = dot ? (int)(dot - s) : (int)strlen(s);
        p[n++] = (unsigned char)len;
        memcpy(p + n, s, len);
        n += len;
        s += len + (dot ? 1 : 0);
    }
    p[n++] = 0;
    p[n++] = type >> 8; p[n++] = type & 0xff; p[n++] = 0; p[n++] = 1;
    return n;
}

static const char *qname(struct evdns_server_request *req) { return req->questions[0]->name; }
static const unsigned char a4[] = {1, 2, 3, 4};

/* ---- the callbacks, one per case ---- */

static void cb_a(struct evdns_server_request *req)
{
    CHECK_EQ(req->flags, 0x100);
    CHECK_EQ(req->nquestions, 1);
    CHECK(!strcmp(qname(req), "www.example.com"));
    CHECK_EQ(req->questions[0]->type, EVDNS_TYPE_A);
    CHECK_EQ(req->questions[0]->dns_question_class, EVDNS_CLASS_INET);
    CHECK_EQ(evdns_server_request_add_a_reply(req, qname(req), 1, a4, 300), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_plain(struct evdns_server_request *req) { CHECK_EQ(evdns_server_request_respond(req, 0), 0); }
static void cb_kept_flags(struct evdns_server_request *req)
{
    CHECK_EQ(req->flags, 0x110);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_opcode(struct evdns_server_request *req)
{
    CHECK_EQ(req->flags, 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_set_flags(struct evdns_server_request *req)
{
    evdns_server_request_set_flags(req, EVDNS_FLAGS_AA);
    CHECK_EQ(req->flags, 0x510);
    evdns_server_request_set_flags(req, EVDNS_FLAGS_RD); /* replaces AA */
    CHECK_EQ(req->flags, 0x190);
    evdns_server_request_set_flags(req, EVDNS_FLAGS_AA | 0x7);
    CHECK_EQ(req->flags, 0x517);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_all_flags(struct evdns_server_request *req)
{
    evdns_server_request_set_flags(req, 0xffff);
    CHECK_EQ(req->flags, 0xffff);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_rcode(struct evdns_server_request *req)
{
    /* rcodes above 15 are refused and the request stays the program's */
    CHECK_EQ(evdns_server_request_respond(req, 16), -1);
    CHECK_EQ(evdns_server_request_respond(req, -1), -1);
    CHECK_EQ(evdns_server_request_respond(req, EVDNS_FLAGS_AA), -1);
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, "x", 1, 1, 5, 4, 0, (const char *)a4), 0);
    CHECK_EQ(evdns_server_request_respond(req, DNS_ERR_NOTEXIST), 0);
}
static void cb_rcode15(struct evdns_server_request *req) { CHECK_EQ(evdns_server_request_respond(req, 15), 0); }
static void cb_case(struct evdns_server_request *req)
{
    CHECK(!strcmp(qname(req), "www.Example.com"));
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, "www.example.com", 1, 1, 5, 4, 0, (const char *)a4), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_sections(struct evdns_server_request *req)
{
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, "www.Example.com", 1, 1, 5, 4, 0, (const char *)a4), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_AUTHORITY_SECTION, "Example.com", EVDNS_TYPE_NS, 1, 6, -1, 1, "ns.example.com"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ADDITIONAL_SECTION, "ns.example.com", 1, 1, 7, 4, 0, "\5\6\7\10"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 3, "x", 1, 1, 5, 1, 0, "\1"), -1);
    CHECK_EQ(evdns_server_request_add_reply(req, -1, "x", 1, 1, 5, 1, 0, "\1"), -1);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_order(struct evdns_server_request *req)
{
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ADDITIONAL_SECTION, "z.a", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_AUTHORITY_SECTION, "y.a", 1, 1, 1, 1, 0, "\2"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, "x.a", 1, 1, 1, 1, 0, "\3"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, "x.a", 1, 1, 1, 1, 0, "\4"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_addresses(struct evdns_server_request *req)
{
    /* several addresses make one record */
    CHECK_EQ(evdns_server_request_add_a_reply(req, qname(req), 3, "\1\2\3\4\5\6\7\10\11\20\21\22", 60), 0);
    CHECK_EQ(evdns_server_request_add_aaaa_reply(req, qname(req), 2, "abcdefghijklmnopABCDEFGHIJKLMNOP", 60), 0);
    CHECK_EQ(evdns_server_request_add_a_reply(req, qname(req), 0, a4, 60), -1);
    CHECK_EQ(evdns_server_request_add_a_reply(req, qname(req), -1, a4, 60), -1);
    CHECK_EQ(evdns_server_request_add_aaaa_reply(req, qname(req), 0, a4, 60), -1);
    /* no addresses at all: a record without data */
    CHECK_EQ(evdns_server_request_add_a_reply(req, qname(req), 2, NULL, 5), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_dots(struct evdns_server_request *req)
{
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "a.b.", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "c.", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, ".", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_dots2(struct evdns_server_request *req)
{
    CHECK_EQ(evdns_server_request_add_reply(req, 0, ".", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x.", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x..y", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x", 1, 1, 1, -1, 1, "a..b"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "b", 1, 1, 1, -1, 1, "b"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_data(struct evdns_server_request *req)
{
    /* no data: length 0 whatever datalen says; data with no length: refused */
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x", 1, 1, 1, 7, 0, NULL), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x", 1, 1, 1, 0, 0, "\1"), -1);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x", 1, 1, 1, -3, 0, "\1"), -1);
    /* type and class keep 16 bits, the ttl 32 */
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "x", 65537, 65538, -1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_table(struct evdns_server_request *req)
{
    char y[260];
    int i;
    for (i = 0; i < 125; i++) { y[2 * i] = 'y'; y[2 * i + 1] = '.'; }
    y[249] = 0;
    CHECK_EQ(evdns_server_request_add_reply(req, 0, y, 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "z.k.l", 1, 1, 1, 1, 0, "\2"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "k.l", 1, 1, 1, 1, 0, "\3"), 0);
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "z.k.l", 1, 1, 1, 1, 0, "\4"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_long_name(struct evdns_server_request *req)
{
    char n[256];
    memset(n, 'x', 255);
    n[63] = n[127] = n[191] = '.';
    n[255] = 0; /* 255 characters, 257 bytes on the wire: still written */
    CHECK_EQ(evdns_server_request_add_reply(req, 0, n, 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_many(struct evdns_server_request *req)
{
    int i;
    for (i = 0; i < 40; i++) {
        unsigned char d[4] = {0, 0, 0, (unsigned char)i};
        CHECK_EQ(evdns_server_request_add_reply(req, 0, "a.b", 1, 1, 1, 4, 0, (const char *)d), 0);
    }
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_ptr(struct evdns_server_request *req)
{
    struct in_addr in;
    inet_pton(AF_INET, "255.0.10.200", &in);
    CHECK_EQ(evdns_server_request_add_ptr_reply(req, &in, NULL, "h", 1), 0);
    CHECK_EQ(evdns_server_request_add_ptr_reply(req, NULL, qname(req), "host.example", 60), 0);
    CHECK_EQ(evdns_server_request_add_ptr_reply(req, &in, qname(req), "h", 1), -1);
    CHECK_EQ(evdns_server_request_add_ptr_reply(req, NULL, NULL, "h", 1), -1);
    CHECK_EQ(evdns_server_request_add_cname_reply(req, "c.example", "alias.example", 60), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_three_questions(struct evdns_server_request *req)
{
    CHECK_EQ(req->nquestions, 3);
    CHECK(!strcmp(req->questions[1]->name, "x.a.b.c"));
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_rewrite(struct evdns_server_request *req)
{
    /* the reply echoes the question structs as the program leaves them */
    char *s;
    for (s = req->questions[0]->name; *s; s++)
        *s = tolower((unsigned char)*s);
    req->questions[0]->type = EVDNS_TYPE_AAAA;
    CHECK_EQ(evdns_server_request_add_reply(req, 0, "www.example.com", 1, 1, 1, 1, 0, "\1"), 0);
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}
static void cb_addr(struct evdns_server_request *req)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    memset(&ss, 0xaa, sizeof ss);
    CHECK_EQ(evdns_server_request_get_requesting_addr(req, (struct sockaddr *)&ss, 15), -1);
    CHECK_EQ(((unsigned char *)&ss)[0], 0xaa);
    CHECK_EQ(evdns_server_request_get_requesting_addr(req, (struct sockaddr *)&ss, 0), -1);
    CHECK_EQ(evdns_server_request_get_requesting_addr(req, (struct sockaddr *)&ss, (int)sizeof(struct sockaddr_in)),
             (int)sizeof(struct sockaddr_in));
    CHECK_EQ(sin->sin_family, AF_INET);
    CHECK_EQ(sin->sin_port, cli_addr.sin_port);
    CHECK_EQ(sin->sin_addr.s_addr, htonl(0x7f000001));
    CHECK_EQ(evdns_server_request_get_requesting_addr(req, (struct sockaddr *)&ss, (int)sizeof ss), (int)sizeof(struct sockaddr_in));
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}

struct tcase {
    const char *what;
    unsigned flags;
    const char *name; /* query name, or NULL to send `raw` */
    int type;
    const char *raw;
    void (*cb)(struct evdns_server_request *);
    const char *expect; /* hex, see unhex() */
};

static const struct tcase cases[] = {
    {"A record", 0x100, "www.example.com", 1, NULL, cb_a,
     "12348100000100010000000003777777076578616d706c6503636f6d0000010001c00c000100010000012c000401020304"},
    {"no RD", 0, "a.b", 1, NULL, cb_plain, "123480000001000000000000016101620000010001"},
    {"RD and CD kept, nothing else", 0x7fff, "a.b", 1, NULL, cb_kept_flags, "123481100001000000000000016101620000010001"},
    {"any opcode served as a query", 0x7800, "a.b", 1, NULL, cb_opcode, "123480000001000000000000016101620000010001"},
    {"set_flags", 0x110, "a.b", 1, NULL, cb_set_flags, "123485170001000000000000016101620000010001"},
    {"set_flags 0xffff", 0x110, "a.b", 1, NULL, cb_all_flags, "1234ffff0001000000000000016101620000010001"},
    {"rcodes", 0x110, "a.b", 1, NULL, cb_rcode, "1234811300010001000000000161016200000100010178000001000100000005000401020304"},
    {"rcode 15", 0x110, "a.b", 1, NULL, cb_rcode15, "1234811f0001000000000000016101620000010001"},
    {"compression is case-sensitive", 0x100, "www.Example.com", 1, NULL, cb_case,
     "12348100000100010000000003777777074578616d706c6503636f6d000001000103777777076578616d706c65c0180001000100000005000401020304"},
    {"three sections, a name in data", 0x100, "www.Example.com", 1, NULL, cb_sections,
     "12348100000100010001000103777777074578616d706c6503636f6d0000010001c00c0001000100000005000401020304"
     "c0100002000100000006000d026e73076578616d706c65c018c03d0001000100000007000405060708"},
    {"section order", 0x100, "www.Example.com", 1, NULL, cb_order,
     "12348100000100020001000103777777074578616d706c6503636f6d000001000101780161000001000100000001000103"
     "c02100010001000000010001040179c0230001000100000001000102017ac0230001000100000001000101"},
    {"several addresses, one record", 0x100, "www.Example.com", 1, NULL, cb_addresses,
     "12348100000100030000000003777777074578616d706c6503636f6d0000010001c00c000100010000003c000c010203040506070809101112"
     "c00c001c00010000003c00206162636465666768696a6b6c6d6e6f704142434445464748494a4b4c4d4e4f50"
     "c00c00010001000000050000"},
    {"trailing dots and empty names", 0, "a.b", 1, NULL, cb_dots,
     "123480000001000400000000016101620000010001016101620000010001000000010001010163c0190001000100000001000101"
     "c019000100010000000100010100c0190001000100000001000101"},
    {"empty labels", 0, "a.b", 1, NULL, cb_dots2,
     "12348000000100060000000001610162000001000100000001000100000001000101c01600010001000000010001010178c016"
     "0001000100000001000101017800017900000100010000000100010101780000010001000000010005016100c00e"
     "c00e00010001000000010002c00e"},
    {"records without data, wide fields", 0, "a.b", 1, NULL, cb_data,
     "12348000000100020000000001610162000001000101780000010001000000010000c01500010002ffffffff000101"},
    {"the compression table holds 128 suffixes", 0, "a.b", 1, NULL, cb_table,
     "123480000001000400000000016101620000010001{125*0179}000001000100000001000101"
     "017a016b016c000001000100000001000102016b016c000001000100000001000103c11b0001000100000001000104"},
    {"a 255-character name", 0, "a.b", 1, NULL, cb_long_name,
     "1234800000010001000000000161016200000100013f{63*78}3f{63*78}3f{63*78}3f{63*78}000001000100000001000101"},
    {"over 512 bytes: cut, TC", 0, "a.b", 1, NULL, cb_many, NULL /* many_expect() */},
    {"PTR and CNAME", 0x100, "4.3.2.1.in-addr.arpa", 12, NULL, cb_ptr,
     "123481000001000300000000013401330132013107696e2d61646472046172706100000c0001"
     "03323030023130013003323535c014000c0001000000010003016800"
     "c00c000c00010000003c000e04686f7374076578616d706c6500"
     "0163c053000500010000003c000805616c696173c053"},
    {"questions compress against each other", 0, NULL, 0,
     "12340100000300000000000001610162016300000100010178c00c000100010141016201630000010001",
     cb_three_questions, "12348100000300000000000001610162016300000100010178c00c000100010141c00e00010001"},
    {"questions echoed as the program left them", 0x100, "WWW.Example.COM", 1, NULL, cb_rewrite,
     "12348100000100010000000003777777076578616d706c6503636f6d00001c0001c00c0001000100000001000101"},
    {"requesting address", 0x100, "a.b", 1, NULL, cb_addr, "123481000001000000000000016101620000010001"},
};
static const struct tcase *current;

/* 40 A records of 16 bytes after 21 bytes of header and question: the first 512 bytes are
   kept, 30 whole records and 11 bytes of the 31st; TC set, the counts unchanged. */
static const char *many_expect(void)
{
    static char buf[1200];
    int n = sprintf(buf, "123482000001002800000000016101620000010001"), i;
    for (i = 0; i < 30; i++)
        n += sprintf(buf + n, "c00c00010001000000010004000000%02x", i);
    sprintf(buf + n, "c00c000100010000000100");
    return buf;
}

static void server_cb(struct evdns_server_request *req, void *arg)
{
    CHECK(arg == (void *)&cases);
    CHECK(current);
    current->cb(req);
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
    fprintf(stderr, "no reply for \"%s\"\n", current->what);
    exit(1);
}

int main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int srv;
    size_t i;
    struct evdns_server_port *port;
    struct event *rd, *to;
    const int print = getenv("PRINT") != NULL;

    base = event_base_new();
    CHECK(base);
    srv = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(srv >= 0);
    CHECK(evutil_make_socket_nonblocking(srv) == 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);

    /* flags must be 0 */
    CHECK(evdns_add_server_port_with_base(base, srv, 1, server_cb, (void *)&cases) == NULL);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, (void *)&cases);
    CHECK(port);

    cli = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(cli >= 0);
    CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);
    sl = sizeof cli_addr;
    CHECK(getsockname(cli, (struct sockaddr *)&cli_addr, &sl) == 0);
    rd = event_new(base, cli, EV_READ | EV_PERSIST, on_reply, NULL);
    to = evtimer_new(base, on_timeout, NULL);
    CHECK(event_add(rd, NULL) == 0);

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char q[600], want[2048];
        int qn, wn;
        struct timeval tv = {5, 0};
        current = &cases[i];
        qn = current->name ? query(q, current->flags, current->name, current->type) : unhex(current->raw, q);
        CHECK(send(cli, q, qn, 0) == qn);
        reply_len = -1;
        evtimer_add(to, &tv);
        event_base_dispatch(base);
        evtimer_del(to);
        if (print) {
            int k;
            printf("%s (%d bytes): ", current->what, reply_len);
            for (k = 0; k < reply_len; k++)
                printf("%02x", reply[k]);
            printf("\n");
            continue;
        }
        wn = unhex(current->expect ? current->expect : many_expect(), want);
        if (reply_len != wn || memcmp(reply, want, wn)) {
            int k;
            fprintf(stderr, "case \"%s\": got %d bytes\n  ", current->what, reply_len);
            for (k = 0; k < reply_len; k++)
                fprintf(stderr, "%02x", reply[k]);
            fprintf(stderr, "\nwanted %d bytes\n  ", wn);
            for (k = 0; k < wn; k++)
                fprintf(stderr, "%02x", want[k]);
            fprintf(stderr, "\n");
            return 1;
        }
    }
    event_free(rd);
    event_free(to);
    evdns_close_server_port(port);
    close(cli);
    event_base_free(base);
    return 0;
}
