#!/bin/sh
# Coverage-guided fuzzing on a stable toolchain: the same SanitizerCoverage instrumentation
# cargo-fuzz asks rustc for, plus overflow checks and debug assertions. `--target` keeps the
# flags off build scripts.
#   sh fuzz/run.sh [seconds] [target]    (default 60 s, evbuffer_model; crashes in fuzz/artifacts/)
# Targets: evbuffer_model (its corpus is kept in fuzz/corpus/evbuffer_model), dns_wire,
# dns_server_query, evtag_unmarshal, evtag_differential (evtag calls on ours and on Debian's
# libevent, dlopen'ed, answers compared; seeded from corpus/evtag_unmarshal) and
# rpcgen_unmarshal (the generated C of tests-c/rpc/gen/shop.rpc, compiled in by build.rs)
# (committed seeds in fuzz/corpus/<target>, read only; what the fuzzer finds goes to
# fuzz/work/<target>).
set -eu
cd "$(dirname "$0")"
T=x86_64-unknown-linux-gnu
secs=${1:-60}
target=${2:-evbuffer_model}
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --release --quiet --target $T --target-dir target/cov
mkdir -p artifacts
case $target in
  evbuffer_model) mkdir -p corpus/$target; set -- corpus/$target; max_len=4096;;
  # the same input format as evtag_unmarshal: its seeds, and what check_tag_corpus.sh replays
  evtag_differential) mkdir -p work/$target; set -- work/$target corpus/evtag_unmarshal; max_len=1500;;
  *) mkdir -p work/$target; set -- work/$target corpus/$target; max_len=1500;;
esac
exec ./target/cov/$T/release/$target -max_total_time="$secs" -max_len=$max_len \
  -artifact_prefix=artifacts/ "$@"
