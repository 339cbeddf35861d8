/* examples/rpc/client.c: talks to examples/rpc/server.c.
       client PORT      adds three people to the book at 127.0.0.1:PORT, looks up the names
                        starting with "An", prints what came back and asks the server to quit.
   Exit status 0 when every call was answered as expected.
   Build: event_rpcgen phonebook.rpc &&
          cc client.c phonebook.gen.c $(pkg-config --cflags --libs libevent) -o client */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/tag.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "phonebook.gen.h"

EVRPC_HEADER(Add, add_request, ack)
EVRPC_GENERATE(Add, add_request, ack)
EVRPC_HEADER(Lookup, lookup_request, lookup_reply)
EVRPC_GENERATE(Lookup, lookup_request, lookup_reply)
EVRPC_HEADER(Quit, lookup_request, ack)
EVRPC_GENERATE(Quit, lookup_request, ack)

static struct event_base *base;
static struct evrpc_pool *pool;
static int failures, added;

static void quit_done(struct evrpc_status *status, struct lookup_request *req, struct ack *reply, void *arg)
{
    ev_uint32_t total = 0;
    (void)arg;
    if (status->error != EVRPC_STATUS_ERR_NONE || EVTAG_GET(reply, total, &total) == -1 || total != 3) failures++;
    printf("client: server quit with %u entries\n", total);
    lookup_request_free(req);
    ack_free(reply);
    event_base_loopexit(base, NULL);
}

static void lookup_done(struct evrpc_status *status, struct lookup_request *req, struct lookup_reply *reply, void *arg)
{
    struct lookup_request *quit = lookup_request_new();
    struct ack *ack = ack_new();
    ev_uint32_t matches = 0;
    int i;
    (void)arg;
    if (status->error != EVRPC_STATUS_ERR_NONE) {
        printf("client: lookup failed (evrpc error %d)\n", status->error);
        failures++;
    } else {
        EVTAG_GET(reply, matches, &matches);
        printf("client: %u match(es)\n", matches);
        for (i = 0; i < EVTAG_ARRAY_LEN(reply, entries); i++) {
            struct entry *e;
            char *name, *number, *note, *label;
            ev_uint8_t *country;
            int j;
            EVTAG_ARRAY_GET(reply, entries, i, &e);
            EVTAG_GET(e, name, &name);
            EVTAG_GET(e, number, &number);
            EVTAG_GET(e, country, &country);
            printf("  %s, %s (%.2s)", name, number, (const char *)country);
            if (EVTAG_HAS(e, note) && EVTAG_GET(e, note, &note) == 0) printf(", \"%s\"", note);
            for (j = 0; j < EVTAG_ARRAY_LEN(e, labels); j++) {
                EVTAG_ARRAY_GET(e, labels, j, &label);
                printf(" [%s]", label);
            }
            printf("%s\n", EVTAG_HAS(e, updated) ? " (dated)" : "");
        }
        if (matches != 2 || EVTAG_ARRAY_LEN(reply, entries) != 2) failures++;
    }
    lookup_request_free(req);
    lookup_reply_free(reply);
    EVTAG_ASSIGN(quit, prefix, "");
    EVRPC_MAKE_REQUEST(Quit, pool, quit, ack, quit_done, NULL);
}

static void add_done(struct evrpc_status *status, struct add_request *req, struct ack *reply, void *arg)
{
    ev_uint32_t total;
    (void)arg;
    if (status->error != EVRPC_STATUS_ERR_NONE || EVTAG_GET(reply, total, &total) == -1) failures++;
    else added++;
    add_request_free(req);
    ack_free(reply);
}

static void add(const char *name, const char *number, const char *country, const char *note, const char *label)
{
    struct add_request *req = add_request_new();
    struct ack *reply = ack_new();
    struct entry *e = entry_new();
    EVTAG_ASSIGN(e, name, name);
    EVTAG_ASSIGN(e, number, number);
    EVTAG_ASSIGN(e, country, (const ev_uint8_t *)country);
    if (note) EVTAG_ASSIGN(e, note, note);
    if (label) EVTAG_ARRAY_ADD_VALUE(e, labels, label);
    EVTAG_ASSIGN(e, updated, (ev_uint64_t)time(NULL));
    EVTAG_ASSIGN(req, entry, e);  /* copies e */
    entry_free(e);
    /* a message with a required member unset would not unmarshal on the other side */
    if (add_request_complete(req) == -1) abort();
    EVRPC_MAKE_REQUEST(Add, pool, req, reply, add_done, NULL);
}

int main(int argc, char **argv)
{
    struct lookup_request *req;
    struct lookup_reply *reply;
    struct timeval limit = { 30, 0 };

    if (argc != 2) {
        fprintf(stderr, "usage: client PORT\n");
        return 2;
    }
    base = event_base_new();
    pool = evrpc_pool_new(NULL);
    evrpc_pool_add_connection(pool, evhttp_connection_base_new(base, NULL, "127.0.0.1", (ev_uint16_t)atoi(argv[1])));
    evrpc_pool_set_timeout(pool, 10);

    /* Requests on a pool go out in order, one at a time per connection: the three adds
       reach the server before the lookup. */
    add("Ann Smith", "+44 20 7946 0000", "GB", "the neighbour", "home");
    add("Bob Jones", "+1 202 555 0100", "US", NULL, NULL);
    add("Anton Weber", "+49 30 1234567", "DE", NULL, "work");
    req = lookup_request_new();
    reply = lookup_reply_new();
    EVTAG_ASSIGN(req, prefix, "An");
    EVRPC_MAKE_REQUEST(Lookup, pool, req, reply, lookup_done, NULL);

    event_base_loopexit(base, &limit);
    event_base_dispatch(base);
    evrpc_pool_free(pool);
    event_base_free(base);
    if (added != 3) failures++;
    printf("client: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
