/* locking: evbuffer_enable_locking(buf, NULL) after evthread_use_pthreads makes a buffer safe
   to share: a producer thread appends numbered records (header and body added as two calls
   inside evbuffer_lock/evbuffer_unlock) while a consumer removes whole records under the lock;
   every record arrives once, in order, never torn. The lock is recursive (a callback running
   under it can call back into the buffer), and a second enable_locking is refused. */
/* LIBS: -levent_pthreads */
/* BACKENDS: epoll */
#include <event2/buffer.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define NREC 100000
struct rec { uint32_t seq; uint32_t len; };
static struct evbuffer *shared;

static void *producer(void *arg)
{
    (void)arg;
    char body[64];
    for (uint32_t i = 0; i < NREC; i++) {
        struct rec h = { i, 1 + i % 60 };
        memset(body, (int)('a' + i % 26), h.len);
        evbuffer_lock(shared);
        CHECK_EQ(evbuffer_add(shared, &h, sizeof h), 0);
        CHECK_EQ(evbuffer_add(shared, body, h.len), 0);
        evbuffer_unlock(shared);
    }
    return NULL;
}

static long cb_calls;
static void cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)info; (void)arg;
    /* Runs with the buffer locked; calling in again must not deadlock. */
    (void)evbuffer_get_length(buf);
    cb_calls++;
}

int main(void)
{
    alarm(30);
    CHECK_EQ(evthread_use_pthreads(), 0);
    shared = evbuffer_new();
    CHECK_EQ(evbuffer_enable_locking(shared, NULL), 0);
    CHECK_EQ(evbuffer_enable_locking(shared, NULL), -1);
    evbuffer_add_cb(shared, cb, NULL);

    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, producer, NULL), 0);
    uint32_t next = 0;
    char body[64];
    while (next < NREC) {
        struct rec h;
        int got = 0;
        evbuffer_lock(shared);
        evbuffer_lock(shared); /* recursive */
        if (evbuffer_copyout(shared, &h, sizeof h) == (ev_ssize_t)sizeof h) {
            CHECK(evbuffer_get_length(shared) >= sizeof h + h.len); /* never torn */
            CHECK_EQ(evbuffer_drain(shared, sizeof h), 0);
            CHECK_EQ(evbuffer_remove(shared, body, h.len), (int)h.len);
            got = 1;
        }
        evbuffer_unlock(shared);
        evbuffer_unlock(shared);
        if (!got) {
            sched_yield();
            continue;
        }
        CHECK_EQ(h.seq, next);
        CHECK_EQ(h.len, 1 + next % 60);
        for (uint32_t k = 0; k < h.len; k++)
            CHECK_EQ(body[k], 'a' + next % 26);
        next++;
    }
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(evbuffer_get_length(shared), 0);
    CHECK(cb_calls >= 4 * NREC); /* two adds and two removals per record */
    evbuffer_free(shared);

    /* Locking turned on for a fresh buffer moved between two locked buffers. */
    struct evbuffer *a = evbuffer_new(), *b = evbuffer_new();
    CHECK_EQ(evbuffer_enable_locking(a, NULL), 0);
    CHECK_EQ(evbuffer_enable_locking(b, NULL), 0);
    evbuffer_add(a, "moved", 5);
    CHECK_EQ(evbuffer_add_buffer(b, a), 0);
    CHECK_EQ(evbuffer_remove_buffer(b, a, 2), 2);
    CHECK_EQ(evbuffer_get_length(a), 2);
    CHECK_EQ(evbuffer_get_length(b), 3);
    evbuffer_free(a);
    evbuffer_free(b);
    return 0;
}
