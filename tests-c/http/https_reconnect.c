/* evhttp over TLS: a client connection built on an SSL socket bufferevent made with no fd
   (BUFFEREVENT_SSL_CONNECTING, deferred callbacks, dirty shutdowns allowed), talking to an
   evhttp server whose bufferevents are SSL ones (evhttp_set_bevcb). Two requests share the
   first connection; the second asks "Connection: close", so the third needs a new TCP
   connection, on which the same SSL bufferevent must shake hands again (a new fd restarts the
   connection from the state it was made in). The log must match libevent's exactly. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "../openssl/tls_common.h"
#include <event2/http.h>

static struct event_base *base;
static SSL_CTX *sctx, *cctx;
static int accepted;
static char log_[1024];
#define LOG(...) snprintf(log_ + strlen(log_), sizeof log_ - strlen(log_), __VA_ARGS__)

static struct bufferevent *server_bev(struct event_base *b, void *arg)
{
    (void)arg;
    accepted++;
    return bufferevent_openssl_socket_new(b, -1, SSL_new(sctx), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

static void gen(struct evhttp_request *r, void *a)
{
    struct evbuffer *b = evbuffer_new();
    (void)a;
    evbuffer_add_printf(b, "%s on connection %d", evhttp_request_get_uri(r), accepted);
    evhttp_send_reply(r, 200, "OK", b);
    evbuffer_free(b);
}

static void done(struct evhttp_request *r, void *arg)
{
    (void)arg;
    if (r) {
        struct evbuffer *in = evhttp_request_get_input_buffer(r);
        char body[64] = "";
        size_t n = evbuffer_get_length(in);
        if (n >= sizeof body) n = sizeof body - 1;
        evbuffer_copyout(in, body, n);
        LOG("%d [%s]\n", evhttp_request_get_response_code(r), body);
    } else {
        LOG("NULL\n");
    }
    event_base_loopexit(base, NULL);
}

static void request(struct evhttp_connection *c, const char *uri, int close_after)
{
    struct evhttp_request *r = evhttp_request_new(done, NULL);
    evhttp_add_header(evhttp_request_get_output_headers(r), "Host", "localhost");
    if (close_after)
        evhttp_add_header(evhttp_request_get_output_headers(r), "Connection", "close");
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_GET, uri) == 0);
    run_for(base, 10000);
}

int main(void)
{
    struct evhttp *h;
    struct evhttp_bound_socket *s;
    struct evhttp_connection *c;
    struct bufferevent *bev;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;

    alarm(60);
    base = event_base_new();
    CHECK(base);
    sctx = tls_server_ctx(0);
    cctx = tls_client_ctx(0);
    h = evhttp_new(base);
    CHECK(h);
    CHECK((s = evhttp_bind_socket_with_handle(h, "127.0.0.1", 0)) != NULL);
    evhttp_set_bevcb(h, server_bev, NULL);
    evhttp_set_gencb(h, gen, NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin, &sl) == 0);

    bev = bufferevent_openssl_socket_new(base, -1, SSL_new(cctx), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_DEFER_CALLBACKS);
    CHECK(bev);
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    c = evhttp_connection_base_bufferevent_new(base, NULL, bev, "127.0.0.1", ntohs(sin.sin_port));
    CHECK(c);

    request(c, "/one", 0);
    request(c, "/two", 1);
    request(c, "/three", 0);
    request(c, "/four", 0);

    SSL *ssl = bufferevent_openssl_get_ssl(bev);   /* not freed with the bufferevent (no BEV_OPT_CLOSE_ON_FREE) */
    evhttp_connection_free(c);
    SSL_free(ssl);
    evhttp_free(h);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    event_base_free(base);
    if (strcmp(log_, "200 [/one on connection 1]\n"
                     "200 [/two on connection 1]\n"
                     "200 [/three on connection 2]\n"
                     "200 [/four on connection 2]\n")) {
        fprintf(stderr, "got:\n%s", log_);
        return 1;
    }
    return 0;
}
