/* closed: EV_CLOSED fires when the peer closes (shutdown, close, TCP loopback close) on backends
   with EV_FEATURE_EARLY_CLOSE; on others EV_CLOSED is never reported. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

struct rec { int n; short what; };
static void rec_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    (void)fd;
    r->n++;
    r->what = what;
}

static void tcp_pair(int sv[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
    CHECK_EQ(listen(l, 1), 0);
    socklen_t sl = sizeof(sin);
    CHECK_EQ(getsockname(l, (struct sockaddr *)&sin, &sl), 0);
    sv[0] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(sv[0] >= 0);
    CHECK_EQ(connect(sv[0], (struct sockaddr *)&sin, sizeof(sin)), 0);
    sv[1] = accept(l, NULL, NULL);
    CHECK(sv[1] >= 0);
    close(l);
}

/* mode 0: peer shutdown(SHUT_WR) on a socketpair; 1: peer close on a socketpair; 2: TCP close */
static void run(int mode, int with_read, int early_close)
{
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    if (mode == 2)
        tcp_pair(sv);
    else
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct rec r = {0};
    short evs = EV_CLOSED | EV_PERSIST | (with_read ? EV_READ : 0);
    struct event *ev = event_new(base, sv[0], evs, rec_cb, &r);
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(event_pending(ev, EV_CLOSED | EV_READ, NULL), evs & (EV_CLOSED | EV_READ));

    /* nothing yet */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(r.n, 0);

    if (mode == 0)
        CHECK_EQ(shutdown(sv[1], SHUT_WR), 0);
    else
        CHECK_EQ(close(sv[1]), 0);
    /* TCP: give the FIN a moment on loopback (normally immediate) */
    for (int i = 0; i < 50 && r.n == 0; i++) {
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        if (r.n == 0 && (early_close || with_read))
            usleep(1000);
        if (!early_close && !with_read)
            break;
    }
    if (early_close) {
        CHECK_EQ(r.n, 1);
        CHECK_EQ(r.what, evs & (EV_CLOSED | EV_READ));
        /* level-triggered: the condition persists, so it fires again */
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(r.n, 2);
        CHECK_EQ(r.what, evs & (EV_CLOSED | EV_READ));
    } else if (with_read) {
        CHECK_EQ(r.n, 1);
        CHECK_EQ(r.what, EV_READ);    /* EOF is seen as readability only */
    } else {
        CHECK_EQ(r.n, 0);             /* EV_CLOSED alone is never reported */
    }
    event_free(ev);
    event_base_free(base);
    close(sv[0]);
    if (mode == 0)
        close(sv[1]);
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int early = (event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE) != 0;
    const char *method = event_base_get_method(base);
    if (!strcmp(method, "epoll") || !strcmp(method, "poll"))
        CHECK(early);
    if (!early)
        printf("skip: %s lacks EV_FEATURE_EARLY_CLOSE; checking that EV_CLOSED is not reported\n", method);
    event_base_free(base);

    for (int mode = 0; mode < 3; mode++) {
        run(mode, 0, early);
        run(mode, 1, early);
    }
    return 0;
}
