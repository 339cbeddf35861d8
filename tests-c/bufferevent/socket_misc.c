/* socket_misc: the socket bufferevent calls the other cases leave out.
   - bufferevent_socket_connect_hostname with "127.0.0.1" and no evdns base resolves, connects
     and reports BEV_EVENT_CONNECTED; bufferevent_socket_get_dns_error is then 0; an address
     family other than AF_INET/AF_INET6/AF_UNSPEC is refused at once with -1. Other kinds
     answer get_dns_error too (0), and a pair refuses bufferevent_socket_connect.
   - bufferevent_setfd gives a bufferevent made with fd -1 its socket (reading starts if it was
     enabled), and a second setfd moves it to another socket: data on the old one is ignored.
   - bufferevent_disable(EV_READ) stops read callbacks while data waits; enable resumes them.
   - bufferevent_read_buffer moves the whole input into another evbuffer.
   - bufferevent_flush on a socket bufferevent is accepted and does nothing (0).
   - bufferevent_free from inside its own read callback, write callback and event callback, with
     BEV_OPT_CLOSE_ON_FREE: each is safe, and the peer then sees end of file (the fd is closed
     once the loop runs the finalizer).
   - A write to a peer that has gone raises SIGPIPE, as in libevent (it writes with writev, no
     MSG_NOSIGNAL): a child process with the default disposition dies of it. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <errno.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
static int nconnected, nother;
static int nread;
static char got[256];
static size_t ngot;

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    fprintf(stderr, "timed out in step %s\n", (const char *)arg);
    exit(1);
}

/* Run the loop until the callbacks call loopexit, with a guard against hanging. */
static void run(const char *step)
{
    struct event *guard = evtimer_new(base, give_up, (void *)step);
    struct timeval tv = { 10, 0 };
    evtimer_add(guard, &tv);
    event_base_dispatch(base);
    event_free(guard);
}

static void connect_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    if (what == BEV_EVENT_CONNECTED) nconnected++;
    else nother++;
    event_base_loopexit(base, NULL);
}

static void collect(struct bufferevent *bev, void *arg)
{
    (void)arg;
    nread++;
    ngot += bufferevent_read(bev, got + ngot, sizeof(got) - 1 - ngot);
    event_base_loopexit(base, NULL);
}

static void test_connect_hostname(void)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(lfd >= 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    CHECK_EQ(listen(lfd, 4), 0);
    socklen_t sl = sizeof(sin);
    CHECK_EQ(getsockname(lfd, (struct sockaddr *)&sin, &sl), 0);
    int port = ntohs(sin.sin_port);

    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    CHECK(bev != NULL);
    bufferevent_setcb(bev, NULL, NULL, connect_event, NULL);
    /* Refused before any lookup: not an internet family. */
    CHECK_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_UNIX, "127.0.0.1", port), -1);
    CHECK_EQ(bufferevent_socket_connect_hostname(bev, NULL, AF_INET, "127.0.0.1", port), 0);
    run("connect_hostname");
    CHECK_EQ(nconnected, 1);
    CHECK_EQ(nother, 0);
    CHECK_EQ(bufferevent_socket_get_dns_error(bev), 0);
    CHECK(bufferevent_getfd(bev) >= 0);

    /* The connection works: the accepted side's bytes arrive. */
    int afd = accept(lfd, NULL, NULL);
    CHECK(afd >= 0);
    bufferevent_setcb(bev, collect, NULL, connect_event, NULL);
    CHECK_EQ(bufferevent_enable(bev, EV_READ), 0);
    CHECK_EQ(write(afd, "via name", 8), 8);
    ngot = 0; nread = 0;
    run("connect_hostname read");
    got[ngot] = 0;
    CHECK(strcmp(got, "via name") == 0);
    bufferevent_free(bev);
    close(afd);
    close(lfd);

    /* Every kind answers the lookup-error question (0: it never looked anything up); a pair
       has no socket to wait on. */
    struct bufferevent *pair[2];
    CHECK_EQ(bufferevent_pair_new(base, 0, pair), 0);
    CHECK_EQ(bufferevent_socket_get_dns_error(pair[0]), 0);
    CHECK_EQ(bufferevent_socket_connect(pair[0], NULL, 0), -1);
    bufferevent_free(pair[0]);
    bufferevent_free(pair[1]);
}

static void test_setfd_disable(void)
{
    int a[2], b[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
    CHECK(bev != NULL);
    CHECK_EQ(bufferevent_getfd(bev), -1);
    bufferevent_setcb(bev, collect, NULL, NULL, NULL);
    CHECK_EQ(bufferevent_enable(bev, EV_READ), 0);
    evutil_make_socket_nonblocking(a[0]);
    evutil_make_socket_nonblocking(b[0]);
    CHECK_EQ(bufferevent_setfd(bev, a[0]), 0);
    CHECK_EQ(bufferevent_getfd(bev), a[0]);
    CHECK_EQ(write(a[1], "first", 5), 5);
    ngot = 0; nread = 0;
    run("setfd first");
    got[ngot] = 0;
    CHECK(strcmp(got, "first") == 0);

    /* Move to the second socket; data on the first is no longer read. */
    CHECK_EQ(bufferevent_setfd(bev, b[0]), 0);
    CHECK_EQ(bufferevent_getfd(bev), b[0]);
    CHECK_EQ(write(a[1], "old", 3), 3);
    CHECK_EQ(write(b[1], "second", 6), 6);
    ngot = 0; nread = 0;
    run("setfd second");
    got[ngot] = 0;
    CHECK(strcmp(got, "second") == 0);
    char tmp[8];
    CHECK_EQ(read(a[0], tmp, sizeof(tmp)), 3);

    /* Disabled reading: the data waits in the socket, no callback. */
    CHECK_EQ(bufferevent_disable(bev, EV_READ), 0);
    CHECK_EQ(bufferevent_get_enabled(bev) & EV_READ, 0);
    CHECK_EQ(write(b[1], "later", 5), 5);
    ngot = 0; nread = 0;
    struct timeval short_tv = { 0, 150000 };
    event_base_loopexit(base, &short_tv);
    event_base_dispatch(base);
    CHECK_EQ(nread, 0);
    CHECK_EQ(evbuffer_get_length(bufferevent_get_input(bev)), 0);
    CHECK_EQ(bufferevent_enable(bev, EV_READ), 0);
    run("re-enabled");
    CHECK_EQ(nread, 1);
    got[ngot] = 0;
    CHECK(strcmp(got, "later") == 0);

    /* read_buffer: everything in the input moves out at once. */
    bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
    /* (A socket bufferevent's input is frozen at its end: only the socket adds to it.) */
    CHECK_EQ(evbuffer_add(bufferevent_get_input(bev), "x", 1), -1);
    CHECK_EQ(write(b[1], "abcdefg", 7), 7);
    event_base_loopexit(base, &short_tv);
    event_base_dispatch(base);
    CHECK_EQ(evbuffer_get_length(bufferevent_get_input(bev)), 7);
    struct evbuffer *dst = evbuffer_new();
    CHECK_EQ(evbuffer_add(dst, "<", 1), 0);
    CHECK_EQ(bufferevent_read_buffer(bev, dst), 0);
    CHECK_EQ(evbuffer_get_length(bufferevent_get_input(bev)), 0);
    CHECK_EQ(evbuffer_get_length(dst), 8);
    CHECK(memcmp(evbuffer_pullup(dst, -1), "<abcdefg", 8) == 0);
    evbuffer_free(dst);

    /* Socket bufferevents accept a flush and have nothing to do for it. */
    CHECK_EQ(bufferevent_flush(bev, EV_WRITE, BEV_FLUSH), 0);
    CHECK_EQ(bufferevent_flush(bev, EV_READ | EV_WRITE, BEV_FINISHED), 0);

    bufferevent_free(bev);
    close(a[0]); close(a[1]); close(b[0]); close(b[1]);
}

/* Free from inside each kind of callback. */
static int freed_in_read, freed_in_write, freed_in_event;

static void free_in_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    char buf[16];
    CHECK(bufferevent_read(bev, buf, sizeof(buf)) > 0);
    bufferevent_free(bev);
    freed_in_read++;
}

static void free_in_write(struct bufferevent *bev, void *arg)
{
    (void)arg;
    CHECK_EQ(evbuffer_get_length(bufferevent_get_output(bev)), 0);
    bufferevent_free(bev);
    freed_in_write++;
}

static void free_in_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    CHECK_EQ(what, BEV_EVENT_EOF | BEV_EVENT_READING);
    bufferevent_free(bev);
    freed_in_event++;
}

/* Wait (bounded) until the peer of a freed bufferevent sees end of file. */
static void expect_closed(int fd, const char *want)
{
    char buf[64];
    size_t n = 0;
    for (int i = 0; i < 200; i++) {
        ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
        if (r == 0) {
            buf[n] = 0;
            CHECK(strcmp(buf, want) == 0);
            return;
        }
        if (r > 0) { n += (size_t)r; continue; }
        CHECK(errno == EAGAIN);
        /* The finalizer that closes the fd runs on the next loop pass. */
        event_base_loop(base, EVLOOP_NONBLOCK);
        usleep(10000);
    }
    fprintf(stderr, "peer never saw EOF (want \"%s\")\n", want);
    exit(1);
}

static void test_free_in_callbacks(void)
{
    int s[2];
    struct timeval tv = { 0, 300000 };

    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
    evutil_make_socket_nonblocking(s[1]);
    struct bufferevent *bev = bufferevent_socket_new(base, s[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, free_in_read, NULL, NULL, NULL);
    bufferevent_enable(bev, EV_READ);
    CHECK_EQ(write(s[1], "x", 1), 1);
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    CHECK_EQ(freed_in_read, 1);
    expect_closed(s[1], "");
    close(s[1]);

    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
    evutil_make_socket_nonblocking(s[1]);
    bev = bufferevent_socket_new(base, s[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, NULL, free_in_write, NULL, NULL);
    CHECK_EQ(bufferevent_write(bev, "bye", 3), 0);
    bufferevent_enable(bev, EV_WRITE);
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    CHECK_EQ(freed_in_write, 1);
    expect_closed(s[1], "bye");
    close(s[1]);

    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
    evutil_make_socket_nonblocking(s[1]);
    bev = bufferevent_socket_new(base, s[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, NULL, NULL, free_in_event, NULL);
    bufferevent_enable(bev, EV_READ);
    /* Half-close: our side sees EOF, and we can still see it close its end afterwards. */
    CHECK_EQ(shutdown(s[1], SHUT_WR), 0);
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    CHECK_EQ(freed_in_event, 1);
    expect_closed(s[1], "");
    close(s[1]);
}

static void test_sigpipe(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_DFL);
        struct event_base *b = event_base_new();
        int s[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, s)) _exit(2);
        close(s[1]);
        struct bufferevent *bev = bufferevent_socket_new(b, s[0], 0);
        bufferevent_write(bev, "hello", 5);
        bufferevent_enable(bev, EV_WRITE);
        struct timeval tv = { 2, 0 };
        event_base_loopexit(b, &tv);
        event_base_dispatch(b);
        _exit(3);
    }
    int st;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(WIFSIGNALED(st));
    CHECK_EQ(WTERMSIG(st), SIGPIPE);
}

int main(void)
{
    base = event_base_new();
    CHECK(base != NULL);
    test_connect_hostname();
    test_setfd_disable();
    test_free_in_callbacks();
    test_sigpipe();
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
