/* evrpc client pools, with the generated types of gen/shop.rpc, over 127.0.0.1:
   - a pool of three connections given 50 requests at once: each EVRPC_MAKE_REQUEST that finds
     a connection idle sends at once (the client output hook runs inside the call), so only
     three are sent before the loop runs and the other 47 wait in the pool; the server holds
     each request until it holds three (or a short timer fires) and then answers them, so it
     never holds more than three; every request is answered with its own reply, and the
     requests went out on all three client connections and arrived on three server-side
     connections (evrpc_hook_get_connection on both sides);
   - evrpc_pool_set_timeout against a listening socket that never answers: the callback gets
     EVRPC_STATUS_ERR_TIMEOUT and no reply;
   - a request missing a required member: order_complete says -1; sent anyway (libevent's
     client does not check), the server's unmarshal refuses it, the handler never runs, and
     the client sees the 503 as a bad payload. */
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
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "gen/shop.gen.h"
#include "gen/shop.gen.c"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

EVRPC_HEADER(Buy, order, receipt)
EVRPC_GENERATE(Buy, order, receipt)

#define NREQ 50
#define NCONN 3

static struct event_base *base;
static struct event *flush_ev;

/* ---- server ---- */
static EVRPC_STRUCT(Buy) *held[NREQ];
static int nheld, max_held, handled;
static void *server_conns[NREQ];
static int n_server_conns;

static void remember(void **set, int *n, void *p)
{
    int i;
    for (i = 0; i < *n; i++)
        if (set[i] == p) return;
    set[(*n)++] = p;
}

static int srv_in(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)body; (void)arg;
    CHECK(evrpc_hook_get_connection(ctx) != NULL);
    remember(server_conns, &n_server_conns, evrpc_hook_get_connection(ctx));
    return EVRPC_CONTINUE;
}

static void answer_held(evutil_socket_t fd, short what, void *arg)
{
    int i;
    (void)fd; (void)what; (void)arg;
    for (i = 0; i < nheld; i++) {
        EVRPC_STRUCT(Buy) *rpc = held[i];
        struct item *it;
        ev_uint32_t n;
        char *who;
        CHECK(EVTAG_ARRAY_GET(rpc->request, items, 0, &it) == 0);
        CHECK(EVTAG_GET(it, count, &n) == 0);
        CHECK(EVTAG_GET(rpc->request, customer, &who) == 0);
        EVTAG_ASSIGN(rpc->reply, total, n);
        EVTAG_ASSIGN(rpc->reply, message, who);
        EVRPC_REQUEST_DONE(rpc);
    }
    nheld = 0;
}

static void BuyCb(EVRPC_STRUCT(Buy) *rpc, void *arg)
{
    struct timeval soon = { 0, 20000 };
    (void)arg;
    handled++;
    held[nheld++] = rpc;
    if (nheld > max_held) max_held = nheld;
    if (nheld == NCONN) {
        event_del(flush_ev);
        answer_held(-1, 0, NULL);
    } else {
        /* the last requests (50 is not a multiple of 3) are answered by the timer */
        event_add(flush_ev, &soon);
    }
}

/* ---- client ---- */
static int sent, answered, phase_done;
static void *client_conns[NREQ];
static int n_client_conns;
static struct order *reqs[NREQ];
static struct receipt *reps[NREQ];

static int cli_out(void *ctx, struct evhttp_request *req, struct evbuffer *body, void *arg)
{
    (void)req; (void)body; (void)arg;
    sent++;
    CHECK(evrpc_hook_get_connection(ctx) != NULL);
    remember(client_conns, &n_client_conns, evrpc_hook_get_connection(ctx));
    return EVRPC_CONTINUE;
}

static void got(struct evrpc_status *st, struct order *o, struct receipt *r, void *arg)
{
    int i = (int)(long)arg;
    ev_uint32_t total;
    char *msg, want[16];
    CHECK(o == reqs[i] && r == reps[i]);
    CHECK(st->error == EVRPC_STATUS_ERR_NONE);
    CHECK(EVTAG_GET(r, total, &total) == 0 && total == (ev_uint32_t)i);
    snprintf(want, sizeof want, "c%d", i);
    CHECK(EVTAG_GET(r, message, &msg) == 0 && strcmp(msg, want) == 0);
    if (++answered == NREQ) event_base_loopexit(base, NULL);
}

static struct order *new_order(int i)
{
    struct order *o = order_new();
    struct item *it;
    char who[16];
    snprintf(who, sizeof who, "c%d", i);
    EVTAG_ASSIGN(o, customer, who);
    it = EVTAG_ARRAY_ADD(o, items);
    EVTAG_ASSIGN(it, name, "tea");
    EVTAG_ASSIGN(it, count, i);
    EVTAG_ASSIGN(it, code, (const ev_uint8_t *)"ABCD");
    return o;
}

static void timed_out(struct evrpc_status *st, struct order *o, struct receipt *r, void *arg)
{
    (void)o; (void)arg;
    CHECK(st->error == EVRPC_STATUS_ERR_TIMEOUT);
    CHECK(!EVTAG_HAS(r, total));
    phase_done = 1;
    event_base_loopexit(base, NULL);
}

static void refused(struct evrpc_status *st, struct order *o, struct receipt *r, void *arg)
{
    (void)o; (void)arg;
    CHECK(st->error == EVRPC_STATUS_ERR_BADPAYLOAD);
    CHECK(st->http_req != NULL && st->http_req->response_code == 503);
    CHECK(!EVTAG_HAS(r, total));
    phase_done = 1;
    event_base_loopexit(base, NULL);
}

static void guard(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    fprintf(stderr, "stuck: %s\n", (const char *)arg);
    exit(1);
}

int main(void)
{
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin, silent;
    socklen_t slen = sizeof sin;
    struct evrpc_base *rpcs;
    struct evrpc_pool *pool, *slow;
    struct timeval limit = { 20, 0 };
    struct order *o;
    struct receipt *r;
    struct event *g;
    evutil_socket_t lfd;
    int i;

    base = event_base_new();
    http = evhttp_new(base);
    sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(sock != NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == 0);
    rpcs = evrpc_init(http);
    CHECK(EVRPC_REGISTER(rpcs, Buy, order, receipt, BuyCb, NULL) == 0);
    CHECK(evrpc_add_hook(rpcs, EVRPC_INPUT, srv_in, NULL) != NULL);
    flush_ev = evtimer_new(base, answer_held, NULL);

    /* 1. three connections, fifty requests */
    pool = evrpc_pool_new(NULL);
    for (i = 0; i < NCONN; i++)
        evrpc_pool_add_connection(pool, evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port)));
    CHECK(evrpc_add_hook(pool, EVRPC_OUTPUT, cli_out, NULL) != NULL);
    for (i = 0; i < NREQ; i++) {
        reqs[i] = new_order(i);
        reps[i] = receipt_new();
        CHECK(EVRPC_MAKE_REQUEST(Buy, pool, reqs[i], reps[i], got, (void *)(long)i) == 0);
    }
    CHECK(sent == NCONN);  /* one per idle connection; the rest are queued */
    g = evtimer_new(base, guard, (void *)"pool");
    evtimer_add(g, &limit);
    event_base_dispatch(base);
    CHECK(answered == NREQ && handled == NREQ && sent == NREQ);
    CHECK(max_held >= 1 && max_held <= NCONN);
    CHECK(n_client_conns == NCONN);
    CHECK(n_server_conns == NCONN);
    for (i = 0; i < NREQ; i++) {
        order_free(reqs[i]);
        receipt_free(reps[i]);
    }
    evrpc_pool_free(pool);

    /* 2. a server that accepts nothing and never answers */
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(lfd >= 0);
    memset(&silent, 0, sizeof silent);
    silent.sin_family = AF_INET;
    silent.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(lfd, (struct sockaddr *)&silent, sizeof silent) == 0 && listen(lfd, 8) == 0);
    slen = sizeof silent;
    CHECK(getsockname(lfd, (struct sockaddr *)&silent, &slen) == 0);
    slow = evrpc_pool_new(NULL);
    evrpc_pool_add_connection(slow, evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(silent.sin_port)));
    evrpc_pool_set_timeout(slow, 1);
    o = new_order(1);
    r = receipt_new();
    phase_done = 0;
    CHECK(EVRPC_MAKE_REQUEST(Buy, slow, o, r, timed_out, NULL) == 0);
    event_base_dispatch(base);
    CHECK(phase_done);
    order_free(o);
    receipt_free(r);
    evrpc_pool_free(slow);
    close(lfd);

    /* 3. a required member missing */
    pool = evrpc_pool_new(NULL);
    evrpc_pool_add_connection(pool, evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port)));
    o = order_new();
    r = receipt_new();
    CHECK(order_complete(o) == -1);  /* customer is required */
    handled = 0;
    phase_done = 0;
    CHECK(EVRPC_MAKE_REQUEST(Buy, pool, o, r, refused, NULL) == 0);
    event_base_dispatch(base);
    CHECK(phase_done && handled == 0);
    order_free(o);
    receipt_free(r);
    evrpc_pool_free(pool);

    event_free(g);
    event_free(flush_ev);
    CHECK(EVRPC_UNREGISTER(rpcs, Buy) == 0);
    evrpc_free(rpcs);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
