#!/bin/sh
# examples/rpc: build and run the phone book example the way a user of the installed library
# would. `make install` into a temporary prefix; that prefix's event_rpcgen compiles
# phonebook.rpc; server.c and client.c are built with its pkg-config flags; the server runs on
# 127.0.0.1 (any free port) and the client talks to it. Bounded: the server stops on the
# client's Quit or after 60 s, everything is killed after 60 s. Exit status nonzero on any
# failure. (make demo runs it; tests-c/probe/check_rpcgen.sh too.)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
EX="$ROOT/examples/rpc"
T=$(mktemp -d)
SPID=""
cleanup() { [ -n "$SPID" ] && kill "$SPID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "  FAILED: $*"; exit 1; }

P="$T/prefix"
${MAKE:-make} -s -C "$ROOT" install PREFIX="$P" >"$T/install.log" 2>&1 || { sed -n '1,20p' "$T/install.log"; fail "make install PREFIX=$P"; }
echo "  installed: $P (make install PREFIX=...)"
mkdir -p "$T/src" && cp "$EX/phonebook.rpc" "$EX/server.c" "$EX/client.c" "$T/src/"
cd "$T/src" || fail "cd"
"$P/bin/event_rpcgen" phonebook.rpc >"$T/gen.log" 2>&1 || { cat "$T/gen.log"; fail "event_rpcgen phonebook.rpc"; }
echo "  generated: phonebook.gen.h, phonebook.gen.c ($P/bin/event_rpcgen phonebook.rpc)"
flags=$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags --libs libevent) || fail "pkg-config libevent"
for prog in server client; do
  ${CC:-cc} -Wall -Wextra -Werror $prog.c phonebook.gen.c $flags -Wl,-rpath,"$P/lib" -o $prog 2>"$T/cc.log" ||
    { sed -n '1,20p' "$T/cc.log"; fail "cc $prog.c phonebook.gen.c $flags"; }
done
echo "  built:     server, client (cc -Wall -Wextra -Werror ... $flags)"
ldd ./server | grep -q "libevent-2.1.so.7 => $P/lib/" || fail "server does not load $P/lib/libevent-2.1.so.7"

timeout 60 ./server >"$T/server.out" 2>&1 &
SPID=$!
i=0
while ! grep -q '^listening on' "$T/server.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/server.out")
[ -n "$port" ] || { cat "$T/server.out"; fail "server did not start"; }
timeout 60 ./client "$port" >"$T/client.out" 2>&1; cst=$?
wait "$SPID"; sst=$?; SPID=""
sed 's/^/  /' "$T/server.out" "$T/client.out"
[ $cst -eq 0 ] || fail "client exit status $cst"
[ $sst -eq 0 ] || fail "server exit status $sst"
grep -q '^server: quit' "$T/server.out" || fail "server did not get Quit"
echo "OK"
