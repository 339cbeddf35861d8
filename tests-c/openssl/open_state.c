/* open_state: SSL bufferevents made in BUFFEREVENT_SSL_OPEN state over SSLs whose handshake
   the program already finished itself (SSL_connect / SSL_accept on the fds).
   - socket flavour: the SSL already has the fd (SSL_set_fd), so fd -1 means "the SSL's fd"
     and the same fd is accepted, while a different fd is refused (NULL); no
     BEV_EVENT_CONNECTED is reported, data flows both ways at once;
   - with BEV_OPT_CLOSE_ON_FREE the fd is closed when the bufferevent goes; without it the fd
     stays open and the SSL stays the program's, still usable directly;
   - filter flavour over a socket bufferevent on an already-open SSL: the same echo; when it
     goes (closing its socket) the server reports ERROR|READING once and stops there. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

static struct event_base *base;
static int events_seen;
static short last_what;
static char got[64];
static size_t ngot;

/* Both ends of a non-blocking TCP pair handshake in turn until both are done. */
static void handshake(SSL *client, SSL *server, int fds[2])
{
    int cdone = 0, sdone = 0;
    for (int i = 0; i < 1000 && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_connect(client);
            if (r == 1)
                cdone = 1;
            else
                CHECK(SSL_get_error(client, r) == SSL_ERROR_WANT_READ);
        }
        if (!sdone) {
            int r = SSL_accept(server);
            if (r == 1)
                sdone = 1;
            else
                CHECK(SSL_get_error(server, r) == SSL_ERROR_WANT_READ);
        }
        struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
        poll(p, 2, 10);
    }
    CHECK(cdone && sdone);
}

static void echo_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    CHECK_EQ(bufferevent_write_buffer(bev, bufferevent_get_input(bev)), 0);
}

static void client_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    ngot += bufferevent_read(bev, got + ngot, sizeof got - 1 - ngot);
    if (ngot >= strlen("hello, open TLS"))
        event_base_loopbreak(base);
}

static void count_eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev; (void)arg;
    last_what = what;
    events_seen++;
}

static int fd_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

static void echo_round(struct bufferevent *client, struct bufferevent *server)
{
    memset(got, 0, sizeof got);
    ngot = 0;
    bufferevent_setcb(server, echo_readcb, NULL, count_eventcb, NULL);
    bufferevent_setcb(client, client_readcb, NULL, count_eventcb, NULL);
    CHECK_EQ(bufferevent_enable(server, EV_READ | EV_WRITE), 0);
    CHECK_EQ(bufferevent_enable(client, EV_READ | EV_WRITE), 0);
    CHECK_EQ(bufferevent_write(client, "hello, open TLS", strlen("hello, open TLS")), 0);
    run_for(base, 10000);
    CHECK(strcmp(got, "hello, open TLS") == 0);
    CHECK_EQ(events_seen, 0);
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);

    /* Socket flavour. */
    int fds[2];
    tcp_pair(fds);
    SSL *cssl = SSL_new(cctx), *sssl = SSL_new(sctx);
    CHECK(cssl && sssl);
    CHECK_EQ(SSL_set_fd(cssl, fds[0]), 1);
    CHECK_EQ(SSL_set_fd(sssl, fds[1]), 1);
    handshake(cssl, sssl, fds);

    int other = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(other >= 0);
    CHECK(bufferevent_openssl_socket_new(base, other, cssl, BUFFEREVENT_SSL_OPEN, 0) == NULL);
    close(other);

    struct bufferevent *server = bufferevent_openssl_socket_new(base, -1, sssl,
        BUFFEREVENT_SSL_OPEN, BEV_OPT_CLOSE_ON_FREE);
    struct bufferevent *client = bufferevent_openssl_socket_new(base, fds[0], cssl,
        BUFFEREVENT_SSL_OPEN, 0);
    CHECK(server && client);
    CHECK_EQ(bufferevent_getfd(server), fds[1]);
    CHECK_EQ(bufferevent_getfd(client), fds[0]);
    CHECK(bufferevent_openssl_get_ssl(server) == sssl);
    echo_round(client, server);

    /* Without CLOSE_ON_FREE the SSL and fd stay the program's and still work. */
    bufferevent_free(client);
    run_for(base, 10);
    CHECK(fd_open(fds[0]));
    CHECK_EQ(SSL_write(cssl, "direct", 6), 6);
    char buf[16];
    int n = 0;
    for (int i = 0; i < 200 && n <= 0; i++) {
        run_for(base, 10); /* the server echoes */
        n = SSL_read(cssl, buf, sizeof buf);
    }
    CHECK_EQ(n, 6);
    CHECK(memcmp(buf, "direct", 6) == 0);
    SSL_free(cssl);
    close(fds[0]);

    /* The peer went without close_notify: whatever the server reports, the free closes the fd. */
    events_seen = 0;
    bufferevent_free(server);
    run_for(base, 10);
    CHECK(!fd_open(fds[1]));

    /* Filter flavour: the client's SSL (already open) over a socket bufferevent. */
    tcp_pair(fds);
    cssl = SSL_new(cctx);
    sssl = SSL_new(sctx);
    CHECK(cssl && sssl);
    CHECK_EQ(SSL_set_fd(cssl, fds[0]), 1);
    CHECK_EQ(SSL_set_fd(sssl, fds[1]), 1);
    handshake(cssl, sssl, fds);
    /* The client's fd BIO must not close the fd when the filter replaces it. */
    BIO_set_close(SSL_get_rbio(cssl), BIO_NOCLOSE);
    struct bufferevent *under = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
    CHECK(under != NULL);
    client = bufferevent_openssl_filter_new(base, under, cssl, BUFFEREVENT_SSL_OPEN,
        BEV_OPT_CLOSE_ON_FREE);
    CHECK(client != NULL);
    CHECK(bufferevent_get_underlying(client) == under);
    CHECK(bufferevent_openssl_get_ssl(client) == cssl);
    server = bufferevent_openssl_socket_new(base, fds[1], sssl, BUFFEREVENT_SSL_OPEN,
        BEV_OPT_CLOSE_ON_FREE);
    CHECK(server != NULL);
    echo_round(client, server);
    bufferevent_free(client);
    run_for(base, 10);
    CHECK(!fd_open(fds[0]));
    /* The client went without close_notify (OpenSSL 3 calls that a protocol error): the
       server says so once, then both directions stay stopped. */
    run_for(base, 100);
    CHECK_EQ(events_seen, 1);
    CHECK_EQ(last_what, BEV_EVENT_ERROR | BEV_EVENT_READING);
    CHECK(bufferevent_get_openssl_error(server) != 0);
    bufferevent_free(server);
    run_for(base, 10);
    CHECK(!fd_open(fds[1]));

    event_base_free(base);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    printf("ok\n");
    return 0;
}
