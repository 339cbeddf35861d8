/*
 * event2/bufferevent_struct.h
 *
 * The public prefix of every bufferevent.  Existing programs read (and a
 * few write) these fields directly, so the layout is fixed; the real
 * objects the library allocates are larger and start with this struct.
 * New code should use the accessor functions in event2/bufferevent.h.
 */
#ifndef EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_
#define EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>
#include <event2/event_struct.h>
/* For the callback typedefs (the reference header expects its includer to
 * have pulled this in). */
#include <event2/bufferevent.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct evbuffer;
struct bufferevent_ops;

/* Low/high water marks of one direction. */
struct event_watermark {
	size_t low;
	size_t high;
};

struct bufferevent {
	struct event_base *ev_base;
	/* which kind of bufferevent this is (library-private vtable) */
	const struct bufferevent_ops *be_ops;

	/* the events used by socket bufferevents */
	struct event ev_read;
	struct event ev_write;

	struct evbuffer *input;
	struct evbuffer *output;

	struct event_watermark wm_read;
	struct event_watermark wm_write;

	bufferevent_data_cb readcb;
	bufferevent_data_cb writecb;
	/* the "event" callback; keeps its 1.x name */
	bufferevent_event_cb errorcb;
	void *cbarg;

	struct timeval timeout_read;
	struct timeval timeout_write;

	/* EV_READ / EV_WRITE when enabled */
	short enabled;
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFEREVENT_STRUCT_H_INCLUDED_ */
