/* event_self_ops: callbacks that delete, re-add, activate and free other events and themselves. */
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
static char order[64];
static int norder;
static struct event *evs[8];

static void note(char c) { CHECK(norder < 63); order[norder++] = c; order[norder] = 0; }
static void reset(void) { norder = 0; order[0] = 0; }

/* ---- self free ---- */
static int nself;
static void self_free_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    struct event *self = arg;
    CHECK(event_base_get_running_event(base) == self);
    CHECK_EQ(read(fd, &c, 1), 1);
    nself++;
    event_free(self);
}

/* ---- A deletes / frees B (both active) ---- */
static void a_del_b_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    note('A');
    CHECK_EQ(event_pending(evs[1], EV_TIMEOUT | EV_READ | EV_WRITE, NULL), EV_WRITE); /* still active */
    CHECK_EQ(event_del(evs[1]), 0);
    CHECK_EQ(event_pending(evs[1], EV_TIMEOUT | EV_READ | EV_WRITE, NULL), 0);
    CHECK_EQ(evs[1]->ev_evcallback.evcb_flags, 0x80);
}
static void a_free_b_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    note('A');
    event_free(evs[1]);
    evs[1] = NULL;
}
static void b_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    note('B');
}
static void c_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    note('C');
}

/* ---- two ready fds, each deletes the other ---- */
static int nmutual;
static void mutual_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *other = arg;
    char c;
    (void)what;
    nmutual++;
    CHECK_EQ(read(fd, &c, 1), 1);
    CHECK_EQ(event_del(other), 0);
}

/* ---- re-add self ---- */
static int nreadd;
static void readd_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    (void)fd;
    CHECK_EQ(what, EV_READ);
    nreadd++;
    /* non-persistent: already not pending inside its own callback */
    CHECK_EQ(event_pending(self, EV_READ, NULL), 0);
    if (nreadd < 3)
        CHECK_EQ(event_add(self, NULL), 0); /* data is never drained: fires again */
}

/* ---- persistent deletes self ---- */
static int npdel;
static void pdel_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    (void)fd; (void)what;
    npdel++;
    CHECK_EQ(event_pending(self, EV_READ, NULL), EV_READ);
    CHECK_EQ(event_del(self), 0);
    CHECK_EQ(event_pending(self, EV_READ, NULL), 0);
}

/* ---- re-activate self / activate another from a callback ---- */
static int nreact;
static void react_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    (void)fd;
    CHECK_EQ(what, EV_TIMEOUT);
    note('R');
    if (++nreact < 3)
        event_active(self, EV_TIMEOUT, 0);
    else
        event_active(evs[2], EV_TIMEOUT, 0); /* C runs after B (already queued) */
}

/* ---- callback frees self after deleting another and adding a third ---- */
static void chain_cb(evutil_socket_t fd, short what, void *arg)
{
    struct event *self = arg;
    (void)fd; (void)what;
    note('X');
    event_free(evs[1]); evs[1] = NULL;   /* B was active: must not run */
    event_active(evs[2], EV_READ, 0);    /* C: runs after this */
    event_free(self);
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);
    int sv[2], sw[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);

    /* 1. event_free inside own callback (non-persistent and persistent) */
    struct event *e = event_new(base, sv[0], EV_READ, self_free_cb, event_self_cbarg());
    CHECK_EQ(event_add(e, NULL), 0);
    CHECK_EQ(write(sv[1], "a", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(nself, 1);
    e = event_new(base, sv[0], EV_READ | EV_PERSIST, self_free_cb, event_self_cbarg());
    CHECK_EQ(event_add(e, NULL), 0);
    CHECK_EQ(write(sv[1], "bc", 2), 2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(nself, 2);
    /* the persistent event is gone: remaining byte triggers nothing, base empty */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK_EQ(nself, 2);
    { char c; CHECK_EQ(read(sv[0], &c, 1), 1); }

    /* 2. A deletes B while both are active: B does not run; C (after B) still runs */
    reset();
    evs[0] = event_new(base, -1, 0, a_del_b_cb, NULL);
    evs[1] = event_new(base, -1, 0, b_cb, NULL);
    evs[2] = event_new(base, -1, 0, c_cb, NULL);
    event_active(evs[0], EV_TIMEOUT, 0);
    event_active(evs[1], EV_WRITE, 0);
    event_active(evs[2], EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "AC") == 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK(strcmp(order, "AC") == 0);

    /* 3. A frees B while both are active */
    reset();
    event_assign(evs[0], base, -1, 0, a_free_b_cb, NULL);
    event_active(evs[0], EV_TIMEOUT, 0);
    event_active(evs[1], EV_TIMEOUT, 0);
    event_active(evs[2], EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "AC") == 0);
    CHECK(evs[1] == NULL);

    /* 4. two ready fds, each deletes the other: exactly one runs (either) */
    struct event *m0 = event_new(base, sv[0], EV_READ, mutual_cb, NULL);
    struct event *m1 = event_new(base, sw[0], EV_READ, mutual_cb, m0);
    event_assign(m0, base, sv[0], EV_READ, mutual_cb, m1);
    CHECK_EQ(event_add(m0, NULL), 0);
    CHECK_EQ(event_add(m1, NULL), 0);
    CHECK_EQ(write(sv[1], "m", 1), 1);
    CHECK_EQ(write(sw[1], "m", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(nmutual, 1);
    CHECK_EQ(event_pending(m0, EV_READ, NULL), 0);
    CHECK_EQ(event_pending(m1, EV_READ, NULL), 0);
    /* the byte of the deleted one is left unread; the pairs are recreated below */
    event_free(m0);
    event_free(m1);
    close(sv[0]); close(sv[1]); close(sw[0]); close(sw[1]);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* 5. non-persistent callback re-adds itself: fires again next pass */
    struct event *r = event_new(base, sv[0], EV_READ, readd_cb, event_self_cbarg());
    CHECK_EQ(event_add(r, NULL), 0);
    CHECK_EQ(write(sv[1], "r", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(nreadd, 3);
    event_free(r);

    /* 6. persistent event deletes itself: fires once */
    struct event *p = event_new(base, sv[0], EV_READ | EV_PERSIST, pdel_cb, event_self_cbarg());
    CHECK_EQ(event_add(p, NULL), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 1);
    CHECK_EQ(npdel, 1);
    event_free(p);
    { char c; CHECK_EQ(read(sv[0], &c, 1), 1); }

    /* 7. re-activation from own callback runs in the same pass, after what was queued */
    reset();
    event_free(evs[0]);   /* A of steps 2 and 3 */
    evs[0] = event_new(base, -1, 0, react_cb, event_self_cbarg());
    evs[1] = event_new(base, -1, 0, b_cb, NULL);
    event_active(evs[0], EV_TIMEOUT, 0);
    event_active(evs[1], EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "RBRRC") == 0);
    event_free(evs[0]);

    /* 8. a callback frees an active event, activates another, frees itself */
    reset();
    struct event *x = event_new(base, -1, 0, chain_cb, event_self_cbarg());
    event_active(x, EV_TIMEOUT, 0);
    event_active(evs[1], EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "XC") == 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK(strcmp(order, "XC") == 0);

    event_free(evs[2]);
    event_base_free(base);
    return 0;
}
