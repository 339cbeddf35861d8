//! event2/listener.h. NULL listeners get a harmless answer instead of a crash; everything
//! else is src/listener/.
#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::base::EventBase;
use crate::listener::{self, LevOpt, Listener, ListenerCb, ListenerErrorCb};
use libc::{c_int, c_uint, c_void, sockaddr};
use std::ptr;

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_new(
    base: *mut EventBase,
    cb: Option<ListenerCb>,
    arg: *mut c_void,
    flags: c_uint,
    backlog: c_int,
    fd: c_int,
) -> *mut Listener {
    // SAFETY: base is NULL or ours; the fd is the program's.
    unsafe { listener::new(base, cb, arg, LevOpt::from_bits_retain(flags), backlog, fd) }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_new_bind(
    base: *mut EventBase,
    cb: Option<ListenerCb>,
    arg: *mut c_void,
    flags: c_uint,
    backlog: c_int,
    sa: *const sockaddr,
    socklen: c_int,
) -> *mut Listener {
    // SAFETY: base is NULL or ours; sa is NULL or socklen readable bytes.
    unsafe { listener::new_bind(base, cb, arg, LevOpt::from_bits_retain(flags), backlog, sa, socklen) }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_free(lev: *mut Listener) {
    if !lev.is_null() {
        // SAFETY: a listener from evconnlistener_new*, given up here.
        unsafe { listener::free(lev) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_enable(lev: *mut Listener) -> c_int {
    if lev.is_null() {
        return -1;
    }
    // SAFETY: a live listener.
    unsafe { listener::enable(lev) }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_disable(lev: *mut Listener) -> c_int {
    if lev.is_null() {
        return -1;
    }
    // SAFETY: a live listener.
    unsafe { listener::disable(lev) }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_get_base(lev: *mut Listener) -> *mut EventBase {
    if lev.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live listener.
    unsafe { listener::get_base(lev) }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_get_fd(lev: *mut Listener) -> c_int {
    if lev.is_null() {
        return -1;
    }
    // SAFETY: a live listener.
    unsafe { listener::get_fd(lev) }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_set_cb(lev: *mut Listener, cb: Option<ListenerCb>, arg: *mut c_void) {
    if !lev.is_null() {
        // SAFETY: a live listener.
        unsafe { listener::set_cb(lev, cb, arg) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evconnlistener_set_error_cb(lev: *mut Listener, errorcb: Option<ListenerErrorCb>) {
    if !lev.is_null() {
        // SAFETY: a live listener.
        unsafe { listener::set_error_cb(lev, errorcb) }
    }
}
