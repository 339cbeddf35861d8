/* Bodies larger than allowed, and a client that must not send its body too early.
   Server: with EVHTTP_SERVER_LINGERING_CLOSE the rest of a too-large body is read and thrown
   away before the 413 goes out (then a clean close); without it the 413 comes at once.
   Client: "Expect: 100-continue" holds the body back until the server says "100 Continue"
   (and never sends it when the server answers otherwise); "Expect: 101-continue" does not;
   EVHTTP_CON_READ_ON_WRITE_ERROR reads the server's answer after the write failed (a server
   that answers and closes without reading the body), where without it the request fails.
   The log must match libevent's exactly; PRINT=1 prints it instead. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <signal.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static char log_[4096];
#define LOG(...) snprintf(log_ + strlen(log_), sizeof log_ - strlen(log_), __VA_ARGS__)

static void run_for(int ms)
{
    struct timeval tv = { 0, ms * 1000 };
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

static int port_of(int fd)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    CHECK(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
    return ntohs(sin.sin_port);
}

static int connect_to(int port)
{
    struct sockaddr_in sin;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons(port);
    CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    return fd;
}

/* What has arrived on fd so far: its first line, whether it ended, or "nothing". */
static void what_arrived(int fd, const char *when)
{
    char buf[8192];
    size_t got = 0;
    int end = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, MSG_DONTWAIT);
        if (n > 0) { got += n; continue; }
        if (n == 0 || errno != EAGAIN) end = 1;
        break;
    }
    buf[got] = 0;
    if (strchr(buf, '\r')) *strchr(buf, '\r') = 0;
    LOG("%s: %.80s%s\n", when, got ? buf : (end ? "" : "nothing"), end ? (got ? ", closed" : "closed") : "");
}

static void gen(struct evhttp_request *r, void *a)
{
    (void)a;
    evhttp_send_reply(r, 200, "OK", NULL);
}

/* A raw client sends half of a 20000-byte body over the limit, waits, sends the rest. */
static void server_side(int lingering)
{
    struct evhttp *h = evhttp_new(base);
    struct evhttp_bound_socket *s;
    static char body[10000];
    const char *head = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 20000\r\n\r\n";
    int fd;

    CHECK(h);
    if (lingering)
        CHECK(evhttp_set_flags(h, EVHTTP_SERVER_LINGERING_CLOSE) == 0);
    evhttp_set_max_body_size(h, 1000);
    evhttp_set_gencb(h, gen, NULL);
    CHECK((s = evhttp_bind_socket_with_handle(h, "127.0.0.1", 0)) != NULL);
    fd = connect_to(port_of(evhttp_bound_socket_get_fd(s)));
    memset(body, 'b', sizeof body);
    LOG("server, %s lingering close:\n", lingering ? "with" : "without");
    CHECK(write(fd, head, strlen(head)) == (ssize_t)strlen(head));
    CHECK(write(fd, body, sizeof body) == sizeof body);
    run_for(200);
    what_arrived(fd, "  after half the body");
    if (lingering) {
        CHECK(write(fd, body, sizeof body) == sizeof body);
        run_for(200);
        what_arrived(fd, "  after all of it");
    }
    close(fd);
    evhttp_free(h);
}

/* raw server for the client side */
enum { ANSWER_CONTINUE, ANSWER_413, ANSWER_413_UNREAD, ANSWER_WHEN_BODY };
static int mode;
static size_t body_len;
struct raw { struct bufferevent *bev; size_t head_end; int continued; struct event *timer; };
/* Every raw connection still open, freed at the end (so the leak check sees none). */
static struct raw *raws[16];

static void raw_done(struct bufferevent *bev, void *arg)
{
    struct raw *r = arg;
    for (int i = 0; i < 16; i++)
        if (raws[i] == r)
            raws[i] = NULL;
    bufferevent_free(bev);
    if (r->timer) event_free(r->timer);
    free(r);
}

static void answer(struct raw *r, const char *text, int close_after)
{
    bufferevent_write(r->bev, text, strlen(text));
    if (close_after)
        bufferevent_setcb(r->bev, NULL, raw_done, NULL, r);
}

static void raw_timer(evutil_socket_t fd, short w, void *arg)
{
    struct raw *r = arg;
    size_t beyond = evbuffer_get_length(bufferevent_get_input(r->bev)) - r->head_end;
    (void)fd; (void)w;
    LOG("  server: %zu body bytes before saying 100 Continue\n", beyond);
    r->continued = 1;
    answer(r, "HTTP/1.1 100 Continue\r\n\r\n", 0);
}

static void raw_read(struct bufferevent *bev, void *arg)
{
    struct raw *r = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct timeval wait = { 0, 150000 };
    if (!r->head_end) {
        struct evbuffer_ptr p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        if (p.pos < 0)
            return;
        r->head_end = p.pos + 4;
        switch (mode) {
        case ANSWER_CONTINUE:
            r->timer = evtimer_new(base, raw_timer, r);
            evtimer_add(r->timer, &wait);
            return;
        case ANSWER_413:
            LOG("  server: answers 413 at the headers\n");
            answer(r, "HTTP/1.1 413 Too Big\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 1);
            return;
        case ANSWER_413_UNREAD:
            LOG("  server: answers 413 at the headers and closes unread\n");
            bufferevent_disable(bev, EV_READ);
            answer(r, "HTTP/1.1 413 Too Big\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 1);
            return;
        }
    }
    if (evbuffer_get_length(in) - r->head_end == body_len) {
        LOG("  server: whole body (%zu bytes)%s\n", body_len, r->continued ? " after 100 Continue" : "");
        answer(r, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0);
        evbuffer_drain(in, evbuffer_get_length(in));
        r->head_end = 0;
    }
}

static void raw_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int n, void *arg)
{
    struct raw *r = calloc(1, sizeof *r);
    (void)l; (void)sa; (void)n; (void)arg;
    for (int i = 0; i < 16; i++)
        if (!raws[i]) { raws[i] = r; break; }
    r->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(r->bev, raw_read, NULL, NULL, r);
    bufferevent_enable(r->bev, EV_READ | EV_WRITE);
}

static void on_error(enum evhttp_request_error e, void *arg) { (void)arg; LOG("  client: error %d\n", (int)e); }
static void on_done(struct evhttp_request *r, void *arg)
{
    (void)arg;
    if (r)
        LOG("  client: %d %s\n", evhttp_request_get_response_code(r), evhttp_request_get_response_code_line(r));
    else
        LOG("  client: NULL\n");
    event_base_loopexit(base, NULL);
}

static void client_side(int port, int m, const char *expect, size_t len, int flags, const char *what)
{
    struct evhttp_connection *c = evhttp_connection_base_new(base, NULL, "127.0.0.1", port);
    struct evhttp_request *r = evhttp_request_new(on_done, NULL);
    char *body = malloc(len);
    CHECK(c && r && body);
    LOG("client, %s:\n", what);
    mode = m;
    body_len = len;
    memset(body, 'c', len);
    if (flags)
        CHECK(evhttp_connection_set_flags(c, flags) == 0);
    evhttp_request_set_error_cb(r, on_error);
    evhttp_add_header(evhttp_request_get_output_headers(r), "Host", "h");
    if (expect)
        evhttp_add_header(evhttp_request_get_output_headers(r), "Expect", expect);
    evbuffer_add(evhttp_request_get_output_buffer(r), body, len);
    free(body);
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_POST, "/up") == 0);
    event_base_dispatch(base);
    evhttp_connection_free(c);
}

static const char want[] =
    "server, with lingering close:\n"
    "  after half the body: nothing\n"
    "  after all of it: HTTP/1.1 413 Request Entity Too Large, closed\n"
    "server, without lingering close:\n"
    "  after half the body: HTTP/1.1 413 Request Entity Too Large, closed\n"
    "client, Expect: 100-continue:\n"
    "  server: 0 body bytes before saying 100 Continue\n"
    "  server: whole body (5000 bytes) after 100 Continue\n"
    "  client: 200 OK\n"
    "client, Expect: 100-continue, refused:\n"
    "  server: answers 413 at the headers\n"
    "  client: 413 Too Big\n"
    "client, Expect: 101-continue:\n"
    "  server: whole body (5000 bytes)\n"
    "  client: 200 OK\n"
    "client, unread body, EVHTTP_CON_READ_ON_WRITE_ERROR:\n"
    "  server: answers 413 at the headers and closes unread\n"
    "  client: 413 Too Big\n"
    "client, unread body:\n"
    "  server: answers 413 at the headers and closes unread\n"
    "  client: error 1\n"
    "  client: NULL\n";

int main(void)
{
    struct sockaddr_in sin;
    struct evconnlistener *l;
    int port;

    signal(SIGPIPE, SIG_IGN);
    base = event_base_new();
    CHECK(base);
    server_side(1);
    server_side(0);

    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, raw_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(l);
    port = port_of(evconnlistener_get_fd(l));
    client_side(port, ANSWER_CONTINUE, "100-continue", 5000, 0, "Expect: 100-continue");
    client_side(port, ANSWER_413, "100-Continue", 5000, 0, "Expect: 100-continue, refused");
    client_side(port, ANSWER_WHEN_BODY, "101-continue", 5000, 0, "Expect: 101-continue");
    /* far more than the socket buffers hold, so the write must fail */
    client_side(port, ANSWER_413_UNREAD, NULL, 64 << 20, EVHTTP_CON_READ_ON_WRITE_ERROR,
        "unread body, EVHTTP_CON_READ_ON_WRITE_ERROR");
    client_side(port, ANSWER_413_UNREAD, NULL, 64 << 20, 0, "unread body");
    evconnlistener_free(l);
    for (int i = 0; i < 16; i++)
        if (raws[i])
            raw_done(raws[i]->bev, raws[i]);
    event_base_free(base);

    if (getenv("PRINT")) {
        fputs(log_, stdout);
        return 0;
    }
    if (strcmp(log_, want)) {
        fprintf(stderr, "got:\n%s--- want:\n%s", log_, want);
        return 1;
    }
    return 0;
}
