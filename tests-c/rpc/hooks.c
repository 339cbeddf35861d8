/* evrpc, server and client on one loop over 127.0.0.1, with a message type written by hand
   (one string, tag 1) instead of generated code, so the case needs no generator: a plain call;
   three calls queued on a pool of one connection; a server input hook that aborts (the client
   sees the 503 page as a bad payload); a client output hook that aborts (never sent:
   UNSTARTED, no HTTP request); a client input hook that aborts (HOOKABORTED, reply cleared);
   meta data added by a client output hook and found by its input hook on the same context,
   with the connection; a handler whose reply is incomplete (503); an unregistered RPC (404,
   bad payload); the reply's Content-Type (application/octet-stream unless the handler set
   one); evrpc_remove_hook answering 1 then 0, evrpc_resume_request -1 for a request
   that is not paused, EVRPC_UNREGISTER -1 for an unknown name, evrpc_get_request/reply and
   the request context accessors. The log must be the same on libevent's library and ours. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

/* ---- the message: { string text = 1; } ---- */
struct echo { char *text; };
static struct echo *echo_new_with_arg(void *arg) { (void)arg; return calloc(1, sizeof(struct echo)); }
static void echo_clear(struct echo *m) { free(m->text); m->text = NULL; }
static void echo_free(struct echo *m) { echo_clear(m); free(m); }
static void echo_marshal(struct evbuffer *b, struct echo *m) { if (m->text) evtag_marshal_string(b, 1, m->text); }
static int echo_complete(struct echo *m) { return m->text ? 0 : -1; }
static int echo_unmarshal(struct echo *m, struct evbuffer *b)
{
    ev_uint32_t tag;
    while (evbuffer_get_length(b) > 0) {
        if (evtag_peek(b, &tag) == -1 || tag != 1) return -1;
        free(m->text); m->text = NULL;
        if (evtag_unmarshal_string(b, 1, &m->text) == -1) return -1;
    }
    return echo_complete(m);
}
static void echo_set(struct echo *m, const char *s) { free(m->text); m->text = strdup(s); }

EVRPC_HEADER(Echo, echo, echo)
EVRPC_GENERATE(Echo, echo, echo)
EVRPC_HEADER(Gone, echo, echo)
EVRPC_GENERATE(Gone, echo, echo)

static char logbuf[8192];
static void say(const char *fmt, const char *s, int n)
{
    size_t l = strlen(logbuf);
    snprintf(logbuf + l, sizeof logbuf - l, fmt, s, n);
}

static struct event_base *base;
static struct evrpc_base *rpcs;
static struct evrpc_pool *pool;
static int step, outstanding;
static void next(void);

/* ---- server ---- */
static void EchoCb(EVRPC_STRUCT(Echo) *rpc, void *arg)
{
    struct echo *req = rpc->request, *rep = rpc->reply;
    char buf[64];
    size_t i;
    (void)arg;
    CHECK(evrpc_get_request((struct evrpc_req_generic *)rpc) == req);
    CHECK(evrpc_get_reply((struct evrpc_req_generic *)rpc) == rep);
    CHECK(rpc->http_req != NULL && rpc->http_req->type == EVHTTP_REQ_POST);
    say("server: %s\n", req->text, 0);
    if (strcmp(req->text, "two") == 0)  /* the handler's own content type is kept */
        evhttp_add_header(EVRPC_REQUEST_HTTP(rpc)->output_headers, "Content-Type", "x/two");
    if (strcmp(req->text, "incomplete") != 0) {
        snprintf(buf, sizeof buf, "%s", req->text);
        for (i = 0; buf[i]; i++) buf[i] = toupper((unsigned char)buf[i]);
        echo_set(rep, buf);
    }
    EVRPC_REQUEST_DONE(rpc);
}

static int srv_in_hook(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)arg;
    CHECK(evrpc_hook_get_connection(ctx) != NULL);
    /* "forbidden" marshalled: tag 1, length 9, the text */
    if (evbuffer_get_length(body) == 11 && memcmp(evbuffer_pullup(body, -1) + 2, "forbidden", 9) == 0) {
        say("server input hook: terminate\n", "", 0);
        return EVRPC_TERMINATE;
    }
    return EVRPC_CONTINUE;
}

/* ---- client ---- */
static int cli_out_hook(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)arg; (void)body;
    CHECK(req != NULL);
    CHECK(evrpc_hook_get_connection(ctx) != NULL);
    evrpc_hook_add_meta(ctx, "step", &step, sizeof step);
    if (step == 4) { say("client output hook: terminate\n", "", 0); return EVRPC_TERMINATE; }
    return EVRPC_CONTINUE;
}

static int cli_in_hook(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    void *data = NULL;
    size_t len = 0;
    (void)body; (void)arg;
    CHECK(evrpc_hook_find_meta(ctx, "step", &data, &len) == 0);
    CHECK(len == sizeof step && *(int *)data == step);
    CHECK(evrpc_hook_find_meta(ctx, "nope", &data, &len) == -1);
    CHECK(evrpc_hook_get_connection(ctx) != NULL);
    say("client input hook: code %s%d", "", req->response_code);
    say(" %s\n", evhttp_find_header(req->input_headers, "Content-Type") ? evhttp_find_header(req->input_headers, "Content-Type") : "-", 0);
    if (step == 5) { say("client input hook: terminate\n", "", 0); return EVRPC_TERMINATE; }
    return EVRPC_CONTINUE;
}

static void got(struct evrpc_status *st, struct echo *req, struct echo *rep, void *arg)
{
    say("reply to %s: ", req->text, 0);
    say("error %s%d ", "", st->error);
    say("http %s%d ", "", st->http_req ? st->http_req->response_code : -1);
    say("text %s\n", rep->text ? rep->text : "(none)", 0);
    echo_free(req);
    echo_free(rep);
    if (arg) say("arg %s\n", (const char *)arg, 0);
    if (--outstanding == 0) next();
}

static void send_echo(const char *text)
{
    struct echo *req = echo_new_with_arg(NULL), *rep = echo_new_with_arg(NULL);
    echo_set(req, text);
    outstanding++;
    CHECK(EVRPC_MAKE_REQUEST(Echo, pool, req, rep, got, NULL) == 0);
}

static void next(void)
{
    step++;
    say("-- step %s%d\n", "", step);
    switch (step) {
    case 1: send_echo("hello"); break;
    case 2: send_echo("one"); send_echo("two"); send_echo("three"); break;
    case 3: send_echo("forbidden"); break;
    case 4: send_echo("never sent"); break;
    case 5: send_echo("aborted on return"); break;
    case 6: send_echo("incomplete"); break;
    case 7: {
        struct echo *req = echo_new_with_arg(NULL), *rep = echo_new_with_arg(NULL);
        struct evrpc_request_wrapper *ctx;
        echo_set(req, "gone");
        CHECK(EVRPC_UNREGISTER(rpcs, Gone) == 0);
        CHECK(EVRPC_UNREGISTER(rpcs, Gone) == -1);
        ctx = EVRPC_MAKE_CTX(Gone, echo, echo, pool, req, rep, got, NULL);
        CHECK(ctx != NULL);
        CHECK(evrpc_request_get_pool(ctx) == pool);
        evrpc_request_set_cb(ctx, (void (*)(struct evrpc_status *, void *, void *, void *))got, (void *)"set by set_cb");
        outstanding++;
        CHECK(evrpc_make_request(ctx) == 0);
        break;
    }
    default: event_base_loopexit(base, NULL);
    }
}

int main(void)
{
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;
    struct evhttp_connection *evcon;
    void *h1, *h2;
    int dummy;

    base = event_base_new();
    http = evhttp_new(base);
    sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(sock != NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == 0);

    rpcs = evrpc_init(http);
    CHECK(rpcs != NULL);
    CHECK(EVRPC_REGISTER(rpcs, Echo, echo, echo, EchoCb, NULL) == 0);
    CHECK(EVRPC_REGISTER(rpcs, Gone, echo, echo, EchoCb, NULL) == 0);
    CHECK(EVRPC_UNREGISTER(rpcs, Nothing) == -1);
    CHECK(evrpc_add_hook(rpcs, EVRPC_INPUT, srv_in_hook, NULL) != NULL);

    pool = evrpc_pool_new(NULL);  /* libevent asserts when a pool with a base gets a connection that has one */
    evcon = evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port));
    evrpc_pool_add_connection(pool, evcon);
    h1 = evrpc_add_hook(pool, EVRPC_OUTPUT, cli_out_hook, NULL);
    h2 = evrpc_add_hook(pool, EVRPC_INPUT, cli_in_hook, NULL);
    CHECK(h1 != NULL && h2 != NULL && h1 != h2);
    CHECK(evrpc_remove_hook(pool, EVRPC_INPUT, h1) == 0);
    CHECK(evrpc_resume_request(pool, &dummy, EVRPC_CONTINUE) == -1);

    next();
    event_base_dispatch(base);

    CHECK(evrpc_remove_hook(pool, EVRPC_OUTPUT, h1) == 1);
    CHECK(evrpc_remove_hook(pool, EVRPC_OUTPUT, h1) == 0);
    CHECK(EVRPC_UNREGISTER(rpcs, Echo) == 0);
    evrpc_free(rpcs);
    evrpc_pool_free(pool);
    evhttp_free(http);
    event_base_free(base);

    {
        const char *want =
            "-- step 1\n"
            "server: hello\n"
            "client input hook: code 200 application/octet-stream\n"
            "reply to hello: error 0 http 200 text HELLO\n"
            "-- step 2\n"
            "server: one\n"
            "client input hook: code 200 application/octet-stream\n"
            "reply to one: error 0 http 200 text ONE\n"
            "server: two\n"
            "client input hook: code 200 x/two\n"
            "reply to two: error 0 http 200 text TWO\n"
            "server: three\n"
            "client input hook: code 200 application/octet-stream\n"
            "reply to three: error 0 http 200 text THREE\n"
            "-- step 3\n"
            "server input hook: terminate\n"
            "client input hook: code 503 text/html\n"
            "reply to forbidden: error 2 http 503 text (none)\n"
            "-- step 4\n"
            "client output hook: terminate\n"
            "reply to never sent: error 3 http -1 text (none)\n"
            "-- step 5\n"
            "server: aborted on return\n"
            "client input hook: code 200 application/octet-stream\n"
            "client input hook: terminate\n"
            "reply to aborted on return: error 4 http 200 text (none)\n"
            "-- step 6\n"
            "server: incomplete\n"
            "client input hook: code 503 text/html\n"
            "reply to incomplete: error 2 http 503 text (none)\n"
            "-- step 7\n"
            "client input hook: code 404 text/html\n"
            "reply to gone: error 2 http 404 text (none)\n"
            "arg set by set_cb\n"
            "-- step 8\n";
        if (getenv("PRINT")) { fputs(logbuf, stdout); return 0; }
        if (strcmp(logbuf, want) != 0) {
            fprintf(stderr, "log differs; got:\n%s\nwanted:\n%s", logbuf, want);
            return 1;
        }
    }
    return 0;
}
