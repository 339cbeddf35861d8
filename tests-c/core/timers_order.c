/* timers_order: 2000 timers with pseudo-random timeouts fire once each, in deadline order;
   dispatch return values. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define N 2000

static struct event_base *base;
static struct event timers[N];
static long timeout_us[N];
static int fired[N];
static int nfired;
static long last_timeout = -1;
static long long added_at_us;

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    int i = (int)(long)arg;
    CHECK_EQ(fd, -1);
    CHECK_EQ(what, EV_TIMEOUT);
    CHECK(&timers[i] == event_base_get_running_event(base));
    fired[i]++;
    CHECK_EQ(fired[i], 1);
    nfired++;
    /* all were added with the same cached "now": deadline order == timeout order */
    if (timeout_us[i] < last_timeout) {
        fprintf(stderr, "timer %d (%ld us) fired after one of %ld us\n", i, timeout_us[i], last_timeout);
        exit(1);
    }
    last_timeout = timeout_us[i];
    /* never fires before its time (10ms slack for the coarse clock) */
    long long elapsed = now_us() - added_at_us;
    if (elapsed < timeout_us[i] - 10000) {
        fprintf(stderr, "timer %d (%ld us) fired after only %lld us\n", i, timeout_us[i], elapsed);
        exit(1);
    }
    CHECK_EQ(event_pending(&timers[i], EV_TIMEOUT, NULL), 0);
}

static void add_all_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    unsigned seed = 12345;
    added_at_us = now_us();
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        timeout_us[i] = (seed >> 8) % 100001; /* 0 .. 100 ms */
        struct timeval tv = { 0, timeout_us[i] };
        CHECK_EQ(evtimer_assign(&timers[i], base, timer_cb, (void *)(long)i), 0);
        CHECK_EQ(evtimer_add(&timers[i], &tv), 0);
    }
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), N);
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);

    /* empty base: dispatch and loop return 1 at once */
    CHECK_EQ(event_base_dispatch(base), 1);
    CHECK_EQ(event_base_loop(base, 0), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 1);

    /* the timers are added from inside a callback so they all share one cached time */
    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, add_all_cb, NULL, NULL), 0);
    long long t0 = now_us();
    /* the loop runs out of events: dispatch returns 1 */
    CHECK_EQ(event_base_dispatch(base), 1);
    long long t1 = now_us();
    CHECK_EQ(nfired, N);
    for (int i = 0; i < N; i++)
        CHECK_EQ(fired[i], 1);
    CHECK(t1 - t0 >= 90000);   /* the longest is ~100ms */
    CHECK(t1 - t0 < 1500000);

    /* same thing from outside a loop, adds in sequence: each fires exactly once */
    memset(fired, 0, sizeof(fired));
    nfired = 0;
    for (int i = 0; i < 200; i++) {
        struct timeval tv = { 0, (i * 7919) % 30000 };
        CHECK_EQ(evtimer_assign(&timers[i], base, timer_cb, (void *)(long)i), 0);
        timeout_us[i] = 0; /* disable order check */
        CHECK_EQ(evtimer_add(&timers[i], &tv), 0);
    }
    last_timeout = -1;
    added_at_us = now_us();
    /* EVLOOP_ONCE returns 0 after the first batch of expiries */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK(nfired >= 1);
    CHECK_EQ(event_base_dispatch(base), 1);
    CHECK_EQ(nfired, 200);

    /* dispatch exited by loopexit returns 0 even though events remain */
    struct event *far = evtimer_new(base, timer_cb, (void *)0L);
    struct timeval ten = { 10, 0 }, short_tv = { 0, 10000 };
    fired[0] = 0;
    CHECK_EQ(evtimer_add(far, &ten), 0);
    CHECK_EQ(event_base_loopexit(base, &short_tv), 0);
    CHECK_EQ(event_base_dispatch(base), 0);
    CHECK_EQ(fired[0], 0);
    event_free(far);
    CHECK_EQ(event_base_dispatch(base), 1);

    event_base_free(base);
    return 0;
}
