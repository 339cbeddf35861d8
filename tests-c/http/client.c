/* evhttp client against an evhttp server on the same loop, and against a raw socket that
   records what the client sends: requests with and without bodies, the headers the client
   adds itself, keep-alive reuse of one connection, a chunked response seen through the chunk
   callback, a HTTP/1.0 response delimited by close, evhttp_request_own, the close callback,
   a refused connect (the callback gets the request with code 0), and evhttp_cancel_request.
   The event log must match libevent's exactly; PRINT=1 prints it instead. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/buffer.h>
#include <event2/listener.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static char logbuf[16384];
static void logf_(const char *fmt, const char *s, int n)
{
    size_t l = strlen(logbuf);
    snprintf(logbuf + l, sizeof logbuf - l, fmt, s, n);
}
static struct event_base *base;
static int pending;

static void srv_cb(struct evhttp_request *r, void *a)
{
    struct evbuffer *b = evbuffer_new();
    const char *cl = evhttp_find_header(evhttp_request_get_input_headers(r), "Content-Length");
    (void)a;
    evbuffer_add_printf(b, "%s len=%s body=%d", evhttp_request_get_uri(r), cl ? cl : "-",
        (int)evbuffer_get_length(evhttp_request_get_input_buffer(r)));
    if (strstr(evhttp_request_get_uri(r), "chunk")) {
        evhttp_send_reply_start(r, 200, "Fine");
        evhttp_send_reply_chunk(r, b);
        evbuffer_add(b, "tail", 4);
        evhttp_send_reply_chunk(r, b);
        evhttp_send_reply_end(r);
    } else {
        evhttp_add_header(evhttp_request_get_output_headers(r), "X-Seen", "yes");
        evhttp_send_reply(r, 201, NULL, b);
    }
    evbuffer_free(b);
}

static void done_cb(struct evhttp_request *r, void *arg)
{
    const char *name = arg;
    if (!r) {
        logf_("%s: NULL request\n", name, 0);
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(r);
        size_t n = evbuffer_get_length(in);
        char body[256] = "";
        const char *seen = evhttp_find_header(evhttp_request_get_input_headers(r), "X-Seen");
        if (n >= sizeof body) n = sizeof body - 1;
        evbuffer_copyout(in, body, n);
        body[n] = 0;
        logf_("%s:", name, 0);
        logf_(" code=%2$d", "", evhttp_request_get_response_code(r));
        logf_(" line=%s", evhttp_request_get_response_code_line(r) ? evhttp_request_get_response_code_line(r) : "(null)", 0);
        logf_(" seen=%s", seen ? seen : "-", 0);
        logf_(" v=%2$d", "", r->major * 10 + r->minor);
        logf_(" body=[%s]\n", body, 0);
    }
    if (--pending == 0)
        event_base_loopexit(base, NULL);
}

static void chunk_cb(struct evhttp_request *r, void *arg)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(r);
    (void)arg;
    logf_("  chunk of %2$d\n", "", (int)evbuffer_get_length(in));
}

static void close_cb(struct evhttp_connection *c, void *arg)
{
    (void)c;
    logf_("close callback %s\n", (const char *)arg, 0);
}

/* raw server: record the request, answer with a canned HTTP/1.0 response, close */
static char raw_req[2048];
static void raw_read(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    (void)arg;
    if (n > sizeof raw_req - 1 - strlen(raw_req)) n = sizeof raw_req - 1 - strlen(raw_req);
    evbuffer_remove(in, raw_req + strlen(raw_req), n);
    if (strstr(raw_req, "\r\n\r\n") && strstr(raw_req, "body!"))
        bufferevent_write(bev, "HTTP/1.0 200 Whatever\r\nX-Seen: raw\r\n\r\nuntil close", 51);
}
static void raw_done_write(struct bufferevent *bev, void *arg) { (void)arg; bufferevent_free(bev); }

static void raw_read2(struct bufferevent *bev, void *arg)
{
    raw_read(bev, arg);
    if (strstr(raw_req, "body!"))
        bufferevent_setcb(bev, NULL, raw_done_write, NULL, NULL);
}
static void raw_accept2(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
    struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    (void)l; (void)sa; (void)len; (void)arg;
    bufferevent_setcb(bev, raw_read2, NULL, NULL, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static int port_of(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    CHECK(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
    return ntohs(sin.sin_port);
}

int main(void)
{
    struct evhttp *http;
    struct evhttp_bound_socket *bs;
    struct evhttp_connection *c, *c2, *c3;
    struct evhttp_request *r, *owned;
    struct evconnlistener *raw;
    struct sockaddr_in sin;
    struct timeval bound = { 5, 0 };
    int port, rawport, deadport, s;

    base = event_base_new();
    http = evhttp_new(base);
    evhttp_set_gencb(http, srv_cb, NULL);
    bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(bs);
    port = port_of(evhttp_bound_socket_get_fd(bs));

    /* three requests queued on one keep-alive connection */
    c = evhttp_connection_base_new(base, NULL, "127.0.0.1", port);
    CHECK(c);
    evhttp_connection_set_closecb(c, close_cb, "c");
    r = evhttp_request_new(done_cb, "get");
    evhttp_add_header(evhttp_request_get_output_headers(r), "Host", "localhost");
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_GET, "/first?x=1") == 0);
    r = evhttp_request_new(done_cb, "post");
    evbuffer_add(evhttp_request_get_output_buffer(r), "hello", 5);
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_POST, "/second") == 0);
    owned = evhttp_request_new(done_cb, "chunked");
    evhttp_request_own(owned);
    CHECK(evhttp_request_is_owned(owned));
    evhttp_request_set_chunked_cb(owned, chunk_cb);
    CHECK(evhttp_make_request(c, owned, EVHTTP_REQ_GET, "/chunk") == 0);
    pending = 3;
    event_base_loopexit(base, &bound);
    event_base_dispatch(base);
    CHECK(pending == 0);
    evhttp_request_free(owned);
    evhttp_connection_free(c);

    /* the bytes a client sends, and a response that ends at close */
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    raw = evconnlistener_new_bind(base, raw_accept2, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(raw);
    rawport = port_of(evconnlistener_get_fd(raw));
    c2 = evhttp_connection_base_new(base, NULL, "127.0.0.1", rawport);
    r = evhttp_request_new(done_cb, "raw");
    evhttp_add_header(evhttp_request_get_output_headers(r), "Host", "example");
    evbuffer_add(evhttp_request_get_output_buffer(r), "body!", 5);
    CHECK(evhttp_make_request(c2, r, EVHTTP_REQ_PUT, "/put/here") == 0);
    pending = 1;
    event_base_loopexit(base, &bound);
    event_base_dispatch(base);
    CHECK(pending == 0);
    for (s = 0; raw_req[s]; s++)
        if (raw_req[s] == '\r') raw_req[s] = '~';
    logf_("raw request: [%s]\n", raw_req, 0);
    evhttp_connection_free(c2);
    evconnlistener_free(raw);

    /* nothing listens on this port: the request comes back with code 0 */
    s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(s, (struct sockaddr *)&sin, sizeof sin) == 0);
    deadport = port_of(s);
    close(s);
    c3 = evhttp_connection_base_new(base, NULL, "127.0.0.1", deadport);
    r = evhttp_request_new(done_cb, "refused");
    CHECK(evhttp_make_request(c3, r, EVHTTP_REQ_GET, "/") == 0);
    /* a second request, cancelled before it is sent: its callback never runs */
    r = evhttp_request_new(done_cb, "cancelled");
    CHECK(evhttp_make_request(c3, r, EVHTTP_REQ_GET, "/never") == 0);
    evhttp_cancel_request(r);
    pending = 1;
    event_base_loopexit(base, &bound);
    event_base_dispatch(base);
    CHECK(pending == 0);
    evhttp_connection_free(c3);

    evhttp_free(http);
    event_base_free(base);
    if (getenv("PRINT")) {
        fputs(logbuf, stdout);
        return 0;
    }
    {
        static const char want[] =
#include "client.expect"
        ;
        if (strcmp(logbuf, want) != 0) {
            fprintf(stderr, "got:\n%s--- want:\n%s", logbuf, want);
            return 1;
        }
    }
    return 0;
}
