//! The active queues of a base: one FIFO per priority, plus the "later" queue that becomes
//! active at the start of the next loop iteration, and the operations that put callbacks on
//! them (activation, for events and bare deferred callbacks) or take them off. The pointer
//! contract is the base module's.

use super::EventBase;
use crate::core::event::*;
use libc::{c_int, c_short};
use std::ptr;

/// A FIFO of callbacks linked through their own `evcb_active_next` fields. `active_prev`
/// holds the previous element (not libevent's pointer-to-pointer: programs never read it, and
/// this way the queue heads may move in memory).
#[derive(Clone, Copy)]
pub struct CbQueue {
    pub head: *mut EventCallback,
    pub tail: *mut EventCallback,
}

impl CbQueue {
    pub const EMPTY: CbQueue = CbQueue { head: ptr::null_mut(), tail: ptr::null_mut() };

    pub fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// # Safety
    /// `cb` is live and in no queue.
    pub unsafe fn push_back(&mut self, cb: *mut EventCallback) {
        // SAFETY: cb is live (contract); the tail, if any, is queued and so live too.
        unsafe {
            (*cb).active_next = ptr::null_mut();
            (*cb).active_prev = self.tail as *mut *mut EventCallback;
            if self.tail.is_null() {
                self.head = cb;
            } else {
                (*self.tail).active_next = cb;
            }
        }
        self.tail = cb;
    }

    /// # Safety
    /// `cb` is live and in this queue.
    pub unsafe fn remove(&mut self, cb: *mut EventCallback) {
        // SAFETY: cb and its queue neighbours are live (contract: queued callbacks are live).
        unsafe {
            let next = (*cb).active_next;
            let prev = (*cb).active_prev as *mut EventCallback;
            if prev.is_null() {
                self.head = next;
            } else {
                (*prev).active_next = next;
            }
            if next.is_null() {
                self.tail = prev;
            } else {
                (*next).active_prev = prev as *mut *mut EventCallback;
            }
            (*cb).active_next = ptr::null_mut();
            (*cb).active_prev = ptr::null_mut();
        }
    }
}

impl EventBase {
    /// # Safety
    /// Module contract for `cb`.
    pub unsafe fn queue_insert_active(&mut self, cb: *mut EventCallback) {
        // SAFETY: cb is live (contract); not ACTIVE means it is in no active queue.
        unsafe {
            if (*cb).flags & EVLIST_ACTIVE != 0 {
                return;
            }
            self.incr_count((*cb).flags);
            (*cb).flags |= EVLIST_ACTIVE;
            self.event_count_active += 1;
            self.event_count_active_max = self.event_count_active_max.max(self.event_count_active);
            let pri = ((*cb).pri as usize).min(self.active.len() - 1);
            (*cb).pri = pri as u8;
            self.active[pri].push_back(cb);
        }
    }

    /// # Safety
    /// Module contract for `cb`.
    pub unsafe fn queue_insert_active_later(&mut self, cb: *mut EventCallback) {
        // SAFETY: cb is live (contract); neither flag set means it is in no queue.
        unsafe {
            if (*cb).flags & (EVLIST_ACTIVE_LATER | EVLIST_ACTIVE) != 0 {
                return;
            }
            self.incr_count((*cb).flags);
            (*cb).flags |= EVLIST_ACTIVE_LATER;
            self.event_count_active += 1;
            self.event_count_active_max = self.event_count_active_max.max(self.event_count_active);
            self.active_later.push_back(cb);
        }
    }

    /// # Safety
    /// Module contract for `cb`.
    #[inline]
    pub unsafe fn queue_remove_active(&mut self, cb: *mut EventCallback) {
        // SAFETY: cb is live (contract); its flag says which queue holds it.
        unsafe {
            if (*cb).flags & EVLIST_ACTIVE != 0 {
                self.decr_count((*cb).flags);
                (*cb).flags &= !EVLIST_ACTIVE;
                self.event_count_active -= 1;
                let pri = (*cb).pri as usize;
                self.active[pri].remove(cb);
            } else if (*cb).flags & EVLIST_ACTIVE_LATER != 0 {
                self.decr_count((*cb).flags);
                (*cb).flags &= !EVLIST_ACTIVE_LATER;
                self.event_count_active -= 1;
                self.active_later.remove(cb);
            }
        }
    }

    /// Move everything activated "for later" into the real queues (start of an iteration).
    pub fn make_later_events_active(&mut self) {
        while !self.active_later.is_empty() {
            let cb = self.active_later.head;
            // SAFETY: queued callbacks are live (module contract); cb is active_later's head.
            unsafe {
                self.active_later.remove(cb);
                (*cb).flags = ((*cb).flags & !EVLIST_ACTIVE_LATER) | EVLIST_ACTIVE;
                let pri = ((*cb).pri as usize).min(self.active.len() - 1);
                self.active[pri].push_back(cb);
            }
        }
    }

    /// Queue a bare callback (deferred callbacks and finalizers). Returns true if newly queued.
    ///
    /// # Safety
    /// Module contract for `cb` (live until it runs or is cancelled).
    pub unsafe fn callback_activate(&mut self, cb: *mut EventCallback) -> bool {
        // SAFETY: cb is live (contract); the queue helpers get the same contract.
        unsafe {
            let flags = (*cb).flags;
            if flags & EVLIST_FINALIZING != 0 {
                return false;
            }
            match flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) {
                EVLIST_ACTIVE => return false,
                EVLIST_ACTIVE_LATER => {
                    self.queue_remove_active(cb);
                }
                _ => {}
            }
            if ((*cb).pri as i32) < self.running_priority {
                self.event_continue = true;
            }
            self.queue_insert_active(cb);
            self.thread.notify_if_needed(self);
            true
        }
    }

    /// Take `cb` off the active queues (an event's head: `del_nolock` it). False while it is
    /// finalizing.
    ///
    /// # Safety
    /// Module contract for `cb`.
    pub unsafe fn callback_cancel(&mut self, cb: *mut EventCallback) -> bool {
        // SAFETY: cb is live (contract); with EVLIST_INIT it is the head of an assigned event.
        unsafe {
            if (*cb).flags & EVLIST_INIT != 0 {
                return self.del_nolock(as_event(cb), false) == 0;
            }
            if (*cb).flags & EVLIST_FINALIZING != 0 {
                return false;
            }
            self.queue_remove_active(cb);
        }
        true
    }

    /// event_active's core.
    ///
    /// # Safety
    /// Module contract.
    #[inline]
    pub unsafe fn active_nolock(&mut self, ev: *mut Event, res: c_short, ncalls: c_short) {
        // SAFETY: ev is live, assigned to this base, and we hold the lock (contract).
        unsafe {
            let flags = (*ev).cb.flags;
            if flags & EVLIST_FINALIZING != 0 {
                return;
            }
            match flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) {
                EVLIST_ACTIVE => {
                    (*ev).res |= res;
                    return;
                }
                EVLIST_ACTIVE_LATER => {
                    (*ev).res |= res;
                }
                _ => {
                    (*ev).res = res;
                }
            }
            if ((*ev).cb.pri as i32) < self.running_priority {
                self.event_continue = true;
            }
            if (*ev).events & EV_SIGNAL != 0 {
                (*ev).u.sig.ncalls = ncalls;
                (*ev).u.sig.pncalls = ptr::null_mut();
            }
            let cb = as_callback(ev);
            if (*cb).flags & EVLIST_ACTIVE_LATER != 0 {
                self.queue_remove_active(cb);
            }
            self.queue_insert_active(cb);
            self.thread.notify_if_needed(self);
        }
    }

    /// Activate on the next iteration instead of this one (event_active_later_).
    ///
    /// # Safety
    /// Module contract.
    pub unsafe fn active_later_nolock(&mut self, ev: *mut Event, res: c_short) {
        // SAFETY: ev is live, assigned to this base, and we hold the lock (contract).
        unsafe {
            if (*ev).cb.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) != 0 {
                (*ev).res |= res;
                return;
            }
            (*ev).res = res;
            self.queue_insert_active_later(as_callback(ev));
            self.thread.notify_if_needed(self);
        }
    }

    /// Activate `fd`'s events for what the backend reported (READ, WRITE, CLOSED, and ET
    /// riding along for edge-triggered events).
    pub fn active_by_fd_nolock(&mut self, fd: c_int, what: Ev) {
        let what = (what & (Ev::READ | Ev::WRITE | Ev::CLOSED | Ev::ET)).bits();
        // Walk the fd's list in place: activating never changes which events are on it.
        let mut ev = self.io.slot(fd).map_or(ptr::null_mut(), |s| s.head);
        while !ev.is_null() {
            // SAFETY: listed events are live (module contract); no callback runs while we walk.
            let (mine, next) = unsafe { ((*ev).events, (*ev).io_next) };
            if mine & what & !EV_ET != 0 {
                // SAFETY: a listed event of this base; the caller holds the lock.
                unsafe { self.active_nolock(ev, mine & what, 1) };
            }
            ev = next;
        }
    }

    pub fn active_by_signal_nolock(&mut self, sig: c_int, ncalls: c_short) {
        let mut evs = std::mem::take(&mut self.scratch);
        self.sigmap.events(sig, &mut evs);
        for &ev in &evs {
            // SAFETY: events on the signal's list are live and of this base; the caller holds
            // the lock.
            unsafe { self.active_nolock(ev, EV_SIGNAL, ncalls) };
        }
        self.scratch = evs;
    }
}
