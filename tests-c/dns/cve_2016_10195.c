/* dns cve_2016_10195: libevent before 2.1.6 read past the end of a packet in name_parse. A
   name that runs past the packet's end must be refused, not read, on both sides:
   - resolver: answers whose name is a pointer past the end, a label longer than what is
     left, a pointer cut after its first byte, a length byte as the last byte, and a PTR
     answer whose target name runs past the end, each fail the lookup with DNS_ERR_UNKNOWN;
   - server port: queries whose question name does the same are ignored (no reply), and the
     port answers the next proper query. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <strings.h>

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    const char *n = q->name;
    (void)ns;
    (void)arg;
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    if (!strncasecmp(n, "ptrpast.", 8)) {
        pkt_u16(o, 0xc000 | (o->n + 40));
    } else if (!strncasecmp(n, "labelpast.", 10)) {
        pkt_u8(o, 50);
        pkt_bytes(o, "abcdef", 6);
        return 1;
    } else if (!strncasecmp(n, "ptrcut.", 7)) {
        pkt_u8(o, 0xc0);
        return 1;
    } else if (!strncasecmp(n, "lenlast.", 8)) {
        pkt_u8(o, 3);
        return 1;
    } else if (!strncasecmp(n, "1.0.0.127", 9)) {
        pkt_rr_head(o, NULL, 12, 60, 20);
        pkt_u8(o, 30); /* the target's label runs past the end */
        pkt_bytes(o, "host", 4);
        return 1;
    } else {
        pkt_u16(o, 0xc00c);
    }
    pkt_u16(o, 1); pkt_u16(o, 1); pkt_u32(o, 60); pkt_u16(o, 4); pkt_u32(o, 0x07070707);
    return 1;
}

static struct event_base *base;
static int served;

static void server_cb(struct evdns_server_request *req, void *arg)
{
    (void)arg;
    served++;
    evdns_server_request_add_a_reply(req, req->questions[0]->name, 1, "\1\2\3\4", 60);
    evdns_server_request_respond(req, 0);
}

static int reply_len;
static void on_reply(evutil_socket_t fd, short what, void *arg)
{
    unsigned char b[1500];
    (void)what;
    (void)arg;
    reply_len = (int)recv(fd, b, sizeof b, 0);
    event_base_loopbreak(base);
}

int main(void)
{
    struct evdns_base *dns;
    struct fake_ns *ns;
    const char *bad[] = {"ptrpast.example", "labelpast.example", "ptrcut.example", "lenlast.example"};
    size_t i;
    alarm(30);
    base = event_base_new();

    dns = evdns_base_new(base, 0);
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "timeout:", "0.5"), 0);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct answer a;
        memset(&a, 0, sizeof a);
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv4(dns, bad[i], DNS_QUERY_NO_SEARCH, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.done, 1);
        if (a.result != DNS_ERR_UNKNOWN) {
            fprintf(stderr, "%s: result %d\n", bad[i], a.result);
            exit(1);
        }
    }
    {
        struct answer a;
        struct in_addr in;
        memset(&a, 0, sizeof a);
        in.s_addr = htonl(0x7f000001);
        answers_pending = 1;
        CHECK(evdns_base_resolve_reverse(dns, &in, 0, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.result, DNS_ERR_UNKNOWN);
        memset(&a, 0, sizeof a);
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv4(dns, "fine.example", DNS_QUERY_NO_SEARCH, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.result, DNS_ERR_NONE);
        CHECK_STR(answer_v4(&a, 0), "7.7.7.7");
    }
    evdns_base_free(dns, 0);
    fake_ns_stop(ns);

    /* the server side */
    {
        struct sockaddr_in sin;
        socklen_t sl = sizeof sin;
        int srv = socket(AF_INET, SOCK_DGRAM, 0), cli = socket(AF_INET, SOCK_DGRAM, 0);
        struct evdns_server_port *port;
        struct event *rd;
        struct timeval tv = {0, 300000};
        /* header: ID, RD, one question; then the broken names */
        static const unsigned char hdr[12] = {0x10, 0x95, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        static const unsigned char *shapes[] = {
            (const unsigned char *)"\xc0\xff",     /* pointer past the end */
            (const unsigned char *)"\x32" "abc",   /* label past the end */
            (const unsigned char *)"\xc0",         /* pointer cut */
            (const unsigned char *)"\x03",         /* length byte last */
            (const unsigned char *)"\x01" "a\xc0", /* a label then a cut pointer */
        };
        static const int shape_len[] = {2, 4, 1, 1, 3};
        unsigned char p[64];
        memset(&sin, 0, sizeof sin);
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(0x7f000001);
        CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
        CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);
        evutil_make_socket_nonblocking(srv);
        port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
        CHECK(port);
        CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);
        rd = event_new(base, cli, EV_READ | EV_PERSIST, on_reply, NULL);
        event_add(rd, NULL);
        for (i = 0; i < sizeof shape_len / sizeof shape_len[0]; i++) {
            memcpy(p, hdr, 12);
            memcpy(p + 12, shapes[i], shape_len[i]);
            CHECK(send(cli, p, 12 + shape_len[i], 0) == 12 + shape_len[i]);
            reply_len = -1;
            event_base_loopexit(base, &tv);
            event_base_dispatch(base);
            CHECK_EQ(reply_len, -1);
        }
        CHECK_EQ(served, 0);
        memcpy(p, hdr, 12);
        memcpy(p + 12, "\2ok\0\0\1\0\1", 8);
        CHECK(send(cli, p, 20, 0) == 20);
        tv.tv_sec = 5;
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
        CHECK_EQ(served, 1);
        CHECK_EQ(reply_len, 20 + 16);
        event_free(rd);
        evdns_close_server_port(port);
        close(cli);
    }
    event_base_free(base);
    printf("ok\n");
    return 0;
}
