/* bench_dns_memory: heap bytes per outstanding evdns request. N lookups are started against a
 * name server that never answers (a UDP socket of ours that is never read), with max-inflight
 * N (all sent) or the default 64 (the rest waiting), and the heap in use (mallinfo2) is read
 * before and after. Prints "inflight=<B per request> waiting=<B per request>". */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/event.h>

static void answer_cb(int result, char type, int count, int ttl, void *addrs, void *arg)
{
	(void)result, (void)type, (void)count, (void)ttl, (void)addrs, (void)arg;
}

static long per_request(int n, int all_in_flight)
{
	struct event_base *base = event_base_new();
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	struct evdns_base *dns;
	struct mallinfo2 before, after;
	char addr[64], name[64], inflight[16];
	int s = socket(AF_INET, SOCK_DGRAM, 0), i;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sin, sizeof sin) < 0 || getsockname(s, (struct sockaddr *)&sin, &len) < 0)
		exit(1);
	dns = evdns_base_new(base, 0);
	snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sin.sin_port));
	evdns_base_nameserver_ip_add(dns, addr);
	if (all_in_flight) {
		snprintf(inflight, sizeof inflight, "%d", n + 1000);
		evdns_base_set_option(dns, "max-inflight:", inflight);
	}
	/* Warm up: the first requests grow tables that the measured ones then share. */
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "warm%d.example.com", i);
		evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, NULL);
	}
	before = mallinfo2();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "host%d.example.com", i);
		if (!evdns_base_resolve_ipv4(dns, name, DNS_QUERY_NO_SEARCH, answer_cb, NULL))
			exit(1);
	}
	event_base_loop(base, EVLOOP_NONBLOCK);
	after = mallinfo2();
	evdns_base_free(dns, 0);
	event_base_free(base);
	return (long)(after.uordblks - before.uordblks) / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	long a = per_request(n, 1);
	long w = per_request(n, 0);
	printf("inflight=%ld waiting=%ld\n", a, w);
	return 0;
}
