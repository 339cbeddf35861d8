/* evutil_snprintf / evutil_vsnprintf: C-variadic, so written in C. They are the C library's
 * vsnprintf with libevent's two guarantees: the buffer is always NUL-terminated when it has
 * room for anything, and a zero-length buffer is not touched and yields 0 (not the length
 * the text would have had, as C99 says). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap);
int evutil_snprintf(char *buf, size_t buflen, const char *format, ...);

int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
{
    int r;
    if (buflen == 0)
        return 0;
    if (buf == NULL || format == NULL)
        return -1;
    r = vsnprintf(buf, buflen, format, ap);
    /* Some C libraries leave the buffer unterminated on error or truncation; ours may not. */
    buf[buflen - 1] = '\0';
    return r;
}

int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
{
    int r;
    va_list ap;
    va_start(ap, format);
    r = evutil_vsnprintf(buf, buflen, format, ap);
    va_end(ap);
    return r;
}
