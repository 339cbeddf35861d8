/* dns server_lifetime: evdns_close_server_port and the requests still out. A port closed
   with no request out closes its socket at once; closed while a request is held, it keeps
   the socket until that request is answered (the reply still goes out) or dropped; closed
   from inside the callback, followed by the answer there, the reply goes out, the socket is
   closed and nothing is left in the loop. evdns_add_server_port (dns_compat.h) serves on the
   current base set by event_init. flags other than 0 are refused and the socket left open.
   A dropped request gets no reply and the port goes on. */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/dns.h>
#include <event2/dns_compat.h>
#include <event2/dns_struct.h>
#include <event2/util.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static struct evdns_server_port *port;
static struct evdns_server_request *held;
static int mode, ncb;
enum { HOLD, CLOSE_THEN_ANSWER, CLOSE_THEN_DROP, ANSWER, DROP };

static void server_cb(struct evdns_server_request *req, void *arg)
{
    CHECK(arg == &mode);
    ncb++;
    switch (mode) {
    case HOLD:
        held = req;
        event_base_loopbreak(base);
        break;
    case CLOSE_THEN_ANSWER:
        evdns_close_server_port(port);
        CHECK(evdns_server_request_respond(req, 0) == 0);
        break;
    case CLOSE_THEN_DROP:
        evdns_close_server_port(port);
        CHECK(evdns_server_request_drop(req) == 0);
        break;
    case ANSWER:
        CHECK(evdns_server_request_respond(req, 0) == 0);
        event_base_loopbreak(base);
        break;
    case DROP:
        CHECK(evdns_server_request_drop(req) == 0);
        event_base_loopbreak(base);
        break;
    }
}

static int udp_server(struct sockaddr_in *sin)
{
    socklen_t sl = sizeof *sin;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0 && evutil_make_socket_nonblocking(fd) == 0);
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(0x7f000001);
    CHECK(bind(fd, (struct sockaddr *)sin, sizeof *sin) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)sin, &sl) == 0);
    return fd;
}

static int client(const struct sockaddr_in *sin)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0 && connect(fd, (const struct sockaddr *)sin, sizeof *sin) == 0);
    return fd;
}

static void ask(int cli, int id)
{
    unsigned char q[] = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 0, 0, 1, 0, 1};
    q[1] = (unsigned char)id;
    CHECK(send(cli, q, sizeof q, 0) == sizeof q);
}

/* The id of the reply waiting on cli, or -1 if none comes within ms. */
static int answer_id(int cli, int ms)
{
    unsigned char r[512];
    struct pollfd p = {cli, POLLIN, 0};
    if (poll(&p, 1, ms) != 1)
        return -1;
    CHECK(recv(cli, r, sizeof r, 0) == 19 && r[2] == 0x81);
    return r[1];
}

static int is_open(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

int main(void)
{
    struct sockaddr_in sin;
    int srv, cli;

    /* closed with nothing out: the socket goes at once */
    base = event_base_new();
    srv = udp_server(&sin);
    CHECK(evdns_add_server_port_with_base(base, srv, 1, server_cb, &mode) == NULL);
    CHECK(evdns_add_server_port_with_base(base, srv, -1, server_cb, &mode) == NULL);
    CHECK(is_open(srv));
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, &mode);
    CHECK(port);
    evdns_close_server_port(port);
    CHECK(!is_open(srv));

    /* a dropped request: no reply, and the port goes on */
    srv = udp_server(&sin);
    cli = client(&sin);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, &mode);
    mode = DROP;
    ask(cli, 1);
    event_base_dispatch(base);
    mode = ANSWER;
    ask(cli, 2);
    event_base_dispatch(base);
    CHECK(answer_id(cli, 2000) == 2);

    /* closed while a request is held: the socket stays until it is answered */
    mode = HOLD;
    ask(cli, 3);
    event_base_dispatch(base);
    CHECK(held);
    evdns_close_server_port(port);
    CHECK(is_open(srv));
    CHECK(evdns_server_request_respond(held, 0) == 0);
    CHECK(answer_id(cli, 2000) == 3);
    CHECK(!is_open(srv));
    close(cli);

    /* ... or dropped */
    srv = udp_server(&sin);
    cli = client(&sin);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, &mode);
    held = NULL;
    ask(cli, 4);
    event_base_dispatch(base);
    CHECK(held);
    evdns_close_server_port(port);
    CHECK(is_open(srv));
    CHECK(evdns_server_request_drop(held) == 0);
    CHECK(!is_open(srv));
    close(cli);

    /* closed from inside the callback, then answered there */
    srv = udp_server(&sin);
    cli = client(&sin);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, &mode);
    mode = CLOSE_THEN_ANSWER;
    ncb = 0;
    ask(cli, 5);
    CHECK(answer_id(cli, 0) == -1);
    event_base_dispatch(base); /* returns when nothing is left */
    CHECK(ncb == 1);
    CHECK(answer_id(cli, 2000) == 5);
    CHECK(!is_open(srv));
    close(cli);

    /* ... then dropped there */
    srv = udp_server(&sin);
    cli = client(&sin);
    port = evdns_add_server_port_with_base(base, srv, 0, server_cb, &mode);
    mode = CLOSE_THEN_DROP;
    ncb = 0;
    ask(cli, 6);
    event_base_dispatch(base);
    CHECK(ncb == 1);
    CHECK(answer_id(cli, 100) == -1);
    CHECK(!is_open(srv));
    close(cli);
    event_base_free(base);

    /* the dns_compat.h spelling: the current base */
    base = event_init();
    srv = udp_server(&sin);
    cli = client(&sin);
    port = evdns_add_server_port(srv, 0, server_cb, &mode);
    CHECK(port);
    mode = ANSWER;
    ask(cli, 7);
    event_dispatch();
    CHECK(answer_id(cli, 2000) == 7);
    evdns_close_server_port(port);
    CHECK(!is_open(srv));
    close(cli);
    event_base_free(base);
    return 0;
}
