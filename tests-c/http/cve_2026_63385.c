/* CVE-2026-63385 (Debian's libevent 2.1.12-stable-8+deb12u1: "http: Reject headers containing
   CRLF"): a header key or value with a CR or LF anywhere is refused, by evhttp_add_header
   (-1, the list unchanged: no obs-fold continuation either, "Two\r\n Three" included) and
   therefore never reaches the wire through evhttp_send_reply or evhttp_make_request; a
   server answers 400 and closes when a request header holds a CR ("X-A: a\rb", a CR in the
   name, a line ending in CR CR LF), and a client fails a response holding one
   (EVREQ_HTTP_INVALID_HEADER, the callback gets NULL). Received obs-fold continuation lines
   are still joined as libevent joins them. */
/* BACKENDS: epoll poll select */
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static char seen_x[256];
static int served;

/* The program tries to add headers with CR/LF to its answer; all are refused. */
static void gen(struct evhttp_request *r, void *arg)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(r);
    const char *x = evhttp_find_header(evhttp_request_get_input_headers(r), "X-A");
    struct evbuffer *b = evbuffer_new();
    (void)arg;
    served++;
    snprintf(seen_x, sizeof seen_x, "%s", x ? x : "(none)");
    CHECK(evhttp_add_header(out, "X-Injected", "a\r\nSet-Cookie: evil=1") == -1);
    CHECK(evhttp_add_header(out, "X-Bad\r\nSet-Cookie", "evil=1") == -1);
    CHECK(evhttp_add_header(out, "X-Fold", "a\r\n b") == -1);
    CHECK(evhttp_add_header(out, "X-Good", "a b") == 0);
    evbuffer_add(b, "ok", 2);
    evhttp_send_reply(r, 200, "OK", b);
    evbuffer_free(b);
}

struct reader { struct evbuffer *got; int closed; };

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct reader *rd = arg;
    char buf[4096];
    ssize_t n;
    if (what & EV_TIMEOUT) { event_base_loopexit(base, NULL); return; }
    n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { rd->closed = 1; event_base_loopexit(base, NULL); return; }
    evbuffer_add(rd->got, buf, n);
}

/* Write `req` to the server at `port`; the answer (NUL-terminated, malloc'd) once the server
   closes or stays quiet for 300 ms; *closed says which. */
static char *exchange(int port, const char *req, int *closed)
{
    struct sockaddr_in sin;
    struct reader rd = { evbuffer_new(), 0 };
    struct timeval idle = { 0, 300000 };
    struct event *ev;
    size_t len;
    char *out;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    evutil_make_socket_nonblocking(fd);
    ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, &rd);
    event_add(ev, &idle);
    event_base_dispatch(base);
    event_free(ev);
    close(fd);
    len = evbuffer_get_length(rd.got);
    out = malloc(len + 1);
    evbuffer_remove(rd.got, out, len);
    out[len] = 0;
    evbuffer_free(rd.got);
    *closed = rd.closed;
    return out;
}

/* A canned-response server for the client half; it also keeps what the client sent. */
static const char *canned;
static char client_sent[4096];
static void c_read(evutil_socket_t fd, short what, void *arg)
{
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    (void)what; (void)arg;
    if (n <= 0) { close(fd); return; }
    buf[n] = 0;
    strncat(client_sent, buf, sizeof client_sent - strlen(client_sent) - 1);
    if (strstr(client_sent, "\r\n\r\n"))
        CHECK(write(fd, canned, strlen(canned)) == (ssize_t)strlen(canned));
}
static void c_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int n, void *arg)
{
    (void)l; (void)sa; (void)n; (void)arg;
    event_base_once(base, fd, EV_READ, c_read, NULL, NULL);
    /* one read is enough for the small requests here; close comes with the connection free */
}

static char result[256];
static void on_error(enum evhttp_request_error e, void *arg) { (void)arg; snprintf(result, sizeof result, "error=%d", (int)e); }
static void on_done(struct evhttp_request *r, void *arg)
{
    (void)arg;
    if (r) {
        const char *x = evhttp_find_header(evhttp_request_get_input_headers(r), "X-A");
        snprintf(result + strlen(result), sizeof result - strlen(result), " code=%d x=%s",
            evhttp_request_get_response_code(r), x ? x : "(none)");
    } else {
        snprintf(result + strlen(result), sizeof result - strlen(result), " NULL");
    }
    event_base_loopexit(base, NULL);
}

static const char *fetch(int port, const char *response, int inject)
{
    struct evhttp_connection *c = evhttp_connection_base_new(base, NULL, "127.0.0.1", port);
    struct evhttp_request *r = evhttp_request_new(on_done, NULL);
    CHECK(c && r);
    canned = response;
    result[0] = 0;
    client_sent[0] = 0;
    evhttp_request_set_error_cb(r, on_error);
    if (inject) {
        struct evkeyvalq *h = evhttp_request_get_output_headers(r);
        CHECK(evhttp_add_header(h, "X-Injected", "1\r\nX-Evil: 1") == -1);
        CHECK(evhttp_add_header(h, "X-Evil\n", "1") == -1);
        CHECK(evhttp_add_header(h, "Host", "h") == 0);
    }
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_GET, "/") == 0);
    event_base_dispatch(base);
    evhttp_connection_free(c);
    return result;
}

int main(void)
{
    struct evkeyvalq h;
    struct evkeyval *kv;
    struct evhttp *http;
    struct evhttp_bound_socket *bs;
    struct evconnlistener *l;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int port, cport, closed, n;
    char *ans;
    static const char *bad_values[] = { "Two\r\n Three", "Two\r\n\tThree", "Two\r", "Two\n", "Two\r\n",
        "\r\nThree", "Two\rThree", "Two\nThree", "\n" };
    size_t i;

    /* evhttp_add_header: CR or LF anywhere in key or value is refused, the list unchanged */
    TAILQ_INIT(&h);
    CHECK(evhttp_add_header(&h, "One", "Two") == 0);
    CHECK(evhttp_add_header(&h, "One", "Two Three") == 0);
    CHECK(evhttp_add_header(&h, "One", "Two\tThree") == 0);
    for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++)
        CHECK(evhttp_add_header(&h, "One", bad_values[i]) == -1);
    CHECK(evhttp_add_header(&h, "One\r", "Two") == -1);
    CHECK(evhttp_add_header(&h, "One\n", "Two") == -1);
    CHECK(evhttp_add_header(&h, "O\r\nne", "Two") == -1);
    n = 0;
    TAILQ_FOREACH(kv, &h, next) {
        CHECK(!strpbrk(kv->key, "\r\n") && !strpbrk(kv->value, "\r\n"));
        n++;
    }
    CHECK(n == 3);
    evhttp_clear_headers(&h);

    base = event_base_new();
    CHECK(base);
    http = evhttp_new(base);
    evhttp_set_gencb(http, gen, NULL);
    bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(bs);
    CHECK(getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &sl) == 0);
    port = ntohs(sin.sin_port);

    /* a clean request: the refused headers are not on the wire, the good one is */
    ans = exchange(port, "GET / HTTP/1.1\r\nX-A: fine\r\n\r\n", &closed);
    CHECK(strncmp(ans, "HTTP/1.1 200 OK\r\n", 17) == 0);
    CHECK(strstr(ans, "\r\nX-Good: a b\r\n"));
    CHECK(!strstr(ans, "Injected") && !strstr(ans, "evil") && !strstr(ans, "X-Bad") && !strstr(ans, "X-Fold"));
    CHECK(!closed);
    CHECK(served == 1 && strcmp(seen_x, "fine") == 0);
    free(ans);

    /* CR inside a value, inside a name, doubled before the LF: 400 and closed, no callback */
    {
        static const char *reqs[] = {
            "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A\r: b\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A: a\r\r\n\r\n",
            "GET / HTTP/1.1\r\nX-A: a\r\nX-B: \rSet-Cookie: x\r\n\r\n",
        };
        for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
            ans = exchange(port, reqs[i], &closed);
            if (strncmp(ans, "HTTP/1.1 400 Bad Request\r\n", 26) != 0 || !closed) {
                fprintf(stderr, "request %zu: got [%s] closed=%d\n", i, ans, closed);
                exit(1);
            }
            free(ans);
        }
        CHECK(served == 1);
    }
    /* bare CR as the line ending: never a complete line, so no answer until the peer goes */
    ans = exchange(port, "GET / HTTP/1.1\rX-A: a\r\r", &closed);
    CHECK(ans[0] == 0 && !closed && served == 1);
    free(ans);
    /* obs-fold in a received request is still joined with one space */
    ans = exchange(port, "GET / HTTP/1.1\r\nX-A: a\r\n  b\r\n\r\n", &closed);
    CHECK(strncmp(ans, "HTTP/1.1 200 OK\r\n", 17) == 0 && served == 2 && strcmp(seen_x, "a b") == 0);
    free(ans);
    evhttp_free(http);

    /* the client: injected headers never sent; responses with a CR in a header refused */
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, c_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(l);
    sl = sizeof sin;
    CHECK(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl) == 0);
    cport = ntohs(sin.sin_port);

    CHECK(strcmp(fetch(cport, "HTTP/1.1 200 OK\r\nX-A: v\r\nContent-Length: 0\r\n\r\n", 1), " code=200 x=v") == 0);
    CHECK(strncmp(client_sent, "GET / HTTP/1.1\r\n", 16) == 0);
    CHECK(!strstr(client_sent, "Injected") && !strstr(client_sent, "Evil"));
    CHECK(strcmp(fetch(cport, "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 0\r\n\r\n", 0), "error=2 NULL") == 0);
    CHECK(strcmp(fetch(cport, "HTTP/1.1 200 OK\r\nX-A\r: b\r\nContent-Length: 0\r\n\r\n", 0), "error=2 NULL") == 0);
    CHECK(strcmp(fetch(cport, "HTTP/1.1 200 OK\r\nX-A: a\r\r\nContent-Length: 0\r\n\r\n", 0), "error=2 NULL") == 0);
    CHECK(strcmp(fetch(cport, "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", 0), " code=200 x=a b") == 0);

    evconnlistener_free(l);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
