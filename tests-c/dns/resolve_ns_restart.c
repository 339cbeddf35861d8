/* dns resolve_ns_restart: a name server that dies and comes back, with the scripted server
   (a UDP socket closed mid-run, then bound again at the same port). Small timings keep it
   short: timeout:0.2, attempts:3, max-timeouts:1, initial-probe-timeout:0.2.
   - alive: an answer;
   - killed: seen through the log callback: the lookup's retransmissions time out, the server is reported down ("has failed") once, after more
     than max-timeouts retransmissions, before the lookup fails with DNS_ERR_TIMEOUT; while
     it stays dead nothing is reported up;
   - restarted at the same port: the probes ("google.com", at growing intervals) reach it,
     the first one answered brings it up ("is back up"), and the next lookup is answered
     by it. With a second server added and the first killed again, every lookup is
     answered by the second (a retransmission fails over to it).
   Passes on Debian's library and ours. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <strings.h>
#include <sys/time.h>

static int probes_seen;
static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    const char *ip = arg;
    (void)ns;
    if (!strcasecmp(q->name, "google.com"))
        probes_seen++;
    pkt_reply_head(o, q, 0x8180, 1, 0, 0);
    pkt_rr_a(o, NULL, 60, ip);
    return 1;
}

static char messages[4096];
static void log_fn(int is_warning, const char *msg)
{
    (void)is_warning;
    if (strstr(msg, "has failed") || strstr(msg, "is back up")) {
        size_t n = strlen(messages);
        snprintf(messages + n, sizeof messages - n, "%s|", strstr(msg, "has failed") ? "down" : "up");
    }
}

static struct event_base *base;
static struct evdns_base *dns;

static struct answer ask(const char *name)
{
    struct answer a;
    memset(&a, 0, sizeof a);
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, &a));
    run_until_answered(base, 8);
    CHECK_EQ(a.done, 1);
    return a;
}

/* Bind a scripted server at a given port (0: any). */
static struct fake_ns *start_at(int port, const char *answer)
{
    struct fake_ns *ns = calloc(1, sizeof *ns);
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    sin.sin_port = htons(port);
    ns->fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(bind(ns->fd, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(ns->fd, (struct sockaddr *)&sin, &sl) == 0);
    ns->port = ntohs(sin.sin_port);
    evutil_make_socket_nonblocking(ns->fd);
    ns->fn = handler;
    ns->arg = (void *)answer;
    ns->ev = event_new(base, ns->fd, EV_READ | EV_PERSIST, fake_ns_readable, ns);
    event_add(ns->ev, NULL);
    return ns;
}

int main(void)
{
    struct fake_ns *ns, *other;
    struct answer a;
    int port, i;
    alarm(40);
    base = event_base_new();
    dns = evdns_base_new(base, 0);
    evdns_set_log_fn(log_fn);
    ns = start_at(0, "10.0.0.1");
    port = ns->port;
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);
    CHECK_EQ(evdns_base_set_option(dns, "timeout:", "0.2"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "attempts:", "3"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "max-timeouts:", "1"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "initial-probe-timeout:", "0.2"), 0);

    a = ask("alive.example");
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_STR(answer_v4(&a, 0), "10.0.0.1");
    CHECK_STR(messages, "");

    /* killed */
    fake_ns_stop(ns);
    a = ask("dead.example");
    CHECK_EQ(a.result, DNS_ERR_TIMEOUT);
    CHECK_STR(messages, "down|");
    run_for(base, 1.0); /* probes go to a closed port */
    CHECK_STR(messages, "down|");

    /* back at the same port: a probe brings it up, then it answers again */
    probes_seen = 0;
    ns = start_at(port, "10.0.0.2");
    for (i = 0; i < 80 && !strstr(messages, "up|"); i++)
        run_for(base, 0.1);
    CHECK_STR(messages, "down|up|");
    CHECK_EQ(probes_seen, 1);
    a = ask("again.example");
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_STR(answer_v4(&a, 0), "10.0.0.2");

    /* a second server; the first dies again: lookups fail over to the second */
    other = start_at(0, "10.0.0.3");
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(other, "127.0.0.1")), 0);
    fake_ns_stop(ns);
    for (i = 0; i < 4; i++) {
        a = ask("other.example");
        CHECK_EQ(a.result, DNS_ERR_NONE);
        CHECK_STR(answer_v4(&a, 0), "10.0.0.3");
    }

    evdns_set_log_fn(NULL);
    evdns_base_free(dns, 0);
    fake_ns_stop(other);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
