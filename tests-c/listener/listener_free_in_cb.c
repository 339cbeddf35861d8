/* listener_free_in_cb: the program may free the listener from inside its accept callback
   (no further connections are taken, nothing touches the freed listener) and from inside its
   error callback; disabling from the accept callback stops the accept loop. */
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

static int naccepted, nerrors, lfd;

static void free_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)sa; (void)socklen; (void)arg;
    naccepted++;
    close(fd);
    evconnlistener_free(lev);
}

static void disable_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)sa; (void)socklen; (void)arg;
    naccepted++;
    close(fd);
    evconnlistener_disable(lev);
}

static void error_cb(struct evconnlistener *lev, void *arg)
{
    (void)arg;
    nerrors++;
    evconnlistener_free(lev);
}

static int port_of(int fd)
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

static struct evconnlistener *make(struct event_base *base, evconnlistener_cb cb)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *lev = evconnlistener_new_bind(base, cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    lfd = evconnlistener_get_fd(lev);
    return lev;
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);

    /* free from the accept callback with three connections queued: exactly one accepted */
    make(base, free_cb);
    int port = port_of(lfd);
    int c[3];
    for (int i = 0; i < 3; i++)
        c[i] = client(port);
    CHECK_EQ(event_base_dispatch(base), 1); /* the listener is gone: the loop runs dry */
    CHECK_EQ(naccepted, 1);
    CHECK_EQ(fcntl(lfd, F_GETFD), -1);
    for (int i = 0; i < 3; i++)
        close(c[i]);

    /* disable from the accept callback: the rest stay queued */
    naccepted = 0;
    struct evconnlistener *lev = make(base, disable_cb);
    port = port_of(lfd);
    for (int i = 0; i < 3; i++)
        c[i] = client(port);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(naccepted, 1);
    CHECK_EQ(evconnlistener_enable(lev), 0);
    CHECK_EQ(event_base_loop(base, EVLOOP_ONCE), 0);
    CHECK_EQ(naccepted, 2);
    evconnlistener_free(lev);
    for (int i = 0; i < 3; i++)
        close(c[i]);

    /* error callback frees: accept() on a socket that is not listening fails with EINVAL;
       epoll/poll/select report such a socket readable (hung up) */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    evutil_make_socket_nonblocking(s);
    lev = evconnlistener_new(base, free_cb, NULL, LEV_OPT_CLOSE_ON_FREE, 0, s);
    CHECK(lev != NULL);
    evconnlistener_set_error_cb(lev, error_cb);
    CHECK_EQ(event_base_dispatch(base), 1);
    CHECK_EQ(nerrors, 1);
    CHECK_EQ(fcntl(s, F_GETFD), -1);

    event_base_free(base);
    return 0;
}
