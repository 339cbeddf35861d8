//! libevent 2.1.12, reimplemented in Rust, exported as a drop-in C library.
//!
//! Layers (see README.md), each calling only the ones below it: `util` (evutil, and
//! `util::sys`, the one errno/syscall/EINTR helper) and `backend` (epoll/poll/select) under
//! `core` (bases, events, the loop) and `thread`; `buffer` (evbuffer) and `tag` (evtag) over
//! those; `bufferevent`, `listener` and `http` above. `capi` is the top floor: the thin
//! `extern "C"` shims that C programs call, which nothing else imports.

pub mod backend;
pub mod buffer;
pub mod bufferevent;
pub mod capi;
pub mod core;
pub mod dns;
pub mod http;
pub mod listener;
pub mod rpc;
pub mod tag;
pub mod thread;
pub mod util;
