/*
 * event2/event_compat.h
 *
 * The libevent 1.x event API, kept for old programs.  Most of these calls
 * act on a hidden global event base created by event_init(), which makes
 * them unsafe with more than one base or thread; new code should use the
 * event_base_* functions in event2/event.h.
 */
#ifndef EVENT2_EVENT_COMPAT_H_INCLUDED_
#define EVENT2_EVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct event;

/* Create the global base (and make it current). */
EVENT2_EXPORT_SYMBOL
struct event_base *event_init(void);

/* Loop control on the global base. */
EVENT2_EXPORT_SYMBOL
int event_dispatch(void);
EVENT2_EXPORT_SYMBOL
int event_loop(int flags);
EVENT2_EXPORT_SYMBOL
int event_loopexit(const struct timeval *tv);
EVENT2_EXPORT_SYMBOL
int event_loopbreak(void);

/* One-shot callback on the global base. */
EVENT2_EXPORT_SYMBOL
int event_once(evutil_socket_t fd, short events,
    void (*callback)(evutil_socket_t, short, void *), void *arg,
    const struct timeval *timeout);

EVENT2_EXPORT_SYMBOL
const char *event_get_method(void);
EVENT2_EXPORT_SYMBOL
int event_priority_init(int npriorities);

/* Prepare a caller-allocated event for the global base. */
EVENT2_EXPORT_SYMBOL
void event_set(struct event *ev, evutil_socket_t fd, short events,
    void (*callback)(evutil_socket_t, short, void *), void *arg);

#define evtimer_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define evsignal_set(ev, x, cb, arg) \
	event_set((ev), (x), EV_SIGNAL|EV_PERSIST, (cb), (arg))

/* 1.x names for timer and signal events. */
#define timeout_add(ev, tv) event_add((ev), (tv))
#define timeout_set(ev, cb, arg) event_set((ev), -1, 0, (cb), (arg))
#define timeout_del(ev) event_del(ev)
#define timeout_pending(ev, tv) event_pending((ev), EV_TIMEOUT, (tv))
#define timeout_initialized(ev) event_initialized(ev)

#define signal_add(ev, tv) event_add((ev), (tv))
#define signal_set(ev, x, cb, arg) \
	event_set((ev), (x), EV_SIGNAL|EV_PERSIST, (cb), (arg))
#define signal_del(ev) event_del(ev)
#define signal_pending(ev, tv) event_pending((ev), EV_SIGNAL, (tv))
#define signal_initialized(ev) event_initialized(ev)

#define EVENT_FD(ev) ((int)event_get_fd(ev))
#define EVENT_SIGNAL(ev) event_get_signal(ev)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_COMPAT_H_INCLUDED_ */
