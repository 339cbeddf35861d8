//! libevent's internal (non-header) entry points that its own test programs import
//! (see README: "libevent's own test programs"). Same meaning as in libevent; the logic is
//! in `core::api` and `core::deferred`.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::api;
use crate::core::base::EventBase;
use crate::core::deferred;
use crate::core::event::{Event, EventCallback, SelfCallbackFn};
use libc::{c_int, c_uint, c_void};

#[no_mangle]
pub unsafe extern "C" fn event_base_assert_ok_(base: *mut EventBase) {
    // SAFETY: base is NULL or ours (the caller's contract, as in libevent).
    unsafe { api::assert_ok(base) }
}

#[no_mangle]
pub unsafe extern "C" fn event_active_later_(ev: *mut Event, res: c_int) {
    // SAFETY: ev is NULL or a program-owned event.
    unsafe { api::active_later(ev, res) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_add_virtual_(base: *mut EventBase) {
    // SAFETY: base is NULL or ours.
    unsafe { api::add_virtual(base, 1) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_del_virtual_(base: *mut EventBase) {
    // SAFETY: base is NULL or ours.
    unsafe { api::add_virtual(base, -1) }
}

/// Windows only in libevent; there is no IOCP here, so it fails as libevent does elsewhere.
#[no_mangle]
pub extern "C" fn event_base_start_iocp_(_base: *mut EventBase, _n_cpus: c_int) -> c_int {
    -1
}

#[no_mangle]
pub unsafe extern "C" fn event_callback_activate_(base: *mut EventBase, cb: *mut EventCallback) -> c_int {
    // SAFETY: base is NULL or ours; cb is NULL or the caller's live callback.
    unsafe { deferred::activate(base, cb) }
}

#[no_mangle]
pub unsafe extern "C" fn event_callback_finalize_(
    base: *mut EventBase,
    flags: c_uint,
    cb: *mut EventCallback,
    f: Option<SelfCallbackFn>,
) {
    // SAFETY: base is NULL or ours; cb is NULL or the caller's live callback.
    unsafe { deferred::finalize(base, flags, cb, f) }
}

#[no_mangle]
pub unsafe extern "C" fn event_deferred_cb_init_(cb: *mut EventCallback, pri: u8, f: Option<SelfCallbackFn>, arg: *mut c_void) {
    // SAFETY: cb is NULL or the caller's struct event_callback.
    unsafe { deferred::init(cb, pri, f, arg) }
}

#[no_mangle]
pub unsafe extern "C" fn event_deferred_cb_schedule_(base: *mut EventBase, cb: *mut EventCallback) -> c_int {
    // SAFETY: base is NULL or ours; cb is NULL or the caller's live callback.
    unsafe { deferred::schedule(base, cb) }
}
