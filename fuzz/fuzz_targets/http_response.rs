//! The `http_response` fuzz target (the checks live in tests/http_fuzz.rs, which also replays
//! fuzz/corpus/http_response on every `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/http_fuzz.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::http_response(data);
});
