/* dns resolve_threads: with evthread_use_pthreads (and lock debugging), an evdns base
   made afterwards is locked like libevent's: while one thread runs the loop (and the
   scripted name server on it), four threads each start lookups and evdns_getaddrinfo
   requests, cancel getaddrinfo requests themselves and have the loop thread cancel
   lookups (2.1.12 itself trips an assertion in request_finished when
   evdns_cancel_request races the loop from another thread, so that is not asked of it
   here). Every callback comes exactly once, from the loop thread, with the right answer
   (or the cancellation); then the base is freed with fail_requests from the main thread
   while the loop still runs. */
/* LIBS: -levent_pthreads */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <event2/thread.h>
#include <pthread.h>

#define NTHREADS 4
#define PER_THREAD 60

static struct event_base *base;
static struct evdns_base *dns;
static pthread_t loop_thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int done_ok, done_cancel, done_other, gai_ok, gai_canceled, gai_other, wrong_thread;

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    (void)ns; (void)arg;
    if (strcasestr(q->name, "hang")) return 0;
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    if (q->qtype == 1)
        pkt_rr_a(o, NULL, 60, "5.5.5.5");
    else
        pkt_rr_aaaa(o, NULL, 60, "5::5");
    return 1;
}

static void resolve_cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
    (void)type; (void)count; (void)ttl; (void)arg;
    pthread_mutex_lock(&mu);
    if (!pthread_equal(pthread_self(), loop_thread)) wrong_thread++;
    if (result == 0 && count == 1 && ((unsigned char *)addrs)[0] == 5)
        done_ok++;
    else if (result == DNS_ERR_CANCEL)
        done_cancel++;
    else
        done_other++;
    pthread_mutex_unlock(&mu);
}

static void gai_cb(int err, struct evutil_addrinfo *res, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    if (!pthread_equal(pthread_self(), loop_thread)) wrong_thread++;
    if (err == 0 && res)
        gai_ok++;
    else if (err == EVUTIL_EAI_CANCEL)
        gai_canceled++;
    else
        gai_other++;
    pthread_mutex_unlock(&mu);
    if (res) evutil_freeaddrinfo(res);
}

static void *loop_main(void *arg)
{
    (void)arg;
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static void cancel_in_loop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    evdns_cancel_request(dns, arg);
}

static void *worker(void *arg)
{
    int id = (int)(long)arg, i;
    char name[64];
    for (i = 0; i < PER_THREAD; i++) {
        struct evdns_request *r;
        struct evdns_getaddrinfo_request *g;
        snprintf(name, sizeof(name), "t%d-%d.example", id, i);
        CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, resolve_cb, NULL));
        snprintf(name, sizeof(name), "hang%d-%d.example", id, i);
        r = evdns_base_resolve_ipv6(dns, name, DNS_QUERY_NO_SEARCH, resolve_cb, NULL);
        CHECK(r);
        CHECK(event_base_once(base, -1, EV_TIMEOUT, cancel_in_loop, r, NULL) == 0);
        snprintf(name, sizeof(name), "g%d-%d.example", id, i);
        CHECK(evdns_getaddrinfo(dns, name, "80", NULL, gai_cb, NULL));
        snprintf(name, sizeof(name), "hangg%d-%d.example", id, i);
        g = evdns_getaddrinfo(dns, name, "80", NULL, gai_cb, NULL);
        CHECK(g);
        evdns_getaddrinfo_cancel(g);
        if (i % 10 == 0) usleep(1000);
    }
    return NULL;
}

static int total(void)
{
    int t;
    pthread_mutex_lock(&mu);
    t = done_ok + done_cancel + done_other + gai_ok + gai_canceled + gai_other;
    pthread_mutex_unlock(&mu);
    return t;
}

int main(void)
{
    pthread_t w[NTHREADS];
    struct fake_ns *ns;
    int i, waited;
    alarm(60);
    CHECK(evthread_use_pthreads() == 0);
    evthread_enable_lock_debugging();
    base = event_base_new();
    CHECK(evthread_make_base_notifiable(base) == 0);
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    dns = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "max-inflight", "50"), 0);
    CHECK(pthread_create(&loop_thread, NULL, loop_main, NULL) == 0);
    for (i = 0; i < NTHREADS; i++) CHECK(pthread_create(&w[i], NULL, worker, (void *)(long)i) == 0);
    for (i = 0; i < NTHREADS; i++) pthread_join(w[i], NULL);
    for (waited = 0; total() < NTHREADS * PER_THREAD * 4 && waited < 2000; waited++) usleep(10000);
    pthread_mutex_lock(&mu);
    if (done_ok != NTHREADS * PER_THREAD || done_cancel != NTHREADS * PER_THREAD || done_other || gai_ok != NTHREADS * PER_THREAD ||
        gai_canceled != NTHREADS * PER_THREAD || gai_other || wrong_thread) {
        fprintf(stderr, "ok %d cancel %d other %d; gai ok %d cancel %d other %d; wrong thread %d\n", done_ok, done_cancel,
                done_other, gai_ok, gai_canceled, gai_other, wrong_thread);
        return 1;
    }
    pthread_mutex_unlock(&mu);
    /* one more in flight, then the base goes away under the running loop */
    CHECK(evdns_base_resolve_ipv4(dns, "hang-last.example", 0, resolve_cb, NULL));
    evdns_base_free(dns, 1);
    for (waited = 0; total() < NTHREADS * PER_THREAD * 4 + 1 && waited < 500; waited++) usleep(10000);
    CHECK_EQ(done_other, 1); /* DNS_ERR_SHUTDOWN */
    event_base_loopbreak(base);
    pthread_join(loop_thread, NULL);
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
