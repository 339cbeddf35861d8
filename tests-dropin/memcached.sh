#!/bin/sh
# Drop-in proof with a real program: Debian's /usr/bin/memcached (built against Debian's
# libevent) runs on our build/lib/libevent-2.1.so.7, serves 50 concurrent connections checked
# byte for byte by tests-dropin/memcached_client.py, and stops cleanly on SIGTERM.
#
# Usage: tests-dropin/memcached.sh [MODE] [--stop TERM|USR1] [client options]
#   MODE  ldpath   LD_LIBRARY_PATH=build/lib (default)
#         preload  LD_PRELOAD=build/lib/libevent-2.1.so.7
#         system   Debian's own libevent: proves the expectations (the harness itself)
#   --stop TERM    (default) SIGTERM: memcached's handler sets a flag; its main loop,
#                  while (!stop) event_base_loop(main_base, EVLOOP_ONCE), sees it after the next
#                  event - at the latest its 1 s clock timer - and main returns 0
#   --stop USR1    graceful stop: memcached also stops its worker threads (each gets 's' on its
#                  notify pipe and calls event_base_loopexit on its own base) and joins them;
#                  exit status 0, within about 1 s as with TERM
#   client options go to memcached_client.py (default: --conns 50 --ops 200)
#
# Asserts: memcached maps our libevent file and no other (from /proc/PID/maps; in system mode
# Debian's and not ours); every reply matches; memcached is still running after the client; it
# exits within 10 s of the stop signal with status 0, as on Debian's libevent.
# Bounded: memcached runs under timeout -s KILL 60, the client under timeout -s KILL 45 (its own
# deadline is 35 s); a run takes about 3 s (TERM). Exit status 0 on success.
# Needs python3 (standard library only); installs memcached with apt-get if missing.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
. "$HERE/lib.sh"

MODE=${1:-ldpath}
[ $# -gt 0 ] && shift
STOP=TERM
if [ "${1:-}" = --stop ]; then STOP=${2:-TERM}; shift 2 2>/dev/null || shift; fi
case $STOP in TERM|USR1) ;; *) echo "--stop TERM or USR1" >&2; exit 2;; esac
[ $# -gt 0 ] || set -- --conns 50 --ops 200
T=$(mktemp -d)
MC_LOG="$T/memcached.log"
CLIENT_PID=""

cleanup() {
  [ -n "$CLIENT_PID" ] && kill -TERM "$CLIENT_PID" 2>/dev/null
  mc_kill
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

fail() {
  echo "FAIL [$MODE]: $*"
  if [ -s "$MC_LOG" ]; then echo "  memcached output:"; sed -n '1,20p' "$MC_LOG" | sed 's/^/    /'; fi
  exit 1
}

case $MODE in ldpath|preload) [ -f "$ROOT/build/lib/libevent-2.1.so.7" ] || fail "build/lib/libevent-2.1.so.7 missing: run make";; esac
ensure_memcached || fail "memcached is not available"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed"

start=$(date +%s)
mc_start "$MODE" || fail "memcached did not start"
echo "[$MODE] $MEMCACHED $MC_ARGS  (${MC_ENV:-Debian's libevent}), pid $MC_PID"
mc_check_loaded "$MODE" || fail "wrong libevent loaded"
echo "[$MODE] loaded: $(mc_libevent_files | tr '\n' ' ')"

# The client: bounded by its own deadline (35 s) and, should it hang, by timeout.
timeout -s KILL 45 python3 "$HERE/memcached_client.py" --port "$MC_PORT" --deadline 35 "$@" \
  >"$T/client.out" 2>&1 &
CLIENT_PID=$!
wait "$CLIENT_PID"; st=$?
CLIENT_PID=""
sed "s/^/[$MODE] /" "$T/client.out"
[ $st = 0 ] || fail "client reported failures (status $st)"

_mc_alive || fail "memcached died during the run"
mc_stop $STOP || fail "memcached did not stop on SIG$STOP"
[ "$MC_STATUS" = 0 ] || fail "memcached exit status $MC_STATUS after SIG$STOP (Debian's: 0)"
echo "[$MODE] SIG$STOP: exited with status 0 after ${MC_STOP_MS} ms; whole run $(( $(date +%s) - start )) s"
echo "ok [$MODE]"
