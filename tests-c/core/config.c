/* config: event_config avoid_method / require_features / flags (IGNORE_ENV, NO_CACHE_TIME,
   PRECISE_TIMER), max_dispatch_interval, supported methods, features, version. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}
static long long wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1000000LL + tv.tv_usec;
}

static int expected_features(const char *m)
{
    if (!strcmp(m, "epoll"))
        return EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE;
    if (!strcmp(m, "poll"))
        return EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE;
    if (!strcmp(m, "select"))
        return EV_FEATURE_FDS;
    return -1;
}

static int nwarn;
static char lastwarn[256];
static void log_cb(int severity, const char *msg)
{
    if (severity == EVENT_LOG_WARN) {
        nwarn++;
        snprintf(lastwarn, sizeof(lastwarn), "%s", msg);
    }
}

static struct event_base *cur;
static long long cached_lag_us;
static void sleepy_cb(evutil_socket_t fd, short what, void *arg)
{
    struct timeval c;
    (void)fd; (void)what; (void)arg;
    usleep(30000);
    CHECK_EQ(event_base_gettimeofday_cached(cur, &c), 0);
    cached_lag_us = wall_us() - (c.tv_sec * 1000000LL + c.tv_usec);
}

static char order[32];
static int norder;
static int sv[2];
static void note_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    order[norder++] = *(const char *)arg;
    order[norder] = 0;
}
static void write_cb(evutil_socket_t fd, short what, void *arg)
{
    note_cb(fd, what, arg);
    CHECK_EQ(write(sv[1], "w", 1), 1);
}
static void sock_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    CHECK_EQ(read(fd, &c, 1), 1);
    note_cb(fd, what, arg);
}

/* A: activates B, C (priority 1) + S (priority 0) readable after A; returns the order */
static const char *dispatch_order(struct event_config *cfg)
{
    struct event_base *b = event_base_new_with_config(cfg);
    CHECK(b != NULL);
    CHECK_EQ(event_base_priority_init(b, 2), 0);
    struct event *s = event_new(b, sv[0], EV_READ | EV_PERSIST, sock_cb, "S");
    CHECK_EQ(event_priority_set(s, 0), 0);
    CHECK_EQ(event_add(s, NULL), 0);
    struct event *a = event_new(b, -1, 0, write_cb, "A");
    struct event *bb = event_new(b, -1, 0, note_cb, "B");
    struct event *c = event_new(b, -1, 0, note_cb, "C");
    event_active(a, EV_TIMEOUT, 0);
    event_active(bb, EV_TIMEOUT, 0);
    event_active(c, EV_TIMEOUT, 0);
    norder = 0;
    order[0] = 0;
    while (norder < 4)
        CHECK_EQ(event_base_loop(b, EVLOOP_ONCE), 0);
    event_free(s); event_free(a); event_free(bb); event_free(c);
    event_base_free(b);
    return order;
}

int main(void)
{
    alarm(20);
    event_set_log_callback(log_cb);
    CHECK(!strcmp(event_get_version(), "2.1.12-stable"));
    CHECK_EQ(event_get_version_number(), 0x02010c00);
    CHECK_EQ(LIBEVENT_VERSION_NUMBER, 0x02010c00);

    /* supported methods: epoll, poll, select (NULL-terminated), independent of env */
    const char **methods = event_get_supported_methods();
    CHECK(methods != NULL);
    CHECK(methods[0] && !strcmp(methods[0], "epoll"));
    CHECK(methods[1] && !strcmp(methods[1], "poll"));
    CHECK(methods[2] && !strcmp(methods[2], "select"));
    CHECK(methods[3] == NULL);

    /* default base honours the environment */
    int noepoll = getenv("EVENT_NOEPOLL") != NULL;
    int nopoll = getenv("EVENT_NOPOLL") != NULL;
    const char *expect_default = !noepoll ? "epoll" : !nopoll ? "poll" : "select";
    struct event_base *b = event_base_new();
    CHECK(b != NULL);
    CHECK(!strcmp(event_base_get_method(b), expect_default));
    CHECK_EQ(event_base_get_features(b), expected_features(expect_default));
    event_base_free(b);

    /* avoid epoll */
    struct event_config *cfg = event_config_new();
    CHECK(cfg != NULL);
    CHECK_EQ(event_config_avoid_method(cfg, "epoll"), 0);
    b = event_base_new_with_config(cfg);
    CHECK(b != NULL);
    CHECK(strcmp(event_base_get_method(b), "epoll") != 0);
    CHECK(!strcmp(event_base_get_method(b), nopoll ? "select" : "poll"));
    event_base_free(b);
    /* avoid everything: no base */
    CHECK_EQ(event_config_avoid_method(cfg, "poll"), 0);
    CHECK_EQ(event_config_avoid_method(cfg, "select"), 0);
    nwarn = 0;
    CHECK(event_base_new_with_config(cfg) == NULL);
    CHECK_EQ(nwarn, 1);
    CHECK(strstr(lastwarn, "no event mechanism available") != NULL);
    event_config_free(cfg);

    /* require EV_FEATURE_FDS: poll or select */
    cfg = event_config_new();
    CHECK_EQ(event_config_require_features(cfg, EV_FEATURE_FDS), 0);
    b = event_base_new_with_config(cfg);
    CHECK(b != NULL);
    CHECK(!strcmp(event_base_get_method(b), nopoll ? "select" : "poll"));
    CHECK(event_base_get_features(b) & EV_FEATURE_FDS);
    event_base_free(b);
    /* impossible combination: no base */
    CHECK_EQ(event_config_require_features(cfg, EV_FEATURE_FDS | EV_FEATURE_ET), 0);
    CHECK(event_base_new_with_config(cfg) == NULL);
    /* require_features replaces (not ORs) the previous value */
    CHECK_EQ(event_config_require_features(cfg, EV_FEATURE_O1), 0);
    b = event_base_new_with_config(cfg);
    if (noepoll) {
        CHECK(b == NULL);
    } else {
        CHECK(b != NULL);
        CHECK(!strcmp(event_base_get_method(b), "epoll"));
        event_base_free(b);
    }
    event_config_free(cfg);

    /* IGNORE_ENV: EVENT_NOEPOLL / EVENT_NOPOLL are ignored */
    CHECK_EQ(setenv("EVENT_NOEPOLL", "1", 1), 0);
    b = event_base_new();
    CHECK(strcmp(event_base_get_method(b), "epoll") != 0);
    event_base_free(b);
    cfg = event_config_new();
    CHECK_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
    b = event_base_new_with_config(cfg);
    CHECK(b != NULL);
    CHECK(!strcmp(event_base_get_method(b), "epoll"));
    event_base_free(b);
    event_config_free(cfg);
    if (!noepoll)
        unsetenv("EVENT_NOEPOLL");

    /* flags accumulate; NOLOCK is harmless without threads */
    cfg = event_config_new();
    CHECK_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK), 0);
    CHECK_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER), 0);
    CHECK_EQ(event_config_set_num_cpus_hint(cfg, 4), 0);
    b = event_base_new_with_config(cfg);
    CHECK(b != NULL);
    CHECK(!strcmp(event_base_get_method(b), expect_default));
    /* PRECISE_TIMER: a timer never fires before its time on the precise clock */
    struct event *t = evtimer_new(b, note_cb, "T");
    struct timeval tv = { 0, 10000 };
    long long t0 = now_us();
    CHECK_EQ(evtimer_add(t, &tv), 0);
    norder = 0;
    CHECK_EQ(event_base_dispatch(b), 1);
    CHECK(now_us() - t0 >= 9900);
    CHECK_EQ(norder, 1);
    event_free(t);
    event_base_free(b);
    event_config_free(cfg);

    /* NO_CACHE_TIME: gettimeofday_cached inside a callback is the current time */
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cfg = event_config_new();
    CHECK_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_NO_CACHE_TIME), 0);
    cur = event_base_new_with_config(cfg);
    struct event *a = event_new(cur, -1, 0, sleepy_cb, NULL);
    event_active(a, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(cur, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(cached_lag_us < 10000 && cached_lag_us > -10000);
    event_free(a);
    event_base_free(cur);
    event_config_free(cfg);
    /* default: the cached time is the one from before the callback slept */
    cur = event_base_new();
    a = event_new(cur, -1, 0, sleepy_cb, NULL);
    event_active(a, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(cur, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(cached_lag_us >= 20000);
    event_free(a);
    event_base_free(cur);

    /* max_dispatch_interval: at most 1 callback per pass at priority >= 1, so the priority-0
       socket event that became ready during A runs before B and C */
    cfg = event_config_new();
    CHECK(!strcmp(dispatch_order(cfg), "ABCS"));
    CHECK_EQ(event_config_set_max_dispatch_interval(cfg, NULL, 1, 1), 0);
    CHECK(!strcmp(dispatch_order(cfg), "ASBC"));
    /* min_priority 2 (beyond our queues): no limit applies */
    CHECK_EQ(event_config_set_max_dispatch_interval(cfg, NULL, 1, 2), 0);
    CHECK(!strcmp(dispatch_order(cfg), "ABCS"));
    /* unlimited again */
    CHECK_EQ(event_config_set_max_dispatch_interval(cfg, NULL, -1, 0), 0);
    CHECK(!strcmp(dispatch_order(cfg), "ABCS"));
    event_config_free(cfg);

    close(sv[0]); close(sv[1]);
    return 0;
}
