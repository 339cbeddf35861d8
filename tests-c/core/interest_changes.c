/* interest_changes: an fd's interest may change many times between two dispatches (deleted and
   re-added, one-shot events re-added from their callback, fds closed and their numbers reused,
   dup'd fds, a fork): whatever the backend does with the changes, each dispatch must see
   exactly the events that are added then, on the files their fds name then. Run in default
   mode and with EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST (dup'd fds only in default mode: libevent
   documents them as unsafe with the changelist). */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

struct rec { int n; short what; int readit; int readd; struct event *self; };

static void rec_cb(evutil_socket_t fd, short what, void *arg)
{
    struct rec *r = arg;
    char c;
    r->n++;
    r->what = what;
    if (r->readit)
        CHECK_EQ(read(fd, &c, 1), 1);
    if (r->readd)
        CHECK_EQ(event_add(r->self, NULL), 0);
}

/* One non-blocking pass; 0 whether or not any event was left to wait for (1). */
static int once(struct event_base *base)
{
    int r = event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    return r == 1 ? 0 : r;
}

static struct event_base *new_base(int changelist)
{
    struct event_config *cfg = event_config_new();
    CHECK(cfg != NULL);
    if (changelist)
        CHECK_EQ(event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST), 0);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    CHECK(base != NULL);
    return base;
}

/* Deleted and re-added (same struct, and reassigned) before the next dispatch: still watched. */
static void del_readd(int changelist)
{
    struct event_base *base = new_base(changelist);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct rec r = {0};
    r.readit = 1;
    struct event ev;
    CHECK_EQ(event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r), 0);
    CHECK_EQ(event_add(&ev, NULL), 0);
    CHECK_EQ(once(base), 0);
    for (int round = 0; round < 4; round++) {
        CHECK_EQ(event_del(&ev), 0);
        if (round & 1)
            CHECK_EQ(event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r), 0);
        CHECK_EQ(event_add(&ev, NULL), 0);
        CHECK_EQ(write(sv[1], "x", 1), 1);
        CHECK_EQ(once(base), 0);
        CHECK_EQ(r.n, round + 1);
        CHECK_EQ(r.what, EV_READ);
    }
    /* deleted and not re-added: never reported again, even with data waiting */
    CHECK_EQ(event_del(&ev), 0);
    CHECK_EQ(write(sv[1], "y", 1), 1);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(r.n, 4);
    /* a write interest added and deleted before a dispatch does not fire */
    struct rec w = {0};
    struct event *wev = event_new(base, sv[0], EV_WRITE | EV_PERSIST, rec_cb, &w);
    CHECK_EQ(event_add(wev, NULL), 0);
    CHECK_EQ(event_del(wev), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(w.n, 0);
    /* then re-added: fires (the socket is writable) */
    CHECK_EQ(event_add(wev, NULL), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(w.n, 1);
    event_free(wev);
    event_base_free(base);
    close(sv[0]);
    close(sv[1]);
}

/* A one-shot event re-added from its own callback keeps firing while data is there; an
   edge-triggered one re-added from its callback is re-armed as by a delete and add. */
static void oneshot_readd(int changelist)
{
    struct event_base *base = new_base(changelist);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct rec r = {0};
    r.readd = 1;
    r.readit = 1;
    struct event *ev = event_new(base, sv[0], EV_READ, rec_cb, &r);
    r.self = ev;
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(write(sv[1], "abc", 3), 3);
    for (int i = 1; i <= 3; i++) {
        CHECK_EQ(once(base), 0);
        CHECK_EQ(r.n, i);
    }
    CHECK_EQ(once(base), 0);
    CHECK_EQ(r.n, 3);             /* drained: nothing more */
    CHECK_EQ(write(sv[1], "d", 1), 1);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(r.n, 4);
    event_free(ev);

    if (event_base_get_features(base) & EV_FEATURE_ET) {
        struct rec e = {0};
        e.readd = 1;
        e.readit = 1;
        ev = event_new(base, sv[0], EV_READ | EV_ET, rec_cb, &e);
        e.self = ev;
        CHECK_EQ(event_add(ev, NULL), 0);
        CHECK_EQ(write(sv[1], "xyz", 3), 3);
        /* one byte read per call; each re-add re-arms, so the rest is reported again */
        for (int i = 1; i <= 3; i++) {
            CHECK_EQ(once(base), 0);
            CHECK_EQ(e.n, i);
            CHECK_EQ(e.what, EV_READ | EV_ET);
        }
        CHECK_EQ(once(base), 0);
        CHECK_EQ(e.n, 3);
        event_free(ev);
    }
    event_base_free(base);
    close(sv[0]);
    close(sv[1]);
}

/* An fd deleted, closed and its number reused by another socket before the next dispatch:
   the new socket is the one watched (reassigned event, new event, the same event re-added as
   it is). */
static void close_reuse(int changelist)
{
    struct event_base *base = new_base(changelist);
    for (int variant = 0; variant < 4; variant++) {
        int sv[2], sw[2];
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        struct rec r = {0};
        r.readit = 1;
        struct event ev;
        CHECK_EQ(event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r), 0);
        CHECK_EQ(event_add(&ev, NULL), 0);
        CHECK_EQ(once(base), 0);
        if (variant == 2) {
            /* the old socket's event fired and was deleted in a dispatch before the close */
            CHECK_EQ(write(sv[1], "o", 1), 1);
            CHECK_EQ(once(base), 0);
            CHECK_EQ(r.n, 1);
            r.n = 0;
        }
        CHECK_EQ(event_del(&ev), 0);
        if (variant == 2)
            CHECK_EQ(once(base), 0);
        int old = sv[0];
        CHECK_EQ(close(sv[0]), 0);
        CHECK_EQ(close(sv[1]), 0);
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
        if (sw[0] != old) {     /* the lowest free number is normally the old one */
            int d = dup2(sw[0], old);
            CHECK_EQ(d, old);
            close(sw[0]);
            sw[0] = old;
        }
        struct rec q = {0};
        q.readit = 1;
        struct event *nev = NULL;
        if (variant == 3) {
            /* the same event re-added without event_assign: its fd number is the same */
            r.n = 0;
            CHECK_EQ(event_add(&ev, NULL), 0);
        } else if (variant == 1) {
            nev = event_new(base, sw[0], EV_READ | EV_PERSIST, rec_cb, &q);
            CHECK_EQ(event_add(nev, NULL), 0);
        } else {
            CHECK_EQ(event_assign(&ev, base, sw[0], EV_READ | EV_PERSIST, rec_cb, &q), 0);
            CHECK_EQ(event_add(&ev, NULL), 0);
        }
        CHECK_EQ(write(sw[1], "n", 1), 1);
        CHECK_EQ(once(base), 0);
        struct rec *got = variant == 3 ? &r : &q;
        CHECK_EQ(got->n, 1);
        CHECK_EQ(got->what, EV_READ);
        if (variant != 3)
            CHECK_EQ(r.n, 0);
        if (nev)
            event_free(nev);
        else
            CHECK_EQ(event_del(&ev), 0);
        close(sw[0]);
        close(sw[1]);
    }
    event_base_free(base);
}

/* A number reused by a regular file: event_add reports epoll's refusal, as libevent does. */
static void reuse_by_file(int changelist)
{
    struct event_base *base = new_base(changelist);
    if (strcmp(event_base_get_method(base), "epoll") != 0 || changelist) {
        event_base_free(base);
        return;
    }
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct rec r = {0};
    struct event ev;
    CHECK_EQ(event_assign(&ev, base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r), 0);
    CHECK_EQ(event_add(&ev, NULL), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(event_del(&ev), 0);
    int old = sv[0];
    close(sv[0]);
    int f = open("/dev/null", O_RDONLY);
    CHECK(f >= 0);
    if (f != old) {
        CHECK_EQ(dup2(f, old), old);
        close(f);
    }
    CHECK_EQ(event_assign(&ev, base, old, EV_READ | EV_PERSIST, rec_cb, &r), 0);
    CHECK_EQ(event_add(&ev, NULL), -1);
    close(old);
    close(sv[1]);
    event_base_free(base);
}

/* Two numbers for one socket (dup): events on each are independent; deleting and closing one
   number while the other stays open leaves the other watched and the closed one silent. */
static void dup_fds(void)
{
    struct event_base *base = new_base(0);
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int d = dup(sv[0]);
    CHECK(d >= 0);
    struct rec a = {0}, b = {0};
    struct event *ea = event_new(base, sv[0], EV_READ | EV_PERSIST, rec_cb, &a);
    struct event *eb = event_new(base, d, EV_READ | EV_PERSIST, rec_cb, &b);
    CHECK_EQ(event_add(ea, NULL), 0);
    CHECK_EQ(event_add(eb, NULL), 0);
    CHECK_EQ(write(sv[1], "x", 1), 1);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(a.n, 1);
    CHECK_EQ(b.n, 1);
    /* delete and close one number; the data stays unread, so the socket stays readable */
    CHECK_EQ(event_del(ea), 0);
    int closed = sv[0];
    CHECK_EQ(close(sv[0]), 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(once(base), 0);
    CHECK_EQ(a.n, 1);
    CHECK_EQ(b.n, 6);
    /* the library took no descriptor meanwhile: the closed number is still free (a program
       may mean to dup2 onto it, as libevent's own dup_fd test does) */
    CHECK_EQ(fcntl(closed, F_GETFD), -1);
    /* the number reused by a new socket: its event sees that socket only */
    int sw[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
    int num = sw[0];
    struct rec c = {0};
    c.readit = 1;
    struct event *ec = event_new(base, num, EV_READ | EV_PERSIST, rec_cb, &c);
    CHECK_EQ(event_add(ec, NULL), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(c.n, 0);
    CHECK_EQ(b.n, 7);
    CHECK_EQ(write(sw[1], "y", 1), 1);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(c.n, 1);
    CHECK_EQ(b.n, 8);
    /* the dup drained and deleted: nothing fires any more */
    char ch;
    CHECK_EQ(read(d, &ch, 1), 1);
    CHECK_EQ(event_del(eb), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(b.n, 8);
    CHECK_EQ(c.n, 1);
    event_free(ea);
    event_free(eb);
    event_free(ec);
    close(d);
    close(sv[1]);
    close(sw[0]);
    close(sw[1]);
    event_base_free(base);
}

/* fork with interest changes pending and a deleted fd: the child's event_reinit watches
   exactly what is added; the parent is unaffected. */
static void fork_pending(int changelist)
{
    struct event_base *base = new_base(changelist);
    int sv[2], sw[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sw), 0);
    struct rec r = {0}, q = {0};
    r.readit = 1;
    struct event *ev = event_new(base, sv[0], EV_READ | EV_PERSIST, rec_cb, &r);
    struct event *gone = event_new(base, sw[0], EV_READ | EV_PERSIST, rec_cb, &q);
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(event_add(gone, NULL), 0);
    CHECK_EQ(once(base), 0);
    /* pending: ev deleted and re-added, gone deleted */
    CHECK_EQ(event_del(ev), 0);
    CHECK_EQ(event_add(ev, NULL), 0);
    CHECK_EQ(event_del(gone), 0);
    CHECK_EQ(write(sw[1], "g", 1), 1);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(10);
        if (event_reinit(base) != 0)
            _exit(2);
        if (write(sv[1], "c", 1) != 1)
            _exit(3);
        if (once(base) != 0 || r.n != 1 || q.n != 0)
            _exit(4);
        if (once(base) != 0 || r.n != 1 || q.n != 0)
            _exit(5);
        /* The child's copies, freed so that a leak checker following the fork sees none. */
        event_free(gone);
        event_free(ev);
        event_base_free(base);
        _exit(0);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
    /* the child read the byte it wrote; the parent's base still works and gone stays silent */
    CHECK_EQ(write(sv[1], "p", 1), 1);
    CHECK_EQ(once(base), 0);
    CHECK_EQ(r.n, 1);
    CHECK_EQ(q.n, 0);
    event_free(ev);
    event_free(gone);
    event_base_free(base);
    close(sv[0]);
    close(sv[1]);
    close(sw[0]);
    close(sw[1]);
}

int main(void)
{
    alarm(30);
    for (int changelist = 0; changelist < 2; changelist++) {
        del_readd(changelist);
        oneshot_readd(changelist);
        close_reuse(changelist);
        reuse_by_file(changelist);
        fork_pending(changelist);
    }
    dup_fds();
    return 0;
}
