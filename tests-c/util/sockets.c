/* util sockets: evutil_socketpair, make_socket_nonblocking / closeonexec (with libevent's
   warnings on bad fds), the listen-socket options (SO_REUSEADDR, SO_REUSEPORT, IPV6_V6ONLY,
   TCP_DEFER_ACCEPT), evutil_closesocket, and the internal evutil_make_internal_pipe_ and
   evutil_socket_connect_ (1 connected / 0 in progress / 2 refused / -1 error). */
/* BACKENDS: epoll */
#include <event2/event.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

int evutil_make_internal_pipe_(evutil_socket_t fd[2]);
int evutil_socket_connect_(evutil_socket_t *fd_ptr, const struct sockaddr *sa, int socklen);

static int nwarn;
static char lastwarn[256];
static void log_cb(int severity, const char *msg)
{
    if (severity == EVENT_LOG_WARN) {
        nwarn++;
        snprintf(lastwarn, sizeof(lastwarn), "%s", msg);
    }
}

static int getint(int fd, int level, int name)
{
    int v = -1;
    socklen_t len = sizeof(v);
    CHECK_EQ(getsockopt(fd, level, name, &v, &len), 0);
    return v;
}

static int is_nonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }
static int is_cloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

int main(void)
{
    alarm(20);
    event_set_log_callback(log_cb);
    int sv[2] = {-1, -1};
    char c;

    /* --- socketpair --- */
    CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    CHECK(sv[0] >= 0 && sv[1] >= 0);
    CHECK(!is_nonblocking(sv[0]) && !is_cloexec(sv[0]));
    CHECK_EQ(write(sv[0], "x", 1), 1);
    CHECK_EQ(read(sv[1], &c, 1), 1);
    CHECK_EQ(c, 'x');

    /* --- nonblocking / closeonexec (idempotent) --- */
    CHECK_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
    CHECK(is_nonblocking(sv[0]));
    CHECK_EQ(evutil_make_socket_nonblocking(sv[0]), 0);
    CHECK(is_nonblocking(sv[0]));
    CHECK_EQ(read(sv[0], &c, 1), -1);
    CHECK_EQ(errno, EAGAIN);
    CHECK_EQ(evutil_make_socket_closeonexec(sv[0]), 0);
    CHECK(is_cloexec(sv[0]));
    CHECK_EQ(evutil_make_socket_closeonexec(sv[0]), 0);
    CHECK(!is_cloexec(sv[1]));
    CHECK_EQ(nwarn, 0);

    /* --- closesocket --- */
    CHECK_EQ(evutil_closesocket(sv[0]), 0);
    CHECK_EQ(read(sv[1], &c, 1), 0);             /* peer sees EOF */
    CHECK_EQ(evutil_closesocket(sv[1]), 0);
    CHECK_EQ(evutil_closesocket(sv[1]), -1);
    CHECK_EQ(errno, EBADF);

    /* --- bad fds: -1 and a warning naming the call --- */
    CHECK_EQ(evutil_make_socket_nonblocking(-1), -1);
    CHECK_EQ(nwarn, 1);
    CHECK_STR(lastwarn, "fcntl(-1, F_GETFL): Bad file descriptor");
    CHECK_EQ(evutil_make_socket_closeonexec(-1), -1);
    CHECK_EQ(nwarn, 2);
    CHECK_STR(lastwarn, "fcntl(-1, F_GETFD): Bad file descriptor");
    CHECK_EQ(evutil_make_listen_socket_reuseable(-1), -1);
    CHECK_EQ(errno, EBADF);
    CHECK_EQ(evutil_make_listen_socket_reuseable_port(-1), -1);
    CHECK_EQ(evutil_make_listen_socket_ipv6only(-1), -1);
    CHECK_EQ(evutil_make_tcp_listen_socket_deferred(-1), -1);
    CHECK_EQ(evutil_socketpair(AF_INET, SOCK_STREAM, 0, sv), -1);
    CHECK_EQ(nwarn, 2);                         /* setsockopt helpers do not log */

    /* --- listen-socket options --- */
    {
        int s4 = socket(AF_INET, SOCK_STREAM, 0), s6 = socket(AF_INET6, SOCK_STREAM, 0);
        CHECK(s4 >= 0);
        CHECK_EQ(getint(s4, SOL_SOCKET, SO_REUSEADDR), 0);
        CHECK_EQ(evutil_make_listen_socket_reuseable(s4), 0);
        CHECK(getint(s4, SOL_SOCKET, SO_REUSEADDR) != 0);
        CHECK_EQ(evutil_make_listen_socket_reuseable_port(s4), 0);
        CHECK(getint(s4, SOL_SOCKET, SO_REUSEPORT) != 0);
        CHECK_EQ(evutil_make_tcp_listen_socket_deferred(s4), 0);
        CHECK(getint(s4, IPPROTO_TCP, TCP_DEFER_ACCEPT) > 0);
        CHECK_EQ(evutil_make_listen_socket_ipv6only(s4), -1);  /* not an IPv6 socket */
        CHECK_EQ(errno, ENOPROTOOPT);
        if (s6 >= 0) {
            CHECK_EQ(evutil_make_listen_socket_ipv6only(s6), 0);
            CHECK(getint(s6, IPPROTO_IPV6, IPV6_V6ONLY) != 0);
            close(s6);
        }
        close(s4);
        int u = socket(AF_UNIX, SOCK_STREAM, 0);
        CHECK_EQ(evutil_make_tcp_listen_socket_deferred(u), -1);
        close(u);
    }

    /* --- internal pipe: nonblocking, close-on-exec, one-way data --- */
    {
        int p[2] = {-1, -1};
        CHECK_EQ(evutil_make_internal_pipe_(p), 0);
        CHECK(p[0] >= 0 && p[1] >= 0);
        CHECK(is_nonblocking(p[0]) && is_nonblocking(p[1]));
        CHECK(is_cloexec(p[0]) && is_cloexec(p[1]));
        CHECK_EQ(read(p[0], &c, 1), -1);
        CHECK_EQ(errno, EAGAIN);
        CHECK_EQ(write(p[1], "y", 1), 1);
        CHECK_EQ(read(p[0], &c, 1), 1);
        CHECK_EQ(c, 'y');
        close(p[0]);
        close(p[1]);
    }

    /* --- socket_connect_ --- */
    {
        struct sockaddr_in sin;
        socklen_t len = sizeof(sin);
        int l = socket(AF_INET, SOCK_STREAM, 0), fd = -1, r;
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK_EQ(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
        CHECK_EQ(listen(l, 8), 0);
        CHECK_EQ(getsockname(l, (struct sockaddr *)&sin, &len), 0);
        /* fd < 0: a nonblocking socket is made for us */
        r = evutil_socket_connect_(&fd, (struct sockaddr *)&sin, sizeof(sin));
        CHECK(r == 0 || r == 1);
        CHECK(fd >= 0);
        CHECK(is_nonblocking(fd));
        struct pollfd pfd = {fd, POLLOUT, 0};
        CHECK_EQ(poll(&pfd, 1, 5000), 1);
        int a = accept(l, NULL, NULL);
        CHECK(a >= 0);
        close(a);
        close(fd);
        /* an existing (blocking) socket is used as given */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        int given = fd;
        CHECK_EQ(evutil_socket_connect_(&fd, (struct sockaddr *)&sin, sizeof(sin)), 1);
        CHECK_EQ(fd, given);
        close(fd);
        a = accept(l, NULL, NULL);
        close(a);
        /* nobody listening: refused (immediately on loopback) or pending */
        close(l);
        fd = -1;
        r = evutil_socket_connect_(&fd, (struct sockaddr *)&sin, sizeof(sin));
        CHECK(r == 2 || r == 0);
        CHECK(fd >= 0);
        close(fd);
        /* other errors: -1, and a socket made here is closed again */
        fd = -1;
        CHECK_EQ(evutil_socket_connect_(&fd, (struct sockaddr *)&sin, 3), -1);
        CHECK_EQ(fd, -1);
        struct sockaddr_un sun;
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        strcpy(sun.sun_path, "/nonexistent/evutil-test-socket");
        fd = -1;
        CHECK_EQ(evutil_socket_connect_(&fd, (struct sockaddr *)&sun, sizeof(sun)), -1);
        CHECK_EQ(fd, -1);
        /* a given socket stays open on error */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        given = fd;
        CHECK_EQ(evutil_socket_connect_(&fd, (struct sockaddr *)&sin, 3), -1);
        CHECK_EQ(fd, given);
        CHECK(fcntl(fd, F_GETFD) >= 0);
        close(fd);
    }
    CHECK_EQ(nwarn, 2);
    return 0;
}
