/* ratelimit_deferred: token-bucket limits. ev_token_bucket_cfg_new refuses rates above their
   bursts; a bufferevent limited to 20 KB per 100 ms tick reading a fast socketpair gets about
   that rate over ~0.6 s (wide tolerance: the test is about the limit existing, not timing);
   get_read_limit / decrement_read_limit / get_token_bucket_cfg answer; a group's totals count
   what its members read, reset_totals zeroes them. Then callback scheduling:
   BEV_OPT_DEFER_CALLBACKS runs the read callback from the loop, not inside
   bufferevent_trigger; without it, bufferevent_trigger(EV_READ, BEV_TRIG_IGNORE_WATERMARKS)
   calls it at once, plain bufferevent_trigger only when the input reaches the low-water mark; bufferevent_trigger_event delivers the flags given; incref/decref keep a
   bufferevent alive across bufferevent_free. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static size_t total_read;
static int writer_fd;
static char chunk[65536];

static void limited_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    total_read += evbuffer_get_length(in);
    evbuffer_drain(in, evbuffer_get_length(in));
}

/* Keep the peer's side full. */
static void refill(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    while (write(writer_fd, chunk, sizeof(chunk)) > 0)
        ;
}

static int nread_cb, nevent_cb;
static short event_flags;
static void count_read(struct bufferevent *bev, void *arg) { (void)bev; (void)arg; nread_cb++; }
static void count_event(struct bufferevent *bev, short what, void *arg) { (void)bev; (void)arg; nevent_cb++; event_flags = what; }

int main(void)
{
    struct event_base *base = event_base_new();
    CHECK(base != NULL);

    CHECK(ev_token_bucket_cfg_new(100, 10, 100, 1000, NULL) == NULL);  /* rate above burst */
    struct timeval tick = { 0, 100000 };
    struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(20000, 20000, 20000, 20000, &tick);
    CHECK(cfg != NULL);

    int sv[2];
    CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    evutil_make_socket_nonblocking(sv[1]);
    writer_fd = sv[1];
    struct bufferevent *bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    CHECK_EQ(bufferevent_set_rate_limit(bev, cfg), 0);
    CHECK(bufferevent_get_token_bucket_cfg(bev) == cfg);
    CHECK_EQ(bufferevent_get_read_limit(bev), 20000);
    CHECK_EQ(bufferevent_decrement_read_limit(bev, 5000), 0);
    CHECK_EQ(bufferevent_get_read_limit(bev), 15000);
    CHECK(bufferevent_get_max_to_read(bev) <= 15000);

    struct bufferevent_rate_limit_group *grp = bufferevent_rate_limit_group_new(base, cfg);
    CHECK(grp != NULL);
    CHECK_EQ(bufferevent_add_to_rate_limit_group(bev, grp), 0);

    bufferevent_setcb(bev, limited_read, NULL, NULL, NULL);
    bufferevent_enable(bev, EV_READ);
    struct event *pump = event_new(base, -1, EV_PERSIST, refill, NULL);
    struct timeval every = { 0, 10000 };
    event_add(pump, &every);
    refill(-1, 0, NULL);

    struct timeval t0, t1, run = { 0, 600000 };
    gettimeofday(&t0, NULL);
    event_base_loopexit(base, &run);
    event_base_dispatch(base);
    gettimeofday(&t1, NULL);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_usec - t0.tv_usec) / 1e6;
    double rate = total_read / secs;
    /* 200 KB/s configured, plus the first burst; an unlimited socketpair moves GB/s. */
    fprintf(stderr, "read %zu bytes in %.2f s: %.0f B/s\n", total_read, secs, rate);
    CHECK(total_read > 20000);
    CHECK(rate < 600000);

    ev_uint64_t gr = 0, gw = 7;
    bufferevent_rate_limit_group_get_totals(grp, &gr, &gw);
    CHECK(gr > 0 && gr <= total_read + 5000);
    CHECK_EQ(gw, 0);
    bufferevent_rate_limit_group_reset_totals(grp);
    bufferevent_rate_limit_group_get_totals(grp, &gr, &gw);
    CHECK_EQ(gr, 0);
    CHECK_EQ(bufferevent_remove_from_rate_limit_group(bev), 0);
    CHECK_EQ(bufferevent_set_rate_limit(bev, NULL), 0);
    CHECK(bufferevent_get_token_bucket_cfg(bev) == NULL);
    event_free(pump);
    bufferevent_free(bev);
    close(sv[1]);
    bufferevent_rate_limit_group_free(grp);
    ev_token_bucket_cfg_free(cfg);

    /* Immediate vs deferred callbacks. */
    struct bufferevent *pair[2];
    CHECK_EQ(bufferevent_pair_new(base, 0, pair), 0);
    struct bufferevent *sock = bufferevent_socket_new(base, -1, 0);
    struct bufferevent *deferred = bufferevent_socket_new(base, -1, BEV_OPT_DEFER_CALLBACKS);
    bufferevent_setcb(sock, count_read, NULL, count_event, NULL);
    bufferevent_setcb(deferred, count_read, NULL, count_event, NULL);

    nread_cb = 0;
    bufferevent_trigger(sock, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
    CHECK_EQ(nread_cb, 1);                   /* at once */
    bufferevent_trigger(sock, EV_READ, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
    CHECK_EQ(nread_cb, 1);                   /* asked to defer */
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(nread_cb, 2);

    nread_cb = 0;
    bufferevent_trigger(deferred, EV_READ, BEV_TRIG_IGNORE_WATERMARKS);
    CHECK_EQ(nread_cb, 0);                   /* deferred bufferevent */
    event_base_loop(base, EVLOOP_NONBLOCK);
    CHECK_EQ(nread_cb, 1);

    /* Without IGNORE_WATERMARKS the read low-water mark decides (0 by default: runs). */
    nread_cb = 0;
    bufferevent_trigger(sock, EV_READ, 0);
    CHECK_EQ(nread_cb, 1);
    bufferevent_setwatermark(sock, EV_READ, 1, 0);
    bufferevent_trigger(sock, EV_READ, 0);
    CHECK_EQ(nread_cb, 1);

    nevent_cb = 0;
    bufferevent_trigger_event(sock, BEV_EVENT_EOF | BEV_EVENT_READING, 0);
    CHECK_EQ(nevent_cb, 1);
    CHECK_EQ(event_flags, BEV_EVENT_EOF | BEV_EVENT_READING);

    /* A reference outlives bufferevent_free. */
    bufferevent_incref(sock);
    bufferevent_free(sock);
    CHECK(bufferevent_get_input(sock) != NULL);
    CHECK_EQ(bufferevent_decref(sock), 1);

    bufferevent_free(deferred);
    bufferevent_free(pair[0]);
    bufferevent_free(pair[1]);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
