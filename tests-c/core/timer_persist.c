/* timer_persist: EV_PERSIST timer repeats; event_del from 5th callback;
   event_add(ev, NULL) keeps an existing timeout. */
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

static int ncalls;
static long long t_start, t_calls[16];

static void persist_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    CHECK_EQ(fd, -1);
    CHECK_EQ(what, EV_TIMEOUT);
    t_calls[ncalls++] = now_us();
    /* still pending (timeout re-armed) inside the callback */
    CHECK_EQ(event_pending(self, EV_TIMEOUT, NULL), EV_TIMEOUT);
    if (ncalls == 5) {
        CHECK_EQ(event_del(self), 0);
        CHECK_EQ(event_pending(self, EV_TIMEOUT, NULL), 0);
    }
    CHECK(ncalls <= 5);
}

static int nio;
static short io_what;
static void io_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)arg;
    nio++;
    io_what = what;
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);

    struct event *ev = event_new(base, -1, EV_PERSIST, persist_cb, event_self_cbarg());
    CHECK(ev != NULL);
    struct timeval tv = { 0, 20000 };
    t_start = now_us();
    CHECK_EQ(event_add(ev, &tv), 0);
    CHECK_EQ(event_base_dispatch(base), 1);   /* ran out of events */
    CHECK_EQ(ncalls, 5);
    /* call i is scheduled (i+1)*20ms after the add (rescheduled from the previous deadline,
       not from when the callback ran); never early beyond coarse-clock slack (libevent reads
       CLOCK_MONOTONIC_COARSE, 4 ms ticks here, and a loaded machine delays the reading by
       another tick or two, so allow three ticks) */
    for (int i = 0; i < 5; i++) {
        long long d = t_calls[i] - t_start;
        if (d < (i + 1) * 20000LL - 12000) {
            fprintf(stderr, "call %d came only %lld us after the add\n", i, d);
            return 1;
        }
    }
    /* 5 periods of 20ms; coarse-clock slack */
    CHECK(t_calls[4] - t_start >= 88000);
    CHECK(t_calls[4] - t_start < 1000000);
    event_free(ev);

    /* persistent timer with a persistent fd event: timeout resets after each activation */
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct event *io = event_new(base, sv[0], EV_READ, io_cb, NULL);
    struct timeval t30 = { 0, 30000 };
    CHECK_EQ(event_add(io, &t30), 0);
    struct timeval when1, when2;
    CHECK_EQ(event_pending(io, EV_TIMEOUT, &when1), EV_TIMEOUT);
    /* event_add with NULL keeps the pending timeout */
    CHECK_EQ(event_add(io, NULL), 0);
    CHECK_EQ(event_pending(io, EV_READ | EV_TIMEOUT, &when2), EV_READ | EV_TIMEOUT);
    CHECK_EQ(when1.tv_sec, when2.tv_sec);
    CHECK_EQ(when1.tv_usec, when2.tv_usec);
    CHECK_EQ(io->ev_evcallback.evcb_flags, 0x83);
    long long t0 = now_us();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(nio, 1);
    CHECK_EQ(io_what, EV_TIMEOUT);
    CHECK(now_us() - t0 >= 20000);
    CHECK_EQ(event_pending(io, EV_READ | EV_TIMEOUT, NULL), 0);

    /* re-adding with a new timeout replaces the old one */
    struct timeval t_long = { 10, 0 }, t_short = { 0, 10000 };
    CHECK_EQ(event_add(io, &t_long), 0);
    CHECK_EQ(event_add(io, &t_short), 0);
    t0 = now_us();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(nio, 2);
    CHECK_EQ(io_what, EV_TIMEOUT);
    CHECK(now_us() - t0 < 5000000);

    /* a persistent read event with a timeout: readiness fires it with EV_READ, timer re-armed */
    struct event *pio = event_new(base, sv[0], EV_READ | EV_PERSIST, io_cb, NULL);
    CHECK_EQ(event_add(pio, &t_long), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(nio, 3);
    CHECK_EQ(io_what, EV_READ);
    CHECK_EQ(event_pending(pio, EV_READ | EV_TIMEOUT, NULL), EV_READ | EV_TIMEOUT);
    event_free(pio);
    event_free(io);

    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
