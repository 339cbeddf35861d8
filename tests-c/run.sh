#!/bin/sh
# The C suite. Every tests-c/<area>/*.c case is built twice from the same source:
#   ours   - against our headers (build/include) and libraries (build/lib)
#   debian - against Debian's libevent-dev (/usr/include, -levent): proves the expectation
# and run as:
#   ours   on each backend (epoll; poll via EVENT_NOEPOLL; select via EVENT_NOEPOLL+NOPOLL)
#   debian on each backend, on Debian's library
#   debian-binary on our library through LD_LIBRARY_PATH (binary drop-in), default backend
# A case may say `/* LIBS: -levent_pthreads */` for extra libraries, and `/* BACKENDS: epoll */`
# to run on a subset. A case marked `/* OURS_ONLY */` tests an extension beyond 2.1.12 (such
# as libevent 2.2's DNS over TCP and EDNS0): Debian's library has no such thing, so the case is
# built and run on ours only (every backend), with no Debian run to prove the expectation.
# The last line is "N passed, M failed" over everything run.
# Usage: tests-c/run.sh [filter-substring]
# VALGRIND=1 (make check-valgrind): only the "ours" builds, on the default backend (or a case's
# first listed one), under valgrind memcheck; a case fails on any memory error or definite
# leak (valgrind's report in build/tests/valgrind/); a case failing its own checks there gets a
# second run (timing). Cases listed in tests-c/valgrind.skip are not run that way, each with its
# reason.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/tests
mkdir -p "$out/ours" "$out/debian"
filter=${1:-}
pass=0; fail=0; failed=""
CFLAGS="-Wall -O1 -g"
TIMEOUT=${TEST_TIMEOUT:-60}
VALGRIND=${VALGRIND:-}
skipped=0
if [ -n "$VALGRIND" ]; then
  mkdir -p "$out/valgrind"
  TIMEOUT=${TEST_TIMEOUT:-300}
  # A run that finds an error or a definite leak exits 99.
  VGFLAGS="--quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=30"
fi

# Valgrind mode, one case: what valgrind says goes in its own log; the first report is shown.
run_valgrind() { # id binary backend
  be_env=""
  case $3 in poll) be_env="EVENT_NOEPOLL=1";; select) be_env="EVENT_NOEPOLL=1 EVENT_NOPOLL=1";; esac
  vlog="$out/valgrind/$(echo "$1" | tr '/' '_').vg"
  log="$out/valgrind/$(echo "$1" | tr '/' '_').log"
  env $be_env timeout $TIMEOUT valgrind $VGFLAGS --log-file="$vlog" "$2" >"$log" 2>&1 </dev/null
  st=$?
  # A case that failed its own checks (not valgrind's: 99) may have hit a timing bound under
  # valgrind's slowdown: it gets one more run. A memory error never does.
  if [ $st -ne 0 ] && [ $st -ne 99 ]; then
    echo "    $1: failed under valgrind (status $st), running it once more"
    env $be_env timeout $TIMEOUT valgrind $VGFLAGS --log-file="$vlog" "$2" >"$log" 2>&1 </dev/null
    st=$?
  fi
  if [ $st -eq 99 ]; then
    echo "    valgrind ($vlog):"; sed -n '1,25p' "$vlog" | sed 's/^/    /'
  elif [ $st -ne 0 ]; then
    sed -n '1,10p' "$log" | sed 's/^/    /'
  fi
  record "$1 [ours valgrind $3]" $st
}

record() { # name status
  if [ "$2" = 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); failed="$failed
  $1"; echo "FAIL $1"; fi
}

run_one() { # label env... -- binary
  label=$1; shift
  log="$out/$(echo "$label" | tr '/ =' '___').log"
  env "$@" >"$log" 2>&1 </dev/null
  st=$?
  if [ $st -ne 0 ]; then sed -n '1,15p' "$log" | sed 's/^/    /'; fi
  record "$label" $st
}

for src in tests-c/*/*.c; do
  case "$src" in tests-c/probe/*|tests-c/shim/*|tests-c/bench/*) continue;; esac
  [ -n "$filter" ] && case "$src" in *"$filter"*) ;; *) continue;; esac
  area=$(basename "$(dirname "$src")"); name=$(basename "$src" .c); id="$area/$name"
  libs=$(sed -n 's|.*/\* LIBS: \(.*\) \*/.*|\1|p' "$src" | head -n1)
  backends=$(sed -n 's|.*/\* BACKENDS: \(.*\) \*/.*|\1|p' "$src" | head -n1)
  [ -n "$backends" ] || backends="epoll poll select"
  ours_only=$(grep -c '/\* OURS_ONLY \*/' "$src")
  ours="$out/ours/${area}_$name"; deb="$out/debian/${area}_$name"
  if [ -n "$VALGRIND" ]; then
    why=$(awk -v id="$id" '$1 == id { $1 = ""; sub(/^ +/, ""); print; exit }' tests-c/valgrind.skip 2>/dev/null)
    if [ -n "$why" ]; then echo "SKIP $id under valgrind: $why"; skipped=$((skipped+1)); continue; fi
    if ! ${CC:-cc} $CFLAGS -Ibuild/include "$src" -o "$ours" -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent $libs -lpthread 2>"$ours.cc.log"; then
      sed -n '1,20p' "$ours.cc.log" | sed 's/^/    /'; record "$id [build ours]" 1; continue
    fi
    run_valgrind "$id" "$ours" "${backends%% *}"
    continue
  fi
  if ! ${CC:-cc} $CFLAGS -Ibuild/include "$src" -o "$ours" -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent $libs -lpthread 2>"$ours.cc.log"; then
    sed -n '1,20p' "$ours.cc.log" | sed 's/^/    /'; record "$id [build ours]" 1; continue
  fi
  if [ "$ours_only" = 0 ] && ! ${CC:-cc} $CFLAGS "$src" -o "$deb" -levent $libs -lpthread 2>"$deb.cc.log"; then
    sed -n '1,20p' "$deb.cc.log" | sed 's/^/    /'; record "$id [build debian]" 1; continue
  fi
  for be in $backends; do
    case $be in
      epoll) envs="";;
      poll) envs="EVENT_NOEPOLL=1";;
      select) envs="EVENT_NOEPOLL=1 EVENT_NOPOLL=1";;
    esac
    run_one "$id [ours $be]" $envs timeout $TIMEOUT "$ours"
    [ "$ours_only" = 0 ] && run_one "$id [debian $be]" $envs timeout $TIMEOUT "$deb"
  done
  [ "$ours_only" = 0 ] && run_one "$id [debian-binary on ours]" LD_LIBRARY_PATH="$top/build/lib" timeout $TIMEOUT "$deb"
done

# Probes: identical layout/constants; every declared function exported; drop-in loading.
[ -n "$VALGRIND" ] || for p in tests-c/probe/check_*.sh; do
  [ -f "$p" ] || continue
  [ -n "$filter" ] && case "$p" in *"$filter"*) ;; *) continue;; esac
  run_one "probe/$(basename "$p" .sh)" sh "$p"
done

[ -n "$failed" ] && printf 'failed:%s\n' "$failed" | head -n 60
if [ -n "$VALGRIND" ]; then echo "$pass passed, $fail failed under valgrind, $skipped skipped (tests-c/valgrind.skip)"; else echo "$pass passed, $fail failed"; fi
[ $fail -eq 0 ]
