/* events_timeouts: the event callback's flags. A connect to a closed loopback port gives
   BEV_EVENT_ERROR (with the socket error available); a peer's close gives
   BEV_EVENT_EOF|BEV_EVENT_READING; a read timeout gives BEV_EVENT_TIMEOUT|BEV_EVENT_READING and
   leaves reading disabled (writing still enabled); a write timeout on a socket whose peer never
   reads gives BEV_EVENT_TIMEOUT|BEV_EVENT_WRITING. Writing to a peer that has gone gives
   BEV_EVENT_ERROR|BEV_EVENT_WRITING with EPIPE. (As in libevent, the write itself may raise
   SIGPIPE: programs ignore it, and so does this one.) */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

static struct event_base *base;
static short last;
static int nevents, sockerr;

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    nevents++;
    last = what;
    if (what & BEV_EVENT_ERROR)
        sockerr = EVUTIL_SOCKET_ERROR();
    (void)bev;
    event_base_loopexit(base, NULL);
}


static void reset(void) { nevents = 0; last = 0; sockerr = 0; }

static void guard(void)
{
    /* No case may hang: bound the loop. */
    struct timeval tv = { 10, 0 };
    event_base_loopexit(base, &tv);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    CHECK(base != NULL);

    /* 1. Connect to a port nobody listens on. */
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sin);
    CHECK_EQ(bind(probe, (struct sockaddr *)&sin, sizeof(sin)), 0);
    CHECK_EQ(getsockname(probe, (struct sockaddr *)&sin, &sl), 0);
    close(probe);             /* the port is now closed */
    struct bufferevent *c = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c, NULL, NULL, on_event, NULL);
    int r = bufferevent_socket_connect(c, (struct sockaddr *)&sin, sizeof(sin));
    if (r == 0) {
        reset();
        guard();
        event_base_dispatch(base);
    } else {
        /* An immediate refusal is reported through the callback from the loop too. */
        CHECK_EQ(r, -1);
    }
    if (r == 0) {
        CHECK_EQ(nevents, 1);
        CHECK(last & BEV_EVENT_ERROR);
        CHECK_EQ(sockerr, ECONNREFUSED);
    }
    bufferevent_free(c);

    /* 2. EOF: the peer closes. */
    int sv[2];
    CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    struct bufferevent *b = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(b, NULL, NULL, on_event, NULL);
    bufferevent_enable(b, EV_READ);
    close(sv[1]);
    reset();
    guard();
    event_base_dispatch(base);
    CHECK_EQ(nevents, 1);
    CHECK_EQ(last, BEV_EVENT_EOF | BEV_EVENT_READING);
    bufferevent_free(b);

    /* 3. Read timeout: nothing arrives for 100 ms. */
    CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    b = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(b, NULL, NULL, on_event, NULL);
    struct timeval tv_r = { 0, 100000 };
    CHECK_EQ(bufferevent_set_timeouts(b, &tv_r, NULL), 0);
    bufferevent_enable(b, EV_READ | EV_WRITE);
    reset();
    guard();
    event_base_dispatch(base);
    CHECK_EQ(nevents, 1);
    CHECK_EQ(last, BEV_EVENT_TIMEOUT | BEV_EVENT_READING);
    CHECK_EQ(bufferevent_get_enabled(b), EV_WRITE);
    bufferevent_free(b);

    /* 4. Write timeout: the peer never reads, the socket buffer fills. */
    evutil_make_socket_nonblocking(sv[1]);
    CHECK_EQ(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    evutil_make_socket_nonblocking(sv[0]);
    b = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(b, NULL, NULL, on_event, NULL);
    struct timeval tv_w = { 0, 150000 };
    CHECK_EQ(bufferevent_set_timeouts(b, NULL, &tv_w), 0);
    static char big[4 << 20];
    CHECK_EQ(bufferevent_write(b, big, sizeof(big)), 0);
    bufferevent_enable(b, EV_WRITE);
    reset();
    guard();
    event_base_dispatch(base);
    CHECK_EQ(nevents, 1);
    CHECK_EQ(last, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING);
    CHECK_EQ(bufferevent_get_enabled(b) & EV_WRITE, 0);
    CHECK(evbuffer_get_length(bufferevent_get_output(b)) > 0);

    /* 5. The peer goes away with data still queued: an error, not SIGPIPE. */
    close(sv[1]);
    bufferevent_set_timeouts(b, NULL, NULL);
    bufferevent_enable(b, EV_WRITE);
    reset();
    guard();
    event_base_dispatch(base);
    CHECK_EQ(nevents, 1);
    CHECK_EQ(last, BEV_EVENT_ERROR | BEV_EVENT_WRITING);
    CHECK_EQ(sockerr, EPIPE);
    bufferevent_free(b);

    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
