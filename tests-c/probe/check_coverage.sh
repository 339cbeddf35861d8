#!/bin/sh
# Symbol coverage report (tests-dropin/coverage.sh): which consumer packages' libevent imports
# we export. A report, not a gate: passes whenever the report generates completely (one row per
# consumer package and the overall count); prints the summary line.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
out=$(sh "$ROOT/tests-dropin/coverage.sh") || { echo "FAIL: coverage.sh did not run"; exit 1; }
pkgs=$(ls "$ROOT"/tests-dropin/consumers/*.txt | wc -l)
rows=$(echo "$out" | grep -c '^| [a-z0-9]' )
rows=$((rows - 1))   # the header row
[ "$rows" = "$pkgs" ] || { echo "FAIL: $rows table rows for $pkgs consumer packages"; exit 1; }
echo "$out" | grep -q '^\*\*[0-9]* of 213\*\* distinct imported symbols' ||
  { echo "FAIL: no overall count of the 213 symbols"; exit 1; }
echo "$out" | grep '^\*\*'
exit 0
