/* Shared by the tests-c/openssl cases: checks, a throw-away EC key and self-signed
   certificate made in memory with OpenSSL 3 (no files), server and client contexts, and a
   connected loopback TCP pair. */
#ifndef TLS_COMMON_H
#define TLS_COMMON_H
#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
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

static EVP_PKEY *tls_key;
static X509 *tls_cert;

/* A P-256 key and a certificate for CN=localhost signed by itself, valid for an hour. */
static void tls_make_identity(void)
{
    tls_key = EVP_EC_gen("P-256");
    CHECK(tls_key != NULL);
    X509 *x = X509_new();
    CHECK(x != NULL);
    CHECK(X509_set_version(x, 2) == 1);
    CHECK(ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1);
    CHECK(X509_gmtime_adj(X509_getm_notBefore(x), -60) != NULL);
    CHECK(X509_gmtime_adj(X509_getm_notAfter(x), 3600) != NULL);
    CHECK(X509_set_pubkey(x, tls_key) == 1);
    X509_NAME *name = X509_get_subject_name(x);
    CHECK(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0) == 1);
    CHECK(X509_set_issuer_name(x, name) == 1);
    CHECK(X509_sign(x, tls_key, EVP_sha256()) > 0);
    tls_cert = x;
}

/* max_version 0: the library's best (TLS 1.3). */
static SSL_CTX *tls_server_ctx(int max_version)
{
    if (!tls_key)
        tls_make_identity();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    CHECK(ctx != NULL);
    CHECK(SSL_CTX_use_certificate(ctx, tls_cert) == 1);
    CHECK(SSL_CTX_use_PrivateKey(ctx, tls_key) == 1);
    if (max_version)
        CHECK(SSL_CTX_set_max_proto_version(ctx, max_version) == 1);
    return ctx;
}

static SSL_CTX *tls_client_ctx(int max_version)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    CHECK(ctx != NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    if (max_version)
        CHECK(SSL_CTX_set_max_proto_version(ctx, max_version) == 1);
    return ctx;
}

/* fds[0] the connecting end, fds[1] the accepted end; both non-blocking. */
static void tcp_pair(int fds[2])
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0);
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(l, (struct sockaddr *)&sin, sizeof sin), 0);
    CHECK_EQ(listen(l, 4), 0);
    socklen_t len = sizeof sin;
    CHECK_EQ(getsockname(l, (struct sockaddr *)&sin, &len), 0);
    fds[0] = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fds[0] >= 0);
    CHECK_EQ(connect(fds[0], (struct sockaddr *)&sin, sizeof sin), 0);
    fds[1] = accept(l, NULL, NULL);
    CHECK(fds[1] >= 0);
    close(l);
    CHECK_EQ(evutil_make_socket_nonblocking(fds[0]), 0);
    CHECK_EQ(evutil_make_socket_nonblocking(fds[1]), 0);
}

/* Run the loop until something breaks it, at most `ms` milliseconds. */
static void run_for(struct event_base *base, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}
#endif
