/* dns server_queue: replies the socket does not take at once. The port serves a unix datagram
   socket (abstract names: nothing on disk, nothing on the network) whose peer stops reading,
   so sendto fails with EAGAIN once the peer's queue is full. 30 held requests are answered at
   once; every reply must eventually arrive. libevent 2.1.12 returns -1 for a reply that hit
   EAGAIN and leaves the request with the program, which must respond again later (this
   program does); we queue it, send it when the socket is writable and return 1 (libevent's
   value for a queued reply). Then the peer goes away altogether (ECONNREFUSED): each respond
   returns 1 on both libraries, and each reply is dropped later with libevent's warning.
   Closing the port then closes the socket. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define N 30
static struct event_base *base;
static int cli, srv;
static struct evdns_server_request *held[N], *retry[N];
static int nheld, nretry, sent, got[N], ngot, not_at_once, warnings, phase;
static struct event *sender, *retrier, *reader;

static void server_cb(struct evdns_server_request *req, void *arg)
{
    (void)arg;
    CHECK(nheld < N);
    held[nheld++] = req;
}

static void log_cb(int severity, const char *msg)
{
    if (strstr(msg, "while writing response to port; dropping"))
        warnings++;
    else
        fprintf(stderr, "log: %s\n", msg);
}

static void send_queries(evutil_socket_t fd, short what, void *arg)
{
    /* the server's own queue is short too: a few at a time */
    int k;
    for (k = 0; k < 5 && sent < N; k++) {
        unsigned char q[] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'q', 0, 0, 1, 0, 1};
        q[1] = (unsigned char)sent;
        if (send(cli, q, sizeof q, 0) < 0) {
            CHECK(errno == EAGAIN);
            return;
        }
        sent++;
    }
}

static void do_retry(evutil_socket_t fd, short what, void *arg)
{
    int i, left = 0;
    for (i = 0; i < nretry; i++) {
        int r = evdns_server_request_respond(retry[i], 0);
        CHECK(r == -1 || r == 0 || r == 1);
        if (r == -1)
            retry[left++] = retry[i];
    }
    nretry = left;
}

static void on_reply(evutil_socket_t fd, short what, void *arg)
{
    unsigned char buf[512];
    int n;
    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        CHECK(n == 19 && buf[0] == 0 && buf[1] < N && buf[2] == 0x81);
        CHECK(!got[buf[1]]);
        got[buf[1]] = 1;
        ngot++;
    }
    if (ngot == N)
        event_base_loopbreak(base);
}

static void step(evutil_socket_t fd, short what, void *arg)
{
    int i;
    if (phase == 0 && nheld == N) {
        /* all held: answer them at once while the peer is not reading */
        event_del(sender);
        for (i = 0; i < N; i++) {
            int r = evdns_server_request_respond(held[i], 0);
            CHECK(r == -1 || r == 0 || r == 1);
            if (r != 0)
                not_at_once++;
            if (r == -1)
                retry[nretry++] = held[i];
        }
        nheld = 0;
        phase = 1;
        /* now read, and (for libevent) answer again what it handed back */
        event_add(reader, NULL);
        {
            struct timeval tv = {0, 20000};
            event_add(retrier, &tv);
        }
    }
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    fprintf(stderr, "timed out: phase %d, %d held, %d sent, %d replies\n", phase, nheld, sent, ngot);
    exit(1);
}

int main(void)
{
    struct sockaddr_un s, c;
    struct evdns_server_port *port;
    struct event *stepper, *to;
    struct timeval tick = {0, 5000}, limit = {10, 0};
    int i, small = 4096;

    event_set_log_callback(log_cb);
    memset(&s, 0, sizeof s);
    memset(&c, 0, sizeof c);
    s.sun_family = c.sun_family = AF_UNIX;
    snprintf(s.sun_path + 1, sizeof s.sun_path - 1, "levent-dns-queue-s-%d", (int)getpid());
    snprintf(c.sun_path + 1, sizeof c.sun_path - 1, "levent-dns-queue-c-%d", (int)getpid());

    base = event_base_new();
    srv = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(srv >= 0 && evutil_make_socket_nonblocking(srv) == 0);
    setsockopt(srv, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    CHECK(bind(srv, (struct sockaddr *)&s, sizeof s) == 0);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
    CHECK(port);
    cli = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(cli >= 0 && evutil_make_socket_nonblocking(cli) == 0);
    CHECK(bind(cli, (struct sockaddr *)&c, sizeof c) == 0);
    CHECK(connect(cli, (struct sockaddr *)&s, sizeof s) == 0);

    sender = event_new(base, -1, EV_PERSIST, send_queries, NULL);
    retrier = event_new(base, -1, EV_PERSIST, do_retry, NULL);
    reader = event_new(base, cli, EV_READ | EV_PERSIST, on_reply, NULL);
    stepper = event_new(base, -1, EV_PERSIST, step, NULL);
    to = evtimer_new(base, on_timeout, NULL);
    event_add(sender, &tick);
    event_add(stepper, &tick);
    event_add(to, &limit);
    event_base_dispatch(base);

    for (i = 0; i < N; i++)
        CHECK(got[i]);
    CHECK(nretry == 0);
    CHECK(not_at_once > 0); /* the peer's queue really filled up */
    event_del(retrier);
    event_del(stepper);

    /* the peer goes away: every reply fails with ECONNREFUSED, is queued (1) and dropped */
    {
        unsigned char q[] = {0, 99, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'q', 0, 0, 1, 0, 1};
        struct timeval tv = {0, 100000};
        for (i = 0; i < 3; i++) {
            q[1] = (unsigned char)(100 + i);
            CHECK(send(cli, q, sizeof q, 0) == sizeof q);
        }
        event_del(reader);
        nheld = 0;
        while (nheld < 3)
            event_base_loop(base, EVLOOP_ONCE);
        close(cli);
        for (i = 0; i < 3; i++)
            CHECK_EQ(evdns_server_request_respond(held[i], 0), 1);
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
        CHECK_EQ(warnings, 3);
    }

    /* nothing is left: closing the port closes the socket */
    CHECK(fcntl(srv, F_GETFD) >= 0);
    evdns_close_server_port(port);
    CHECK(fcntl(srv, F_GETFD) == -1 && errno == EBADF);
    event_free(sender);
    event_free(retrier);
    event_free(reader);
    event_free(stepper);
    event_free(to);
    event_base_free(base);
    return 0;
}
