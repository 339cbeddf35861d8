/* ratelimit_group: a rate-limit group shares one token bucket among its members. Three socket
   bufferevents reading from peers that always have more to send, in a group allowing 30000
   bytes per 100 ms tick for reading and 20000 for writing (no limits of their own), together
   read about 300 KB/s over one second (wide bounds: between 1/3 and 2x the configured rate,
   far below the unlimited rate of many MB/s), each member gets a fair part (at least 10% of the
   total, min_share small), and the group's totals equal what the members saw. Two members
   writing to peers that drain everything send about 200 KB/s together. Removing a member
   lets it run unlimited again. Freed members leave the group when their finalizers run. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define NREAD 3
#define NWRITE 2
#define CHUNK 16384

static struct event_base *base;
static char chunk[CHUNK];
static size_t got[NREAD];
static size_t drained[NWRITE];

static double now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Keep a feeder's output topped up so the limited reader always has more waiting. */
static void refill(struct bufferevent *bev, void *arg)
{
    (void)arg;
    while (evbuffer_get_length(bufferevent_get_output(bev)) < 4 * CHUNK)
        CHECK_EQ(bufferevent_write(bev, chunk, CHUNK), 0);
}

static void count_read(struct bufferevent *bev, void *arg)
{
    size_t *slot = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    *slot += evbuffer_get_length(in);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    event_base_loopexit(base, NULL);
}

static double run_for(double secs)
{
    struct event *t = evtimer_new(base, stop, NULL);
    struct timeval tv = { (time_t)secs, (suseconds_t)((secs - (time_t)secs) * 1e6) };
    double t0 = now();
    evtimer_add(t, &tv);
    event_base_dispatch(base);
    event_free(t);
    return now() - t0;
}

int main(void)
{
    base = event_base_new();
    CHECK(base != NULL);
    memset(chunk, 'r', sizeof(chunk));
    struct timeval tick = { 0, 100000 };
    struct ev_token_bucket_cfg *cfg = ev_token_bucket_cfg_new(30000, 30000, 20000, 20000, &tick);
    CHECK(cfg != NULL);
    struct bufferevent_rate_limit_group *grp = bufferevent_rate_limit_group_new(base, cfg);
    CHECK(grp != NULL);
    CHECK_EQ(bufferevent_rate_limit_group_set_min_share(grp, 1000), 0);

    /* Readers in the group, each fed by an unlimited bufferevent. */
    struct bufferevent *reader[NREAD], *feeder[NREAD];
    for (int i = 0; i < NREAD; i++) {
        int sv[2];
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        reader[i] = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
        feeder[i] = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
        CHECK(reader[i] && feeder[i]);
        evutil_make_socket_nonblocking(sv[0]);
        evutil_make_socket_nonblocking(sv[1]);
        bufferevent_setcb(reader[i], count_read, NULL, NULL, &got[i]);
        bufferevent_setcb(feeder[i], NULL, refill, NULL, NULL);
        CHECK_EQ(bufferevent_add_to_rate_limit_group(reader[i], grp), 0);
        CHECK_EQ(bufferevent_enable(reader[i], EV_READ), 0);
        CHECK_EQ(bufferevent_enable(feeder[i], EV_WRITE), 0);
        refill(feeder[i], NULL);
    }
    double secs = run_for(1.0);
    size_t total = 0;
    for (int i = 0; i < NREAD; i++) total += got[i];
    double rate = total / secs;
    fprintf(stderr, "group read %zu bytes in %.2f s: %.0f B/s (%zu %zu %zu)\n", total, secs, rate, got[0], got[1], got[2]);
    CHECK(rate > 100000);
    CHECK(rate < 600000);
    for (int i = 0; i < NREAD; i++) CHECK(got[i] > total / 10);
    ev_uint64_t gr = 0, gw = 0;
    bufferevent_rate_limit_group_get_totals(grp, &gr, &gw);
    CHECK_EQ(gr, total);
    CHECK_EQ(gw, 0);
    CHECK(bufferevent_rate_limit_group_get_read_limit(grp) <= 30000);

    /* Out of the group, a reader is unlimited again: it reads far more in a short time. */
    for (int i = 0; i < NREAD; i++) {
        CHECK_EQ(bufferevent_remove_from_rate_limit_group(reader[i]), 0);
        if (i > 0) { bufferevent_free(reader[i]); bufferevent_free(feeder[i]); }
    }
    got[0] = 0;
    secs = run_for(0.3);
    fprintf(stderr, "unlimited read %zu bytes in %.2f s\n", got[0], secs);
    CHECK(got[0] > 300000);
    bufferevent_free(reader[0]);
    bufferevent_free(feeder[0]);
    bufferevent_rate_limit_group_reset_totals(grp);

    /* Writers in the group, drained by unlimited readers. */
    struct bufferevent *writer[NWRITE], *sink[NWRITE];
    for (int i = 0; i < NWRITE; i++) {
        int sv[2];
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        writer[i] = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
        sink[i] = bufferevent_socket_new(base, sv[1], BEV_OPT_CLOSE_ON_FREE);
        CHECK(writer[i] && sink[i]);
        evutil_make_socket_nonblocking(sv[0]);
        evutil_make_socket_nonblocking(sv[1]);
        bufferevent_setcb(writer[i], NULL, refill, NULL, NULL);
        bufferevent_setcb(sink[i], count_read, NULL, NULL, &drained[i]);
        CHECK_EQ(bufferevent_add_to_rate_limit_group(writer[i], grp), 0);
        CHECK_EQ(bufferevent_enable(writer[i], EV_WRITE), 0);
        CHECK_EQ(bufferevent_enable(sink[i], EV_READ), 0);
        refill(writer[i], NULL);
    }
    secs = run_for(1.0);
    size_t wtotal = drained[0] + drained[1];
    rate = wtotal / secs;
    fprintf(stderr, "group write %zu bytes in %.2f s: %.0f B/s (%zu %zu)\n", wtotal, secs, rate, drained[0], drained[1]);
    CHECK(rate > 70000);
    CHECK(rate < 400000);
    for (int i = 0; i < NWRITE; i++) CHECK(drained[i] > wtotal / 10);
    bufferevent_rate_limit_group_get_totals(grp, &gr, &gw);
    CHECK_EQ(gr, 0);
    /* Everything written was counted; the sinks may not have read the last bytes yet. */
    CHECK(gw >= wtotal);
    CHECK(gw < wtotal + 2 * 400000);

    for (int i = 0; i < NWRITE; i++) {
        bufferevent_free(writer[i]);
        bufferevent_free(sink[i]);
    }
    /* Freed members leave their group when their finalizers run (libevent insists the group
       is empty when it is freed), so let the loop run them first. */
    event_base_loop(base, EVLOOP_NONBLOCK);
    bufferevent_rate_limit_group_free(grp);
    ev_token_bucket_cfg_free(cfg);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
