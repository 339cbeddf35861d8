/* ssl_echo: OpenSSL socket bufferevents on loopback TCP, with a self-signed EC certificate made
   in memory at start. The server's accepted sockets get BUFFEREVENT_SSL_ACCEPTING bufferevents
   that echo; the client's socket gets a BUFFEREVENT_SSL_CONNECTING one. Both see
   BEV_EVENT_CONNECTED once the handshake is done; 300 KB go through and come back intact;
   bufferevent_openssl_get_ssl returns the SSL given; allow_dirty_shutdown reads back. A client
   speaking plain text to the SSL server makes the server's bufferevent report BEV_EVENT_ERROR
   with an OpenSSL error available from bufferevent_get_openssl_error. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/listener.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
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

#define TOTAL (300 * 1024)

static struct event_base *base;
static SSL_CTX *server_ctx, *client_ctx;
static unsigned char *sent;
static size_t nsent, nechoed;
static int client_connected, server_connected, server_errors, plain_mode;
static unsigned long server_ssl_error;
static short server_last_what;

static void make_contexts(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    CHECK(key != NULL);
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(x, name);
    CHECK(X509_sign(x, key, EVP_sha256()) > 0);
    server_ctx = SSL_CTX_new(TLS_server_method());
    CHECK(SSL_CTX_use_certificate(server_ctx, x) == 1);
    CHECK(SSL_CTX_use_PrivateKey(server_ctx, key) == 1);
    client_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void server_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void server_event(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what == BEV_EVENT_CONNECTED) {
        server_connected++;
        return;
    }
    server_last_what = what;
    if (what & BEV_EVENT_ERROR) {
        server_errors++;
        server_ssl_error = bufferevent_get_openssl_error(bev);
    }
    bufferevent_free(bev);
    if (plain_mode)
        event_base_loopexit(base, NULL);
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
    (void)lev; (void)sa; (void)socklen; (void)arg;
    SSL *ssl = SSL_new(server_ctx);
    struct bufferevent *bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(bev != NULL);
    CHECK(bufferevent_openssl_get_ssl(bev) == ssl);
    bufferevent_setcb(bev, server_read, NULL, server_event, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void send_more(struct bufferevent *bev)
{
    while (nsent < TOTAL && evbuffer_get_length(bufferevent_get_output(bev)) < 65536) {
        size_t n = 5000;
        if (n > TOTAL - nsent) n = TOTAL - nsent;
        CHECK_EQ(bufferevent_write(bev, sent + nsent, n), 0);
        nsent += n;
    }
}

static void client_read(struct bufferevent *bev, void *arg)
{
    (void)arg;
    unsigned char buf[9000];
    size_t n;
    while ((n = bufferevent_read(bev, buf, sizeof(buf))) > 0) {
        CHECK(nechoed + n <= TOTAL);
        CHECK(memcmp(buf, sent + nechoed, n) == 0);
        nechoed += n;
    }
    if (nechoed == TOTAL)
        event_base_loopexit(base, NULL);
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
        client_connected++;
        send_more(bev);
        return;
    }
    fprintf(stderr, "client event 0x%x (err %lu)\n", what, bufferevent_get_openssl_error(bev));
    exit(1);
}

static void give_up(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    fprintf(stderr, "timed out: sent %zu echoed %zu\n", nsent, nechoed);
    exit(1);
}

static int connect_to(struct sockaddr_in *sin)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    CHECK_EQ(connect(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
    evutil_make_socket_nonblocking(fd);
    return fd;
}

int main(void)
{
    make_contexts();
    base = event_base_new();
    CHECK(base != NULL);
    sent = malloc(TOTAL);
    for (size_t i = 0; i < TOTAL; i++) sent[i] = (unsigned char)(i * 13 + i / 509);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *lev = evconnlistener_new_bind(base, accept_cb, NULL,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1, (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev != NULL);
    socklen_t sl = sizeof(sin);
    CHECK_EQ(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &sl), 0);

    struct event *guard = evtimer_new(base, give_up, NULL);
    struct timeval tv = { 20, 0 };
    evtimer_add(guard, &tv);

    /* 1. TLS echo. */
    SSL *cssl = SSL_new(client_ctx);
    struct bufferevent *client = bufferevent_openssl_socket_new(base, connect_to(&sin), cssl,
        BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    CHECK(client != NULL);
    CHECK(bufferevent_openssl_get_ssl(client) == cssl);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(client), 0);
    bufferevent_openssl_set_allow_dirty_shutdown(client, 1);
    CHECK_EQ(bufferevent_openssl_get_allow_dirty_shutdown(client), 1);
    bufferevent_openssl_set_allow_dirty_shutdown(client, 0);
    bufferevent_setcb(client, client_read, client_write, client_event, NULL);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    event_base_dispatch(base);
    CHECK_EQ(client_connected, 1);
    CHECK_EQ(server_connected, 1);
    CHECK_EQ(nechoed, TOTAL);
    CHECK_EQ(bufferevent_get_openssl_error(client), 0);
    /* A plain socket bufferevent has no SSL. */
    struct bufferevent *plain = bufferevent_socket_new(base, -1, 0);
    CHECK(bufferevent_openssl_get_ssl(plain) == NULL);
    bufferevent_free(plain);
    bufferevent_free(client);
    /* The client went without close_notify: a dirty shutdown, an error by default (with
       OpenSSL 3 an unexpected EOF is a protocol error). Let the server see it. */
    plain_mode = 1;
    event_base_dispatch(base);
    CHECK_EQ(server_errors, 1);
    CHECK_EQ(server_last_what, BEV_EVENT_ERROR | BEV_EVENT_READING);

    /* 2. Plain text to the TLS server: a handshake failure on the server side. */
    server_errors = 0;
    server_last_what = 0;
    int fd = connect_to(&sin);
    const char junk[] = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
    CHECK_EQ(write(fd, junk, sizeof(junk) - 1), (ssize_t)(sizeof(junk) - 1));
    event_base_dispatch(base);
    CHECK_EQ(server_errors, 1);
    CHECK_EQ(server_last_what, BEV_EVENT_ERROR | BEV_EVENT_READING);
    CHECK(server_ssl_error != 0);
    close(fd);

    evconnlistener_free(lev);
    event_free(guard);
    event_base_loop(base, EVLOOP_NONBLOCK);
    event_base_free(base);
    SSL_CTX_free(server_ctx);
    SSL_CTX_free(client_ctx);
    free(sent);
    printf("ok\n");
    return 0;
}
