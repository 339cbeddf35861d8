/*
 * event2/buffer_compat.h
 *
 * Older evbuffer interfaces kept for source compatibility.
 */
#ifndef EVENT2_BUFFER_COMPAT_H_INCLUDED_
#define EVENT2_BUFFER_COMPAT_H_INCLUDED_

#include <event2/visibility.h>

/* The reference header relies on its includer for size_t and for the
 * functions the macros below expand to; we are self-contained instead. */
#include <event2/buffer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbuffer;

/* Remove and return one line ending in any mix of CR/LF (caller frees);
 * superseded by evbuffer_readln(). */
EVENT2_EXPORT_SYMBOL
char *evbuffer_readline(struct evbuffer *buffer);

/* Old-style change callback: told the length before and after. */
typedef void (*evbuffer_cb)(struct evbuffer *buffer, size_t old_len,
    size_t new_len, void *arg);

/* Replace all callbacks on the buffer by cb (NULL removes them). */
EVENT2_EXPORT_SYMBOL
int evbuffer_setcb(struct evbuffer *buffer, evbuffer_cb cb, void *cbarg);

/* First occurrence of what[0..len) in the buffer, or NULL. */
EVENT2_EXPORT_SYMBOL
unsigned char *evbuffer_find(struct evbuffer *buffer,
    const unsigned char *what, size_t len);

#define EVBUFFER_LENGTH(x) evbuffer_get_length(x)
#define EVBUFFER_DATA(x) evbuffer_pullup((x), -1)

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_BUFFER_COMPAT_H_INCLUDED_ */
