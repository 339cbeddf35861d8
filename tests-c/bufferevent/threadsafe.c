/* threadsafe: with evthread_use_pthreads, BEV_OPT_THREADSAFE socket bufferevents may be written
   from another thread while the loop runs (bufferevent_write wakes the loop, which sends);
   bufferevent_lock / unlock bracket several calls; the receiving side gets every byte in order;
   a pair created THREADSAFE shares one lock between its ends. Freeing from inside the read
   callback once everything arrived is safe. */
/* LIBS: -levent_pthreads */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/thread.h>
#include <event2/util.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define NMSG 2000
static struct event_base *base;
static struct bufferevent *sender, *receiver;
static size_t expected_next;    /* next sequence number the receiver expects */
static int freed;

static void *writer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < NMSG; i++) {
        unsigned v[2] = { i, ~i };
        bufferevent_lock(sender);
        CHECK_EQ(bufferevent_write(sender, &v[0], sizeof(v[0])), 0);
        CHECK_EQ(bufferevent_write(sender, &v[1], sizeof(v[1])), 0);
        bufferevent_unlock(sender);
        if (i % 100 == 0) usleep(1000);
    }
    return NULL;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    unsigned v[2];
    while (evbuffer_get_length(bufferevent_get_input(bev)) >= sizeof(v)) {
        CHECK_EQ(bufferevent_read(bev, v, sizeof(v)), sizeof(v));
        CHECK_EQ(v[0], expected_next);
        CHECK_EQ(v[1], ~(unsigned)expected_next);
        expected_next++;
    }
    if (expected_next == NMSG) {
        bufferevent_free(bev);
        freed = 1;
        event_base_loopexit(base, NULL);
    }
}

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    fprintf(stderr, "timed out at %zu\n", expected_next);
    exit(1);
}

int main(void)
{
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    evutil_make_socket_nonblocking(sv[1]);
    sender = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
    receiver = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE);
    CHECK(sender && receiver);
    bufferevent_setcb(receiver, on_read, NULL, NULL, NULL);
    bufferevent_enable(receiver, EV_READ);
    bufferevent_enable(sender, EV_WRITE);

    struct event *guard = evtimer_new(base, give_up, NULL);
    struct timeval tv = { 20, 0 };
    evtimer_add(guard, &tv);

    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, writer, NULL), 0);
    event_base_dispatch(base);
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(expected_next, NMSG);
    CHECK(freed);

    /* A threadsafe pair: both ends lock together. */
    struct bufferevent *pair[2];
    CHECK_EQ(bufferevent_pair_new(base, BEV_OPT_THREADSAFE, pair), 0);
    bufferevent_lock(pair[0]);
    bufferevent_lock(pair[1]);      /* same recursive lock: no deadlock */
    CHECK_EQ(bufferevent_write(pair[0], "x", 1), 0);
    bufferevent_unlock(pair[1]);
    bufferevent_unlock(pair[0]);
    bufferevent_free(pair[0]);
    bufferevent_free(pair[1]);

    bufferevent_free(sender);
    event_free(guard);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
