/* edge_triggered: EV_ET|EV_READ|EV_PERSIST on a backend with EV_FEATURE_ET gets EV_ET in `what`
   and fires once per new data even when not drained. Other backends: level-triggered. */
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

static void read_one_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    (void)arg;
    ncalls++;
    last_what = what;
    CHECK_EQ(read(fd, &c, 1), 1);   /* leaves the rest unread */
}

static int nlt;
static short lt_what;
static void lt_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)arg;
    nlt++;
    lt_what = what;
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2], sw[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
    int features = event_base_get_features(base);
    const char *method = event_base_get_method(base);

    struct event *ev = event_new(base, sv[0], EV_READ | EV_ET | EV_PERSIST, read_one_cb, NULL);
    CHECK(ev != NULL);
    CHECK_EQ(event_get_events(ev), EV_READ | EV_ET | EV_PERSIST);
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(event_pending(ev, EV_READ, NULL), EV_READ);

    CHECK_EQ(write(sv[1], "abc", 3), 3);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 1);

    if (features & EV_FEATURE_ET) {
        CHECK(strcmp(method, "epoll") == 0);
        CHECK_EQ(last_what, EV_READ | EV_ET);
        /* two bytes remain unread: no new edge, no callback */
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncalls, 1);
        /* new data: a new edge */
        CHECK_EQ(write(sv[1], "d", 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncalls, 2);
        CHECK_EQ(last_what, EV_READ | EV_ET);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncalls, 2);
        /* a level-triggered event on another fd on the same base does not get EV_ET */
        struct event *lt = event_new(base, sw[0], EV_READ | EV_PERSIST, lt_cb, NULL);
        CHECK_EQ(event_add(lt, NULL), 0);
        CHECK_EQ(write(sw[1], "x", 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(nlt, 2);             /* level-triggered: fires on every pass */
        CHECK_EQ(lt_what, EV_READ);
        CHECK_EQ(ncalls, 2);
        event_free(lt);
        /* a fresh ET event registered while data is pending fires once (registration reports
           the current state), then not again until new data */
        event_free(ev);
        ev = event_new(base, sv[0], EV_READ | EV_ET | EV_PERSIST, read_one_cb, NULL);
        CHECK_EQ(event_add(ev, NULL), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncalls, 3);
        CHECK_EQ(last_what, EV_READ | EV_ET);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncalls, 3);
    } else {
        printf("skip: %s has no EV_FEATURE_ET; checking level-triggered fallback only\n", method);
        CHECK_EQ(last_what, EV_READ);   /* EV_ET is not reported */
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncalls, 2);
        CHECK_EQ(last_what, EV_READ);
    }

    event_free(ev);
    event_base_free(base);
    close(sv[0]); close(sv[1]); close(sw[0]); close(sw[1]);
    return 0;
}
