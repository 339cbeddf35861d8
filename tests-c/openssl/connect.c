/* connect: SSL bufferevents made without a socket (fd -1, BUFFEREVENT_SSL_CONNECTING) and
   connected with bufferevent_socket_connect, as clients usually do: the handshake starts
   once the connect completes and BEV_EVENT_CONNECTED follows; the server (an
   evconnlistener making ACCEPTING bufferevents) greets, and the greeting arrives.
   bufferevent_socket_connect_hostname on a numeric name does the same. The filter flavour
   gets there by connecting its underlying socket bufferevent. A connect to a closed port
   ends in BEV_EVENT_ERROR. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"
#include <event2/listener.h>

static struct event_base *base;
static SSL_CTX *sctx, *cctx;
static int connected, errors, greeted;

static void server_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what != BEV_EVENT_CONNECTED)
        bufferevent_free(bev);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)l; (void)sa; (void)socklen; (void)arg;
    struct bufferevent *s = bufferevent_openssl_socket_new(base, fd, SSL_new(sctx),
        BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(s != NULL);
    bufferevent_setcb(s, NULL, NULL, server_eventcb, NULL);
    bufferevent_enable(s, EV_READ | EV_WRITE);
    CHECK_EQ(bufferevent_write(s, "hello", 5), 0);
}

static void client_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    if (evbuffer_get_length(in) < 5)
        return;
    CHECK(memcmp(evbuffer_pullup(in, 5), "hello", 5) == 0);
    greeted++;
    event_base_loopbreak(base);
}

static void client_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        connected++;
        return;
    }
    CHECK(what & BEV_EVENT_ERROR);
    errors++;
    event_base_loopbreak(base);
}

static struct bufferevent *client_new(void)
{
    struct bufferevent *c = bufferevent_openssl_socket_new(base, -1, SSL_new(cctx),
        BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(c != NULL);
    CHECK_EQ(bufferevent_getfd(c), -1);
    bufferevent_setcb(c, client_readcb, NULL, client_eventcb, NULL);
    bufferevent_enable(c, EV_READ | EV_WRITE);
    connected = errors = greeted = 0;
    return c;
}

static void expect_greeting(struct bufferevent *c)
{
    run_for(base, 10000);
    CHECK_EQ(connected, 1);
    CHECK_EQ(greeted, 1);
    CHECK_EQ(errors, 0);
    CHECK(bufferevent_getfd(c) >= 0);
    bufferevent_free(c);
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    sctx = tls_server_ctx(0);
    cctx = tls_client_ctx(0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *l = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin, sizeof sin);
    CHECK(l != NULL);
    socklen_t len = sizeof sin;
    CHECK_EQ(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len), 0);

    /* 1. bufferevent_socket_connect. */
    struct bufferevent *c = client_new();
    CHECK_EQ(bufferevent_socket_connect(c, (struct sockaddr *)&sin, sizeof sin), 0);
    expect_greeting(c);

    /* 2. bufferevent_socket_connect_hostname, numeric. */
    c = client_new();
    CHECK_EQ(bufferevent_socket_connect_hostname(c, NULL, AF_INET, "127.0.0.1", ntohs(sin.sin_port)), 0);
    expect_greeting(c);
    CHECK_EQ(bufferevent_socket_get_dns_error(c), 0);

    /* 3. The filter flavour: its underlying connects. */
    struct bufferevent *u = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    CHECK(u != NULL);
    c = bufferevent_openssl_filter_new(base, u, SSL_new(cctx), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(c != NULL);
    bufferevent_setcb(c, client_readcb, NULL, client_eventcb, NULL);
    bufferevent_enable(c, EV_READ | EV_WRITE);
    connected = errors = greeted = 0;
    CHECK_EQ(bufferevent_socket_connect(u, (struct sockaddr *)&sin, sizeof sin), 0);
    expect_greeting(c);

    /* 4. A closed port. */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in closed = sin;
    closed.sin_port = 0;
    CHECK_EQ(bind(t, (struct sockaddr *)&closed, sizeof closed), 0);
    len = sizeof closed;
    CHECK_EQ(getsockname(t, (struct sockaddr *)&closed, &len), 0);
    close(t);
    c = client_new();
    CHECK_EQ(bufferevent_socket_connect(c, (struct sockaddr *)&closed, sizeof closed), 0);
    run_for(base, 10000);
    CHECK_EQ(errors, 1);
    CHECK_EQ(connected, 0);
    bufferevent_free(c);

    evconnlistener_free(l);
    run_for(base, 10);
    event_base_free(base);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    printf("ok\n");
    return 0;
}
