/* thread_del_waits: event_del from another thread while that event's callback runs returns
   only after the callback has finished (libevent 2.1's auto-blocking delete), while
   event_del_noblock and EV_FINALIZE events do not wait. */
/* LIBS: -levent_pthreads */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
static struct event *ev;
static volatile int in_cb, cb_done;
static int mode; /* 0: event_del, 1: event_del_noblock */

static void slow_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    in_cb = 1;
    usleep(150 * 1000);
    cb_done = 1;
}

static void *deleter(void *arg)
{
    (void)arg;
    while (!in_cb)
        usleep(1000);
    if (mode == 0) {
        CHECK_EQ(event_del(ev), 0);
        CHECK_EQ(cb_done, 1);   /* waited for the callback */
    } else {
        CHECK_EQ(event_del_noblock(ev), 0);
        CHECK_EQ(cb_done, 0);   /* did not wait */
    }
    return NULL;
}

int main(void)
{
    alarm(20);
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    for (mode = 0; mode < 2; mode++) {
        in_cb = cb_done = 0;
        ev = event_new(base, -1, EV_PERSIST, slow_cb, NULL);
        struct timeval tv = { 0, 1000 };
        CHECK_EQ(event_add(ev, &tv), 0);
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, deleter, NULL), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(cb_done, 1);
        CHECK_EQ(event_pending(ev, EV_TIMEOUT, NULL), 0);
        event_free(ev);
    }
    event_base_free(base);
    return 0;
}
