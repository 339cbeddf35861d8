#!/bin/sh
# Debian's tmux (a binary built against Debian's libevent) on a chosen libevent:
#   tests-dropin/tmux.sh [ldpath|preload|system]
# ldpath: LD_LIBRARY_PATH=build/lib; preload: LD_PRELOAD=build/lib/libevent-2.1.so.7;
# system: Debian's own libevent (proves the script's expectations). The checks are in
# tmux_drive.py; the whole run is bounded by `timeout -s KILL 60`.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-ldpath}
if [ ! -x /usr/bin/tmux ]; then
  echo "installing Debian's tmux (apt-get)"
  { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tmux; } >/dev/null 2>&1 ||
    { echo "could not install tmux" >&2; exit 1; }
fi
[ "$MODE" = system ] || [ -f "$ROOT/build/lib/libevent-2.1.so.7" ] || { echo "build/lib missing: run make" >&2; exit 1; }
echo "tmux on $MODE libevent"
exec timeout -s KILL 60 python3 "$ROOT/tests-dropin/tmux_drive.py" "$MODE" "$ROOT"
