/* dns resolve_dnsmasq: the resolver against a real name server, dnsmasq, started by the
   case on 127.0.0.1 at a free port (killed at the end, and by `timeout` after 30 s in any
   case): A, AAAA and PTR answers, a CNAME chain, NXDOMAIN, a search list with ndots,
   evdns_getaddrinfo for both families with the canonical name, a cancelled lookup; then
   dnsmasq is killed mid-test: lookups time out, the server is marked down, probes fail,
   dnsmasq comes back on the same port, a probe brings the server back up and lookups
   work again. Skipped (exit 0) when dnsmasq is not installed (tests-c/deps.sh installs
   it). */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/time.h>

static int port;
static pid_t dnsmasq;
static struct event_base *base;
static struct evdns_base *dns;

static int free_udp_port(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    int fd = socket(AF_INET, SOCK_DGRAM, 0), tfd = socket(AF_INET, SOCK_STREAM, 0), p;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sin, &sl) == 0);
    p = ntohs(sin.sin_port);
    /* dnsmasq listens on TCP too: make sure that one is free as well */
    if (bind(tfd, (struct sockaddr *)&sin, sizeof(sin)) != 0) p = 0;
    close(fd);
    close(tfd);
    return p;
}

/* Is something answering DNS on the port? */
static int answering(void)
{
    unsigned char q[] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 4,
                         't', 'e', 's', 't', 0, 0, 1, 0, 1};
    unsigned char r[512];
    struct sockaddr_in sin;
    struct timeval tv = {0, 200000};
    int fd = socket(AF_INET, SOCK_DGRAM, 0), n;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(0x7f000001);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sendto(fd, q, sizeof(q), 0, (struct sockaddr *)&sin, sizeof(sin));
    n = (int)recv(fd, r, sizeof(r), 0);
    close(fd);
    return n > 12 && r[0] == 0x12;
}

static void start_dnsmasq(void)
{
    char portarg[32];
    int i;
    snprintf(portarg, sizeof(portarg), "--port=%d", port);
    dnsmasq = fork();
    CHECK(dnsmasq >= 0);
    if (dnsmasq == 0) {
        int devnull = open("/dev/null", 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execlp("timeout", "timeout", "30", "dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", portarg,
               "--listen-address=127.0.0.1", "--bind-interfaces", "--user=root", "--pid-file=", "--log-facility=/dev/null",
               "--local=/test/", "--local=/com/", "--local-ttl=300", "--host-record=www.example.test,10.1.2.3,fd00::1:2",
               "--cname=alias.example.test,www.example.test", "--cname=alias2.example.test,alias.example.test",
               "--address=/wild.example.test/10.9.9.9", (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 50 && !answering(); i++) usleep(100000);
    CHECK(answering());
}

static void stop_dnsmasq(void)
{
    if (dnsmasq > 0) {
        kill(dnsmasq, SIGTERM);
        waitpid(dnsmasq, NULL, 0);
        dnsmasq = 0;
    }
}

static void on_exit_kill(void) { stop_dnsmasq(); }

static struct answer ask(int v6, const char *name, int flags)
{
    struct answer a;
    memset(&a, 0, sizeof(a));
    answers_pending = 1;
    CHECK((v6 ? evdns_base_resolve_ipv6 : evdns_base_resolve_ipv4)(dns, name, flags, answer_cb, &a));
    run_until_answered(base, 5);
    CHECK_EQ(a.done, 1);
    return a;
}

static char messages[2048];
static void log_fn(int is_warning, const char *msg)
{
    (void)is_warning;
    if (strstr(msg, "has failed") || strstr(msg, "back up")) {
        size_t n = strlen(messages);
        snprintf(messages + n, sizeof(messages) - n, "%s|", strstr(msg, "has failed") ? "down" : "up");
    }
}

struct gres { int done, err; char canon[256]; char addrs[256]; };
static void gcb(int err, struct evutil_addrinfo *res, void *arg)
{
    struct gres *g = arg;
    struct evutil_addrinfo *ai;
    g->done = 1;
    g->err = err;
    if (res && res->ai_canonname) snprintf(g->canon, sizeof(g->canon), "%s", res->ai_canonname);
    for (ai = res; ai; ai = ai->ai_next) {
        char b[64];
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, b, sizeof(b));
        else
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, b, sizeof(b));
        snprintf(g->addrs + strlen(g->addrs), sizeof(g->addrs) - strlen(g->addrs), "%s ", b);
    }
    if (res) evutil_freeaddrinfo(res);
    event_base_loopbreak(base);
}

int main(void)
{
    struct answer a;
    char addr[64];
    int i;
    /* dnsmasq lives in sbin, which a user's PATH may lack */
    {
        char path[4096];
        snprintf(path, sizeof(path), "%s:/usr/sbin:/sbin", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
        setenv("PATH", path, 1);
    }
    if (system("command -v dnsmasq >/dev/null 2>&1") != 0) {
        printf("dnsmasq is not installed: skipped\n");
        return 0;
    }
    alarm(40);
    for (i = 0; i < 20 && !port; i++) port = free_udp_port();
    CHECK(port);
    atexit(on_exit_kill);
    start_dnsmasq();

    base = event_base_new();
    dns = evdns_base_new(base, 0);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, addr), 0);
    CHECK_EQ(evdns_base_set_option(dns, "timeout", "0.3"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "attempts", "2"), 0);
    CHECK_EQ(evdns_base_set_option(dns, "initial-probe-timeout", "0.3"), 0);
    evdns_set_log_fn(log_fn);

    a = ask(0, "www.example.test", DNS_QUERY_NO_SEARCH);
    CHECK_EQ(a.result, 0);
    CHECK_EQ(a.count, 1);
    CHECK_EQ(a.ttl, 300);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    a = ask(1, "www.example.test", DNS_QUERY_NO_SEARCH);
    CHECK_EQ(a.result, 0);
    CHECK_STR(answer_v6(&a, 0), "fd00::1:2");
    a = ask(0, "alias2.example.test", DNS_QUERY_NO_SEARCH);
    CHECK_EQ(a.result, 0);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    a = ask(0, "x.wild.example.test", DNS_QUERY_NO_SEARCH);
    CHECK_STR(answer_v4(&a, 0), "10.9.9.9");
    a = ask(0, "nosuch.example.test", DNS_QUERY_NO_SEARCH);
    CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    {
        struct in_addr in;
        inet_pton(AF_INET, "10.1.2.3", &in);
        memset(&a, 0, sizeof(a));
        answers_pending = 1;
        CHECK(evdns_base_resolve_reverse(dns, &in, 0, answer_cb, &a));
        run_until_answered(base, 5);
        CHECK_EQ(a.result, 0);
        CHECK_EQ(a.type, DNS_PTR);
        CHECK_STR(a.ptr, "www.example.test");
    }
    /* search list */
    evdns_base_search_add(dns, "example.test");
    a = ask(0, "www", 0);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    a = ask(0, "alias", 0);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    evdns_base_search_ndots_set(dns, 0);
    a = ask(0, "www", 0);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    a = ask(0, "nosuch", 0);
    CHECK_EQ(a.result, DNS_ERR_NOTEXIST);
    evdns_base_search_clear(dns);
    /* getaddrinfo */
    {
        struct gres g;
        struct evutil_addrinfo hints;
        memset(&g, 0, sizeof(g));
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = EVUTIL_AI_CANONNAME;
        CHECK(evdns_getaddrinfo(dns, "alias2.example.test", "80", &hints, gcb, &g));
        event_base_dispatch(base);
        CHECK_EQ(g.err, 0);
        CHECK_STR(g.addrs, "10.1.2.3 fd00::1:2 ");
        CHECK_STR(g.canon, "alias.example.test");
        memset(&g, 0, sizeof(g));
        CHECK(evdns_getaddrinfo(dns, "nosuch.example.test", "80", &hints, gcb, &g));
        event_base_dispatch(base);
        CHECK_EQ(g.err, EVUTIL_EAI_NONAME);
    }
    /* cancel */
    {
        struct evdns_request *r;
        memset(&a, 0, sizeof(a));
        answers_pending = 1;
        r = evdns_base_resolve_ipv4(dns, "www.example.test", 0, answer_cb, &a);
        evdns_cancel_request(dns, r);
        run_until_answered(base, 5);
        CHECK_EQ(a.result, DNS_ERR_CANCEL);
    }

    /* the server goes away: timeouts, down; it comes back: probed up. (Bare names asked
       first above were REFUSED: the server went down and up already.) */
    messages[0] = 0;
    a = ask(0, "www.example.test", 0);
    CHECK_EQ(a.result, 0);
    CHECK_STR(messages, "");
    stop_dnsmasq();
    a = ask(0, "www.example.test", 0);
    CHECK_EQ(a.result, DNS_ERR_TIMEOUT);
    CHECK_STR(messages, "down|");
    run_for(base, 1.0); /* a probe or two fail meanwhile */
    CHECK_STR(messages, "down|");
    start_dnsmasq();
    {
        struct timeval t0, t1;
        gettimeofday(&t0, NULL);
        do {
            run_for(base, 0.1);
            gettimeofday(&t1, NULL);
        } while (!strstr(messages, "up|") && t1.tv_sec - t0.tv_sec < 10);
    }
    CHECK_STR(messages, "down|up|");
    a = ask(0, "www.example.test", 0);
    CHECK_EQ(a.result, 0);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");

    evdns_set_log_fn(NULL);
    evdns_base_free(dns, 0);
    event_base_free(base);
    stop_dnsmasq();
    printf("ok\n");
    return 0;
}
