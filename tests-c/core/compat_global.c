/* compat_global: the libevent 1.4 global-base API as tmux and memcached use it. */
#include <event.h>
#include <signal.h>
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

static char order[64];
static int norder;
static void note(char c) { CHECK(norder < 63); order[norder++] = c; order[norder] = 0; }

struct rec { int n; short what; int fd; };
static void rec_cb(int fd, short what, void *arg)
{
    struct rec *r = arg;
    r->n++;
    r->what = what;
    r->fd = fd;
}
static void read_cb(int fd, short what, void *arg)
{
    char c;
    CHECK_EQ(read(fd, &c, 1), 1);
    rec_cb(fd, what, arg);
}
static void order_cb(int fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
}
static void break_cb(int fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    note('!');
    CHECK_EQ(event_loopbreak(), 0);
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_init();
    CHECK(base != NULL);
    const char *m = event_get_method();
    CHECK(m != NULL);
    CHECK(!strcmp(m, "epoll") || !strcmp(m, "poll") || !strcmp(m, "select"));
    CHECK(!strcmp(m, event_base_get_method(base)));
    if (getenv("EVENT_NOEPOLL") == NULL)
        CHECK(!strcmp(m, "epoll"));
    else
        CHECK(strcmp(m, "epoll") != 0);

    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* event_set uses the current (global) base */
    struct event rev;
    struct rec rr = {0};
    event_set(&rev, sv[0], EV_READ | EV_PERSIST, read_cb, &rr);
    CHECK(rev.ev_base == base);
    CHECK_EQ(EVENT_FD(&rev), sv[0]);
    CHECK_EQ(event_base_set(base, &rev), 0);
    CHECK_EQ(event_add(&rev, NULL), 0);
    CHECK_EQ(event_base_set(base, &rev), -1);   /* not while added */
    CHECK_EQ(write(sv[1], "a", 1), 1);
    CHECK_EQ(event_loop(EVLOOP_ONCE), 0);
    CHECK_EQ(rr.n, 1);
    CHECK_EQ(rr.what, EV_READ);
    CHECK_EQ(rr.fd, sv[0]);
    CHECK_EQ(event_del(&rev), 0);

    /* timeout_* macros */
    struct event tev;
    struct rec rt = {0};
    timeout_set(&tev, rec_cb, &rt);
    CHECK(timeout_initialized(&tev));
    CHECK_EQ(timeout_pending(&tev, NULL), 0);
    struct timeval tv = { 0, 10000 };
    long long t0 = now_us();
    CHECK_EQ(timeout_add(&tev, &tv), 0);
    struct timeval when;
    CHECK(timeout_pending(&tev, &when));
    CHECK_EQ(event_dispatch(), 1);    /* runs until no events are left */
    CHECK_EQ(rt.n, 1);
    CHECK_EQ(rt.what, EV_TIMEOUT);
    CHECK_EQ(rt.fd, -1);
    CHECK(now_us() - t0 >= 5000);
    CHECK_EQ(timeout_pending(&tev, NULL), 0);
    /* timeout_del on a pending timeout */
    CHECK_EQ(timeout_add(&tev, &tv), 0);
    CHECK_EQ(timeout_del(&tev), 0);
    CHECK_EQ(event_dispatch(), 1);
    CHECK_EQ(rt.n, 1);

    /* evtimer_set */
    struct event tev2;
    evtimer_set(&tev2, rec_cb, &rt);
    CHECK_EQ(evtimer_add(&tev2, &tv), 0);
    CHECK(evtimer_pending(&tev2, NULL));
    CHECK_EQ(event_loop(EVLOOP_ONCE), 0);
    CHECK_EQ(rt.n, 2);

    /* signal_* macros */
    struct event sev;
    struct rec rs = {0};
    signal_set(&sev, SIGUSR1, rec_cb, &rs);
    CHECK_EQ(EVENT_SIGNAL(&sev), SIGUSR1);
    CHECK_EQ(event_get_events(&sev), EV_SIGNAL | EV_PERSIST);
    CHECK_EQ(signal_add(&sev, NULL), 0);
    CHECK(signal_pending(&sev, NULL));
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_loop(EVLOOP_ONCE), 0);
    CHECK_EQ(rs.n, 1);
    CHECK_EQ(rs.what, EV_SIGNAL);
    CHECK_EQ(rs.fd, SIGUSR1);
    CHECK_EQ(signal_del(&sev), 0);
    CHECK_EQ(signal_pending(&sev, NULL), 0);

    /* evsignal_set */
    struct event sev2;
    evsignal_set(&sev2, SIGUSR2, rec_cb, &rs);
    CHECK_EQ(evsignal_add(&sev2, NULL), 0);
    CHECK_EQ(raise(SIGUSR2), 0);
    CHECK_EQ(event_loop(EVLOOP_ONCE), 0);
    CHECK_EQ(rs.n, 2);
    CHECK_EQ(rs.fd, SIGUSR2);
    CHECK_EQ(evsignal_del(&sev2), 0);

    /* event_loopexit: exits a dispatch that would otherwise wait */
    CHECK_EQ(event_add(&rev, NULL), 0);
    struct timeval ex = { 0, 20000 };
    t0 = now_us();   /* before the deadline is set: a slow call in between cannot shorten the wait */
    CHECK_EQ(event_loopexit(&ex), 0);
    CHECK_EQ(event_dispatch(), 0);
    CHECK(now_us() - t0 >= 15000);
    CHECK(event_base_got_exit(base));

    /* event_loopbreak from a callback */
    struct event bev;
    evtimer_set(&bev, break_cb, NULL);
    struct timeval zero = { 0, 0 };
    CHECK_EQ(evtimer_add(&bev, &zero), 0);
    norder = 0;
    CHECK_EQ(event_dispatch(), 0);
    CHECK(strcmp(order, "!") == 0);
    CHECK(event_base_got_break(base));
    CHECK_EQ(event_del(&rev), 0);

    /* event_once on the global base */
    struct rec ro = {0};
    CHECK_EQ(event_once(-1, EV_TIMEOUT, rec_cb, &ro, &tv), 0);
    CHECK_EQ(event_once(sv[0], EV_READ, read_cb, &ro, NULL), 0);
    CHECK_EQ(write(sv[1], "b", 1), 1);
    CHECK_EQ(event_dispatch(), 1);
    CHECK_EQ(ro.n, 2);

    /* event_priority_init on the global base; events set afterwards get n/2 */
    CHECK_EQ(event_priority_init(3), 0);
    CHECK_EQ(event_base_get_npriorities(base), 3);
    struct event p0, p1, p2;
    event_set(&p0, -1, 0, order_cb, "0");
    event_set(&p1, -1, 0, order_cb, "1");
    event_set(&p2, -1, 0, order_cb, "2");
    CHECK_EQ(event_get_priority(&p1), 1);
    CHECK_EQ(event_priority_set(&p0, 0), 0);
    CHECK_EQ(event_priority_set(&p2, 2), 0);
    norder = 0;
    event_active(&p2, EV_TIMEOUT, 1);
    event_active(&p1, EV_TIMEOUT, 1);
    event_active(&p0, EV_TIMEOUT, 1);
    CHECK_EQ(event_loop(EVLOOP_NONBLOCK), 1);
    CHECK(strcmp(order, "012") == 0);

    /* memcached style: a second base, event_set + event_base_set + event_base_loop */
    struct event_base *b2 = event_base_new();
    struct event mev;
    struct rec rm = {0};
    event_set(&mev, sv[0], EV_READ | EV_PERSIST, read_cb, &rm);
    CHECK(mev.ev_base == base);
    CHECK_EQ(event_base_set(b2, &mev), 0);
    CHECK(mev.ev_base == b2);
    CHECK(event_get_base(&mev) == b2);
    CHECK_EQ(event_add(&mev, NULL), 0);
    CHECK_EQ(write(sv[1], "c", 1), 1);
    CHECK_EQ(event_base_loop(b2, EVLOOP_ONCE), 0);
    CHECK_EQ(rm.n, 1);
    CHECK_EQ(event_loop(EVLOOP_NONBLOCK), 1);   /* global base has nothing */
    CHECK_EQ(event_del(&mev), 0);
    event_base_free(b2);

    /* tmux style: event_reinit on the global base still works without a fork */
    CHECK_EQ(event_reinit(base), 0);
    CHECK_EQ(event_add(&rev, NULL), 0);
    CHECK_EQ(write(sv[1], "d", 1), 1);
    CHECK_EQ(event_loop(EVLOOP_ONCE), 0);
    CHECK_EQ(rr.n, 2);
    CHECK_EQ(event_del(&rev), 0);

    /* event_base_free(NULL) frees the global base */
    event_base_free(NULL);
    close(sv[0]); close(sv[1]);
    return 0;
}
