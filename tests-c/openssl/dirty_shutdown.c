/* dirty_shutdown: how an SSL socket bufferevent reports the end of its peer, by default and
   with allow_dirty_shutdown set (data sent before the end arrives first in every case):
   - close_notify then close: BEV_EVENT_EOF|READING either way, no OpenSSL error queued;
   - reset without close_notify (SO_LINGER 0): ERROR|READING by default, EOF|READING when
     dirty shutdowns are allowed; the queue holds SSL_ERROR_SYSCALL (5);
   - close without close_notify (FIN): OpenSSL 3 reports that as a protocol error
     (SSL_R_UNEXPECTED_EOF_WHILE_READING), which libevent 2.1.12 never treats as a dirty
     shutdown: ERROR|READING even when allowed. The queue is handed out newest first: the
     reason code, then SSL_ERROR_SSL (1), then 0. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

static struct event_base *base;
static int connected;
static short last_what;
static unsigned long errs[8];
static int nerrs;
static char got[64];

static void readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    size_t n = evbuffer_get_length(bufferevent_get_input(bev));
    CHECK(n < sizeof got);
    bufferevent_read(bev, got + strlen(got), n);
    if (strcmp(got, "hello") == 0)
        event_base_loopbreak(base);
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        connected++;
        if (connected == 2)
            event_base_loopbreak(base);
        return;
    }
    last_what = what;
    unsigned long e;
    nerrs = 0;
    while ((e = bufferevent_get_openssl_error(bev)) != 0 && nerrs < 8)
        errs[nerrs++] = e;
    event_base_loopbreak(base);
}

enum how { FIN, RST, CLOSE_NOTIFY };
static void one(int allow, enum how how)
{
    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);
    int fds[2];
    tcp_pair(fds);
    SSL *sssl = SSL_new(sctx), *cssl = SSL_new(cctx);
    struct bufferevent *server = bufferevent_openssl_socket_new(base, fds[1], sssl,
        BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    /* Not CLOSE_ON_FREE: the test closes the socket itself, behind SSL's back. */
    struct bufferevent *client = bufferevent_openssl_socket_new(base, fds[0], cssl,
        BUFFEREVENT_SSL_CONNECTING, 0);
    CHECK(server && client);
    if (allow)
        bufferevent_openssl_set_allow_dirty_shutdown(server, 1);
    bufferevent_setcb(server, readcb, NULL, eventcb, NULL);
    bufferevent_setcb(client, NULL, NULL, eventcb, NULL);
    bufferevent_enable(server, EV_READ | EV_WRITE);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    connected = 0;
    last_what = 0;
    got[0] = 0;
    run_for(base, 10000);
    CHECK_EQ(connected, 2);

    CHECK_EQ(bufferevent_write(client, "hello", 5), 0);
    run_for(base, 10000);
    CHECK(strcmp(got, "hello") == 0);
    bufferevent_free(client);
    if (how == CLOSE_NOTIFY)
        CHECK(SSL_shutdown(cssl) >= 0);
    if (how == RST) {
        struct linger lg = { 1, 0 };
        CHECK_EQ(setsockopt(fds[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    }
    SSL_free(cssl);
    close(fds[0]);
    run_for(base, 10000);
    CHECK(strcmp(got, "hello") == 0);
    switch (how) {
    case CLOSE_NOTIFY:
        CHECK_EQ(last_what, BEV_EVENT_EOF | BEV_EVENT_READING);
        CHECK_EQ(nerrs, 0);
        break;
    case RST:
        CHECK_EQ(last_what, (allow ? BEV_EVENT_EOF : BEV_EVENT_ERROR) | BEV_EVENT_READING);
        CHECK_EQ(nerrs, 1);
        CHECK_EQ(errs[0], SSL_ERROR_SYSCALL);
        break;
    case FIN:
        CHECK_EQ(last_what, BEV_EVENT_ERROR | BEV_EVENT_READING);
        CHECK_EQ(nerrs, 2);
        CHECK_EQ(ERR_GET_REASON(errs[0]), SSL_R_UNEXPECTED_EOF_WHILE_READING);
        CHECK_EQ(errs[1], SSL_ERROR_SSL);
        break;
    }
    CHECK_EQ(bufferevent_get_openssl_error(server), 0);
    bufferevent_free(server);
    run_for(base, 10);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    for (int h = 0; h < 3; h++) { one(0, h); one(1, h); }
    event_base_free(base);
    printf("ok\n");
    return 0;
}
