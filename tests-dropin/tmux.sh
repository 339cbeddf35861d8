#!/bin/sh
# Debian's tmux (a binary built against Debian's libevent) on a chosen libevent:
#   tests-dropin/tmux.sh [ldpath|preload|system]
# ldpath: LD_LIBRARY_PATH=build/lib; preload: LD_PRELOAD=build/lib/libevent-2.1.so.7;
# system: Debian's own libevent (proves the script's expectations). The checks are in
# tmux_drive.py, bounded by `timeout -s KILL 30` (a run takes about 1 s).
# The tmux server daemonizes, so timeout(1) cannot reach it: the driver writes its pid to
# $T/server.pid and the trap below kills it if it is still there (only a process whose command
# line names our private socket). Its panes' shells are themselves under timeout, so even a
# SIGKILLed harness leaves no server for long (tmux exits when its last pane is gone).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-ldpath}
case $MODE in ldpath|preload|system) ;; *) echo "usage: $0 [ldpath|preload|system]" >&2; exit 2;; esac
if [ ! -x /usr/bin/tmux ]; then
  echo "installing Debian's tmux (apt-get)"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux; } >/dev/null 2>&1 ||
    { echo "could not install tmux" >&2; exit 1; }
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed" >&2; exit 1; }
[ "$MODE" = system ] || [ -f "$ROOT/build/lib/libevent-2.1.so.7" ] || { echo "build/lib missing: run make" >&2; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/levent-tmux.XXXXXX")
cleanup() {
  if [ -s "$T/server.pid" ]; then
    pid=$(cat "$T/server.pid")
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-S $T/sock "; then
      echo "tmux server $pid left behind: killed" >&2
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

echo "tmux on $MODE libevent"
timeout -s KILL 30 python3 "$ROOT/tests-dropin/tmux_drive.py" "$MODE" "$ROOT" "$T"
st=$?
[ $st = 137 ] && echo "  tmux ($MODE) FAILED: the driver was killed (the 30 s limit?)"
exit $st
