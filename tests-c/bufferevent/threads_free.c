/* threads_free: with evthread_use_pthreads, worker threads create THREADSAFE socket
   bufferevents on a base another thread is dispatching, write through them, and free them,
   over and over, while the loop thread reads the other ends and runs their callbacks (plain,
   BEV_OPT_DEFER_CALLBACKS, and DEFER|UNLOCK_CALLBACKS). Every message arrives whole and in
   order, every receiver sees EOF after its sender is freed (the freeing thread's close happens
   through the loop's finalizer), and nothing crashes or leaks: frees from a thread that is not
   running the loop are safe while callbacks of the same bufferevents may be queued. */
/* LIBS: -levent_pthreads */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/thread.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define NTHREADS 3
#define ROUNDS 40
#define NMSG 50

static struct event_base *base;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int eofs, receivers_done;

struct receiver {
    unsigned next;      /* next sequence number expected */
    unsigned id;
};

static void on_read(struct bufferevent *bev, void *arg)
{
    struct receiver *r = arg;
    unsigned v[2];
    while (evbuffer_get_length(bufferevent_get_input(bev)) >= sizeof(v)) {
        CHECK_EQ(bufferevent_read(bev, v, sizeof(v)), sizeof(v));
        CHECK_EQ(v[0], r->id);
        CHECK_EQ(v[1], r->next);
        r->next++;
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct receiver *r = arg;
    CHECK_EQ(what, BEV_EVENT_EOF | BEV_EVENT_READING);
    /* Anything left arrived with the EOF. */
    on_read(bev, r);
    CHECK_EQ(r->next, NMSG);
    free(r);
    bufferevent_free(bev);
    pthread_mutex_lock(&mu);
    eofs++;
    if (++receivers_done == NTHREADS * ROUNDS)
        event_base_loopexit(base, NULL);
    pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
    int t = (int)(long)arg;
    static const int opts[3] = { 0, BEV_OPT_DEFER_CALLBACKS, BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS };
    for (int round = 0; round < ROUNDS; round++) {
        int sv[2];
        CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        evutil_make_socket_nonblocking(sv[0]);
        evutil_make_socket_nonblocking(sv[1]);
        int o = opts[(t + round) % 3] | BEV_OPT_THREADSAFE | BEV_OPT_CLOSE_ON_FREE;
        struct receiver *r = calloc(1, sizeof(*r));
        CHECK(r != NULL);
        r->id = (unsigned)(t * 1000 + round);
        struct bufferevent *rx = bufferevent_socket_new(base, sv[1], o);
        struct bufferevent *tx = bufferevent_socket_new(base, sv[0], o);
        CHECK(rx && tx);
        bufferevent_setcb(rx, on_read, NULL, on_event, r);
        CHECK_EQ(bufferevent_enable(rx, EV_READ), 0);
        CHECK_EQ(bufferevent_enable(tx, EV_WRITE), 0);
        for (unsigned i = 0; i < NMSG; i++) {
            unsigned v[2] = { r->id, i };
            CHECK_EQ(bufferevent_write(tx, v, sizeof(v)), 0);
            if (i % 16 == 0) usleep(100);
        }
        /* Wait (bounded) until the loop has sent everything, then free from this thread. */
        for (int spin = 0; spin < 5000; spin++) {
            bufferevent_lock(tx);
            size_t left = evbuffer_get_length(bufferevent_get_output(tx));
            bufferevent_unlock(tx);
            if (left == 0) break;
            usleep(1000);
        }
        bufferevent_free(tx);
    }
    return NULL;
}

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    fprintf(stderr, "timed out: %d of %d receivers done\n", receivers_done, NTHREADS * ROUNDS);
    exit(1);
}

int main(void)
{
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    struct event *guard = evtimer_new(base, give_up, NULL);
    struct timeval tv = { 30, 0 };
    evtimer_add(guard, &tv);

    pthread_t th[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)i), 0);
    event_base_dispatch(base);
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_join(th[i], NULL), 0);
    CHECK_EQ(eofs, NTHREADS * ROUNDS);

    event_free(guard);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
