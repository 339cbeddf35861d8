/* Timer churn: N pending timeouts, then OPS operations on random ones (re-arm with a new random
 * timeout, delete, or add again if deleted), a non-blocking loop pass every 1000 operations;
 * none fires (all are far away, even under valgrind).
 *   bench_timers random N OPS   random durations (1000 s .. 11000 s, microsecond resolution)
 *   bench_timers common N OPS   every event on one common timeout (event_base_init_common_timeout)
 * bench/run.sh runs it under callgrind at two OPS values (both past the point where the share
 * of pending timers has settled): the difference divided by the extra operations is the cost of
 * one operation, setup cancelled out. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 88172645463325252ULL;
static unsigned long long next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void never(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    abort();
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s random|common N OPS\n", argv[0]);
        return 2;
    }
    int common = strcmp(argv[1], "common") == 0;
    long n = atol(argv[2]), ops = atol(argv[3]);
    struct event_base *base = event_base_new();
    struct event *evs = calloc(n, sizeof(struct event));
    if (!base || !evs)
        return 1;
    struct timeval ct = { 3600, 0 };
    const struct timeval *common_tv = common ? event_base_init_common_timeout(base, &ct) : NULL;
    if (common && !common_tv)
        return 1;
    for (long i = 0; i < n; i++) {
        struct timeval tv = { 1000 + (long)(next_rand() % 10000), (long)(next_rand() % 1000000) };
        event_assign(&evs[i], base, -1, 0, never, NULL);
        event_add(&evs[i], common ? common_tv : &tv);
    }
    long deleted = 0;
    for (long k = 0; k < ops; k++) {
        long i = (long)(next_rand() % (unsigned long long)n);
        unsigned r = (unsigned)(next_rand() % 4);
        if (r == 0 && event_pending(&evs[i], EV_TIMEOUT, NULL)) {
            event_del(&evs[i]);
            deleted++;
        } else {
            struct timeval tv = { 1000 + (long)(next_rand() % 10000), (long)(next_rand() % 1000000) };
            event_add(&evs[i], common ? common_tv : &tv);
        }
        if (k % 1000 == 999)
            event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    }
    /* No teardown: its cost depends on how many are still pending, which would not cancel. */
    printf("%ld operations, %ld deletes\n", ops, deleted);
    return 0;
}
