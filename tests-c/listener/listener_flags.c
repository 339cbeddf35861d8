/* listener_flags: LEV_OPT_DISABLED and evconnlistener_enable/disable; a listener without a
   callback does not accept until set_cb gives it one; evconnlistener_new on the program's own
   socket (backlog 0: already listening; negative: listen here) leaves the socket open on free
   without LEV_OPT_CLOSE_ON_FREE; new_bind refuses backlog 0; LEV_OPT_REUSEABLE_PORT lets two
   listeners share a port; LEV_OPT_DEFERRED_ACCEPT still delivers connections that send data. */
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

static int naccepted;
static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)lev; (void)sa; (void)socklen;
    if (arg)
        (*(int *)arg)++;
    naccepted++;
    close(fd);
}

static int port_of(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    CHECK_EQ(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    return ntohs(sin.sin_port);
}

static struct sockaddr_in loopback(int port)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    return sin;
}

static int client(int port)
{
    struct sockaddr_in sin = loopback(port);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(c >= 0);
    CHECK_EQ(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    return c;
}

/* run the loop until n connections were accepted in total (bounded) */
static void loop_until(struct event_base *base, int n)
{
    for (int i = 0; i < 200 && naccepted < n; i++) {
        struct timeval tv = {0, 10000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
    }
    CHECK_EQ(naccepted, n);
}

static void short_loop(struct event_base *base)
{
    struct timeval tv = {0, 50000};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

int main(void)
{
    alarm(20);
    struct event_base *base = event_base_new();
    CHECK(base != NULL);
    struct sockaddr_in sin = loopback(0);

    /* LEV_OPT_DISABLED: nothing accepted until enabled */
    struct evconnlistener *lev = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_DISABLED | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    int port = port_of(evconnlistener_get_fd(lev));
    int c1 = client(port);
    short_loop(base);
    CHECK_EQ(naccepted, 0);
    CHECK_EQ(evconnlistener_enable(lev), 0);
    loop_until(base, 1);
    /* disable: queued connections wait */
    CHECK_EQ(evconnlistener_disable(lev), 0);
    int c2 = client(port);
    short_loop(base);
    CHECK_EQ(naccepted, 1);
    CHECK_EQ(evconnlistener_enable(lev), 0);
    loop_until(base, 2);
    /* the callback set to NULL while watching: arriving connections are taken and closed */
    evconnlistener_set_cb(lev, NULL, NULL);
    int c3 = client(port);
    short_loop(base);
    CHECK_EQ(naccepted, 2);
    char ch;
    CHECK_EQ(read(c3, &ch, 1), 0);
    /* set_cb on a disabled listener does not enable it */
    evconnlistener_disable(lev);
    evconnlistener_set_cb(lev, accept_cb, NULL);
    int c4 = client(port);
    short_loop(base);
    CHECK_EQ(naccepted, 2);
    evconnlistener_enable(lev);
    loop_until(base, 3);
    evconnlistener_free(lev);
    close(c1); close(c2); close(c3); close(c4);

    /* created without a callback: enabled, but connections wait until set_cb gives one */
    lev = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
        (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    c1 = client(port_of(evconnlistener_get_fd(lev)));
    short_loop(base);
    CHECK_EQ(naccepted, 3);
    int counter = 0;
    evconnlistener_set_cb(lev, accept_cb, &counter);
    loop_until(base, 4);
    CHECK_EQ(counter, 1);
    evconnlistener_free(lev);
    close(c1);

    /* evconnlistener_new on our own socket: listen() there with a negative backlog */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s >= 0);
    evutil_make_socket_nonblocking(s);
    evutil_make_listen_socket_reuseable(s);
    CHECK_EQ(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
    lev = evconnlistener_new(base, accept_cb, NULL, 0, -1, s);
    CHECK(lev != NULL);
    CHECK_EQ(evconnlistener_get_fd(lev), s);
    c1 = client(port_of(s));
    loop_until(base, 5);
    evconnlistener_free(lev);
    CHECK(fcntl(s, F_GETFD) != -1); /* not closed without CLOSE_ON_FREE */
    /* already listening: backlog 0 leaves it as is */
    lev = evconnlistener_new(base, accept_cb, NULL, LEV_OPT_CLOSE_ON_FREE, 0, s);
    CHECK(lev != NULL);
    c2 = client(port_of(s));
    loop_until(base, 6);
    evconnlistener_free(lev);
    CHECK_EQ(fcntl(s, F_GETFD), -1);
    close(c1); close(c2);

    /* backlog 0 is refused by new_bind; a listen() failure makes new fail */
    CHECK(evconnlistener_new_bind(base, accept_cb, NULL, 0, 0, (struct sockaddr *)&sin, sizeof(sin)) == NULL);
    int dgram = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(evconnlistener_new(base, accept_cb, NULL, 0, 8, dgram) == NULL);
    close(dgram);

    /* REUSEABLE_PORT: a second listener on the same port */
    struct evconnlistener *a = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, 8, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(a != NULL);
    struct sockaddr_in same = loopback(port_of(evconnlistener_get_fd(a)));
    struct evconnlistener *b = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE_PORT, 8, (struct sockaddr *)&same, sizeof(same));
    CHECK(b != NULL);
    /* without the flag the port is taken */
    struct evconnlistener *x = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE, 8, (struct sockaddr *)&same, sizeof(same));
    CHECK(x == NULL);
    CHECK_EQ(errno, EADDRINUSE);
    c1 = client(ntohs(same.sin_port));
    loop_until(base, 7);
    evconnlistener_free(a);
    evconnlistener_free(b);
    close(c1);

    /* DEFERRED_ACCEPT: a client that sends data is delivered */
    a = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DEFERRED_ACCEPT, 8, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(a != NULL);
    c1 = client(port_of(evconnlistener_get_fd(a)));
    CHECK_EQ(write(c1, "hi", 2), 2);
    loop_until(base, 8);
    evconnlistener_free(a);
    close(c1);

    /* a listener whose fd is -1 never fires and frees cleanly */
    a = evconnlistener_new(base, accept_cb, NULL, 0, 0, -1);
    CHECK(a != NULL);
    CHECK_EQ(evconnlistener_get_fd(a), -1);
    CHECK_EQ(event_base_loop(base, EVLOOP_NONBLOCK), 0);
    evconnlistener_free(a);

    event_base_free(base);
    return 0;
}
