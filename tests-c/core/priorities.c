/* priorities: event_base_priority_init, default priority n/2, starvation of lower queues,
   activation of a more urgent event cutting the current queue short, priority_set rules. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
static char order[128];
static int norder;
static void note(char c) { CHECK(norder < 127); order[norder++] = c; order[norder] = 0; }
static void reset(void) { norder = 0; order[0] = 0; }
static int sv[2];

static void plain_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
}

static struct event *urgent;
static void activate_urgent_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    event_active(urgent, EV_TIMEOUT, 0);
}

static struct event *same_prio;
static void activate_same_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    event_active(same_prio, EV_TIMEOUT, 0);
}

static struct event *lower;
static void activate_lower_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    event_active(lower, EV_TIMEOUT, 0);
}

/* priority-0 reader that leaves data unread 4 times, then drains */
static int nhigh;
static void high_reader_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what; (void)arg;
    note('H');
    if (++nhigh == 5) {
        char c;
        CHECK_EQ(read(fd, &c, 1), 1);
    }
}

static int set_ret = 99;
static void prio_set_self_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    (void)fd; (void)what;
    note('P');
    /* not active any more while its callback runs: allowed */
    set_ret = event_priority_set(self, 2);
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    CHECK_EQ(event_base_get_npriorities(base), 1);
    struct event *e1 = event_new(base, -1, 0, plain_cb, "1");
    CHECK_EQ(event_get_priority(e1), 0);
    CHECK_EQ(event_priority_set(e1, 1), -1);   /* out of range */
    CHECK_EQ(event_priority_set(e1, 0), 0);

    /* bad counts */
    CHECK_EQ(event_base_priority_init(base, 0), -1);
    CHECK_EQ(event_base_priority_init(base, -1), -1);
    CHECK_EQ(event_base_priority_init(base, EVENT_MAX_PRIORITIES), -1);
    CHECK_EQ(event_base_get_npriorities(base), 1);
    CHECK_EQ(event_base_priority_init(base, EVENT_MAX_PRIORITIES - 1), 0);
    CHECK_EQ(event_base_get_npriorities(base), EVENT_MAX_PRIORITIES - 1);

    /* priority_init while an event is merely added (not active) succeeds */
    struct timeval later = { 10, 0 };
    CHECK_EQ(evtimer_add(e1, &later), 0);
    CHECK_EQ(event_base_priority_init(base, 3), 0);
    CHECK_EQ(event_base_get_npriorities(base), 3);
    event_del(e1);
    /* ...but fails while any event is active */
    event_active(e1, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_priority_init(base, 4), -1);
    CHECK_EQ(event_base_get_npriorities(base), 3);
    /* event_priority_set on an active event fails */
    CHECK_EQ(event_priority_set(e1, 0), -1);
    reset();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "1") == 0);
    CHECK_EQ(event_priority_set(e1, 0), 0);
    CHECK_EQ(event_priority_set(e1, 3), -1);
    CHECK_EQ(event_priority_set(e1, -1), -1);
    CHECK_EQ(event_get_priority(e1), 0);

    /* default priority is n/2 (n = 3 -> 1), set at assign time */
    struct event *lo = event_new(base, -1, 0, plain_cb, "L");
    struct event *mid = event_new(base, -1, 0, plain_cb, "M");
    struct event *hi = event_new(base, -1, 0, plain_cb, "H");
    struct event *hi2 = event_new(base, -1, 0, plain_cb, "h");
    CHECK_EQ(event_get_priority(mid), 1);
    CHECK_EQ(mid->ev_evcallback.evcb_pri, 1);
    CHECK_EQ(event_priority_set(lo, 2), 0);
    CHECK_EQ(event_priority_set(hi, 0), 0);
    CHECK_EQ(event_priority_set(hi2, 0), 0);
    CHECK_EQ(lo->ev_evcallback.evcb_pri, 2);

    /* 1. activation order low, mid, high, high: one ONCE loop runs high queue, then mid, then low */
    reset();
    event_active(lo, EV_TIMEOUT, 0);
    event_active(mid, EV_TIMEOUT, 0);
    event_active(hi, EV_TIMEOUT, 0);
    event_active(hi2, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "HhML") == 0);

    /* 2. a ready priority-0 fd event that is not drained starves the lower queues */
    struct event *hr = event_new(base, sv[0], EV_READ | EV_PERSIST, high_reader_cb, NULL);
    CHECK_EQ(event_priority_set(hr, 0), 0);
    CHECK_EQ(event_add(hr, NULL), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    reset();
    event_active(lo, EV_TIMEOUT, 0);
    event_active(mid, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK(strcmp(order, "HHHHHML") == 0);
    event_free(hr);

    /* 3. activating a more urgent event from a less urgent callback cuts the queue short */
    urgent = hi;
    struct event *l1 = event_new(base, -1, 0, activate_urgent_cb, "1");
    struct event *l2 = event_new(base, -1, 0, plain_cb, "2");
    event_priority_set(l1, 2);
    event_priority_set(l2, 2);
    reset();
    event_active(l1, EV_TIMEOUT, 0);
    event_active(l2, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "1H2") == 0);

    /* 4. activating a same-priority event: it runs in the same pass, after the queue */
    same_prio = mid;
    struct event *m1 = event_new(base, -1, 0, activate_same_cb, "1");
    struct event *m2 = event_new(base, -1, 0, plain_cb, "2");
    reset();
    event_active(m1, EV_TIMEOUT, 0);
    event_active(m2, EV_TIMEOUT, 0);
    event_active(lo, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "12ML") == 0);

    /* 5. activating a less urgent event: it is appended to its own (lower) queue, so it runs
          after the rest of the current queue and after the events already in its queue */
    lower = lo;
    struct event *h1 = event_new(base, -1, 0, activate_lower_cb, "1");
    event_priority_set(h1, 0);
    struct event *l0 = event_new(base, -1, 0, plain_cb, "0");
    event_priority_set(l0, 2);
    reset();
    event_active(l0, EV_TIMEOUT, 0);
    event_active(h1, EV_TIMEOUT, 0);
    event_active(hi, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "1H0L") == 0);

    /* 6. priority_set on itself from inside its callback succeeds (no longer active) */
    struct event *ps = event_new(base, -1, 0, prio_set_self_cb, event_self_cbarg());
    event_active(ps, EV_TIMEOUT, 0);
    reset();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "P") == 0);
    CHECK_EQ(set_ret, 0);
    CHECK_EQ(event_get_priority(ps), 2);

    /* 7. event assigned before priority_init keeps the priority it got */
    struct event_base *b2 = event_base_new();
    struct event *early = event_new(b2, -1, 0, plain_cb, "E");
    CHECK_EQ(event_get_priority(early), 0);
    CHECK_EQ(event_base_priority_init(b2, 5), 0);
    CHECK_EQ(event_get_priority(early), 0);
    struct event *late = event_new(b2, -1, 0, plain_cb, "F");
    CHECK_EQ(event_get_priority(late), 2);
    event_free(early);
    event_free(late);
    event_base_free(b2);

    event_free(e1); event_free(lo); event_free(mid); event_free(hi); event_free(hi2);
    event_free(l1); event_free(l2); event_free(m1); event_free(m2); event_free(h1); event_free(l0);
    event_free(ps);
    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
