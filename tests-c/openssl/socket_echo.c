/* socket_echo: TLS over loopback TCP with socket SSL bufferevents on both ends (server
   BUFFEREVENT_SSL_ACCEPTING, client BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE so the
   SSLs and fds go with the bufferevents). Both report BEV_EVENT_CONNECTED once the handshake
   is done; 300 KB written at once come back through a server that echoes whatever it reads;
   the client's close_notify (SSL_shutdown) reaches the server as BEV_EVENT_EOF|READING, not an
   error. Also: bufferevent_openssl_get_ssl returns the SSL given (NULL for a plain
   bufferevent), the dirty-shutdown flag reads back, get_openssl_error is 0 with no error,
   and the fd is the one given. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

#define TOTAL (300 * 1024)

static struct event_base *base;
static unsigned char *sent, *got;
static size_t ngot;
static int server_connected, client_connected, server_eof, client_events;
static SSL *client_ssl;

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
    CHECK_EQ(what, BEV_EVENT_EOF | BEV_EVENT_READING);
    CHECK_EQ(bufferevent_get_openssl_error(bev), 0);
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
        /* Over the socket flavour SSL writes straight to the fd: a close_notify. */
        CHECK(SSL_shutdown(client_ssl) >= 0);
    }
}

static void client_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    if (what == BEV_EVENT_CONNECTED)
        client_connected++;
    else
        client_events++;
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
        sent[i] = (unsigned char)(i * 7 + i / 251);

    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);
    int fds[2];
    tcp_pair(fds);
    SSL *server_ssl = SSL_new(sctx);
    client_ssl = SSL_new(cctx);
    CHECK(server_ssl && client_ssl);

    struct bufferevent *server = bufferevent_openssl_socket_new(base, fds[1], server_ssl,
        BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    struct bufferevent *client = bufferevent_openssl_socket_new(base, fds[0], client_ssl,
        BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(server != NULL && client != NULL);
    CHECK(bufferevent_openssl_get_ssl(server) == server_ssl);
    CHECK(bufferevent_openssl_get_ssl(client) == client_ssl);
    CHECK_EQ(bufferevent_getfd(server), fds[1]);
    CHECK_EQ(bufferevent_getfd(client), fds[0]);
    CHECK_EQ(SSL_get_fd(server_ssl), fds[1]);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(client), 0);
    bufferevent_openssl_set_allow_dirty_shutdown(client, 1);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(client), 1);
    bufferevent_openssl_set_allow_dirty_shutdown(client, 0);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(client), 0);
    CHECK_EQ(bufferevent_get_openssl_error(client), 0);

    /* A plain bufferevent is not an SSL one. */
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct bufferevent *plain = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
    CHECK(bufferevent_openssl_get_ssl(plain) == NULL);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(plain), -1);
    CHECK_EQ(bufferevent_get_openssl_error(plain), 0);
    CHECK_EQ(bufferevent_ssl_renegotiate(plain), -1);
    bufferevent_free(plain);
    close(sv[1]);

    bufferevent_setcb(server, server_readcb, NULL, server_eventcb, NULL);
    bufferevent_setcb(client, client_readcb, NULL, client_eventcb, NULL);
    bufferevent_enable(server, EV_READ | EV_WRITE);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    /* Written before the handshake: sent once it is done. */
    CHECK_EQ(bufferevent_write(client, sent, TOTAL), 0);

    run_for(base, 20000);
    CHECK_EQ(server_connected, 1);
    CHECK_EQ(client_connected, 1);
    CHECK_EQ(ngot, TOTAL);
    CHECK_EQ(server_eof, 1);
    CHECK_EQ(client_events, 0);

    bufferevent_free(client);
    bufferevent_free(server);
    /* Let the finalizers run. */
    run_for(base, 10);
    event_base_free(base);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    free(sent);
    free(got);
    printf("ok\n");
    return 0;
}
