#!/bin/sh
# Binary drop-in: a program compiled and linked against Debian's libevent (libevent_core +
# libevent_pthreads) runs on our libraries through LD_LIBRARY_PATH and through LD_PRELOAD;
# it really loads ours (checked in /proc/self/maps), and every soname it loads shares one
# library state.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat > "$T/p.c" <<'C'
#include <event2/event.h>
#include <event2/thread.h>
#include <event.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    const char *want = argc > 1 ? argv[1] : "";
    char line[4096]; int ours = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "libevent") && strstr(line, want)) ours = 1;
    if (f) fclose(f);
    if (!ours) { fprintf(stderr, "our library is not loaded\n"); return 1; }
    if (evthread_use_pthreads() != 0) return 2;           /* from libevent_pthreads */
    struct event_base *b = event_init();                  /* core, sets the global base */
    if (!b || strcmp(event_get_method(), event_base_get_method(b))) return 3;
    if (strcmp(event_get_version(), "2.1.12-stable")) return 4;
    if (event_base_loopexit(b, NULL) || event_dispatch() != 0) return 5;
    event_base_free(b);
    return 0;
}
C
cc "$T/p.c" -o "$T/p" -levent_core -levent_pthreads || exit 1
fail=0
LD_LIBRARY_PATH="$ROOT/build/lib" "$T/p" "$ROOT/build/lib" || { echo "FAIL: LD_LIBRARY_PATH run"; fail=1; }
LD_PRELOAD="$ROOT/build/lib/libevent-2.1.so.7" "$T/p" "$ROOT/build/lib" || { echo "FAIL: LD_PRELOAD run"; fail=1; }
# ldd agrees about where the sonames come from
LD_LIBRARY_PATH="$ROOT/build/lib" ldd "$T/p" | grep -q "libevent_core-2.1.so.7 => $ROOT/build/lib" || { echo "FAIL: ldd does not show ours"; fail=1; }
# and Debian's own library still runs it (the expectation holds there)
"$T/p" "libevent" || { echo "FAIL: Debian's library run"; fail=1; }
[ $fail = 0 ] && echo "ok: Debian-built binary runs on ours (LD_LIBRARY_PATH and LD_PRELOAD)"
exit $fail
