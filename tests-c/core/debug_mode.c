/* debug_mode: event_enable_debug_mode first; misuse (copied events, re-assigning or unassigning
   added events, blocking sockets, enabling twice/too late) logs an EVENT_LOG_ERR message and
   calls the fatal callback; mixing ET and non-ET on one fd fails with a warning; normal use works.
   Each fatal scenario runs in a forked child. */
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

#define ERR_ABORT ((int)0xdeaddead)   /* libevent's EVENT_ERR_ABORT_ */

static int nerr, nwarn;
static char lasterr[512], lastwarn[512];
static const char *want_substr;
static int want_code;

static void log_cb(int severity, const char *msg)
{
    if (severity == EVENT_LOG_ERR) {
        nerr++;
        snprintf(lasterr, sizeof(lasterr), "%s", msg);
    } else if (severity == EVENT_LOG_WARN) {
        nwarn++;
        snprintf(lastwarn, sizeof(lastwarn), "%s", msg);
    }
}

static void fatal_cb(int err)
{
    if (nerr != 1) {
        fprintf(stderr, "fatal callback: expected one EVENT_LOG_ERR message, got %d\n", nerr);
        _exit(43);
    }
    if (err != want_code) {
        fprintf(stderr, "fatal callback: code 0x%x, expected 0x%x (msg: %s)\n", err, want_code, lasterr);
        _exit(43);
    }
    if (want_substr && !strstr(lasterr, want_substr)) {
        fprintf(stderr, "fatal callback: message '%s' lacks '%s'\n", lasterr, want_substr);
        _exit(43);
    }
    _exit(42);
}

static void returning_fatal_cb(int err)
{
    (void)err;   /* returns: libevent then exits with the error code */
}

static void nop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
}

static int sv[2];
static struct event_base *base;

/* runs the statements in a child; expects them to end in the fatal callback (exit 42) */
#define EXPECT_FATAL(substr, code, ...) do { \
    fflush(stdout); fflush(stderr); \
    pid_t pid_ = fork(); CHECK(pid_ >= 0); \
    if (pid_ == 0) { alarm(10); want_substr = (substr); want_code = (code); nerr = 0; \
        __VA_ARGS__; \
        fprintf(stderr, "%s:%d: fatal callback was not called\n", __FILE__, __LINE__); _exit(44); } \
    int st_; CHECK_EQ(waitpid(pid_, &st_, 0), pid_); \
    if (!WIFEXITED(st_) || WEXITSTATUS(st_) != 42) { \
        fprintf(stderr, "%s:%d: scenario failed, status 0x%x\n", __FILE__, __LINE__, st_); exit(1); } \
} while (0)

struct event_base *child_base; /* not static: the store must stay */

int main(void)
{
    alarm(20);

    /* (before anything else in this process: a child that enables debug mode too late) */
    {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            event_set_log_callback(log_cb);
            event_set_fatal_callback(fatal_cb);
            /* Kept in a global: the fatal callback ends the child with it alive (valgrind's
               leak check must not count it as lost). */
            child_base = event_base_new();
            want_substr = "before";
            want_code = 1;
            event_enable_debug_mode();
            _exit(44);
        }
        int st;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), 42);
    }

    event_enable_debug_mode();
    event_set_log_callback(log_cb);
    event_set_fatal_callback(fatal_cb);

    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    /* debug mode insists on non-blocking sockets */
    CHECK_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
    base = event_base_new();
    CHECK(base != NULL);

    /* 1. a copied struct event is unknown to the debug map */
    EXPECT_FATAL("non-initialized", ERR_ABORT, {
        struct event e1, e2;
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL), 0);
        memcpy(&e2, &e1, sizeof(e2));
        event_add(&e2, NULL);
    });
    EXPECT_FATAL("non-initialized", ERR_ABORT, {
        struct event e1, e2;
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL), 0);
        memcpy(&e2, &e1, sizeof(e2));
        event_pending(&e2, EV_READ, NULL);
    });
    EXPECT_FATAL("non-setup", ERR_ABORT, {
        struct event e1, e2;
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL), 0);
        memcpy(&e2, &e1, sizeof(e2));
        event_del(&e2);
    });

    /* 2. re-assigning an added event */
    EXPECT_FATAL("already added", ERR_ABORT, {
        struct event e1;
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL), 0);
        CHECK_EQ(event_add(&e1, NULL), 0);
        event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL);
    });

    /* 3. event_debug_unassign: then adding it is fatal; unassigning an added event is fatal */
    EXPECT_FATAL("non-initialized", ERR_ABORT, {
        struct event e1;
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL), 0);
        event_debug_unassign(&e1);
        CHECK_EQ(e1.ev_evcallback.evcb_flags & 0x80, 0);  /* EVLIST_INIT cleared */
        CHECK(!event_initialized(&e1));
        event_add(&e1, NULL);
    });
    EXPECT_FATAL("already added", ERR_ABORT, {
        struct event e1;
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL), 0);
        CHECK_EQ(event_add(&e1, NULL), 0);
        event_debug_unassign(&e1);
    });

    /* 4. a blocking socket */
    EXPECT_FATAL(NULL, ERR_ABORT, {
        struct event e1;
        event_assign(&e1, base, sv[1], EV_READ, nop_cb, NULL);
    });

    /* 5. enabling twice */
    EXPECT_FATAL("twice", 1, { event_enable_debug_mode(); });

    /* 6. a fatal callback that returns: the process exits with the error code */
    {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            event_set_fatal_callback(returning_fatal_cb);
            event_enable_debug_mode();   /* errx(1, "... called twice!") */
            _exit(44);
        }
        int st;
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), 1);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            event_set_fatal_callback(returning_fatal_cb);
            struct event e1, e2;
            event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL);
            memcpy(&e2, &e1, sizeof(e2));
            event_add(&e2, NULL);
            _exit(44);
        }
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFEXITED(st));
        CHECK_EQ(WEXITSTATUS(st), ERR_ABORT & 0xff);
        /* no fatal callback at all: abort() */
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            event_set_fatal_callback(NULL);
            struct event e1, e2;
            event_assign(&e1, base, sv[0], EV_READ, nop_cb, NULL);
            memcpy(&e2, &e1, sizeof(e2));
            event_add(&e2, NULL);
            _exit(44);
        }
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        CHECK(WIFSIGNALED(st));
        CHECK_EQ(WTERMSIG(st), SIGABRT);
    }

    /* 7. mixing edge- and level-triggered events on one fd: -1 and a warning, not fatal */
    {
        struct event *et = event_new(base, sv[0], EV_READ | EV_ET | EV_PERSIST, nop_cb, NULL);
        struct event *lt = event_new(base, sv[0], EV_WRITE | EV_PERSIST, nop_cb, NULL);
        CHECK_EQ(event_add(et, NULL), 0);
        nwarn = 0;
        CHECK_EQ(event_add(lt, NULL), -1);
        CHECK_EQ(nwarn, 1);
        CHECK(strstr(lastwarn, "edge-triggered") != NULL);
        CHECK_EQ(event_pending(lt, EV_WRITE, NULL), 0);
        event_free(lt);
        event_free(et);
    }

    /* 8. ordinary use is fine in debug mode */
    nerr = 0;
    {
        struct event e1;
        int n = 0;
        CHECK_EQ(event_assign(&e1, base, -1, 0, nop_cb, &n), 0);
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, &n), 0);  /* re-assign, not added */
        CHECK_EQ(event_add(&e1, NULL), 0);
        CHECK_EQ(event_del(&e1), 0);
        event_debug_unassign(&e1);
        CHECK_EQ(event_assign(&e1, base, sv[0], EV_READ, nop_cb, &n), 0);
        CHECK_EQ(event_add(&e1, NULL), 0);
        CHECK_EQ(write(sv[1], "x", 1), 1);
        CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
        CHECK_EQ(event_pending(&e1, EV_READ, NULL), 0);
        struct event *t = evtimer_new(base, nop_cb, NULL);
        struct timeval tv = { 0, 1000 };
        CHECK_EQ(evtimer_add(t, &tv), 0);
        CHECK_EQ(event_base_dispatch(base), 1);
        event_free(t);
        struct event *f = event_new(base, -1, 0, nop_cb, NULL);
        CHECK_EQ(event_add(f, &tv), 0);
        event_free(f);   /* freeing an added event is fine */
        struct event *s = evsignal_new(base, SIGUSR1, nop_cb, NULL);   /* signals need no O_NONBLOCK */
        CHECK_EQ(event_add(s, NULL), 0);
        event_free(s);
    }
    CHECK_EQ(nerr, 0);

    event_base_free(base);
    close(sv[0]); close(sv[1]);
    return 0;
}
