#!/bin/sh
# Every function our headers declare, for the areas we have implemented, is exported by
# build/lib/libevent-2.1.so.7; for the rest, print coverage. The declared list comes from our
# own headers (gcc -aux-info), not from any outside list.
# Areas listed in COMPLETE must be fully exported; add a header here when its issue lands.
COMPLETE="event.h event_compat.h thread.h util.h buffer.h buffer_compat.h listener.h bufferevent.h bufferevent_compat.h bufferevent_ssl.h tag.h http.h http_compat.h rpc.h rpc_compat.h dns.h dns_compat.h"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIB="$ROOT/build/lib/libevent-2.1.so.7"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
[ -f "$LIB" ] || { echo "no $LIB (run make)"; exit 1; }
printf '#include <event.h>\n#include <evhttp.h>\n#include <evdns.h>\n#include <evrpc.h>\n#include <event2/bufferevent_ssl.h>\n#include <event2/thread.h>\n#include <event2/listener.h>\n' > "$T/all.c"
cc -I"$ROOT" -I"$ROOT/include" -aux-info "$T/aux" -c "$T/all.c" -o "$T/all.o" || exit 1
# lines look like: /* /path/event2/event.h:123:NC */ extern int event_add (...);
python3 - "$T/aux" "$ROOT/event2/" > "$T/declared" <<'PY'
import re, sys
aux, prefix = sys.argv[1], sys.argv[2]
seen = set()
for line in open(aux):
    m = re.match(r'/\* (\S+):\d+:\S+ \*/ (.*)$', line)
    if not m or not m.group(1).startswith(prefix):
        continue
    header = m.group(1)[len(prefix):]
    for f in re.finditer(r'([A-Za-z_]\w*)\s*\(', m.group(2)):
        rest = m.group(2)[f.end():].lstrip()
        if rest.startswith('*'):
            continue      # "(*name" of a function-pointer return type
        seen.add((header, f.group(1)))
        break
for h, n in sorted(seen):
    print(h, n)
PY
nm -D --defined-only "$LIB" | awk '{print $3}' | sort -u > "$T/exported"
fail=0
for h in $(awk '{print $1}' "$T/declared" | sort -u); do
  total=$(awk -v h="$h" '$1==h' "$T/declared" | wc -l)
  missing=$(awk -v h="$h" '$1==h {print $2}' "$T/declared" | sort | comm -23 - "$T/exported")
  nmiss=$(printf '%s' "$missing" | grep -c . )
  case " $COMPLETE " in
    *" $h "*)
      if [ "$nmiss" -ne 0 ]; then
        echo "FAIL $h: $nmiss of $total declared functions not exported:"; echo "$missing" | sed 's/^/    /'; fail=1
      else
        echo "ok   $h: all $total exported"
      fi;;
    *) echo "info $h: $((total - nmiss))/$total exported";;
  esac
done
exit $fail
