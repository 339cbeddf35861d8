/* evrpc with message types from a schema (gen/shop.rpc) compiled by our rpcgen/event_rpcgen.py:
   the accessor macros (EVTAG_ASSIGN, _GET, _HAS, _ARRAY_ADD(_VALUE), _ARRAY_GET, _ARRAY_LEN,
   _WITH_LEN) on every member kind; evtag_marshal_order's exact bytes (the evtag encoding of
   the library it runs on); reading them back; what unmarshal refuses (a repeated member, an
   unknown tag, a missing required member); assigning a nested struct copies it; then an RPC
   round trip over 127.0.0.1 carrying those types. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/tag.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "gen/shop.gen.h"
#include "gen/shop.gen.c"

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static void hex(struct evbuffer *b, char *out, size_t n)
{
    size_t len = evbuffer_get_length(b), i;
    unsigned char *p = evbuffer_pullup(b, -1);
    out[0] = 0;
    for (i = 0; i < len && 2 * i + 3 < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static struct item *make_item(struct order *o, const char *name, int count)
{
    struct item *it = EVTAG_ARRAY_ADD(o, items);
    CHECK(it != NULL);
    EVTAG_ASSIGN(it, name, name);
    EVTAG_ASSIGN(it, count, count);
    EVTAG_ASSIGN(it, code, (const ev_uint8_t *)"ABCD");
    return it;
}

static struct order *make_order(void)
{
    struct order *o = order_new();
    struct item *it, *gift = item_new();
    CHECK(o != NULL && gift != NULL);
    EVTAG_ASSIGN(o, customer, "ann");
    it = make_item(o, "tea", 2);
    EVTAG_ASSIGN(it, serial, 0x123456789abcULL);
    EVTAG_ASSIGN_WITH_LEN(it, note, (const ev_uint8_t *)"x\0y", 3);
    CHECK(EVTAG_ARRAY_ADD_VALUE(it, tags, "green") != NULL);
    CHECK(EVTAG_ARRAY_ADD_VALUE(it, tags, "loose") != NULL);
    CHECK(EVTAG_ARRAY_ADD_VALUE(it, sizes, 100) != NULL);
    make_item(o, "cup", 3);
    CHECK(EVTAG_ARRAY_ADD_VALUE(o, stamps, 0xfedcba9876543210ULL) != NULL);
    /* a nested struct is assigned by copy */
    EVTAG_ASSIGN(gift, name, "spoon");
    EVTAG_ASSIGN(gift, count, 1);
    EVTAG_ASSIGN(gift, code, (const ev_uint8_t *)"WXYZ");
    CHECK(EVTAG_ASSIGN(o, gift, gift) == 0);
    EVTAG_ASSIGN(gift, name, "fork");
    item_free(gift);
    return o;
}

static void check_order(struct order *o)
{
    char *s;
    struct item *it;
    ev_uint64_t big;
    ev_uint32_t n, len;
    ev_uint8_t *bytes;
    CHECK(EVTAG_GET(o, customer, &s) == 0 && strcmp(s, "ann") == 0);
    CHECK(EVTAG_HAS(o, gift));
    CHECK(EVTAG_GET(o, gift, &it) == 0);
    CHECK(EVTAG_GET(it, name, &s) == 0 && strcmp(s, "spoon") == 0);
    CHECK(EVTAG_ARRAY_LEN(o, items) == 2);
    CHECK(EVTAG_ARRAY_GET(o, items, 2, &it) == -1);
    CHECK(EVTAG_ARRAY_GET(o, items, 0, &it) == 0);
    CHECK(EVTAG_GET(it, count, &n) == 0 && n == 2);
    CHECK(EVTAG_GET(it, serial, &big) == 0 && big == 0x123456789abcULL);
    CHECK(EVTAG_GET_WITH_LEN(it, note, &bytes, &len) == 0 && len == 3 && memcmp(bytes, "x\0y", 3) == 0);
    CHECK(EVTAG_GET(it, code, &bytes) == 0 && memcmp(bytes, "ABCD", 4) == 0);
    CHECK(EVTAG_ARRAY_LEN(it, tags) == 2);
    CHECK(EVTAG_ARRAY_GET(it, tags, 1, &s) == 0 && strcmp(s, "loose") == 0);
    CHECK(EVTAG_ARRAY_GET(it, sizes, 0, &n) == 0 && n == 100);
    CHECK(EVTAG_ARRAY_GET(o, items, 1, &it) == 0);
    CHECK(!EVTAG_HAS(it, serial) && EVTAG_GET(it, serial, &big) == -1);
    CHECK(EVTAG_ARRAY_LEN(it, tags) == 0);
    CHECK(EVTAG_ARRAY_GET(o, stamps, 0, &big) == 0 && big == 0xfedcba9876543210ULL);
}

static void wire(void)
{
    static const char want[] =
        "0715600103616e6e021010010573706f6f6e02010105045758595a031e200103"
        "7465610201020307bcba98765432100403780079050441424344060567726565"
        "6e06056c6f6f736507021460030e0103637570020103050441424344b42409f0"
        "123456789abcdef0";
    struct order *o = make_order(), *back = order_new();
    struct item *bad = item_new();
    struct evbuffer *b = evbuffer_new();
    char got[1024];
    ev_uint32_t tag;

    CHECK(order_complete(o) == 0);
    evtag_marshal_order(b, 7, o);
    hex(b, got, sizeof got);
    if (getenv("PRINT")) printf("%s\n", got);
    else if (strcmp(got, want) != 0) { fprintf(stderr, "bytes\n%s\nwanted\n%s\n", got, want); exit(1); }
    CHECK(evtag_peek(b, &tag) != -1 && tag == 7);
    CHECK(evtag_unmarshal_order(b, 7, back) == 0);
    CHECK(evbuffer_get_length(b) == 0);
    check_order(back);

    /* the same bytes again: marshal what was read */
    evtag_marshal_order(b, 7, back);
    {
        char again[1024];
        hex(b, again, sizeof again);
        CHECK(strcmp(got, again) == 0);
    }
    evbuffer_drain(b, evbuffer_get_length(b));

    /* a required member missing */
    EVTAG_ASSIGN(bad, name, "x");
    CHECK(item_complete(bad) == -1);
    EVTAG_ASSIGN(bad, code, (const ev_uint8_t *)"1234");
    CHECK(item_complete(bad) == -1);
    EVTAG_ASSIGN(bad, count, 5);
    CHECK(item_complete(bad) == 0);
    item_marshal(b, bad);
    evtag_marshal_int(b, ITEM_COUNT, 6); /* a repeated member */
    item_clear(bad);
    CHECK(!EVTAG_HAS(bad, name));
    CHECK(item_unmarshal(bad, b) == -1);
    evbuffer_drain(b, evbuffer_get_length(b));
    item_clear(bad);
    evtag_marshal_string(b, 99, "unknown");
    CHECK(item_unmarshal(bad, b) == -1);
    evbuffer_drain(b, evbuffer_get_length(b));
    item_clear(bad);
    evtag_marshal_string(b, ITEM_NAME, "only a name");
    CHECK(item_unmarshal(bad, b) == -1);

    order_free(o);
    order_free(back);
    item_free(bad);
    evbuffer_free(b);
}

/* ---- the RPC ---- */
EVRPC_HEADER(Buy, order, receipt)
EVRPC_GENERATE(Buy, order, receipt)

static struct event_base *base;
static int replied;

static void BuyCb(EVRPC_STRUCT(Buy) *rpc, void *arg)
{
    struct order *o = rpc->request;
    struct receipt *r = rpc->reply;
    char *who, msg[64];
    int i, total = 0;
    (void)arg;
    check_order(o);
    for (i = 0; i < EVTAG_ARRAY_LEN(o, items); i++) {
        struct item *it;
        ev_uint32_t n;
        EVTAG_ARRAY_GET(o, items, i, &it);
        EVTAG_GET(it, count, &n);
        total += (int)n;
    }
    EVTAG_GET(o, customer, &who);
    snprintf(msg, sizeof msg, "thanks %s", who);
    EVTAG_ASSIGN(r, total, total);
    EVTAG_ASSIGN(r, message, msg);
    EVRPC_REQUEST_DONE(rpc);
}

static void got(struct evrpc_status *st, struct order *o, struct receipt *r, void *arg)
{
    ev_uint32_t total;
    char *msg;
    (void)o; (void)arg;
    CHECK(st->error == EVRPC_STATUS_ERR_NONE);
    CHECK(EVTAG_GET(r, total, &total) == 0 && total == 5);
    CHECK(EVTAG_GET(r, message, &msg) == 0 && strcmp(msg, "thanks ann") == 0);
    replied = 1;
    event_base_loopexit(base, NULL);
}

int main(void)
{
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;
    struct evrpc_base *rpcs;
    struct evrpc_pool *pool;
    struct order *o;
    struct receipt *r;

    wire();

    base = event_base_new();
    http = evhttp_new(base);
    sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(sock != NULL);
    CHECK(getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &slen) == 0);
    rpcs = evrpc_init(http);
    CHECK(EVRPC_REGISTER(rpcs, Buy, order, receipt, BuyCb, NULL) == 0);
    pool = evrpc_pool_new(NULL);
    evrpc_pool_add_connection(pool, evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port)));
    evrpc_pool_set_timeout(pool, 10);

    o = make_order();
    r = receipt_new();
    CHECK(EVRPC_MAKE_REQUEST(Buy, pool, o, r, got, NULL) == 0);
    event_base_dispatch(base);
    CHECK(replied);

    order_free(o);
    receipt_free(r);
    evrpc_pool_free(pool);
    CHECK(EVRPC_UNREGISTER(rpcs, Buy) == 0);
    evrpc_free(rpcs);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
