/* lock_debugging: what libevent's own test suite does with lock debugging on, as a program may:
   evthread_enable_lock_debugging() BEFORE evthread_use_pthreads() is accepted; a base freed
   with a finalizer still queued runs it without tripping the lock checks; event_del from
   another thread waits for the running callback through the (debug-wrapped) condition; the
   last event deleted from another thread wakes a loop blocked with no timeout, which then
   returns; event_base_get_running_event from another thread is NULL; after
   libevent_global_shutdown, evthread_set_lock_callbacks(NULL) is allowed. */
/* LIBS: -levent_pthreads */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static volatile int in_cb, cb_done, finalized;
static struct event *slow, *idle;

static void slow_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    (void)what; (void)arg;
    if (read(fd, &c, 1) != 1)
        return;
    in_cb = 1;
    usleep(200 * 1000);
    cb_done = 1;
}

static void finalize_cb(struct event *ev, void *arg)
{
    (void)ev; (void)arg;
    finalized = 1;
}

static void *loop_thread(void *arg)
{
    (void)arg;
    event_base_dispatch(base);
    return NULL;
}

static void nop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
}

int main(void)
{
    int sv[2];
    pthread_t th;

    alarm(20);
    evthread_enable_lock_debugging();
    CHECK(evthread_use_pthreads() == 0);

    /* a base freed with a finalizer pending */
    base = event_base_new();
    CHECK(base);
    struct event *f = event_new(base, -1, 0, nop_cb, NULL);
    CHECK(event_add(f, NULL) == 0);
    CHECK(event_free_finalize(0, f, finalize_cb) == 0);
    event_base_free(base);
    CHECK(finalized == 1);

    /* event_del from another thread waits for the running callback */
    base = event_base_new();
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    slow = event_new(base, sv[1], EV_READ | EV_PERSIST, slow_cb, NULL);
    CHECK(event_add(slow, NULL) == 0);
    CHECK(pthread_create(&th, NULL, loop_thread, NULL) == 0);
    CHECK(write(sv[0], "x", 1) == 1);
    while (!in_cb)
        usleep(1000);
    CHECK(event_base_get_running_event(base) == NULL);   /* not the loop's thread */
    CHECK(event_del(slow) == 0);
    CHECK(cb_done == 1);
    pthread_join(th, NULL);                               /* no events left: the loop returned */

    /* deleting the last event wakes a loop blocked with no timeout */
    idle = event_new(base, -1, EV_READ, nop_cb, NULL);   /* added, never fires */
    CHECK(event_add(idle, NULL) == 0);
    CHECK(pthread_create(&th, NULL, loop_thread, NULL) == 0);
    usleep(50 * 1000);
    CHECK(event_del(idle) == 0);
    pthread_join(th, NULL);

    event_free(slow);
    event_free(idle);
    event_base_free(base);
    close(sv[0]);
    close(sv[1]);

    libevent_global_shutdown();
    CHECK(evthread_set_lock_callbacks(NULL) == 0);
    puts("ok");
    return 0;
}
