/* bad_input: misuse that libevent tolerates: events without a base, NULL bases, bad signal
   numbers, bad fds, odd timeouts, redundant add/del. Only calls Debian's libevent survives. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int nwarn, nother;
static char lastwarn[512];
static void log_cb(int severity, const char *msg)
{
    if (severity == EVENT_LOG_WARN) {
        nwarn++;
        snprintf(lastwarn, sizeof(lastwarn), "%s", msg);
    } else if (severity != EVENT_LOG_DEBUG) {
        nother++;
    }
}
#define EXPECT_WARN(substr) do { CHECK_EQ(nwarn, 1); \
    if (!strstr(lastwarn, substr)) { fprintf(stderr, "%s:%d: warning '%s' lacks '%s'\n", __FILE__, __LINE__, lastwarn, substr); exit(1); } \
    nwarn = 0; lastwarn[0] = 0; } while (0)
#define EXPECT_NO_WARN() CHECK_EQ(nwarn, 0)

static int ncb;
static short last_what;
static void cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)arg;
    ncb++;
    last_what = what;
}

int main(void)
{
    alarm(20);
    event_set_log_callback(log_cb);

    /* --- no base at all (no event_init either) --- */
    struct event ev;
    memset(&ev, 0, sizeof(ev));
    CHECK_EQ(event_assign(&ev, NULL, 0, EV_READ, cb, NULL), 0);
    CHECK(ev.ev_base == NULL);
    EXPECT_NO_WARN();
    CHECK_EQ(event_add(&ev, NULL), -1);
    CHECK(strstr(lastwarn, "no event_base set") != NULL);
    EXPECT_WARN("event_add");
    CHECK_EQ(event_del(&ev), -1);
    EXPECT_WARN("event_del");
    CHECK_EQ(event_pending(&ev, EV_READ, NULL), 0);
    EXPECT_WARN("event_pending");
    event_active(&ev, EV_READ, 0);
    EXPECT_WARN("event_active");
    CHECK_EQ(event_remove_timer(&ev), -1);
    EXPECT_WARN("event_remove_timer");

    struct event *nb = event_new(NULL, 0, EV_READ, cb, NULL);
    CHECK(nb != NULL);
    CHECK(event_get_base(nb) == NULL);
    event_free(nb);          /* event_del inside warns, but freeing works */
    EXPECT_WARN("event_del");

    event_base_free(NULL);   /* nothing to free: just a warning */
    EXPECT_WARN("no base to free");
    CHECK_EQ(event_base_loopexit(NULL, NULL), -1);
    CHECK_EQ(event_base_loopbreak(NULL), -1);
    CHECK_EQ(event_base_loopcontinue(NULL), -1);
    CHECK_EQ(event_base_once(NULL, -1, EV_TIMEOUT, cb, NULL, NULL), -1);
    CHECK_EQ(event_base_update_cache_time(NULL), -1);
    struct timeval tv, real;
    gettimeofday(&real, NULL);
    CHECK_EQ(event_base_gettimeofday_cached(NULL, &tv), 0);   /* falls back to gettimeofday */
    CHECK(tv.tv_sec - real.tv_sec <= 1 && tv.tv_sec - real.tv_sec >= 0);
    CHECK_EQ(event_config_set_flag(NULL, EVENT_BASE_FLAG_NOLOCK), -1);
    CHECK_EQ(event_config_require_features(NULL, EV_FEATURE_O1), -1);
    CHECK_EQ(event_config_set_num_cpus_hint(NULL, 2), -1);
    EXPECT_NO_WARN();

    /* --- with a base --- */
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* EV_SIGNAL mixed with fd flags */
    CHECK(event_new(base, SIGUSR1, EV_SIGNAL | EV_READ, cb, NULL) == NULL);
    EXPECT_WARN("EV_SIGNAL is not compatible");
    struct event sev;
    CHECK_EQ(event_assign(&sev, base, SIGUSR1, EV_SIGNAL | EV_WRITE, cb, NULL), -1);
    EXPECT_WARN("EV_SIGNAL is not compatible");

    /* never-added event: del 0, pending 0 */
    struct event *e = event_new(base, sv[0], EV_READ, cb, NULL);
    CHECK_EQ(event_del(e), 0);
    CHECK_EQ(event_pending(e, EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL, NULL), 0);
    CHECK_EQ(event_remove_timer(e), 0);
    EXPECT_NO_WARN();

    /* add twice, del twice: idempotent */
    CHECK_EQ(event_add(e, NULL), 0);
    CHECK_EQ(event_add(e, NULL), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 1);
    CHECK_EQ(event_del(e), 0);
    CHECK_EQ(event_del(e), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
    /* event_remove_timer keeps the fd part */
    struct timeval ten = { 10, 0 };
    CHECK_EQ(event_add(e, &ten), 0);
    CHECK_EQ(event_remove_timer(e), 0);
    CHECK_EQ(event_pending(e, EV_READ | EV_TIMEOUT, NULL), EV_READ);
    CHECK_EQ(event_del(e), 0);

    /* priorities out of range */
    CHECK_EQ(event_priority_set(e, 1), -1);
    CHECK_EQ(event_priority_set(e, -1), -1);
    CHECK_EQ(event_base_priority_init(base, 0), -1);
    EXPECT_NO_WARN();

    /* bad signal numbers: event_add fails */
    struct event *s1 = evsignal_new(base, -1, cb, NULL);
    CHECK(s1 != NULL);
    CHECK_EQ(event_add(s1, NULL), -1);
    struct event *s2 = evsignal_new(base, 65, cb, NULL);
    CHECK_EQ(event_add(s2, NULL), -1);
    struct event *s3 = evsignal_new(base, SIGKILL, cb, NULL);
    CHECK_EQ(event_add(s3, NULL), -1);
    CHECK(nwarn <= 1);   /* libevent warns about the failed sigaction */
    nwarn = 0;
    CHECK_EQ(event_pending(s3, EV_SIGNAL, NULL), 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
    event_free(s1); event_free(s2); event_free(s3);

    /* negative timeout: due immediately */
    struct event *t = evtimer_new(base, cb, NULL);
    struct timeval neg = { -1, 0 };
    CHECK_EQ(event_add(t, &neg), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncb, 1);
    CHECK_EQ(last_what, EV_TIMEOUT);

    /* fd -1 with EV_READ: added (counted) but never reported */
    struct event *m = event_new(base, -1, EV_READ, cb, NULL);
    CHECK_EQ(event_add(m, NULL), 0);
    CHECK_EQ(event_pending(m, EV_READ, NULL), EV_READ);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncb, 1);
    CHECK_EQ(event_del(m), 0);
    event_free(m);
    EXPECT_NO_WARN();

    /* a closed fd: depends on the backend */
    int bad = dup(sv[0]);
    CHECK(bad >= 0);
    close(bad);
    struct event *be = event_new(base, bad, EV_READ | EV_PERSIST, cb, NULL);
    const char *method = event_base_get_method(base);
    int r = event_add(be, NULL);
    if (!strcmp(method, "epoll")) {
        CHECK_EQ(r, -1);                    /* epoll_ctl fails: EBADF */
        EXPECT_WARN("Bad file descriptor");
        CHECK_EQ(event_pending(be, EV_READ, NULL), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    } else if (!strcmp(method, "poll")) {
        CHECK_EQ(r, 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
        CHECK_EQ(ncb, 2);                   /* POLLNVAL is reported as readable */
        CHECK_EQ(last_what, EV_READ);
    } else if (!strcmp(method, "select")) {
        CHECK_EQ(r, 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), -1);  /* select fails */
        EXPECT_WARN("select");
    }
    CHECK_EQ(event_del(be), 0);
    event_free(be);
    nwarn = 0;

    /* loopexit(NULL) on a base without events: dispatch runs the exit callback, returns 0 */
    CHECK_EQ(event_base_loopexit(base, NULL), 0);
    CHECK_EQ(event_base_dispatch(base), 0);
    CHECK(event_base_got_exit(base));
    CHECK_EQ(event_base_dispatch(base), 1);

    /* foreach with NULL callback */
    CHECK_EQ(event_base_foreach_event(base, NULL, NULL), -1);

    CHECK_EQ(nother, 0);
    event_free(t);
    event_free(e);
    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
