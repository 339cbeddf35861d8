//! evdns: the asynchronous DNS resolver and DNS server ports of `event2/dns.h`.
//!
//! `wire` is the packet format (safe Rust, every read bounds-checked); the resolver and the
//! server ports sit on it and on the event core's Rust API.

pub mod resolver;
pub mod server;
pub mod wire;
