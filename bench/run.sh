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
for cfg in "-n 100 -a 1 -w 100" "-n 1000 -a 10 -w 1000" "-n 5000 -a 100 -w 1000" "-n 1000 -a 10 -w 1000 -s"; do
  o=$(best_of 3 $out/events_ours $cfg -r 50)
  d=$(best_of 3 $out/events_debian $cfg -r 50)
  printf '%-34s %12s %12s %7s\n' "$cfg" "$o" "$d" "$(ratio "$o" "$d")"
done

if command -v strace >/dev/null 2>&1; then
  echo "== epoll_ctl per round (-n 1000 -a 10 -w 1000: 1000 events deleted and re-added per round)"
  for mode in immediate changelist; do
    for lib in ours debian; do
      if [ $mode = changelist ]; then e="EVENT_EPOLL_USE_CHANGELIST=1"; else e="X_UNUSED=1"; fi
      env $e strace -f -c -o $out/strace_$lib.txt $out/events_$lib -n 1000 -a 10 -w 1000 -r 10 >/dev/null
      ctl=$(awk '$NF=="epoll_ctl"{print $4}' $out/strace_$lib.txt); ctl=${ctl:-0}
      wt=$(awk '$NF=="epoll_wait"{print $4}' $out/strace_$lib.txt); wt=${wt:-0}
      printf '  %-10s %-7s epoll_ctl/round %6s   epoll_wait/round %6s\n' "$mode" "$lib" "$(awk -v c="$ctl" 'BEGIN{printf "%.0f", c/10}')" "$(awk -v c="$wt" 'BEGIN{printf "%.0f", c/10}')"
    done
  done
fi

if command -v valgrind >/dev/null 2>&1; then
  echo "== instructions in the library (callgrind; -n 1000 -a 10 -w 1000, 10 rounds)"
  lib_ir() { # binary args... -> Ir attributed to libevent objects
    valgrind --tool=callgrind --callgrind-out-file=$out/cg.out "$@" >/dev/null 2>&1
    callgrind_annotate --inclusive=no $out/cg.out 2>/dev/null | awk '/libevent/ {gsub(",","",$1); s+=$1} END {print s+0}'
  }
  for lib in ours debian; do
    full=$(lib_ir $out/events_$lib -n 1000 -a 10 -w 1000 -r 10)
    once=$(lib_ir $out/events_$lib -n 1000 -a 10 -w 1000 -r 10 -s)
    # 10 rounds x 1010 callbacks; 9 rounds x 1000 events deleted and re-added beyond setup.
    per_cb=$(awk -v a="$once" 'BEGIN{printf "%.0f", a/10100}')
    per_da=$(awk -v a="$full" -v b="$once" 'BEGIN{printf "%.0f", (a-b)/9000}')
    eval "cb_$lib=$per_cb; da_$lib=$per_da"
    printf '  %-7s %6s Ir per dispatched callback   %6s Ir per del+add\n' "$lib" "$per_cb" "$per_da"
  done
  printf '  ratio ours/debian: dispatch %s, del+add %s\n' "$(ratio "$cb_ours" "$cb_debian")" "$(ratio "$da_ours" "$da_debian")"
fi

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
