//! A filtering bufferevent on a pair driven by the fuzzer's program (the checks live in
//! tests/bufferevent_fuzz.rs, which also replays fuzz/corpus/bufferevent_filter on every
//! `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/bufferevent_fuzz.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::bufferevent_filter(data);
});
