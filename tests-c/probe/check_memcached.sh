#!/bin/sh
# A real program on our library: Debian's memcached, 50 concurrent connections checked byte for
# byte, clean exit on SIGTERM (tests-dropin/memcached.sh). First on Debian's own libevent (proves
# the harness and its expectations), then on ours through LD_LIBRARY_PATH and LD_PRELOAD; then a
# shorter run of each stopped with SIGUSR1 (graceful: worker threads leave their loops through
# event_base_loopexit). Each run is bounded (< 60 s; about 3 s). Nonzero when any run fails.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
fail=0
for mode in system ldpath preload; do
  sh "$ROOT/tests-dropin/memcached.sh" "$mode" || fail=1
done
for mode in system ldpath; do
  sh "$ROOT/tests-dropin/memcached.sh" "$mode" --stop USR1 --conns 10 --ops 40 || fail=1
done
exit $fail
