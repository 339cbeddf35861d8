/* dns resolve_connect: the resolver behind bufferevent_socket_connect_hostname and evhttp.
   With an evdns base, bufferevent_socket_connect_hostname asks the base's name server (no
   query for a numeric host), connects to the answer, and reports a missing name as
   BEV_EVENT_ERROR with bufferevent_socket_get_dns_error() == EVUTIL_EAI_NONAME, all from
   the loop; an evhttp connection made with evhttp_connection_base_new(base, dns, name,
   port) resolves its host the same way and completes a request. */
/* BACKENDS: epoll poll select */
#include "resolve_fake_ns.h"
#include <event2/dns.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/http.h>
#include <event2/buffer.h>
#include <ctype.h>

static int handler(struct fake_ns *ns, const struct fake_query *q, struct pkt *o, void *arg)
{
    char n[300];
    int i;
    (void)ns; (void)arg;
    for (i = 0; q->name[i]; i++) n[i] = (char)tolower((unsigned char)q->name[i]);
    n[i] = 0;
    if (!strcmp(n, "here.example") && q->qtype == 1) {
        pkt_reply_head(o, q, 0x8180, 1, 0, 0);
        pkt_rr_a(o, NULL, 60, "127.0.0.1");
    } else if (!strcmp(n, "here.example")) {
        pkt_reply_head(o, q, 0x8180, 0, 0, 0);
    } else {
        pkt_reply_head(o, q, 0x8183, 0, 0, 0);
    }
    return 1;
}

static struct event_base *base;
static int accepted, pending;
struct outcome { short what; int dnserr; int in_call; };

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
    (void)l; (void)sa; (void)len; (void)arg;
    accepted++;
    close(fd);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct outcome *o = arg;
    o->what = what;
    o->dnserr = bufferevent_socket_get_dns_error(bev);
    o->in_call = in_api_call;
    if (--pending == 0) event_base_loopbreak(base);
}

static void http_done(struct evhttp_request *req, void *arg)
{
    int *code = arg;
    *code = req ? evhttp_request_get_response_code(req) : -1;
    event_base_loopbreak(base);
}

static void http_serve(struct evhttp_request *req, void *arg)
{
    struct evbuffer *b = evbuffer_new();
    (void)arg;
    evbuffer_add_printf(b, "hello");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

int main(void)
{
    struct fake_ns *ns;
    struct evdns_base *dns;
    struct evconnlistener *lev;
    struct sockaddr_in sin;
    socklen_t sl = sizeof(sin);
    struct bufferevent *be[3];
    struct outcome out[3];
    int port, i;
    alarm(20);
    base = event_base_new();
    ns = fake_ns_start(base, "127.0.0.1", handler, NULL);
    dns = evdns_base_new(base, 0);
    CHECK_EQ(evdns_base_nameserver_ip_add(dns, fake_ns_addr(ns, "127.0.0.1")), 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(0x7f000001);
    lev = evconnlistener_new_bind(base, accept_cb, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, -1,
                                  (struct sockaddr *)&sin, sizeof(sin));
    CHECK(lev);
    CHECK(getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&sin, &sl) == 0);
    port = ntohs(sin.sin_port);

    memset(out, 0, sizeof(out));
    for (i = 0; i < 3; i++) {
        be[i] = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
        bufferevent_setcb(be[i], NULL, NULL, event_cb, &out[i]);
    }
    pending = 3;
    ns->n_queries = 0;
    in_api_call = 1;
    CHECK_EQ(bufferevent_socket_connect_hostname(be[0], dns, AF_INET, "here.example", port), 0);
    CHECK_EQ(bufferevent_socket_connect_hostname(be[1], dns, AF_INET, "127.0.0.1", port), 0);
    CHECK_EQ(bufferevent_socket_connect_hostname(be[2], dns, AF_UNSPEC, "nowhere.example", port), 0);
    in_api_call = 0;
    {
        struct event *t = evtimer_new(base, run_timer_cb, base);
        struct timeval tv = {5, 0};
        evtimer_add(t, &tv);
        event_base_dispatch(base);
        event_free(t);
    }
    CHECK_EQ(out[0].what, BEV_EVENT_CONNECTED);
    CHECK_EQ(out[0].dnserr, 0);
    CHECK_EQ(out[1].what, BEV_EVENT_CONNECTED);
    CHECK_EQ(out[2].what, BEV_EVENT_ERROR);
    CHECK_EQ(out[2].dnserr, EVUTIL_EAI_NONAME);
    for (i = 0; i < 3; i++) CHECK_EQ(out[i].in_call, 0);
    CHECK_EQ(ns->n_queries, 3); /* here (A), nowhere (A and AAAA) */
    run_for(base, 0.1);
    CHECK_EQ(accepted, 2);
    for (i = 0; i < 3; i++) bufferevent_free(be[i]);
    evconnlistener_free(lev);

    /* evhttp through the evdns base */
    {
        struct evhttp *http = evhttp_new(base);
        struct evhttp_bound_socket *s;
        struct evhttp_connection *con;
        struct evhttp_request *req;
        int code = 0, hport;
        CHECK(http);
        evhttp_set_gencb(http, http_serve, NULL);
        s = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
        CHECK(s);
        sl = sizeof(sin);
        CHECK(getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sin, &sl) == 0);
        hport = ntohs(sin.sin_port);
        con = evhttp_connection_base_new(base, dns, "here.example", hport);
        CHECK(con);
        evhttp_connection_set_family(con, AF_INET);
        req = evhttp_request_new(http_done, &code);
        evhttp_add_header(evhttp_request_get_output_headers(req), "Host", "here.example");
        ns->n_queries = 0;
        CHECK_EQ(evhttp_make_request(con, req, EVHTTP_REQ_GET, "/"), 0);
        {
            struct event *t = evtimer_new(base, run_timer_cb, base);
            struct timeval tv = {5, 0};
            evtimer_add(t, &tv);
            event_base_dispatch(base);
            event_free(t);
        }
        CHECK_EQ(code, 200);
        CHECK(ns->n_queries >= 1);
        evhttp_connection_free(con);
        evhttp_free(http);
    }

    evdns_base_free(dns, 0);
    fake_ns_stop(ns);
    event_base_free(base);
    printf("ok\n");
    return 0;
}
