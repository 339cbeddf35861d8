//! event2/event_compat.h: the 1.4 API over one process-wide "current" base.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use super::event::*;
use crate::core::base::EventBase;
use crate::core::event::{Event, EventCallbackFn};
use crate::core::{api, global};
use libc::{c_char, c_int, c_short, c_void, timeval};
use std::ptr;

#[no_mangle]
pub extern "C" fn event_init() -> *mut EventBase {
    api::init_global()
}

#[no_mangle]
pub unsafe extern "C" fn event_dispatch() -> c_int {
    // SAFETY: the current base is live (set by event_init) or NULL.
    unsafe { event_loop(0) }
}

#[no_mangle]
pub unsafe extern "C" fn event_loop(flags: c_int) -> c_int {
    // SAFETY: the current base is live (set by event_init) or NULL.
    unsafe { event_base_loop(global::current_base(), flags) }
}

#[no_mangle]
pub unsafe extern "C" fn event_loopexit(tv: *const timeval) -> c_int {
    // SAFETY: the current base is live (set by event_init) or NULL.
    unsafe { event_base_loopexit(global::current_base(), tv) }
}

#[no_mangle]
pub unsafe extern "C" fn event_loopbreak() -> c_int {
    // SAFETY: the current base is live (set by event_init) or NULL.
    unsafe { event_base_loopbreak(global::current_base()) }
}

#[no_mangle]
pub unsafe extern "C" fn event_once(
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
    tv: *const timeval,
) -> c_int {
    // SAFETY: the current base is live (set by event_init) or NULL.
    unsafe { event_base_once(global::current_base(), fd, events, cb, arg, tv) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_method() -> *const c_char {
    let b = global::current_base();
    if b.is_null() {
        return ptr::null();
    }
    // SAFETY: b is the current base, non-NULL here, hence live.
    unsafe { event_base_get_method(b) }
}

#[no_mangle]
pub unsafe extern "C" fn event_priority_init(n: c_int) -> c_int {
    // SAFETY: the current base is live (set by event_init) or NULL.
    unsafe { event_base_priority_init(global::current_base(), n) }
}

#[no_mangle]
pub unsafe extern "C" fn event_set(ev: *mut Event, fd: c_int, events: c_short, cb: Option<EventCallbackFn>, arg: *mut c_void) {
    // SAFETY: ev is NULL or the program's struct event; the current base is live or NULL (an
    // event then has no base, as in libevent).
    unsafe { event_assign(ev, global::current_base(), fd, events, cb, arg) };
}
