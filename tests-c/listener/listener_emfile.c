/* listener_emfile: when accept() fails with EMFILE the error callback runs with errno EMFILE
   and the loop survives; once the program frees descriptors (here: from a timer after
   disabling the listener in the error callback, or directly in the error callback) queued
   connections are accepted. */
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static int fillers[4096];
static int nfillers;
static int naccepted, nerrors, err_errno, mode;
static struct event_base *base;
static struct event *reenable_ev;

static void fill_fds(void)
{
    nfillers = 0;
    for (;;) {
        int fd = dup(0);
        if (fd < 0) {
            CHECK_EQ(errno, EMFILE);
            break;
        }
        CHECK(nfillers < 4096);
        fillers[nfillers++] = fd;
    }
    CHECK(nfillers > 0);
}

static void release_fds(void)
{
    for (int i = 0; i < nfillers; i++)
        close(fillers[i]);
    nfillers = 0;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)lev; (void)sa; (void)socklen; (void)arg;
    naccepted++;
    close(fd);
    if (naccepted == 2)
        event_base_loopbreak(base);
}

static void reenable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    release_fds();
    CHECK_EQ(evconnlistener_enable(arg), 0);
}

static void error_cb(struct evconnlistener *lev, void *arg)
{
    (void)arg;
    nerrors++;
    err_errno = EVUTIL_SOCKET_ERROR();
    if (mode == 0) {
        /* the usual pattern: stop accepting, retry later */
        evconnlistener_disable(lev);
        struct timeval tv = {0, 20000};
        evtimer_add(reenable_ev, &tv);
    } else {
        /* free descriptors right away and keep the listener enabled */
        release_fds();
    }
}

static int client(int port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return c;
}

static void run(int m)
{
    mode = m;
    naccepted = nerrors = err_errno = 0;
    base = event_base_new();
    CHECK(base != NULL);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *lev = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    evconnlistener_set_error_cb(lev, error_cb);
    reenable_ev = evtimer_new(base, reenable, lev);
    struct sockaddr_in bound;
    socklen_t sl = sizeof(bound);
    CHECK_EQ(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&bound, &sl), 0);
    int c1 = client(ntohs(bound.sin_port));
    int c2 = client(ntohs(bound.sin_port));
    fill_fds();
    struct timeval limit = {5, 0};
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    release_fds();
    CHECK(nerrors >= 1);
    CHECK_EQ(err_errno, EMFILE);
    CHECK_EQ(naccepted, 2);
    close(c1);
    close(c2);
    event_free(reenable_ev);
    evconnlistener_free(lev);
    event_base_free(base);
}

int main(void)
{
    alarm(20);
    struct rlimit rl = {64, 64};
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &rl), 0);
    run(0);
    run(1);
    return 0;
}
