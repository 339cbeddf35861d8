/* filter_setfd: bufferevent_getfd/setfd on an SSL filter reach the underlying bufferevent's
   fd; setfd(-1) is accepted and changes nothing (libevent's own ssl/bufferevent_filter_freed_fd
   relies on that), a real fd moves the underlying to it. */
/* BACKENDS: epoll */
/* LIBS: -levent_openssl -lssl -lcrypto */
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

int main(void)
{
    struct event_base *base = event_base_new();
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = SSL_new(ctx);
    struct bufferevent *under = bufferevent_socket_new(base, sv[0], 0);
    struct bufferevent *f = bufferevent_openssl_filter_new(base, under, ssl, BUFFEREVENT_SSL_CONNECTING, 0);
    CHECK_EQ(f != NULL, 1);
    CHECK_EQ(bufferevent_getfd(f), sv[0]);
    CHECK_EQ(bufferevent_setfd(f, -1), 0);
    CHECK_EQ(bufferevent_getfd(f), sv[0]);
    CHECK_EQ(bufferevent_getfd(under), sv[0]);
    CHECK_EQ(bufferevent_setfd(f, sv[1]), 0);
    CHECK_EQ(bufferevent_getfd(f), sv[1]);
    CHECK_EQ(bufferevent_getfd(under), sv[1]);
    bufferevent_free(f);
    bufferevent_free(under);
    SSL_free(ssl);   /* the filter was made without BEV_OPT_CLOSE_ON_FREE: the SSL stays ours */
    SSL_CTX_free(ctx);
    close(sv[0]);
    close(sv[1]);
    event_base_free(base);
    puts("ok");
    return 0;
}
