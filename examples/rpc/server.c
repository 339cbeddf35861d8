/* examples/rpc/server.c: a phone book served over evrpc (messages in phonebook.rpc).
   Three RPCs: Add (add_request -> ack), Lookup (lookup_request -> lookup_reply, every entry
   whose name starts with the prefix) and Quit (lookup_request -> ack, then the server stops).
       server [port]     listens on 127.0.0.1 (port 0 or none: any free port), prints
                         "listening on 127.0.0.1:PORT", serves until Quit or 60 seconds.
   Build: event_rpcgen phonebook.rpc &&
          cc server.c phonebook.gen.c $(pkg-config --cflags --libs libevent) -o server */
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

#include "phonebook.gen.h"

/* The RPCs: a name, its request type and its reply type. EVRPC_HEADER declares what
   EVRPC_GENERATE defines; client and server use the same lines. */
EVRPC_HEADER(Add, add_request, ack)
EVRPC_GENERATE(Add, add_request, ack)
EVRPC_HEADER(Lookup, lookup_request, lookup_reply)
EVRPC_GENERATE(Lookup, lookup_request, lookup_reply)
EVRPC_HEADER(Quit, lookup_request, ack)
EVRPC_GENERATE(Quit, lookup_request, ack)

#define MAX_ENTRIES 100

static struct event_base *base;
static struct entry *book[MAX_ENTRIES];
static int nbook;

/* Copy a message through its wire form: what marshal writes, unmarshal reads back. */
static int copy_entry(struct entry *to, const struct entry *from)
{
    struct evbuffer *b = evbuffer_new();
    int r;
    entry_marshal(b, from);
    r = entry_unmarshal(to, b);
    evbuffer_free(b);
    return r;
}

static void add_cb(EVRPC_STRUCT(Add) *rpc, void *arg)
{
    struct entry *e, *kept;
    char *name;
    (void)arg;
    /* the request arrived whole: required members are there (unmarshal checked) */
    EVTAG_GET(rpc->request, entry, &e);
    EVTAG_GET(e, name, &name);
    if (nbook < MAX_ENTRIES && (kept = entry_new()) != NULL) {
        if (copy_entry(kept, e) == 0) book[nbook++] = kept;
        else entry_free(kept);
    }
    printf("server: added %s\n", name);
    EVTAG_ASSIGN(rpc->reply, total, nbook);
    EVRPC_REQUEST_DONE(rpc);
}

static void lookup_cb(EVRPC_STRUCT(Lookup) *rpc, void *arg)
{
    char *prefix, *name;
    int i, n = 0;
    (void)arg;
    EVTAG_GET(rpc->request, prefix, &prefix);
    for (i = 0; i < nbook; i++) {
        EVTAG_GET(book[i], name, &name);
        if (strncmp(name, prefix, strlen(prefix)) == 0) {
            struct entry *slot = EVTAG_ARRAY_ADD(rpc->reply, entries);
            if (slot == NULL || copy_entry(slot, book[i]) == -1) break;
            n++;
        }
    }
    printf("server: lookup '%s': %d match(es)\n", prefix, n);
    EVTAG_ASSIGN(rpc->reply, matches, n);
    EVRPC_REQUEST_DONE(rpc);
}

static void quit_cb(EVRPC_STRUCT(Quit) *rpc, void *arg)
{
    struct timeval soon = { 0, 100000 };  /* time for the reply to go out */
    (void)arg;
    EVTAG_ASSIGN(rpc->reply, total, nbook);
    EVRPC_REQUEST_DONE(rpc);
    printf("server: quit\n");
    event_base_loopexit(base, &soon);
}

int main(int argc, char **argv)
{
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct evrpc_base *rpc;
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    struct timeval limit = { 60, 0 };
    int i;

    base = event_base_new();
    http = evhttp_new(base);
    sock = evhttp_bind_socket_with_handle(http, "127.0.0.1", argc > 1 ? (ev_uint16_t)atoi(argv[1]) : 0);
    if (base == NULL || http == NULL || sock == NULL) {
        fprintf(stderr, "server: cannot listen on 127.0.0.1\n");
        return 1;
    }
    getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&sin, &len);

    /* Requests arrive as HTTP POSTs to /.rpc.Add, /.rpc.Lookup, /.rpc.Quit */
    rpc = evrpc_init(http);
    EVRPC_REGISTER(rpc, Add, add_request, ack, add_cb, NULL);
    EVRPC_REGISTER(rpc, Lookup, lookup_request, lookup_reply, lookup_cb, NULL);
    EVRPC_REGISTER(rpc, Quit, lookup_request, ack, quit_cb, NULL);

    printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    event_base_loopexit(base, &limit);
    event_base_dispatch(base);

    EVRPC_UNREGISTER(rpc, Add);
    EVRPC_UNREGISTER(rpc, Lookup);
    EVRPC_UNREGISTER(rpc, Quit);
    evrpc_free(rpc);
    evhttp_free(http);
    event_base_free(base);
    for (i = 0; i < nbook; i++) entry_free(book[i]);
    return 0;
}
