#!/bin/sh
# A real bufferevent program on our library: Debian's tmux server with sessions, windows, keys
# through shells, resize, attach/detach on a pty, a terminal resize (SIGWINCH) and kill-server
# (tests-dropin/tmux.sh). First on Debian's libevent (proves the expectations), then on ours via
# LD_LIBRARY_PATH and LD_PRELOAD. Each run < 30 s (about 1 s).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
fail=0
for mode in system ldpath preload; do
  sh "$ROOT/tests-dropin/tmux.sh" "$mode" || fail=1
done
exit $fail
