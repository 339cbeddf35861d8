//! Bufferevents (bufferevent.h, bufferevent_compat.h, bufferevent_struct.h): an fd (or a
//! partner, or another bufferevent) with an input and an output evbuffer, read and written
//! by the loop, with callbacks when data arrived, was written, or something happened.
//!
//! - `core.rs`: the public struct and the private state after it, references, locking,
//!   callbacks (immediate or deferred), enable/suspend, watermarks, timeouts, teardown;
//! - `watermark.rs`: the watermark rules as plain arithmetic;
//! - `socket.rs`: socket bufferevents; connect and connect by host name for every kind with a
//!   socket of its own (through `Ops::connect`);
//! - `pair.rs`: bufferevent pairs;
//! - `filter.rs`: filtering bufferevents;
//! - `ratelim/`: rate limits: `bucket.rs` (token-bucket arithmetic), `mod.rs` (per bufferevent),
//!   `group.rs` (rate-limit groups);
//! - `openssl/`: TLS with the program's own SSL, over a socket or as a filter: `sys.rs` (libssl's
//!   functions, found at run time), `io.rs` (handshake, reading, writing), `ops.rs` (the kind's
//!   ops), `connect.rs`, `bio.rs` (the filter flavour's BIO).
//!
//! The thin `extern "C"` layer over this is src/capi/bufferevent.rs (and bufferevent_ssl.rs).

pub mod core;
pub mod filter;
pub mod openssl;
pub mod pair;
pub mod ratelim;
pub mod socket;
pub mod watermark;

pub use self::core::{Bev, Bufferevent};
