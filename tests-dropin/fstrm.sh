#!/bin/sh
# Debian's fstrm_capture (package fstrm-bin: an evconnlistener and bufferevents collecting
# Frame Streams) on a chosen libevent:   tests-dropin/fstrm.sh [ldpath|preload|system]
# The checks are in fstrm_drive.py; the whole run is bounded by `timeout -s KILL 30` (about
# 0.3 s a run), fstrm_capture itself by `timeout -s KILL 25` (it stays a child of timeout(1)).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-ldpath}
case $MODE in ldpath|preload|system) ;; *) echo "usage: $0 [ldpath|preload|system]" >&2; exit 2;; esac
if [ ! -x /usr/bin/fstrm_capture ]; then
  echo "installing Debian's fstrm-bin (apt-get)"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fstrm-bin; } >/dev/null 2>&1 ||
    { echo "could not install fstrm-bin" >&2; exit 1; }
fi
[ "$MODE" = system ] || [ -f "$ROOT/build/lib/libevent-2.1.so.7" ] || { echo "build/lib missing: run make" >&2; exit 1; }
echo "fstrm_capture on $MODE libevent"
exec timeout -s KILL 30 python3 "$ROOT/tests-dropin/fstrm_drive.py" "$MODE" "$ROOT"
