/*
 * <event.h> -- libevent 1.4-style umbrella header.
 *
 * Old programs include only this file and expect the whole core API: the
 * event loop (including the struct event layout and the 1.x calls),
 * evbuffers, bufferevents, the tagging helpers and evutil.  New code
 * should include the specific event2/ headers instead.
 */
#ifndef EVENT1_EVENT_H_INCLUDED_
#define EVENT1_EVENT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>
#include <stdarg.h>

/* 1.x programs got the evutil helpers from here too. */
#include <evutil.h>

#include <event2/event_struct.h>
#include <event2/event.h>
#include <event2/event_compat.h>
#include <event2/buffer.h>
#include <event2/buffer_compat.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>
#include <event2/bufferevent_compat.h>
#include <event2/tag.h>
#include <event2/tag_compat.h>

#endif /* EVENT1_EVENT_H_INCLUDED_ */
