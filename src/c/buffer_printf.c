/*
 * evbuffer_add_printf / evbuffer_add_vprintf: C variadics, so they live here. The text is
 * formatted straight into free space of one chain (reserved by the Rust side), retrying with
 * the exact size when the first guess was too small; the buffer stays locked throughout.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct evbuffer;

void evbuffer_lock(struct evbuffer *buf);
void evbuffer_unlock(struct evbuffer *buf);
int levent_evbuffer_printf_space(struct evbuffer *buf, size_t want, char **space, size_t *len);
int levent_evbuffer_printf_commit(struct evbuffer *buf, size_t n);

int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
{
	size_t want = 64;
	int result = -1;

	if (buf == NULL || fmt == NULL)
		return -1;
	evbuffer_lock(buf);
	for (;;) {
		char *space;
		size_t len;
		va_list copy;
		int n;

		if (levent_evbuffer_printf_space(buf, want, &space, &len) < 0)
			break;
		va_copy(copy, ap);
		n = vsnprintf(space, len, fmt, copy);
		va_end(copy);
		if (n < 0)
			break;
		if ((size_t)n < len) {
			if (levent_evbuffer_printf_commit(buf, (size_t)n) == 0)
				result = n;
			break;
		}
		want = (size_t)n + 1;
	}
	evbuffer_unlock(buf);
	return result;
}

int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = evbuffer_add_vprintf(buf, fmt, ap);
	va_end(ap);
	return r;
}
