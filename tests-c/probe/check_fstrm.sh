#!/bin/sh
# A second real bufferevent program on our library: Debian's fstrm_capture (evconnlistener +
# bufferevents) receiving Frame Streams from six concurrent senders and a broken peer, on a unix
# socket, on 127.0.0.1 TCP, and with a connection limit (listener disabled and re-enabled); the
# output file checked frame by frame (tests-dropin/fstrm.sh). First on Debian's libevent (proves
# the expectations), then on ours (LD_LIBRARY_PATH, LD_PRELOAD). Each run < 30 s (about 1 s).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
fail=0
for mode in system ldpath preload; do
  sh "$ROOT/tests-dropin/fstrm.sh" "$mode" || fail=1
done
exit $fail
