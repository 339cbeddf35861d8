/*
 * event2/keyvalq_struct.h
 *
 * A list of key/value string pairs, used for HTTP headers and parsed query
 * strings.  Deliberately includes nothing, so it can be pulled in from
 * anywhere.
 */
#ifndef EVENT2_KEYVALQ_STRUCT_H_INCLUDED_
#define EVENT2_KEYVALQ_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

/* Borrow <sys/queue.h>'s list macros if the program has them; otherwise
 * define equivalent ones just for this header (removed again below). */
#ifndef TAILQ_ENTRY
#define EVENT2_KVQ_OWN_TAILQ_ENTRY_
#define TAILQ_ENTRY(type) \
	struct { struct type *tqe_next; struct type **tqe_prev; }
#endif
#ifndef TAILQ_HEAD
#define EVENT2_KVQ_OWN_TAILQ_HEAD_
#define TAILQ_HEAD(name, type) \
	struct name { struct type *tqh_first; struct type **tqh_last; }
#endif

/* One header line / query parameter. */
struct evkeyval {
	TAILQ_ENTRY(evkeyval) next;
	char *key;
	char *value;
};

/* The list head (16 bytes; programs allocate it themselves). */
TAILQ_HEAD(evkeyvalq, evkeyval);

#ifdef EVENT2_KVQ_OWN_TAILQ_ENTRY_
#undef TAILQ_ENTRY
#undef EVENT2_KVQ_OWN_TAILQ_ENTRY_
#endif
#ifdef EVENT2_KVQ_OWN_TAILQ_HEAD_
#undef TAILQ_HEAD
#undef EVENT2_KVQ_OWN_TAILQ_HEAD_
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_KEYVALQ_STRUCT_H_INCLUDED_ */
