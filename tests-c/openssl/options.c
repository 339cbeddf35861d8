/* options: SSL bufferevents with the generic bufferevent machinery.
   - TLS 1.2 renegotiation started by the client with bufferevent_ssl_renegotiate: the
     handshake runs again (BEV_EVENT_CONNECTED again on the client) and data still flows;
   - a read high-water mark: the input stops at the mark while the peer keeps sending, and
     reading resumes when the program drains it, with nothing lost (socket and filter);
   - a read timeout on an idle SSL bufferevent: BEV_EVENT_TIMEOUT|READING; the filter
     flavour then stops reading, the socket flavour keeps reading and times out again;
   - BEV_OPT_THREADSAFE|BEV_OPT_DEFER_CALLBACKS on both flavours: the echo still works. */
/* LIBS: -levent_openssl -levent_pthreads -lssl -lcrypto */
#include "tls_common.h"
#include <event2/thread.h>

static struct event_base *base;
static SSL_CTX *sctx, *cctx, *sctx12, *cctx12;
static int connected, timeouts;
static size_t nread;

static void count_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        connected++;
        if (connected % 2 == 0)
            event_base_loopbreak(base);
        return;
    }
    if (what == (BEV_EVENT_TIMEOUT | BEV_EVENT_READING)) {
        timeouts++;
        event_base_loopbreak(base);
        return;
    }
    fprintf(stderr, "unexpected event 0x%x (ssl error %lx)\n", what, bufferevent_get_openssl_error(bev));
    exit(1);
}

static void echo_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void collect_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    nread = evbuffer_get_length(bufferevent_get_input(bev));
}

/* A connected pair: [0] client, [1] server; filter flavour on the client when asked. */
static void make_pair(struct bufferevent *p[2], SSL_CTX *s, SSL_CTX *c, int client_filter, int opts)
{
    int fds[2];
    tcp_pair(fds);
    p[1] = bufferevent_openssl_socket_new(base, fds[1], SSL_new(s), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE | opts);
    if (client_filter) {
        struct bufferevent *u = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE | opts);
        p[0] = bufferevent_openssl_filter_new(base, u, SSL_new(c), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | opts);
    } else {
        p[0] = bufferevent_openssl_socket_new(base, fds[0], SSL_new(c), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | opts);
    }
    CHECK(p[0] && p[1]);
    bufferevent_setcb(p[0], NULL, NULL, count_eventcb, NULL);
    bufferevent_setcb(p[1], echo_readcb, NULL, count_eventcb, NULL);
    bufferevent_enable(p[0], EV_READ | EV_WRITE);
    bufferevent_enable(p[1], EV_READ | EV_WRITE);
    connected = 0;
    run_for(base, 10000);
    CHECK_EQ(connected, 2);
}

static void free_pair(struct bufferevent *p[2])
{
    bufferevent_free(p[0]);
    bufferevent_free(p[1]);
    run_for(base, 10);
}

/* Echo n bytes through the server and wait for all of them. */
static void echo_check(struct bufferevent *c, size_t n)
{
    char *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(i % 251);
    nread = 0;
    bufferevent_setcb(c, collect_readcb, NULL, count_eventcb, NULL);
    CHECK_EQ(bufferevent_write(c, buf, n), 0);
    for (int i = 0; i < 200 && nread < n; i++)
        run_for(base, 20);
    CHECK_EQ(nread, n);
    struct evbuffer *in = bufferevent_get_input(c);
    CHECK(memcmp(evbuffer_pullup(in, n), buf, n) == 0);
    evbuffer_drain(in, n);
    free(buf);
}

static void renegotiation(void)
{
    struct bufferevent *p[2];
    make_pair(p, sctx12, cctx12, 0, 0);
    CHECK_EQ(SSL_version(bufferevent_openssl_get_ssl(p[0])), TLS1_2_VERSION);
    echo_check(p[0], 1000);
    CHECK(bufferevent_ssl_renegotiate(p[0]) >= 0);
    connected = 0;
    bufferevent_setcb(p[0], collect_readcb, NULL, count_eventcb, NULL);
    /* Only the client reports it: the server's SSL_read takes the new handshake in its
       stride. */
    run_for(base, 500);
    CHECK_EQ(connected, 1);
    echo_check(p[0], 50000);
    free_pair(p);
}

static void high_watermark(int filter)
{
    struct bufferevent *p[2];
    make_pair(p, sctx, cctx, filter, 0);
    bufferevent_setwatermark(p[0], EV_READ, 0, 10000);
    echo_check(p[0], 5000);
    /* 100 KB come back; the client holds at most the mark plus one record's worth. */
    size_t total = 100000;
    char *buf = calloc(1, total);
    nread = 0;
    CHECK_EQ(bufferevent_write(p[0], buf, total), 0);
    size_t have = 0;
    struct evbuffer *in = bufferevent_get_input(p[0]);
    for (int i = 0; i < 500 && have < total; i++) {
        run_for(base, 20);
        size_t len = evbuffer_get_length(in);
        CHECK(len <= 10000 + 16384);
        if (len >= 10000 || have + len == total) {
            have += len;
            evbuffer_drain(in, len);
        }
    }
    CHECK_EQ(have, total);
    free(buf);
    free_pair(p);
}

static void read_timeout(int filter)
{
    struct bufferevent *p[2];
    make_pair(p, sctx, cctx, filter, 0);
    struct timeval tv = { 0, 100000 };
    CHECK_EQ(bufferevent_set_timeouts(p[0], &tv, NULL), 0);
    timeouts = 0;
    run_for(base, 5000);
    CHECK_EQ(timeouts, 1);
    /* The filter flavour's timeout disables reading, like other bufferevents; the socket
       flavour's leaves it on (and times out again), as libevent 2.1.12 does. */
    CHECK_EQ(bufferevent_get_enabled(p[0]) & EV_READ, filter ? 0 : EV_READ);
    if (!filter) {
        run_for(base, 5000);
        CHECK_EQ(timeouts, 2);
    }
    free_pair(p);
}

static void threadsafe_deferred(int filter)
{
    struct bufferevent *p[2];
    make_pair(p, sctx, cctx, filter, BEV_OPT_THREADSAFE | BEV_OPT_DEFER_CALLBACKS);
    echo_check(p[0], 200000);
    free_pair(p);
}

int main(void)
{
    alarm(50);
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    sctx = tls_server_ctx(0);
    cctx = tls_client_ctx(0);
    sctx12 = tls_server_ctx(TLS1_2_VERSION);
    cctx12 = tls_client_ctx(TLS1_2_VERSION);
    /* OpenSSL 3 servers refuse client-initiated renegotiation unless told otherwise. */
    SSL_CTX_set_options(sctx12, SSL_OP_ALLOW_CLIENT_RENEGOTIATION);
    renegotiation();
    high_watermark(0);
    high_watermark(1);
    read_timeout(0);
    read_timeout(1);
    threadsafe_deferred(0);
    threadsafe_deferred(1);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
