/*
 * event2/bufferevent_compat.h
 *
 * libevent 1.x bufferevent names and calls.
 */
#ifndef EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_

#include <event2/visibility.h>

/* Self-contained: the names below are defined in terms of these. */
#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1.x names of the callback types. */
#define evbuffercb bufferevent_data_cb
#define everrorcb bufferevent_event_cb

/* Create a socket bufferevent on the global (event_init()) base. */
EVENT2_EXPORT_SYMBOL
struct bufferevent *bufferevent_new(evutil_socket_t fd,
    evbuffercb readcb, evbuffercb writecb, everrorcb errorcb, void *cbarg);

/* Timeouts in whole seconds (0 = none). */
EVENT2_EXPORT_SYMBOL
void bufferevent_settimeout(struct bufferevent *bufev,
    int timeout_read, int timeout_write);

/* 1.x names of the BEV_EVENT_* bits. */
#define EVBUFFER_READ BEV_EVENT_READING
#define EVBUFFER_WRITE BEV_EVENT_WRITING
#define EVBUFFER_EOF BEV_EVENT_EOF
#define EVBUFFER_ERROR BEV_EVENT_ERROR
#define EVBUFFER_TIMEOUT BEV_EVENT_TIMEOUT

#define EVBUFFER_INPUT(x) bufferevent_get_input(x)
#define EVBUFFER_OUTPUT(x) bufferevent_get_output(x)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_COMPAT_H_INCLUDED_ */
