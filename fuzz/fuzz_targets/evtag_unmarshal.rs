//! Arbitrary bytes through every evtag reader of the typed API (levent::tag), as a script
//! over one buffer; the checks live in tests/tag_fuzz.rs, which also replays
//! fuzz/corpus/evtag_unmarshal on every `cargo test`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/tag_fuzz.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::unmarshal_script(data);
});
