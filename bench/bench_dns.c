/* bench_dns: evdns resolving many names against a local name server.
     bench_dns serve           - a plain UDP name server on 127.0.0.1 (no libevent): prints its
                                 port, answers every A query with one address, exits after
                                 30 s without a query or on a query for "quit.bench"
     bench_dns resolve PORT N K - resolve N distinct names through evdns against that server,
                                 K lookups in flight; prints "usec queries/s answered"
   Built against our library and Debian's by bench/dns.sh. */
#include <event2/event.h>
#include <event2/dns.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int serve(void)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) || getsockname(fd, (struct sockaddr *)&sin, &sl))
        return 1;
    printf("%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    for (;;) {
        unsigned char q[1500], r[1600];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        struct pollfd p = {fd, POLLIN, 0};
        int n, i, qend;
        if (poll(&p, 1, 30000) <= 0)
            return 0;
        n = (int)recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n < 17)
            continue;
        for (i = 12; i < n && q[i]; i += q[i] + 1)
            ;
        qend = i + 5;
        if (qend > n)
            continue;
        if (q[12] == 4 && !memcmp(q + 13, "quit", 4))
            return 0;
        memcpy(r, q, qend);
        r[2] = 0x81; r[3] = 0x80;                 /* QR RD RA */
        r[4] = 0; r[5] = 1; r[6] = 0; r[7] = 1;  /* one question, one answer */
        r[8] = r[9] = r[10] = r[11] = 0;
        i = qend;
        memcpy(r + i, "\xc0\x0c\0\1\0\1\0\0\1\x2c\0\4", 12);
        i += 12;
        r[i++] = 10; r[i++] = q[13]; r[i++] = q[14]; r[i++] = q[15];
        sendto(fd, r, i, 0, (struct sockaddr *)&from, fl);
    }
}

static struct event_base *base;
static struct evdns_base *dns;
static int total, issued, answered, ok, inflight_max;

static void issue(void);
static void cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
    (void)type; (void)ttl; (void)addrs; (void)arg;
    answered++;
    if (result == DNS_ERR_NONE && count == 1)
        ok++;
    if (issued < total)
        issue();
    else if (answered == total)
        event_base_loopbreak(base);
}

static void issue(void)
{
    char name[64];
    snprintf(name, sizeof name, "h%d.bench.test", issued++);
    if (!evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, cb, NULL)) {
        fprintf(stderr, "resolve failed\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    struct timeval t0, t1;
    char addr[64];
    int i;
    long usec;
    if (argc >= 2 && !strcmp(argv[1], "serve"))
        return serve();
    if (argc < 5 || strcmp(argv[1], "resolve")) {
        fprintf(stderr, "usage: bench_dns serve | bench_dns resolve PORT N INFLIGHT\n");
        return 2;
    }
    total = atoi(argv[3]);
    inflight_max = atoi(argv[4]);
    base = event_base_new();
    dns = evdns_base_new(base, 0);
    snprintf(addr, sizeof addr, "127.0.0.1:%s", argv[2]);
    if (!base || !dns || evdns_base_nameserver_ip_add(dns, addr) || evdns_base_set_option(dns, "max-inflight:", argv[4]))
        return 1;
    gettimeofday(&t0, NULL);
    for (i = 0; i < inflight_max && issued < total; i++)
        issue();
    event_base_dispatch(base);
    gettimeofday(&t1, NULL);
    usec = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_usec - t0.tv_usec);
    printf("%ld %.0f %d\n", usec, total * 1e6 / (usec ? usec : 1), ok);
    evdns_base_free(dns, 0);
    event_base_free(base);
    return ok == total ? 0 : 1;
}
