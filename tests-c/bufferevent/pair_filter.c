/* pair_filter: a bufferevent pair carries data both ways (writes on one end arrive at the
   other end's input, read callbacks run from the loop); bufferevent_pair_get_partner answers;
   freeing one end makes the other see BEV_EVENT_EOF|BEV_EVENT_READING... only when it tries,
   so here we just check the partner turns NULL. A filter over one end transforms both ways
   (rot13 out, rot13 back in), honours BEV_NEED_MORE (whole 4-byte records only). A
   BEV_ERROR from the input filter stops that data (nothing reaches the filter's input, no read
   callback) and, in libevent 2.1, raises no event callback either. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static char got_b[4096], got_a[4096];
static size_t n_b, n_a;
static int reads_b, reads_a, events_a;
static short last_event_a;

static void collect_b(struct bufferevent *bev, void *arg)
{
    (void)arg;
    reads_b++;
    n_b += bufferevent_read(bev, got_b + n_b, sizeof(got_b) - 1 - n_b);
}

static void collect_a(struct bufferevent *bev, void *arg)
{
    (void)arg;
    reads_a++;
    n_a += bufferevent_read(bev, got_a + n_a, sizeof(got_a) - 1 - n_a);
}

static void event_a(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    events_a++;
    last_event_a = what;
}

static char rot13(char c)
{
    if (islower((unsigned char)c)) return (char)('a' + (c - 'a' + 13) % 26);
    if (isupper((unsigned char)c)) return (char)('A' + (c - 'A' + 13) % 26);
    return c;
}

static int fail_input;

/* Moves whole 4-byte records, rot13'd; a partial record waits for more. */
static enum bufferevent_filter_result rot13_records(struct evbuffer *src, struct evbuffer *dst,
    ev_ssize_t limit, enum bufferevent_flush_mode mode, void *ctx)
{
    (void)limit; (void)ctx;
    if (fail_input && src != NULL && ctx == (void *)1)
        return BEV_ERROR;
    size_t len = evbuffer_get_length(src);
    size_t whole = mode == BEV_NORMAL ? len - len % 4 : len;
    if (whole == 0)
        return BEV_NEED_MORE;
    char tmp[4096];
    CHECK(whole <= sizeof(tmp));
    CHECK_EQ(evbuffer_remove(src, tmp, whole), (int)whole);
    for (size_t i = 0; i < whole; i++) tmp[i] = rot13(tmp[i]);
    CHECK_EQ(evbuffer_add(dst, tmp, whole), 0);
    return BEV_OK;
}

int main(void)
{
    struct event_base *base = event_base_new();
    CHECK(base != NULL);

    /* Plain pair. */
    struct bufferevent *pair[2];
    CHECK_EQ(bufferevent_pair_new(base, 0, pair), 0);
    CHECK(bufferevent_pair_get_partner(pair[0]) == pair[1]);
    CHECK(bufferevent_pair_get_partner(pair[1]) == pair[0]);
    bufferevent_setcb(pair[1], collect_b, NULL, NULL, NULL);
    bufferevent_enable(pair[0], EV_READ | EV_WRITE);
    bufferevent_enable(pair[1], EV_READ | EV_WRITE);
    CHECK_EQ(bufferevent_write(pair[0], "hello ", 6), 0);
    CHECK_EQ(bufferevent_write(pair[0], "pair", 4), 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(n_b, 10);
    CHECK(memcmp(got_b, "hello pair", 10) == 0);
    CHECK(reads_b >= 1);
    CHECK_EQ(evbuffer_get_length(bufferevent_get_output(pair[0])), 0);
    /* A pair's fd is -1 (no socket). */
    CHECK_EQ(bufferevent_getfd(pair[0]), -1);
    bufferevent_free(pair[1]);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK(bufferevent_pair_get_partner(pair[0]) == NULL);
    bufferevent_free(pair[0]);
    event_base_loop(base, EVLOOP_NONBLOCK);

    /* Filter over one end of a new pair: A(filter over p0) <-> p1. */
    CHECK_EQ(bufferevent_pair_new(base, 0, pair), 0);
    struct bufferevent *a = bufferevent_filter_new(pair[0], rot13_records, rot13_records,
        BEV_OPT_CLOSE_ON_FREE, NULL, (void *)1);
    CHECK(a != NULL);
    CHECK(bufferevent_get_underlying(a) == pair[0]);
    CHECK(bufferevent_get_underlying(pair[0]) == NULL);
    n_b = 0; reads_b = 0;
    bufferevent_setcb(a, collect_a, NULL, event_a, NULL);
    bufferevent_setcb(pair[1], collect_b, NULL, NULL, NULL);
    bufferevent_enable(a, EV_READ | EV_WRITE);
    bufferevent_enable(pair[1], EV_READ | EV_WRITE);

    /* 6 bytes: only one whole record passes the output filter. */
    CHECK_EQ(bufferevent_write(a, "Hello!", 6), 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(n_b, 4);
    CHECK(memcmp(got_b, "Uryy", 4) == 0);
    /* BEV_FINISHED pushes the partial record through. */
    CHECK(bufferevent_flush(a, EV_WRITE, BEV_FINISHED) >= 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(n_b, 6);
    CHECK(memcmp(got_b, "Uryyb!", 6) == 0);

    /* The other way: rot13 undone by the input filter. */
    CHECK_EQ(bufferevent_write(pair[1], "Uryyb jbeyq!", 12), 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(n_a, 12);
    CHECK(memcmp(got_a, "Hello world!", 12) == 0);

    /* An input filter error: the data goes nowhere, and no callback runs. */
    fail_input = 1;
    int reads_before = reads_a;
    CHECK_EQ(bufferevent_write(pair[1], "abcd", 4), 0);
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(events_a, 0);
    CHECK_EQ(last_event_a, 0);
    CHECK_EQ(reads_a, reads_before);
    CHECK_EQ(n_a, 12);
    CHECK_EQ(evbuffer_get_length(bufferevent_get_input(a)), 0);

    bufferevent_free(a);      /* CLOSE_ON_FREE: frees pair[0] too */
    bufferevent_free(pair[1]);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
