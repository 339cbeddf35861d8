#!/bin/sh
# Coverage-guided fuzzing on a stable toolchain: the same SanitizerCoverage instrumentation
# cargo-fuzz asks rustc for, plus overflow checks and debug assertions. `--target` keeps the
# flags off build scripts.
#   sh fuzz/run.sh [seconds] [target]    (default 60 s, evbuffer_model; crashes in fuzz/artifacts/)
#   sh fuzz/run.sh list                  (every target: the [[bin]] names of fuzz/Cargo.toml)
# evbuffer_model keeps its corpus in fuzz/corpus/evbuffer_model (not committed); every other
# target reads its committed seeds in fuzz/corpus/<target> (read only, replayed by `cargo test`)
# and keeps what the fuzzer finds in fuzz/work/<target>. A crash found is written to
# fuzz/artifacts/; once fixed, copy it into fuzz/corpus/<target> as a regression seed.
# evtag_differential reads evtag_unmarshal's seeds (the same input format); rpcgen_unmarshal
# is the generated C of tests-c/rpc/gen/shop.rpc, compiled in by build.rs.
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" = list ]; then
  sed -n '/^\[\[bin\]\]/,/^name/s/^name *= *"\(.*\)"/\1/p' Cargo.toml
  exit 0
fi
T=x86_64-unknown-linux-gnu
secs=${1:-60}
target=${2:-evbuffer_model}
if ! sh run.sh list | grep -qx "$target"; then
  echo "fuzz/run.sh: no target $target (sh fuzz/run.sh list)" >&2; exit 2
fi
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --release --quiet --target $T --target-dir target/cov
mkdir -p artifacts
case $target in
  evbuffer_model) mkdir -p corpus/$target; set -- corpus/$target; max_len=4096;;
  # the same input format as evtag_unmarshal: its seeds, and what check_tag_corpus.sh replays
  evtag_differential) mkdir -p work/$target; set -- work/$target corpus/evtag_unmarshal; max_len=1500;;
  http_request|http_response|bufferevent_filter) mkdir -p work/$target; set -- work/$target corpus/$target; max_len=4096;;
  *) mkdir -p work/$target; set -- work/$target corpus/$target; max_len=1500;;
esac
exec ./target/cov/$T/release/$target -max_total_time="$secs" -max_len=$max_len -timeout=20 \
  -print_final_stats=1 -artifact_prefix=artifacts/ "$@"
