//! evutil: the portability layer of util.h (sockets, addresses, strings, time, randomness).
//!
//! Logic lives here as safe functions over bytes and plain values, unit-tested in place;
//! `crate::capi::util` is the thin `extern "C"` layer over it. Other parts of the library
//! (evdns, http, listeners) call these directly rather than through the C entry points.

pub mod addrinfo;
pub mod ctype;
pub mod inet;
pub mod rng;
pub mod socket;
pub mod strings;
pub mod sys;
pub mod time;
