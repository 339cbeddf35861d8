#!/bin/sh
# evtag on hostile bytes, ours against Debian's byte for byte: every input of the
# evtag_unmarshal fuzz corpus (fuzz/corpus/evtag_unmarshal) goes through libevent's C entry
# points (tests-c/tag/replay/evtag_replay.c: the fuzz target's script of peeks, decodes and
# unmarshals, printing every return value, every output variable - also what a failing call
# writes - and the buffer's length after each call), once built against Debian's libevent and
# once against ours; the two outputs must be identical.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
SRC="$ROOT/tests-c/tag/replay/evtag_replay.c"
${CC:-cc} -Wall -Wextra -Werror -g "$SRC" -o "$T/debian" -levent 2>"$T/cc.log" ||
  { echo "FAIL: evtag_replay.c does not build against Debian's libevent"; sed -n '1,10p' "$T/cc.log"; exit 1; }
${CC:-cc} -Wall -Wextra -Werror -g -I"$ROOT/build/include" "$SRC" -o "$T/ours" -L"$ROOT/build/lib" \
  -Wl,-rpath,"$ROOT/build/lib" -levent 2>"$T/cc.log" ||
  { echo "FAIL: evtag_replay.c does not build against ours"; sed -n '1,10p' "$T/cc.log"; exit 1; }
"$T/debian" "$ROOT"/fuzz/corpus/evtag_unmarshal/* >"$T/debian.out" 2>&1 || { echo "FAIL: replay on Debian's"; exit 1; }
"$T/ours" "$ROOT"/fuzz/corpus/evtag_unmarshal/* >"$T/ours.out" 2>&1 || { echo "FAIL: replay on ours"; exit 1; }
if ! diff "$T/debian.out" "$T/ours.out" >"$T/diff"; then
  echo "FAIL: evtag answers differ from Debian's (< Debian, > ours; input, then op:results,length per step):"
  cut -c1-300 "$T/diff" | sed -n '1,12p'
  exit 1
fi
echo "evtag: $(grep -c . "$T/ours.out") corpus inputs, $(tr ' ' '\n' < "$T/ours.out" | grep -c ':') calls, every answer the same as Debian's"
