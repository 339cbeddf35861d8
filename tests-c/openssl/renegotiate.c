/* renegotiate: bufferevent_ssl_renegotiate from either end, on both flavours, TLS 1.2 and
   1.3, and the OpenSSL error queue around it.
   - socket flavour: the new handshake is driven at once; where it completes at once (a
     TLS 1.2 server's HelloRequest, any TLS 1.3 end, where SSL_renegotiate is refused but the
     handshake is already done) the call returns 1 and BEV_EVENT_CONNECTED comes before it
     returns; a TLS 1.2 client's request, refused by an OpenSSL 3 server by default, ends
     with BEV_EVENT_ERROR on both ends;
   - filter flavour: a server's call returns 1 as above; a client's returns 0 (the new
     handshake waits for the underlying);
   - whatever SSL_renegotiate left on the thread's error queue (TLS 1.3) or the program left
     there itself does not turn the next SSL_read's "want more" into an error: data keeps
     flowing both ways. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

static struct event_base *base;
static int connected[2], errors[2];
static size_t nread;

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
    int side = (int)(long)arg;
    if (what == BEV_EVENT_CONNECTED) {
        connected[side]++;
        return;
    }
    CHECK_EQ(what, BEV_EVENT_ERROR | BEV_EVENT_READING);
    CHECK(bufferevent_get_openssl_error(bev) != 0);
    errors[side]++;
}

static void echo_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    CHECK_EQ(bufferevent_write_buffer(bev, bufferevent_get_input(bev)), 0);
    /* A stale error on the queue, as a careless program might leave. */
    ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
}

static void collect_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    nread = evbuffer_get_length(bufferevent_get_input(bev));
    ERR_raise(ERR_LIB_SSL, SSL_R_BAD_LENGTH);
}

/* Echo `n` bytes a few bytes at a time (several reads on each end) and wait for them. */
static int echo(struct bufferevent *c, size_t n)
{
    nread = 0;
    evbuffer_drain(bufferevent_get_input(c), evbuffer_get_length(bufferevent_get_input(c)));
    for (size_t i = 0; i < n; i += 10) {
        CHECK_EQ(bufferevent_write(c, "0123456789", 10), 0);
        run_for(base, 5);
    }
    for (int i = 0; i < 100 && nread < n; i++)
        run_for(base, 10);
    return nread == n;
}

static void round_(int version, int filter, int side, int expect_ret, int expect_flow)
{
    SSL_CTX *s = tls_server_ctx(version), *c = tls_client_ctx(version);
    int fds[2];
    tcp_pair(fds);
    struct bufferevent *p[2];
    p[1] = bufferevent_openssl_socket_new(base, fds[1], SSL_new(s), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (filter) {
        struct bufferevent *u = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
        p[0] = bufferevent_openssl_filter_new(base, u, SSL_new(c), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    } else {
        p[0] = bufferevent_openssl_socket_new(base, fds[0], SSL_new(c), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    }
    CHECK(p[0] && p[1]);
    bufferevent_setcb(p[0], collect_readcb, NULL, eventcb, (void *)0L);
    bufferevent_setcb(p[1], echo_readcb, NULL, eventcb, (void *)1L);
    bufferevent_enable(p[0], EV_READ | EV_WRITE);
    bufferevent_enable(p[1], EV_READ | EV_WRITE);
    memset(connected, 0, sizeof connected);
    memset(errors, 0, sizeof errors);
    for (int i = 0; i < 100 && (connected[0] < 1 || connected[1] < 1); i++)
        run_for(base, 10);
    CHECK_EQ(connected[0], 1);
    CHECK_EQ(connected[1], 1);
    CHECK(echo(p[0], 200));

    connected[0] = connected[1] = 0;
    CHECK_EQ(bufferevent_ssl_renegotiate(p[side]), expect_ret);
    /* Completed at once: reported before the call returned. */
    CHECK_EQ(connected[side], expect_ret == 1);
    CHECK_EQ(connected[!side], 0);
    if (expect_flow) {
        CHECK(echo(p[0], 300));
        CHECK_EQ(errors[0] + errors[1], 0);
    } else if (!filter) {
        /* The refused TLS 1.2 client renegotiation. */
        for (int i = 0; i < 100 && (errors[0] < 1 || errors[1] < 1); i++)
            run_for(base, 10);
        CHECK_EQ(errors[0], 1);
        CHECK_EQ(errors[1], 1);
    }
    bufferevent_free(p[0]);
    bufferevent_free(p[1]);
    run_for(base, 10);
    SSL_CTX_free(s);
    SSL_CTX_free(c);
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    /* socket flavour */
    round_(TLS1_2_VERSION, 0, 0, 0, 0);
    round_(TLS1_2_VERSION, 0, 1, 1, 1);
    round_(0, 0, 0, 1, 1);
    round_(0, 0, 1, 1, 1);
    /* filter flavour on the client */
    round_(TLS1_2_VERSION, 1, 0, 0, 0);
    round_(TLS1_2_VERSION, 1, 1, 1, 1);
    round_(0, 1, 0, 0, 0);
    round_(0, 1, 1, 1, 1);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
