#!/bin/sh
# make demo: a real program on our library, end to end. Debian's memcached - a binary built
# against Debian's libevent - runs with LD_LIBRARY_PATH=build/lib, serves a short checked client
# run on 127.0.0.1 (tests-dropin/memcached_client.py) and stops on SIGTERM. Exit status nonzero
# on any failure. The full test (50 connections, LD_PRELOAD too) is tests-dropin/memcached.sh.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests-dropin/lib.sh"
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
  echo "  FAILED: $*"
  if [ -s "$MC_LOG" ]; then sed -n '1,10p' "$MC_LOG" | sed 's/^/    memcached: /'; fi
  exit 1
}

echo "demo: a program built against Debian's libevent, running on ours"
[ -f "$ROOT/build/lib/libevent-2.1.so.7" ] || fail "build/lib/libevent-2.1.so.7 is missing (run make)"
ensure_memcached || fail "memcached is not available"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed for the client"
needed=$(objdump -p "$MEMCACHED" 2>/dev/null | awk '/NEEDED/ && /libevent/ {print $2}' | paste -sd' ')
echo "  binary:    $MEMCACHED ($("$MEMCACHED" -V 2>/dev/null), Debian package; needs ${needed:-libevent})"
mc_start ldpath || fail "memcached did not start"
echo "  ran:       $MC_ENV $MEMCACHED $MC_ARGS"
mc_check_loaded ldpath || fail "memcached did not load our library"
echo "  loaded:    $(mc_libevent_files | tr '\n' ' ')(from /proc/$MC_PID/maps)"

timeout -s KILL 30 python3 "$ROOT/tests-dropin/memcached_client.py" --port "$MC_PORT" \
  --conns 10 --ops 40 --deadline 20 >"$T/client.out" 2>&1 &
CLIENT_PID=$!
wait "$CLIENT_PID"; st=$?
CLIENT_PID=""
sed -n 's/^client: /  exercised: /p' "$T/client.out" | sed '2,$s/^  exercised: /             /'
if [ $st != 0 ]; then grep -v '^client: ' "$T/client.out" | sed 's/^/  /'; fail "client: some replies were wrong"; fi
_mc_alive || fail "memcached died during the run"
mc_stop || fail "memcached did not stop on SIGTERM"
[ "$MC_STATUS" = 0 ] || fail "memcached exited with status $MC_STATUS after SIGTERM (expected 0)"
echo "  stopped:   SIGTERM -> exit status 0 after $MC_STOP_MS ms (as on Debian's libevent)"
echo
echo "demo: Debian's tmux (bufferevents) on ours"
sh "$ROOT/tests-dropin/tmux.sh" ldpath >"$T/tmux.out" 2>&1; st=$?
grep '^  ' "$T/tmux.out"
[ $st = 0 ] || fail "tmux on our library"
echo "OK"
