/* Transfer-Encoding and Content-Length under Debian's request-smuggling fix: the two internal
   functions it exports (evhttp_str_is_chunked_, evhttp_check_transfer_encoding_; in no
   header, declared here as libevent's own tests declare them), and an evhttp client reading
   canned responses: "chunked" is the body coding when it is the last one ("gzip, chunked",
   or a second Transfer-Encoding header), while Transfer-Encoding with Content-Length, or
   "chunked" before another coding, fails the request (error callback with
   EVREQ_HTTP_INVALID_HEADER, then the request callback with NULL); chunk sizes as libevent
   reads them. The server side of the same rules is in server_raw.expect. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

int evhttp_str_is_chunked_(const char *value, const char *eos);
int evhttp_check_transfer_encoding_(const char *value);
enum { TE_INVALID, TE_ENDS_IN_CHUNKED, TE_NO_CHUNKED };

static struct event_base *base;
static const char *canned;
static char log_[2048];

static void srv_written(struct bufferevent *bev, void *arg) { (void)arg; bufferevent_free(bev); }
static void srv_read(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    (void)arg;
    if (evbuffer_search(in, "\r\n\r\n", 4, NULL).pos < 0)
        return;
    evbuffer_drain(in, evbuffer_get_length(in));
    bufferevent_write(bev, canned, strlen(canned));
    /* (a write callback set before this would run as soon as the socket is writable) */
    bufferevent_setcb(bev, NULL, srv_written, NULL, NULL);
}
static void srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int n, void *arg)
{
    struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    (void)l; (void)sa; (void)n; (void)arg;
    bufferevent_setcb(bev, srv_read, NULL, NULL, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void on_error(enum evhttp_request_error e, void *arg)
{
    (void)arg;
    snprintf(log_ + strlen(log_), sizeof log_ - strlen(log_), " error=%d", (int)e);
}
static void on_done(struct evhttp_request *r, void *arg)
{
    (void)arg;
    if (!r) {
        snprintf(log_ + strlen(log_), sizeof log_ - strlen(log_), " NULL");
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(r);
        size_t n = evbuffer_get_length(in);
        char body[64] = "";
        if (n >= sizeof body) n = sizeof body - 1;
        evbuffer_copyout(in, body, n);
        snprintf(log_ + strlen(log_), sizeof log_ - strlen(log_), " code=%d body=[%s]",
            evhttp_request_get_response_code(r), body);
    }
    event_base_loopexit(base, NULL);
}

/* One GET through a fresh connection to the canned server; what the callbacks saw. */
static const char *fetch(int port, const char *response)
{
    struct evhttp_connection *c = evhttp_connection_base_new(base, NULL, "127.0.0.1", port);
    struct evhttp_request *r = evhttp_request_new(on_done, NULL);
    CHECK(c && r);
    canned = response;
    log_[0] = 0;
    evhttp_request_set_error_cb(r, on_error);
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_GET, "/") == 0);
    event_base_dispatch(base);
    evhttp_connection_free(c);
    return log_;
}

#define EXPECT(resp, want) do { const char *got_ = fetch(port, resp); \
    if (strcmp(got_, want)) { fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, got_, want); exit(1); } } while (0)

int main(void)
{
    const char *s = "chunked, gzip";
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct evconnlistener *l;
    int port;

    /* one coding, up to eos (or the NUL when eos is NULL) */
    CHECK(evhttp_str_is_chunked_("chunked", NULL));
    CHECK(evhttp_str_is_chunked_("chUNKED", NULL));
    CHECK(evhttp_str_is_chunked_("  CHUNKED  ", NULL));
    CHECK(evhttp_str_is_chunked_("\tchunked\t", NULL));
    CHECK(evhttp_str_is_chunked_(" chUNKED ; foo=bar", NULL));
    CHECK(evhttp_str_is_chunked_("chunked;x", NULL));
    CHECK(evhttp_str_is_chunked_(s, s + 7));
    CHECK(!evhttp_str_is_chunked_(s, s + 6));
    CHECK(!evhttp_str_is_chunked_(s, NULL));
    CHECK(!evhttp_str_is_chunked_("", NULL));
    CHECK(!evhttp_str_is_chunked_("wombat", NULL));
    CHECK(!evhttp_str_is_chunked_("chunked+", NULL));
    CHECK(!evhttp_str_is_chunked_("wombchunkedat", NULL));
    CHECK(!evhttp_str_is_chunked_("wombat chunked", NULL));
    CHECK(evhttp_str_is_chunked_("chunked chunked", NULL));   /* only the first word counts */
    CHECK(!evhttp_str_is_chunked_("wombat; chunked=foo", NULL));

    /* a whole header value: chunked only last */
    CHECK(evhttp_check_transfer_encoding_("hello") == TE_NO_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("") == TE_NO_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("hello, world") == TE_NO_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("gzip,chunked") == TE_ENDS_IN_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("hello, world, chunked") == TE_ENDS_IN_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("chunked  ") == TE_ENDS_IN_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("    ,  chunked  ") == TE_ENDS_IN_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("chunked;a=b") == TE_ENDS_IN_CHUNKED);
    CHECK(evhttp_check_transfer_encoding_("chunked , gzip") == TE_INVALID);
    CHECK(evhttp_check_transfer_encoding_("chunked, chunked") == TE_INVALID);
    CHECK(evhttp_check_transfer_encoding_("foo, chunked , gzip") == TE_INVALID);
    CHECK(evhttp_check_transfer_encoding_("    ,  chunked, ") == TE_INVALID);

    /* the client reading responses */
    base = event_base_new();
    CHECK(base);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, srv_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(l);
    CHECK(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl) == 0);
    port = ntohs(sin.sin_port);

    EXPECT("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", " code=200 body=[abc]");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", " code=200 body=[abc]");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n", " code=200 body=[abc]");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        " code=200 body=[abc]");
    /* not chunked, no length: the body runs to the close */
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n3\r\nabc", " code=200 body=[3\r\nabc]");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x3 ext\r\nabc\r\n0\r\nX: t\r\n\r\n", " code=200 body=[abc]");
    /* a malformed chunk (extensions included) or trailer is "too long" (EVREQ_HTTP_DATA_TOO_LONG) */
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\n\r\n", " error=5 NULL");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nbad\r\n\r\n", " error=5 NULL");
    EXPECT("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        " error=2 NULL");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc", " error=2 NULL");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n", " error=2 NULL");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        " error=2 NULL");
    EXPECT("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        " error=2 NULL");

    evconnlistener_free(l);
    event_base_free(base);
    return 0;
}
