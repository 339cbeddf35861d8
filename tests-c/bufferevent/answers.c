/* answers: what each bufferevent call returns, kind by kind, in states programs rarely look at,
   exactly as libevent 2.1 answers (each value here was first read from Debian's library).
   Priorities (default npriorities/2; only socket bufferevents accept a new one), fds (a pair
   and a filter over a pair have none), max single read/write (16384 by default; 0 or a huge
   size puts the default back), limits without a rate limit (EV_SSIZE_MAX; max_to_read is then
   the max single read), token bucket configurations refused (rate above burst, sizes above
   the 32-bit limit), a limit driven negative (max_to_read 0), group limits, watermarks stored
   as given (even low above high), timeouts stored in the public struct ({0,0} is none), the
   enabled bits kept as given (EV_TIMEOUT and EV_SIGNAL too), which end of each buffer is
   frozen per kind, flush answers per kind, bufferevent_trigger and trigger_event without
   deferral calling back at once (and only past the low-water mark unless told to ignore it),
   and BEV_OPT_UNLOCK_CALLBACKS refused without DEFER_CALLBACKS. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static char trace[256];
#define CHECK_TRACE(want) do { if (strcmp(trace, want) != 0) { \
    fprintf(stderr, "%s:%d: trace \"%s\", want \"%s\"\n", __FILE__, __LINE__, trace, want); exit(1); } } while (0)

static void note(const char *s)
{
    CHECK(strlen(trace) + strlen(s) + 1 < sizeof(trace));
    strcat(trace, s);
    strcat(trace, " ");
}

static void on_read(struct bufferevent *bev, void *arg) { (void)bev; (void)arg; note("R"); }
static void on_write(struct bufferevent *bev, void *arg) { (void)bev; (void)arg; note("W"); }
static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    char b[16];
    snprintf(b, sizeof(b), "E%x", what);
    note(b);
}

static enum bufferevent_filter_result pass(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
                                           enum bufferevent_flush_mode mode, void *ctx)
{
    (void)lim; (void)mode; (void)ctx;
    evbuffer_add_buffer(dst, src);
    return BEV_OK;
}

int main(void)
{
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    CHECK_EQ(event_base_priority_init(base, 3), 0);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct bufferevent *s = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    struct bufferevent *nofd = bufferevent_socket_new(base, -1, 0);
    struct bufferevent *pr[2];
    CHECK_EQ(bufferevent_pair_new(base, 0, pr), 0);
    struct bufferevent *f = bufferevent_filter_new(pr[0], pass, pass, 0, NULL, NULL);
    CHECK(s && nofd && f);

    /* Priorities. */
    CHECK_EQ(bufferevent_get_priority(s), 1);
    CHECK_EQ(bufferevent_get_priority(pr[0]), 1);
    CHECK_EQ(bufferevent_get_priority(f), 1);
    CHECK_EQ(bufferevent_priority_set(s, 2), 0);
    CHECK_EQ(bufferevent_get_priority(s), 2);
    CHECK_EQ(bufferevent_priority_set(s, 3), -1);
    CHECK_EQ(bufferevent_priority_set(s, -1), -1);
    CHECK_EQ(bufferevent_get_priority(s), 2);
    CHECK_EQ(bufferevent_priority_set(pr[0], 1), -1);
    CHECK_EQ(bufferevent_priority_set(f, 1), -1);

    /* A socket bufferevent without an fd still records what is enabled. */
    CHECK_EQ(bufferevent_enable(nofd, EV_READ | EV_WRITE), 0);
    CHECK_EQ(bufferevent_get_enabled(nofd), EV_READ | EV_WRITE);
    CHECK_EQ(bufferevent_disable(nofd, EV_READ | EV_WRITE), 0);
    CHECK_EQ(bufferevent_get_enabled(nofd), 0);

    /* Fds and underlying bufferevents. */
    CHECK_EQ(bufferevent_getfd(pr[0]), -1);
    CHECK_EQ(bufferevent_setfd(pr[0], sv[1]), -1);
    CHECK_EQ(bufferevent_getfd(f), -1);
    CHECK_EQ(bufferevent_setfd(f, sv[1]), -1);
    CHECK(bufferevent_get_underlying(s) == NULL);
    CHECK(bufferevent_get_underlying(pr[0]) == NULL);
    CHECK(bufferevent_get_underlying(f) == pr[0]);
    CHECK(bufferevent_pair_get_partner(s) == NULL);
    CHECK(bufferevent_pair_get_partner(f) == NULL);
    CHECK(bufferevent_pair_get_partner(pr[1]) == pr[0]);

    /* Max single read/write. */
    CHECK_EQ(bufferevent_get_max_single_read(s), 16384);
    CHECK_EQ(bufferevent_get_max_single_write(s), 16384);
    CHECK_EQ(bufferevent_set_max_single_read(s, 100), 0);
    CHECK_EQ(bufferevent_get_max_single_read(s), 100);
    CHECK_EQ(bufferevent_set_max_single_read(s, 0), 0);
    CHECK_EQ(bufferevent_get_max_single_read(s), 16384);
    CHECK_EQ(bufferevent_set_max_single_read(s, (size_t)-1), 0);
    CHECK_EQ(bufferevent_get_max_single_read(s), 16384);
    CHECK_EQ(bufferevent_set_max_single_read(s, 100), 0);
    CHECK_EQ(bufferevent_set_max_single_write(s, 1), 0);
    CHECK_EQ(bufferevent_get_max_single_write(s), 1);
    CHECK_EQ(bufferevent_get_max_single_read(pr[0]), 16384);
    CHECK_EQ(bufferevent_get_max_single_read(f), 16384);

    /* No rate limit: unlimited, and max_to_* is the single read/write size. */
    CHECK_EQ(bufferevent_get_read_limit(s), EV_SSIZE_MAX);
    CHECK_EQ(bufferevent_get_write_limit(s), EV_SSIZE_MAX);
    CHECK_EQ(bufferevent_get_max_to_read(s), 100);
    CHECK_EQ(bufferevent_get_max_to_write(s), 1);
    CHECK_EQ(bufferevent_get_max_to_read(pr[0]), 16384);
    CHECK(bufferevent_get_token_bucket_cfg(s) == NULL);

    /* Token bucket configurations. */
    CHECK(ev_token_bucket_cfg_new(0, 0, 0, 0, NULL) == NULL);
    CHECK(ev_token_bucket_cfg_new(10, 5, 10, 10, NULL) == NULL);
    CHECK(ev_token_bucket_cfg_new(10, 10, 10, 5, NULL) == NULL);
    CHECK(ev_token_bucket_cfg_new((size_t)-1, (size_t)-1, 10, 10, NULL) == NULL);
    struct ev_token_bucket_cfg *big = ev_token_bucket_cfg_new(0x7fffffff, 0x7fffffff, 10, 10, NULL);
    CHECK(big != NULL);
    ev_token_bucket_cfg_free(big);
    struct timeval tick = { 0, 250000 };
    struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(1000, 2000, 3000, 4000, &tick);
    CHECK(cfg != NULL);

    /* A limit: the bucket starts at the rate, and can be driven negative. */
    CHECK_EQ(bufferevent_set_rate_limit(s, cfg), 0);
    CHECK(bufferevent_get_token_bucket_cfg(s) == cfg);
    CHECK_EQ(bufferevent_get_read_limit(s), 1000);
    CHECK_EQ(bufferevent_get_write_limit(s), 3000);
    CHECK_EQ(bufferevent_get_max_to_read(s), 1000);
    CHECK_EQ(bufferevent_decrement_read_limit(s, 1500), 0);
    CHECK_EQ(bufferevent_get_read_limit(s), -500);
    CHECK_EQ(bufferevent_get_max_to_read(s), 0);
    CHECK_EQ(bufferevent_decrement_read_limit(s, -100), 0);
    CHECK_EQ(bufferevent_get_read_limit(s), -400);
    CHECK_EQ(bufferevent_decrement_write_limit(s, 5000), 0);
    CHECK_EQ(bufferevent_get_write_limit(s), -2000);
    CHECK_EQ(bufferevent_get_max_to_write(s), 0);
    CHECK_EQ(bufferevent_set_rate_limit(pr[0], cfg), 0);
    CHECK_EQ(bufferevent_get_read_limit(pr[0]), 1000);
    CHECK_EQ(bufferevent_set_rate_limit(s, NULL), 0);
    CHECK_EQ(bufferevent_get_read_limit(s), EV_SSIZE_MAX);
    CHECK_EQ(bufferevent_set_rate_limit(s, NULL), 0);
    CHECK_EQ(bufferevent_set_rate_limit(pr[0], NULL), 0);

    /* Groups. */
    struct bufferevent_rate_limit_group *g = bufferevent_rate_limit_group_new(base, cfg);
    CHECK(g != NULL);
    CHECK_EQ(bufferevent_rate_limit_group_get_read_limit(g), 1000);
    CHECK_EQ(bufferevent_rate_limit_group_get_write_limit(g), 3000);
    CHECK_EQ(bufferevent_rate_limit_group_decrement_read(g, 500), 0);
    CHECK_EQ(bufferevent_rate_limit_group_get_read_limit(g), 500);
    CHECK_EQ(bufferevent_rate_limit_group_set_min_share(g, 0), 0);
    CHECK_EQ(bufferevent_rate_limit_group_set_min_share(g, 100000), 0);
    CHECK_EQ(bufferevent_add_to_rate_limit_group(s, g), 0);
    CHECK_EQ(bufferevent_add_to_rate_limit_group(s, g), 0);
    CHECK_EQ(bufferevent_remove_from_rate_limit_group(s), 0);
    CHECK_EQ(bufferevent_remove_from_rate_limit_group(s), 0);
    CHECK_EQ(bufferevent_remove_from_rate_limit_group(pr[1]), 0);
    CHECK_EQ(bufferevent_add_to_rate_limit_group(s, NULL), 0);
    /* A new configuration keeps the current bucket level. */
    CHECK_EQ(bufferevent_rate_limit_group_set_cfg(g, cfg), 0);
    CHECK_EQ(bufferevent_rate_limit_group_get_read_limit(g), 500);
    bufferevent_rate_limit_group_free(g);

    /* Watermarks, stored as given. */
    size_t lo = 7, hi = 7;
    CHECK_EQ(bufferevent_getwatermark(s, EV_READ, &lo, &hi), 0);
    CHECK_EQ(lo, 0);
    CHECK_EQ(hi, 0);
    bufferevent_setwatermark(s, EV_READ, 100, 50);
    CHECK_EQ(bufferevent_getwatermark(s, EV_READ, &lo, &hi), 0);
    CHECK_EQ(lo, 100);
    CHECK_EQ(hi, 50);
    bufferevent_setwatermark(s, EV_READ | EV_WRITE, 10, 0);
    CHECK_EQ(bufferevent_getwatermark(s, EV_WRITE, &lo, &hi), 0);
    CHECK_EQ(lo, 10);
    CHECK_EQ(hi, 0);
    CHECK_EQ(bufferevent_getwatermark(s, EV_READ, &lo, &hi), 0);
    CHECK_EQ(lo, 10);
    CHECK_EQ(bufferevent_getwatermark(s, 0, &lo, &hi), -1);
    CHECK_EQ(bufferevent_getwatermark(s, EV_TIMEOUT, &lo, &hi), -1);
    bufferevent_setwatermark(s, EV_READ | EV_WRITE, 0, 0);

    /* Timeouts live in the public struct. */
    struct timeval t1 = { 1, 500000 }, tz = { 0, 0 };
    CHECK_EQ(bufferevent_set_timeouts(s, &t1, NULL), 0);
    CHECK_EQ(s->timeout_read.tv_sec, 1);
    CHECK_EQ(s->timeout_read.tv_usec, 500000);
    CHECK_EQ(s->timeout_write.tv_sec, 0);
    CHECK_EQ(bufferevent_set_timeouts(s, &tz, &tz), 0);
    CHECK_EQ(s->timeout_read.tv_sec, 0);
    CHECK_EQ(bufferevent_set_timeouts(pr[0], &t1, &t1), 0);
    CHECK_EQ(bufferevent_set_timeouts(f, &t1, &t1), 0);
    CHECK_EQ(bufferevent_set_timeouts(pr[0], NULL, NULL), 0);
    CHECK_EQ(bufferevent_set_timeouts(f, NULL, NULL), 0);

    /* Fresh bufferevents start with writing enabled; pairs with both. */
    CHECK_EQ(s->enabled, EV_WRITE);
    CHECK_EQ(pr[0]->enabled, EV_READ | EV_WRITE);
    CHECK_EQ(f->enabled, EV_WRITE);

    /* Flush answers: sockets have nothing to do; a pair moves data; a filter says whether
       its filter produced anything (1) in the flushing modes. */
    CHECK_EQ(bufferevent_flush(s, EV_READ, BEV_NORMAL), 0);
    CHECK_EQ(bufferevent_flush(pr[0], EV_WRITE, BEV_NORMAL), 0);
    CHECK_EQ(bufferevent_flush(pr[0], EV_WRITE, BEV_FLUSH), 0);
    CHECK_EQ(bufferevent_flush(pr[0], EV_READ, BEV_FLUSH), 0);
    CHECK_EQ(bufferevent_flush(f, EV_WRITE, BEV_NORMAL), 0);

    /* Triggers run callbacks at once unless deferred. A plain trigger calls back only when
       the buffer is on the callback's side of its low-water mark (input at or above it,
       output at or below it; with marks 0, an empty input qualifies and 3 queued bytes do
       not); BEV_TRIG_IGNORE_WATERMARKS calls back regardless. */
    bufferevent_setcb(s, on_read, on_write, on_event, NULL);
    trace[0] = 0;
    bufferevent_trigger(s, EV_WRITE, 0);
    bufferevent_trigger(s, EV_READ, 0);
    bufferevent_trigger(s, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
    bufferevent_trigger(s, EV_READ | EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
    CHECK_TRACE("W R R R W ");
    trace[0] = 0;
    CHECK_EQ(bufferevent_write(s, "abc", 3), 0);
    bufferevent_trigger(s, EV_WRITE, 0);        /* 3 bytes queued: above the low-water mark 0 */
    bufferevent_trigger(s, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
    bufferevent_trigger_event(s, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
    bufferevent_trigger_event(s, BEV_EVENT_ERROR, BEV_TRIG_DEFER_CALLBACKS);
    CHECK_TRACE("W E11 ");
    trace[0] = 0;
    event_base_loop(base, EVLOOP_NONBLOCK);
    /* The deferred event first, then the writes as the socket drains "abc". */
    if (strncmp(trace, "E20 W", 5) != 0) fprintf(stderr, "trace: %s\n", trace);
    CHECK(strncmp(trace, "E20 W", 5) == 0);

    /* Enabled bits are kept as given. */
    CHECK_EQ(bufferevent_enable(s, EV_READ), 0);
    CHECK_EQ(s->enabled, EV_READ | EV_WRITE);
    CHECK_EQ(bufferevent_enable(s, EV_TIMEOUT | EV_SIGNAL), 0);
    CHECK_EQ(bufferevent_get_enabled(s), EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL);
    CHECK_EQ(bufferevent_disable(s, EV_SIGNAL), 0);
    CHECK_EQ(s->enabled, EV_TIMEOUT | EV_READ | EV_WRITE);
    bufferevent_setcb(s, NULL, NULL, NULL, NULL);

    /* Frozen ends: the loop owns the end it fills or empties. */
    CHECK_EQ(evbuffer_add(s->input, "x", 1), -1);
    CHECK_EQ(evbuffer_prepend(s->output, "x", 1), -1);
    CHECK_EQ(evbuffer_add(s->output, "x", 1), 0);
    CHECK_EQ(evbuffer_drain(s->output, 1), -1);
    CHECK_EQ(evbuffer_add(pr[0]->input, "x", 1), -1);
    CHECK_EQ(evbuffer_prepend(pr[0]->output, "x", 1), -1);
    CHECK_EQ(evbuffer_add(f->input, "x", 1), 0);
    CHECK_EQ(evbuffer_prepend(f->output, "x", 1), 0);

    /* UNLOCK_CALLBACKS only makes sense with deferred callbacks. */
    CHECK(bufferevent_socket_new(base, -1, BEV_OPT_UNLOCK_CALLBACKS) == NULL);
    struct bufferevent *ul = bufferevent_socket_new(base, -1, BEV_OPT_UNLOCK_CALLBACKS | BEV_OPT_DEFER_CALLBACKS);
    CHECK(ul != NULL);
    bufferevent_free(ul);

    bufferevent_free(f);
    bufferevent_free(pr[1]);
    bufferevent_free(pr[0]);
    bufferevent_free(nofd);
    bufferevent_free(s);
    ev_token_bucket_cfg_free(cfg);
    event_base_loop(base, EVLOOP_NONBLOCK);
    close(sv[1]);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
