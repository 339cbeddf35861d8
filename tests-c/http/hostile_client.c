/* Hostile responses to an evhttp client: each case of hostile_client.expect is the raw answer a
   loopback server (in the same loop) writes to one GET (or HEAD) request, all at once or byte
   by byte, then keeping the connection open, closing it or resetting it. Recorded:
     err=    the error callback's code ("-" when it did not run)
     cb=     what the request callback got: NULL, or the code, reason, body length and header X
     closed= whether the client then closed the connection (1), kept it (0), or "-" when the
             server had closed it already
   Status line variants (versions, codes, reasons, missing parts), CR, bare LF, NUL in
   headers, obs-fold, missing colons, huge header lines against the connection's
   max_headers_size, Content-Length variants, Transfer-Encoding variants (with
   Content-Length, codings around chunked, casing, duplicates, bad chunk sizes, extensions,
   trailers), bodies over max_body_size, 1xx answers, close-delimited bodies, early close.
   The expectations are Debian's libevent's; a case whose last field is not NULL is a
   deliberate difference (README) and that field is what our library answers (the library
   is recognised at run time: the Debian-built binary also runs on ours). PRINT=1 prints the
   table from what this library answers. */
/* BACKENDS: epoll poll select */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/listener.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

/* mode bits */
#define SCLOSE 1     /* the server closes after the last byte */
#define DRIP 2       /* one byte per write, a few milliseconds apart */
#define HEADREQ 4    /* a HEAD request instead of GET */
#define HDR1K 8      /* evhttp_connection_set_max_headers_size(1024) */
#define BODY16 16    /* evhttp_connection_set_max_body_size(16) */
#define RESET 32     /* the server resets the connection after the last byte */

struct ccase {
    const char *resp;   /* "@" stands for `big` bytes of 'a' */
    size_t len;         /* 0: strlen(resp) */
    int mode;
    size_t big;
    const char *want;
    const char *want_ours; /* NULL: same as want */
};

#define S(s) s, sizeof(s) - 1
static const struct ccase cases[] = {
#include "hostile_client.expect"
};

struct state {
    struct event_base *base;
    const struct ccase *c;
    struct evbuffer *out, *in;
    struct event *rd, *wr, *drip;
    int fd, done, closed, peer_closed, sent;
    unsigned progress;
    char err[32];
    char cb[256];
};

static void esc_append(char *dst, size_t cap, const char *s, size_t n)
{
    size_t l = strlen(dst), i;
    for (i = 0; i < n && l + 5 < cap; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch >= 0x7f || ch == '\\' || ch == '"')
            l += snprintf(dst + l, cap - l, "\\x%02x", ch);
        else
            dst[l++] = ch;
        dst[l] = 0;
    }
    if (i < n && l + 4 < cap)
        strcat(dst, "...");
}

static void build(struct evbuffer *out, const struct ccase *c)
{
    size_t len = c->len ? c->len : strlen(c->resp), i;
    for (i = 0; i < len; i++) {
        if (c->resp[i] == '@') {
            char *p = malloc(c->big);
            CHECK(p);
            memset(p, 'a', c->big);
            evbuffer_add(out, p, c->big);
            free(p);
        } else {
            evbuffer_add(out, &c->resp[i], 1);
        }
    }
}

static void srv_finish(struct state *st)
{
    if (st->c->mode & RESET) {
        struct linger lg = { 1, 0 };
        setsockopt(st->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    if (st->c->mode & (SCLOSE | RESET)) {
        event_del(st->rd);
        close(st->fd);
        st->fd = -1;
    }
}

static void srv_write(evutil_socket_t fd, short what, void *arg)
{
    struct state *st = arg;
    size_t n = evbuffer_get_length(st->out);
    (void)what;
    if (n) {
        int w;
        if (st->c->mode & DRIP) n = 1;
        w = evbuffer_write_atmost(st->out, fd, n);
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            evbuffer_drain(st->out, evbuffer_get_length(st->out)); /* client gone */
        st->progress++;
    }
    if (evbuffer_get_length(st->out) == 0) {
        event_del(st->wr);
        srv_finish(st);
        return;
    }
    if (st->c->mode & DRIP) {
        struct timeval tv = { 0, 2000 };
        event_del(st->wr);
        evtimer_add(st->drip, &tv);
    }
}

static void srv_drip(evutil_socket_t fd, short what, void *arg)
{
    struct state *st = arg;
    (void)fd; (void)what;
    event_add(st->wr, NULL);
}

/* Read the request; once its head is complete, answer. Afterwards, watch for the close. */
static void srv_read(evutil_socket_t fd, short what, void *arg)
{
    struct state *st = arg;
    char buf[4096];
    ssize_t n;
    if (what & EV_TIMEOUT) { event_base_loopexit(st->base, NULL); return; }
    n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    st->progress++;
    if (n <= 0) {
        st->peer_closed = 1;
        event_del(st->rd);
        if (st->done) event_base_loopexit(st->base, NULL);
        return;
    }
    evbuffer_add(st->in, buf, n);
    if (!st->sent && evbuffer_search(st->in, "\r\n\r\n", 4, NULL).pos >= 0) {
        st->sent = 1;
        build(st->out, st->c);
        if (evbuffer_get_length(st->out)) event_add(st->wr, NULL);
        else srv_finish(st);
    }
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int n, void *arg)
{
    struct state *st = arg;
    (void)l; (void)sa; (void)n;
    if (st->fd >= 0) { close(fd); return; } /* one connection per case */
    st->fd = fd;
    evutil_make_socket_nonblocking(fd);
    st->rd = event_new(st->base, fd, EV_READ | EV_PERSIST, srv_read, st);
    st->wr = event_new(st->base, fd, EV_WRITE | EV_PERSIST, srv_write, st);
    event_add(st->rd, NULL);
}

static void on_error(enum evhttp_request_error e, void *arg)
{
    struct state *st = arg;
    snprintf(st->err, sizeof st->err, "%d", (int)e);
}

static void on_done(struct evhttp_request *r, void *arg)
{
    struct state *st = arg;
    st->done = 1;
    st->progress++;
    if (!r) {
        strcpy(st->cb, "NULL");
    } else {
        const char *x = evhttp_find_header(evhttp_request_get_input_headers(r), "X");
        const char *line = evhttp_request_get_response_code_line(r);
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%d [", evhttp_request_get_response_code(r));
        esc_append(st->cb, sizeof st->cb, tmp, strlen(tmp));
        if (line) esc_append(st->cb, sizeof st->cb, line, strlen(line) > 20 ? 20 : strlen(line));
        snprintf(tmp, sizeof tmp, "] body=%d", (int)evbuffer_get_length(evhttp_request_get_input_buffer(r)));
        esc_append(st->cb, sizeof st->cb, tmp, strlen(tmp));
        if (x) {
            esc_append(st->cb, sizeof st->cb, " x=", 3);
            esc_append(st->cb, sizeof st->cb, x, strlen(x) > 20 ? 20 : strlen(x));
        }
    }
    event_base_loopexit(st->base, NULL);
}

static void run_case(const struct ccase *c, char *result, size_t cap)
{
    struct state st;
    struct evconnlistener *l;
    struct evhttp_connection *conn;
    struct evhttp_request *req;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct timeval limit = { 0, 500000 };
    int i;

    memset(&st, 0, sizeof st);
    st.c = c;
    st.fd = -1;
    st.base = event_base_new();
    CHECK(st.base);
    st.out = evbuffer_new();
    st.in = evbuffer_new();
    st.drip = evtimer_new(st.base, srv_drip, &st);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(st.base, on_accept, &st, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
        (struct sockaddr *)&sin, sizeof sin);
    CHECK(l);
    CHECK(getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &sl) == 0);

    conn = evhttp_connection_base_new(st.base, NULL, "127.0.0.1", ntohs(sin.sin_port));
    CHECK(conn);
    /* a bound on cases whose answer never completes: they end in EVREQ_HTTP_TIMEOUT */
    evhttp_connection_set_timeout_tv(conn, &limit);
    if (c->mode & HDR1K) evhttp_connection_set_max_headers_size(conn, 1024);
    if (c->mode & BODY16) evhttp_connection_set_max_body_size(conn, 16);
    req = evhttp_request_new(on_done, &st);
    CHECK(req);
    evhttp_request_set_error_cb(req, on_error);
    strcpy(st.err, "-");
    CHECK(evhttp_make_request(conn, req, c->mode & HEADREQ ? EVHTTP_REQ_HEAD : EVHTTP_REQ_GET, "/") == 0);

    while (!st.done)
        event_base_dispatch(st.base);
    /* then: does the client close the connection? (idle: a few quiet turns after 100 ms) */
    if (st.fd >= 0 && !st.peer_closed) {
        struct timeval idle = { 0, 100000 };
        for (;;) {
            unsigned before;
            event_add(st.rd, &idle);
            event_base_dispatch(st.base);
            if (st.peer_closed) break;
            before = st.progress;
            for (i = 0; i < 10; i++) event_base_loop(st.base, EVLOOP_NONBLOCK);
            if (st.progress == before || st.peer_closed) break;
        }
    }
    if (st.fd < 0 && !st.peer_closed)
        snprintf(result, cap, "err=%s cb=%s closed=-", st.err, st.cb);
    else
        snprintf(result, cap, "err=%s cb=%s closed=%d", st.err, st.cb, st.peer_closed);

    evhttp_connection_free(conn);
    if (st.rd) event_free(st.rd);
    if (st.wr) event_free(st.wr);
    event_free(st.drip);
    if (st.fd >= 0) close(st.fd);
    evconnlistener_free(l);
    event_base_free(st.base);
    evbuffer_free(st.out);
    evbuffer_free(st.in);
}

static void print_c(FILE *f, const char *s, size_t n)
{
    size_t i;
    fputc('"', f);
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r') fputs("\\r", f);
        else if (ch == '\n') fputs("\\n", f);
        else if (ch == '\t') fputs("\\t", f);
        else if (ch == '"' || ch == '\\') { fputc('\\', f); fputc(ch, f); }
        else if (ch < 0x20 || ch >= 0x7f) fprintf(f, "\\x%02x\"\"", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

int main(int argc, char **argv)
{
    size_t i, n = sizeof cases / sizeof cases[0];
    int print = getenv("PRINT") != NULL, bad = 0;
    /* libevent's C library exports its backends' method tables; ours does not */
    int ours = dlsym(RTLD_DEFAULT, "selectops") == NULL;
    const char *only = argc > 1 ? argv[1] : NULL;
    char got[1024];

    signal(SIGPIPE, SIG_IGN);
    for (i = 0; i < n; i++) {
        const struct ccase *c = &cases[i];
        const char *want = ours && c->want_ours ? c->want_ours : c->want;
        size_t len = c->len ? c->len : strlen(c->resp);
        if (only && (size_t)atoi(only) != i) continue;
        run_case(c, got, sizeof got);
        if (print) {
            printf("    /* %zu */ { S(", i);
            print_c(stdout, c->resp, len);
            printf("), %d, %zu,\n      ", c->mode, c->big);
            print_c(stdout, got, strlen(got));
            if (c->want_ours) { printf(",\n      "); print_c(stdout, c->want_ours, strlen(c->want_ours)); }
            else printf(", NULL");
            printf(" },\n");
        } else if (strcmp(got, want) != 0) {
            fprintf(stderr, "case %zu: ", i);
            print_c(stderr, c->resp, len > 80 ? 80 : len);
            fprintf(stderr, "\n  got  %s\n  want %s\n", got, want);
            bad = 1;
        }
    }
    if (!print) printf("%zu cases, %s library\n", n, ours ? "our" : "libevent's");
    return bad;
}
