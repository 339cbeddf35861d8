/* dns ext_dnsmasq: the evdns extensions against a real name server, dnsmasq (started on a
   free port of 127.0.0.1, stopped at the end; skipped when not installed). "big.example.test"
   has 40 addresses: 685 bytes, more than a plain UDP answer holds, so dnsmasq sends 29 of
   them with TC. By default (2.1.12's behaviour) that fails with DNS_ERR_TRUNCATED; the
   whole answer arrives (the callback gets 2.1.12's maximum of 32 addresses) over TCP with
   DNS_QUERY_USEVC, through the TCP retry with tcp-fallback:1, and over UDP with
   edns-udp-size:4096; DNS_QUERY_IGNTC keeps the truncation. Extensions Debian's 2.1.12
   lacks, hence OURS_ONLY. */
/* OURS_ONLY */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define H(n) "--host-record=big.example.test,10.2.0." #n

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
               "--local=/test/", "--host-record=www.example.test,10.1.2.3", H(1), H(2), H(3), H(4), H(5), H(6), H(7),
               H(8), H(9), H(10), H(11), H(12), H(13), H(14), H(15), H(16), H(17), H(18), H(19), H(20), H(21), H(22),
               H(23), H(24), H(25), H(26), H(27), H(28), H(29), H(30), H(31), H(32), H(33), H(34), H(35), H(36), H(37),
               H(38), H(39), H(40), (char *)NULL);
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

static struct answer ask(const char *name, int flags)
{
    struct answer a;
    memset(&a, 0, sizeof a);
    answers_pending = 1;
    CHECK(evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH | flags, answer_cb, &a));
    run_until_answered(base, 5);
    CHECK_EQ(a.done, 1);
    return a;
}

static struct evdns_base *fresh(void)
{
    char addr[64];
    struct evdns_base *d = evdns_base_new(base, 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    CHECK_EQ(evdns_base_nameserver_ip_add(d, addr), 0);
    CHECK_EQ(evdns_base_set_option(d, "timeout", "0.5"), 0);
    return d;
}

int main(void)
{
    struct answer a;
    int i;
    {
        char path[4096];
        snprintf(path, sizeof path, "%s:/usr/sbin:/sbin", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
        setenv("PATH", path, 1);
    }
    if (system("command -v dnsmasq >/dev/null 2>&1") != 0) {
        printf("dnsmasq is not installed: skipped\n");
        return 0;
    }
    alarm(40);
    for (i = 0; i < 20 && !port; i++)
        port = free_udp_port();
    CHECK(port);
    atexit(on_exit_kill);
    start_dnsmasq();
    base = event_base_new();

    dns = fresh();
    a = ask("www.example.test", 0);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    a = ask("big.example.test", 0);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);
    a = ask("big.example.test", DNS_QUERY_USEVC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(a.count, 32);
    a = ask("www.example.test", DNS_QUERY_USEVC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_STR(answer_v4(&a, 0), "10.1.2.3");
    CHECK_EQ(evdns_base_set_option(dns, "tcp-fallback:", "1"), 0);
    a = ask("big.example.test", 0);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(a.count, 32);
    a = ask("big.example.test", DNS_QUERY_IGNTC);
    CHECK_EQ(a.result, DNS_ERR_TRUNCATED);
    evdns_base_free(dns, 0);

    dns = fresh();
    CHECK_EQ(evdns_base_set_option(dns, "edns-udp-size:", "4096"), 0);
    a = ask("big.example.test", DNS_QUERY_IGNTC);
    CHECK_EQ(a.result, DNS_ERR_NONE);
    CHECK_EQ(a.count, 32);
    evdns_base_free(dns, 0);

    event_base_free(base);
    stop_dnsmasq();
    printf("ok\n");
    return 0;
}
