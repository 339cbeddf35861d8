#!/bin/sh
# Relinking from source against an installed copy: `make install PREFIX=/usr/local DESTDIR=$T`,
# then a small event-core program (timers, a socketpair read event, evutil functions; with
# libevent_pthreads also evthread_use_pthreads and event_active from another thread) is built
# with nothing but
#   PKG_CONFIG_PATH=$T/usr/local/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$T pkg-config --cflags --libs M
# for M = libevent, libevent_core, "libevent_core libevent_pthreads", runs with
# LD_LIBRARY_PATH=$T/usr/local/lib, and loads the installed copy (ldd and /proc/self/maps).
# Sysroot semantics: the .pc files hold the final paths (prefix=/usr/local); pkg-config prepends
# the sysroot to -I/-L, so the flags must name $T/usr/local/include and $T/usr/local/lib, never a
# bare /usr/local/... (that would be a .pc with DESTDIR baked in, or no sysroot applied).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP PIPE
fail=0
bad() { echo "FAIL: $*"; fail=1; }

command -v pkg-config >/dev/null 2>&1 || { echo "FAIL: pkg-config is not installed"; exit 1; }
D="$T/root"
if ! make -s -C "$ROOT" install PREFIX=/usr/local DESTDIR="$D" >"$T/install.log" 2>&1; then
  echo "FAIL: make install PREFIX=/usr/local DESTDIR=..."; sed -n '1,20p' "$T/install.log"; exit 1
fi
L="$D/usr/local/lib"; I="$D/usr/local/include"
for f in "$L/libevent-2.1.so.7" "$L/libevent_core-2.1.so.7" "$L/libevent_pthreads-2.1.so.7" \
         "$L/libevent.so" "$L/libevent_core.so" "$L/libevent_pthreads.so" "$L/libevent.a" \
         "$L/pkgconfig/libevent.pc" "$L/pkgconfig/libevent_core.pc" "$L/pkgconfig/libevent_pthreads.pc" \
         "$I/event2/event.h" "$I/event2/thread.h" "$I/event2/util.h" "$I/event.h"; do
  [ -e "$f" ] || bad "make install did not install ${f#"$D"}"
done
# the installed .pc files name the final location, not the staging directory
if grep -l "$D" "$L"/pkgconfig/*.pc >/dev/null 2>&1; then bad "installed .pc files contain the DESTDIR path"; fi
grep -q '^libdir=/usr/local/lib$' "$L/pkgconfig/libevent.pc" || bad "libevent.pc: libdir is not /usr/local/lib"

cat > "$T/p.c" <<'C'
#include <event2/event.h>
#include <event2/util.h>
#ifdef USE_PTHREADS
#include <event2/thread.h>
#include <pthread.h>
#endif
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int ticks, reads, user_runs;
static evutil_socket_t pair[2];
static struct event *user_ev, *tm;

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    char buf[64]; int n = (int)recv(fd, buf, sizeof buf - 1, 0);
    (void)what;
    if (n <= 0) { event_base_loopbreak(arg); return; }
    buf[n] = 0;
    char want[16]; evutil_snprintf(want, sizeof want, "tick %d", reads + 1);
    if (evutil_ascii_strcasecmp(buf, want) == 0) reads++;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what;
    char msg[16]; int n = evutil_snprintf(msg, sizeof msg, "TICK %d", ++ticks);
    if (send(pair[0], msg, (size_t)n, 0) != n) event_base_loopbreak(arg);
    if (ticks == 3) {                    /* stop ticking; leave the loop once the read is in */
        struct timeval tv = { 0, 100 * 1000 };
        event_del(tm);
        event_base_loopexit(arg, &tv);
    }
}

static void on_user(evutil_socket_t fd, short what, void *arg)
{
    (void)fd; (void)what; (void)arg;
    user_runs++;
}

#ifdef USE_PTHREADS
static void *activator(void *arg)
{
    (void)arg;
    usleep(20 * 1000);
    event_active(user_ev, EV_READ, 0);   /* from another thread: the loop must wake */
    return NULL;
}
#endif

int main(int argc, char **argv)
{
    const char *libdir = argc > 1 ? argv[1] : "";
#ifdef USE_PTHREADS
    if (evthread_use_pthreads() != 0) { puts("evthread_use_pthreads failed"); return 2; }
#endif
    struct event_base *base = event_base_new();
    if (!base) return 3;
    if (evutil_socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 4;
    if (evutil_make_socket_nonblocking(pair[1]) != 0 || evutil_make_socket_closeonexec(pair[1]) != 0) return 5;
    struct event *rd = event_new(base, pair[1], EV_READ | EV_PERSIST, on_read, base);
    tm = event_new(base, -1, EV_PERSIST, on_timer, base);
    user_ev = event_new(base, -1, 0, on_user, NULL);
    struct timeval every = { 0, 30 * 1000 }, t0, t1, dt;
    if (!rd || !tm || !user_ev || event_add(rd, NULL) || event_add(tm, &every)) return 6;
    evutil_gettimeofday(&t0, NULL);
#ifdef USE_PTHREADS
    pthread_t th;
    if (pthread_create(&th, NULL, activator, NULL)) return 7;
#else
    event_active(user_ev, EV_READ, 0);
#endif
    if (event_base_dispatch(base) < 0) return 8;
#ifdef USE_PTHREADS
    pthread_join(th, NULL);
#endif
    evutil_gettimeofday(&t1, NULL);
    evutil_timersub(&t1, &t0, &dt);
    int ok = ticks == 3 && reads == 3 && user_runs == 1 && evutil_timercmp(&dt, &every, >)
        && strcmp(event_get_version(), "2.1.12-stable") == 0
        && evutil_strtoll("-42", NULL, 10) == -42;
    /* and it is the installed copy that runs */
    char line[4096]; int mapped = 0; FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "libevent-2.1.so.7") && strstr(line, libdir)) mapped = 1;
    if (f) fclose(f);
    printf("ticks %d reads %d user %d elapsed %ld.%03lds method %s version %s mapped %d\n", ticks, reads,
           user_runs, (long)dt.tv_sec, (long)dt.tv_usec / 1000, event_base_get_method(base),
           event_get_version(), mapped);
    event_free(rd); event_free(tm); event_free(user_ev);
    evutil_closesocket(pair[0]); evutil_closesocket(pair[1]);
    event_base_free(base);
    return ok && mapped ? 0 : 1;
}
C

n=0
for mods in "libevent" "libevent_core" "libevent_core libevent_pthreads"; do
  n=$((n + 1)); exe="$T/p$n"
  # shellcheck disable=SC2086
  flags=$(PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags --libs $mods) ||
    { bad "pkg-config --cflags --libs $mods"; continue; }
  # shellcheck disable=SC2086
  where=$(PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --path $mods 2>/dev/null | head -n1)
  case $where in "$L/pkgconfig/"*|"") ;; *) bad "[$mods] pkg-config used $where, not the installed copy";; esac
  echo "[$mods] pkg-config: $flags"
  for want in "-I$I" "-L$L"; do
    case " $flags " in *" $want "*) ;; *) bad "[$mods] flags lack $want (sysroot not applied?)";; esac
  done
  case " $flags " in *" -I/usr/local/include "*|*" -L/usr/local/lib "*) bad "[$mods] flags name /usr/local without the sysroot";; esac
  def=""; case $mods in *pthreads*) def="-DUSE_PTHREADS";; esac
  # shellcheck disable=SC2086
  if ! cc -Wall -Werror -O1 $def "$T/p.c" -o "$exe" $flags >"$T/cc$n.log" 2>&1; then
    bad "[$mods] build failed"; sed -n '1,20p' "$T/cc$n.log"; continue
  fi
  deps=$(LD_LIBRARY_PATH="$L" ldd "$exe")
  echo "$deps" | grep -q "libevent-2.1.so.7 => $L/libevent-2.1.so.7 " ||
    { bad "[$mods] ldd does not show the installed libevent-2.1.so.7"; echo "$deps"; }
  if echo "$deps" | grep libevent | grep -vq "=> $L/"; then bad "[$mods] ldd shows a libevent outside the install"; echo "$deps"; fi
  echo "[$mods] ldd: $(echo "$deps" | awk '/libevent/ {print $1 " => " $3}' | paste -sd' ')"
  if out=$(LD_LIBRARY_PATH="$L" timeout 20 "$exe" "$L/" 2>&1); then
    echo "[$mods] run: $out"
  else
    bad "[$mods] run failed: $out"
  fi
done
[ $fail = 0 ] && echo "ok: installed copy relinks from source through pkg-config (3 module sets) and runs"
exit $fail
