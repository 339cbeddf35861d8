/* Wire compatibility between two schema compilers (tests-c/probe/check_rpcgen.sh): this
   program is built once over shop.gen.c/.gen.h from our generator and once over the same
   schema compiled by libevent 2.1.12's event_rpcgen.py, and a server of one build answers a
   client of the other on 127.0.0.1.
     interop server     prints its port, answers NREQ Swap calls (order -> order), exits 0 when
                        every request held exactly what the client meant to send (20 s bound)
     interop client P   sends NREQ Swap calls to 127.0.0.1:P, exits 0 when every reply held
                        exactly what the server meant to send
   Orders come in shapes (v % 3): every member present and arrays of many; only the required
   members (optional ones absent, arrays empty); arrays of one. Values are the extremes of
   each type (0, 2^32-1, 2^64-1, bytes 0x00 and 0xff). Not a tests-c case: it needs a
   generated file named shop.gen.h in the include path. */
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

#include "shop.gen.h"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define NREQ 6

EVRPC_HEADER(Swap, order, order)
EVRPC_GENERATE(Swap, order, order)

static struct event_base *base;
static int count;

static void note_bytes(int v, ev_uint8_t *b, ev_uint32_t *len)
{
    ev_uint32_t i;
    *len = (ev_uint32_t)(v % 5) + 1;
    for (i = 0; i < *len; i++) b[i] = (i % 2) ? 0xff : 0x00;
}

static void fill_item(struct item *it, int v, int k, int full)
{
    char s[32];
    snprintf(s, sizeof s, "item %d.%d", v, k);
    EVTAG_ASSIGN(it, name, s);
    EVTAG_ASSIGN(it, count, k == 0 ? 0xffffffffu : (ev_uint32_t)(v * 100 + k));
    EVTAG_ASSIGN(it, code, (const ev_uint8_t *)(k % 2 ? "\xff\x00\x01\x80" : "ABCD"));
    if (full) {
        ev_uint8_t b[8];
        ev_uint32_t len;
        int j;
        EVTAG_ASSIGN(it, serial, k == 0 ? ~(ev_uint64_t)0 : ((ev_uint64_t)v << 40) + (ev_uint64_t)k);
        note_bytes(v + k, b, &len);
        EVTAG_ASSIGN_WITH_LEN(it, note, b, len);
        for (j = 0; j <= k; j++) {
            snprintf(s, sizeof s, "tag%d", j);
            CHECK(EVTAG_ARRAY_ADD_VALUE(it, tags, j == 1 ? "" : s) != NULL);
            CHECK(EVTAG_ARRAY_ADD_VALUE(it, sizes, (ev_uint32_t)j * 0x10001u) != NULL);
        }
    }
}

static void check_item(struct item *it, int v, int k, int full)
{
    char s[32], *got;
    ev_uint32_t n, len, want_len;
    ev_uint64_t big;
    ev_uint8_t *bytes, b[8];
    int j;
    snprintf(s, sizeof s, "item %d.%d", v, k);
    CHECK(EVTAG_GET(it, name, &got) == 0 && strcmp(got, s) == 0);
    CHECK(EVTAG_GET(it, count, &n) == 0 && n == (k == 0 ? 0xffffffffu : (ev_uint32_t)(v * 100 + k)));
    CHECK(EVTAG_GET(it, code, &bytes) == 0 && memcmp(bytes, k % 2 ? "\xff\x00\x01\x80" : "ABCD", 4) == 0);
    CHECK(EVTAG_HAS(it, serial) == full && EVTAG_HAS(it, note) == full);
    CHECK(EVTAG_ARRAY_LEN(it, tags) == (full ? k + 1 : 0) && EVTAG_ARRAY_LEN(it, sizes) == (full ? k + 1 : 0));
    if (!full) return;
    CHECK(EVTAG_GET(it, serial, &big) == 0 && big == (k == 0 ? ~(ev_uint64_t)0 : ((ev_uint64_t)v << 40) + (ev_uint64_t)k));
    note_bytes(v + k, b, &want_len);
    CHECK(EVTAG_GET_WITH_LEN(it, note, &bytes, &len) == 0 && len == want_len && memcmp(bytes, b, len) == 0);
    for (j = 0; j <= k; j++) {
        snprintf(s, sizeof s, "tag%d", j);
        CHECK(EVTAG_ARRAY_GET(it, tags, j, &got) == 0 && strcmp(got, j == 1 ? "" : s) == 0);
        CHECK(EVTAG_ARRAY_GET(it, sizes, j, &n) == 0 && n == (ev_uint32_t)j * 0x10001u);
    }
}

/* shape 0: everything, arrays of 3; shape 1: required members only; shape 2: arrays of 1 */
static int nitems(int v) { return v % 3 == 0 ? 3 : v % 3 == 1 ? 0 : 1; }

static void fill_order(struct order *o, int v)
{
    char s[32];
    int k, shape = v % 3;
    snprintf(s, sizeof s, "v%d", v);
    EVTAG_ASSIGN(o, customer, s);
    if (shape != 1) {
        struct item *gift = item_new();
        fill_item(gift, v, 7, 1);
        CHECK(EVTAG_ASSIGN(o, gift, gift) == 0);
        item_free(gift);
    }
    for (k = 0; k < nitems(v); k++) {
        struct item *it = EVTAG_ARRAY_ADD(o, items);
        CHECK(it != NULL);
        fill_item(it, v, k, shape == 0);
        CHECK(EVTAG_ARRAY_ADD_VALUE(o, stamps, k == 0 ? ~(ev_uint64_t)0 : (ev_uint64_t)k << 60) != NULL);
    }
}

static void check_order(struct order *o, int v)
{
    char s[32], *got;
    struct item *it;
    ev_uint64_t big;
    int k, shape = v % 3;
    snprintf(s, sizeof s, "v%d", v);
    CHECK(EVTAG_GET(o, customer, &got) == 0 && strcmp(got, s) == 0);
    CHECK(EVTAG_HAS(o, gift) == (shape != 1));
    if (shape != 1) {
        CHECK(EVTAG_GET(o, gift, &it) == 0);
        check_item(it, v, 7, 1);
    }
    CHECK(EVTAG_ARRAY_LEN(o, items) == nitems(v) && EVTAG_ARRAY_LEN(o, stamps) == nitems(v));
    for (k = 0; k < nitems(v); k++) {
        CHECK(EVTAG_ARRAY_GET(o, items, k, &it) == 0);
        check_item(it, v, k, shape == 0);
        CHECK(EVTAG_ARRAY_GET(o, stamps, k, &big) == 0 && big == (k == 0 ? ~(ev_uint64_t)0 : (ev_uint64_t)k << 60));
    }
    CHECK(order_complete(o) == 0);
}

/* ---- server ---- */
static void SwapCb(EVRPC_STRUCT(Swap) *rpc, void *arg)
{
    char *who;
    int v;
    (void)arg;
    CHECK(EVTAG_GET(rpc->request, customer, &who) == 0 && who[0] == 'v');
    v = atoi(who + 1);
    check_order(rpc->request, v);
    fill_order(rpc->reply, v + 100);
    EVRPC_REQUEST_DONE(rpc);
    if (++count == NREQ) {
        struct timeval drain = { 0, 200000 };  /* let the last reply go out */
        event_base_loopexit(base, &drain);
    }
}

static int serve(void)
{
    struct evhttp *http = evhttp_new(base);
    struct evhttp_bound_socket *sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;
    struct evrpc_base *rpcs;
    struct timeval limit = { 20, 0 };
    CHECK(sock != NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == 0);
    rpcs = evrpc_init(http);
    CHECK(EVRPC_REGISTER(rpcs, Swap, order, order, SwapCb, NULL) == 0);
    printf("%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    CHECK(EVRPC_UNREGISTER(rpcs, Swap) == 0);
    evrpc_free(rpcs);
    evhttp_free(http);
    if (count != NREQ) fprintf(stderr, "server: %d of %d calls\n", count, NREQ);
    return count == NREQ ? 0 : 1;
}

/* ---- client ---- */
static void got(struct evrpc_status *st, struct order *req, struct order *rep, void *arg)
{
    int v = (int)(long)arg;
    CHECK(st->error == EVRPC_STATUS_ERR_NONE);
    check_order(rep, v + 100);
    order_free(req);
    order_free(rep);
    if (++count == NREQ) event_base_loopexit(base, NULL);
}

static int call(int port)
{
    struct evrpc_pool *pool = evrpc_pool_new(NULL);
    struct timeval limit = { 20, 0 };
    int v;
    evrpc_pool_add_connection(pool, evhttp_connection_base_new(base, NULL, "127.0.0.1", (unsigned short)port));
    evrpc_pool_set_timeout(pool, 10);
    for (v = 0; v < NREQ; v++) {
        struct order *req = order_new(), *rep = order_new();
        fill_order(req, v);
        check_order(req, v);
        CHECK(EVRPC_MAKE_REQUEST(Swap, pool, req, rep, got, (void *)(long)v) == 0);
    }
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    evrpc_pool_free(pool);
    if (count != NREQ) fprintf(stderr, "client: %d of %d replies\n", count, NREQ);
    return count == NREQ ? 0 : 1;
}

int main(int argc, char **argv)
{
    int st;
    base = event_base_new();
    if (argc == 2 && strcmp(argv[1], "server") == 0) st = serve();
    else if (argc == 3 && strcmp(argv[1], "client") == 0) st = call(atoi(argv[2]));
    else { fprintf(stderr, "usage: interop server | interop client PORT\n"); st = 2; }
    event_base_free(base);
    return st;
}
