/* socket_echo: a client socket bufferevent connects (bufferevent_socket_connect with fd -1) to a
   listener on 127.0.0.1 whose accepted sockets get server bufferevents that echo everything
   back. The client sees BEV_EVENT_CONNECTED first, sends 1 MB in pieces, gets every byte back
   in order, then shuts its write side; the server sees BEV_EVENT_EOF|BEV_EVENT_READING and
   frees its bufferevent from inside the event callback (BEV_OPT_CLOSE_ON_FREE). */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define TOTAL (1024 * 1024)

static struct event_base *base;
static unsigned char *sent;
static size_t nsent, nechoed;
static int connected, server_eof, client_events_other, server_freed;
static struct bufferevent *client;

static void server_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    /* Echo by moving the input buffer to the output: no copy needed. */
    CHECK_EQ(bufferevent_write_buffer(bev, bufferevent_get_input(bev)), 0);
}

static void server_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    CHECK_EQ(what, BEV_EVENT_EOF | BEV_EVENT_READING);
    server_eof++;
    bufferevent_free(bev);
    server_freed++;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)lev; (void)sa; (void)socklen; (void)arg;
    struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    CHECK(bev != NULL);
    CHECK_EQ(bufferevent_getfd(bev), fd);
    CHECK(bufferevent_get_base(bev) == base);
    bufferevent_setcb(bev, server_read, NULL, server_event, NULL);
    CHECK_EQ(bufferevent_enable(bev, EV_READ | EV_WRITE), 0);
    CHECK_EQ(bufferevent_get_enabled(bev), EV_READ | EV_WRITE);
}

static void send_more(struct bufferevent *bev)
{
    /* Keep at most 64 KB queued so the write callback drives the rest. */
    while (nsent < TOTAL && evbuffer_get_length(bufferevent_get_output(bev)) < 65536) {
        size_t n = 4000;
        if (n > TOTAL - nsent) n = TOTAL - nsent;
        CHECK_EQ(bufferevent_write(bev, sent + nsent, n), 0);
        nsent += n;
    }
}

static void client_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    unsigned char buf[7000];
    size_t n;
    while ((n = bufferevent_read(bev, buf, sizeof(buf))) > 0) {
        CHECK(nechoed + n <= TOTAL);
        CHECK(memcmp(buf, sent + nechoed, n) == 0);
        nechoed += n;
    }
    if (nechoed == TOTAL)
        shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void client_write(struct bufferevent *bev, void *arg)
{
    (void)arg;
    send_more(bev);
}

static void client_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        connected++;
        send_more(bev);
        return;
    }
    /* After our shutdown the server closes: EOF on our side ends the test. */
    if (what == (BEV_EVENT_EOF | BEV_EVENT_READING) && nechoed == TOTAL) {
        event_base_loopexit(base, NULL);
        return;
    }
    fprintf(stderr, "client event 0x%x\n", what);
    client_events_other++;
    event_base_loopexit(base, NULL);
}

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    fprintf(stderr, "timed out: sent %zu echoed %zu\n", nsent, nechoed);
    exit(1);
}

int main(void)
{
    base = event_base_new();
    CHECK(base != NULL);
    sent = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++) sent[i] = (unsigned char)(i * 7 + i / 251);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *lev = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    socklen_t sl = sizeof(sin);
    CHECK_EQ(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &sl), 0);

    client = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    CHECK(client != NULL);
    CHECK_EQ(bufferevent_getfd(client), -1);
    /* The public struct is real state: input/output are the buffers the getters return. */
    CHECK(client->input == bufferevent_get_input(client));
    CHECK(client->output == bufferevent_get_output(client));
    bufferevent_setcb(client, client_read, client_write, client_event, NULL);
    CHECK_EQ(bufferevent_socket_connect(client, (struct sockaddr *)&sin, sizeof(sin)), 0);
    CHECK(bufferevent_getfd(client) >= 0);
    CHECK_EQ(bufferevent_enable(client, EV_READ | EV_WRITE), 0);

    struct event *guard = evtimer_new(base, give_up, NULL);
    struct timeval tv = { 20, 0 };
    evtimer_add(guard, &tv);

    event_base_dispatch(base);

    CHECK_EQ(connected, 1);
    CHECK_EQ(client_events_other, 0);
    CHECK_EQ(nsent, TOTAL);
    CHECK_EQ(nechoed, TOTAL);
    CHECK_EQ(server_eof, 1);
    CHECK_EQ(server_freed, 1);

    bufferevent_free(client);
    evconnlistener_free(lev);
    event_free(guard);
    /* Let queued finalizers run before the base goes. */
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    free(sent);
    printf("ok\n");
    return 0;
}
