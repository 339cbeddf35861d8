/* common_timeout: event_base_init_common_timeout returns an encoded timeval; events using it
   fire in the order they were added; mixes correctly with ordinary heap timers. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

#define N 100
static struct event_base *base;
static const struct timeval *ct40;
static struct event *cev[N];
static struct event *n20, *n60, *extra;
static int fired[N + 3];
static int seq[N + 8];
static int nseq;
static long long t_added, first_common_at;

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    int i = (int)(long)arg;
    (void)fd;
    CHECK_EQ(what, EV_TIMEOUT);
    fired[i]++;
    if (i < N && first_common_at == 0)
        first_common_at = now_us();
    CHECK(nseq < N + 8);
    seq[nseq++] = i;
}

static void add_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    t_added = now_us();
    struct timeval t20 = { 0, 20000 }, t60 = { 0, 60000 };
    CHECK_EQ(evtimer_add(n60, &t60), 0);
    for (int i = 0; i < N; i++)
        CHECK_EQ(evtimer_add(cev[i], ct40), 0);
    CHECK_EQ(evtimer_add(n20, &t20), 0);
    /* a copy of the encoded timeval works as the common timeout too */
    struct timeval copy = *ct40;
    CHECK_EQ(evtimer_add(extra, &copy), 0);
    /* re-adding cev[0] moves it behind the others (same deadline) */
    CHECK_EQ(evtimer_add(cev[0], ct40), 0);
    /* deleting one in the middle */
    CHECK_EQ(event_del(cev[50]), 0);
}

static int npersist;
static long long persist_t[8];
static void persist_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    (void)fd;
    CHECK_EQ(what, EV_TIMEOUT);
    persist_t[npersist++] = now_us();
    if (npersist == 3)
        CHECK_EQ(event_del(self), 0);
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);

    struct timeval d40 = { 0, 40000 }, d10 = { 0, 10000 };
    ct40 = event_base_init_common_timeout(base, &d40);
    CHECK(ct40 != NULL);
    CHECK(ct40 != &d40);
    CHECK_EQ(ct40->tv_sec, 0);
    CHECK_EQ(ct40->tv_usec & 0x000fffff, 40000);             /* microseconds */
    CHECK_EQ((unsigned long)ct40->tv_usec & 0xf0000000u, 0x50000000u); /* magic */
    CHECK_EQ((ct40->tv_usec & 0x0ff00000) >> 20, 0);          /* index 0 */
    /* the same duration gives the same pointer; so does passing the result back */
    struct timeval d40b = { 0, 40000 };
    CHECK(event_base_init_common_timeout(base, &d40b) == ct40);
    CHECK(event_base_init_common_timeout(base, ct40) == ct40);
    const struct timeval *ct10 = event_base_init_common_timeout(base, &d10);
    CHECK(ct10 != NULL && ct10 != ct40);
    CHECK_EQ(ct10->tv_usec & 0x000fffff, 10000);
    CHECK_EQ((ct10->tv_usec & 0x0ff00000) >> 20, 1);          /* index 1 */
    /* seconds are kept; over-long usec is normalized */
    struct timeval d1_5 = { 0, 1500000 };
    const struct timeval *ct1_5 = event_base_init_common_timeout(base, &d1_5);
    CHECK(ct1_5 != NULL);
    CHECK_EQ(ct1_5->tv_sec, 1);
    CHECK_EQ(ct1_5->tv_usec & 0x000fffff, 500000);

    for (int i = 0; i < N; i++)
        cev[i] = evtimer_new(base, timer_cb, (void *)(long)i);
    n20 = evtimer_new(base, timer_cb, (void *)(long)N);
    n60 = evtimer_new(base, timer_cb, (void *)(long)(N + 1));
    extra = evtimer_new(base, timer_cb, (void *)(long)(N + 2));

    CHECK_EQ(event_base_once(base, -1, EV_TIMEOUT, add_cb, NULL, NULL), 0);
    CHECK_EQ(event_base_dispatch(base), 1);
    long long el = now_us() - t_added;
    CHECK(el >= 50000);

    /* n20, cev[1..99] without 50, extra, cev[0], n60.
       n60 is checked separately: if the loop is so late that the common queue and n60 expire in
       the same pass, libevent runs n60 first (the common events are activated by an internal
       timer callback, so they are queued behind n60). */
    int expect[N + 8], ne = 0;
    expect[ne++] = N;
    for (int i = 1; i < N; i++)
        if (i != 50)
            expect[ne++] = i;
    expect[ne++] = N + 2;
    expect[ne++] = 0;
    CHECK_EQ(nseq, ne + 1);
    int got[N + 8], ng = 0, n60_pos = -1;
    for (int i = 0; i < nseq; i++) {
        if (seq[i] == N + 1)
            n60_pos = i;
        else
            got[ng++] = seq[i];
    }
    CHECK_EQ(ng, ne);
    for (int i = 0; i < ne; i++) {
        if (got[i] != expect[i]) {
            fprintf(stderr, "position %d: timer %d fired, expected %d\n", i, got[i], expect[i]);
            return 1;
        }
    }
    CHECK(n60_pos > 0);   /* never before n20 */
    if (n60_pos != nseq - 1 && first_common_at - t_added < 55000) {
        fprintf(stderr, "n60 fired at position %d although the common timeouts ran on time\n", n60_pos);
        return 1;
    }
    CHECK_EQ(fired[50], 0);

    /* event_pending reports a wall-clock deadline for a common-timeout event */
    struct timeval when, now;
    CHECK_EQ(evtimer_add(cev[1], ct40), 0);
    CHECK_EQ(event_pending(cev[1], EV_TIMEOUT, &when), EV_TIMEOUT);
    gettimeofday(&now, NULL);
    long long diff = (when.tv_sec - now.tv_sec) * 1000000LL + (when.tv_usec - now.tv_usec);
    /* about now + 40ms on the wall clock, not the monotonic one (which is decades away); the
       bounds are loose because a loaded machine skews the base's cached clock offset */
    CHECK(diff <= 1000000);
    CHECK(diff > -500000);
    CHECK_EQ(event_del(cev[1]), 0);

    /* persistent event on a common timeout: repeats */
    struct event *p = event_new(base, -1, EV_PERSIST, persist_cb, event_self_cbarg());
    long long t0 = now_us();
    CHECK_EQ(event_add(p, ct10), 0);
    CHECK_EQ(event_base_dispatch(base), 1);
    CHECK_EQ(npersist, 3);
    CHECK(persist_t[2] - t0 >= 25000);
    event_free(p);

    for (int i = 0; i < N; i++)
        event_free(cev[i]);
    event_free(n20); event_free(n60); event_free(extra);
    event_base_free(base);
    return 0;
}
