/*
 * Compile-only check of the function-like macros and of direct struct
 * access the way existing programs do it.  Must build with -Wall -Wextra
 * -Werror as C and C++, against our headers and the reference ones.
 *
 *   -DQUEUE_POS=0  <sys/queue.h> before every libevent header
 *   -DQUEUE_POS=1  <sys/queue.h> after all of them
 *   -DQUEUE_POS=2  <sys/queue.h> between two struct headers (the
 *                  reference headers fail this one; ours must not)
 *   -DQUEUE_POS=3  no <sys/queue.h> at all
 */
#ifndef QUEUE_POS
#define QUEUE_POS 0
#endif

#if QUEUE_POS == 0
#include <sys/queue.h>
#endif

#if QUEUE_POS == 2
#include <event2/keyvalq_struct.h>
#include <sys/queue.h>
#include <event2/event_struct.h>
#include <event2/rpc_struct.h>
#endif

#include <event.h>
#include <evhttp.h>
#include <evdns.h>
#include <evrpc.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <event2/bufferevent_ssl.h>

#if QUEUE_POS == 1
#include <sys/queue.h>
#endif

#include <string.h>
#include <stdio.h>

#if QUEUE_POS != 3
/* The program's own lists, using the system macros. */
struct item {
	int v;
	TAILQ_ENTRY(item) link;
	LIST_ENTRY(item) link2;
};
TAILQ_HEAD(item_q, item);
LIST_HEAD(item_l, item);

int walk_items(struct item_q *q, struct item_l *l)
{
	struct item *it;
	int n = 0;
	TAILQ_FOREACH(it, q, link)
		n += it->v;
	LIST_FOREACH(it, l, link2)
		n += it->v;
	return n;
}

/* The classic way of walking HTTP headers. */
int count_headers(struct evhttp_request *req)
{
	struct evkeyval *kv;
	int n = 0;
	TAILQ_FOREACH(kv, req->input_headers, next)
		n += (kv->key != NULL) + (kv->value != NULL);
	return n;
}
#endif

static void cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd; (void)what; (void)arg;
}

static void data_cb(struct bufferevent *bev, void *arg)
{
	(void)bev; (void)arg;
}

static void err_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev; (void)what; (void)arg;
}

/* Embedded events, as tmux/memcached/nsd do. */
struct conn {
	struct event ev;
	struct event timer;
	struct event sig;
};

int use_event_macros(struct event_base *base, struct conn *c)
{
	struct timeval tv = { 1, 0 }, a = { 1, 5 }, b = { 2, 0 }, r;
	struct event *t = evtimer_new(base, cb, NULL);
	struct event *s = evsignal_new(base, 2, cb, NULL);
	struct event *u = evuser_new(base, cb, NULL);
	int n = 0;

	evtimer_assign(&c->timer, base, cb, c);
	evsignal_assign(&c->sig, base, 15, cb, c);
	n += evtimer_add(t, &tv) + evtimer_del(t) + evtimer_pending(t, NULL) +
	    evtimer_initialized(t);
	n += evsignal_add(s, NULL) + evsignal_del(s) +
	    evsignal_pending(s, &tv) + evsignal_initialized(s);
	evuser_trigger(u);
	n += evuser_del(u) + evuser_pending(u, NULL) + evuser_initialized(u);
	n += event_get_signal(s);

	/* 1.x spellings */
	evtimer_set(&c->timer, cb, c);
	evsignal_set(&c->sig, 1, cb, c);
	timeout_set(&c->timer, cb, c);
	signal_set(&c->sig, 1, cb, c);
	n += timeout_add(&c->timer, &tv) + timeout_del(&c->timer) +
	    timeout_pending(&c->timer, NULL) + timeout_initialized(&c->timer);
	n += signal_add(&c->sig, NULL) + signal_del(&c->sig) +
	    signal_pending(&c->sig, NULL) + signal_initialized(&c->sig);
	n += EVENT_FD(&c->ev) + EVENT_SIGNAL(&c->sig);
	event_set(&c->ev, 0, EV_READ | EV_PERSIST, cb, c);

	/* unbound / nsd style direct field use */
	c->ev.ev_events |= EV_WRITE;
	c->ev.ev_events &= ~EV_READ;
	c->ev.ev_fd = 3;
	n += (c->ev.ev_base == base);
	n += c->ev.ev_evcallback.evcb_flags & EVLIST_INIT;

	/* timeval helpers */
	n += evutil_timercmp(&a, &b, <);
	n += evutil_timercmp(&a, &b, <=);
	n += evutil_timercmp(&a, &b, >=);
	n += evutil_timercmp(&a, &b, ==);
	n += evutil_timercmp(&a, &b, !=);
	evutil_timeradd(&a, &b, &r);
	evutil_timersub(&b, &a, &r);
	n += evutil_timerisset(&r);
	evutil_timerclear(&r);
	n += evutil_gettimeofday(&r, NULL);
	n += (int)evutil_offsetof(struct event, ev_fd);

	event_free(t);
	event_free(s);
	event_free(u);
	return n;
}

int use_util_macros(evutil_socket_t fd)
{
	int err = EVUTIL_SOCKET_ERROR();
	EVUTIL_SET_SOCKET_ERROR(err);
	err += evutil_socket_geterror(fd);
	if (fd == EVUTIL_INVALID_SOCKET)
		return -1;
	if (evutil_socket_error_to_string(err)[0] == '\0')
		return -2;
	if (EVUTIL_EAI_ADDRFAMILY == EVUTIL_EAI_NODATA)
		return -3;
	return EVUTIL_CLOSESOCKET(fd);
}

int use_buffer_macros(struct bufferevent *bev, struct evbuffer *buf)
{
	evbuffercb rcb = data_cb;
	everrorcb ecb = err_cb;
	int n = (int)EVBUFFER_LENGTH(buf);

	n += EVBUFFER_DATA(buf) != NULL;
	n += EVBUFFER_INPUT(bev) == bev->input;
	n += EVBUFFER_OUTPUT(bev) == bev->output;
	n += EVBUFFER_READ | EVBUFFER_WRITE | EVBUFFER_EOF | EVBUFFER_ERROR |
	    EVBUFFER_TIMEOUT;

	/* redsocks style: write the callbacks, call one directly */
	bev->readcb = rcb;
	bev->errorcb = ecb;
	bev->writecb = data_cb;
	if (bev->writecb)
		bev->writecb(bev, bev->cbarg);
	n += bev->enabled & EV_READ;
	n += (int)bev->wm_write.low;
	n += event_get_fd(&bev->ev_read);

	encode_int(buf, 7);
	encode_int64(buf, 7);
	return n;
}

int use_http_fields(struct evhttp_request *req)
{
	int n = req->type == EVHTTP_REQ_GET;
	n += req->kind == EVHTTP_RESPONSE;
	n += req->response_code + req->major + req->minor;
	n += req->uri != NULL && req->remote_host != NULL;
	n += req->evcon != NULL;
	n += (int)evbuffer_get_length(req->input_buffer);
	n += evhttp_request_uri(req) != NULL;
	n += req->chunked;
	return n;
}

int use_dns_fields(struct evdns_server_request *req)
{
	int i, n = 0;
	for (i = 0; i < req->nquestions; i++) {
		n += req->questions[i]->type;
		n += req->questions[i]->dns_question_class;
#ifndef __cplusplus
		n += req->questions[i]->class;
#endif
		n += (int)strlen(req->questions[i]->name);
	}
	return n + req->flags;
}

/* ---- Code shaped like event_rpcgen output ---- */
struct msg;
struct msg_access_ {
	int (*num_assign)(struct msg *, int);
	int (*num_get)(struct msg *, int *);
	int (*name_assign)(struct msg *, const char *, int);
	int (*name_get)(struct msg *, char **, int *);
	int *(*list_add)(struct msg *);
	int (*list_get)(struct msg *, int, int *);
};
struct msg {
	struct msg_access_ *base;
	int num_data;
	int num_set;
	int *list_data;
	int list_length;
};
struct msg *msg_new_with_arg(void *);
void msg_free(struct msg *);
void msg_clear(struct msg *);
int msg_unmarshal(struct msg *, struct evbuffer *);
void msg_marshal(struct evbuffer *, const struct msg *);
int msg_complete(struct msg *);

EVRPC_HEADER(Ping, msg, msg)
EVRPC_GENERATE(Ping, msg, msg)

static void ping_handler(EVRPC_STRUCT(Ping) *rpc, void *arg)
{
	struct evhttp_request *http = EVRPC_REQUEST_HTTP(rpc);
	(void)arg; (void)http;
	EVRPC_REQUEST_DONE(rpc);
}

static void ping_done(struct evrpc_status *st, struct msg *rq,
    struct msg *rp, void *arg)
{
	(void)rq; (void)rp; (void)arg;
	if (st->error == EVRPC_STATUS_ERR_NONE && st->http_req)
		return;
}

int use_rpc_macros(struct evrpc_base *base, struct evrpc_pool *pool,
    struct msg *m)
{
	int v = 0, n = 0;
	n += EVTAG_HAS(m, num);
	n += EVTAG_ASSIGN(m, num, 5);
	n += EVTAG_GET(m, num, &v);
	n += EVTAG_ARRAY_LEN(m, list);
	n += EVTAG_ARRAY_ADD(m, list) != NULL;
	n += EVTAG_ARRAY_GET(m, list, 0, &v);
	n += EVTAG_LEN(m, list);
	n += EVRPC_REGISTER(base, Ping, msg, msg, ping_handler, NULL);
	n += EVRPC_MAKE_REQUEST(Ping, pool, m, m, ping_done, NULL);
	n += evrpc_make_request(EVRPC_MAKE_CTX(Ping, msg, msg, pool, m, m,
	    ping_done, NULL));
	n += EVRPC_UNREGISTER(base, Ping);
	n += INPUT + OUTPUT;
	return n;
}

int main(void)
{
	printf("%d\n", (int)sizeof(struct conn));
	return 0;
}
