/* read_then_disable: an SSL socket bufferevent hands over one record's worth of what SSL has
   and goes back to the socket only when it is readable again, as libevent does. So a read
   callback that disables reading hears nothing of what is queued behind the data, not even
   the peer's close (here a close without close_notify, already waiting in the socket), with
   deferred callbacks or without; enabling reading again reports that end (on OpenSSL 3 a
   bare FIN is ERROR|READING even with dirty shutdowns allowed, as dirty_shutdown.c shows). */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

static struct event_base *base;
static int connected;
static short last_what;
static char got[64];
static int reads;

static void readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    size_t n = evbuffer_get_length(bufferevent_get_input(bev));
    CHECK(n < sizeof got - strlen(got));
    bufferevent_read(bev, got + strlen(got), n);
    reads++;
    bufferevent_disable(bev, EV_READ);
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        if (++connected == 2)
            event_base_loopbreak(base);
        return;
    }
    last_what = what;
}

static void one(int options)
{
    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);
    int fds[2];
    tcp_pair(fds);
    struct bufferevent *server = bufferevent_openssl_socket_new(base, fds[1], SSL_new(sctx),
        BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    struct bufferevent *client = bufferevent_openssl_socket_new(base, fds[0], SSL_new(cctx),
        BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE | options);
    CHECK(server && client);
    bufferevent_openssl_set_allow_dirty_shutdown(client, 1);
    bufferevent_setcb(server, NULL, NULL, eventcb, NULL);
    bufferevent_setcb(client, readcb, NULL, eventcb, NULL);
    bufferevent_enable(server, EV_READ | EV_WRITE);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    connected = 0;
    last_what = 0;
    got[0] = 0;
    reads = 0;
    run_for(base, 10000);
    CHECK_EQ(connected, 2);

    /* The reply and then the server's end (no close_notify) both wait in the socket. */
    bufferevent_disable(client, EV_READ);
    run_for(base, 50);
    CHECK_EQ(bufferevent_write(server, "reply", 5), 0);
    run_for(base, 100);
    bufferevent_free(server);
    run_for(base, 50);

    bufferevent_enable(client, EV_READ);
    run_for(base, 200);
    CHECK(strcmp(got, "reply") == 0);
    CHECK_EQ(reads, 1);
    CHECK_EQ(last_what, 0);

    bufferevent_enable(client, EV_READ);
    run_for(base, 200);
    CHECK_EQ(reads, 1);
    CHECK_EQ(last_what, BEV_EVENT_ERROR | BEV_EVENT_READING);

    bufferevent_free(client);
    run_for(base, 10);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    one(0);
    one(BEV_OPT_DEFER_CALLBACKS);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
