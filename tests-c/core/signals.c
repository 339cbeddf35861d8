/* signals: persistent signal events, ncalls for repeated signals, two signals, several events on
   one signal, non-persistent signal event, event_del restores the previous handler. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
struct rec { int n; short what; evutil_socket_t fd; };
static char order[32];
static int norder;

static void rec_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    r->n++;
    r->what = what;
    r->fd = fd;
}

static void order_cb(evutil_socket_t fd, short what, void *arg)
{
    CHECK_EQ(what, EV_SIGNAL);
    CHECK_EQ(fd, SIGUSR1);
    order[norder++] = *(const char *)arg;
    order[norder] = 0;
}

static struct event *del_me;
static int ndel;
static void del_self_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    ndel++;
    CHECK_EQ(event_del(del_me), 0);   /* aborts the remaining repeated calls */
}

static volatile sig_atomic_t my_handler_hits;
static void my_handler(int sig)
{
    (void)sig;
    my_handler_hits++;
}

static void (*current_handler(int sig))(int)
{
    struct sigaction sa;
    CHECK_EQ(sigaction(sig, NULL, &sa), 0);
    return sa.sa_handler;
}

int main(void)
{
    alarm(20);

    /* our own handlers first, to see them restored later */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = my_handler;
    sigemptyset(&sa.sa_mask);
    CHECK_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
    CHECK_EQ(sigaction(SIGUSR2, &sa, NULL), 0);

    base = event_base_new();
    CHECK(base != NULL);

    /* 1. persistent signal event; raised twice before the loop -> callback twice */
    struct rec r1 = {0};
    struct event *s1 = evsignal_new(base, SIGUSR1, rec_cb, &r1);
    CHECK(s1 != NULL);
    CHECK_EQ(event_get_events(s1), EV_SIGNAL | EV_PERSIST);
    CHECK_EQ(event_get_signal(s1), SIGUSR1);
    CHECK_EQ(evsignal_add(s1, NULL), 0);
    CHECK_EQ(event_pending(s1, EV_SIGNAL, NULL), EV_SIGNAL);
    CHECK_EQ(evsignal_pending(s1, NULL), EV_SIGNAL);
    CHECK(current_handler(SIGUSR1) != my_handler);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(my_handler_hits, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(r1.n, 2);
    CHECK_EQ(r1.what, EV_SIGNAL);
    CHECK_EQ(r1.fd, SIGUSR1);
    CHECK_EQ(event_pending(s1, EV_SIGNAL, NULL), EV_SIGNAL);

    /* once more, single raise */
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(r1.n, 3);

    /* 2. two different signals */
    struct rec r2 = {0};
    struct event *s2 = evsignal_new(base, SIGUSR2, rec_cb, &r2);
    CHECK_EQ(evsignal_add(s2, NULL), 0);
    CHECK_EQ(raise(SIGUSR2), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(r1.n, 4);
    CHECK_EQ(r2.n, 1);
    CHECK_EQ(r2.fd, SIGUSR2);
    CHECK_EQ(r2.what, EV_SIGNAL);
    CHECK_EQ(my_handler_hits, 0);

    /* 3. event_del of the only SIGUSR2 event restores our handler */
    CHECK_EQ(event_del(s2), 0);
    CHECK(current_handler(SIGUSR2) == my_handler);
    CHECK_EQ(raise(SIGUSR2), 0);
    CHECK_EQ(my_handler_hits, 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(r2.n, 1);

    /* 4. several events on one signal: all run, newest added first */
    struct event *sa_ = evsignal_new(base, SIGUSR1, order_cb, "a");
    struct event *sb_ = evsignal_new(base, SIGUSR1, order_cb, "b");
    CHECK_EQ(evsignal_add(sa_, NULL), 0);
    CHECK_EQ(evsignal_add(sb_, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(r1.n, 5);
    CHECK(strcmp(order, "ba") == 0);
    /* removing some of them keeps libevent's handler installed */
    CHECK_EQ(event_del(sa_), 0);
    CHECK_EQ(event_del(sb_), 0);
    CHECK(current_handler(SIGUSR1) != my_handler);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(r1.n, 6);
    CHECK_EQ(my_handler_hits, 1);

    /* 5. removing the last one restores our handler */
    CHECK_EQ(event_del(s1), 0);
    CHECK(current_handler(SIGUSR1) == my_handler);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(my_handler_hits, 2);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 1);
    CHECK_EQ(r1.n, 6);

    /* 6. non-persistent signal event: deleted when it fires, but the repeated count still
          produces one call per caught signal */
    struct rec r3 = {0};
    struct event *s3 = event_new(base, SIGUSR1, EV_SIGNAL, rec_cb, &r3);
    CHECK_EQ(event_add(s3, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(r3.n, 2);
    CHECK_EQ(event_pending(s3, EV_SIGNAL, NULL), 0);
    CHECK(current_handler(SIGUSR1) == my_handler);

    /* 7. event_del from within the callback stops the remaining repeated calls */
    del_me = evsignal_new(base, SIGUSR1, del_self_cb, NULL);
    CHECK_EQ(evsignal_add(del_me, NULL), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(ndel, 1);

    /* 8. event_active with ncalls on a signal event: called ncalls times */
    struct rec r4 = {0};
    struct event *s4 = evsignal_new(base, SIGUSR2, rec_cb, &r4);
    event_active(s4, EV_SIGNAL, 3);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK_EQ(r4.n, 3);
    CHECK_EQ(r4.what, EV_SIGNAL);

    event_free(s1); event_free(s2); event_free(s3); event_free(s4);
    event_free(sa_); event_free(sb_); event_free(del_me);
    event_base_free(base);
    CHECK(current_handler(SIGUSR1) == my_handler);
    CHECK(current_handler(SIGUSR2) == my_handler);
    return 0;
}
