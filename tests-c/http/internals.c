/* The evhttp internals libevent's own regression tests call: evhttp_parse_firstline_ and
   evhttp_parse_headers_ (enum message_read_status: 1 all read, 0 more expected, -1 corrupted)
   on request and response objects, evhttp_decode_uri_internal, and evhttp_connection_fail_
   on a request in flight (the error callback, then the request callback with NULL). */
/* BACKENDS: epoll poll */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/buffer.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); if (!a_ || strcmp(a_, b_)) { \
    fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, a_ ? a_ : "(null)", b_); exit(1); } } while (0)

/* not in any header: libevent's test programs declare them the same way */
int evhttp_parse_firstline_(struct evhttp_request *, struct evbuffer *);
int evhttp_parse_headers_(struct evhttp_request *, struct evbuffer *);
int evhttp_decode_uri_internal(const char *uri, size_t length, char *ret, int decode_plus);
void evhttp_connection_fail_(struct evhttp_connection *, enum evhttp_request_error);

static struct event_base *base;
static struct evhttp_connection *conn;
static int order, error_seen = -1, error_at, cb_at, cb_null;

static void on_error(enum evhttp_request_error e, void *arg) { (void)arg; error_seen = e; error_at = ++order; }
static void on_done(struct evhttp_request *r, void *arg) { (void)arg; cb_null = (r == NULL); cb_at = ++order; event_base_loopexit(base, NULL); }
static void fail_now(evutil_socket_t fd, short w, void *arg) { (void)fd; (void)w; (void)arg; evhttp_connection_fail_(conn, EVREQ_HTTP_TIMEOUT); }
static void accept_silently(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int n, void *arg)
{ (void)l; (void)sa; (void)n; *(int *)arg = fd; }

int main(void)
{
    struct evhttp_request *req = evhttp_request_new(NULL, NULL);
    struct evbuffer *buf = evbuffer_new();
    char out[64];
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct evconnlistener *l;
    struct timeval soon = { 0, 100000 }, bound = { 5, 0 };
    int peer = -1;

    /* request line, in pieces */
    req->kind = EVHTTP_REQUEST;
    evbuffer_add_printf(buf, "GET /x?y=%%20 HT");
    CHECK(evhttp_parse_firstline_(req, buf) == 0);
    evbuffer_add_printf(buf, "TP/1.0\r\nHost: h\r\nX-A:  one \r\n");
    CHECK(evhttp_parse_firstline_(req, buf) == 1);
    CHECK(evhttp_request_get_command(req) == EVHTTP_REQ_GET);
    CHECK_STR(evhttp_request_get_uri(req), "/x?y=%20");
    CHECK(req->major == 1 && req->minor == 0);
    CHECK(evhttp_parse_headers_(req, buf) == 0);   /* no empty line yet */
    evbuffer_add_printf(buf, "\r\nrest");
    CHECK(evhttp_parse_headers_(req, buf) == 1);
    CHECK_STR(evhttp_find_header(evhttp_request_get_input_headers(req), "host"), "h");
    CHECK_STR(evhttp_find_header(evhttp_request_get_input_headers(req), "X-A"), "one");
    CHECK(evbuffer_get_length(buf) == 4);            /* the body is left alone */
    evhttp_request_free(req);
    evbuffer_drain(buf, 4);

    req = evhttp_request_new(NULL, NULL);
    req->kind = EVHTTP_REQUEST;
    evbuffer_add_printf(buf, "nonsense\r\n");
    CHECK(evhttp_parse_firstline_(req, buf) == -1);
    evbuffer_add_printf(buf, "no colon here\r\n\r\n");
    CHECK(evhttp_parse_headers_(req, buf) == -1);
    evhttp_request_free(req);
    evbuffer_drain(buf, evbuffer_get_length(buf));

    /* status line */
    req = evhttp_request_new(NULL, NULL);
    req->kind = EVHTTP_RESPONSE;
    evbuffer_add_printf(buf, "HTTP/1.1 404 Not Here Today\r\n");
    CHECK(evhttp_parse_firstline_(req, buf) == 1);
    CHECK(evhttp_request_get_response_code(req) == 404);
    CHECK_STR(evhttp_request_get_response_code_line(req), "Not Here Today");
    evbuffer_add_printf(buf, "HTTP/1.1 0200\r\n");     /* any decimal number, no reason */
    CHECK(evhttp_parse_firstline_(req, buf) == 1);
    CHECK(evhttp_request_get_response_code(req) == 200);
    CHECK_STR(evhttp_request_get_response_code_line(req), "");
    evbuffer_add_printf(buf, "HTTP/1.1 abc Huge\r\n");
    CHECK(evhttp_parse_firstline_(req, buf) == -1);
    evhttp_request_free(req);
    evbuffer_free(buf);

    /* percent-decoding into a caller's buffer */
    CHECK(evhttp_decode_uri_internal("a%20b+c", 7, out, 0) == 5);
    CHECK_STR(out, "a b+c");
    CHECK(evhttp_decode_uri_internal("a%20b+c", 7, out, 1) == 5);
    CHECK_STR(out, "a b c");

    /* evhttp_connection_fail_ on a request the server never answers */
    base = event_base_new();
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    l = evconnlistener_new_bind(base, accept_silently, &peer, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(l);
    CHECK(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl) == 0);
    conn = evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port));
    req = evhttp_request_new(on_done, NULL);
    evhttp_request_set_error_cb(req, on_error);
    CHECK(evhttp_make_request(conn, req, EVHTTP_REQ_GET, "/") == 0);
    event_base_once(base, -1, EV_TIMEOUT, fail_now, NULL, &soon);
    event_base_loopexit(base, &bound);
    event_base_dispatch(base);
    CHECK(error_seen == EVREQ_HTTP_TIMEOUT);
    CHECK(error_at == 1 && cb_at == 2 && cb_null);
    evhttp_connection_free(conn);
    if (peer >= 0) close(peer);
    evconnlistener_free(l);
    event_base_free(base);
    return 0;
}
