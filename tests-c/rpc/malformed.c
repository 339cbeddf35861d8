/* What an evrpc server answers a raw HTTP client (a thread with a blocking socket, while the
   main thread runs the server's loop) that sends it things no generated client would: for each
   request, the status line and whether the server then closes the connection (read to EOF,
   bounded by SO_RCVTIMEO) or keeps it open. The handler must run only for the good request.
   An HTTP/1.0 request gets its error page as HTTP/1.1, as evhttp_send_error answers. The log
   must be the same on libevent's library and ours. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "gen/shop.gen.h"
#include "gen/shop.gen.c"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

EVRPC_HEADER(Buy, order, receipt)
EVRPC_GENERATE(Buy, order, receipt)

static struct event_base *base;
static int port, handled, wake[2];
static char logbuf[4096];

static void BuyCb(EVRPC_STRUCT(Buy) *rpc, void *arg)
{
    (void)arg;
    handled++;
    EVTAG_ASSIGN(rpc->reply, total, 7);
    EVTAG_ASSIGN(rpc->reply, message, "ok");
    EVRPC_REQUEST_DONE(rpc);
}

/* Send `head` then `len` bytes of `body`; log the status line and the connection's fate. */
static void probe(const char *what, const char *head, const unsigned char *body, size_t len)
{
    struct sockaddr_in sin;
    struct timeval tv = { 10, 0 };
    char resp[1024], *eol;
    size_t got = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0), closed = 0;
    size_t l = strlen(logbuf);

    CHECK(fd >= 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0);
    CHECK(write(fd, head, strlen(head)) == (ssize_t)strlen(head));
    if (len) CHECK(write(fd, body, len) == (ssize_t)len);
    /* read the whole response; then either EOF (closed) or, once the body announced by
       Content-Length is in, a short wait that times out (kept open) */
    for (;;) {
        char *cl, *end;
        n = read(fd, resp + got, sizeof resp - 1 - got);
        if (n == 0) { closed = 1; break; }
        CHECK(n > 0);
        got += (size_t)n;
        resp[got] = 0;
        end = strstr(resp, "\r\n\r\n");
        cl = strstr(resp, "Content-Length: ");
        if (end && cl && got >= (size_t)(end + 4 - resp) + (size_t)atoi(cl + 16)) {
            struct timeval shortwait = { 0, 300000 };
            char c;
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &shortwait, sizeof shortwait);
            n = read(fd, &c, 1);
            closed = (n == 0);
            CHECK(n <= 0);
            break;
        }
    }
    resp[got] = 0;
    eol = strstr(resp, "\r\n");
    if (eol) *eol = 0;
    snprintf(logbuf + l, sizeof logbuf - l, "%s: %s, %s\n", what, resp, closed ? "closed" : "open");
    close(fd);
}

static void *client(void *arg)
{
    static const unsigned char garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
    /* tag 1 (customer), length 140, only 3 bytes follow */
    static const unsigned char short_record[] = { 0x01, 0x1c, 0x80, 'a', 'b', 'c' };
    /* a complete order: customer "ann" */
    static const unsigned char good[] = { 0x01, 0x03, 'a', 'n', 'n' };
    char head[256];
    (void)arg;

#define HEAD(path, n) (snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", path, (int)(n)), head)
    probe("good", HEAD("/.rpc.Buy", sizeof good), good, sizeof good);
    probe("garbage", HEAD("/.rpc.Buy", sizeof garbage), garbage, sizeof garbage);
    probe("record cut short", HEAD("/.rpc.Buy", sizeof short_record), short_record, sizeof short_record);
    probe("empty body", HEAD("/.rpc.Buy", 0), NULL, 0);
    probe("good body, unknown rpc", HEAD("/.rpc.Sell", sizeof good), good, sizeof good);
    probe("GET", "GET /.rpc.Buy HTTP/1.1\r\nHost: x\r\n\r\n", NULL, 0);
    probe("HTTP/1.0", "POST /.rpc.Buy HTTP/1.0\r\nContent-Length: 6\r\n\r\n", garbage, sizeof garbage);
    CHECK(write(wake[1], "x", 1) == 1);
    return NULL;
}

static void done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    event_base_loopbreak(base);
}

int main(void)
{
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;
    struct evrpc_base *rpcs;
    struct event *ev;
    struct timeval limit = { 30, 0 };
    pthread_t th;
    const char *want =
        "good: HTTP/1.1 200 OK, open\n"
        "garbage: HTTP/1.1 503 Service Unavailable, closed\n"
        "record cut short: HTTP/1.1 503 Service Unavailable, closed\n"
        "empty body: HTTP/1.1 503 Service Unavailable, closed\n"
        "good body, unknown rpc: HTTP/1.1 404 Not Found, closed\n"
        "GET: HTTP/1.1 503 Service Unavailable, closed\n"
        "HTTP/1.0: HTTP/1.1 503 Service Unavailable, closed\n";

    base = event_base_new();
    http = evhttp_new(base);
    sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(sock != NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == 0);
    port = ntohs(sin.sin_port);
    rpcs = evrpc_init(http);
    CHECK(EVRPC_REGISTER(rpcs, Buy, order, receipt, BuyCb, NULL) == 0);
    CHECK(pipe(wake) == 0);
    ev = event_new(base, wake[0], EV_READ, done, NULL);
    event_add(ev, NULL);
    event_base_loopexit(base, &limit);
    CHECK(pthread_create(&th, NULL, client, NULL) == 0);
    event_base_dispatch(base);
    CHECK(pthread_join(th, NULL) == 0);

    event_free(ev);
    CHECK(EVRPC_UNREGISTER(rpcs, Buy) == 0);
    evrpc_free(rpcs);
    evhttp_free(http);
    event_base_free(base);
    if (getenv("PRINT")) { fputs(logbuf, stdout); return 0; }
    CHECK(handled == 1);
    if (strcmp(logbuf, want) != 0) {
        fprintf(stderr, "log differs; got:\n%s\nwanted:\n%s", logbuf, want);
        return 1;
    }
    return 0;
}
