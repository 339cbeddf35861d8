/*
 * event2/event_struct.h
 *
 * The memory layout of struct event.  Programs that embed a struct event
 * (and initialise it with event_assign()/event_set()) depend on this layout
 * and on its size staying exactly the same, so nothing here may change.
 * Prefer event_new() and the accessors in event2/event.h in new code.
 */
#ifndef EVENT2_EVENT_STRUCT_H_INCLUDED_
#define EVENT2_EVENT_STRUCT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>
#include <event2/keyvalq_struct.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bits of evcb_flags (where an event currently is). */
#define EVLIST_TIMEOUT 0x01
#define EVLIST_INSERTED 0x02
#define EVLIST_SIGNAL 0x04
#define EVLIST_ACTIVE 0x08
#define EVLIST_INTERNAL 0x10
#define EVLIST_ACTIVE_LATER 0x20
#define EVLIST_FINALIZING 0x40
#define EVLIST_INIT 0x80
#define EVLIST_ALL 0xff

/*
 * The BSD <sys/queue.h> list macros describe the link fields.  If the
 * program already has them (from <sys/queue.h>) we use those, which have
 * the same shape; otherwise we provide minimal versions for the duration
 * of this header and remove them again at the end, so that a later
 * #include <sys/queue.h> does not see conflicting definitions.
 */
#ifndef TAILQ_ENTRY
#define EVENT2_ES_OWN_TAILQ_ENTRY_
#define TAILQ_ENTRY(type) \
	struct { struct type *tqe_next; struct type **tqe_prev; }
#endif
#ifndef TAILQ_HEAD
#define EVENT2_ES_OWN_TAILQ_HEAD_
#define TAILQ_HEAD(name, type) \
	struct name { struct type *tqh_first; struct type **tqh_last; }
#endif
#ifndef LIST_ENTRY
#define EVENT2_ES_OWN_LIST_ENTRY_
#define LIST_ENTRY(type) \
	struct { struct type *le_next; struct type **le_prev; }
#endif
#ifndef LIST_HEAD
#define EVENT2_ES_OWN_LIST_HEAD_
#define LIST_HEAD(name, type) \
	struct name { struct type *lh_first; }
#endif

struct event_base;
struct event;
struct event_callback;

/* The part of an event that sits on the base's active queues. */
struct event_callback {
	TAILQ_ENTRY(event_callback) evcb_active_next;
	short evcb_flags;		/* EVLIST_* */
	ev_uint8_t evcb_pri;		/* priority; smaller runs first */
	ev_uint8_t evcb_closure;	/* how to invoke the callback */
	union {
		void (*evcb_callback)(evutil_socket_t, short, void *);
		void (*evcb_selfcb)(struct event_callback *, void *);
		void (*evcb_evfinalize)(struct event *, void *);
		void (*evcb_cbfinalize)(struct event_callback *, void *);
	} evcb_cb_union;
	void *evcb_arg;
};

struct event {
	struct event_callback ev_evcallback;

	/* Either a link in a common-timeout list or a slot in the timer
	 * heap. */
	union {
		TAILQ_ENTRY(event) ev_next_with_common_timeout;
		int min_heap_idx;
	} ev_timeout_pos;
	evutil_socket_t ev_fd;

	struct event_base *ev_base;

	union {
		/* I/O events */
		struct {
			LIST_ENTRY(event) ev_io_next;
			struct timeval ev_timeout;	/* relative, for EV_PERSIST */
		} ev_io;

		/* signal events */
		struct {
			LIST_ENTRY(event) ev_signal_next;
			short ev_ncalls;
			short *ev_pncalls;	/* lets a callback cancel repeats */
		} ev_signal;
	} ev_;

	short ev_events;		/* EV_* requested */
	short ev_res;			/* EV_* that fired */
	struct timeval ev_timeout;	/* absolute expiry */
};

TAILQ_HEAD(event_list, event);
LIST_HEAD(event_dlist, event);

#ifdef EVENT2_ES_OWN_TAILQ_ENTRY_
#undef TAILQ_ENTRY
#undef EVENT2_ES_OWN_TAILQ_ENTRY_
#endif
#ifdef EVENT2_ES_OWN_TAILQ_HEAD_
#undef TAILQ_HEAD
#undef EVENT2_ES_OWN_TAILQ_HEAD_
#endif
#ifdef EVENT2_ES_OWN_LIST_ENTRY_
#undef LIST_ENTRY
#undef EVENT2_ES_OWN_LIST_ENTRY_
#endif
#ifdef EVENT2_ES_OWN_LIST_HEAD_
#undef LIST_HEAD
#undef EVENT2_ES_OWN_LIST_HEAD_
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_EVENT_STRUCT_H_INCLUDED_ */
