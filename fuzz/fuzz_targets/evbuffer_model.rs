//! The evbuffer differential test of tests/buffer_model.rs, driven by the fuzzer's bytes: every
//! four input bytes choose the next operation or size, and ours is compared with a `Vec<u8>`
//! model after every step (a mismatch panics, which the fuzzer reports).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/buffer_model.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    model::run_with(model::Rng::from_bytes(data), 0, 0);
});
