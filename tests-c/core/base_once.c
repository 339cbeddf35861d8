/* base_once: event_base_once with a timer, an fd, an immediate (NULL tv) timer; bad combinations. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

struct rec { int n; short what; evutil_socket_t fd; long long when; };
static char order[32];
static int norder;

static void rec_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    r->n++;
    r->what = what;
    r->fd = fd;
    r->when = now_us();
}

static void order_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    CHECK_EQ(what, EV_TIMEOUT);
    order[norder++] = *(const char *)arg;
}

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    struct rec *r = arg;
    r->n++;
    r->what = what;
    r->fd = fd;
    CHECK_EQ(read(fd, &c, 1), 1);
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* timer */
    struct rec rt = {0};
    struct timeval tv = { 0, 20000 };
    long long t0 = now_us();
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, rec_cb, &rt, &tv), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 1);
    CHECK_EQ(event_base_dispatch(base), 1);   /* fires once; then the base is empty */
    CHECK_EQ(rt.n, 1);
    CHECK_EQ(rt.what, EV_TIMEOUT);
    CHECK_EQ(rt.fd, -1);
    CHECK(rt.when - t0 >= 15000);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);

    /* fd */
    struct rec rf = {0};
    CHECK_EQ(event_base_once(base, sv[0], EV_READ, read_cb, &rf, NULL), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(rf.n, 0);
    CHECK_EQ(write(sv[1], "ab", 2), 2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(rf.n, 1);
    CHECK_EQ(rf.what, EV_READ);
    CHECK_EQ(rf.fd, sv[0]);
    /* not persistent: the other byte does not fire it again */
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(rf.n, 1);
    { char c; CHECK_EQ(read(sv[0], &c, 1), 1); }

    /* fd with a timeout that expires first: EV_TIMEOUT */
    struct rec rft = {0};
    struct timeval tv10 = { 0, 10000 };
    CHECK_EQ(event_base_once(base, sv[0], EV_READ, rec_cb, &rft, &tv10), 0);
    CHECK_EQ(event_base_dispatch(base), 1);
    CHECK_EQ(rft.n, 1);
    CHECK_EQ(rft.what, EV_TIMEOUT);
    CHECK_EQ(rft.fd, sv[0]);

    /* fd with EV_PERSIST or EV_SIGNAL: refused */
    CHECK_EQ(event_base_once(base, sv[0], EV_READ | EV_PERSIST, rec_cb, &rft, NULL), -1);
    CHECK_EQ(event_base_once(base, 10, EV_SIGNAL, rec_cb, &rft, NULL), -1);
    /* no direction and no timeout flag: refused */
    CHECK_EQ(event_base_once(base, -1, 0, rec_cb, &rft, NULL), -1);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);

    /* NULL tv (or zero tv): active at once, runs on the next loop, in scheduling order */
    struct timeval zero = { 0, 0 };
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, order_cb, "a", NULL), 0);
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, order_cb, "b", &zero), 0);
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, order_cb, "c", NULL), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 3);
    CHECK_EQ(norder, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(norder, 3);
    CHECK(memcmp(order, "abc", 3) == 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);

    /* once-events left pending are released by event_base_free (no crash, no callback) */
    struct rec rleft = {0};
    struct timeval tv10s = { 10, 0 };
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, rec_cb, &rleft, &tv10s), 0);
    CHECK_EQ(event_base_once(base, sv[0], EV_READ, rec_cb, &rleft, NULL), 0);
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, rec_cb, &rleft, NULL), 0);
    event_base_free(base);
    CHECK_EQ(rleft.n, 0);

    /* NULL base */
    CHECK_EQ(event_base_once(NULL, -1, EV_TIMEOUT, rec_cb, &rleft, NULL), -1);

    close(sv[0]); close(sv[1]);
    return 0;
}
