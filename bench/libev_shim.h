/* What libevent's bench.c and bench_cascade.c take from libevent's utility headers, for the
 * build against libev's libevent emulation (its <event.h> offers the 1.4 core API only). Used by
 * bench/run.sh in place of the programs' internal includes, in a scratch copy. */
#ifndef LEVENT_BENCH_LIBEV_SHIM_H
#define LEVENT_BENCH_LIBEV_SHIM_H
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define EVENT__HAVE_SETRLIMIT 1
typedef int evutil_socket_t;
typedef ssize_t ev_ssize_t;
typedef intptr_t ev_intptr_t;
#define EV_SSIZE_FMT "%zd"
#define evutil_socketpair(d, t, p, sv) socketpair((d), (t), (p), (sv))
#define evutil_gettimeofday(tv, tz) gettimeofday((tv), (tz))
#define evutil_timersub(a, b, r) timersub((a), (b), (r))
#define evutil_timerclear(tv) timerclear(tv)
#define evutil_closesocket(fd) close(fd)

/* bench.c's -m and -l options (choose or list backends) have no libev equivalent here. */
struct event_config;
#define event_get_supported_methods() ((const char **)0)
#define event_config_new() ((struct event_config *)0)
#define event_config_avoid_method(cfg, m) ((void)(cfg), (void)(m))
#define event_config_free(cfg) ((void)(cfg))
#define event_base_new_with_config(cfg) ((void)(cfg), event_base_new())
#endif
