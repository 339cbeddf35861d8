//! event2/bufferevent_ssl.h: OpenSSL bufferevents over a socket or another bufferevent
//! (src/bufferevent/openssl.rs).

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::bufferevent::core::{downcast, upcast, Bufferevent};
use crate::bufferevent::openssl::{self, Ssl};
use crate::core::base::EventBase;
use libc::{c_int, c_ulong};
use std::ptr;

/// C's `enum bufferevent_ssl_state`, carried as its value.
pub type SslStateArg = c_int;

#[no_mangle]
pub unsafe extern "C" fn bufferevent_openssl_socket_new(
    base: *mut EventBase,
    fd: c_int,
    ssl: *mut Ssl,
    state: SslStateArg,
    options: c_int,
) -> *mut Bufferevent {
    // SAFETY: base NULL or live; ssl NULL (refused) or the program's SSL.
    downcast(unsafe { openssl::socket_new(base, fd, ssl, state, options) })
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_openssl_filter_new(
    base: *mut EventBase,
    underlying: *mut Bufferevent,
    ssl: *mut Ssl,
    state: SslStateArg,
    options: c_int,
) -> *mut Bufferevent {
    // SAFETY: base NULL or live; underlying NULL (refused) or live; ssl NULL (refused) or the
    // program's SSL.
    downcast(unsafe { openssl::filter_new(base, underlying, ssl, state, options) })
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_openssl_get_ssl(b: *mut Bufferevent) -> *mut Ssl {
    if b.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live bufferevent.
    unsafe { openssl::get_ssl(upcast(b)) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_openssl_error(b: *mut Bufferevent) -> c_ulong {
    if b.is_null() {
        return 0;
    }
    // SAFETY: a live bufferevent.
    unsafe { openssl::take_error(upcast(b)) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_openssl_get_allow_dirty_shutdown(b: *mut Bufferevent) -> c_int {
    if b.is_null() {
        return -1;
    }
    // SAFETY: a live bufferevent.
    unsafe { openssl::get_allow_dirty_shutdown(upcast(b)) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_openssl_set_allow_dirty_shutdown(b: *mut Bufferevent, allow: c_int) {
    if !b.is_null() {
        // SAFETY: a live bufferevent.
        unsafe { openssl::set_allow_dirty_shutdown(upcast(b), allow) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_ssl_renegotiate(b: *mut Bufferevent) -> c_int {
    if b.is_null() {
        return -1;
    }
    // SAFETY: a live bufferevent.
    unsafe { openssl::renegotiate(upcast(b)) }
}
