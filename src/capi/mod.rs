//! The C ABI: thin `extern "C"` shims, one file per public header. A shim checks pointers
//! (NULL gets libevent's answer), turns raw pointers into typed ones and calls the core.
//! Panics cannot cross into C: the libraries are built with `panic = "abort"`.

pub mod buffer;
pub mod bufferevent;
pub mod bufferevent_ssl;
pub mod dns;
pub mod event;
pub mod event_compat;
pub mod http;
pub mod http_uri;
pub mod internal;
pub mod listener;
pub mod tag;
pub mod thread;
pub mod util;
