//! A datagram as a DNS server port handles it: parsed into the request C sees, answered with
//! a record per question, the reply read back (the checks live in tests/dns_fuzz.rs, which
//! also replays fuzz/corpus/dns_server_query on every `cargo test`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/dns_fuzz.rs"]
mod checks;

fuzz_target!(|data: &[u8]| {
    checks::server_query(data);
});
