/* printf-style log entry points libevent's own test programs import (event_warnx & co).
 * The formatting happens here; the message goes to Rust's log dispatcher. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Implemented in Rust (src/core/log.rs). */
void levent_log_message_(int severity, const char *msg);
void levent_log_exit_(int code);

#define LEVENT_LOG_MSG 1
#define LEVENT_LOG_WARN 2
#define LEVENT_LOG_ERR 3

static void vlog(int severity, const char *errstr, const char *fmt, va_list ap)
{
    char buf[1024];
    size_t len;
    if (fmt != NULL)
        vsnprintf(buf, sizeof(buf), fmt, ap);
    else
        buf[0] = '\0';
    if (errstr != NULL) {
        len = strlen(buf);
        if (len < sizeof(buf) - 3)
            snprintf(buf + len, sizeof(buf) - len, ": %s", errstr);
    }
    levent_log_message_(severity, buf);
}

void event_warn(const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_WARN, strerror(e), fmt, ap);
    va_end(ap);
}

void event_warnx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_WARN, NULL, fmt, ap);
    va_end(ap);
}

void event_msgx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_MSG, NULL, fmt, ap);
    va_end(ap);
}

void event_err(int eval, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_ERR, strerror(e), fmt, ap);
    va_end(ap);
    levent_log_exit_(eval);
}

void event_errx(int eval, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_ERR, NULL, fmt, ap);
    va_end(ap);
    levent_log_exit_(eval);
}

void event_sock_warn(int sock, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    (void)sock;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_WARN, strerror(e), fmt, ap);
    va_end(ap);
}

void event_sock_err(int eval, int sock, const char *fmt, ...)
{
    int e = errno;
    va_list ap;
    (void)sock;
    va_start(ap, fmt);
    vlog(LEVENT_LOG_ERR, strerror(e), fmt, ap);
    va_end(ap);
    levent_log_exit_(eval);
}

void event_debugx_(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(0, NULL, fmt, ap);
    va_end(ap);
}
