/* evhttp routing: exact-path callbacks (set, duplicate refused, deleted), virtual hosts with
   wildcard patterns and server aliases chosen by the Host header, evhttp_set_allowed_methods,
   evhttp_foreach_bound_socket / evhttp_del_accept_socket, and a reply sent later from a timer
   (the program holds the request across loop iterations). */
/* BACKENDS: epoll poll select */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static struct event_base *base;
static char seen[512];
static int pending;

static void reply(struct evhttp_request *r, const char *who)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add_printf(b, "%s", who);
    evhttp_send_reply(r, 200, "OK", b);
    evbuffer_free(b);
}
static void main_cb(struct evhttp_request *r, void *a) { (void)a; reply(r, "main"); }
static void vhost_cb(struct evhttp_request *r, void *a) { (void)a; reply(r, "vhost"); }
static void gen_cb(struct evhttp_request *r, void *a) { reply(r, a); }
static void later(evutil_socket_t fd, short w, void *arg) { (void)fd; (void)w; reply(arg, "later"); }
static void later_cb(struct evhttp_request *r, void *a)
{
    struct timeval tv = { 0, 20000 };
    (void)a;
    event_base_once(base, -1, EV_TIMEOUT, later, r, &tv);
}

static void done(struct evhttp_request *r, void *arg)
{
    char body[64] = "";
    size_t n = 0;
    if (r) {
        n = evbuffer_get_length(evhttp_request_get_input_buffer(r));
        if (n > 63) n = 63;
        evbuffer_copyout(evhttp_request_get_input_buffer(r), body, n);
        body[n] = 0;
        if (strchr(body, '\n')) *strchr(body, '\n') = 0;   /* first line of an error page */
    }
    snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s:%d:%s\n", (char *)arg,
        r ? evhttp_request_get_response_code(r) : -1, body);
    if (--pending == 0) event_base_loopexit(base, NULL);
}

static int count;
static void count_bound(struct evhttp_bound_socket *s, void *arg) { (void)s; (void)arg; count++; }

static void ask(struct evhttp_connection *c, const char *name, enum evhttp_cmd_type t, const char *host, const char *uri)
{
    struct evhttp_request *r = evhttp_request_new(done, (void *)name);
    if (host) evhttp_add_header(evhttp_request_get_output_headers(r), "Host", host);
    CHECK(evhttp_make_request(c, r, t, uri) == 0);
    pending++;
}

int main(void)
{
    struct evhttp *http, *vh;
    struct evhttp_bound_socket *s1, *s2;
    struct evhttp_connection *c;
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    struct timeval bound = { 5, 0 };

    base = event_base_new();
    http = evhttp_new(base);
    vh = evhttp_new(base);
    CHECK(evhttp_set_cb(http, "/main", main_cb, NULL) == 0);
    CHECK(evhttp_set_cb(http, "/main", main_cb, NULL) == -1);
    CHECK(evhttp_set_cb(http, "/gone", main_cb, NULL) == 0);
    CHECK(evhttp_del_cb(http, "/gone") == 0);
    CHECK(evhttp_del_cb(http, "/gone") == -1);
    CHECK(evhttp_set_cb(http, "/later", later_cb, NULL) == 0);
    evhttp_set_gencb(http, gen_cb, "gen");
    CHECK(evhttp_set_cb(vh, "/main", vhost_cb, NULL) == 0);
    evhttp_set_gencb(vh, gen_cb, "vgen");
    CHECK(evhttp_add_virtual_host(http, "*.example.org", vh) == 0);
    CHECK(evhttp_add_virtual_host(http, "again", vh) == -1);   /* already someone's vhost */
    CHECK(evhttp_add_server_alias(vh, "alias.test") == 0);
    CHECK(evhttp_remove_server_alias(vh, "nope") == -1);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);

    s1 = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    s2 = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    CHECK(s1 && s2);
    evhttp_foreach_bound_socket(http, count_bound, NULL);
    CHECK(count == 2);
    evhttp_del_accept_socket(http, s2);
    count = 0;
    evhttp_foreach_bound_socket(http, count_bound, NULL);
    CHECK(count == 1);
    CHECK(getsockname(evhttp_bound_socket_get_fd(s1), (struct sockaddr *)&sin, &sl) == 0);

    c = evhttp_connection_base_new(base, NULL, "127.0.0.1", ntohs(sin.sin_port));
    ask(c, "main", EVHTTP_REQ_GET, "localhost", "/main");
    ask(c, "main-query", EVHTTP_REQ_GET, "localhost", "/main?x=y");
    ask(c, "other", EVHTTP_REQ_GET, "localhost", "/other");
    ask(c, "vhost", EVHTTP_REQ_GET, "www.example.org", "/main");
    ask(c, "vhost-port", EVHTTP_REQ_GET, "www.EXAMPLE.org:81", "/x");
    ask(c, "alias", EVHTTP_REQ_GET, "alias.test", "/main");
    ask(c, "put", EVHTTP_REQ_PUT, "localhost", "/main");
    ask(c, "later", EVHTTP_REQ_GET, NULL, "/later");
    ask(c, "after", EVHTTP_REQ_GET, NULL, "/main");
    event_base_loopexit(base, &bound);
    event_base_dispatch(base);
    CHECK(pending == 0);
    evhttp_connection_free(c);
    CHECK(evhttp_remove_virtual_host(http, vh) == 0);
    CHECK(evhttp_remove_virtual_host(http, vh) == -1);
    evhttp_free(vh);
    evhttp_free(http);
    event_base_free(base);
    if (strcmp(seen, "main:200:main\nmain-query:200:main\nother:200:gen\nvhost:200:vhost\n"
                     "vhost-port:200:vgen\nalias:200:vhost\nput:501:<HTML><HEAD>\n"
                     "later:200:later\nafter:200:main\n") != 0) {
        fprintf(stderr, "got:\n%s", seen);
        return 1;
    }
    return 0;
}
