/*
 * <evhttp.h> -- libevent 1.4-style HTTP header: the core API (<event.h>)
 * plus the HTTP server/client API, the evhttp_request layout and the 1.x
 * HTTP calls.
 */
#ifndef EVENT1_EVHTTP_H_INCLUDED_
#define EVENT1_EVHTTP_H_INCLUDED_

#include <event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/http_compat.h>

#endif /* EVENT1_EVHTTP_H_INCLUDED_ */
