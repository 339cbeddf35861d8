/* Scale probe: N concurrent connections held open on one event base, every request answered.
 *
 *   scale_conns http N   an evhttp server; each client connection sends one keep-alive GET and
 *                        keeps the connection open after the answer
 *   scale_conns echo N   a bufferevent echo server (one socket bufferevent per connection)
 *
 * The server (the library under test) runs in the parent. The client is a forked child that
 * uses raw epoll only, so it costs the same on either library and is not measured. When every
 * connection has been answered, the child tells the parent through a pipe; the parent reads its
 * own VmRSS while all N connections are still open and prints
 *   answered=<n> rss_kb=<VmRSS> base_rss_kb=<VmRSS before the first connection>
 * check_scale.sh builds this against our library and Debian's and compares the figures.
 * Bounded: alarm() in both processes. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

static long vm_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ---- client (child): raw sockets and epoll, no libevent ---- */

static int client(int port, int n, int done_fd)
{
	static const char get[] = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static const char ping[] = "ping\n";
	int http = getenv("SCALE_HTTP") != NULL;
	const char *msg = http ? get : ping;
	size_t len = http ? sizeof get - 1 : sizeof ping - 1;
	int ep = epoll_create1(0), answered = 0, i;
	int *fds = calloc((size_t)n, sizeof *fds);
	char *got = calloc((size_t)n, 1);
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Connect in batches so the listen backlog never overflows; each connection writes its
	 * request once connected (blocking connect on loopback completes at once). */
	for (i = 0; i < n; i++) {
		struct epoll_event ev;
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sin, sizeof sin) < 0) {
			perror("client connect");
			return 1;
		}
		if (write(fds[i], msg, len) != (ssize_t)len) {
			perror("client write");
			return 1;
		}
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		ev.events = EPOLLIN;
		ev.data.u32 = (unsigned)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		/* Drain answers as we go so the server never waits on a full socket. */
		if (i % 256 == 255 || i == n - 1) {
			struct epoll_event evs[256];
			int k, m = epoll_wait(ep, evs, 256, 0);
			for (k = 0; k < m; k++) {
				char buf[4096];
				unsigned j = evs[k].data.u32;
				ssize_t r = read(fds[j], buf, sizeof buf);
				if (r > 0 && !got[j]) {
					got[j] = 1;
					answered++;
				}
			}
		}
	}
	while (answered < n) {
		struct epoll_event evs[256];
		int k, m = epoll_wait(ep, evs, 256, 5000);
		if (m <= 0) {
			fprintf(stderr, "client: only %d of %d answered\n", answered, n);
			break;
		}
		for (k = 0; k < m; k++) {
			char buf[4096];
			unsigned j = evs[k].data.u32;
			ssize_t r = read(fds[j], buf, sizeof buf);
			if (r > 0 && !got[j]) {
				got[j] = 1;
				answered++;
			} else if (r == 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, fds[j], NULL);
			}
		}
	}
	if (write(done_fd, &answered, sizeof answered) != sizeof answered)
		return 1;
	/* Keep every connection open until the parent has measured and closes the pipe. */
	{
		char c;
		(void)!read(done_fd, &c, 1);
	}
	return answered == n ? 0 : 1;
}

/* ---- server (parent): the library under test ---- */

static struct event_base *base;
static int answered = -1;
static long rss_kb;

static void http_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void echo_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	bufferevent_write_buffer(bev, bufferevent_get_input(bev));
}

static void echo_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
	(void)sa;
	(void)socklen;
	(void)arg;
	bufferevent_setcb(bev, echo_read, NULL, echo_event, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void done_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	(void)arg;
	if (read(fd, &answered, sizeof answered) != sizeof answered)
		answered = -1;
	rss_kb = vm_rss_kb();
	event_base_loopbreak(base);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : 10000;
	int http = argc > 1 && strcmp(argv[1], "http") == 0;
	int sv[2], port, status = 0;
	long base_rss;
	struct sockaddr_in sin;
	socklen_t slen = sizeof sin;
	struct evconnlistener *lev;
	struct evhttp *h = NULL;
	struct event *done;
	struct rlimit rl;
	pid_t pid;

	alarm(60);
	signal(SIGPIPE, SIG_IGN);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)n + 64) {
		printf("skip: RLIMIT_NOFILE hard limit %lu < %d\n", (unsigned long)rl.rlim_max, n + 64);
		return 77;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);

	base = event_base_new();
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (http) {
		lev = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 4096,
		    (struct sockaddr *)&sin, sizeof sin);
		h = evhttp_new(base);
		evhttp_set_gencb(h, http_cb, NULL);
		evhttp_set_timeout(h, 120);
		if (!lev || !evhttp_bind_listener(h, lev))
			return 1;
	} else {
		lev = evconnlistener_new_bind(base, accept_cb, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 4096,
		    (struct sockaddr *)&sin, sizeof sin);
		if (!lev)
			return 1;
	}
	getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &slen);
	port = ntohs(sin.sin_port);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return 1;
	base_rss = vm_rss_kb();

	if (http)
		setenv("SCALE_HTTP", "1", 1);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		close(evconnlistener_get_fd(lev));
		_exit(client(port, n, sv[1]));
	}
	close(sv[1]);
	done = event_new(base, sv[0], EV_READ, done_cb, NULL);
	event_add(done, NULL);
	event_base_dispatch(base);
	printf("answered=%d rss_kb=%ld base_rss_kb=%ld\n", answered, rss_kb, base_rss);
	close(sv[0]); /* lets the client go */
	waitpid(pid, &status, 0);
	return answered == n && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
