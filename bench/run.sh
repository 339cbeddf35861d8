#!/bin/sh
# make bench: the same benchmark programs built against our library and Debian's libevent,
# run side by side; ratios are ours/theirs (below 1 is better for time and instructions).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
cc -O2 -Ibuild/include bench/bench_events.c -o $out/events_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O2 bench/bench_events.c -o $out/events_debian -levent || exit 1

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
best_of() { # n cmd... : best (lowest) usec/round of n runs
  n=$1; shift; best=""
  for i in $(seq "$n"); do
    v=$("$@" | awk '{print $1}')
    if [ -z "$best" ] || awk -v a="$v" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$v; fi
  done
  echo "$best"
}

echo "== events: classic libevent bench (socketpairs, chained writes, del+add each round)"
printf '%-34s %12s %12s %7s\n' "case" "ours us/rnd" "debian" "ratio"
for cfg in "-n 100 -a 1 -w 100" "-n 1000 -a 10 -w 1000" "-n 10000 -a 100 -w 1000" ; do
  o=$(best_of 3 $out/events_ours $cfg -r 50)
  d=$(best_of 3 $out/events_debian $cfg -r 50)
  printf '%-34s %12s %12s %7s\n' "$cfg" "$o" "$d" "$(ratio "$o" "$d")"
done

if command -v strace >/dev/null 2>&1; then
  echo "== syscalls per round (-n 1000 -a 10 -w 1000, 10 rounds)"
  for lib in ours debian; do
    strace -f -c -o $out/strace_$lib.txt $out/events_$lib -n 1000 -a 10 -w 1000 -r 10 >/dev/null
    ctl=$(awk '$NF=="epoll_ctl"{print $4}' $out/strace_$lib.txt); ctl=${ctl:-0}
    wt=$(awk '$NF=="epoll_wait"{print $4}' $out/strace_$lib.txt); wt=${wt:-0}
    printf '  %-7s epoll_ctl/round %8s   epoll_wait/round %8s\n' "$lib" "$(awk -v c="$ctl" 'BEGIN{printf "%.0f", c/10}')" "$(awk -v c="$wt" 'BEGIN{printf "%.0f", c/10}')"
  done
fi

if command -v valgrind >/dev/null 2>&1; then
  echo "== instructions (callgrind, -n 1000 -a 10 -w 1000): per dispatched callback, library only"
  for lib in ours debian; do
    valgrind --tool=callgrind --callgrind-out-file=$out/cg_$lib.out $out/events_$lib -n 1000 -a 10 -w 1000 -r 10 >$out/cg_$lib.stdout 2>/dev/null
  done
  for lib in ours debian; do
    # Instructions attributed to the libevent shared object, divided by callbacks run.
    ir=$(callgrind_annotate --inclusive=no $out/cg_$lib.out 2>/dev/null | awk '/libevent/ {gsub(",","",$1); s+=$1} END {print s+0}')
    cbs=$(awk '{print $2}' $out/cg_$lib.stdout)
    eval "ir_$lib=$ir"
    printf '  %-7s %12s Ir in the library  (%s callbacks in the last round)\n' "$lib" "$ir" "$cbs"
  done
  printf '  ratio ours/debian: %s\n' "$(ratio "$ir_ours" "$ir_debian")"
fi
