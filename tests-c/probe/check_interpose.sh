#!/bin/sh
# libevent's internal data objects are real, interposable globals: a program that refers to
# them directly (as libevent's own test programs do) holds a copy-relocated copy, and the
# library must read and write that copy through its dynamic symbol.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat > "$T/p.c" <<'C'
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/event_compat.h>
#include <stdio.h>
extern struct evthread_lock_callbacks evthread_lock_fns_;
extern struct evthread_condition_callbacks evthread_cond_fns_;
extern struct event_base *event_global_current_base_;
extern unsigned int event_debug_logging_mask_;
int main(void)
{
    if (evthread_lock_fns_.lock != NULL) return 10;
    if (evthread_use_pthreads() != 0) return 11;
    if (evthread_lock_fns_.lock == NULL || evthread_lock_fns_.alloc == NULL) return 12;
    if (evthread_cond_fns_.wait_condition == NULL) return 13;
    struct event_base *b = event_init();
    if (event_global_current_base_ != b) return 14;
    event_enable_debug_logging(EVENT_DBG_ALL);
    if (event_debug_logging_mask_ != EVENT_DBG_ALL) return 15;
    /* and the other way: the library sees what the program writes */
    event_global_current_base_ = NULL;
    if (event_get_method() != NULL) return 16;
    event_global_current_base_ = b;
    if (event_get_method() == NULL) return 17;
    event_base_free(b);
    if (event_global_current_base_ != NULL) return 18;
    puts("ok: the library uses the program's copies of its data objects");
    return 0;
}
C
cc -Wall -Werror "$T/p.c" -I"$ROOT/build/include" -o "$T/p" -L"$ROOT/build/lib" -Wl,-rpath,"$ROOT/build/lib" -levent || exit 1
"$T/p"; st=$?
[ $st = 0 ] || echo "FAIL: status $st"
exit $st
