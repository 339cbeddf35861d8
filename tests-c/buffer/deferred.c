/* deferred: after evbuffer_defer_callbacks(buf, base) a change no longer calls back at once;
   the callbacks run from the event loop, once for all the changes made meanwhile, with
   orig_size from before the first and the summed n_added / n_deleted; a buffer freed with a
   run queued lives until that run is over. */
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int calls;
static size_t orig, added, deleted, len_seen;
static void cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)arg;
    calls++;
    orig = info->orig_size;
    added = info->n_added;
    deleted = info->n_deleted;
    len_seen = evbuffer_get_length(buf);
}

static int calls2;
static void cb_adds_more(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
    (void)info; (void)arg;
    /* Changing the buffer from its deferred callback queues another run, not a recursion. */
    if (++calls2 == 1)
        evbuffer_add(buf, "again", 5);
}

int main(void)
{
    struct event_base *base = event_base_new();
    CHECK(base);
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, "pre", 3); /* before any callback: never reported */
    CHECK(evbuffer_add_cb(b, cb, NULL) != NULL);
    CHECK_EQ(evbuffer_defer_callbacks(b, base), 0);

    evbuffer_add(b, "hello", 5);
    evbuffer_add(b, " world", 6);
    evbuffer_drain(b, 4);
    CHECK_EQ(calls, 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(calls, 1);
    CHECK_EQ(orig, 3);
    CHECK_EQ(added, 11);
    CHECK_EQ(deleted, 4);
    CHECK_EQ(len_seen, 10);
    /* Nothing changed: the loop runs nothing. */
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(calls, 1);

    /* Again, and through the blocking loop (it returns once nothing is pending). */
    evbuffer_drain(b, 10);
    CHECK_EQ(calls, 1);
    event_base_dispatch(base);
    CHECK_EQ(calls, 2);
    CHECK_EQ(orig, 10);
    CHECK_EQ(added, 0);
    CHECK_EQ(deleted, 10);

    /* A change from inside the deferred callback is reported on a later run. */
    evbuffer_add_cb(b, cb_adds_more, NULL);
    evbuffer_add(b, "x", 1);
    CHECK_EQ(calls2, 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(calls2, 2);
    CHECK_EQ(calls, 4);
    CHECK_EQ(evbuffer_get_length(b), 6);

    /* Freed while a run is queued: the queue holds a reference, so that run still happens
       (libevent's behaviour) on a live buffer, which then goes away. */
    evbuffer_add(b, "y", 1);
    evbuffer_free(b);
    CHECK_EQ(calls, 4);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(calls, 5);
    CHECK_EQ(added, 1);
    CHECK_EQ(len_seen, 7);
    CHECK_EQ(calls2, 3);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(calls, 5);

    event_base_free(base);
    return 0;
}
