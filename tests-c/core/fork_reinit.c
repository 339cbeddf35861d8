/* fork_reinit: after fork, event_reinit in the child; fd, timer and signal events still work
   in the child, and the parent's base is unaffected. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

struct rec { int n; short what; char c; };

static void read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    r->n++;
    r->what = what;
    CHECK_EQ(read(fd, &r->c, 1), 1);
}

static void count_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    (void)fd;
    r->n++;
    r->what = what;
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    int sv[2], sw[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);

    struct rec rr = {0}, rs = {0}, rt = {0};
    struct event *rd = event_new(base, sv[0], EV_READ | EV_PERSIST, read_cb, &rr);
    struct event *sg = evsignal_new(base, SIGUSR1, count_cb, &rs);
    CHECK_EQ(event_add(rd, NULL), 0);
    CHECK_EQ(event_add(sg, NULL), 0);

    /* use the base once before forking */
    CHECK_EQ(write(sv[1], "p", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(rr.n, 1);

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(10);
        CHECK_EQ(event_reinit(base), 0);
        /* the fd event still works */
        CHECK_EQ(write(sv[1], "c", 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(rr.n, 2);
        CHECK_EQ(rr.c, 'c');
        CHECK_EQ(rr.what, EV_READ);
        /* the signal event works */
        CHECK_EQ(raise(SIGUSR1), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(rs.n, 1);
        CHECK_EQ(rs.what, EV_SIGNAL);
        /* a new timer works */
        struct event *t = evtimer_new(base, count_cb, &rt);
        struct timeval tv = { 0, 5000 };
        CHECK_EQ(evtimer_add(t, &tv), 0);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(rt.n, 1);
        CHECK_EQ(rt.what, EV_TIMEOUT);
        /* a new fd event added after reinit works */
        struct rec rw = {0};
        struct event *w = event_new(base, sw[0], EV_READ, read_cb, &rw);
        CHECK_EQ(event_add(w, NULL), 0);
        CHECK_EQ(write(sw[1], "w", 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(rw.n, 1);
        CHECK_EQ(rw.c, 'w');
        /* reinit twice is fine */
        CHECK_EQ(event_reinit(base), 0);
        CHECK_EQ(write(sv[1], "d", 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(rr.n, 3);
        event_free(t);
        event_free(w);
        event_free(rd);
        event_free(sg);
        event_base_free(base);
        _exit(0);
    }

    int status = 0;
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child failed: status 0x%x\n", status);
        return 1;
    }
    /* the child consumed its bytes; the parent's base still works on its own */
    CHECK_EQ(rr.n, 1);
    CHECK_EQ(write(sv[1], "q", 1), 1);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(rr.n, 2);
    CHECK_EQ(rr.c, 'q');
    CHECK_EQ(raise(SIGUSR1), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(rs.n, 1);

    event_free(rd);
    event_free(sg);
    event_base_free(base);
    return 0;
}
