#!/bin/sh
# make bench: libevent's own benchmarks (test/bench.c, test/bench_cascade.c from the 2.1.12
# sources, fetched as tests-conformance/fetch.sh fetches them) run on Debian's libevent, on ours
# (the same binaries, our library swapped in with LD_LIBRARY_PATH) and on libev's libevent
# emulation; then our own programs for what those do not cover. Ratios are x/Debian (below 1
# is better).
#
#   BENCH_QUICK=1   build everything and run each program once, small: proves they still work
#                   (seconds; no timing, no valgrind)
#   LIBEVENT_OUT=d  where the 2.1.12 sources are (default build/conformance; fetched if missing)
#   BENCH_CORE_ONLY=1  stop after the main table
#
# How each figure is taken (the method of issue 19, so the figures compare with its table):
#   instructions  whole program under valgrind --tool=callgrind, main()'s loop cut from 25
#                 rounds to 2 and setrlimit keeping the hard limit (valgrind will not raise it);
#                 steady on a shared machine.
#   epoll_ctl     strace -c -f over the full 25 rounds.
#   wall time     median of 5 full runs (sum of the 25 rounds' printed times): noisy.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
quick=${BENCH_QUICK:-0}
ours_lib="$top/build/lib"
[ -f "$ours_lib/libevent-2.1.so.7" ] || { echo "bench: build/lib/libevent-2.1.so.7 missing (run make first)"; exit 1; }

# ---- what it needs ----
need=""
if [ "$quick" = 0 ]; then
  command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
  command -v strace >/dev/null 2>&1 || need="$need strace"
fi
[ -f /usr/include/ev.h ] || need="$need libev-dev"
[ -f /usr/include/event2/event.h ] || need="$need libevent-dev"
if [ -n "$need" ]; then
  echo "bench: installing$need"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null 2>&1; } ||
    echo "bench: could not install$need (the figures that need them are skipped)"
fi
# libev's libevent emulation lives in libev.so; its <event.h> comes in libev-libevent-dev,
# which conflicts with libevent-dev (same file), so it is never installed: the package is
# downloaded and only the header extracted into the scratch dir.
libev_inc="$top/$out/libev/usr/include"
if [ ! -f "$libev_inc/event.h" ] && [ -f /usr/include/ev.h ]; then
  (cd "$out" && rm -f libev-libevent-dev_*.deb &&
    { apt-get download libev-libevent-dev >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1 && apt-get download libev-libevent-dev >/dev/null 2>&1; }; } &&
    dpkg-deb -x libev-libevent-dev_*.deb libev) || echo "bench: libev's event.h unavailable (libev column skipped)"
fi
have_libev=0
[ -f "$libev_inc/event.h" ] && [ -f /usr/include/ev.h ] && have_libev=1

# ---- libevent 2.1.12's benchmark programs ----
lo=${LIBEVENT_OUT:-$top/build/conformance}
if [ ! -f "$lo/src/test/bench.c" ] || [ ! -f "$lo/build/include/event2/event-config.h" ]; then
  echo "bench: fetching and building libevent 2.1.12's sources into $lo (once)"
  OUT="$lo" sh tests-conformance/fetch.sh || exit 1
fi
src="$out/src"
mkdir -p "$src"
inc="-I$lo/build -I$lo/build/include -I$lo/src -I$lo/src/include -I$lo/src/compat"
# cg: main()'s 25 rounds cut to 2, setrlimit raising only the soft limit.
cut_rounds() {
  sed -e 's/for (i = 0; i < 25; i++)/for (i = 0; i < 2; i++)/' \
      -e 's/rl.rlim_cur = rl.rlim_max = \(.*\);/getrlimit(RLIMIT_NOFILE, \&rl); rl.rlim_cur = \1; if (rl.rlim_cur > rl.rlim_max) rl.rlim_cur = rl.rlim_max;/'
}
# libev: the 1.4 API (event_set + event_base_set for event_assign), our shim for evutil.
to_libev() {
  sed -e 's|#include "event2/event-config.h"|#include "libev_shim.h"|' -e '/#include "..\/util-internal.h"/d' \
      -e '/#include <evutil.h>/d' \
      -e 's/event_assign(\(&events\[i\]\), base, \(.*\));/event_set(\1, \2); event_base_set(base, \1);/'
}
for p in bench bench_cascade; do
  cp "$lo/src/test/$p.c" "$src/$p.c"
  cut_rounds < "$src/$p.c" > "$src/${p}_cg.c"
  cc -O2 $inc "$src/$p.c" -o "$out/$p" -levent || exit 1
  cc -O2 $inc "$src/${p}_cg.c" -o "$out/${p}_cg" -levent || exit 1
  if [ $have_libev = 1 ]; then
    to_libev < "$src/$p.c" > "$src/${p}_libev.c"
    to_libev < "$src/${p}_cg.c" > "$src/${p}_cg_libev.c"
    for v in "" _cg; do
      cc -O2 -Ibench -I"$libev_inc" "$src/${p}${v}_libev.c" -o "$out/${p}${v}_libev" -lev || exit 1
    done
  fi
done

# Our own programs for what libevent's do not cover (event2 API: Debian's and ours only).
cc -O2 bench/bench_timers.c -o "$out/bench_timers" -levent || exit 1

# run LIB prog args...: LIB is debian, ours or libev.
run() {
  lib=$1; prog=$2; shift 2
  case $lib in
    debian) "$out/$prog" "$@" ;;
    ours) LD_LIBRARY_PATH="$ours_lib" "$out/$prog" "$@" ;;
    libev) "$out/${prog}_libev" "$@" ;;
  esac
}
libs="debian ours"
[ $have_libev = 1 ] && libs="debian ours libev"
runs="bench:-n 1000 -a 100 -w 1000|bench:-n 100 -a 1 -w 100|bench_cascade:-n 1000"

if [ "$quick" = 1 ]; then
  echo "== bench (quick): libevent's bench and bench_cascade run 25 rounds on each library"
  rc=0
  for lib in $libs; do
    for prog_args in "bench:-n 50 -a 5 -w 50" "bench_cascade:-n 50"; do
      prog=${prog_args%%:*}; args=${prog_args#*:}
      n=$(run $lib $prog $args 2>/dev/null | grep -c '^[0-9][0-9]*$')
      if [ "$n" = 25 ]; then echo "  ok   $lib $prog $args"; else echo "  FAIL $lib $prog $args ($n of 25 rounds)"; rc=1; fi
    done
  done
  for lib in debian ours; do
    for mode in random common; do
      if run $lib bench_timers $mode 1000 3000 2>/dev/null | grep -q '^3000 operations'; then echo "  ok   $lib bench_timers $mode"
      else echo "  FAIL $lib bench_timers $mode"; rc=1; fi
    done
  done
  BENCH_QUICK=1 sh bench/transfer.sh || rc=1
  exit $rc
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
best_of() { # n cmd... : best (lowest) first field of n runs
  n=$1; shift; best=""
  for i in $(seq "$n"); do
    v=$("$@" | awk '{print $1}')
    if [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$v; fi
  done
  echo "$best"
}
commas() { printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/; ta'; }
cell() { # value debian-value
  if [ -z "$1" ]; then printf -- '—'; elif [ "$1" = "$2" ]; then commas "$1"; else printf '%s (%s×)' "$(commas "$1")" "$(ratio "$1" "$2")"; fi
}
instr() { # lib prog args -> total instructions of the whole run
  lib=$1; prog=$2; shift 2
  case $lib in
    ours) pre="env LD_LIBRARY_PATH=$ours_lib" ; bin="$out/${prog}_cg" ;;
    libev) pre="env" ; bin="$out/${prog}_cg_libev" ;;
    *) pre="env" ; bin="$out/${prog}_cg" ;;
  esac
  $pre valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 >/dev/null |
    awk '/Collected/ {gsub(",","",$4); print $4}'
}
ctl() { # lib prog args -> epoll_ctl calls in the full 25 rounds
  lib=$1; prog=$2; shift 2
  case $lib in
    ours) pre="env LD_LIBRARY_PATH=$ours_lib" ; bin="$out/$prog" ;;
    libev) pre="env" ; bin="$out/${prog}_libev" ;;
    *) pre="env" ; bin="$out/$prog" ;;
  esac
  $pre strace -f -c -o "$out/strace.txt" "$bin" "$@" >/dev/null 2>&1
  awk '$NF=="epoll_ctl" {print $4; f=1} END {if (!f) print 0}' "$out/strace.txt"
}
wall() { # lib prog args -> median over 5 runs of the 25 rounds' total microseconds
  for i in 1 2 3 4 5; do run "$@" 2>/dev/null | awk '{s+=$1} END {print s}'; done | sort -n | sed -n 3p
}

echo "== libevent 2.1.12's benchmarks: Debian's libevent, ours, libev's emulation (ratios x/Debian)"
echo
printf '| run | Debian libevent | ours | libev |\n|---|---|---|---|\n'
table_row() { # label values... (debian first)
  label=$1; d=$2; o=$3; e=${4:-}
  printf '| %s | %s | %s | %s |\n' "$label" "$(commas "$d")" "$(cell "$o" "$d")" "$(cell "$e" "$d")"
}
if command -v valgrind >/dev/null 2>&1; then
  echo "$runs" | tr '|' '\n' | while IFS= read -r pa; do
    prog=${pa%%:*}; args=${pa#*:}
    set -- ; for lib in $libs; do set -- "$@" "$(instr $lib $prog $args)"; done
    table_row "$prog \`$args\`, instructions" "$@"
  done
fi
if command -v strace >/dev/null 2>&1; then
  for pa in "bench:-n 1000 -a 100 -w 1000" "bench_cascade:-n 1000"; do
    prog=${pa%%:*}; args=${pa#*:}
    set -- ; for lib in $libs; do set -- "$@" "$(ctl $lib $prog $args)"; done
    table_row "$prog, \`epoll_ctl\` calls in 25 rounds" "$@"
  done
fi
if command -v valgrind >/dev/null 2>&1; then
  # Instructions per timer operation: two runs differing only in the number of operations.
  per_op() { # lib mode pending
    if [ "$1" = ours ]; then e="LD_LIBRARY_PATH=$ours_lib"; else e="X_UNUSED=1"; fi
    a=$(env $e valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/bench_timers" "$2" "$3" 100000 2>&1 | awk '/Collected/ {gsub(",","",$4); print $4}')
    b=$(env $e valgrind --tool=callgrind --callgrind-out-file=/dev/null "$out/bench_timers" "$2" "$3" 300000 2>&1 | awk '/Collected/ {gsub(",","",$4); print $4}')
    [ -n "$a" ] && [ -n "$b" ] && echo $(( (b - a) / 200000 ))
  }
  table_row "timers: 100,000 pending, random re-arm/delete, instructions per operation" "$(per_op debian random 100000)" "$(per_op ours random 100000)"
  table_row "timers: 10,000 on one common timeout, re-arm/delete, instructions per operation" "$(per_op debian common 10000)" "$(per_op ours common 10000)"
fi
echo "$runs" | tr '|' '\n' | while IFS= read -r pa; do
  prog=${pa%%:*}; args=${pa#*:}
  set -- ; for lib in $libs; do set -- "$@" "$(wall $lib $prog $args)"; done
  table_row "$prog \`$args\`, µs for 25 rounds (median of 5; noisy)" "$@"
done
echo
[ "${BENCH_CORE_ONLY:-0}" = 1 ] && exit 0

# ---- evbuffer ----
cc -O2 -Ibuild/include bench/bench_buffer.c -o $out/buffer_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O2 bench/bench_buffer.c -o $out/buffer_debian -levent || exit 1
echo "== evbuffer: ns per operation (best of 5 runs; ratio below 1: ours is faster)"
printf '%-34s %12s %12s %7s\n' "case" "ours ns/op" "debian" "ratio"
for c in $($out/buffer_ours | awk '{print $1}'); do
  bo=""; bd=""
  for i in 1 2 3 4 5; do
    o=$($out/buffer_ours "$c" | awk '{print $2}')
    d=$($out/buffer_debian "$c" | awk '{print $2}')
    if [ -z "$bo" ] || awk -v a="$o" -v b="$bo" 'BEGIN{exit !(a<b)}'; then bo=$o; fi
    if [ -z "$bd" ] || awk -v a="$d" -v b="$bd" 'BEGIN{exit !(a<b)}'; then bd=$d; fi
  done
  printf '%-34s %12s %12s %7s\n' "$c" "$bo" "$bd" "$(ratio "$bo" "$bd")"
done
if command -v valgrind >/dev/null 2>&1; then
  echo "== evbuffer: instructions per run (callgrind, whole program; steadier than time on a shared machine)"
  printf '%-34s %14s %14s %7s\n' "case" "ours Ir" "debian Ir" "ratio"
  for c in $($out/buffer_ours | awk '{print $1}'); do
    o=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $out/buffer_ours "$c" 2>&1 | awk '/Collected/ {gsub(",","",$4); print $4}')
    d=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $out/buffer_debian "$c" 2>&1 | awk '/Collected/ {gsub(",","",$4); print $4}')
    printf '%-34s %14s %14s %7s\n' "$c" "$o" "$d" "$(ratio "$o" "$d")"
  done
fi

# ---- bufferevent ----
cc -O2 -Ibuild/include bench/bench_bev.c -o $out/bev_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O2 bench/bench_bev.c -o $out/bev_debian -levent || exit 1
echo "== bufferevent ping-pong: socketpairs, one 64-byte message bouncing per connection (best of 3; us per message delivered)"
printf '%-34s %12s %12s %7s\n' "case" "ours us/msg" "debian" "ratio"
for cfg in "-n 1 -m 100000" "-n 100 -m 200000" "-n 1000 -m 200000"; do
  o=$(best_of 3 $out/bev_ours $cfg)
  d=$(best_of 3 $out/bev_debian $cfg)
  printf '%-34s %12s %12s %7s\n' "$cfg" "$o" "$d" "$(ratio "$o" "$d")"
done
if command -v strace >/dev/null 2>&1; then
  echo "== bufferevent ping-pong: system calls per message (strace -c, -n 100 -m 20000)"
  for lib in ours debian; do
    strace -f -c -o $out/strace_bev_$lib.txt $out/bev_$lib -n 100 -m 20000 >/dev/null
    awk -v lib=$lib '$NF=="total" {t=$4; next} $1 ~ /^[0-9.]+$/ && NF>=5 {c[$NF]=$4} END {
      printf "  %-7s %5.2f syscalls/msg  (", lib, t/20000;
      n=0; for (k in c) if (c[k] >= 2000) { printf "%s%s %.2f", (n++ ? ", " : ""), k, c[k]/20000 } print ")" }' $out/strace_bev_$lib.txt
  done
fi
if command -v valgrind >/dev/null 2>&1; then
  echo "== bufferevent ping-pong: instructions in the library per message (callgrind, -n 100 -m 20000)"
  for lib in ours debian; do
    valgrind --tool=callgrind --callgrind-out-file=$out/cg_bev.out $out/bev_$lib -n 100 -m 20000 >/dev/null 2>&1
    ir=$(callgrind_annotate --inclusive=no $out/cg_bev.out 2>/dev/null | awk '/libevent/ {gsub(",","",$1); s+=$1} END {print s+0}')
    printf '  %-7s %8.0f Ir per message\n' "$lib" "$(awk -v a="$ir" 'BEGIN{print a/20000}')"
  done
fi

# ---- evhttp, bulk transfer and memory, evdns ----
echo
sh bench/http.sh
echo
sh bench/transfer.sh
echo
sh bench/dns.sh
