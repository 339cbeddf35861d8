/* evhttp server, byte for byte: raw requests written to a loopback socket, the whole answer
   read back (Date lines removed) and compared. Covers the request line and version rules,
   HEAD, HTTP/1.0 with and without keep-alive, Connection: close, pipelining, chunked request
   bodies, chunked replies, evhttp_send_error pages, 404 pages with the URI escaped, path
   callbacks matched against the decoded path, unknown methods (501), malformed lines and
   headers (400), header and body limits (400 / 413), Expect: 100-continue and obs-fold
   header continuations; spaces after the version (ignored), request lines too short or not
   HTTP/0.x-1.x (400); Transfer-Encoding with Content-Length, or "chunked" not last (400),
   "gzip, chunked" and a later "Transfer-Encoding: chunked" header (a chunked body); chunk
   size lines read as C's strtoll reads hex (0x, sign, leading white space, a space and
   anything after it; no ";extensions": 413, as is any malformed chunk or trailer); trailer
   fields thrown away. Set PRINT=1 to print what came back instead of comparing. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static void gen(struct evhttp_request *r, void *a)
{
    struct evbuffer *b = evbuffer_new();
    const char *host = evhttp_request_get_host(r);
    const char *x = evhttp_find_header(evhttp_request_get_input_headers(r), "X");
    (void)a;
    evbuffer_add_printf(b, "uri=%s type=%d v=%d.%d host=%s body=%d", evhttp_request_get_uri(r),
        evhttp_request_get_command(r), r->major, r->minor, host ? host : "(null)",
        (int)evbuffer_get_length(evhttp_request_get_input_buffer(r)));
    if (x)
        evbuffer_add_printf(b, " x=[%s]", x);
    if (strstr(evhttp_request_get_uri(r), "err")) {
        evhttp_send_error(r, 503, NULL);
    } else if (strstr(evhttp_request_get_uri(r), "why")) {
        evhttp_send_error(r, 403, "Go away");
    } else if (strstr(evhttp_request_get_uri(r), "chunk")) {
        evhttp_send_reply_start(r, 200, "OK");
        evhttp_send_reply_chunk(r, b);
        evhttp_send_reply_chunk(r, b); /* empty now: writes nothing */
        evbuffer_add(b, "x", 1);
        evhttp_send_reply_chunk(r, b);
        evhttp_send_reply_end(r);
    } else {
        evhttp_send_reply(r, 200, "OK", b);
    }
    evbuffer_free(b);
}

struct client { struct evbuffer *got; struct event_base *base; };

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct client *c = arg;
    char buf[4096];
    ssize_t n;
    if (what & EV_TIMEOUT) { event_base_loopexit(c->base, NULL); return; }
    n = read(fd, buf, sizeof buf);
    if (n <= 0) { event_base_loopexit(c->base, NULL); return; }
    evbuffer_add(c->got, buf, n);
}

/* Send `req` to a fresh server configured by `mode`; return the answer without Date lines. */
static char *exchange(const char *req, int mode)
{
    struct event_base *base = event_base_new();
    struct evhttp *h = evhttp_new(base);
    struct evhttp_bound_socket *s;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct client c;
    struct event *ev;
    struct timeval idle = { 0, 300000 };
    int fd;
    char *out, *p, *q;
    size_t len;

    CHECK(h);
    if (mode & 1) evhttp_set_gencb(h, gen, NULL);
    if (mode & 2) CHECK(evhttp_set_cb(h, "/a b", gen, NULL) == 0);
    if (mode & 4) evhttp_set_max_body_size(h, 10);
    if (mode & 8) evhttp_set_max_headers_size(h, 60);
    s = evhttp_bind_socket_with_handle(h, "127.0.0.1", 0);
    CHECK(s);
    CHECK(getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin, &sl) == 0);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    c.got = evbuffer_new();
    c.base = base;
    ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, &c);
    event_add(ev, &idle);
    event_base_dispatch(base);
    event_free(ev);
    close(fd);
    evhttp_free(h);
    event_base_free(base);

    len = evbuffer_get_length(c.got);
    out = malloc(len + 1);
    evbuffer_remove(c.got, out, len);
    out[len] = 0;
    evbuffer_free(c.got);
    /* drop "Date: ...\r\n" lines: their value is the clock */
    for (p = out; (p = strstr(p, "\r\nDate: ")) != NULL; ) {
        q = strstr(p + 2, "\r\n");
        CHECK(q);
        memmove(p, q, strlen(q) + 1);
    }
    return out;
}

static void print_c(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '\r') fputs("\\r", stdout);
        else if (*s == '\n') { fputs("\\n\"\n        \"", stdout); }
        else if (*s == '"' || *s == '\\') { putchar('\\'); putchar(*s); }
        else putchar(*s);
    }
    puts("\",");
}

struct tcase { const char *req; int mode; const char *want; };
static const struct tcase cases[] = {
#include "server_raw.expect"
};

int main(void)
{
    size_t i;
    int print = getenv("PRINT") != NULL, bad = 0;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = exchange(cases[i].req, cases[i].mode);
        if (print) {
            printf("    { "); print_c(cases[i].req); printf("      %d, ", cases[i].mode); print_c(got); printf("    },\n");
        } else if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "case %zu (%s): got\n%s\n--- want\n%s\n", i, cases[i].req, got, cases[i].want);
            bad = 1;
        }
        free(got);
    }
    return bad;
}
