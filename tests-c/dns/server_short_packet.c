/* dns server_short_packet: datagrams shorter than the 12-byte DNS header (1 to 11 bytes, and
   an empty one) are dropped and the port goes on serving. A deliberate difference: libevent
   2.1.12 reads past the end of such a packet and crashes (SIGSEGV) on 1 to 11 bytes, so this
   case accepts that outcome only when the library that served is Debian's own (found with
   dladdr); on ours the valid query sent after them must be answered. The server runs in a
   child process so that a crash is observed, not suffered. */
/* BACKENDS: epoll poll select */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;

static void server_cb(struct evdns_server_request *req, void *arg)
{
    (void)arg;
    if (!strcmp(req->questions[0]->name, "quit"))
        event_base_loopexit(base, NULL);
    evdns_server_request_add_a_reply(req, req->questions[0]->name, 1, "\1\2\3\4", 60);
    evdns_server_request_respond(req, 0);
}

static void give_up(evutil_socket_t fd, short what, void *arg) { event_base_loopexit(base, NULL); }

static int library_is_debians(void)
{
    Dl_info info;
    CHECK(dladdr((void *)evdns_server_request_respond, &info) && info.dli_fname);
    return !strncmp(info.dli_fname, "/usr/lib/", 9) || !strncmp(info.dli_fname, "/lib/", 5);
}

static int query(unsigned char *p, const char *name)
{
    int n = 12, len = (int)strlen(name);
    memset(p, 0, 12);
    p[0] = 0xab; p[1] = 0xcd; p[2] = 1; p[5] = 1;
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
    int srv, cli, len, tries, status, answered = 0;
    pid_t child;
    unsigned char q[64], r[512];
    struct pollfd pfd;

    srv = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(srv >= 0 && evutil_make_socket_nonblocking(srv) == 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(srv, (struct sockaddr *)&sin, sizeof sin) == 0);
    CHECK(getsockname(srv, (struct sockaddr *)&sin, &sl) == 0);
    cli = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(connect(cli, (struct sockaddr *)&sin, sizeof sin) == 0);

    child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        struct timeval tv = {5, 0};
        struct evdns_server_port *port;
        base = event_base_new();
        port = evdns_add_server_port_with_base(base, srv, 0, server_cb, NULL);
        CHECK(port);
        event_base_once(base, -1, EV_TIMEOUT, give_up, NULL, &tv);
        event_base_dispatch(base);
        evdns_close_server_port(port);
        event_base_free(base);
        _exit(0);
    }
    close(srv);

    /* the header of a valid query, cut at every length below 12 */
    query(q, "a");
    /* A server that already crashed on an earlier packet makes a later send fail with
       ECONNREFUSED (the port is gone): then only its exit status is left to judge. */
    for (len = 0; len < 12; len++)
        if (send(cli, q, len, 0) != len) {
            CHECK(errno == ECONNREFUSED);
            goto wait_child;
        }
    len = query(q, "after");
    if (send(cli, q, len, 0) != len) {
        CHECK(errno == ECONNREFUSED);
        goto wait_child;
    }
    pfd.fd = cli;
    pfd.events = POLLIN;
    /* wait up to 3 s for the answer, or for the server to die */
    for (tries = 0; tries < 30 && poll(&pfd, 1, 100) == 0; tries++)
        if (waitpid(child, &status, WNOHANG) == child)
            goto reaped;
    if (pfd.revents & POLLIN) {
        int n = recv(cli, r, sizeof r, 0);
        CHECK(n == len + 16 && r[0] == 0xab && r[1] == 0xcd && r[3] == 0x00);
        answered = 1;
        len = query(q, "quit");
        CHECK(send(cli, q, len, 0) == len);
    }
wait_child:
    CHECK(waitpid(child, &status, 0) == child);
reaped:
    if (answered) {
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return 0;
    }
    if (WIFSIGNALED(status) && library_is_debians()) {
        printf("libevent 2.1.12 crashed on a short packet (signal %d), as expected of it\n", WTERMSIG(status));
        return 0;
    }
    fprintf(stderr, "no answer after short packets; server %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited",
            WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return 1;
}
