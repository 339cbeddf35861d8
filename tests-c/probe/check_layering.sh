#!/bin/sh
# The layering rule, checked on the source: src/capi/ is the top floor.
#  1. Nothing outside src/capi/ names crate::capi (no `use crate::capi::…`, no `crate::capi::f()`).
#  2. No `extern "C" { … }` block outside src/capi/ declares a function this library exports
#     itself (reaching our own code through the dynamic linker instead of its Rust API).
#     Blocks that declare other libraries' functions (libssl, libc) are fine.
# The exported names come from the source itself: every `#[no_mangle]` function under src/capi/.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
python3 - <<'PY'
import os, re, sys

src = "src"
files = []
for d, _, names in os.walk(src):
    for n in names:
        if n.endswith(".rs"):
            files.append(os.path.join(d, n))
capi = [f for f in files if f.startswith("src/capi/")]
below = [f for f in files if not f.startswith("src/capi/")]

ours = set()
for f in capi:
    text = open(f).read()
    ours.update(re.findall(r'#\[no_mangle\]\s*(?:#\[[^\]]*\]\s*)*pub\s+(?:unsafe\s+)?extern\s+"C"\s+fn\s+(\w+)', text))
if len(ours) < 100:
    print(f"FAIL: found only {len(ours)} exported functions under src/capi (pattern broken?)")
    sys.exit(1)

def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)

bad = []
for f in sorted(below):
    raw = open(f).read()
    text = strip_comments(raw)
    for m in re.finditer(r'\bcrate::capi\b|\bsuper::(?:super::)*capi\b', text):
        line = text[:m.start()].count("\n") + 1
        bad.append(f"{f}:{line}: names crate::capi (capi is the top floor; call the layer's Rust API)")
    for m in re.finditer(r'extern\s+"C"\s*\{', text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[m.end():i]
        for fn in re.findall(r'\bfn\s+(\w+)', body):
            if fn in ours:
                line = text[:m.start()].count("\n") + 1
                bad.append(f"{f}:{line}: extern \"C\" block declares our own export {fn} (call its Rust API)")
for b in bad:
    print("FAIL:", b)
print(f"checked {len(below)} files below src/capi against {len(ours)} exported names: {len(bad)} violations")
sys.exit(1 if bad else 0)
PY
