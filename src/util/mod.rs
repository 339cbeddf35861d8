//! evutil: the portability layer of util.h (sockets, addresses, strings, time, randomness).
//!
//! Logic lives here as safe functions over bytes and plain values, unit-tested in place; the
//! C entry points of util.h are thin shims over it. Other parts of the library (evdns, http,
//! listeners) call these functions directly.

pub mod addrinfo;
pub mod ctype;
pub mod inet;
pub mod rng;
pub mod socket;
pub mod strings;
pub mod sys;
pub mod time;
