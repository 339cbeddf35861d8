#!/bin/sh
# Header ABI/API checks: our headers (ROOT/event2, ROOT/include) against the
# reference libevent 2.1.12 headers installed in /usr/include (Debian's
# libevent-dev).  Uses only files in this directory (the generated probes
# are committed; gen_probe.py is only needed to regenerate them).
#
# usage: tests-c/probe/run_checks.sh        exit status 0 = all good
#
# Comparisons with the reference are skipped when it is not installed.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OURS="-I$ROOT -I$ROOT/include"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
CC=${CC:-cc}
CXX=${CXX:-g++}
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok:   $*"; }

have_ref=0
[ -f /usr/include/event2/event.h ] && have_ref=1
[ $have_ref = 1 ] || echo "note: reference headers not installed; comparisons skipped"

# 1. Layout / constant / macro probe, in several language modes and with
#    <stdio.h> included first (include-order dependent EAI values).
for cfg in "" "-std=c99" "-std=c11" "-std=gnu89" "-DPROBE_SYSFIRST" \
    "-DPROBE_SYSFIRST -std=c99" "-DPROBE_SYSFIRST -std=gnu99"; do
	if ! $CC $cfg -w $OURS "$HERE/layout_probe.c" -o "$T/ours" 2>"$T/err"; then
		bad "layout_probe [$cfg] does not compile with our headers"
		head -5 "$T/err"; continue
	fi
	"$T/ours" > "$T/ours.out"
	[ $have_ref = 1 ] || { ok "layout_probe [$cfg] builds"; continue; }
	$CC $cfg -w "$HERE/layout_probe.c" -o "$T/theirs" && "$T/theirs" > "$T/theirs.out"
	if diff "$T/theirs.out" "$T/ours.out" > "$T/diff"; then
		ok "layout_probe [$cfg]: $(wc -l < "$T/ours.out") lines identical"
	else
		bad "layout_probe [$cfg] differs:"; head -20 "$T/diff"
	fi
done

# 2. Every public function declared, with the reference prototype.
for cc in "$CC" "$CC -std=c99" "$CXX -x c++"; do
	if $cc -c -Wall -Wextra -Werror $OURS "$HERE/decl_probe.c" -o "$T/d.o" 2>"$T/err"; then
		ok "decl_probe [$cc] ours"
	else
		bad "decl_probe [$cc] ours"; head -10 "$T/err"
	fi
done
if [ $have_ref = 1 ]; then
	$CC -c -Wall -Wextra -Werror "$HERE/decl_probe.c" -o "$T/d.o" &&
	    ok "decl_probe [$CC] reference" || bad "decl_probe [$CC] reference"
	# (As C++ the reference fails: its buffer_compat.h and
	# bufferevent_compat.h lack extern "C".  Not checked.)
fi

# 3. All headers together, both orders, C and C++, warning-free.
for cc in "$CC -std=c99" "$CC -std=gnu11" "$CC -std=c11" "$CC -std=gnu89" \
    "$CXX -x c++" "$CXX -x c++ -std=c++98" "$CXX -x c++ -std=c++11" \
    "$CC -std=c99 -pedantic" "$CC -std=gnu11 -pedantic"; do
	for order in "" "-DREVERSE_ORDER"; do
		if $cc $order -Wall -Wextra -Werror $OURS -c "$HERE/all_headers.c" \
		    -o /dev/null 2>"$T/err"; then
			ok "all_headers [$cc $order]"
		else
			bad "all_headers [$cc $order]"; head -10 "$T/err"
		fi
	done
done

# 4. Macro users and direct struct access; <sys/queue.h> in various places.
for cc in "$CC" "$CC -std=c99" "$CC -std=gnu11" "$CXX -x c++" "$CXX -x c++ -std=c++98"; do
	for q in 0 1 2 3; do
		if $cc -DQUEUE_POS=$q -Wall -Wextra -Werror $OURS -c \
		    "$HERE/macro_users.c" -o /dev/null 2>"$T/err"; then
			ok "macro_users [$cc QUEUE_POS=$q]"
		else
			bad "macro_users [$cc QUEUE_POS=$q]"; head -10 "$T/err"
		fi
		# the reference cannot do QUEUE_POS=2 (its list macros get
		# #undef'd under the program's feet); compare the others
		if [ $have_ref = 1 ] && [ $q != 2 ]; then
			$cc -DQUEUE_POS=$q -Wall -Wextra -Werror -c \
			    "$HERE/macro_users.c" -o /dev/null 2>/dev/null ||
			    bad "macro_users [$cc QUEUE_POS=$q] reference"
		fi
	done
done

# 5. Opaque types stay incomplete.
for s in $(sed -n 's/^tag struct //p' "$HERE/items.txt"); do
	printf '#include "%s"\nint x_ = sizeof(struct %s);\n' "$HERE/all_headers.c" "$s" > "$T/op.c"
	if $CC -c $OURS "$T/op.c" -o /dev/null 2>/dev/null; then
		bad "struct $s is not opaque"
	fi
done
ok "opaque types checked"

[ $have_ref = 1 ] || exit $fail

# 6. Per-header availability: ours must offer at least what each reference
#    header offers on its own.
python3 "$HERE/avail_probe.py" "$HERE/items.txt" > "$T/av_t" &&
python3 "$HERE/avail_probe.py" "$HERE/items.txt" $OURS > "$T/av_o" &&
python3 - "$T/av_t" "$T/av_o" <<'EOF' || fail=1
import sys
def load(p):
    d, cur = {}, None
    for l in open(p):
        if l.startswith("=="):
            cur = l.split()[1]; d[cur] = set()
        else:
            d[cur].add(l.strip())
    return d
t, o = load(sys.argv[1]), load(sys.argv[2])
rc = 0
for h in t:
    missing = t[h] - o[h]
    extra = o[h] - t[h]
    if missing:
        rc = 1
        print("FAIL: %s lacks %s" % (h, " ".join(sorted(missing))))
    elif extra:
        print("ok:   %s offers %d items the reference header alone does not "
              "(it is not self-contained there)" % (h, len(extra)))
if rc == 0:
    print("ok:   per-header availability matches or exceeds the reference (%d headers)" % len(t))
sys.exit(rc)
EOF

# 7. Full C types as recorded in debug info (struct members, typedefs,
#    function prototypes), as C and as C++.
if command -v gdb >/dev/null 2>&1; then
	for cc in "$CC" "$CXX -x c++"; do
		if CC="$cc" sh "$HERE/gdb_types.sh" > "$T/gdb" 2>&1; then
			ok "debug-info types [$cc]: $(head -1 "$T/gdb")"
		else
			bad "debug-info types [$cc]"; head -30 "$T/gdb"
		fi
	done
fi

# 8. Same set of macro names visible after including everything, apart from
#    the reference's leftover list-macro markers (EVENT_DEFINED_*) and the names our
#    headers add on purpose for extensions beyond 2.1.12 (libevent 2.2's, README "evdns"),
#    which the reference cannot have.
EXTENSION_MACROS="DNS_QUERY_USEVC DNS_QUERY_IGNTC"
for cfg in "" "-std=c99"; do
	$CC $cfg -dM -E $OURS "$HERE/all_headers.c" | awk '{print $2}' | sed 's/(.*//' | sort -u |
		grep -vxF -e X_NONE $(printf -- '-e %s ' $EXTENSION_MACROS) > "$T/m_o"
	$CC $cfg -dM -E "$HERE/all_headers.c" | awk '{print $2}' | sed 's/(.*//' | sort -u > "$T/m_t"
	d=$(comm -3 "$T/m_t" "$T/m_o" | grep -v 'EVENT_DEFINED_' | tr -d '\t' | tr '\n' ' ')
	[ -z "$d" ] && ok "macro names [$cfg] match" || bad "macro names [$cfg] differ: $d"
done

exit $fail
