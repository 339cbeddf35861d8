/* cached_time: event_base_gettimeofday_cached inside callbacks (cached at the start of the
   iteration), event_base_update_cache_time, and outside a loop (real time). */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static long long us(const struct timeval *tv) { return tv->tv_sec * 1000000LL + tv->tv_usec; }
static long long wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return us(&tv);
}

static struct event_base *base;
static long long c_first, c_after_sleep, c_updated, real_updated, c_second_cb, real_start;
static int ncalls;

static void first_cb(evutil_socket_t fd, short what, void *arg)
{
    struct timeval tv;
    (void)fd; (void)what; (void)arg;
    ncalls++;
    real_start = wall_us();
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    c_first = us(&tv);
    usleep(30000);
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    c_after_sleep = us(&tv);
    CHECK_EQ(event_base_update_cache_time(base), 0);
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    c_updated = us(&tv);
    real_updated = wall_us();
}

static void second_cb(evutil_socket_t fd, short what, void *arg)
{
    struct timeval tv;
    (void)fd; (void)what; (void)arg;
    ncalls++;
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    c_second_cb = us(&tv);
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);

    /* outside a loop: the real time */
    struct timeval tv;
    long long before = wall_us();
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    long long after = wall_us();
    CHECK(us(&tv) >= before && us(&tv) <= after);
    /* update_cache_time outside a loop succeeds and changes nothing */
    CHECK_EQ(event_base_update_cache_time(base), 0);
    before = wall_us();
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    after = wall_us();
    CHECK(us(&tv) >= before && us(&tv) <= after);

    struct event *a = event_new(base, -1, 0, first_cb, NULL);
    struct event *b = event_new(base, -1, 0, second_cb, NULL);
    event_active(a, EV_TIMEOUT, 0);
    event_active(b, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 2);

    /* the cached value is close to the real time when the iteration started (coarse clock:
       allow 10ms early; late by scheduling delays) */
    CHECK(real_start - c_first < 50000 && c_first - real_start < 10000);
    /* it does not advance during the callback */
    CHECK_EQ(c_after_sleep, c_first);
    /* update_cache_time refreshes it */
    CHECK(c_updated - c_first >= 20000);
    CHECK(real_updated - c_updated < 50000 && c_updated - real_updated < 10000);
    /* the next callback of the same iteration sees the refreshed cache */
    CHECK_EQ(c_second_cb, c_updated);

    /* after the loop: real time again */
    usleep(20000);
    before = wall_us();
    CHECK_EQ(event_base_gettimeofday_cached(base, &tv), 0);
    after = wall_us();
    CHECK(us(&tv) >= before && us(&tv) <= after);

    event_free(a);
    event_free(b);
    event_base_free(base);
    return 0;
}
