/* filter_echo: SSL filter bufferevents (bufferevent_openssl_filter_new) over socket
   bufferevents on loopback TCP. Round 1: client filter (CONNECTING) against a server socket
   SSL bufferevent (ACCEPTING); round 2: filters on both ends. Each round: both see
   BEV_EVENT_CONNECTED, 300 KB come back through an echoing server, the underlying is the
   socket bufferevent (bufferevent_get_underlying), get_ssl gives the SSL. The client's
   close_notify reaches the server as EOF. With BEV_OPT_CLOSE_ON_FREE the filter takes the
   underlying bufferevent (and its socket) and the SSL with it. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

#define TOTAL (300 * 1024)

static struct event_base *base;
static unsigned char *sent, *got;
static size_t ngot;
static int server_connected, client_connected, server_eof, client_events;
static struct bufferevent *client;

static void server_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    CHECK_EQ(bufferevent_write_buffer(bev, bufferevent_get_input(bev)), 0);
}

static void server_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        server_connected++;
        return;
    }
    CHECK(what & BEV_EVENT_EOF);
    server_eof++;
    event_base_loopbreak(base);
}

static void client_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    CHECK(ngot + n <= TOTAL);
    CHECK_EQ(evbuffer_remove(in, got + ngot, n), (long long)n);
    ngot += n;
    if (ngot == TOTAL) {
        CHECK(memcmp(sent, got, TOTAL) == 0);
        /* Through the filter, SSL writes into the underlying's output: flush it out. */
        CHECK(SSL_shutdown(bufferevent_openssl_get_ssl(bev)) >= 0);
    }
}

static void client_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    if (what == BEV_EVENT_CONNECTED)
        client_connected++;
    else {
        fprintf(stderr, "client event 0x%x\n", what);
        client_events++;
    }
}

static void round_(int server_filter)
{
    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);
    int fds[2];
    tcp_pair(fds);
    SSL *sssl = SSL_new(sctx), *cssl = SSL_new(cctx);
    struct bufferevent *server, *su = NULL;
    if (server_filter) {
        su = bufferevent_socket_new(base, fds[1], BEV_OPT_CLOSE_ON_FREE);
        CHECK(su != NULL);
        server = bufferevent_openssl_filter_new(base, su, sssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    } else {
        server = bufferevent_openssl_socket_new(base, fds[1], sssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    }
    CHECK(server != NULL);
    struct bufferevent *cu = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
    CHECK(cu != NULL);
    client = bufferevent_openssl_filter_new(base, cu, cssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(client != NULL);
    CHECK(bufferevent_get_underlying(client) == cu);
    CHECK(bufferevent_openssl_get_ssl(client) == cssl);
    CHECK(bufferevent_openssl_get_ssl(cu) == NULL);
    if (server_filter)
        CHECK(bufferevent_get_underlying(server) == su);
    else
        CHECK(bufferevent_get_underlying(server) == NULL);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(client), 0);

    ngot = 0;
    server_connected = client_connected = server_eof = client_events = 0;
    bufferevent_setcb(server, server_readcb, NULL, server_eventcb, NULL);
    bufferevent_setcb(client, client_readcb, NULL, client_eventcb, NULL);
    bufferevent_enable(server, EV_READ | EV_WRITE);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    CHECK_EQ(bufferevent_write(client, sent, TOTAL), 0);

    run_for(base, 20000);
    CHECK_EQ(server_connected, 1);
    CHECK_EQ(client_connected, 1);
    CHECK_EQ(ngot, TOTAL);
    CHECK_EQ(server_eof, 1);
    CHECK_EQ(client_events, 0);

    bufferevent_free(client);
    bufferevent_free(server);
    run_for(base, 10);
    /* The sockets went with the underlying bufferevents. */
    CHECK_EQ(close(fds[0]), -1);
    CHECK_EQ(close(fds[1]), -1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    sent = malloc(TOTAL);
    got = malloc(TOTAL);
    CHECK(sent && got);
    for (size_t i = 0; i < TOTAL; i++)
        sent[i] = (unsigned char)(i * 11 + i / 253);
    round_(0);
    round_(1);
    event_base_free(base);
    free(sent);
    free(got);
    printf("ok\n");
    return 0;
}
