/* event_active: manual activation, flag ORing, event_base_active_by_fd / _by_signal,
   event_base_get_running_event, event_self_cbarg. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;

struct rec { int n; short what; evutil_socket_t fd; struct event *running; };

static void rec_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    r->n++;
    r->what = what;
    r->fd = fd;
    r->running = event_base_get_running_event(base);
}

static int nself;
static struct event *self_seen;
static void self_cb(evutil_socket_t fd, short what, void *arg)
{
    CHECK_EQ(fd, -1);
    CHECK_EQ(what, EV_TIMEOUT);
    nself++;
    self_seen = arg;
    CHECK(arg == event_base_get_running_event(base));
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);
    int sv[2], sw[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);

    /* 1. a never-added event: callback gets the given flags; nothing pending afterwards */
    struct rec r1 = {0};
    struct event *e1 = event_new(base, sv[0], EV_READ, rec_cb, &r1);
    event_active(e1, EV_WRITE, 0);
    CHECK_EQ(e1->ev_evcallback.evcb_flags, 0x88);  /* INIT|ACTIVE */
    CHECK_EQ(event_pending(e1, EV_READ | EV_WRITE | EV_TIMEOUT, NULL), EV_WRITE);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 1);
    /* libevent's "added" count counts each of the inserted/timeout/active states */
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(r1.n, 1);
    CHECK_EQ(r1.what, EV_WRITE);
    CHECK_EQ(r1.fd, sv[0]);
    CHECK(r1.running == e1);
    CHECK_EQ(e1->ev_evcallback.evcb_flags, 0x80);
    CHECK_EQ(event_pending(e1, EV_READ | EV_WRITE | EV_TIMEOUT, NULL), 0);

    /* 2. repeated activation before running: flags ORed, runs once; ncalls ignored */
    r1.n = 0;
    event_active(e1, EV_READ, 5);
    event_active(e1, EV_WRITE, 1);
    event_active(e1, EV_TIMEOUT, 0);
    event_active(e1, EV_READ, 0);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(r1.n, 1);
    CHECK_EQ(r1.what, EV_READ | EV_WRITE | EV_TIMEOUT);

    /* 3. activating an added non-persistent event removes it after it runs */
    struct timeval later = { 10, 0 };
    CHECK_EQ(event_add(e1, &later), 0);
    event_active(e1, EV_READ, 0);
    CHECK_EQ(e1->ev_evcallback.evcb_flags, 0x8b);
    r1.n = 0;
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(r1.n, 1);
    CHECK_EQ(r1.what, EV_READ);
    CHECK_EQ(event_pending(e1, EV_READ | EV_TIMEOUT, NULL), 0);

    /*    ...while a persistent one stays added */
    struct rec rp = {0};
    struct event *ep = event_new(base, sv[0], EV_READ | EV_PERSIST, rec_cb, &rp);
    CHECK_EQ(event_add(ep, NULL), 0);
    event_active(ep, EV_WRITE, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(rp.n, 1);
    CHECK_EQ(rp.what, EV_WRITE);
    CHECK_EQ(event_pending(ep, EV_READ, NULL), EV_READ);

    /* 4. event_base_active_by_fd: only added events on that fd, only the requested directions */
    struct rec rr = {0}, rw = {0}, ro = {0}, rn = {0};
    struct event *er = event_new(base, sw[0], EV_READ | EV_PERSIST, rec_cb, &rr);
    struct event *ew = event_new(base, sw[0], EV_WRITE | EV_PERSIST, rec_cb, &rw);
    struct event *eo = event_new(base, sv[1], EV_READ | EV_PERSIST, rec_cb, &ro);
    struct event *en = event_new(base, sw[0], EV_READ | EV_PERSIST, rec_cb, &rn); /* never added */
    CHECK_EQ(event_add(er, NULL), 0);
    CHECK_EQ(event_add(eo, NULL), 0);
    /* write event added later, so sw[0] writability doesn't matter until then */
    event_base_active_by_fd(base, sw[0], EV_READ);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(rr.n, 1);
    CHECK_EQ(rr.what, EV_READ);
    CHECK_EQ(rr.fd, sw[0]);
    CHECK_EQ(ro.n, 0);
    CHECK_EQ(rn.n, 0);
    CHECK_EQ(rp.n, 1);
    /* asking for WRITE on an fd with only a READ event activates nothing */
    event_base_active_by_fd(base, sw[0], EV_WRITE);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(rr.n, 1);
    /* read+write requested with both added: each gets only its own direction, once
       (the socket is also really writable; the activations coalesce) */
    CHECK_EQ(event_add(ew, NULL), 0);
    event_base_active_by_fd(base, sw[0], EV_READ | EV_WRITE);
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(rr.n, 2);
    CHECK_EQ(rr.what, EV_READ);
    CHECK_EQ(rw.n, 1);
    CHECK_EQ(rw.what, EV_WRITE);
    CHECK_EQ(ro.n, 0);
    event_del(ew);

    /* 5. event_base_active_by_signal */
    struct rec rs = {0};
    struct event *es = evsignal_new(base, SIGUSR2, rec_cb, &rs);
    CHECK_EQ(event_add(es, NULL), 0);
    event_base_active_by_signal(base, SIGUSR2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(rs.n, 1);
    CHECK_EQ(rs.what, EV_SIGNAL);
    CHECK_EQ(rs.fd, SIGUSR2);
    CHECK(rs.running == es);
    CHECK_EQ(event_pending(es, EV_SIGNAL, NULL), EV_SIGNAL);
    event_base_active_by_signal(base, SIGUSR1);  /* no event for it: nothing */
    CHECK_EQ(event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 0);

    /* 6. event_self_cbarg */
    struct event *self = event_new(base, -1, 0, self_cb, event_self_cbarg());
    CHECK(self != NULL);
    CHECK(event_get_callback_arg(self) == self);
    event_active(self, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(nself, 1);
    CHECK(self_seen == self);
    /* a timer with self cbarg */
    struct timeval t1 = { 0, 1000 };
    CHECK_EQ(evtimer_add(self, &t1), 0);
    event_free(es); event_free(ep); event_free(er); event_free(ew); event_free(eo); event_free(en);
    CHECK_EQ(event_base_dispatch(base), 1);
    CHECK_EQ(nself, 2);

    event_free(self);
    event_free(e1);
    event_base_free(base);
    return 0;
}
