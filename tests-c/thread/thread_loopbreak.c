/* thread_loopbreak: with evthread_use_pthreads, loopbreak and loopexit from another thread
   wake a loop blocked in the backend with no timeout; event_add from another thread takes
   effect while the loop is blocked. */
/* LIBS: -levent_pthreads */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
static int what_to_do;
static struct event *late;
static volatile int late_ran;

static void never_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; }
static void late_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; late_ran = 1; event_base_loopbreak(base); }

static void *poker(void *arg)
{
    (void)arg;
    usleep(50 * 1000);
    if (what_to_do == 0) {
        CHECK_EQ(event_base_loopbreak(base), 0);
    } else if (what_to_do == 1) {
        CHECK_EQ(event_base_loopexit(base, NULL), 0);
    } else {
        struct timeval tv = { 0, 1000 };
        CHECK_EQ(event_add(late, &tv), 0);
    }
    return NULL;
}

int main(void)
{
    alarm(20);
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct event *ev = event_new(base, sv[0], EV_READ | EV_PERSIST, never_cb, NULL);
    CHECK_EQ(event_add(ev, NULL), 0);
    late = evtimer_new(base, late_cb, NULL);

    for (what_to_do = 0; what_to_do < 3; what_to_do++) {
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, poker, NULL), 0);
        CHECK_EQ(event_base_dispatch(base), 0);
        CHECK_EQ(pthread_join(t, NULL), 0);
        if (what_to_do == 0) {
            CHECK_EQ(event_base_got_break(base), 1);
        } else if (what_to_do == 1) {
            CHECK_EQ(event_base_got_exit(base), 1);
        } else {
            CHECK_EQ(late_ran, 1);
        }
    }
    event_free(ev);
    event_free(late);
    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
