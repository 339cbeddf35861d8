/* dns cve_2026_63387: names that end exactly where a server port's reply buffer ends.
   CVE-2026-63387 (fixed in Debian's 2.1.12-stable-8+deb12u1): when a name's labels filled
   the 1500 bytes libevent builds a reply in, the name's terminating zero was written one
   byte past the buffer. The fixed library treats "labels end at the last byte" as "does not
   fit", like any other overflow. Through the public API that is:
   - A. a record's owner name, a CNAME's target (a name inside record data), or a name with
     a trailing dot, ending a few bytes before, exactly at, or a few bytes after byte 1500:
     the reply is always the first 512 bytes with TC set and the counts as added (the reply
     is over 512 anyway), and the port keeps serving;
   - B. a request whose questions, compressed with pointers, expand past 1500 bytes once the
     128-entry compression table is full: a question name that does not fit (its labels
     reach byte 1500, or run past it) makes evdns_server_request_respond fail with -2 and
     send nothing; a question whose name fits but whose type/class does not is cut to 512
     bytes with TC. Which outcome each request gets is computed here by a model of the
     writer, and the sweep must include a name ending exactly at byte 1500;
   - C. the resolver with over-long and over-many-labels names (255/256 characters, 63/64-byte
     labels, 127/128 labels): the ones libevent accepts (it measures the dotted text) are
     asked on the wire as given, the others refused at the call; an IPv6 reverse lookup (the
     longest name evdns builds) answered with a 253-character PTR fails with
     DNS_ERR_UNKNOWN, with a short one succeeds.
   Passes on Debian's library (fixed) and ours. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <event2/dns_struct.h>

#define BUF 1500

static struct event_base *base;
static int cli;
static unsigned char reply[4096];
static int reply_len, respond_rc, responded;

/* ---- A and B: a server port and a raw client ---- */

static int mode, param_l, bad_kind;
static char final_name[300];

/* A name whose labels take exactly `wire` bytes on the wire (terminator not counted), made
   of `fill`; at most 63-byte labels. The text is wire-1 characters long. */
static void name_of_wire(char *out, int wire, char fill)
{
    int n = 0;
    CHECK(wire >= 2 && wire <= 257);
    while (wire > 64) {
        int len = (wire - 64 == 1) ? 62 : 63;
        memset(out + n, fill, len);
        n += len;
        out[n++] = '.';
        wire -= len + 1;
    }
    memset(out + n, fill, wire - 1);
    n += wire - 1;
    out[n] = 0;
}

static void server_cb(struct evdns_server_request *req, void *arg)
{
    static char filler[BUF];
    (void)arg;
    memset(filler, 0xab, sizeof filler);
    if (mode == 'A') {
        /* question "q.example" ends at 27; record "f" with param_l data bytes ends at 40+L */
        CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, "f", 1, 1, 60, param_l, 0, filler), 0);
        if (bad_kind == 'C')
            CHECK_EQ(evdns_server_request_add_cname_reply(req, "c", final_name, 60), 0);
        else
            CHECK_EQ(evdns_server_request_add_reply(req, EVDNS_ANSWER_SECTION, final_name, 1, 1, 60, 4, 0, "\1\2\3\4"), 0);
    } else if (mode == 'P') {
        CHECK_EQ(evdns_server_request_add_a_reply(req, req->questions[0]->name, 1, "\1\2\3\4", 60), 0);
    }
    respond_rc = evdns_server_request_respond(req, 0);
    responded = 1;
    if (respond_rc != 0) {
        evdns_server_request_drop(req);
        event_base_loopbreak(base);
    }
}

static void on_reply(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    (void)arg;
    reply_len = (int)recv(fd, reply, sizeof reply, 0);
    event_base_loopbreak(base);
}

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    event_base_loopbreak(base);
}

static void exchange(const unsigned char *q, int n)
{
    struct timeval tv = {10, 0};
    struct event *t = evtimer_new(base, give_up, NULL);
    reply_len = -1;
    respond_rc = 99;
    responded = 0;
    CHECK(send(cli, q, n, 0) == n);
    evtimer_add(t, &tv);
    event_base_dispatch(base);
    event_free(t);
    if (!responded)
        fprintf(stderr, "mode %c, %d-byte query: not served\n", mode, n);
    CHECK(responded);
}

static int put_labels(unsigned char *p, const char *name)
{
    struct pkt t;
    t.n = 0;
    pkt_name(&t, name);
    memcpy(p, t.b, t.n);
    return t.n;
}

static int simple_query(unsigned char *p, const char *name)
{
    int n = 12;
    memset(p, 0, 12);
    p[0] = 0x63; p[1] = 0x87; p[2] = 1; p[5] = 1;
    n += put_labels(p + n, name);
    memcpy(p + n, "\0\1\0\1", 4);
    return n + 4;
}

static void check_cut_reply(int ancount)
{
    unsigned char q[64];
    int qn = simple_query(q, "q.example");
    CHECK_EQ(respond_rc, 0);
    CHECK_EQ(reply_len, 512);
    CHECK_EQ(reply[0], 0x63);
    CHECK_EQ(reply[1], 0x87);
    CHECK(reply[2] & 0x80);           /* QR */
    CHECK(reply[2] & 0x02);           /* TC */
    CHECK_EQ(reply[5], 1);
    CHECK_EQ(reply[7], ancount);
    CHECK(!memcmp(reply + 12, q + 12, qn - 12)); /* the question, intact */
}

/* Part A: where the last name's labels end, relative to byte 1500. */
static void part_a(void)
{
    unsigned char q[64];
    int qn = simple_query(q, "q.example"), delta, trailing;
    mode = 'A';
    for (trailing = 0; trailing < 2; trailing++)
        for (delta = -3; delta <= 3; delta++) {
            /* owner name: 253 wire bytes of labels starting at 40+L */
            bad_kind = 'N';
            name_of_wire(final_name, 253, 'n');
            if (trailing)
                strcat(final_name, ".");
            param_l = BUF + delta - 40 - 253;
            exchange(q, qn);
            check_cut_reply(2);
            /* a CNAME target: owner "c" (3 bytes) + 10, data name starts at 40+L+13 */
            bad_kind = 'C';
            param_l = BUF + delta - 53 - 253;
            exchange(q, qn);
            check_cut_reply(2);
        }
    /* names that cannot be written at all: over 255 characters, a 64-byte label */
    bad_kind = 'N';
    param_l = 4;
    memset(final_name, 'l', 256);
    final_name[256] = 0;
    exchange(q, qn);
    check_cut_reply(2);
    memset(final_name, 'l', 64);
    final_name[64] = 0;
    exchange(q, qn);
    check_cut_reply(2);
    /* ... while 255 characters of 63-byte labels and 127 one-byte labels are written whole */
    name_of_wire(final_name, 256, 'w');
    CHECK_EQ(strlen(final_name), 255);
    exchange(q, qn);
    CHECK_EQ(respond_rc, 0);
    CHECK_EQ(reply_len, 27 + 17 + 257 + 14);
    CHECK(!(reply[2] & 0x02));
    CHECK(!memcmp(reply + 44, "\77www", 4));
    {
        int i;
        for (i = 0; i < 127; i++)
            memcpy(final_name + 2 * i, "k.", 2);
        final_name[253] = 0;
        exchange(q, qn);
        CHECK_EQ(respond_rc, 0);
        CHECK_EQ(reply_len, 27 + 17 + 255 + 14);
        CHECK(!(reply[2] & 0x02));
        CHECK(!memcmp(reply + 44, "\1k\1k", 4));
        CHECK_EQ(reply[44 + 254], 0);
    }
}

/* ---- Part B: a model of how the reply's questions are written ---- */

struct model {
    char suffix[128][260];
    int n;
};

/* Returns the offset after the name, -2 when it does not fit. */
static int model_name(struct model *m, int j, const char *name, int *labels_end)
{
    const char *s = name;
    *labels_end = -1;
    for (;;) {
        const char *dot;
        int k, len;
        for (k = 0; k < m->n; k++)
            if (!strcmp(m->suffix[k], s))
                return j + 2 > BUF ? -2 : j + 2;
        dot = strchr(s, '.');
        len = dot ? (int)(dot - s) : (int)strlen(s);
        if (j + len + 1 > BUF) {
            *labels_end = j + len + 1;
            return -2;
        }
        if (m->n < 128)
            strcpy(m->suffix[m->n++], s);
        j += len + 1;
        if (!dot)
            break;
        s = dot + 1;
    }
    *labels_end = j;
    if (j >= BUF)
        return -2;
    return j + 1;
}

/* The outcome the model predicts: -2 (no reply), 512 (cut), or the reply's length. */
static int model_reply(char names[][260], int nq, int *last_end)
{
    struct model m;
    int j = 12, i;
    m.n = 0;
    for (i = 0; i < nq; i++) {
        j = model_name(&m, j, names[i], last_end);
        if (j == -2)
            return -2;
        if (j + 4 > BUF)
            return 512;
        j += 4;
    }
    return j > 512 ? 512 : j;
}

/* A request: Q1 = 127 one-byte labels of 'x' (wire 255, fills 127 table slots), Q2 = `a`
   bytes of 'z' then 127-a one-byte labels of 'y' (its first suffix takes the last slot;
   255 or 254 bytes on the wire, so that both libraries read it), then nexp
   questions that point at Q2's second label, and a last one pointing at its label `target`. */
static int part_b_request(unsigned char *p, int a, int nexp, int target, char names[][260], int *nq)
{
    int n = 12, i, q2, ny = 127 - a; /* Q2 takes at most 255 bytes on the wire */
    char tmp[260];
    if (target > ny)
        return -1;
    memset(p, 0, 12);
    p[0] = 0x63; p[1] = 0x87; p[2] = 1;
    for (i = 0; i < 127; i++)
        memcpy(tmp + 2 * i, "x.", 2);
    tmp[253] = 0;
    strcpy(names[0], tmp);
    n += put_labels(p + n, tmp);
    memcpy(p + n, "\0\1\0\1", 4);
    n += 4;
    q2 = n;
    memset(tmp, 'z', a);
    tmp[a] = 0;
    for (i = 0; i < ny; i++)
        strcat(tmp, ".y");
    strcpy(names[1], tmp);
    n += put_labels(p + n, tmp);
    memcpy(p + n, "\0\1\0\1", 4);
    n += 4;
    *nq = 2;
    for (i = 0; i <= nexp; i++) {
        int label = i < nexp ? 1 : target; /* label k of Q2 starts at q2 + 1 + a + 2(k-1) */
        int at = q2 + 1 + a + 2 * (label - 1);
        p[n++] = 0xc0 | (at >> 8);
        p[n++] = at & 0xff;
        memcpy(p + n, "\0\1\0\1", 4);
        n += 4;
        strcpy(names[*nq], names[1] + a + 1 + 2 * (label - 1));
        (*nq)++;
    }
    p[4] = (*nq) >> 8;
    p[5] = (*nq) & 0xff;
    return n;
}

static void part_b(void)
{
    static char names[16][260];
    unsigned char p[BUF];
    int a, nexp, target, exact = 0, fails = 0, cuts = 0;
    mode = 'B';
    for (a = 1; a <= 2; a++)
        for (nexp = 2; nexp <= 4; nexp++)
            for (target = 1; target <= 126; target++) {
                int nq, end = -1, want;
                int n = part_b_request(p, a, nexp, target, names, &nq);
                if (n < 0)
                    continue;
                want = model_reply(names, nq, &end);
                /* the requests whose last name ends near the buffer's end, and a sample */
                if ((end < BUF - 8 || end > BUF + 8) && target % 13)
                    continue;
                exact |= end == BUF;
                exchange(p, n);
                if (want == -2) {
                    fails++;
                    if (respond_rc != -2 || reply_len != -1) {
                        fprintf(stderr, "a=%d nexp=%d target=%d: respond %d, reply %d bytes; wanted -2, none\n", a, nexp,
                                target, respond_rc, reply_len);
                        exit(1);
                    }
                } else {
                    if (want == 512)
                        cuts++;
                    if (respond_rc != 0 || reply_len != want) {
                        fprintf(stderr, "a=%d nexp=%d target=%d: respond %d, reply %d bytes; wanted %d\n", a, nexp,
                                target, respond_rc, reply_len, want);
                        exit(1);
                    }
                    CHECK(!(reply[2] & 0x02) == (want != 512));
                }
            }
    CHECK(exact);
    CHECK(fails > 0 && cuts > 0);
}

/* ---- Part C: the resolver ---- */

static char ptr_name[300];
static int ns_handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns;
    (void)arg;
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    if (q->qtype == 12)
        pkt_rr_name(o, NULL, 12, 60, ptr_name);
    else
        pkt_rr_a(o, NULL, 60, "9.9.9.9");
    return 1;
}

static void part_c(void)
{
    struct evdns_base *dns = evdns_base_new(base, 0);
    struct fake_ns *ns = fake_ns_start(base, "127.0.0.1", ns_handler, NULL);
    char name[400];
    struct in6_addr a6;
    struct { int wire; int ok; } sizes[] = {{254, 1}, {256, 1}, {257, 0}};
    size_t i;
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "randomize-case:", "0"), 0);
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct answer an;
        memset(&an, 0, sizeof an);
        name_of_wire(name, sizes[i].wire, 'r');
        answers_pending = 1;
        if (!sizes[i].ok) {
            CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &an) == NULL);
            continue;
        }
        CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &an) != NULL);
        run_until_answered(base, 5);
        CHECK_EQ(an.done, 1);
        CHECK_EQ(an.result, DNS_ERR_NONE);
        CHECK_STR(answer_v4(&an, 0), "9.9.9.9");
        CHECK_STR(ns->last.name, name);
    }
    /* a 64-byte label is refused; 128 one-byte labels (255 characters, 257 bytes on the
       wire) are asked as they are: libevent measures the text */
    memset(name, 'b', 64);
    strcpy(name + 64, ".example");
    CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, NULL) == NULL);
    for (i = 0; i < 128; i++)
        memcpy(name + 2 * i, "m.", 2);
    name[255] = 0;
    {
        struct answer an;
        memset(&an, 0, sizeof an);
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &an) != NULL);
        run_until_answered(base, 5);
        CHECK_EQ(an.result, DNS_ERR_NONE);
        CHECK_STR(ns->last.name, name);
    }
    /* the reverse of an IPv6 address (the longest name evdns builds); a PTR answer longer
       than a host name may be fails the request (both libraries keep host names short) */
    for (i = 0; i < 2; i++) {
        struct answer an;
        memset(&an, 0, sizeof an);
        if (i == 0)
            name_of_wire(ptr_name, 254, 'p');
        else
            strcpy(ptr_name, "host.example");
        CHECK(inet_pton(AF_INET6, "2001:db8::63:387", &a6) == 1);
        answers_pending = 1;
        CHECK(evdns_base_resolve_reverse_ipv6(dns, &a6, 0, answer_cb, &an) != NULL);
        run_until_answered(base, 5);
        CHECK_STR(ns->last.name, "7.8.3.0.3.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
        if (i == 0) {
            CHECK_EQ(an.result, DNS_ERR_UNKNOWN);
        } else {
            CHECK_EQ(an.result, DNS_ERR_NONE);
            CHECK_EQ(an.type, DNS_PTR);
            CHECK_STR(an.ptr, ptr_name);
        }
    }
    evdns_base_free(dns, 0);
    fake_ns_stop(ns);
}

int main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int srv;
    struct evdns_server_port *port;
    struct event *rd;
    unsigned char q[64];
    int qn;

    alarm(50);
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
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
    CHECK(port);
    cli = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(cli >= 0);
    CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);
    rd = event_new(base, cli, EV_READ | EV_PERSIST, on_reply, NULL);
    CHECK(event_add(rd, NULL) == 0);

    part_a();
    part_b();
    /* the port still serves plain queries */
    mode = 'P';
    qn = simple_query(q, "after.example");
    exchange(q, qn);
    CHECK_EQ(respond_rc, 0);
    CHECK_EQ(reply_len, qn + 16);
    CHECK(!(reply[2] & 0x02));
    CHECK(!memcmp(reply + reply_len - 4, "\1\2\3\4", 4));

    event_free(rd);
    evdns_close_server_port(port);
    close(cli);
    close(srv);

    part_c();
    event_base_free(base);
    printf("ok\n");
    return 0;
}
