/* threads: BEV_OPT_THREADSAFE SSL bufferevents (socket flavour, then a filter over a socket
   bufferevent) written from worker threads while the main thread dispatches. Two workers each
   write 2000 numbered lines to the client while the server echoes; every line comes back
   exactly once and each worker's lines in order. The workers free nothing; the main thread
   frees everything after joining them. */
/* LIBS: -levent_openssl -levent_pthreads -lssl -lcrypto -lpthread */
#include "tls_common.h"
#include <event2/thread.h>
#include <pthread.h>

#define LINES 2000
#define WORKERS 2

static struct event_base *base;
static struct bufferevent *client;
static int next_line[WORKERS];
static int lines_back;

static void *worker(void *arg)
{
    long id = (long)arg;
    char line[64];
    for (int i = 0; i < LINES; i++) {
        int n = snprintf(line, sizeof line, "%ld %d ........................\n", id, i);
        CHECK_EQ(bufferevent_write(client, line, (size_t)n), 0);
        if (i % 100 == 0)
            usleep(1000);
    }
    return NULL;
}

static void echo_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    CHECK_EQ(bufferevent_write_buffer(bev, bufferevent_get_input(bev)), 0);
}

static void client_readcb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    char *line;
    size_t len;
    while ((line = evbuffer_readln(bufferevent_get_input(bev), &len, EVBUFFER_EOL_LF)) != NULL) {
        long id;
        int i;
        CHECK_EQ(sscanf(line, "%ld %d", &id, &i), 2);
        CHECK(id >= 0 && id < WORKERS);
        CHECK_EQ(i, next_line[id]);
        next_line[id]++;
        lines_back++;
        free(line);
    }
    if (lines_back == WORKERS * LINES)
        event_base_loopbreak(base);
}

static void eventcb(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    if (what == BEV_EVENT_CONNECTED)
        return;
    fprintf(stderr, "%s: unexpected event 0x%x\n", (const char *)arg, what);
    exit(1);
}

static void run(SSL_CTX *sctx, SSL_CTX *cctx, int filter)
{
    int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE;
    int fds[2];
    tcp_pair(fds);
    struct bufferevent *server = bufferevent_openssl_socket_new(base, fds[1], SSL_new(sctx), BUFFEREVENT_SSL_ACCEPTING, opts);
    if (filter) {
        struct bufferevent *u = bufferevent_socket_new(base, fds[0], opts);
        client = bufferevent_openssl_filter_new(base, u, SSL_new(cctx), BUFFEREVENT_SSL_CONNECTING, opts);
    } else {
        client = bufferevent_openssl_socket_new(base, fds[0], SSL_new(cctx), BUFFEREVENT_SSL_CONNECTING, opts);
    }
    CHECK(server && client);
    bufferevent_setcb(server, echo_readcb, NULL, eventcb, "server");
    bufferevent_setcb(client, client_readcb, NULL, eventcb, "client");
    bufferevent_enable(server, EV_READ | EV_WRITE);
    bufferevent_enable(client, EV_READ | EV_WRITE);
    memset(next_line, 0, sizeof next_line);
    lines_back = 0;

    pthread_t t[WORKERS];
    for (long i = 0; i < WORKERS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, worker, (void *)i), 0);
    run_for(base, 30000);
    for (int i = 0; i < WORKERS; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_EQ(lines_back, WORKERS * LINES);
    bufferevent_free(client);
    bufferevent_free(server);
    run_for(base, 10);
}

int main(void)
{
    alarm(60);
    CHECK_EQ(evthread_use_pthreads(), 0);
    base = event_base_new();
    CHECK(base != NULL);
    SSL_CTX *sctx = tls_server_ctx(0), *cctx = tls_client_ctx(0);
    run(sctx, cctx, 0);
    run(sctx, cctx, 1);
    event_base_free(base);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    printf("ok\n");
    return 0;
}
