/* event_persist: EV_PERSIST|EV_READ stays pending and fires on each new data; event_del stops it. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int ncalls;
static short last_what;
static char lastc;

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    (void)arg;
    ncalls++;
    last_what = what;
    CHECK_EQ(read(fd, &c, 1), 1);
    lastc = c;
}

static int nundrained;
static void undrained_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)arg;
    CHECK_EQ(what, EV_READ);
    nundrained++;
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    struct event *ev = event_new(base, sv[0], EV_READ | EV_PERSIST, read_cb, NULL);
    CHECK(ev != NULL);
    CHECK_EQ(event_get_events(ev), EV_READ | EV_PERSIST);
    CHECK_EQ(event_add(ev, NULL), 0);

    for (int i = 0; i < 5; i++) {
        char c = 'a' + i;
        CHECK_EQ(write(sv[1], &c, 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(ncalls, i + 1);
        CHECK_EQ(last_what, EV_READ);
        CHECK_EQ(lastc, c);
        CHECK_EQ(event_pending(ev, EV_READ, NULL), EV_READ);
        CHECK_EQ(ev->ev_evcallback.evcb_flags, 0x82);
    }

    /* no data: a poll-once pass runs nothing and returns 0 (event still added) */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 5);

    /* NONBLOCK alone: runs while something is active; drained data -> returns 0 */
    CHECK_EQ(write(sv[1], "z", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 6);

    /* Two bytes at once: level-triggered, the callback reads one per call;
       dispatching once per pass gives two calls over two passes. */
    CHECK_EQ(write(sv[1], "pq", 2), 2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 7);
    CHECK_EQ(lastc, 'p');
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 8);
    CHECK_EQ(lastc, 'q');

    /* event_del stops it */
    CHECK_EQ(event_del(ev), 0);
    CHECK_EQ(event_pending(ev, EV_READ, NULL), 0);
    CHECK_EQ(write(sv[1], "y", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1); /* no events: 1 */
    CHECK_EQ(ncalls, 8);

    /* re-add: the pending byte is delivered */
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ncalls, 9);
    CHECK_EQ(lastc, 'y');
    event_free(ev);

    /* Level-triggered persistent event with undrained data fires on every pass */
    CHECK_EQ(write(sv[1], "u", 1), 1);
    struct event *ev2 = event_new(base, sv[0], EV_READ | EV_PERSIST, undrained_cb, NULL);
    CHECK_EQ(event_add(ev2, NULL), 0);
    for (int i = 1; i <= 3; i++) {
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(nundrained, i);
    }
    event_free(ev2);

    event_base_free(base);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
