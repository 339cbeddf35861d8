//! event2/thread.h (and evthread_use_pthreads from libevent_pthreads).

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::base::EventBase;
use crate::thread::{self, CondCallbacks, IdFn, LockCallbacks};
use libc::c_int;

#[no_mangle]
pub unsafe extern "C" fn evthread_set_lock_callbacks(cbs: *const LockCallbacks) -> c_int {
    // SAFETY: cbs is NULL or points to the program's callbacks struct (copied).
    thread::set_lock_callbacks(unsafe { cbs.as_ref() })
}

#[no_mangle]
pub unsafe extern "C" fn evthread_set_condition_callbacks(cbs: *const CondCallbacks) -> c_int {
    // SAFETY: cbs is NULL or points to the program's callbacks struct (copied).
    thread::set_condition_callbacks(unsafe { cbs.as_ref() })
}

#[no_mangle]
pub extern "C" fn evthread_set_id_callback(f: Option<IdFn>) {
    thread::set_id_callback(f);
}

#[no_mangle]
pub extern "C" fn evthread_enable_lock_debugging() {
    thread::debug_lock::enable();
}

/// libevent 2.0's misspelt name, still exported by 2.1.
#[no_mangle]
pub extern "C" fn evthread_enable_lock_debuging() {
    thread::debug_lock::enable();
}

#[no_mangle]
pub unsafe extern "C" fn evthread_make_base_notifiable(base: *mut EventBase) -> c_int {
    if base.is_null() {
        return -1;
    }
    // SAFETY: a non-NULL base is one of ours (the program's contract).
    unsafe { thread::make_base_notifiable(base) }
}

#[no_mangle]
pub extern "C" fn evthread_use_pthreads() -> c_int {
    thread::pthreads::use_pthreads()
}

/// Internal (libevent's tests use it): the active lock callbacks.
#[no_mangle]
pub extern "C" fn evthread_get_lock_callbacks() -> *mut LockCallbacks {
    thread::lock_callbacks_ptr()
}
