/* loop_flags: return values of event_base_loop with EVLOOP_ONCE / NONBLOCK / NO_EXIT_ON_EMPTY;
   nested loop from a callback returns -1 with a warning. */
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

static struct event_base *base;
static int ncalls;
static int nwarn;
static char lastmsg[256];

static void log_cb(int severity, const char *msg)
{
    if (severity == EVENT_LOG_WARN) {
        nwarn++;
        snprintf(lastmsg, sizeof(lastmsg), "%s", msg);
    }
}

static void count_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    ncalls++;
}

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    (void)what; (void)arg;
    CHECK_EQ(read(fd, &c, 1), 1);
    ncalls++;
}

static int nested_ret = 99;
static void nested_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    ncalls++;
    nested_ret = event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    /* dispatch too */
    CHECK_EQ(event_base_dispatch(base), -1);
}

int main(void)
{
    alarm(20);
    event_set_log_callback(log_cb);
    base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* empty base */
    CHECK_EQ(event_base_loop(base, 0), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK | EVLOOP_NO_EXIT_ON_EMPTY), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK | EVLOOP_NO_EXIT_ON_EMPTY), 0);
    CHECK_EQ(event_base_dispatch(base), 1);

    /* NO_EXIT_ON_EMPTY on an empty base waits (until loopexit) and returns 0 */
    struct timeval tv20 = { 0, 20000 };
    CHECK_EQ(event_base_loopexit(base, &tv20), 0);
    long long t0 = now_us();
    CHECK_EQ(event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY), 0);
    CHECK(now_us() - t0 >= 15000);
    CHECK(event_base_got_exit(base));

    /* ONCE with a timer: blocks until it fires, returns 0 */
    struct event *t = evtimer_new(base, count_cb, NULL);
    struct timeval tv10 = { 0, 10000 };
    CHECK_EQ(evtimer_add(t, &tv10), 0);
    t0 = now_us();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK(now_us() - t0 >= 5000);
    CHECK_EQ(ncalls, 1);
    /* ...and the base is empty again */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 1);

    /* ONCE|NONBLOCK with a timer that has not expired: returns 0 at once, nothing runs */
    struct timeval tv5s = { 5, 0 };
    CHECK_EQ(evtimer_add(t, &tv5s), 0);
    t0 = now_us();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    CHECK(now_us() - t0 < 1000000);
    CHECK_EQ(ncalls, 1);
    event_del(t);

    /* NONBLOCK with a ready non-persistent event: it runs, then the base is empty -> 1 */
    ncalls = 0;
    struct event *r = event_new(base, sv[0], EV_READ, drain_cb, NULL);
    CHECK_EQ(event_add(r, NULL), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(ncalls, 1);

    /* NONBLOCK with a ready persistent event that drains: runs once, then nothing active -> 0 */
    struct event *rp = event_new(base, sv[0], EV_READ | EV_PERSIST, drain_cb, NULL);
    CHECK_EQ(event_add(rp, NULL), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 2);

    /* NONBLOCK keeps iterating while events keep becoming active: 3 bytes, one per pass */
    CHECK_EQ(write(sv[1], "xyz", 3), 3);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 5);

    /* ONCE with data ready: one pass, returns 0 */
    CHECK_EQ(write(sv[1], "ab", 2), 2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ncalls, 6);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ncalls, 7);

    /* event_active only, no added events: ONCE runs it and returns 0; afterwards empty -> 1 */
    struct event *act = event_new(base, -1, 0, count_cb, NULL);
    event_del(rp);
    event_active(act, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ncalls, 8);
    event_active(act, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, 0), 1);  /* runs it, then finds the base empty */
    CHECK_EQ(ncalls, 9);

    /* nested loop on a running base: -1 and a warning */
    event_assign(act, base, -1, 0, nested_cb, NULL);
    event_active(act, EV_TIMEOUT, 0);
    nwarn = 0;
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 10);
    CHECK_EQ(nested_ret, -1);
    CHECK_EQ(nwarn, 2);
    CHECK(strstr(lastmsg, "event_base_loop") != NULL);
    CHECK(strstr(lastmsg, "reentrant") != NULL);

    event_free(act);
    event_free(rp);
    event_free(r);
    event_free(t);
    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
