#!/usr/bin/env python3
"""Header availability matrix.

For every public header, compile a file that includes only that header and
references every item of items.txt (functions, constants, macros, typedefs,
struct/enum tags).  Print, per header, which items are usable.  Run it once
with our include dirs and once with the system ones and diff the outputs.

usage: avail_probe.py items.txt [-I dir ...]
"""
import os, re, subprocess, sys, tempfile

HEADERS = """event2/event.h event2/event_struct.h event2/event_compat.h event2/util.h
event2/thread.h event2/visibility.h event2/event-config.h event2/keyvalq_struct.h
event2/buffer.h event2/buffer_compat.h event2/bufferevent.h event2/bufferevent_struct.h
event2/bufferevent_compat.h event2/bufferevent_ssl.h event2/listener.h event2/tag.h
event2/tag_compat.h event2/http.h event2/http_struct.h event2/http_compat.h event2/dns.h
event2/dns_struct.h event2/dns_compat.h event2/rpc.h event2/rpc_struct.h event2/rpc_compat.h
event.h evutil.h evhttp.h evdns.h evrpc.h""".split()


def use(kind, name):
    # one statement that only compiles if `name` is visible in the right role
    if kind == "func":
        return "(void)&%s;" % name
    if kind == "value":            # macro or enumerator usable as a value
        return "(void)(%s);" % name
    if kind == "macro":            # function-like or other macro: must be #defined
        return "\n#ifndef %s\n#error missing\n#endif\n" % name
    if kind == "type":             # typedef or macro standing for a type
        return "{ %s *p_ = 0; (void)p_; }" % name
    if kind == "complete":         # complete struct/enum type
        return "(void)sizeof(%s);" % name
    if kind == "tag":              # declared (possibly incomplete) tag
        return "{ %s *p_ = 0; (void)p_; }" % name
    raise SystemExit("bad kind " + kind)


def main():
    items = []
    for line in open(sys.argv[1]):
        line = line.strip()
        if line and not line.startswith("#"):
            kind, name = line.split(None, 1)
            items.append((kind, name))
    incs = sys.argv[2:]
    cc = os.environ.get("CC", "cc")
    for h in HEADERS:
        src = ["#include <%s>" % h]
        lines = {}
        for i, (kind, name) in enumerate(items):
            start = len(src) + 1
            src.append("void probe_%d(void) {" % i)
            src.extend(use(kind, name).split("\n"))
            src.append("}")
            for ln in range(start, len(src) + 1):
                lines[ln] = i
        with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
            f.write("\n".join(src) + "\n")
            path = f.name
        r = subprocess.run([cc, "-fsyntax-only", "-w", "-fmax-errors=0",
                            "-Werror=implicit-function-declaration"] + incs + [path],
                           capture_output=True, text=True)
        os.unlink(path)
        bad = set()
        for m in re.finditer(r"^%s:(\d+):\d+: error" % re.escape(path), r.stderr, re.M):
            ln = int(m.group(1))
            if ln in lines:
                bad.add(lines[ln])
            elif ln == 1:
                bad = set(range(len(items)))   # header itself does not compile
        ok = [items[i] for i in range(len(items)) if i not in bad]
        print("== %s (%d/%d usable)" % (h, len(ok), len(items)))
        for kind, name in ok:
            print("  %s %s" % (kind, name))


if __name__ == "__main__":
    main()
