/* Hostile input to an evhttp server: each case of hostile_server.expect writes raw bytes to a
   fresh in-process evhttp server over loopback (all at once, byte by byte, then half-closed
   or reset) and records what came back and what the server's callback saw:
     resp=   the status codes of the answers, in order ("-" for none)
     closed= 1 when the server closed the connection, 0 when it kept it open (idle)
     seen=   one "METHOD uri bodylength [x=value]" per request callback
   The expectations are Debian's libevent's (2.1.12-stable-8+deb12u1, with its CVE fixes):
   request line, method, URI and version variants; CR, bare LF, NUL in header names and
   values, obs-fold, missing colons; header lines up to 16 MB against max_headers_size;
   too many headers; Content-Length variants (+5, -1, 0x, duplicates, overflow);
   Transfer-Encoding variants (with Content-Length, codings before and after chunked,
   casing, duplicates, bad chunk sizes, extensions, trailers); pipelining; absolute URIs;
   bodies over max_body_size; early close. A case whose third field is not NULL is a
   deliberate difference: that field is what our library answers (see README, "deliberate
   differences"); which library runs is decided at run time, since the Debian-built binary
   also runs on ours. PRINT=1 prints the table from what this library answers. */
/* BACKENDS: epoll poll select */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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
#define HDR1K 1      /* evhttp_set_max_headers_size(1024) */
#define BODY16 2     /* evhttp_set_max_body_size(16) */
#define DRIP 4       /* one byte per write, a few milliseconds apart */
#define HALFCLOSE 8  /* shutdown(SHUT_WR) after the last byte */
#define RESET 16     /* close with SO_LINGER 0 after the last byte (nothing is read back) */

struct scase {
    const char *req;    /* "@" stands for `big` bytes of 'a'; "#" for `big` lines "Hn: v" */
    size_t len;         /* 0: strlen(req) */
    int mode;
    size_t big;
    const char *want;
    const char *want_ours; /* NULL: same as want */
};

#define S(s) s, sizeof(s) - 1
static const struct scase cases[] = {
#include "hostile_server.expect"
};

struct state {
    struct event_base *base;
    struct evbuffer *out;      /* still to send */
    struct event *rd, *wr, *drip;
    int fd, mode, closed, eof_wait;
    unsigned progress;
    char resp[256];
    char seen[1024];
    struct evbuffer *got;
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

static void gen(struct evhttp_request *r, void *arg)
{
    struct state *st = arg;
    struct evbuffer *b = evbuffer_new();
    const char *x = evhttp_find_header(evhttp_request_get_input_headers(r), "X");
    const char *uri = evhttp_request_get_uri(r);
    char tmp[128];
    static const char *names[] = { "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH" };
    int cmd = evhttp_request_get_command(r), i;
    const char *m = "?";
    for (i = 0; i < 9; i++)
        if (cmd == 1 << i) m = names[i];
    snprintf(tmp, sizeof tmp, "%s ", m);
    esc_append(st->seen, sizeof st->seen, tmp, strlen(tmp));
    esc_append(st->seen, sizeof st->seen, uri, strlen(uri) > 40 ? 40 : strlen(uri));
    snprintf(tmp, sizeof tmp, " %d", (int)evbuffer_get_length(evhttp_request_get_input_buffer(r)));
    esc_append(st->seen, sizeof st->seen, tmp, strlen(tmp));
    if (x) {
        esc_append(st->seen, sizeof st->seen, " x=", 3);
        esc_append(st->seen, sizeof st->seen, x, strlen(x) > 20 ? 20 : strlen(x));
    }
    esc_append(st->seen, sizeof st->seen, ";", 1);
    st->progress++;
    evbuffer_add(b, "ok", 2);
    evhttp_send_reply(r, 200, "OK", b);
    evbuffer_free(b);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct state *st = arg;
    char buf[65536];
    ssize_t n;
    if (what & EV_TIMEOUT) { event_base_loopexit(st->base, NULL); return; }
    n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    st->progress++;
    if (n <= 0) { st->closed = 1; event_del(st->rd); event_base_loopexit(st->base, NULL); return; }
    evbuffer_add(st->got, buf, n);
}

static void finish_writing(struct state *st)
{
    if (st->mode & HALFCLOSE)
        shutdown(st->fd, SHUT_WR);
    if (st->mode & RESET) {
        struct linger lg = { 1, 0 };
        setsockopt(st->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        event_del(st->rd);
        close(st->fd);
        st->fd = -1;
        event_base_loopexit(st->base, NULL); /* the caller lets the server settle */
    }
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    struct state *st = arg;
    size_t n = evbuffer_get_length(st->out);
    (void)what;
    if (n) {
        int w;
        if (st->mode & DRIP) n = 1;
        w = evbuffer_write_atmost(st->out, fd, n);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            evbuffer_drain(st->out, evbuffer_get_length(st->out)); /* peer gone: stop writing */
        }
        st->progress++;
    }
    if (evbuffer_get_length(st->out) == 0) {
        event_del(st->wr);
        event_del(st->drip);
        finish_writing(st);
        return;
    }
    if (st->mode & DRIP) {
        struct timeval tv = { 0, 2000 };
        event_del(st->wr);
        evtimer_add(st->drip, &tv);
    }
}

static void on_drip(evutil_socket_t fd, short what, void *arg)
{
    struct state *st = arg;
    (void)fd; (void)what;
    event_add(st->wr, NULL);
}

static void build_request(struct evbuffer *out, const struct scase *c)
{
    size_t len = c->len ? c->len : strlen(c->req), i, k;
    for (i = 0; i < len; i++) {
        if (c->req[i] == '@') {
            char *p = malloc(c->big);
            CHECK(p);
            memset(p, 'a', c->big);
            evbuffer_add(out, p, c->big);
            free(p);
        } else if (c->req[i] == '#') {
            for (k = 0; k < c->big; k++)
                evbuffer_add_printf(out, "H%zu: v\r\n", k);
        } else {
            evbuffer_add(out, &c->req[i], 1);
        }
    }
}

static void status_list(struct state *st)
{
    size_t len = evbuffer_get_length(st->got);
    char *all = (char *)evbuffer_pullup(st->got, -1), *p = all, *end = all + len;
    st->resp[0] = 0;
    /* each answer starts with "HTTP/x.y NNN"; the bodies here never contain "HTTP/" */
    while (p && p < end) {
        char *q = memmem(p, end - p, "HTTP/", 5), *sp;
        if (!q) break;
        sp = memchr(q, ' ', end - q);
        if (!sp || end - sp < 4) break;
        snprintf(st->resp + strlen(st->resp), sizeof st->resp - strlen(st->resp), "%s%.3s",
            st->resp[0] ? "," : "", sp + 1);
        p = sp + 4;
    }
    if (!st->resp[0]) strcpy(st->resp, "-");
}

static void run_case(const struct scase *c, char *result, size_t cap)
{
    struct state st;
    struct evhttp *h;
    struct evhttp_bound_socket *s;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct timeval idle = { 0, 100000 };
    int i;

    memset(&st, 0, sizeof st);
    st.mode = c->mode;
    st.base = event_base_new();
    CHECK(st.base);
    h = evhttp_new(st.base);
    CHECK(h);
    evhttp_set_gencb(h, gen, &st);
    evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
        EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
    if (c->mode & HDR1K) evhttp_set_max_headers_size(h, 1024);
    if (c->mode & BODY16) evhttp_set_max_body_size(h, 16);
    s = evhttp_bind_socket_with_handle(h, "127.0.0.1", 0);
    CHECK(s);
    CHECK(getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin, &sl) == 0);
    st.fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(st.fd >= 0);
    CHECK(connect(st.fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(evutil_make_socket_nonblocking(st.fd) == 0);
    st.out = evbuffer_new();
    st.got = evbuffer_new();
    build_request(st.out, c);
    st.rd = event_new(st.base, st.fd, EV_READ | EV_PERSIST, on_read, &st);
    st.wr = event_new(st.base, st.fd, EV_WRITE | EV_PERSIST, on_write, &st);
    st.drip = evtimer_new(st.base, on_drip, &st);
    event_add(st.rd, &idle);
    if (evbuffer_get_length(st.out)) event_add(st.wr, NULL);
    else finish_writing(&st);

    for (;;) {
        unsigned before;
        if (!st.closed && st.fd >= 0) event_add(st.rd, &idle);
        event_base_dispatch(st.base);
        if (st.fd < 0) {
            /* reset: nothing to read back; let the server see it and settle */
            struct timeval tv = { 0, 100000 };
            event_base_loopexit(st.base, &tv);
            event_base_dispatch(st.base);
            break;
        }
        if (st.closed) {
            for (i = 0; i < 5; i++) event_base_loop(st.base, EVLOOP_NONBLOCK);
            break;
        }
        /* idle: only when a few more turns of the loop bring nothing new */
        before = st.progress;
        for (i = 0; i < 10; i++) event_base_loop(st.base, EVLOOP_NONBLOCK);
        if (st.progress == before && !evbuffer_get_length(st.out)) break;
        if (st.progress == before && evbuffer_get_length(st.out) && !(c->mode & DRIP)) break; /* stuck writing */
    }
    if (getenv("DUMP"))
        fwrite(evbuffer_pullup(st.got, -1), 1, evbuffer_get_length(st.got), stderr);
    status_list(&st);
    snprintf(result, cap, "resp=%s closed=%d seen=%s", st.resp, st.closed, st.seen);

    event_free(st.rd);
    event_free(st.wr);
    event_free(st.drip);
    if (st.fd >= 0) close(st.fd);
    evhttp_free(h);
    event_base_free(st.base);
    evbuffer_free(st.out);
    evbuffer_free(st.got);
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
    char got[2048];

    signal(SIGPIPE, SIG_IGN);
    for (i = 0; i < n; i++) {
        const struct scase *c = &cases[i];
        const char *want = ours && c->want_ours ? c->want_ours : c->want;
        if (only && (size_t)atoi(only) != i) continue;
        run_case(c, got, sizeof got);
        if (print) {
            printf("    /* %zu */ { S(", i);
            print_c(stdout, c->req, c->len ? c->len : strlen(c->req));
            printf("), %d, %zu,\n      ", c->mode, c->big);
            print_c(stdout, got, strlen(got));
            if (c->want_ours) { printf(",\n      "); print_c(stdout, c->want_ours, strlen(c->want_ours)); }
            else printf(", NULL");
            printf(" },\n");
        } else if (strcmp(got, want) != 0) {
            fprintf(stderr, "case %zu: ", i);
            print_c(stderr, c->req, (c->len ? c->len : strlen(c->req)) > 80 ? 80 : (c->len ? c->len : strlen(c->req)));
            fprintf(stderr, "\n  got  %s\n  want %s\n", got, want);
            bad = 1;
        }
    }
    if (!print) printf("%zu cases, %s library\n", n, ours ? "our" : "libevent's");
    return bad;
}
