/* dns ext_tcp_server: evdns_add_server_port_with_listener, an extension beyond 2.1.12
   (libevent 2.2's function; Debian's 2.1.12 lacks it, hence OURS_ONLY). A server port on an
   evconnlistener on 127.0.0.1 answers DNS over TCP (two bytes of length, then the message):
   flags other than 0 and a NULL listener are refused; a raw client gets a 100-record reply
   whole (over 512 bytes, no TC, as TCP allows); two queries in one write get two replies in
   order; a query arriving a byte at a time is served; a message that is not a query is
   ignored and the connection keeps serving; the requesting address is the client's; a
   reply for a client that has gone is dropped without harm; our resolver with
   DNS_QUERY_USEVC gets its answer from the port; after evdns_close_server_port the
   listener is gone (connections are refused). */
/* OURS_ONLY */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/listener.h>
#include <errno.h>
#include <poll.h>

static struct event_base *base;
static struct evdns_server_request *held;
static int served;

static void server_cb(struct evdns_server_request *req, void *arg)
{
    const char *name = req->questions[0]->name;
    (void)arg;
    served++;
    if (!strcmp(name, "hold.example")) {
        held = req;
        return;
    }
    if (!strcmp(name, "many.example")) {
        int i;
        for (i = 0; i < 100; i++) {
            unsigned char a[4] = {10, 1, (unsigned char)(i >> 8), (unsigned char)i};
            CHECK_EQ(evdns_server_request_add_a_reply(req, name, 1, a, 60), 0);
        }
    } else if (!strcmp(name, "peer.example")) {
        struct sockaddr_in sa;
        CHECK_EQ(evdns_server_request_get_requesting_addr(req, (struct sockaddr *)&sa, sizeof sa), (int)sizeof sa);
        CHECK_EQ(sa.sin_family, AF_INET);
        CHECK_EQ(ntohl(sa.sin_addr.s_addr), 0x7f000001);
        CHECK_EQ(evdns_server_request_add_a_reply(req, name, 1, "\1\1\1\1", 60), 0);
    } else {
        CHECK_EQ(evdns_server_request_add_a_reply(req, name, 1, "\7\7\7\7", 60), 0);
    }
    CHECK_EQ(evdns_server_request_respond(req, 0), 0);
}

static int connect_to(int port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    sin.sin_port = htons(port);
    if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A framed query for name, type A, with the given ID. */
static int framed(unsigned char *p, const char *name, int id)
{
    struct pkt q;
    q.n = 0;
    pkt_u16(&q, id);
    pkt_u16(&q, 0x0100);
    pkt_u16(&q, 1);
    pkt_u16(&q, 0);
    pkt_u16(&q, 0);
    pkt_u16(&q, 0);
    pkt_name(&q, name);
    pkt_u16(&q, 1);
    pkt_u16(&q, 1);
    p[0] = q.n >> 8;
    p[1] = q.n & 0xff;
    memcpy(p + 2, q.b, q.n);
    return q.n + 2;
}

/* Run the loop until one framed message has arrived on fd; its length, or -1. */
static int read_framed(int fd, unsigned char *out, int cap)
{
    int have = 0, i;
    for (i = 0; i < 500; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        event_base_loop(base, EVLOOP_NONBLOCK);
        if (poll(&p, 1, 10) == 1) {
            int r = (int)recv(fd, out + have, have < 2 ? 2 - have : cap - have, 0);
            if (r <= 0)
                return -1;
            have += r;
            if (have >= 2) {
                int len = (out[0] << 8) | out[1];
                CHECK(len + 2 <= cap);
                if (have == len + 2)
                    return len;
                /* read the rest exactly */
                while (have < len + 2) {
                    event_base_loop(base, EVLOOP_NONBLOCK);
                    r = (int)recv(fd, out + have, len + 2 - have, MSG_DONTWAIT);
                    if (r == 0)
                        return -1;
                    if (r > 0)
                        have += r;
                }
                return len;
            }
        }
    }
    return -1;
}

int main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct evconnlistener *lev;
    struct evdns_server_port *port;
    static unsigned char buf[70000], q[600];
    int fd, n, len, portnum, i;
    alarm(40);
    base = event_base_new();
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    lev = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16, (struct sockaddr *)&sin,
                                  sizeof sin);
    CHECK(lev);
    CHECK(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &sl) == 0);
    portnum = ntohs(sin.sin_port);
    CHECK(evdns_add_server_port_with_listener(base, lev, 1, server_cb, NULL) == NULL);
    CHECK(evdns_add_server_port_with_listener(base, NULL, 0, server_cb, NULL) == NULL);
    port = evdns_add_server_port_with_listener(base, lev, 0, server_cb, NULL);
    CHECK(port);

    fd = connect_to(portnum);
    CHECK(fd >= 0);
    /* a big reply, whole */
    n = framed(q, "many.example", 0x1111);
    CHECK(send(fd, q, n, 0) == n);
    len = read_framed(fd, buf, sizeof buf);
    CHECK_EQ(len, 12 + 18 + 100 * 16);
    CHECK_EQ((buf[2] << 8) | buf[3], 0x1111);
    CHECK_EQ(buf[4] & 0x02, 0); /* no TC */
    CHECK_EQ((buf[8] << 8) | buf[9], 100);
    CHECK(!memcmp(buf + 2 + len - 4, "\12\1\0\143", 4));

    /* two in one write, answered in order */
    n = framed(q, "one.example", 1);
    n += framed(q + n, "two.example", 2);
    CHECK(send(fd, q, n, 0) == n);
    CHECK(read_framed(fd, buf, sizeof buf) > 0);
    CHECK_EQ((buf[2] << 8) | buf[3], 1);
    CHECK(read_framed(fd, buf, sizeof buf) > 0);
    CHECK_EQ((buf[2] << 8) | buf[3], 2);

    /* a byte at a time; not a query (QR set) first: ignored */
    n = framed(q, "slow.example", 3);
    q[4] |= 0x80;
    CHECK(send(fd, q, n, 0) == n);
    q[4] &= 0x7f;
    for (i = 0; i < n; i++) {
        CHECK(send(fd, q + i, 1, 0) == 1);
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    len = read_framed(fd, buf, sizeof buf);
    CHECK_EQ((buf[2] << 8) | buf[3], 3);
    CHECK(!memcmp(buf + 2 + len - 4, "\7\7\7\7", 4));

    /* the requesting address */
    n = framed(q, "peer.example", 4);
    CHECK(send(fd, q, n, 0) == n);
    len = read_framed(fd, buf, sizeof buf);
    CHECK(!memcmp(buf + 2 + len - 4, "\1\1\1\1", 4));

    /* the client goes before its reply */
    n = framed(q, "hold.example", 5);
    CHECK(send(fd, q, n, 0) == n);
    for (i = 0; i < 100 && !held; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        usleep(1000);
    }
    CHECK(held);
    close(fd);
    run_for(base, 0.1);
    CHECK_EQ(evdns_server_request_add_a_reply(held, "hold.example", 1, "\7\7\7\7", 60), 0);
    CHECK(evdns_server_request_respond(held, 0) >= 0);

    /* our resolver over TCP */
    {
        struct evdns_base *dns = evdns_base_new(base, 0);
        struct answer a;
        char addr[64];
        snprintf(addr, sizeof addr, "127.0.0.1:%d", portnum);
        CHECK_EQ(evdns_base_nameserver_ip_add(dns, addr), 0);
        CHECK_EQ(evdns_base_set_option(dns, "randomize-case:", "0"), 0);
        memset(&a, 0, sizeof a);
        answers_pending = 1;
        CHECK(evdns_base_resolve_ipv4(dns, "via.resolver", DNS_QUERY_NO_SEARCH | DNS_QUERY_USEVC, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.result, DNS_ERR_NONE);
        CHECK_STR(answer_v4(&a, 0), "7.7.7.7");
        evdns_base_free(dns, 0);
    }

    evdns_close_server_port(port);
    run_for(base, 0.1);
    CHECK(connect_to(portnum) < 0);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
