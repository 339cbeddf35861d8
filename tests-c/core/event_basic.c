/* event_basic: one-shot READ event on a socketpair, accessors, public struct fields. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int ncalls;
static evutil_socket_t got_fd = -12345;
static short got_what;
static void *got_arg;

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    ncalls++;
    got_fd = fd;
    got_what = what;
    got_arg = arg;
    CHECK_EQ(read(fd, &c, 1), 1);
    CHECK_EQ(c, 'x');
}

static void other_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int marker;

    /* sizes */
    CHECK_EQ(sizeof(struct event), 128);
    CHECK_EQ(event_get_struct_event_size(), sizeof(struct event));

    struct event *ev = event_new(base, sv[0], EV_READ, read_cb, &marker);
    CHECK(ev != NULL);
    CHECK(event_initialized(ev));

    /* accessors */
    CHECK_EQ(event_get_fd(ev), sv[0]);
    CHECK(event_get_base(ev) == base);
    CHECK_EQ(event_get_events(ev), EV_READ);
    CHECK(event_get_callback(ev) == read_cb);
    CHECK(event_get_callback_arg(ev) == &marker);
    CHECK_EQ(event_get_priority(ev), 0); /* one queue: n/2 == 0 */

    struct event_base *ab = NULL;
    evutil_socket_t afd = -1;
    short aev = 0;
    event_callback_fn acb = NULL;
    void *aarg = NULL;
    event_get_assignment(ev, &ab, &afd, &aev, &acb, &aarg);
    CHECK(ab == base);
    CHECK_EQ(afd, sv[0]);
    CHECK_EQ(aev, EV_READ);
    CHECK(acb == read_cb);
    CHECK(aarg == &marker);
    /* NULL out-pointers are allowed */
    event_get_assignment(ev, NULL, NULL, NULL, NULL, NULL);

    /* public struct fields */
    CHECK_EQ(ev->ev_fd, sv[0]);
    CHECK(ev->ev_base == base);
    CHECK_EQ(ev->ev_events, EV_READ);
    CHECK(ev->ev_evcallback.evcb_arg == &marker);
    CHECK(ev->ev_evcallback.evcb_cb_union.evcb_callback == read_cb);
    CHECK_EQ(ev->ev_evcallback.evcb_flags, 0x80);

    CHECK_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, NULL), 0);
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(ev->ev_evcallback.evcb_flags, 0x82);
    CHECK_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT, NULL), EV_READ);
    CHECK_EQ(event_pending(ev, EV_WRITE, NULL), 0);
    CHECK_EQ(event_pending(ev, EV_TIMEOUT, NULL), 0);

    /* Nothing readable yet: a non-blocking single pass runs nothing, returns 0. */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(ncalls, 0);

    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ncalls, 1);
    CHECK_EQ(got_fd, sv[0]);
    CHECK_EQ(got_what, EV_READ);
    CHECK(got_arg == &marker);
    CHECK_EQ(ev->ev_res, EV_READ);

    /* non-persistent: no longer pending after firing */
    CHECK_EQ(event_pending(ev, EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL, NULL), 0);
    CHECK_EQ(ev->ev_evcallback.evcb_flags, 0x80);
    CHECK(event_initialized(ev));

    /* nothing left: loop returns 1 */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK_EQ(ncalls, 1);

    /* add with a timeout: flags 0x83; pending reports the timeout */
    struct timeval tv = { 5, 0 }, when, now;
    CHECK_EQ(event_add(ev, &tv), 0);
    CHECK_EQ(ev->ev_evcallback.evcb_flags, 0x83);
    CHECK_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, NULL), EV_READ | EV_TIMEOUT);
    CHECK_EQ(event_pending(ev, EV_TIMEOUT, &when), EV_TIMEOUT);
    gettimeofday(&now, NULL);
    /* wall-clock expiry ~now+5s */
    long long diff_ms = (when.tv_sec - now.tv_sec) * 1000LL + (when.tv_usec - now.tv_usec) / 1000;
    CHECK(diff_ms > 4500 && diff_ms <= 5050);
    CHECK_EQ(event_del(ev), 0);
    CHECK_EQ(ev->ev_evcallback.evcb_flags, 0x80);
    CHECK_EQ(event_pending(ev, EV_READ | EV_TIMEOUT, NULL), 0);
    /* deleting again is fine */
    CHECK_EQ(event_del(ev), 0);
    event_free(ev);

    /* event_assign on caller-owned storage */
    struct event sev;
    memset(&sev, 0, sizeof(sev));
    CHECK(!event_initialized(&sev));
    CHECK_EQ(event_assign(&sev, base, sv[1], EV_WRITE | EV_PERSIST, other_cb, base), 0);
    CHECK(event_initialized(&sev));
    CHECK_EQ(sev.ev_evcallback.evcb_flags, 0x80);
    CHECK_EQ(sev.ev_events, EV_WRITE | EV_PERSIST);
    CHECK_EQ(sev.ev_fd, sv[1]);
    CHECK(sev.ev_base == base);
    CHECK(sev.ev_evcallback.evcb_arg == base);
    CHECK_EQ(event_get_events(&sev), EV_WRITE | EV_PERSIST);
    CHECK_EQ(event_add(&sev, NULL), 0);
    CHECK_EQ(sev.ev_evcallback.evcb_flags, 0x82);
    CHECK_EQ(event_pending(&sev, EV_READ | EV_WRITE, NULL), EV_WRITE);
    CHECK_EQ(event_del(&sev), 0);
    CHECK_EQ(sev.ev_evcallback.evcb_flags, 0x80);

    /* timer-only event (fd -1) */
    struct event tev;
    CHECK_EQ(event_assign(&tev, base, -1, 0, other_cb, NULL), 0);
    CHECK_EQ(tev.ev_fd, -1);
    CHECK_EQ(tev.ev_events, 0);
    struct timeval t1 = { 1, 0 };
    CHECK_EQ(event_add(&tev, &t1), 0);
    CHECK_EQ(tev.ev_evcallback.evcb_flags, 0x81);
    CHECK_EQ(event_pending(&tev, EV_TIMEOUT | EV_READ, NULL), EV_TIMEOUT);
    CHECK_EQ(event_del(&tev), 0);
    CHECK_EQ(tev.ev_evcallback.evcb_flags, 0x80);

    event_base_free(base);
    close(sv[0]);
    close(sv[1]);
    return 0;
}
