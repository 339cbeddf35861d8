/* connect_states: the order of callbacks and the enabled bits around connecting, end of file,
   errors and timeouts on socket bufferevents, written down as transcripts (R<n> a read
   callback with n bytes in the input, W a write callback, E<flags> an event callback) that
   must equal libevent's.
   - a new socket bufferevent has EV_WRITE enabled; connecting (fd -1, to a loopback listener)
     with only EV_READ asked for still ends in BEV_EVENT_CONNECTED, and data written then goes
     out;
   - bufferevent_socket_connect(bev, NULL, 0) on a socket the program is connecting itself
     waits for that connect;
   - a refused connect gives BEV_EVENT_ERROR with ECONNREFUSED and leaves the enabled bits;
   - data and the peer's close arriving together: the read callback, then EOF|READING, with
     reading disabled;
   - writing to a peer that has closed: BEV_EVENT_ERROR|BEV_EVENT_WRITING, everything
     disabled;
   - a read timeout: TIMEOUT|READING, reading disabled, again after re-enabling; none once the
     timeouts are cleared; the same cycle run with BEV_OPT_DEFER_CALLBACKS gives the same
     transcript. */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)
#define CHECK_TRACE(want) do { if (strcmp(trace, want) != 0) { \
    fprintf(stderr, "%s:%d: trace \"%s\", want \"%s\"\n", __FILE__, __LINE__, trace, want); exit(1); } } while (0)

static struct event_base *base;
static char trace[512];
static int nevents, nwrites, last_err;
static short last_what;

static void note(const char *s)
{
    CHECK(strlen(trace) + strlen(s) + 1 < sizeof(trace));
    strcat(trace, s);
    strcat(trace, " ");
}

static void on_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    char b[32];
    snprintf(b, sizeof(b), "R%zu", evbuffer_get_length(bufferevent_get_input(bev)));
    note(b);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    (void)bev; (void)arg;
    nwrites++;
    note("W");
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    last_err = EVUTIL_SOCKET_ERROR();
    last_what = what;
    nevents++;
    char b[16];
    snprintf(b, sizeof(b), "E%x", what);
    note(b);
}

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    fprintf(stderr, "timed out waiting in %s; trace so far: %s\n", (const char *)arg, trace);
    exit(1);
}

/* Run the loop until `*counter` reaches `n` (bounded by a 10 s guard). */
static void run_until(int *counter, int n, const char *step)
{
    struct event *guard = evtimer_new(base, give_up, (void *)step);
    struct timeval tv = { 10, 0 };
    evtimer_add(guard, &tv);
    while (*counter < n)
        event_base_loop(base, EVLOOP_ONCE);
    event_free(guard);
}

/* Run the loop for `ms` milliseconds (for "nothing more happens" and for quiet settling). */
static void run_for(int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

static int make_listener(struct sockaddr_in *sin)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0);
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(l, (struct sockaddr *)sin, sizeof(*sin)), 0);
    CHECK_EQ(listen(l, 8), 0);
    socklen_t sl = sizeof(*sin);
    CHECK_EQ(getsockname(l, (struct sockaddr *)sin, &sl), 0);
    return l;
}

static void reset(void) { trace[0] = 0; nevents = 0; nwrites = 0; last_what = 0; last_err = 0; }

static void connect_read_eof_error(int l, struct sockaddr_in *sin)
{
    struct bufferevent *c = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    CHECK(c != NULL);
    bufferevent_setcb(c, on_read, on_write, on_event, NULL);
    CHECK_EQ(bufferevent_get_enabled(c), EV_WRITE);
    CHECK_EQ(bufferevent_enable(c, EV_READ), 0);
    CHECK_EQ(bufferevent_get_enabled(c), EV_READ | EV_WRITE);
    reset();
    CHECK_EQ(bufferevent_socket_connect(c, (struct sockaddr *)sin, sizeof(*sin)), 0);
    CHECK_EQ(bufferevent_get_enabled(c), EV_READ | EV_WRITE);
    run_until(&nevents, 1, "connect");
    CHECK_TRACE("E80 ");
    int a = accept(l, NULL, NULL);
    CHECK(a >= 0);

    /* Written data goes out; the write callback follows. */
    reset();
    CHECK_EQ(bufferevent_write(c, "x", 1), 0);
    run_until(&nwrites, 1, "write");
    run_for(50);
    CHECK_TRACE("W ");
    char buf[64];
    CHECK_EQ(read(a, buf, sizeof(buf)), 1);

    /* Data and close together. */
    reset();
    CHECK_EQ(write(a, "tail", 4), 4);
    close(a);
    run_until(&nevents, 1, "eof");
    CHECK_TRACE("R4 E11 ");
    CHECK_EQ(bufferevent_get_enabled(c), EV_WRITE);

    /* Writing to the closed peer: the first write may still be accepted (the peer answers
       with a reset), a later one fails. */
    reset();
    for (int i = 0; i < 50 && nevents == 0; i++) {
        int w0 = (int)strlen(trace);
        CHECK_EQ(bufferevent_write(c, "zz", 2), 0);
        while ((int)strlen(trace) == w0 && nevents == 0)
            event_base_loop(base, EVLOOP_ONCE);
    }
    CHECK_EQ(nevents, 1);
    CHECK_EQ(last_what, BEV_EVENT_ERROR | BEV_EVENT_WRITING);
    CHECK(last_err == EPIPE || last_err == ECONNRESET);
    CHECK_EQ(bufferevent_get_enabled(c), 0);
    bufferevent_free(c);
}

static void program_connect(int l, struct sockaddr_in *sin)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(s >= 0);
    CHECK_EQ(evutil_make_socket_nonblocking(s), 0);
    int r = connect(s, (struct sockaddr *)sin, sizeof(*sin));
    CHECK(r == 0 || errno == EINPROGRESS);
    struct bufferevent *c = bufferevent_socket_new(base, s, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c, on_read, on_write, on_event, NULL);
    reset();
    CHECK_EQ(bufferevent_socket_connect(c, NULL, 0), 0);
    run_until(&nevents, 1, "program connect");
    run_for(50);
    CHECK_TRACE("E80 ");
    CHECK_EQ(bufferevent_getfd(c), s);
    int a = accept(l, NULL, NULL);
    CHECK(a >= 0);
    close(a);
    bufferevent_free(c);
}

static void refused(int port_of_closed)
{
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port_of_closed);
    struct bufferevent *c = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c, on_read, on_write, on_event, NULL);
    CHECK_EQ(bufferevent_enable(c, EV_READ | EV_WRITE), 0);
    reset();
    CHECK_EQ(bufferevent_socket_connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    run_until(&nevents, 1, "refused");
    run_for(50);
    CHECK_TRACE("E20 ");
    CHECK_EQ(last_err, ECONNREFUSED);
    CHECK_EQ(bufferevent_get_enabled(c), EV_READ | EV_WRITE);
    CHECK(bufferevent_getfd(c) >= 0);
    bufferevent_free(c);
}

static void timeouts(int options)
{
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct bufferevent *c = bufferevent_socket_new(base, sv[0], options | BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c, on_read, on_write, on_event, NULL);
    struct timeval t = { 0, 100000 };
    CHECK_EQ(bufferevent_set_timeouts(c, &t, &t), 0);
    reset();
    CHECK_EQ(bufferevent_enable(c, EV_READ | EV_WRITE), 0);
    run_until(&nevents, 1, "read timeout");
    /* The write event fires once on a writable socket with nothing queued. */
    CHECK_TRACE("W E41 ");
    CHECK_EQ(bufferevent_get_enabled(c), EV_WRITE);
    reset();
    CHECK_EQ(bufferevent_enable(c, EV_READ), 0);
    run_until(&nevents, 1, "second read timeout");
    CHECK_TRACE("E41 ");
    CHECK_EQ(bufferevent_get_enabled(c), EV_WRITE);
    reset();
    CHECK_EQ(bufferevent_set_timeouts(c, NULL, NULL), 0);
    CHECK_EQ(bufferevent_enable(c, EV_READ), 0);
    run_for(250);
    CHECK_TRACE("");
    CHECK_EQ(write(sv[1], "hi", 2), 2);
    run_for(50);
    CHECK_TRACE("R2 ");
    bufferevent_free(c);
    close(sv[1]);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    CHECK(base != NULL);
    struct sockaddr_in sin;
    int l = make_listener(&sin);
    connect_read_eof_error(l, &sin);
    program_connect(l, &sin);
    close(l);
    refused(ntohs(sin.sin_port));
    timeouts(0);
    timeouts(BEV_OPT_DEFER_CALLBACKS);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
