//! What the HTTP layer uses from the layers below, named as a C program would see them: the
//! evbuffer, bufferevent, listener and event entry points, and the URI/header functions of
//! this layer's own C interface (src/capi/http_uri.rs).

pub use crate::buffer::Evbuffer;
pub use crate::bufferevent::core::Bufferevent;
pub use crate::capi::buffer::{
    evbuffer_add, evbuffer_add_buffer, evbuffer_drain, evbuffer_free, evbuffer_get_length, evbuffer_new, evbuffer_pullup,
    evbuffer_readln, evbuffer_remove_buffer,
};
pub use crate::capi::bufferevent::{
    bufferevent_base_set, bufferevent_disable, bufferevent_enable, bufferevent_free, bufferevent_get_input,
    bufferevent_get_output, bufferevent_getfd, bufferevent_set_timeouts, bufferevent_setcb, bufferevent_setfd,
    bufferevent_socket_connect, bufferevent_socket_connect_hostname, bufferevent_socket_new, EvdnsBase,
};
pub use crate::capi::event::{event_active, event_add, event_del, event_free, event_new};
pub use crate::capi::listener::{evconnlistener_free, evconnlistener_get_fd, evconnlistener_new};
pub use crate::core::base::EventBase;
pub use crate::core::event::Event;
pub use crate::listener::Listener;
use libc::{c_char, c_int};

/// evbuffer_readln style: a line ends at CRLF or a bare LF.
pub const EOL_CRLF: c_int = 1;

pub use super::headers::{KeyVal, KeyValQ};

/// `struct evhttp_uri` (opaque here).
#[repr(C)]
pub struct Uri {
    _opaque: [u8; 0],
}

pub use super::uri::URI_NONCONFORMANT;

extern "C" {
    pub fn evhttp_uri_parse_with_flags(s: *const c_char, flags: u32) -> *mut Uri;
    pub fn evhttp_uri_free(u: *mut Uri);
    pub fn evhttp_uri_get_path(u: *const Uri) -> *const c_char;
    pub fn evhttp_uri_get_host(u: *const Uri) -> *const c_char;
    pub fn evhttp_uri_get_scheme(u: *const Uri) -> *const c_char;
}
