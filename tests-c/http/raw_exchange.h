/* The raw-exchange harness of the CVE-2026-63379 and -63382 cases: `exchange(raw)` sends raw
   bytes to an in-process evhttp server and returns its status codes and whether it closed the
   connection ("200,200 open"), recording in `seen` what the request callback got; `fetch(raw)`
   has an evhttp client read `raw` as a response and returns what its callback saw. Not a case
   of its own (tests-c/run.sh builds only *.c). */
#define _GNU_SOURCE
#include <sys/queue.h>
#include <event2/event.h>
#include <event2/keyvalq_struct.h>
#include <event2/http.h>
#include <event2/buffer.h>
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
static char seen[1024];   /* one "uri body=N hdrs=[...]" per request the server's callback got */

static void gen(struct evhttp_request *r, void *arg)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_input_headers(r);
    struct evkeyval *kv;
    (void)arg;
    snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s body=%d hdrs=[", evhttp_request_get_uri(r),
        (int)evbuffer_get_length(evhttp_request_get_input_buffer(r)));
    for (kv = h->tqh_first; kv; kv = kv->next.tqe_next)
        snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s;", kv->key);
    snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "] ");
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

/* Send `req` to a fresh server; the status codes of the answers ("200,400"), and whether the
   server closed ("closed") or stayed quiet for 300 ms ("open"). */
static const char *exchange(const char *req)
{
    static char out[256];
    struct evhttp *http = evhttp_new(base);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct reader rd = { evbuffer_new(), 0 };
    struct timeval idle = { 0, 300000 };
    struct event *ev;
    char *all, *p, *end;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bs);
    evhttp_set_gencb(http, gen, NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin, &sl) == 0);
    CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    evutil_make_socket_nonblocking(fd);
    ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, &rd);
    event_add(ev, &idle);
    seen[0] = 0;
    event_base_dispatch(base);
    event_free(ev);
    close(fd);
    evhttp_free(http);
    out[0] = 0;
    all = (char *)evbuffer_pullup(rd.got, -1);
    end = all + evbuffer_get_length(rd.got);
    for (p = all; p && p + 12 <= end; ) {
        char *q = memmem(p, end - p, "HTTP/1.1 ", 9);
        if (!q || q + 12 > end) break;
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%.3s", out[0] ? "," : "", q + 9);
        p = q + 12;
    }
    snprintf(out + strlen(out), sizeof out - strlen(out), " %s", rd.closed ? "closed" : "open");
    evbuffer_free(rd.got);
    return out;
}

/* The client half: a server answering every request head with `canned`. */
static const char *canned;
static void c_read(evutil_socket_t fd, short what, void *arg)
{
    struct evbuffer *in = arg;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    (void)what;
    if (n > 0) evbuffer_add(in, buf, n);
    if (n > 0 && evbuffer_search(in, "\r\n\r\n", 4, NULL).pos >= 0) {
        CHECK(write(fd, canned, strlen(canned)) == (ssize_t)strlen(canned));
        evbuffer_free(in);
        return;             /* the fd is closed when the case ends */
    }
    if (n == 0) { evbuffer_free(in); close(fd); return; }
    event_base_once(base, fd, EV_READ, c_read, in, NULL);
}
static int accepted[16], naccepted;
static void c_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int n, void *arg)
{
    (void)l; (void)sa; (void)n; (void)arg;
    if (naccepted < 16) accepted[naccepted++] = fd;
    event_base_once(base, fd, EV_READ, c_read, evbuffer_new(), NULL);
}

static char result[512];
static void on_error(enum evhttp_request_error e, void *arg) { (void)arg; snprintf(result, sizeof result, "error=%d", (int)e); }
static void on_done(struct evhttp_request *r, void *arg)
{
    (void)arg;
    if (r) {
        struct evkeyval *kv;
        snprintf(result + strlen(result), sizeof result - strlen(result), "code=%d body=%d hdrs=[",
            evhttp_request_get_response_code(r), (int)evbuffer_get_length(evhttp_request_get_input_buffer(r)));
        for (kv = evhttp_request_get_input_headers(r)->tqh_first; kv; kv = kv->next.tqe_next)
            snprintf(result + strlen(result), sizeof result - strlen(result), "%s;", kv->key);
        snprintf(result + strlen(result), sizeof result - strlen(result), "]");
    } else {
        snprintf(result + strlen(result), sizeof result - strlen(result), " NULL");
    }
    event_base_loopexit(base, NULL);
}

/* One GET through a fresh connection to a server answering `response`. */
static const char *fetch(const char *response)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct evconnlistener *l;
    struct evhttp_connection *c;
    struct evhttp_request *r;
    int i;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(base, c_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(l);
    CHECK(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl) == 0);
    c = evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port));
    r = evhttp_request_new(on_done, NULL);
    CHECK(c && r);
    canned = response;
    result[0] = 0;
    evhttp_request_set_error_cb(r, on_error);
    CHECK(evhttp_make_request(c, r, EVHTTP_REQ_GET, "/") == 0);
    event_base_dispatch(base);
    evhttp_connection_free(c);
    evconnlistener_free(l);
    for (i = 0; i < naccepted; i++) close(accepted[i]);
    naccepted = 0;
    return result;
}

#define EXPECT(got_, want_) do { const char *g_ = (got_), *w_ = (want_); if (strcmp(g_, w_) != 0) { \
    fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_, w_); exit(1); } } while (0)
