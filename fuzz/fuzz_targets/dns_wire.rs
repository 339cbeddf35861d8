//! `wire::Message::parse` on arbitrary bytes, every record's data read as a name, every name
//! written again and read back (the checks live in tests/dns_fuzz.rs, which also replays
//! fuzz/corpus/dns_wire on every `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/dns_fuzz.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::wire_message(data);
});
