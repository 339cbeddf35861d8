/*
 * event2/listener.h
 *
 * evconnlistener: accepts connections on a listening socket and hands
 * each new fd to a callback.
 */
#ifndef EVENT2_LISTENER_H_INCLUDED_
#define EVENT2_LISTENER_H_INCLUDED_

#include <event2/visibility.h>

#include <event2/event.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr;
struct evconnlistener;

/* A new connection: its fd, the peer address and its length. */
typedef void (*evconnlistener_cb)(struct evconnlistener *, evutil_socket_t,
    struct sockaddr *, int socklen, void *);

/* accept() failed; see EVUTIL_SOCKET_ERROR(). */
typedef void (*evconnlistener_errorcb)(struct evconnlistener *, void *);

/* Options (bit flags) for evconnlistener_new*(). */
#define LEV_OPT_LEAVE_SOCKETS_BLOCKING (1u << 0)
#define LEV_OPT_CLOSE_ON_FREE (1u << 1)
#define LEV_OPT_CLOSE_ON_EXEC (1u << 2)
#define LEV_OPT_REUSEABLE (1u << 3)
#define LEV_OPT_THREADSAFE (1u << 4)
#define LEV_OPT_DISABLED (1u << 5)
#define LEV_OPT_DEFERRED_ACCEPT (1u << 6)
#define LEV_OPT_REUSEABLE_PORT (1u << 7)
#define LEV_OPT_BIND_IPV6ONLY (1u << 8)

/* Listen on an existing socket (backlog < 0: leave as is, 0: default). */
EVENT2_EXPORT_SYMBOL
struct evconnlistener *evconnlistener_new(struct event_base *base,
    evconnlistener_cb cb, void *ptr, unsigned flags, int backlog,
    evutil_socket_t fd);

/* Create, bind and listen on a new socket. */
EVENT2_EXPORT_SYMBOL
struct evconnlistener *evconnlistener_new_bind(struct event_base *base,
    evconnlistener_cb cb, void *ptr, unsigned flags, int backlog,
    const struct sockaddr *sa, int socklen);

EVENT2_EXPORT_SYMBOL
void evconnlistener_free(struct evconnlistener *lev);
EVENT2_EXPORT_SYMBOL
int evconnlistener_enable(struct evconnlistener *lev);
EVENT2_EXPORT_SYMBOL
int evconnlistener_disable(struct evconnlistener *lev);
EVENT2_EXPORT_SYMBOL
struct event_base *evconnlistener_get_base(struct evconnlistener *lev);
EVENT2_EXPORT_SYMBOL
evutil_socket_t evconnlistener_get_fd(struct evconnlistener *lev);
EVENT2_EXPORT_SYMBOL
void evconnlistener_set_cb(struct evconnlistener *lev,
    evconnlistener_cb cb, void *arg);
EVENT2_EXPORT_SYMBOL
void evconnlistener_set_error_cb(struct evconnlistener *lev,
    evconnlistener_errorcb errorcb);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_LISTENER_H_INCLUDED_ */
