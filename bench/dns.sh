#!/bin/sh
# evdns: resolve N names (default 20000) with 64 in flight against a local UDP name server
# (bench_dns serve: plain C, no libevent, in its own process), through our library and
# Debian's. Prints wall time (best of 3) and instructions per query spent in the library
# objects (callgrind on the resolving process only, as bench/run.sh counts them), and the
# ratios ours/debian (below 1 is better).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
N=${DNS_BENCH_N:-20000}
K=64
cc -O2 -Ibuild/include bench/bench_dns.c -o $out/dns_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O2 bench/bench_dns.c -o $out/dns_debian -levent || exit 1

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# The server: its port on the first line of its output; it ends on "quit.bench" (sent at the
# end) or after 30 s without a query.
fifo=$out/dns_server.port
rm -f "$fifo"
$out/dns_ours serve >"$fifo" &
spid=$!
i=0
while [ ! -s "$fifo" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
port=$(head -n1 "$fifo")
[ -n "$port" ] || { echo "dns bench: server did not start"; kill $spid 2>/dev/null; exit 1; }
stop_server() {
  printf '\0\1\1\0\0\1\0\0\0\0\0\0\4quit\5bench\0\0\1\0\1' >"$out/quit.bin"
  if command -v python3 >/dev/null 2>&1; then
    python3 -c "import socket,sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(open(sys.argv[1],'rb').read(), ('127.0.0.1', int(sys.argv[2])))" "$out/quit.bin" "$port"
  fi
  kill $spid 2>/dev/null
  wait $spid 2>/dev/null
}
trap stop_server EXIT

echo "== evdns: $N lookups, $K in flight, against a local UDP server (best of 3)"
printf '%-34s %12s %12s %7s\n' "case" "ours q/s" "debian q/s" "ratio"
best() { # lib -> best usec of 3
  b=""
  for i in 1 2 3; do
    v=$($out/dns_$1 resolve "$port" "$N" $K | awk '{print $1}')
    if [ -z "$b" ] || awk -v a="$v" -v c="$b" 'BEGIN{exit !(a<c)}'; then b=$v; fi
  done
  echo "$b"
}
uo=$(best ours); ud=$(best debian)
qo=$(awk -v u="$uo" -v n="$N" 'BEGIN{printf "%.0f", n*1e6/u}')
qd=$(awk -v u="$ud" -v n="$N" 'BEGIN{printf "%.0f", n*1e6/u}')
printf '%-34s %12s %12s %7s\n' "resolve A, $K in flight" "$qo" "$qd" "$(ratio "$ud" "$uo")"
echo "   (wall time ratio ours/debian: $(ratio "$uo" "$ud"))"

if command -v valgrind >/dev/null 2>&1; then
  echo "== evdns: instructions in the library per query (callgrind, $N lookups)"
  for lib in ours debian; do
    valgrind --tool=callgrind --callgrind-out-file=$out/cg_dns_$lib.out $out/dns_$lib resolve "$port" "$N" $K >/dev/null 2>&1
    ir=$(callgrind_annotate --inclusive=no $out/cg_dns_$lib.out 2>/dev/null | awk '/libevent/ {gsub(",","",$1); s+=$1} END {print s+0}')
    per=$(awk -v a="$ir" -v n="$N" 'BEGIN{printf "%.0f", a/n}')
    eval "ir_$lib=$per"
    printf '  %-7s %8s Ir per query\n' "$lib" "$per"
  done
  printf '  ratio ours/debian: %s\n' "$(ratio "$ir_ours" "$ir_debian")"
fi

echo "== evdns: heap bytes per outstanding request (bench_dns_memory: 20,000 lookups to a silent server)"
cc -O2 -Ibuild/include bench/bench_dns_memory.c -o $out/dnsmem_ours -Lbuild/lib -Wl,-rpath,"$top/build/lib" -levent || exit 1
cc -O2 bench/bench_dns_memory.c -o $out/dnsmem_debian -levent || exit 1
mo=$($out/dnsmem_ours 20000); md=$($out/dnsmem_debian 20000)
for k in inflight waiting; do
  o=$(echo "$mo" | sed -n "s/.*$k=\([0-9-]*\).*/\1/p"); d=$(echo "$md" | sed -n "s/.*$k=\([0-9-]*\).*/\1/p")
  printf '  %-9s Debian %5s B   ours %5s B (%s)\n' "$k" "$d" "$o" "$(ratio "$o" "$d")"
done
