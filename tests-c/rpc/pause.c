/* evrpc hooks that pause, on both sides, resumed later from the loop with evrpc_resume_request
   and a verdict: a server input hook resumed with TERMINATE (503, the client sees a bad
   payload), a server output hook resumed with CONTINUE (a second resume of the same request
   answers -1), a client output hook resumed with TERMINATE (UNSTARTED), a client input hook
   resumed with CONTINUE (the callback still sees the HTTP response, held through the pause)
   and one resumed with TERMINATE (HOOKABORTED). Message type written by hand. */
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

static char logbuf[4096];
static void say(const char *fmt, const char *s, int n)
{
    size_t l = strlen(logbuf);
    snprintf(logbuf + l, sizeof logbuf - l, fmt, s, n);
}

static struct event_base *base;
static struct evrpc_base *rpcs;
static struct evrpc_pool *pool;
static int step;
static void next(void);

struct later { void *vbase; void *ctx; int verdict; const char *who; };

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
    struct later *l = arg;
    (void)fd; (void)what;
    say("resume %s", l->who, 0);
    say(" with %s%d\n", "", l->verdict);
    CHECK(evrpc_resume_request(l->vbase, l->ctx, (enum EVRPC_HOOK_RESULT)l->verdict) == 0);
    CHECK(evrpc_resume_request(l->vbase, l->ctx, EVRPC_CONTINUE) == -1);
    free(l);
}

static int pause_for(void *vbase, void *ctx, const char *who, int verdict)
{
    struct later *l = malloc(sizeof *l);
    struct timeval zero = { 0, 0 };
    CHECK(l != NULL);
    l->vbase = vbase; l->ctx = ctx; l->verdict = verdict; l->who = who;
    CHECK(event_base_once(base, -1, EV_TIMEOUT, resume_cb, l, &zero) == 0);
    say("pause %s\n", who, 0);
    return EVRPC_PAUSE;
}

static void EchoCb(EVRPC_STRUCT(Echo) *rpc, void *arg)
{
    (void)arg;
    say("server: %s\n", rpc->request->text, 0);
    echo_set(rpc->reply, rpc->request->text);
    EVRPC_REQUEST_DONE(rpc);
}

static int srv_in(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)body; (void)arg;
    return step == 1 ? pause_for(rpcs, ctx, "server input", EVRPC_TERMINATE) : EVRPC_CONTINUE;
}
static int srv_out(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)body; (void)arg;
    return step == 2 ? pause_for(rpcs, ctx, "server output", EVRPC_CONTINUE) : EVRPC_CONTINUE;
}
static int cli_out(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)body; (void)arg;
    return step == 3 ? pause_for(pool, ctx, "client output", EVRPC_TERMINATE) : EVRPC_CONTINUE;
}
static int cli_in(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)body; (void)arg;
    if (step == 4) return pause_for(pool, ctx, "client input", EVRPC_CONTINUE);
    if (step == 5) return pause_for(pool, ctx, "client input", EVRPC_TERMINATE);
    return EVRPC_CONTINUE;
}

static void got(struct evrpc_status *st, struct echo *req, struct echo *rep, void *arg)
{
    (void)arg;
    say("reply to %s: ", req->text, 0);
    say("error %s%d ", "", st->error);
    say("http %s%d ", "", st->http_req ? st->http_req->response_code : -1);
    if (st->http_req)
        say("body %s%d ", "", (int)evbuffer_get_length(st->http_req->input_buffer));
    say("text %s\n", rep->text ? rep->text : "(none)", 0);
    echo_free(req);
    echo_free(rep);
    next();
}

static void next(void)
{
    static const char *texts[] = { "", "in-terminate", "out-continue", "cli-out-terminate", "cli-in-continue", "cli-in-terminate" };
    struct echo *req, *rep;
    step++;
    if (step > 5) { event_base_loopexit(base, NULL); return; }
    say("-- step %s%d\n", "", step);
    req = echo_new_with_arg(NULL);
    rep = echo_new_with_arg(NULL);
    echo_set(req, texts[step]);
    CHECK(EVRPC_MAKE_REQUEST(Echo, pool, req, rep, got, NULL) == 0);
}

int main(void)
{
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;

    base = event_base_new();
    http = evhttp_new(base);
    sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(sock != NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == 0);
    rpcs = evrpc_init(http);
    CHECK(EVRPC_REGISTER(rpcs, Echo, echo, echo, EchoCb, NULL) == 0);
    CHECK(evrpc_add_hook(rpcs, EVRPC_INPUT, srv_in, NULL) != NULL);
    CHECK(evrpc_add_hook(rpcs, EVRPC_OUTPUT, srv_out, NULL) != NULL);
    pool = evrpc_pool_new(NULL);
    evrpc_pool_add_connection(pool, evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port)));
    CHECK(evrpc_add_hook(pool, EVRPC_OUTPUT, cli_out, NULL) != NULL);
    CHECK(evrpc_add_hook(pool, EVRPC_INPUT, cli_in, NULL) != NULL);

    next();
    event_base_dispatch(base);

    evrpc_pool_free(pool);
    CHECK(EVRPC_UNREGISTER(rpcs, Echo) == 0);
    evrpc_free(rpcs);
    evhttp_free(http);
    event_base_free(base);

    if (getenv("PRINT")) { fputs(logbuf, stdout); return 0; }
    {
        const char *want =
            "-- step 1\n"
            "pause server input\n"
            "resume server input with -1\n"
            "reply to in-terminate: error 2 http 503 body 110 text (none)\n"
            "-- step 2\n"
            "server: out-continue\n"
            "pause server output\n"
            "resume server output with 0\n"
            "reply to out-continue: error 0 http 200 body 0 text out-continue\n"
            "-- step 3\n"
            "pause client output\n"
            "resume client output with -1\n"
            "reply to cli-out-terminate: error 3 http -1 text (none)\n"
            "-- step 4\n"
            "server: cli-in-continue\n"
            "pause client input\n"
            "resume client input with 0\n"
            "reply to cli-in-continue: error 0 http 200 body 0 text cli-in-continue\n"
            "-- step 5\n"
            "server: cli-in-terminate\n"
            "pause client input\n"
            "resume client input with -1\n"
            "reply to cli-in-terminate: error 4 http 200 body 19 text (none)\n";
        if (strcmp(logbuf, want) != 0) {
            fprintf(stderr, "log differs; got:\n%s\nwanted:\n%s", logbuf, want);
            return 1;
        }
    }
    return 0;
}
