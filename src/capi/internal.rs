//! libevent's internal (non-header) entry points that its own test programs import
//! (see README: "libevent's own test programs"). Same meaning as in libevent.

use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::{global, log};
use libc::{c_int, c_short, c_uint, c_void};
use std::ptr;

const EVENT_FINALIZE_FREE: c_uint = 0x10000;
const MAX_DEFERREDS_QUEUED: usize = 32;

/// Check the base's invariants; a broken base is fatal (as libevent's assertion).
#[no_mangle]
pub unsafe extern "C" fn event_base_assert_ok_(base: *mut EventBase) {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base.as_mut() }) else { return };
    b.lock();
    let r = b.check_invariants();
    b.unlock();
    if let Err(what) = r {
        log::fatal(&format!("event_base_assert_ok_: {}", what));
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_active_later_(ev: *mut Event, res: c_int) {
    if ev.is_null() {
        return;
    }
    // SAFETY: program-owned event; its base is live.
    let Some(b) = (unsafe { (*ev).base.as_mut() }) else { return };
    b.lock();
    b.active_later_nolock(ev, res as c_short);
    b.unlock();
}

#[no_mangle]
pub unsafe extern "C" fn event_base_add_virtual_(base: *mut EventBase) {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base.as_mut() }) else { return };
    b.lock();
    b.virtual_count += 1;
    b.virtual_count_max = b.virtual_count_max.max(b.virtual_count);
    b.unlock();
}

#[no_mangle]
pub unsafe extern "C" fn event_base_del_virtual_(base: *mut EventBase) {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base.as_mut() }) else { return };
    b.lock();
    b.virtual_count = b.virtual_count.saturating_sub(1);
    b.thread.notify_if_needed(b);
    b.unlock();
}

/// Windows only in libevent; no IOCP here.
#[no_mangle]
pub extern "C" fn event_base_start_iocp_(_base: *mut EventBase, _n_cpus: c_int) -> c_int {
    -1
}

#[no_mangle]
pub unsafe extern "C" fn event_callback_activate_(base: *mut EventBase, cb: *mut EventCallback) -> c_int {
    // SAFETY: base is NULL or ours; cb is a live callback of the caller's.
    let (Some(b), false) = (unsafe { base.as_mut() }, cb.is_null()) else { return 0 };
    b.lock();
    // SAFETY: as above.
    let r = unsafe { activate_nolock(b, cb) };
    b.unlock();
    r
}

/// libevent's answer: 1 when newly made active, 0 when it already was (or is finalizing).
unsafe fn activate_nolock(b: &mut EventBase, cb: *mut EventCallback) -> c_int {
    // SAFETY: cb is live (caller's contract).
    unsafe {
        let was_later = (*cb).flags & EVLIST_ACTIVE_LATER != 0;
        if (*cb).flags & (EVLIST_FINALIZING | EVLIST_ACTIVE) != 0 {
            return 0;
        }
        b.callback_activate(cb);
        if was_later {
            0
        } else {
            1
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_callback_finalize_(
    base: *mut EventBase,
    flags: c_uint,
    cb: *mut EventCallback,
    f: Option<SelfCallbackFn>,
) {
    // SAFETY: base is NULL or ours; cb is a live callback of the caller's.
    let (Some(b), false) = (unsafe { base.as_mut() }, cb.is_null()) else { return };
    b.lock();
    // SAFETY: as above.
    unsafe {
        if (*cb).flags & EVLIST_INIT != 0 {
            let ev = as_event(cb);
            b.del_nolock(ev, false);
            (*ev).cb.closure = if flags & EVENT_FINALIZE_FREE != 0 { CLOSURE_EVENT_FINALIZE_FREE } else { CLOSURE_EVENT_FINALIZE };
            // The callback types differ only in the pointer type of their first argument.
            (*ev).cb.cb = CallbackUnion { ev_finalize: std::mem::transmute::<Option<SelfCallbackFn>, Option<EventFinalizeFn>>(f) };
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

#[no_mangle]
pub unsafe extern "C" fn event_deferred_cb_init_(cb: *mut EventCallback, pri: u8, f: Option<SelfCallbackFn>, arg: *mut c_void) {
    if cb.is_null() {
        return;
    }
    // SAFETY: cb points to the caller's struct event_callback.
    unsafe {
        ptr::write(cb, EventCallback::zeroed());
        (*cb).cb = CallbackUnion { self_cb: f };
        (*cb).arg = arg;
        (*cb).pri = pri;
        (*cb).closure = CLOSURE_CB_SELF;
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_deferred_cb_schedule_(base: *mut EventBase, cb: *mut EventCallback) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    // SAFETY: base is NULL or ours; cb is a live callback of the caller's.
    let (Some(b), false) = (unsafe { base.as_mut() }, cb.is_null()) else { return 0 };
    b.lock();
    // Too many deferred callbacks in one pass: push the rest to the next iteration so I/O
    // is not starved (libevent's limit).
    let r = if b.n_deferreds_queued > MAX_DEFERREDS_QUEUED {
        // SAFETY: cb is live.
        unsafe {
            if (*cb).flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER | EVLIST_FINALIZING) != 0 {
                0
            } else {
                b.queue_insert_active_later(cb);
                1
            }
        }
    } else {
        // SAFETY: as above.
        let r = unsafe { activate_nolock(b, cb) };
        if r != 0 {
            b.n_deferreds_queued += 1;
        }
        r
    };
    b.unlock();
    r
}
