//! The loop: `event_base_loop` and how active callbacks are run.
//!
//! Per iteration, as libevent: stop if asked to; compute how long to wait (zero if something
//! is already active, else until the nearest timer); poll the backend; turn ready fds and
//! expired timers into activations; run the most urgent non-empty priority queue; repeat.
//! Callbacks run with no Rust borrow of the base alive and (with threads) the lock released,
//! and the loop re-reads all state after each one.
//!
//! # Pointer contract
//! `base: *mut EventBase` is a live base for the whole call (a program may not free a base
//! from one of its callbacks); events and callbacks taken from its queues are live (the base
//! module's contract).

use super::base::{EventBase, OnceEvent, COMMON_TIMEOUT_MICROSECONDS_MASK};
use super::clock;
use super::debug;
use super::event::*;
use super::log;
use super::mem;
use super::timer_heap::micros;
use libc::{c_int, c_short, c_void, timeval};
use std::ptr;

pub const EVLOOP_ONCE: c_int = 0x01;
pub const EVLOOP_NONBLOCK: c_int = 0x02;
pub const EVLOOP_NO_EXIT_ON_EMPTY: c_int = 0x04;

/// A short-lived `&mut` to the base. Never keep one across a callback.
///
/// # Safety
/// Module contract; the borrow ends before anything that can run program code.
#[inline(always)]
unsafe fn b<'a>(base: *mut EventBase) -> &'a mut EventBase {
    // SAFETY: the base is live (contract) and the caller lets this borrow end before any
    // callback, which may reach the base through its own pointer.
    unsafe { &mut *base }
}

/// `event_base_loop`. Returns 0 (exited on request or after ONCE/NONBLOCK), 1 (no events), -1.
///
/// # Safety
/// Module contract.
pub unsafe fn run_loop(base: *mut EventBase, flags: c_int) -> c_int {
    // SAFETY: base is live throughout (contract); each `b(base)` borrow ends before any
    // callback runs, and is re-derived after the backend's unlocked wait.
    unsafe {
        b(base).lock();
        if b(base).running_loop {
            b(base).unlock();
            log::warn("event_base_loop: reentrant invocation.  Only one event_base_loop can run on each event_base at once.");
            return -1;
        }
        {
            let bb = b(base);
            bb.running_loop = true;
            bb.clear_time_cache();
            if bb.sig.n_installed > 0 {
                super::signal::set_owner(bb);
            }
            bb.got_term = false;
            bb.got_break = false;
            bb.thread.set_owner_current();
        }
        let mut retval = 0;
        let mut done = false;
        while !done {
            let bb = b(base);
            bb.event_continue = false;
            bb.n_deferreds_queued = 0;
            if bb.got_term || bb.got_break {
                break;
            }
            let timeout: Option<i64> =
                if bb.event_count_active == 0 && flags & EVLOOP_NONBLOCK == 0 { next_timeout(bb) } else { Some(0) };
            if flags & EVLOOP_NO_EXIT_ON_EMPTY == 0 && !bb.have_events() && bb.event_count_active == 0 {
                retval = 1;
                break;
            }
            bb.make_later_events_active();
            bb.clear_time_cache();
            bb.ready.clear();
            let lock = bb.thread.lock;
            // Only the loop's thread touches `ready`, so it may be filled in place.
            let r = bb.backend.dispatch(timeout, &mut bb.ready, lock);
            // Other threads may have changed the base while the backend waited unlocked:
            // re-derive the reference.
            let bb = b(base);
            if r.is_err() {
                retval = -1;
                break;
            }
            bb.update_time_cache();
            activate_ready(bb);
            timeout_process(bb);
            if bb.event_count_active > 0 {
                let n = process_active(base);
                let bb = b(base);
                if flags & EVLOOP_ONCE != 0 && bb.event_count_active == 0 && n != 0 {
                    done = true;
                }
            } else if flags & EVLOOP_NONBLOCK != 0 {
                done = true;
            }
        }
        let bb = b(base);
        bb.clear_time_cache();
        bb.running_loop = false;
        bb.thread.clear_owner();
        bb.unlock();
        retval
    }
}

/// How long the backend may sleep, in microseconds: until the earliest timer, or forever. A
/// stale (early) heap key only makes us wake a little early, where timeout_process settles it.
fn next_timeout(base: &mut EventBase) -> Option<i64> {
    let bound = base.timers.earliest_bound()?;
    let now = micros(&base.gettime());
    Some(bound.saturating_sub(now).max(0))
}

/// Ready fds from the backend become activations, per fd newest event first.
fn activate_ready(base: &mut EventBase) {
    // By index: activating does not touch `ready`, and the base stays borrowable.
    for i in 0..base.ready.len() {
        let (fd, what) = base.ready[i];
        base.active_by_fd_nolock(fd, what);
    }
}

/// Expired timers: removed entirely (I/O too, as libevent) and activated with EV_TIMEOUT.
/// Persistent events are re-added by their closure before their callback runs.
fn timeout_process(base: &mut EventBase) {
    if base.timers.is_empty() {
        return;
    }
    let now = base.gettime();
    if base.timers.earliest_bound().is_some_and(|k| k > micros(&now)) {
        return;
    }
    while let Some(ev) = base.timers.settle_top() {
        // SAFETY: heap events are live.
        let deadline = unsafe { (*ev).timeout };
        if clock::lt(&now, &deadline) {
            break;
        }
        // SAFETY: ev is in this base's timer heap, hence live and assigned here; the loop
        // holds the lock.
        unsafe {
            base.del_nolock(ev, false);
            base.active_nolock(ev, EV_TIMEOUT, 1);
        }
    }
}

/// Run the most urgent non-empty queue; internal-only work lets lower queues run too.
///
/// # Safety
/// Module contract; the caller holds the base's lock.
unsafe fn process_active(base: *mut EventBase) -> c_int {
    // SAFETY: base is live (contract); no `b(base)` borrow spans process_queue.
    unsafe {
        let mut c = 0;
        let nq = b(base).active.len();
        let endtime = match b(base).max_dispatch_time {
            Some(limit) => {
                let bb = b(base);
                bb.update_time_cache();
                let now = bb.gettime();
                Some(clock::add(&now, &limit))
            }
            None => None,
        };
        for i in 0..nq {
            let bb = b(base);
            if i >= bb.active.len() {
                break;
            }
            if bb.active[i].is_empty() {
                continue;
            }
            bb.running_priority = i as i32;
            c = if (i as i32) < bb.limit_callbacks_after_prio {
                process_queue(base, i, i32::MAX, None)
            } else {
                let maxcb = bb.max_dispatch_callbacks;
                process_queue(base, i, maxcb, endtime)
            };
            if c != 0 {
                break;
            }
        }
        b(base).running_priority = -1;
        c
    }
}

/// Run callbacks from queue `pri` until it is empty, the loop is broken, a more urgent event
/// was activated, or the limits are hit. Returns the count of non-internal callbacks run, or
/// -1 when broken.
///
/// # Safety
/// Module contract; the caller holds the base's lock.
unsafe fn process_queue(base: *mut EventBase, pri: usize, max: i32, endtime: Option<timeval>) -> c_int {
    // SAFETY: base is live (contract); queued callbacks are live (base module contract), an
    // EVLIST_INIT one is the head of its event; callbacks run with the lock released and no
    // borrow of the base or the event alive.
    unsafe {
        let mut count = 0;
        loop {
            let bb = b(base);
            let Some(q) = bb.active.get(pri) else { break };
            let cb = q.head;
            if cb.is_null() {
                break;
            }
            let mut ev: *mut Event = ptr::null_mut();
            if (*cb).flags & EVLIST_INIT != 0 {
                ev = as_event(cb);
                if (*ev).events & EV_PERSIST != 0 || (*ev).cb.flags & EVLIST_FINALIZING != 0 {
                    bb.queue_remove_active(cb);
                } else {
                    bb.del_nolock(ev, false);
                }
            } else {
                bb.queue_remove_active(cb);
            }
            if (*cb).flags & EVLIST_INTERNAL == 0 {
                count += 1;
            }
            bb.current_event = cb;
            match (*cb).closure {
                CLOSURE_EVENT_SIGNAL => signal_closure(base, ev),
                CLOSURE_EVENT_PERSIST => {
                    persist_reschedule(bb, ev);
                    let (f, fd, res, arg) = ((*ev).cb.cb.event, (*ev).fd, (*ev).res, (*ev).cb.arg);
                    bb.unlock();
                    if let Some(f) = f {
                        f(fd, res, arg);
                    }
                }
                CLOSURE_EVENT => {
                    let (f, fd, res, arg) = ((*ev).cb.cb.event, (*ev).fd, (*ev).res, (*ev).cb.arg);
                    bb.unlock();
                    if let Some(f) = f {
                        f(fd, res, arg);
                    }
                }
                CLOSURE_CB_SELF => {
                    let (f, arg) = ((*cb).cb.self_cb, (*cb).arg);
                    bb.unlock();
                    if let Some(f) = f {
                        f(cb, arg);
                    }
                }
                CLOSURE_EVENT_FINALIZE | CLOSURE_EVENT_FINALIZE_FREE | CLOSURE_CB_FINALIZE => {
                    bb.current_event = ptr::null_mut();
                    run_finalizer(bb, cb);
                }
                _ => {
                    bb.unlock();
                    log::warn("event_process_active: unknown callback closure");
                }
            }
            let bb = b(base);
            bb.lock();
            bb.current_event = ptr::null_mut();
            bb.thread.callback_done();
            if bb.got_break {
                return -1;
            }
            if count >= max {
                return count;
            }
            if count > 0 {
                if let Some(end) = endtime {
                    bb.update_time_cache();
                    let now = bb.gettime();
                    if !clock::lt(&now, &end) {
                        return count;
                    }
                }
            }
            if bb.event_continue {
                break;
            }
        }
        count
    }
}

/// Run a finalize callback whose callback has already been dequeued. Called with the lock
/// held; returns with it released.
///
/// # Safety
/// `cb` is a live callback with EVLIST_FINALIZING set, off every queue (an event's head for
/// the event closures; an event from `event_new` for FINALIZE_FREE).
pub unsafe fn run_finalizer(base: &mut EventBase, cb: *mut EventCallback) {
    // SAFETY: cb is live and no longer queued (contract), so the program's finalizer may free
    // it; we read what we need first and touch it no more after FINALIZE_FREE frees it.
    unsafe {
        let closure = (*cb).closure;
        let arg = (*cb).arg;
        base.unlock();
        match closure {
            CLOSURE_EVENT_FINALIZE | CLOSURE_EVENT_FINALIZE_FREE => {
                let ev = as_event(cb);
                let f = (*cb).cb.ev_finalize;
                debug::note_teardown(ev);
                if let Some(f) = f {
                    f(ev, arg);
                }
                if closure == CLOSURE_EVENT_FINALIZE_FREE {
                    mem::free(ev as *mut c_void);
                }
            }
            CLOSURE_CB_FINALIZE => {
                if let Some(f) = (*cb).cb.cb_finalize {
                    f(cb, arg);
                }
            }
            _ => {}
        }
    }
}

/// A signal event runs once per delivery counted (ncalls), stopping early if it is deleted
/// or the loop is broken.
///
/// # Safety
/// Module contract; `ev` is a live signal event of this base, just dequeued; the caller holds
/// the lock (released here).
unsafe fn signal_closure(base: *mut EventBase, ev: *mut Event) {
    // SAFETY: ev is live (contract). `ncalls` lives on this stack frame and event_del zeroes
    // it through pncalls to stop us; pncalls is cleared before we return.
    unsafe {
        let mut ncalls: c_short = (*ev).u.sig.ncalls;
        if ncalls != 0 {
            (*ev).u.sig.pncalls = &mut ncalls;
        }
        b(base).unlock();
        while ncalls > 0 {
            ncalls -= 1;
            (*ev).u.sig.ncalls = ncalls;
            if ncalls == 0 {
                (*ev).u.sig.pncalls = ptr::null_mut();
            }
            let (f, fd, res, arg) = ((*ev).cb.cb.event, (*ev).fd, (*ev).res, (*ev).cb.arg);
            if let Some(f) = f {
                f(fd, res, arg);
            }
            let bb = b(base);
            bb.lock();
            let brk = bb.got_break;
            bb.unlock();
            if brk {
                if ncalls != 0 {
                    (*ev).u.sig.pncalls = ptr::null_mut();
                }
                return;
            }
        }
    }
}

/// A persistent event with a timeout gets its next deadline before its callback runs: from
/// the previous deadline when the timeout fired (no drift), from now when I/O fired, and from
/// now again if whole periods were missed.
///
/// # Safety
/// `ev` is a live persistent event of this base; the caller holds the lock.
unsafe fn persist_reschedule(base: &mut EventBase, ev: *mut Event) {
    // SAFETY: ev is live and assigned to this base, lock held (contract): the base's contract
    // for rearm_timeout_nolock.
    unsafe {
        let io_timeout = (*ev).u.io_timeout;
        if !clock::is_set(&io_timeout) {
            return;
        }
        let now = base.gettime();
        let mut delay = io_timeout;
        delay.tv_usec &= COMMON_TIMEOUT_MICROSECONDS_MASK;
        let delay = clock::normalize(&delay);
        let relative_to = if (*ev).res & EV_TIMEOUT != 0 { (*ev).timeout } else { now };
        let mut run_at = clock::add(&relative_to, &delay);
        if clock::lt(&run_at, &now) {
            run_at = clock::add(&now, &delay);
        }
        base.rearm_timeout_nolock(ev, &run_at);
    }
}

// ---- event_base_once and loopexit ----

unsafe extern "C" fn once_trampoline(fd: c_int, what: c_short, arg: *mut c_void) {
    let once = arg as *mut OnceEvent;
    // SAFETY: arg is the OnceEvent we allocated; it stays live until we free it below.
    unsafe {
        let base = (*once).ev.base;
        let bb = &mut *base;
        bb.lock();
        bb.once_events.remove(&(once as usize));
        bb.unlock();
        if let Some(f) = (*once).cb {
            f(fd, what, (*once).arg);
        }
        debug::note_teardown(&(*once).ev);
        mem::free(once as *mut c_void);
    }
}

/// event_base_once: a one-shot event we allocate and free after it runs.
pub fn base_once(
    base: &mut EventBase,
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
    tv: Option<&timeval>,
) -> c_int {
    if events & (EV_SIGNAL | EV_PERSIST) != 0 {
        return -1;
    }
    let p = mem::calloc(1, std::mem::size_of::<OnceEvent>()) as *mut OnceEvent;
    if p.is_null() {
        return -1;
    }
    let bp: *mut EventBase = base;
    let mut activate = false;
    // SAFETY: p is zeroed memory big enough for an OnceEvent.
    unsafe {
        (*p).cb = cb;
        (*p).arg = arg;
        let ev: *mut Event = &mut (*p).ev;
        if events & (EV_TIMEOUT | EV_SIGNAL | EV_READ | EV_WRITE | EV_CLOSED) == EV_TIMEOUT {
            super::base::assign_raw(ev, bp, -1, 0, Some(once_trampoline), p as *mut c_void);
            activate = tv.is_none_or(|t| !clock::is_set(t));
        } else if events & (EV_READ | EV_WRITE | EV_CLOSED) != 0 {
            let events = events & (EV_READ | EV_WRITE | EV_CLOSED);
            super::base::assign_raw(ev, bp, fd, events, Some(once_trampoline), p as *mut c_void);
        } else {
            mem::free(p as *mut c_void);
            return -1;
        }
        debug::note_setup(ev);
        base.lock();
        let res = if activate {
            base.active_nolock(ev, EV_TIMEOUT, 1);
            0
        } else {
            base.add_nolock(ev, tv, false)
        };
        if res != 0 {
            base.unlock();
            debug::note_teardown(ev);
            mem::free(p as *mut c_void);
            return res;
        }
        base.once_events.insert(p as usize);
        base.unlock();
    }
    0
}

unsafe extern "C" fn loopexit_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    // SAFETY: arg is the base that scheduled this once-event; it is live while its loop runs.
    let base = unsafe { &mut *(arg as *mut EventBase) };
    base.lock();
    base.got_term = true;
    base.unlock();
}

pub fn loopexit(base: &mut EventBase, tv: Option<&timeval>) -> c_int {
    let bp: *mut EventBase = base;
    base_once(base, -1, EV_TIMEOUT, Some(loopexit_cb), bp as *mut c_void, tv)
}
