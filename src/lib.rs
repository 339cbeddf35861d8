//! libevent 2.1.12, reimplemented in Rust, exported as a drop-in C library.
//!
//! Layers (see README.md): `backend` (epoll/poll/select) under `core` (bases, events, the
//! loop), `thread`, and `capi`, the thin `extern "C"` layer that C programs call.

pub mod backend;
pub mod buffer;
pub mod bufferevent;
pub mod capi;
pub mod core;
pub mod dns;
pub mod http;
pub mod listener;
pub mod tag;
pub mod thread;
pub mod util;
