/* finalize: event_finalize / event_free_finalize run their callback from the loop with the event
   and its arg; finalizing events can't be re-added; base free runs pending finalizers. */
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

static char order[32];
static int norder;
static void note(char c) { CHECK(norder < 31); order[norder++] = c; order[norder] = 0; }
static void reset(void) { norder = 0; order[0] = 0; }

static void plain_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
}

static struct event *fin_ev;
static void *fin_arg;
static int nfin;
static void fin_cb(struct event *ev, void *arg)
{
    nfin++;
    fin_ev = ev;
    fin_arg = arg;
    note('F');
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* 1. event_finalize on an added event */
    struct event *e = event_new(base, sv[0], EV_READ | EV_PERSIST, plain_cb, "E");
    CHECK_EQ(event_add(e, NULL), 0);
    CHECK_EQ(event_finalize(0, e, fin_cb), 0);
    CHECK_EQ(nfin, 0);                    /* not run synchronously */
    CHECK_EQ(e->ev_evcallback.evcb_flags, 0xc8);  /* INIT|FINALIZING|ACTIVE */
    CHECK_EQ(event_pending(e, EV_READ, NULL), 0);
    /* while finalizing: add fails, del is a no-op success, activation is ignored */
    CHECK_EQ(event_add(e, NULL), -1);
    CHECK_EQ(event_del(e), 0);
    event_active(e, EV_READ, 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);    /* would fire E if it were still added */
    reset();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(nfin, 1);
    CHECK(fin_ev == e);
    CHECK(strcmp((const char *)fin_arg, "E") == 0);
    CHECK(strcmp(order, "F") == 0);
    CHECK_EQ(e->ev_evcallback.evcb_flags & 0x4f, 0x40);  /* no longer active, still finalizing */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK_EQ(nfin, 1);
    event_free(e);                        /* allowed after event_finalize */
    { char c; CHECK_EQ(read(sv[0], &c, 1), 1); }

    /* 2. finalizing an active event: its own callback does not run; order in the queue kept */
    struct event *a = event_new(base, -1, 0, plain_cb, "A");
    struct event *b = event_new(base, -1, 0, plain_cb, "B");
    struct event *x = event_new(base, -1, 0, plain_cb, "X");
    event_active(a, EV_TIMEOUT, 0);
    event_active(x, EV_TIMEOUT, 0);
    event_active(b, EV_TIMEOUT, 0);
    CHECK_EQ(event_finalize(0, x, fin_cb), 0);  /* removed from the queue, appended as finalizer */
    reset();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "ABF") == 0);
    CHECK(fin_ev == x);
    event_free(x);

    /* 3. event_free_finalize: the event is released by libevent after the callback */
    struct event *f = event_new(base, -1, EV_FINALIZE, plain_cb, "G");
    CHECK_EQ(event_get_events(f), EV_FINALIZE);
    struct timeval tv = { 10, 0 };
    CHECK_EQ(event_add(f, &tv), 0);
    nfin = 0;
    CHECK_EQ(event_free_finalize(0, f, fin_cb), 0);
    CHECK_EQ(nfin, 0);
    reset();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(nfin, 1);
    CHECK(fin_ev == f);
    CHECK(strcmp((const char *)fin_arg, "G") == 0);

    /* 4. EV_FINALIZE events otherwise behave normally */
    struct event *g = event_new(base, sv[0], EV_READ | EV_FINALIZE, plain_cb, "R");
    CHECK_EQ(event_get_events(g), EV_READ | EV_FINALIZE);
    CHECK_EQ(event_add(g, NULL), 0);
    CHECK_EQ(write(sv[1], "y", 1), 1);
    reset();
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK(strcmp(order, "R") == 0);
    CHECK_EQ(event_del(g), 0);
    event_free(g);

    /* 5. event_base_free runs finalizers that are still pending */
    nfin = 0;
    struct event h;   /* caller-owned storage: event_finalize leaves the memory to us */
    CHECK_EQ(event_assign(&h, base, -1, 0, plain_cb, "H"), 0);
    CHECK_EQ(event_finalize(0, &h, fin_cb), 0);
    struct event *h2 = event_new(base, -1, 0, plain_cb, "I");
    CHECK_EQ(event_free_finalize(0, h2, fin_cb), 0);
    event_free(a);
    event_free(b);
    event_base_free(base);
    CHECK_EQ(nfin, 2);

    /* 6. event_base_free_nofinalize does not run them */
    base = event_base_new();
    nfin = 0;
    struct event k;
    CHECK_EQ(event_assign(&k, base, -1, 0, plain_cb, "K"), 0);
    CHECK_EQ(event_finalize(0, &k, fin_cb), 0);
    event_base_free_nofinalize(base);
    CHECK_EQ(nfin, 0);

    close(sv[0]); close(sv[1]);
    return 0;
}
