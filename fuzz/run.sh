#!/bin/sh
# Coverage-guided fuzzing of evbuffer against its model on a stable toolchain: the same
# SanitizerCoverage instrumentation cargo-fuzz asks rustc for, plus overflow checks and debug
# assertions. `--target` keeps the flags off build scripts.
#   sh fuzz/run.sh [seconds]      (default 60; corpus kept in fuzz/corpus/, crashes in fuzz/artifacts/)
set -eu
cd "$(dirname "$0")"
T=x86_64-unknown-linux-gnu
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
 -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --release --quiet --target $T --target-dir target/cov
mkdir -p corpus/evbuffer_model artifacts
exec ./target/cov/$T/release/evbuffer_model -max_total_time="${1:-60}" -max_len=4096 \
  -artifact_prefix=artifacts/ corpus/evbuffer_model
