//! Deferred callbacks: a bare `struct event_callback` queued on a base's active list and run
//! by the loop, the way libevent runs evbuffer and bufferevent callbacks "later". Also the
//! callback finalizers used when such an owner is freed while its callback may be queued.
//!
//! # Pointer contract (every `unsafe fn` here)
//! `cb` points to an `EventCallback` owned by the caller (inside an evbuffer, a bufferevent,
//! or a libevent test program's struct) that stays valid until it has run or been cancelled;
//! `base` is NULL or a live base of ours.

use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::global;
use libc::{c_int, c_void};
use std::ptr;

/// More than this many deferred callbacks queued in one loop pass: the rest wait for the
/// next pass so I/O is not starved (libevent's limit).
const MAX_DEFERREDS_QUEUED: usize = 32;

/// `event_deferred_cb_init_`: make `cb` a self-callback `f(cb, arg)` at priority `pri`.
///
/// # Safety
/// Module contract; `cb` is not queued.
pub unsafe fn init(cb: *mut EventCallback, pri: u8, f: Option<SelfCallbackFn>, arg: *mut c_void) {
    if cb.is_null() {
        return;
    }
    // SAFETY: cb points to the caller's struct event_callback (contract).
    unsafe {
        ptr::write(cb, EventCallback::zeroed());
        (*cb).cb = CallbackUnion { self_cb: f };
        (*cb).arg = arg;
        (*cb).pri = pri;
        (*cb).closure = CLOSURE_CB_SELF;
    }
}

/// libevent's answer for activating a callback: 1 when newly made active, 0 when it already
/// was (or is finalizing). Base lock held.
///
/// # Safety
/// Module contract.
unsafe fn activate_nolock(b: &mut EventBase, cb: *mut EventCallback) -> c_int {
    // SAFETY: cb is live (contract).
    let flags = unsafe { (*cb).flags };
    if flags & (EVLIST_FINALIZING | EVLIST_ACTIVE) != 0 {
        return 0;
    }
    // SAFETY: cb is the caller's live callback (contract); b's lock is held.
    unsafe { b.callback_activate(cb) };
    if flags & EVLIST_ACTIVE_LATER != 0 {
        0
    } else {
        1
    }
}

/// `event_callback_activate_`.
///
/// # Safety
/// Module contract.
pub unsafe fn activate(base: *mut EventBase, cb: *mut EventCallback) -> c_int {
    // SAFETY: base is NULL or ours (contract).
    let (Some(b), false) = (unsafe { base.as_mut() }, cb.is_null()) else { return 0 };
    b.lock();
    // SAFETY: cb is the caller's live callback (module contract); b's lock is held.
    let r = unsafe { activate_nolock(b, cb) };
    b.unlock();
    r
}

/// `event_deferred_cb_schedule_` (NULL base: the current global base): 1 when newly queued.
///
/// # Safety
/// Module contract.
pub unsafe fn schedule(base: *mut EventBase, cb: *mut EventCallback) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    // SAFETY: base is NULL or ours (contract).
    let (Some(b), false) = (unsafe { base.as_mut() }, cb.is_null()) else { return 0 };
    b.lock();
    let r = if b.n_deferreds_queued > MAX_DEFERREDS_QUEUED {
        // SAFETY: cb is live (contract).
        if unsafe { (*cb).flags } & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER | EVLIST_FINALIZING) != 0 {
            0
        } else {
            // SAFETY: cb is live (contract) and in no queue (no flag says otherwise); lock held.
            unsafe { b.queue_insert_active_later(cb) };
            1
        }
    } else {
        // SAFETY: cb is the caller's live callback (module contract); b's lock is held.
        let r = unsafe { activate_nolock(b, cb) };
        if r != 0 {
            b.n_deferreds_queued += 1;
        }
        r
    };
    b.unlock();
    r
}

/// `event_callback_finalize_`: cancel `cb` (an event or a bare callback) and have the loop
/// run `f(cb, arg)` once it can no longer run otherwise. `flags` may hold
/// [`EVENT_FINALIZE_FREE`](crate::core::api::EVENT_FINALIZE_FREE) for an event.
///
/// # Safety
/// Module contract.
pub unsafe fn finalize(base: *mut EventBase, flags: u32, cb: *mut EventCallback, f: Option<SelfCallbackFn>) {
    // SAFETY: base is NULL or ours (contract).
    let (Some(b), false) = (unsafe { base.as_mut() }, cb.is_null()) else { return };
    b.lock();
    // SAFETY: cb is live (contract); an EVLIST_INIT callback is the head of a struct event.
    unsafe {
        if (*cb).flags & EVLIST_INIT != 0 {
            let ev = as_event(cb);
            b.del_nolock(ev, false);
            (*ev).cb.closure = if flags & crate::core::api::EVENT_FINALIZE_FREE != 0 {
                CLOSURE_EVENT_FINALIZE_FREE
            } else {
                CLOSURE_EVENT_FINALIZE
            };
            // The two callback types differ only in the pointer type of their first argument
            // (an event is its callback's head), so the function is the same either way.
            (*ev).cb.cb =
                CallbackUnion { ev_finalize: std::mem::transmute::<Option<SelfCallbackFn>, Option<EventFinalizeFn>>(f) };
            b.active_nolock(ev, EV_FINALIZE, 1);
            (*ev).cb.flags |= EVLIST_FINALIZING;
        } else {
            b.callback_cancel(cb);
            (*cb).closure = CLOSURE_CB_FINALIZE;
            (*cb).cb = CallbackUnion { cb_finalize: f };
            b.callback_activate(cb);
            (*cb).flags |= EVLIST_FINALIZING;
        }
    }
    b.unlock();
}
