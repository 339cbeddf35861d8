#!/bin/sh
# Bulk transfer and memory, ours against Debian's libevent (ratios ours/Debian).
#   bench/bench_transfer.c  1 GB through two socket bufferevents, a bufferevent pair, and a
#                           copying filter over a socket bufferevent: wall time (best of 3,
#                           noisy), system calls per MB (strace -c over 256 MB) and instructions
#                           per byte (callgrind, whole program, 64 MB)
#   tests-c/probe/scale_conns.c  server RSS with 10,000 open connections (bufferevent echo and
#                           evhttp keep-alive), median of 3
# BENCH_QUICK=1: each transfer once with 8 MB (proves the program works; no figures).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
cc -O2 -Ibuild/include bench/bench_transfer.c -o $out/transfer_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O2 bench/bench_transfer.c -o $out/transfer_debian -levent || exit 1
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }

if [ "${BENCH_QUICK:-0}" = 1 ]; then
  rc=0
  for lib in debian ours; do
    for mode in socket pair filter; do
      if $out/transfer_$lib $mode 8 | grep -q '^bytes=8388608 '; then echo "  ok   $lib bench_transfer $mode"
      else echo "  FAIL $lib bench_transfer $mode"; rc=1; fi
    done
  done
  exit $rc
fi

echo "== bulk transfer: bench_transfer (ratios ours/Debian)"
printf '  %-8s %16s %16s %18s %18s %14s %14s\n' mode "wall ms Debian" "wall ms ours" "syscalls/MB Debian" "syscalls/MB ours" "Ir/byte Debian" "Ir/byte ours"
for mode in socket pair filter; do
  for lib in debian ours; do
    best=""
    for i in 1 2 3; do
      u=$($out/transfer_$lib $mode 1024 | sed -n 's/.*usec=\([0-9]*\).*/\1/p')
      if [ -z "$best" ] || [ "$u" -lt "$best" ]; then best=$u; fi
    done
    eval "wall_$lib=$((best / 1000))"
    sc=""
    if command -v strace >/dev/null 2>&1; then
      strace -c -o $out/strace_transfer.txt $out/transfer_$lib $mode 256 >/dev/null
      sc=$(awk '$NF=="total" {printf "%.0f", $4/256}' $out/strace_transfer.txt)
    fi
    eval "sc_$lib=\$sc"
    ir=""
    if command -v valgrind >/dev/null 2>&1; then
      ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $out/transfer_$lib $mode 64 2>&1 >/dev/null |
        awk '/Collected/ {gsub(",","",$4); printf "%.3f", $4/(64*1048576)}')
    fi
    eval "ir_$lib=\$ir"
  done
  printf '  %-8s %16s %16s %18s %18s %14s %14s\n' $mode "$wall_debian" "$wall_ours ($(ratio $wall_ours $wall_debian))" \
    "$sc_debian" "$sc_ours ($(ratio "$sc_ours" "$sc_debian"))" "$ir_debian" "$ir_ours ($(ratio "$ir_ours" "$ir_debian"))"
done

echo "== memory: server RSS with 10,000 connections open (tests-c/probe/scale_conns.c, median of 3)"
cc -O1 -Ibuild/include tests-c/probe/scale_conns.c -o $out/scale_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O1 tests-c/probe/scale_conns.c -o $out/scale_debian -levent || exit 1
for mode in echo http; do
  for lib in debian ours; do
    m=$(for i in 1 2 3; do $out/scale_$lib $mode 10000 | sed -n 's/.* rss_kb=\([0-9]*\) .*/\1/p'; done | sort -n | sed -n 2p)
    eval "rss_$lib=\${m:-0}"
  done
  printf '  %-6s Debian %6s kB   ours %6s kB (%s)\n' $mode "$rss_debian" "$rss_ours" "$(ratio "$rss_ours" "$rss_debian")"
done
