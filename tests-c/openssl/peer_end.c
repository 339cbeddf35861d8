/* peer_end: what the program hears when the TLS peer goes, on both flavours, with
   allow_dirty_shutdown off and on. Every case first gets "hello" through.
   - close_notify, then more bytes, then close: the socket flavour reports EOF|READING once
     and stops reading. The filter flavour leaves its underlying reading: EOF|READING again
     for the later bytes, then the underlying's end as ERROR (EOF when dirty shutdowns are
     allowed), without a direction;
   - a FIN without close_notify is a protocol error to OpenSSL 3 (ERROR|READING with its
     reason queued) on the socket flavour, and the underlying's end on the filter flavour;
   - a reset (SO_LINGER 0): the socket flavour reports ERROR (EOF when allowed) with
     SSL_ERROR_SYSCALL (5) queued; the filter flavour passes the underlying's ERROR|READING;
   - a reset while the client writes 1 MB: the failure is reported once (socket flavour)
     and the filter flavour's write callback has already run: it handed everything to the
     underlying at once. */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include "tls_common.h"

static struct event_base *base;
static char log_[512];

static void logf_(const char *fmt, unsigned long v)
{
    size_t n = strlen(log_);
    snprintf(log_ + n, sizeof log_ - n, fmt, v);
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)arg;
    if (what == BEV_EVENT_CONNECTED)
        return;
    logf_("ev%lx", (unsigned long)what);
    unsigned long e;
    while ((e = bufferevent_get_openssl_error(bev)) != 0)
        logf_(":%lx", e & 0xfff);
    logf_(" ", 0);
}

static void readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    logf_("read%lu ", (unsigned long)evbuffer_get_length(in));
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void writecb(struct bufferevent *bev, void *arg)
{
    (void)bev; (void)arg;
    logf_("written ", 0);
}

enum { CLOSE_NOTIFY, FIN, RESET, RESET_WRITING };

static const char *scenario(int filter, int mode, int dirty)
{
    SSL_CTX *s = tls_server_ctx(0), *c = tls_client_ctx(0);
    int fds[2];
    tcp_pair(fds);
    SSL *sssl = SSL_new(s);
    struct bufferevent *srv = bufferevent_openssl_socket_new(base, fds[1], sssl, BUFFEREVENT_SSL_ACCEPTING, 0);
    struct bufferevent *cl;
    if (filter) {
        struct bufferevent *u = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
        cl = bufferevent_openssl_filter_new(base, u, SSL_new(c), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    } else {
        cl = bufferevent_openssl_socket_new(base, fds[0], SSL_new(c), BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    }
    CHECK(srv && cl);
    bufferevent_openssl_set_allow_dirty_shutdown(cl, dirty);
    bufferevent_setcb(srv, NULL, NULL, NULL, NULL);
    bufferevent_setcb(cl, readcb, mode == RESET_WRITING ? writecb : NULL, eventcb, NULL);
    bufferevent_enable(srv, EV_READ | EV_WRITE);
    bufferevent_enable(cl, EV_READ | EV_WRITE);
    log_[0] = 0;
    CHECK_EQ(bufferevent_write(srv, "hello", 5), 0);
    for (int i = 0; i < 100 && !log_[0]; i++)
        run_for(base, 10);

    if (mode == CLOSE_NOTIFY) {
        CHECK(SSL_shutdown(sssl) >= 0);
        run_for(base, 100);
        CHECK_EQ(write(fds[1], "not TLS", 7), 7);
        run_for(base, 100);
    }
    if (mode == RESET || mode == RESET_WRITING) {
        struct linger l = { 1, 0 };
        CHECK_EQ(setsockopt(fds[1], SOL_SOCKET, SO_LINGER, &l, sizeof l), 0);
    }
    bufferevent_free(srv);
    if (mode == RESET_WRITING) {
        static char big[1 << 20];
        CHECK_EQ(bufferevent_write(cl, big, sizeof big), 0);
    }
    close(fds[1]);
    SSL_free(sssl);
    run_for(base, 300);
    bufferevent_free(cl);
    run_for(base, 10);
    SSL_CTX_free(s);
    SSL_CTX_free(c);
    return log_;
}

static void expect(int filter, int mode, int dirty, const char *want)
{
    const char *got = scenario(filter, mode, dirty);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "filter %d mode %d dirty %d:\n  got  \"%s\"\n  want \"%s\"\n", filter, mode, dirty, got, want);
        exit(1);
    }
}

int main(void)
{
    alarm(30);
    base = event_base_new();
    CHECK(base != NULL);
    /* 0x126 is SSL_R_UNEXPECTED_EOF_WHILE_READING. */
    expect(0, CLOSE_NOTIFY, 0, "read5 ev11 ");
    expect(0, CLOSE_NOTIFY, 1, "read5 ev11 ");
    expect(0, FIN, 0, "read5 ev21:126:1 ");
    expect(0, FIN, 1, "read5 ev21:126:1 ");
    expect(0, RESET, 0, "read5 ev21:5 ");
    expect(0, RESET, 1, "read5 ev11:5 ");
    expect(1, CLOSE_NOTIFY, 0, "read5 ev11 ev11 ev20 ");
    expect(1, CLOSE_NOTIFY, 1, "read5 ev11 ev11 ev10 ");
    expect(1, FIN, 0, "read5 ev20 ");
    expect(1, FIN, 1, "read5 ev10 ");
    expect(1, RESET, 0, "read5 ev21 ");
    expect(1, RESET, 1, "read5 ev21 ");
    expect(1, RESET_WRITING, 0, "read5 written ev22 ev20 ");
    expect(1, RESET_WRITING, 1, "read5 written ev22 ev10 ");
    /* The socket flavour may notice the reset reading or writing first. */
    const char *got = scenario(0, RESET_WRITING, 0);
    CHECK(strcmp(got, "read5 ev22:5 ") == 0 || strcmp(got, "read5 ev21:5 ") == 0);
    got = scenario(0, RESET_WRITING, 1);
    CHECK(strcmp(got, "read5 ev12:5 ") == 0 || strcmp(got, "read5 ev11:5 ") == 0);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
