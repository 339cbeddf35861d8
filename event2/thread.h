/*
 * event2/thread.h
 *
 * Making the library thread-safe: either call evthread_use_pthreads()
 * once, before creating any base, or install custom lock / condition /
 * thread-id callbacks.
 */
#ifndef EVENT2_THREAD_H_INCLUDED_
#define EVENT2_THREAD_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

struct timeval;
struct event_base;

/* Lock modes passed to lock()/unlock(). */
#define EVTHREAD_WRITE 0x04
#define EVTHREAD_READ 0x08
#define EVTHREAD_TRY 0x10

#define EVTHREAD_LOCK_API_VERSION 1

/* Lock kinds passed to alloc() (0 means a plain mutex). */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1
#define EVTHREAD_LOCKTYPE_READWRITE 2

struct evthread_lock_callbacks {
	int lock_api_version;		/* EVTHREAD_LOCK_API_VERSION */
	unsigned supported_locktypes;	/* EVTHREAD_LOCKTYPE_* bits */
	void *(*alloc)(unsigned locktype);
	void (*free)(void *lock, unsigned locktype);
	int (*lock)(unsigned mode, void *lock);
	int (*unlock)(unsigned mode, void *lock);
};

EVENT2_EXPORT_SYMBOL
int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *);

#define EVTHREAD_CONDITION_API_VERSION 1

struct evthread_condition_callbacks {
	int condition_api_version;	/* EVTHREAD_CONDITION_API_VERSION */
	void *(*alloc_condition)(unsigned condtype);
	void (*free_condition)(void *cond);
	int (*signal_condition)(void *cond, int broadcast);
	/* returns 0 when signalled, 1 on timeout, -1 on error */
	int (*wait_condition)(void *cond, void *lock,
	    const struct timeval *timeout);
};

EVENT2_EXPORT_SYMBOL
int evthread_set_condition_callbacks(
    const struct evthread_condition_callbacks *);

EVENT2_EXPORT_SYMBOL
void evthread_set_id_callback(unsigned long (*id_fn)(void));

#if defined(EVENT__HAVE_PTHREADS)
/* Use POSIX threads (the function lives in libevent_pthreads). */
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1
EVENT2_EXPORT_SYMBOL
int evthread_use_pthreads(void);
#endif

/* Check lock usage at run time (debugging aid). */
EVENT2_EXPORT_SYMBOL
void evthread_enable_lock_debugging(void);
/* Misspelled older name of the above. */
EVENT2_EXPORT_SYMBOL
void evthread_enable_lock_debuging(void);

/* Let other threads wake up a base that is blocked in its loop. */
EVENT2_EXPORT_SYMBOL
int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_THREAD_H_INCLUDED_ */
