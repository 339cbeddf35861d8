/* CVE-2026-63388 (Debian's libevent 2.1.12-stable-8+deb12u1: "Fix heap out-of-bounds write via
   AF_UNIX+http"): an evhttp server on an AF_UNIX listener (evhttp_bind_listener) records each
   peer's address in full. Clients whose addresses are as long as sockaddr_un allows (a
   107-byte path, a long abstract name) and an unnamed one each get their answer;
   evhttp_connection_get_addr hands back the client's AF_UNIX address whole, with the path's
   first byte cleared as libevent clears it before naming the peer ("localhost", port 0 from
   evhttp_connection_get_peer); the server keeps serving afterwards. (Unpatched, the 110-byte
   address was copied into room for 28.) */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static struct sockaddr_un want;    /* the client address the next request must come from */
static socklen_t want_len;
static int served;

static void gen(struct evhttp_request *r, void *arg)
{
    struct evhttp_connection *evcon = evhttp_request_get_connection(r);
    const struct sockaddr *sa = evhttp_connection_get_addr(evcon);
    const struct sockaddr_un *su = (const struct sockaddr_un *)sa;
    struct evbuffer *b = evbuffer_new();
    size_t pathlen = want_len - offsetof(struct sockaddr_un, sun_path);
    char *host = NULL;
    ev_uint16_t port = 1;
    (void)arg;
    evhttp_connection_get_peer(evcon, &host, &port);
    CHECK(sa != NULL);
    CHECK(sa->sa_family == AF_UNIX);
    /* libevent clears the path's first byte before naming the peer; the rest is kept */
    if (pathlen > 0) {
        CHECK(su->sun_path[0] == 0);
        CHECK(memcmp(su->sun_path + 1, want.sun_path + 1, pathlen - 1) == 0);
    }
    CHECK(host && strcmp(host, "localhost") == 0);
    CHECK(port == 0);
    served++;
    evbuffer_add_printf(b, "served %d", served);
    evhttp_send_reply(r, 200, "OK", b);
    evbuffer_free(b);
}

struct reader { struct evbuffer *got; };
static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct reader *rd = arg;
    char buf[4096];
    ssize_t n;
    if (what & EV_TIMEOUT) { event_base_loopexit(base, NULL); return; }
    n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { event_base_loopexit(base, NULL); return; }
    evbuffer_add(rd->got, buf, n);
    if (evbuffer_search(rd->got, "served", 6, NULL).pos >= 0 &&
        evbuffer_get_length(rd->got) - evbuffer_search(rd->got, "served", 6, NULL).pos >= 8)
        event_base_loopexit(base, NULL);
}

/* Connect from `from` (NULL: an unnamed socket) to `to`, send one GET, return the body. */
static char *ask(const struct sockaddr_un *to, socklen_t tolen, const struct sockaddr_un *from, socklen_t fromlen)
{
    struct reader rd = { evbuffer_new() };
    struct timeval limit = { 5, 0 };
    struct event *ev;
    const char *req = "GET /x HTTP/1.1\r\nHost: unix\r\n\r\n";
    char *out, *body;
    size_t len;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    if (from) {
        CHECK(bind(fd, (const struct sockaddr *)from, fromlen) == 0);
        want = *from;
        want_len = fromlen;
    } else {
        memset(&want, 0, sizeof want);
        want.sun_family = AF_UNIX;
        want_len = offsetof(struct sockaddr_un, sun_path);
    }
    CHECK(connect(fd, (const struct sockaddr *)to, tolen) == 0);
    CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
    evutil_make_socket_nonblocking(fd);
    ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, &rd);
    event_add(ev, &limit);
    event_base_dispatch(base);
    event_free(ev);
    close(fd);
    len = evbuffer_get_length(rd.got);
    out = malloc(len + 1);
    evbuffer_remove(rd.got, out, len);
    out[len] = 0;
    evbuffer_free(rd.got);
    body = strstr(out, "\r\n\r\n");
    body = strdup(body ? body + 4 : "(no answer)");
    free(out);
    return body;
}

int main(void)
{
    struct sockaddr_un srv, cli;
    socklen_t srvlen, clilen;
    struct evconnlistener *l;
    struct evhttp *http;
    char *body;
    size_t room = sizeof cli.sun_path;

    base = event_base_new();
    CHECK(base);
    memset(&srv, 0, sizeof srv);
    srv.sun_family = AF_UNIX;
    snprintf(srv.sun_path, sizeof srv.sun_path, "/tmp/levent-63388-s-%d", (int)getpid());
    unlink(srv.sun_path);
    srvlen = sizeof srv;
    l = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE, -1, (struct sockaddr *)&srv, srvlen);
    CHECK(l);
    http = evhttp_new(base);
    CHECK(http);
    evhttp_set_gencb(http, gen, NULL);
    CHECK(evhttp_bind_listener(http, l) != NULL);

    /* a client bound to a path filling sun_path (107 bytes and the NUL) */
    memset(&cli, 0, sizeof cli);
    cli.sun_family = AF_UNIX;
    snprintf(cli.sun_path, room, "/tmp/levent-63388-c-%d-", (int)getpid());
    memset(cli.sun_path + strlen(cli.sun_path), 'x', room - 1 - strlen(cli.sun_path));
    cli.sun_path[room - 1] = 0;
    CHECK(strlen(cli.sun_path) == room - 1);
    unlink(cli.sun_path);
    clilen = sizeof cli;
    body = ask(&srv, srvlen, &cli, clilen);
    unlink(cli.sun_path);
    if (strcmp(body, "served 1") != 0) { fprintf(stderr, "long path: %s\n", body); return 1; }
    free(body);

    /* an abstract name as long as it can be */
    memset(&cli, 0, sizeof cli);
    cli.sun_family = AF_UNIX;
    memset(cli.sun_path, 'y', room);
    cli.sun_path[0] = 0;
    snprintf(cli.sun_path + 1, room - 1, "levent-63388-a-%d-", (int)getpid());
    cli.sun_path[strlen(cli.sun_path + 1) + 1] = 'y';
    body = ask(&srv, srvlen, &cli, sizeof cli);
    if (strcmp(body, "served 2") != 0) { fprintf(stderr, "abstract: %s\n", body); return 1; }
    free(body);

    /* an unnamed client */
    body = ask(&srv, srvlen, NULL, 0);
    if (strcmp(body, "served 3") != 0) { fprintf(stderr, "unnamed: %s\n", body); return 1; }
    free(body);

    evhttp_free(http);
    unlink(srv.sun_path);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
