/* thread_stress: several threads add, activate and delete events on one base while it
   loops; every activation is delivered exactly once and nothing deadlocks over 10,000
   operations. */
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

#define NTHREADS 4
#define PER_THREAD 2500

static struct event_base *base;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long delivered;
static struct event *keepalive;

static void count_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    pthread_mutex_lock(&mu);
    delivered++;
    pthread_mutex_unlock(&mu);
    event_free((struct event *)arg == NULL ? NULL : (struct event *)arg);
}

static void noop_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; }

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < PER_THREAD; i++) {
        /* activate a fresh event; its callback frees it */
        struct event *e = event_new(base, -1, 0, count_cb, event_self_cbarg());
        CHECK(e != NULL);
        event_active(e, EV_TIMEOUT, 1);
        /* add and delete a timer that never fires */
        struct event *t = evtimer_new(base, noop_cb, NULL);
        struct timeval tv = { 60, 0 };
        CHECK_EQ(event_add(t, &tv), 0);
        CHECK_EQ(event_del(t), 0);
        event_free(t);
    }
    return NULL;
}

static void *stopper(void *arg)
{
    pthread_t *ts = arg;
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(ts[i], NULL);
    /* wait for the loop to drain, then stop it */
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&mu);
        long d = delivered;
        pthread_mutex_unlock(&mu);
        if (d == (long)NTHREADS * PER_THREAD)
            break;
        usleep(1000);
    }
    event_base_loopbreak(base);
    return NULL;
}

int main(void)
{
    alarm(30);
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    keepalive = evtimer_new(base, noop_cb, NULL);
    struct timeval tv = { 3600, 0 };
    CHECK_EQ(event_add(keepalive, &tv), 0);
    pthread_t ts[NTHREADS], st;
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_create(&ts[i], NULL, worker, NULL), 0);
    CHECK_EQ(pthread_create(&st, NULL, stopper, ts), 0);
    CHECK_EQ(event_base_dispatch(base), 0);
    CHECK_EQ(pthread_join(st, NULL), 0);
    CHECK_EQ(delivered, (long)NTHREADS * PER_THREAD);
    event_free(keepalive);
    event_base_free(base);
    return 0;
}
