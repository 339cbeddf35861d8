/* dns resolve_retry: retransmission, failover and probing among scripted name servers, as
   2.1.12 does them: round-robin over the ring; an unanswered query is resent to the next
   server every `timeout` until `attempts` sends, then fails with DNS_ERR_TIMEOUT; a server
   is marked down after more than `max-timeouts` resends to it or a final timeout, probed
   with "google.com" after `initial-probe-timeout` and then three times longer after each
   failed probe, and marked up by an answer; REFUSED marks the server down and moves the
   query to another server (sent when its timer runs out); SERVFAIL moves it at once;
   `max-inflight` holds the rest back until room is made; clear_nameservers_and_suspend
   parks queries until resume (adding a server alone does not send them);
   EVDNS_BASE_DISABLE_WHEN_INACTIVE lets the loop end when nothing is asked. The log
   callback sees the "Nameserver ... has failed / is back up" messages. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <ctype.h>
#include <sys/time.h>

enum { ANSWER, DROP, REFUSE, SERVFAIL };
struct behaviour { int mode; int answer_probe; double probe_times[8]; int n_probes; };

static double now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    struct behaviour *b = arg;
    (void)ns;
    if (!strcasecmp(q->name, "google.com")) {
        if (b->n_probes < 8) b->probe_times[b->n_probes] = now();
        b->n_probes++;
        if (!b->answer_probe) return 0;
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_a(o, NULL, 60, "8.8.8.8");
        return 1;
    }
    switch (b->mode) {
    case DROP: return 0;
    case REFUSE: pkt_reply_head(o, q, 0x8185, 0, 0, 0); return 1;
    case SERVFAIL: pkt_reply_head(o, q, 0x8182, 0, 0, 0); return 1;
    }
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    pkt_rr_a(o, NULL, 60, "1.2.3.4");
    return 1;
}

static char messages[4096];
static void log_fn(int is_warning, const char *msg)
{
    if (!strncmp(msg, "Nameserver ", 11) || !strncmp(msg, "All nameservers", 15)) {
        const char *colon = strchr(msg + 11, ' '); /* drop the address */
        size_t n = strlen(messages);
        snprintf(messages + n, sizeof(messages) - n, "%d:%s|", is_warning, msg[0] == 'A' ? msg : colon + 1);
    }
}

static struct event_base *base;

static struct answer ask(struct evdns_base *d, const char *name)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(d, name, 0, answer_cb, &a));
    run_until_answered(base, 8);
    CHECK_EQ(a.done, 1);
    return a;
}

static struct fake_ns *server(struct evdns_base *d, struct behaviour *b)
{
    struct fake_ns *ns = fake_ns_start(base, "127.0.0.1", handler, b);
    if (d) CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(ns, "127.0.0.1")), 0);
    return ns;
}

static void stop_cb(evutil_socket_t fd, short w, void *arg)
{
    (void)fd; (void)w;
    *(int *)arg = 1;
    event_base_loopbreak(base);
}

int main(void)
{
    struct evdns_base *d;
    struct behaviour b1, b2, b3;
    struct fake_ns *n1, *n2, *n3;
    struct answer a;
    int i;
    alarm(60);
    base = event_base_new();
    evdns_set_log_fn(log_fn);

    /* round robin over three servers */
    memset(&b1, 0, sizeof(b1)); memset(&b2, 0, sizeof(b2)); memset(&b3, 0, sizeof(b3));
    d = evdns_base_new(base, 0);
    n1 = server(d, &b1);
    n2 = server(d, &b2);
    n3 = server(d, &b3);
    {
        char order[64] = "";
        for (i = 0; i < 6; i++) {
            int c1 = n1->n_queries, c2 = n2->n_queries;
            a = ask(d, "rr.example");
            CHECK_EQ(a.result, 0);
            strcat(order, n1->n_queries > c1 ? "1" : n2->n_queries > c2 ? "2" : "3");
        }
        CHECK_STR(order, "132132");
    }
    /* a dropping server: the resend goes to the next one */
    b1.mode = DROP;
    CHECK_EQ(evdns_base_set_option(d, "timeout", "0.2"), 0);
    n1->n_queries = n2->n_queries = n3->n_queries = 0;
    a = ask(d, "drop.example"); /* the ring's head is n1 again */
    CHECK_EQ(a.result, 0);
    CHECK_EQ(n1->n_queries, 1);
    CHECK_EQ(n1->n_queries + n2->n_queries + n3->n_queries, 2);
    /* SERVFAIL: resent at once to the next server (the ring's head is now n2, then n1) */
    b2.mode = SERVFAIL;
    b1.mode = ANSWER;
    b3.mode = DROP;
    n1->n_queries = n2->n_queries = n3->n_queries = 0;
    {
        double t0 = now();
        a = ask(d, "servfail.example");
        CHECK_EQ(a.result, 0);
        CHECK_EQ(n2->n_queries, 1);
        CHECK_EQ(n1->n_queries, 1);
        CHECK_EQ(n3->n_queries, 0);
        CHECK(now() - t0 < 0.15);
    }
    evdns_base_free(d, 0);
    fake_ns_stop(n1); fake_ns_stop(n2); fake_ns_stop(n3);

    /* one server that stops answering: down after max-timeouts, probed with growing
       waits, up again when a probe is answered */
    memset(&b1, 0, sizeof(b1));
    messages[0] = 0;
    d = evdns_base_new(base, 0);
    n1 = server(d, &b1);
    CHECK_EQ(evdns_base_set_option(d, "timeout", "0.1"), 0);
    CHECK_EQ(evdns_base_set_option(d, "attempts", "1"), 0);
    CHECK_EQ(evdns_base_set_option(d, "max-timeouts", "1"), 0);
    CHECK_EQ(evdns_base_set_option(d, "initial-probe-timeout", "0.2"), 0);
    b1.mode = DROP;
    a = ask(d, "gone.example");
    CHECK_EQ(a.result, DNS_ERR_TIMEOUT);
    CHECK_STR(messages, "0:has failed: request timed out.|0:All nameservers have failed|");
    {
        double t0 = now();
        int stopped = 0;
        struct event *t = evtimer_new(base, stop_cb, &stopped);
        struct timeval tv = {3, 0};
        evtimer_add(t, &tv);
        while (!stopped && b1.n_probes < 3) event_base_loop(base, EVLOOP_ONCE);
        event_free(t);
        CHECK(b1.n_probes >= 3);
        /* first probe after 0.2 s; then 0.1 s to time out plus 0.6 s, then 0.1 + 1.8 s */
        CHECK(b1.probe_times[0] - t0 < 0.5);
        CHECK(b1.probe_times[1] - b1.probe_times[0] > 0.55 && b1.probe_times[1] - b1.probe_times[0] < 1.2);
        CHECK(b1.probe_times[2] - b1.probe_times[1] > 1.6 && b1.probe_times[2] - b1.probe_times[1] < 2.8);
    }
    /* still down: a query goes to it anyway (there is no other) */
    b1.mode = ANSWER;
    a = ask(d, "back.example");
    CHECK_EQ(a.result, 0);
    CHECK_STR(messages, "0:has failed: request timed out.|0:All nameservers have failed|0:is back up|");
    /* a probe answered brings it back too */
    b1.mode = DROP;
    b1.answer_probe = 1;
    b1.n_probes = 0;
    messages[0] = 0;
    a = ask(d, "gone2.example");
    CHECK_EQ(a.result, DNS_ERR_TIMEOUT);
    {
        int stopped = 0;
        struct event *t = evtimer_new(base, stop_cb, &stopped);
        struct timeval tv = {2, 0};
        evtimer_add(t, &tv);
        while (!stopped && !strstr(messages, "back up")) event_base_loop(base, EVLOOP_ONCE);
        event_free(t);
    }
    CHECK_EQ(b1.n_probes, 1);
    CHECK_STR(messages, "0:has failed: request timed out.|0:All nameservers have failed|0:is back up|");
    evdns_base_free(d, 0);
    fake_ns_stop(n1);

    /* REFUSED: the server is marked down and the query moves to another one */
    memset(&b1, 0, sizeof(b1)); memset(&b2, 0, sizeof(b2));
    b1.mode = REFUSE;
    messages[0] = 0;
    d = evdns_base_new(base, 0);
    n1 = server(d, &b1);
    CHECK_EQ(evdns_base_set_option(d, "timeout", "0.2"), 0);
    CHECK(evdns_base_resolve_ipv4(d, "refused.example", 0, answer_cb, &a));
    n2 = server(d, &b2);
    memset(&a, 0, sizeof(a));
    answers_pending = 1;
    run_until_answered(base, 5);
    CHECK_EQ(a.result, 0);
    CHECK_EQ(n1->n_queries, 1);
    CHECK_EQ(n2->n_queries, 1);
    CHECK_STR(messages, "0:has failed: Bad response 5 (refused)|");
    evdns_base_free(d, 0);
    fake_ns_stop(n1); fake_ns_stop(n2);

    /* max-inflight, suspend and resume, a request with no server */
    memset(&b1, 0, sizeof(b1)); memset(&b2, 0, sizeof(b2));
    b1.mode = DROP;
    d = evdns_base_new(base, 0);
    n1 = server(d, &b1);
    CHECK_EQ(evdns_base_set_option(d, "max-inflight", "2"), 0);
    {
        static struct answer m[5];
        memset(m, 0, sizeof(m));
        for (i = 0; i < 5; i++) CHECK(evdns_base_resolve_ipv4(d, "held.example", 0, answer_cb, &m[i]));
        run_for(base, 0.2);
        CHECK_EQ(n1->n_queries, 2);
        /* a larger limit does not send the waiting ones by itself */
        CHECK_EQ(evdns_base_set_option(d, "max-inflight", "5"), 0);
        run_for(base, 0.2);
        CHECK_EQ(n1->n_queries, 2);
        /* park them all, then bring a good server */
        CHECK_EQ(evdns_base_clear_nameservers_and_suspend(d), 0);
        CHECK_EQ(evdns_base_count_nameservers(d), 0);
        n2 = server(d, &b2);
        run_for(base, 0.3);
        CHECK_EQ(n2->n_queries, 0);
        for (i = 0; i < 5; i++) CHECK_EQ(m[i].done, 0);
        answers_pending = 5;
        CHECK_EQ(evdns_base_resume(d), 0);
        run_until_answered(base, 5);
        for (i = 0; i < 5; i++) CHECK_EQ(m[i].result, 0);
        CHECK_EQ(n2->n_queries, 5);
    }
    evdns_base_free(d, 0);
    fake_ns_stop(n1);
    d = evdns_base_new(base, 0);
    memset(&a, 0, sizeof(a));
    CHECK(evdns_base_resolve_ipv4(d, "early.example", 0, answer_cb, &a));
    n2->n_queries = 0;
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(n2, "127.0.0.1")), 0);
    run_for(base, 0.3);
    CHECK_EQ(a.done, 0);
    CHECK_EQ(n2->n_queries, 0);
    answers_pending = 1;
    evdns_base_resume(d);
    run_until_answered(base, 5);
    CHECK_EQ(a.result, 0);
    evdns_base_free(d, 0);

    /* disable-when-inactive: the loop ends by itself once the answer is in */
    d = evdns_base_new(base, EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, fake_ns_addr(n2, "127.0.0.1")), 0);
    event_del(n2->ev); /* the server's own event must not keep the loop going */
    CHECK_EQ(event_base_dispatch(base), 1);
    {
        int stopped = 0;
        struct event *t = evtimer_new(base, stop_cb, &stopped);
        struct timeval tv = {3, 0};
        struct evdns_base *busy = evdns_base_new(base, 0);
        memset(&a, 0, sizeof(a));
        answers_pending = -1; /* do not break on the answer */
        event_add(n2->ev, NULL);
        CHECK(evdns_base_resolve_ipv4(d, "dwi.example", 0, answer_cb, &a));
        /* the answer comes; the server's event stays added, so remove it after the reply */
        evtimer_add(t, &tv);
        while (!a.done && !stopped) event_base_loop(base, EVLOOP_ONCE);
        CHECK_EQ(a.result, 0);
        event_del(n2->ev);
        CHECK_EQ(event_base_dispatch(base), 0); /* only the timer was left: it ran */
        CHECK_EQ(stopped, 1);
        /* without the flag a base keeps the loop alive */
        CHECK_EQ(evdns_base_nameserver_ip_add(busy, fake_ns_addr(n2, "127.0.0.1")), 0);
        stopped = 0;
        tv.tv_sec = 0;
        tv.tv_usec = 200000;
        evtimer_add(t, &tv);
        CHECK_EQ(event_base_dispatch(base), 0);
        CHECK_EQ(stopped, 1);
        evdns_base_free(busy, 0);
        event_free(t);
    }
    evdns_base_free(d, 0);
    fake_ns_stop(n2);

    evdns_set_log_fn(NULL);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
