/*
 * event2/http_compat.h
 *
 * Older HTTP calls that use the global event base.
 */
#ifndef EVENT2_HTTP_COMPAT_H_INCLUDED_
#define EVENT2_HTTP_COMPAT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evhttp;
struct evhttp_connection;
struct event_base;

/* New server bound to address:port on the global base. */
EVENT2_EXPORT_SYMBOL
struct evhttp *evhttp_start(const char *address, ev_uint16_t port);

/* New client connection on the global base (no DNS base). */
EVENT2_EXPORT_SYMBOL
struct evhttp_connection *evhttp_connection_new(const char *address,
    ev_uint16_t port);

/* Move a connection onto another base. */
EVENT2_EXPORT_SYMBOL
void evhttp_connection_set_base(struct evhttp_connection *evcon,
    struct event_base *base);

/* Old name of the request URI accessor. */
#define evhttp_request_uri evhttp_request_get_uri

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_HTTP_COMPAT_H_INCLUDED_ */
