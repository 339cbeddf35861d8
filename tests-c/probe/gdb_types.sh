#!/bin/sh
# Compare the full C types (struct members with their types, callback
# typedefs, every public function's prototype) as recorded in DWARF when
# compiled against our headers and against the system headers.
# usage: gdb_types.sh   (needs gcc and gdb; prints a diff, exit 1 if any)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
funcs=$(sed -n 's/^func //p' "$HERE/items.txt")
types=$(sed -n 's/^type //p' "$HERE/items.txt")
structs=$(sed -n 's/^complete //p' "$HERE/items.txt" | grep -v '^struct timeval$' | tr ' ' '@')
{
  sed -n '/^#include <event2/p; /^#include <ev/p' "$HERE/layout_probe.c"
  for f in $funcs; do echo "__typeof__($f) *gp_$f = $f;"; done
  for t in $types; do echo "$t *gt_$t;"; done
  for s in $structs; do n=$(echo "$s" | tr '@' '_'); echo "$(echo "$s" | tr '@' ' ') *gs_$n;"; done
  echo 'int main(void) { return 0; }'
} > "$T/t.c"
{
  for f in $funcs; do echo "ptype gp_$f"; done
  for t in $types; do echo "whatis gt_$t"; echo "ptype gt_$t"; done
  for s in $structs; do echo "ptype *gs_$(echo "$s" | tr '@' '_')"; done
} > "$T/cmds"
${CC:-cc} -g -c -fno-eliminate-unused-debug-types -I"$ROOT" -I"$ROOT/include" "$T/t.c" -o "$T/ours.o"
${CC:-cc} -g -c -fno-eliminate-unused-debug-types "$T/t.c" -o "$T/theirs.o"
gdb -batch -x "$T/cmds" "$T/ours.o" > "$T/ours.txt" 2>&1 || true
gdb -batch -x "$T/cmds" "$T/theirs.o" > "$T/theirs.txt" 2>&1 || true
echo "compared $(grep -c . "$T/cmds") gdb type queries"
echo "gdb answered $(grep -c '^type = ' "$T/ours.txt") (ours) / $(grep -c '^type = ' "$T/theirs.txt") (theirs) of them"
[ -n "$KEEP" ] && cp "$T/ours.txt" "$T/theirs.txt" "$KEEP"
diff "$T/theirs.txt" "$T/ours.txt"
