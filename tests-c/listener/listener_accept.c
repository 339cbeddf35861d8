/* listener_accept: evconnlistener_new_bind on loopback accepts every queued connection in one
   readiness, hands over the peer address, and makes accepted sockets non-blocking unless
   LEV_OPT_LEAVE_SOCKETS_BLOCKING, close-on-exec only with LEV_OPT_CLOSE_ON_EXEC. get_fd /
   get_base answer; LEV_OPT_CLOSE_ON_FREE closes the listening socket on free. */
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

struct state {
    struct event_base *base;
    int n;
    int fds[8];
    int port_seen[8];
    int family_ok;
    int len_ok;
    struct evconnlistener *lev_seen;
    void *arg_seen;
};

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    struct state *st = arg;
    CHECK(st->n < 8);
    st->fds[st->n] = fd;
    struct sockaddr_in *sin = (struct sockaddr_in *)sa;
    st->family_ok += sa->sa_family == AF_INET && sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    st->len_ok += socklen == (int)sizeof(struct sockaddr_in);
    st->port_seen[st->n] = ntohs(sin->sin_port);
    st->lev_seen = lev;
    st->arg_seen = arg;
    st->n++;
}

static int bound_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    CHECK_EQ(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    return ntohs(sin.sin_port);
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

static void run(unsigned flags)
{
    struct state st;
    memset(&st, 0, sizeof(st));
    st.base = event_base_new();
    CHECK(st.base != NULL);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *lev = evconnlistener_new_bind(st.base, accept_cb, &st,
        flags | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    CHECK(evconnlistener_get_base(lev) == st.base);
    int lfd = evconnlistener_get_fd(lev);
    CHECK(lfd >= 0);
    /* the listening socket itself is non-blocking */
    CHECK(fcntl(lfd, F_GETFL) & O_NONBLOCK);
    CHECK_EQ(!!(fcntl(lfd, F_GETFD) & FD_CLOEXEC), !!(flags & LEV_OPT_CLOSE_ON_EXEC));
    int port = bound_port(lfd);
    CHECK(port > 0);

    int c[3];
    for (int i = 0; i < 3; i++)
        c[i] = client(port);
    /* every queued connection is accepted in the first pass */
    CHECK_EQ(event_base_loop(st.base, EVLOOP_ONCE), 0);
    CHECK_EQ(st.n, 3);
    CHECK_EQ(st.family_ok, 3);
    CHECK_EQ(st.len_ok, 3);
    CHECK(st.lev_seen == lev);
    CHECK(st.arg_seen == &st);
    for (int i = 0; i < 3; i++) {
        int fl = fcntl(st.fds[i], F_GETFL);
        CHECK(fl >= 0);
        CHECK_EQ(!!(fl & O_NONBLOCK), !(flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING));
        CHECK_EQ(!!(fcntl(st.fds[i], F_GETFD) & FD_CLOEXEC), !!(flags & LEV_OPT_CLOSE_ON_EXEC));
        /* the reported port is the client's */
        CHECK_EQ(st.port_seen[i], bound_port(c[i]));
        /* the accepted socket talks to its client */
        CHECK_EQ(write(c[i], "x", 1), 1);
        char ch;
        struct timeval tv = {2, 0};
        setsockopt(st.fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        int r;
        do {
            r = read(st.fds[i], &ch, 1);
        } while (r < 0 && errno == EAGAIN);
        CHECK_EQ(r, 1);
        close(st.fds[i]);
        close(c[i]);
    }
    /* the listener is still there: nothing pending, loop NONBLOCK returns 0 */
    CHECK_EQ(event_base_loop(st.base, EVLOOP_NONBLOCK), 0);
    evconnlistener_free(lev);
    CHECK_EQ(fcntl(lfd, F_GETFD), -1); /* CLOSE_ON_FREE */
    /* nothing left: the loop has no events */
    CHECK_EQ(event_base_loop(st.base, 0), 1);
    event_base_free(st.base);
}

int main(void)
{
    alarm(20);
    run(0);
    run(LEV_OPT_LEAVE_SOCKETS_BLOCKING);
    run(LEV_OPT_CLOSE_ON_EXEC);
    run(LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_LEAVE_SOCKETS_BLOCKING);
    return 0;
}
