#!/bin/sh
# evhttp: libevent 2.1.12's test/bench_http.c (from the fetched sources, LIBEVENT_OUT as in
# run.sh) served by Debian's libevent and by ours (the same binary, our library swapped in).
#   syscalls per request     strace -c -f on the server, 5,000 sequential keep-alive requests
#   instructions per request callgrind on the server: (2,200-request run - 200-request run)/2,000
#   requests/s               wrk, 3 s, keep-alive and Connection: close, 1 and 64 connections,
#                            1-byte and 4 KB bodies (noisy: the client shares the 2 cores)
# Ratios are ours/Debian (below 1 is better for counts, above 1 for requests/s).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
mkdir -p "$out"
lo=${LIBEVENT_OUT:-$top/build/conformance}
ours_lib="$top/build/lib"
[ -f "$lo/src/test/bench_http.c" ] || { echo "http bench: no libevent sources in $lo (run make bench or make conformance)"; exit 1; }
cc -O2 -I"$lo/build" -I"$lo/build/include" -I"$lo/src" -I"$lo/src/include" -I"$lo/src/compat" \
  "$lo/src/test/bench_http.c" -o "$out/bench_http" -levent || exit 1
command -v wrk >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1 ||
  { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null 2>&1; }; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
port=$((20000 + $$ % 20000))

# A sequential keep-alive client: n requests, each answer read in full before the next.
client() { # port n
  python3 - "$1" "$2" <<'EOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port))
req = b"GET /ind HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
for _ in range(n):
    s.sendall(req)
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            raise SystemExit("server closed")
        buf += d
        h = buf.find(b"\r\n\r\n")
        if h >= 0:
            cl = 0
            for line in buf[:h].split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    cl = int(line.split(b":")[1])
            if len(buf) >= h + 4 + cl:
                break
s.close()
EOF
}
wait_port() {
  i=0
  while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1)).close()" 2>/dev/null; do
    i=$((i+1)); [ $i -gt 100 ] && return 1; sleep 0.1
  done
}
serve() { # lib wrapper... : starts bench_http on $port with the library, in the background
  lib=$1; shift
  if [ "$lib" = ours ]; then LD_LIBRARY_PATH="$ours_lib" "$@" "$out/bench_http" -p $port -l "${BODY:-1}" >/dev/null 2>&1 &
  else "$@" "$out/bench_http" -p $port -l "${BODY:-1}" >/dev/null 2>&1 & fi
  spid=$!
  wait_port $port
}
stop() { kill -INT $spid 2>/dev/null; wait $spid 2>/dev/null; port=$((port + 1)); }

echo "== evhttp: libevent's bench_http, a sequential keep-alive client (ratios ours/Debian)"
for lib in debian ours; do
  serve $lib strace -f -c -o "$out/strace_http_$lib.txt" timeout 60
  client $port 5000
  stop
  eval "sc_$lib=\$(awk '\$NF==\"total\" {printf \"%.2f\", \$4/5000}' $out/strace_http_$lib.txt)"
  detail=$(awk '$1 ~ /^[0-9.]+$/ && NF>=5 && $4 >= 2500 {printf "%s %.1f, ", $NF, $4/5000}' "$out/strace_http_$lib.txt")
  printf '  %-7s %s syscalls per request (%s)\n' "$lib" "$(eval echo \$sc_$lib)" "${detail%, }"
done
printf '  ratio: %s\n' "$(ratio "$sc_ours" "$sc_debian")"
if command -v valgrind >/dev/null 2>&1; then
  for lib in debian ours; do
    for n in 200 2200; do
      serve $lib timeout 120 valgrind --tool=callgrind --callgrind-out-file="$out/cg_http_$lib.$n"
      client $port $n
      stop
    done
    a=$(callgrind_annotate "$out/cg_http_$lib.200" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
    b=$(callgrind_annotate "$out/cg_http_$lib.2200" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
    eval "ir_$lib=$(( (b - a) / 2000 ))"
  done
  printf '  instructions per request (callgrind, whole server): Debian %s, ours %s (%s)\n' "$ir_debian" "$ir_ours" "$(ratio "$ir_ours" "$ir_debian")"
fi
if command -v wrk >/dev/null 2>&1; then
  echo "== evhttp requests/s (wrk -d3s; noisy, the client shares the machine)"
  printf '  %-40s %10s %10s %7s\n' "case" "Debian" "ours" "ratio"
  for cfg in "keep-alive 1 conn, 1 B body:1:1:" "keep-alive 64 conns, 1 B body:64:1:" "keep-alive 64 conns, 4 KB body:64:4096:" \
      "no keep-alive (close), 64 conns, 1 B:64:1:close"; do
    label=${cfg%%:*}; rest=${cfg#*:}; c=${rest%%:*}; rest=${rest#*:}; body=${rest%%:*}; close=${rest#*:}
    for lib in debian ours; do
      BODY=$body serve $lib timeout 30
      if [ -n "$close" ]; then h="-H Connection:close"; else h=""; fi
      r=$(wrk -t1 -c"$c" -d3s $h "http://127.0.0.1:$port/ind" 2>/dev/null | awk '/Requests\/sec/ {print int($2)}')
      stop
      eval "rps_$lib=\${r:-0}"
    done
    printf '  %-40s %10s %10s %7s\n' "$label" "$rps_debian" "$rps_ours" "$(ratio "$rps_ours" "$rps_debian")"
  done
fi
