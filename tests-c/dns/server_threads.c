/* dns server_threads: with evthread_use_pthreads, a port served by a loop thread hands its
   requests to three worker threads that add records and respond while the loop runs (the
   port's lock, as libevent's, makes that safe); 300 queries from a client must all be
   answered correctly. The port is then closed from the main thread while the loop thread
   still runs. */
/* LIBS: -levent_pthreads */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

#define NQ 300
#define NWORKERS 3
static struct event_base *base;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct evdns_server_request *queue[NQ + 8];
static int qhead, qtail, stopping;

static void server_cb(struct evdns_server_request *req, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    CHECK(qtail < NQ + 8);
    queue[qtail++] = req;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct evdns_server_request *req;
        unsigned char addr[4];
        int id;
        pthread_mutex_lock(&mu);
        while (qhead == qtail && !stopping)
            pthread_cond_wait(&cv, &mu);
        if (qhead == qtail) {
            pthread_mutex_unlock(&mu);
            return NULL;
        }
        req = queue[qhead++];
        pthread_mutex_unlock(&mu);
        /* the name is "qNNN": answer 10.0.N/256.N%256 */
        id = atoi(req->questions[0]->name + 1);
        addr[0] = 10; addr[1] = 0; addr[2] = (unsigned char)(id >> 8); addr[3] = (unsigned char)id;
        CHECK(evdns_server_request_add_a_reply(req, req->questions[0]->name, 1, addr, 60) == 0);
        CHECK(evdns_server_request_respond(req, 0) >= 0);
    }
}

static void *loop(void *arg)
{
    (void)arg;
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static int query(unsigned char *p, int id)
{
    char name[8];
    int len = snprintf(name, sizeof name, "q%d", id), n = 12;
    memset(p, 0, 12);
    p[0] = (unsigned char)(id >> 8); p[1] = (unsigned char)id; p[2] = 1; p[5] = 1;
    p[n++] = (unsigned char)len;
    memcpy(p + n, name, len);
    n += len;
    memcpy(p + n, "\0\0\1\0\1", 5);
    return n + 5;
}

int main(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int srv, cli, i, got = 0, sent = 0, rcv = 1 << 20;
    static int seen[NQ];
    pthread_t lt, wt[NWORKERS];
    struct evdns_server_port *port;

    CHECK(evthread_use_pthreads() == 0);
    base = event_base_new();
    CHECK(base);
    srv = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(srv >= 0 && evutil_make_socket_nonblocking(srv) == 0);
    setsockopt(srv, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
    CHECK(port);
    cli = socket(AF_INET, SOCK_DGRAM, 0);
    setsockopt(cli, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);

    CHECK(pthread_create(&lt, NULL, loop, NULL) == 0);
    for (i = 0; i < NWORKERS; i++)
        CHECK(pthread_create(&wt[i], NULL, worker, NULL) == 0);

    while (got < NQ) {
        struct pollfd p = {cli, POLLIN, 0};
        unsigned char r[512], q[64];
        int n;
        /* keep at most 50 queries in flight */
        while (sent < NQ && sent - got < 50) {
            n = query(q, sent);
            CHECK(send(cli, q, n, 0) == n);
            sent++;
        }
        if (poll(&p, 1, 5000) != 1) {
            fprintf(stderr, "no answer: %d sent, %d answered\n", sent, got);
            return 1;
        }
        n = recv(cli, r, sizeof r, 0);
        CHECK(n > 12 && r[2] == 0x81 && r[3] == 0 && r[7] == 1);
        i = r[0] << 8 | r[1];
        CHECK(i < NQ && !seen[i]);
        seen[i] = 1;
        /* the address at the end of the answer encodes the id */
        CHECK(r[n - 4] == 10 && r[n - 3] == 0 && (r[n - 2] << 8 | r[n - 1]) == i);
        got++;
    }

    /* close from this thread while the loop thread runs */
    evdns_close_server_port(port);
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (i = 0; i < NWORKERS; i++)
        pthread_join(wt[i], NULL);
    event_base_loopbreak(base);
    pthread_join(lt, NULL);
    event_base_free(base);
    close(cli);
    return 0;
}
