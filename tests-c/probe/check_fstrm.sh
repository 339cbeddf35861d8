#!/bin/sh
# A second real bufferevent program on our library: Debian's fstrm_capture receiving Frame
# Streams from six concurrent senders and a broken peer, output file checked frame by frame
# (tests-dropin/fstrm.sh). First on Debian's libevent, then on ours (LD_LIBRARY_PATH, LD_PRELOAD).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
fail=0
for mode in system ldpath preload; do
  sh "$ROOT/tests-dropin/fstrm.sh" "$mode" || fail=1
done
exit $fail
