/* loopexit: loopexit with a delay, loopexit(NULL) inside a callback, loopbreak, got_exit/got_break,
   loopbreak outside a loop is forgotten, loopcontinue. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static struct event_base *base;
static char order[64];
static int norder;
static void note(char c) { CHECK(norder < 63); order[norder++] = c; order[norder] = 0; }
static void reset(void) { norder = 0; order[0] = 0; }

static void never_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    fprintf(stderr, "never_cb ran\n");
    exit(1);
}

static void plain_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
}

static void exit_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    CHECK_EQ(event_base_loopexit(base, NULL), 0);
    CHECK(!event_base_got_exit(base)); /* only set once the exit callback has run */
}

static void break_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    CHECK_EQ(event_base_loopbreak(base), 0);
    CHECK(event_base_got_break(base));
}

static struct event *sock_ev;
static int sv[2];
static void continue_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    CHECK_EQ(write(sv[1], "c", 1), 1);     /* makes the high-priority socket event ready */
    CHECK_EQ(event_base_loopcontinue(base), 0);
}
static void sock_cb(evutil_socket_t fd, short what, void *arg)
{
    char c;
    (void)what; (void)arg;
    CHECK_EQ(read(fd, &c, 1), 1);
    note('S');
}
static void write_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    note(*(const char *)arg);
    CHECK_EQ(write(sv[1], "w", 1), 1);
}

int main(void)
{
    alarm(20);
    base = event_base_new();
    CHECK(base != NULL);
    CHECK(!event_base_got_exit(base));
    CHECK(!event_base_got_break(base));
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);

    /* 1. loopexit with a delay: a base with a pending (never ready) event exits after tv */
    struct event *idle = event_new(base, sv[0], EV_READ | EV_PERSIST, never_cb, NULL);
    CHECK_EQ(event_add(idle, NULL), 0);
    struct timeval tv = { 0, 50000 };
    long long t0 = now_us();
    CHECK_EQ(event_base_loopexit(base, &tv), 0);
    CHECK_EQ(event_base_dispatch(base), 0);
    long long el = now_us() - t0;
    CHECK(el >= 40000);
    CHECK(el < 1000000);
    CHECK(event_base_got_exit(base));
    CHECK(!event_base_got_break(base));
    CHECK_EQ(event_pending(idle, EV_READ, NULL), EV_READ); /* events stay added */
    event_del(idle);

    /* 2. loopexit(NULL) from a callback: the other already-active callbacks still run */
    reset();
    struct event *a = event_new(base, -1, 0, exit_cb, "A");
    struct event *b = event_new(base, -1, 0, plain_cb, "B");
    struct event *c = event_new(base, -1, 0, plain_cb, "C");
    struct event *d = event_new(base, -1, 0, plain_cb, "D");
    struct timeval later = { 5, 0 };
    CHECK_EQ(event_add(d, &later), 0);   /* keeps the base non-empty */
    event_active(a, EV_TIMEOUT, 0);
    event_active(b, EV_TIMEOUT, 0);
    event_active(c, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_dispatch(base), 0);
    CHECK(strcmp(order, "ABC") == 0);
    CHECK(event_base_got_exit(base));
    CHECK(!event_base_got_break(base));
    /* a new loop clears the flag */
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(!event_base_got_exit(base));

    /* 3. loopbreak from a callback: the other active callbacks do not run in this loop */
    reset();
    event_assign(a, base, -1, 0, break_cb, "A");
    event_active(a, EV_TIMEOUT, 0);
    event_active(b, EV_TIMEOUT, 0);
    event_active(c, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_dispatch(base), 0);
    CHECK(strcmp(order, "A") == 0);
    CHECK(event_base_got_break(base));
    CHECK(!event_base_got_exit(base));
    /* they are still active and run on the next loop */
    CHECK_EQ(event_pending(b, EV_TIMEOUT, NULL), EV_TIMEOUT);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "ABC") == 0);
    CHECK(!event_base_got_break(base));

    /* 4. loopbreak while no loop runs is forgotten when the next loop starts */
    reset();
    CHECK_EQ(event_base_loopbreak(base), 0);
    CHECK(event_base_got_break(base)); /* visible until a loop starts */
    event_active(b, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    CHECK(strcmp(order, "B") == 0);
    CHECK(!event_base_got_break(base));

    /* 5. loopexit(NULL) outside a loop is NOT forgotten: it is a one-shot callback that ends the
          first iteration of the next loop */
    reset();
    CHECK_EQ(event_add(idle, NULL), 0);
    CHECK_EQ(event_base_loopexit(base, NULL), 0);
    CHECK(!event_base_got_exit(base));
    event_active(b, EV_TIMEOUT, 0);
    t0 = now_us();
    CHECK_EQ(event_base_dispatch(base), 0);
    CHECK(now_us() - t0 < 1000000);
    CHECK(strcmp(order, "B") == 0);
    CHECK(event_base_got_exit(base));
    event_del(idle);

    /* 6. loopcontinue: the rest of the current queue waits until after the next poll.
          S (priority 0) becomes ready during A; with loopcontinue it runs before B and C. */
    CHECK_EQ(event_base_priority_init(base, 2), 0);
    sock_ev = event_new(base, sv[0], EV_READ | EV_PERSIST, sock_cb, NULL);
    CHECK_EQ(event_priority_set(sock_ev, 0), 0);
    CHECK_EQ(event_add(sock_ev, NULL), 0);
    event_assign(a, base, -1, 0, continue_cb, "A");
    event_assign(b, base, -1, 0, plain_cb, "B");
    event_assign(c, base, -1, 0, plain_cb, "C");
    CHECK_EQ(event_get_priority(a), 1);
    reset();
    event_active(a, EV_TIMEOUT, 0);
    event_active(b, EV_TIMEOUT, 0);
    event_active(c, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);  /* ONCE goes on until the queues are empty */
    CHECK(strcmp(order, "ASBC") == 0);
    /* same without loopcontinue: S after the whole queue */
    reset();
    event_assign(a, base, -1, 0, write_cb, "A");
    event_active(a, EV_TIMEOUT, 0);
    event_active(b, EV_TIMEOUT, 0);
    event_active(c, EV_TIMEOUT, 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK(strcmp(order, "ABC") == 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK(strcmp(order, "ABCS") == 0);
    /* loopcontinue outside a loop is harmless */
    CHECK_EQ(event_base_loopcontinue(base), 0);

    event_free(sock_ev);
    event_free(idle);
    event_free(a); event_free(b); event_free(c); event_free(d);
    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
