/* dns resolve_hostile: a hostile name server. Replies that must be ignored (shorter than a
   header, an unknown ID, the QR bit clear, from another address) leave the request waiting
   for the real answer, which then succeeds; a reply from the right address but another
   port counts. Replies that must fail the request with DNS_ERR_UNKNOWN: another question
   (the same with changed letter case is fine under randomize-case), no question, a packet
   cut inside a record, more records announced than present, a compression pointer loop,
   pointers and labels past the end (the CVE-2016-10195 shapes), a name over 255
   characters, reserved label types. NXDOMAIN with a broken SOA still gives NOTEXIST (TTL
   0). An empty name with a search list is refused (CVE-2016-10197). Then a few hundred
   seeded random replies with the right ID: every request ends, nothing crashes, and a
   clean query still works afterwards. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <ctype.h>

static int seed = 12345;
static int rnd(void)
{
    seed = seed * 1103515245 + 12345;
    return (seed >> 16) & 0x7fff;
}

static void send_raw(const struct fake_ns *ns, const struct fake_query *q, const struct pkt *p, const char *from_ip, int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in s;
    memset(&s, 0, sizeof(s));
    s.sin_family = AF_INET;
    s.sin_port = htons(port);
    inet_pton(AF_INET, from_ip, &s.sin_addr);
    CHECK(bind(fd, (struct sockaddr *)&s, sizeof(s)) == 0);
    sendto(fd, p->b, p->n, 0, (const struct sockaddr *)&q->from, sizeof(q->from));
    close(fd);
    (void)ns;
}

static void good(struct pkt *o, const struct fake_query *q)
{
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    pkt_rr_a(o, NULL, 60, "7.7.7.7");
}

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    char n[300];
    struct pkt bad;
    int i;
    (void)arg;
    for (i = 0; q->name[i]; i++) n[i] = (char)tolower((unsigned char)q->name[i]);
    n[i] = 0;
    if (!strncmp(n, "garbage", 7)) {
        o->n = 12 + rnd() % 100;
        for (i = 0; i < o->n; i++) o->b[i] = (unsigned char)rnd();
        o->b[0] = (unsigned char)(q->id >> 8);
        o->b[1] = (unsigned char)q->id;
        o->b[2] |= 0x80;
        if (rnd() % 2) { /* keep the question, garble the rest */
            memcpy(o->b + 12, q->pkt + 12, q->question_end - 12);
            o->b[4] = 0;
            o->b[5] = 1;
            if (o->n < q->question_end) o->n = q->question_end + rnd() % 40;
        }
        return 1;
    }
    if (!strcmp(n, "short.example")) {
        bad.n = 0;
        pkt_u16(&bad, q->id);
        pkt_u16(&bad, 0x8180);
        pkt_u16(&bad, 1);
        sendto(ns->fd, bad.b, bad.n, 0, (const struct sockaddr *)&q->from, sizeof(q->from));
        good(o, q);
        return 1;
    }
    if (!strcmp(n, "wrongid.example")) {
        good(&bad, q);
        bad.b[0] ^= 0x5a;
        sendto(ns->fd, bad.b, bad.n, 0, (const struct sockaddr *)&q->from, sizeof(q->from));
        good(o, q);
        return 1;
    }
    if (!strcmp(n, "noqr.example")) {
        good(&bad, q);
        bad.b[2] &= 0x7f;
        sendto(ns->fd, bad.b, bad.n, 0, (const struct sockaddr *)&q->from, sizeof(q->from));
        good(o, q);
        return 1;
    }
    if (!strcmp(n, "otherip.example")) {
        struct pkt p;
        pkt_reply_head(&p, q, 0x8180, 1, 0, 0);
        pkt_rr_a(&p, NULL, 60, "6.6.6.6");
        send_raw(ns, q, &p, "127.0.0.2", ns->port);
        good(o, q);
        return 1;
    }
    if (!strcmp(n, "otherport.example")) {
        good(&bad, q);
        send_raw(ns, q, &bad, "127.0.0.1", 0);
        return 0;
    }
    if (!strcmp(n, "wrongq.example")) {
        struct fake_query q2 = *q;
        q2.pkt[14] ^= 1;
        good(o, &q2);
        return 1;
    }
    if (!strcmp(n, "caseq.example")) {
        struct fake_query q2 = *q;
        for (i = 13; i < q->question_end - 4; i++)
            if (isalpha(q2.pkt[i])) q2.pkt[i] ^= 0x20;
        good(o, &q2);
        return 1;
    }
    if (!strcmp(n, "noquestion.example")) {
        o->n = 0;
        pkt_u16(o, q->id);
        pkt_u16(o, 0x8180);
        pkt_u16(o, 0);
        pkt_u16(o, 1);
        pkt_u16(o, 0);
        pkt_u16(o, 0);
        pkt_rr_a(o, "noquestion.example", 60, "1.1.1.1");
        return 1;
    }
    if (!strcmp(n, "cut.example")) {
        good(o, q);
        o->n -= 2;
        return 1;
    }
    if (!strcmp(n, "ancount.example")) {
        good(o, q);
        o->b[7] = 9;
        return 1;
    }
    if (!strcmp(n, "loop.example")) {
        int at;
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        at = o->n;
        pkt_u16(o, 0xc000 | at); /* points at itself */
        pkt_u16(o, 1); pkt_u16(o, 1); pkt_u32(o, 9); pkt_u16(o, 4); pkt_u32(o, 0x01020304);
        return 1;
    }
    if (!strcmp(n, "ptrpastend.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_u16(o, 0xc000 | 0x3fff);
        pkt_u16(o, 1); pkt_u16(o, 1); pkt_u32(o, 9); pkt_u16(o, 4); pkt_u32(o, 0x01020304);
        return 1;
    }
    if (!strcmp(n, "labelpastend.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_u8(o, 60);
        pkt_bytes(o, "abc", 3);
        return 1;
    }
    if (!strcmp(n, "ptrlastbyte.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_u8(o, 0xc0); /* pointer cut after its first byte */
        return 1;
    }
    if (!strcmp(n, "reserved.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_u16(o, 0x40ff); /* reserved label type (2.1.12 reads a far pointer) */
        pkt_u16(o, 1); pkt_u16(o, 1); pkt_u32(o, 9); pkt_u16(o, 4); pkt_u32(o, 0x01020304);
        return 1;
    }
    if (!strcmp(n, "longname.example")) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        for (i = 0; i < 5; i++) {
            char l[64];
            memset(l, 'x', 60);
            pkt_u8(o, 60);
            pkt_bytes(o, l, 60);
        }
        pkt_u8(o, 0);
        pkt_u16(o, 1); pkt_u16(o, 1); pkt_u32(o, 9); pkt_u16(o, 4); pkt_u32(o, 0x01020304);
        return 1;
    }
    if (!strcmp(n, "badsoa.example")) {
        pkt_reply_head(o, q, 0x8183, 0, 1, 0);
        pkt_rr_head(o, "example", 6, 30, 40);
        pkt_u8(o, 50); /* the SOA's first name runs off the end */
        return 1;
    }
    good(o, q);
    return 1;
}

static struct event_base *base;
static struct evdns_base *dns;

static struct answer ask(const char *name)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &a));
    run_until_answered(base, 5);
    if (a.done != 1) {
        fprintf(stderr, "%s: no answer\n", name);
        exit(1);
    }
    return a;
}

static void expect(const char *name, int err, const char *addr)
{
    struct answer a = ask(name);
    if (a.result != err || (addr && (a.count != 1 || strcmp(answer_v4(&a, 0), addr)))) {
        fprintf(stderr, "%s: result %d count %d (%s), expected %d %s\n", name, a.result, a.count,
                a.count ? answer_v4(&a, 0) : "-", err, addr ? addr : "");
        exit(1);
    }
}

int main(void)
{
    struct fake_ns *ns;
    int i, done = 0, ok = 0;
    alarm(40);
    base = event_base_new();
    dns = evdns_base_new(base, 0);
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "timeout", "0.5"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "attempts", "1"), 0);

    expect("short.example", 0, "7.7.7.7");
    expect("wrongid.example", 0, "7.7.7.7");
    expect("noqr.example", 0, "7.7.7.7");
    expect("otherip.example", 0, "7.7.7.7");
    expect("otherport.example", 0, "7.7.7.7");
    expect("caseq.example", 0, "7.7.7.7");
    expect("wrongq.example", DNS_ERR_UNKNOWN, NULL);
    expect("noquestion.example", DNS_ERR_UNKNOWN, NULL);
    expect("cut.example", DNS_ERR_UNKNOWN, NULL);
    expect("ancount.example", DNS_ERR_UNKNOWN, NULL);
    expect("loop.example", DNS_ERR_UNKNOWN, NULL);
    expect("ptrpastend.example", DNS_ERR_UNKNOWN, NULL);
    expect("labelpastend.example", DNS_ERR_UNKNOWN, NULL);
    expect("ptrlastbyte.example", DNS_ERR_UNKNOWN, NULL);
    expect("reserved.example", DNS_ERR_UNKNOWN, NULL);
    expect("longname.example", DNS_ERR_UNKNOWN, NULL);
    {
        struct answer a = ask("badsoa.example");
        CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
        CHECK_EQ(a.ttl, 0);
    }

    /* CVE-2016-10197: an empty name is not combined with the search list */
    evdns_base_search_add(dns, "example");
    CHECK(evdns_base_resolve_ipv4(dns, "", 0, answer_cb, NULL) == NULL);
    evdns_base_search_clear(dns);

    /* seeded garbage with the right ID: each request ends somehow */
    {
        static struct answer g[300];
        char name[64];
        CHECK_EQ(evdns_base_set_option(dns, "max-inflight", "20"), 0);
        memset(g, 0, sizeof(g));
        answers_pending = 300;
        for (i = 0; i < 300; i++) {
            snprintf(name, sizeof(name), "garbage%d.example", i);
            CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &g[i]));
        }
        run_until_answered(base, 20);
        for (i = 0; i < 300; i++) {
            done += g[i].done;
            ok += g[i].result == 0;
        }
        CHECK_EQ(done, 300);
        CHECK(ok < 300);
    }
    expect("clean.example", 0, "7.7.7.7");

    evdns_base_free(dns, 0);
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
