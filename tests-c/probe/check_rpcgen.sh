#!/bin/sh
# Our schema compiler, rpcgen/event_rpcgen.py:
#  1. The generated files committed under tests-c/rpc/gen/ are exactly what it writes from their
#     schemas today (the C cases include them, so they never drift from the generator).
#  2. Its output compiles cleanly (-Wall -Wextra -Werror, C99 and C11, and as C++ for the
#     header) against our headers and Debian's.
#  3. The command line: default output names next to the schema, --quiet, explicit outputs.
#  4. Malformed schemas are refused (exit 1, nothing written) with file:line and the reason.
#  5. When libevent's test suite has been built (make conformance; OUT as for
#     tests-conformance/run.py, default build/conformance): its rpc tests, compiled against
#     our generator's output for their schema (regress.rpc) instead of libevent's generator's,
#     pass on libevent's library and on ours.
#  6. Wire compatibility with libevent's own generator (when its sources were fetched, as 5).
#  7. The generated unmarshal code's fuzz corpus replayed under AddressSanitizer, and (with
#     libevent's sources) compared with libevent's generated code input by input.
#  8. examples/rpc built with the installed generator and run (examples/rpc/run.sh).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GEN="$ROOT/rpcgen/event_rpcgen.py"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# 1. committed output is current
for rpc in "$ROOT"/tests-c/rpc/gen/*.rpc; do
  b=$(basename "$rpc" .rpc)
  mkdir -p "$T/regen"; cp "$rpc" "$T/regen/"
  python3 "$GEN" --quiet "$T/regen/$b.rpc" || { bad "$b.rpc: generator failed"; continue; }
  for ext in gen.h gen.c; do
    diff -u "$ROOT/tests-c/rpc/gen/$b.$ext" "$T/regen/$b.$ext" >"$T/diff" ||
      { bad "tests-c/rpc/gen/$b.$ext differs from a fresh run (regenerate it):"; sed -n '1,20p' "$T/diff"; }
  done
  # 2. compiles cleanly, against ours and Debian's
  for inc in "-I$ROOT/build/include" ""; do
    for std in c99 c11; do
      ${CC:-cc} -std=$std -Wall -Wextra -Werror $inc -c "$T/regen/$b.gen.c" -o "$T/x.o" 2>"$T/cc.log" ||
        { bad "$b.gen.c does not compile (-std=$std ${inc:-debian})"; sed -n '1,10p' "$T/cc.log"; }
    done
    printf '#include "%s"\nint main() { return 0; }\n' "$T/regen/$b.gen.h" > "$T/x.cc"
    if command -v ${CXX:-c++} >/dev/null 2>&1; then
      ${CXX:-c++} -Wall -Wextra -Werror $inc -c "$T/x.cc" -o "$T/x.o" 2>"$T/cxx.log" ||
        { bad "$b.gen.h does not compile as C++ (${inc:-debian})"; sed -n '1,10p' "$T/cxx.log"; }
    fi
  done
done

# 3. command line
mkdir -p "$T/cli"
cat > "$T/cli/tiny.rpc" <<'EOF'
struct tiny { int n = 1; }
EOF
out=$(cd "$T/cli" && python3 "$GEN" tiny.rpc) || bad "tiny.rpc refused"
[ -f "$T/cli/tiny.gen.h" ] && [ -f "$T/cli/tiny.gen.c" ] || bad "default outputs tiny.gen.h/.gen.c not written"
[ -n "$out" ] || bad "without --quiet it says what it wrote"
out=$(cd "$T/cli" && python3 "$GEN" --quiet tiny.rpc "$T/cli/a.h" "$T/cli/a.c")
[ -z "$out" ] || bad "--quiet printed: $out"
[ -f "$T/cli/a.h" ] && [ -f "$T/cli/a.c" ] || bad "explicit outputs not written"
grep -q '#include "a.h"' "$T/cli/a.c" || bad "a.c does not include its header a.h"
python3 "$GEN" --help >/dev/null || bad "--help"
python3 "$GEN" "$T/cli/missing.rpc" 2>/dev/null && bad "a missing schema was accepted"

# 4. malformed schemas: exit 1, the line, the reason, nothing written
refuse() { # name expected-message schema-text
  printf '%s\n' "$3" > "$T/$1.rpc"
  if python3 "$GEN" --quiet "$T/$1.rpc" 2>"$T/$1.err"; then
    bad "$1: accepted"
  elif ! grep -qF "$2" "$T/$1.err"; then
    bad "$1: said '$(cat "$T/$1.err")', expected '$2'"
  fi
  [ -e "$T/$1.gen.h" ] || [ -e "$T/$1.gen.c" ] && bad "$1: wrote output anyway"
}
refuse unknown_type "unknown_type.rpc:3: unknown type 'float'" 'struct a {
  int x = 1;
  float y = 2;
}'
refuse dup_tag "dup_tag.rpc:2: tag 1 of y already used by x" 'struct a { int x = 1;
  int y = 1; }'
refuse dup_member "dup_member.rpc:3: member x repeated in struct a" 'struct a {
  int x = 1;
  string x = 2; }'
refuse no_struct "no_struct.rpc:2: struct b used by x is not defined" '
struct a { optional struct[b] x = 1; }'
refuse missing_semicolon "missing_semicolon.rpc:3: expected ';', found 'int'" 'struct a {
  int x = 1
  int y = 2; }'
refuse big_tag "big_tag.rpc:1: tag 2147483648 of x out of range" 'struct a { int x = 0x80000000; }'
refuse fixed_int "fixed_int.rpc:1: only bytes members may have a fixed length" 'struct a { int x[4] = 1; }'
refuse open_comment "open_comment.rpc:2: comment not closed" 'struct a { int x = 1; }
/* never closed'
refuse unterminated "unterminated.rpc:2: unexpected end of file" 'struct a {
  int x = 1;'
refuse twice "twice.rpc:2: struct a defined twice" 'struct a { int x = 1; }
struct a { int y = 1; }'
refuse bad_char "bad_char.rpc:1: unexpected character '@'" 'struct a { int x = @; }'
refuse empty "empty.rpc:1: no struct defined" '/* nothing */'

# 5. libevent's own rpc tests over our generated code
C=${OUT:-$ROOT/build/conformance}
if [ -f "$C/build/test/regress-regress_main.o" ] && [ -f "$C/src/test/regress_rpc.c" ]; then
  mkdir -p "$T/lib"; cp "$C/src/test/regress.rpc" "$T/lib/"
  python3 "$GEN" --quiet "$T/lib/regress.rpc" || bad "regress.rpc refused"
  objs=$(ls "$C"/build/test/regress-*.o | grep -v 'regress\.gen\.o\|regress_rpc\.o')
  if ${CC:-cc} -c -DHAVE_CONFIG_H -I"$T/lib" -I"$C/build" -I"$C/build/include" -I"$C/src/include" -I"$C/src" \
       -I"$C/src/compat" -I"$C/src/test" "$C/src/test/regress_rpc.c" -o "$T/lib/rpc.o" 2>"$T/lib/cc.log" &&
     ${CC:-cc} -c -Wall -Wextra -Werror -I"$C/build/include" -I"$C/src/include" "$T/lib/regress.gen.c" -o "$T/lib/gen.o" \
       2>>"$T/lib/cc.log" &&
     ${CC:-cc} -o "$T/lib/regress" $objs "$T/lib/rpc.o" "$T/lib/gen.o" -L"$C/build/.libs" -levent -levent_pthreads \
       -levent_openssl -lssl -lcrypto -lz -lpthread 2>>"$T/lib/cc.log"; then
    for lib in "$C/build/.libs" "$ROOT/build/lib"; do
      LD_LIBRARY_PATH=$lib ldd "$T/lib/regress" | grep -q "libevent-2.1.so.7 => $lib/" || bad "regress does not load $lib"
      for t in basic_test basic_message basic_client basic_queued_client basic_client_with_pause invalid_type \
               client_timeout test; do
        (cd "$C" && LD_LIBRARY_PATH=$lib timeout 60 "$T/lib/regress" "rpc/$t" >"$T/lib/run.log" 2>&1) ||
          { bad "libevent's rpc/$t over our generated code, on $lib"; sed -n '1,10p' "$T/lib/run.log"; }
      done
    done
    echo "libevent's rpc tests over our generated regress.gen.c/.h: run on libevent's library and ours"
  else
    bad "libevent's rpc test does not build against our generated code"; sed -n '1,20p' "$T/lib/cc.log"
  fi
else
  echo "(libevent's rpc tests over our generated code: skipped, no conformance build in $C)"
fi

# 6. wire compatibility with libevent 2.1.12's own generator (fetched with libevent's sources
#    by tests-conformance/fetch.sh, never kept in the repository): shop.rpc compiled by each,
#    tests-c/rpc/gen/interop.c built over each output, and a server of one build answering a
#    client of the other on 127.0.0.1 (both ways, on our library and on Debian's).
THEIRS="$C/src/event_rpcgen.py"
if [ -f "$THEIRS" ]; then
  ok=1
  for g in ours theirs; do
    mkdir -p "$T/x_$g"; cp "$ROOT/tests-c/rpc/gen/shop.rpc" "$T/x_$g/"
    [ $g = ours ] && gen="$GEN" || gen="$THEIRS"
    (cd "$T/x_$g" && python3 "$gen" --quiet shop.rpc >"$T/x_$g/gen.log" 2>&1) ||
      { bad "$g generator refused shop.rpc"; sed -n '1,10p' "$T/x_$g/gen.log"; ok=0; continue; }
    ${CC:-cc} -Wall -I"$T/x_$g" -I"$ROOT/build/include" "$ROOT/tests-c/rpc/gen/interop.c" "$T/x_$g/shop.gen.c" \
      -o "$T/interop_$g" -L"$ROOT/build/lib" -levent 2>"$T/x_$g/cc.log" ||
      { bad "interop.c over $g generated code does not build"; sed -n '1,10p' "$T/x_$g/cc.log"; ok=0; }
  done
  pair() { # server-build client-build library-dir-or-empty
    rm -f "$T/port"
    LD_LIBRARY_PATH=$3 timeout 30 "$T/interop_$1" server >"$T/port" 2>"$T/server.log" &
    spid=$!
    i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    LD_LIBRARY_PATH=$3 timeout 30 "$T/interop_$2" client "$(cat "$T/port")" >"$T/client.log" 2>&1; cst=$?
    wait $spid; sst=$?
    [ $cst -eq 0 ] && [ $sst -eq 0 ] ||
      { bad "server built from $1 output, client from $2 (${3:-debian}): server $sst, client $cst";
        sed -n '1,5p' "$T/server.log" "$T/client.log"; ok=0; }
  }
  if [ $ok = 1 ]; then
    for lib in "$ROOT/build/lib" ""; do
      pair ours theirs "$lib"; pair theirs ours "$lib"; pair ours ours "$lib"
    done
    [ $ok = 1 ] && echo "wire compatible with libevent's event_rpcgen.py: servers and clients from either generator, every type, both libraries"
  fi
else
  echo "(wire compatibility with libevent's event_rpcgen.py: skipped, libevent's sources not fetched; run sh tests-conformance/fetch.sh or set OUT)"
fi

# 7. the fuzz corpus of the generated unmarshal code (fuzz/corpus/rpcgen_unmarshal, target
#    rpcgen_unmarshal) through its harness tests-c/rpc/gen/fuzz_shop.c, built over today's
#    shop.gen.c under AddressSanitizer and UBSan, on our library and on Debian's.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
printf 'int main(void) { return 0; }\n' > "$T/san.c"
${CC:-cc} $SAN "$T/san.c" -o "$T/san" 2>/dev/null || { SAN=""; echo "(no AddressSanitizer here: corpus replayed without it)"; }
for lib in ours debian; do
  if [ $lib = ours ]; then flags="-I$ROOT/build/include -L$ROOT/build/lib"; run="env LD_LIBRARY_PATH=$ROOT/build/lib"; else flags=""; run="env"; fi
  if ${CC:-cc} -g $SAN -DSHOP_FUZZ_MAIN -I"$T/regen" $flags "$ROOT/tests-c/rpc/gen/fuzz_shop.c" "$T/regen/shop.gen.c" \
       -levent -o "$T/fuzz_shop_$lib" 2>"$T/fz.log"; then
    $run ASAN_OPTIONS=detect_leaks=1 timeout 120 "$T/fuzz_shop_$lib" "$ROOT"/fuzz/corpus/rpcgen_unmarshal/* >"$T/fz.out" 2>&1 ||
      { bad "fuzz/corpus/rpcgen_unmarshal through the generated code ($lib library)"; sed -n '1,20p' "$T/fz.out"; }
    [ $lib = ours ] && sed 's/$/ (ASan, both libraries)/' "$T/fz.out"
  else
    bad "fuzz_shop.c does not build ($lib)"; sed -n '1,10p' "$T/fz.log"
  fi
done

# 7b. differential: the same corpus through the harness built over libevent's generator's
#     output (step 6) must be accepted or refused input by input as over ours, and what is
#     accepted must marshal to the same bytes. (Leak checks off there: libevent's generated
#     code leaks the array element it was reading when a nested struct fails to unmarshal.)
if [ -f "$T/x_theirs/shop.gen.c" ] && [ -x "$T/fuzz_shop_ours" ]; then
  if ${CC:-cc} -w -g $SAN -DSHOP_FUZZ_MAIN -I"$T/x_theirs" -I"$ROOT/build/include" -L"$ROOT/build/lib" \
       "$ROOT/tests-c/rpc/gen/fuzz_shop.c" "$T/x_theirs/shop.gen.c" -levent -o "$T/fuzz_shop_theirs" 2>"$T/fz.log"; then
    for g in ours theirs; do
      SHOP_FUZZ_PRINT=1 ASAN_OPTIONS=detect_leaks=0 LD_LIBRARY_PATH="$ROOT/build/lib" timeout 120 \
        "$T/fuzz_shop_$g" "$ROOT"/fuzz/corpus/rpcgen_unmarshal/* >"$T/verdicts.$g" 2>&1
    done
    if diff "$T/verdicts.ours" "$T/verdicts.theirs" >"$T/verdicts.diff"; then
      echo "generated unmarshal code, ours vs libevent's generator's: the same verdict and bytes on all $(grep -c . "$T/verdicts.ours") lines"
    else
      bad "our generated unmarshal code and libevent's generator's disagree (input verdict hash):"; sed -n '1,10p' "$T/verdicts.diff"
    fi
  else
    bad "fuzz_shop.c does not build over libevent's generator's output"; sed -n '1,10p' "$T/fz.log"
  fi
fi

# 8. examples/rpc (what make demo runs): installed into a temporary prefix, built with the
#    installed event_rpcgen and pkg-config, server and client on 127.0.0.1.
if [ -f "$ROOT/build/lib/libevent-2.1.so.7" ]; then
  MAKEFLAGS= sh "$ROOT/examples/rpc/run.sh" >"$T/example.log" 2>&1 &&
    echo "examples/rpc: built with the installed event_rpcgen, server and client ran" ||
    { bad "examples/rpc/run.sh"; sed -n '1,30p' "$T/example.log"; }
fi

[ $fail -eq 0 ] && echo "rpcgen: generated files current, clean C/C++, command line and malformed schemas ok"
exit $fail
