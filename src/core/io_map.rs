//! Which events watch which fd (and which signal): libevent's evmap. Each fd's events form an
//! intrusive list through the events' own `ev_io_next` links, newest first, so activation
//! visits them in libevent's order and costs no allocation.
//!
//! # Pointer contract
//! An event handed to [`EventMap::insert`] is live and on no list; one handed to
//! [`EventMap::remove`] is live and on that key's list. A listed event stays live until it is
//! removed: the core unlinks an event (event_del) before the program may free or reassign it.

use super::event::{Event, EV_CLOSED, EV_ET, EV_READ, EV_WRITE};
use crate::backend::Interest;
use std::ptr;

#[derive(Clone, Copy)]
pub struct IoSlot {
    pub head: *mut Event,
    pub nread: u32,
    pub nwrite: u32,
    pub nclose: u32,
    pub net: u32,
    /// The union of the listed events' READ/WRITE/CLOSED/ET bits, kept as the counts change.
    bits: i16,
}

impl IoSlot {
    const EMPTY: IoSlot = IoSlot { head: ptr::null_mut(), nread: 0, nwrite: 0, nclose: 0, net: 0, bits: 0 };

    /// What the backend should be watching for this fd.
    #[inline]
    pub fn interest(&self) -> Interest {
        Interest::from_bits_retain(self.bits)
    }
}

/// Per-key intrusive lists (key = fd or signal number).
#[derive(Default)]
pub struct EventMap {
    slots: Vec<IoSlot>,
}

impl EventMap {
    pub fn new() -> Self {
        EventMap { slots: Vec::new() }
    }

    pub fn slot(&self, key: i32) -> Option<&IoSlot> {
        self.slots.get(key as usize)
    }

    /// Make room for `key`'s slot: false when no real descriptor can be that large or the
    /// memory is not there, so event_add fails with -1 (as libevent's map refuses to grow past
    /// half of INT_MAX) instead of aborting on an impossible allocation.
    #[inline]
    pub fn make_room(&mut self, key: i32) -> bool {
        if (key as u32 as usize) < self.slots.len() {
            return true;
        }
        self.grow(key)
    }

    #[cold]
    fn grow(&mut self, key: i32) -> bool {
        const MAX_KEY: usize = 1 << 29;
        let Ok(k) = usize::try_from(key) else { return false };
        if k >= MAX_KEY {
            return false;
        }
        // Grow geometrically (as Vec would), but fallibly; within capacity, only the length.
        if k >= self.slots.capacity() {
            let want = (k + 1).max(self.slots.capacity() * 2).min(MAX_KEY);
            if self.slots.try_reserve_exact(want - self.slots.len()).is_err() {
                return false;
            }
        }
        // Fill the whole capacity: fds come in rising order, and growing one slot per new fd
        // would make every first add of a fd pay for a resize.
        let len = self.slots.capacity().max(k + 1);
        self.slots.resize(len, IoSlot::EMPTY);
        true
    }

    /// Slots up to `k` (signal numbers, which skip make_room).
    #[cold]
    #[inline(never)]
    fn fill_to(&mut self, k: usize) {
        self.slots.resize(k + 1, IoSlot::EMPTY);
    }

    /// Link `ev` at the head of `key`'s list and count its interest. Returns (old, new) interest.
    ///
    /// # Safety
    /// Module contract: `ev` is live and on no list.
    #[inline(always)]
    pub unsafe fn insert(&mut self, key: i32, ev: *mut Event) -> (Interest, Interest) {
        let k = key as usize;
        if k >= self.slots.len() {
            self.fill_to(k);
        }
        let slot = &mut self.slots[k];
        let old = slot.interest();
        // SAFETY: ev is live and unlinked (contract); the old head is listed, hence live.
        unsafe {
            let events = (*ev).events;
            slot.nread += (events & EV_READ != 0) as u32;
            slot.nwrite += (events & EV_WRITE != 0) as u32;
            slot.nclose += (events & EV_CLOSED != 0) as u32;
            slot.net += (events & EV_ET != 0) as u32;
            slot.bits |= events & (EV_READ | EV_WRITE | EV_CLOSED | EV_ET);
            (*ev).io_next = slot.head;
            (*ev).io_prev = ptr::null_mut();
            if !slot.head.is_null() {
                (*slot.head).io_prev = &mut (*ev).io_next as *mut *mut Event;
            }
            // io_prev of the head points at nothing we own (the slot may move when the Vec
            // grows); a null io_prev marks "I am the head".
            slot.head = ev;
        }
        (old, slot.interest())
    }

    /// Unlink `ev` from `key`'s list. Returns (old, new) interest.
    ///
    /// # Safety
    /// Module contract: `ev` is live and on `key`'s list.
    #[inline(always)]
    pub unsafe fn remove(&mut self, key: i32, ev: *mut Event) -> (Interest, Interest) {
        let k = key as usize;
        let Some(slot) = self.slots.get_mut(k) else { return (Interest::empty(), Interest::empty()) };
        let old = slot.interest();
        // SAFETY: ev is live and on this slot's list (contract), so are its neighbours, and
        // io_prev (when set) points at the previous event's io_next.
        unsafe {
            // Only the counts this event is in move, and a bit goes when its count reaches 0.
            let events = (*ev).events;
            if events & EV_READ != 0 {
                slot.nread = slot.nread.saturating_sub(1);
                if slot.nread == 0 {
                    slot.bits &= !EV_READ;
                }
            }
            if events & EV_WRITE != 0 {
                slot.nwrite = slot.nwrite.saturating_sub(1);
                if slot.nwrite == 0 {
                    slot.bits &= !EV_WRITE;
                }
            }
            if events & EV_CLOSED != 0 {
                slot.nclose = slot.nclose.saturating_sub(1);
                if slot.nclose == 0 {
                    slot.bits &= !EV_CLOSED;
                }
            }
            if events & EV_ET != 0 {
                slot.net = slot.net.saturating_sub(1);
                if slot.net == 0 {
                    slot.bits &= !EV_ET;
                }
            }
            let next = (*ev).io_next;
            if (*ev).io_prev.is_null() {
                slot.head = next;
            } else {
                *(*ev).io_prev = next;
            }
            if !next.is_null() {
                (*next).io_prev = (*ev).io_prev;
            }
            (*ev).io_next = ptr::null_mut();
            (*ev).io_prev = ptr::null_mut();
        }
        (old, slot.interest())
    }

    /// The events on `key`, newest first, collected so callers may change the list while
    /// acting on them.
    pub fn events(&self, key: i32, out: &mut Vec<*mut Event>) {
        out.clear();
        let Some(slot) = self.slots.get(key as usize) else { return };
        let mut p = slot.head;
        while !p.is_null() {
            out.push(p);
            // SAFETY: every listed event is live (module contract).
            p = unsafe { (*p).io_next };
        }
    }

    /// Every (key, slot) with events, for reinit and foreach.
    pub fn keys(&self) -> impl Iterator<Item = (i32, &IoSlot)> + '_ {
        self.slots.iter().enumerate().filter(|(_, s)| !s.head.is_null()).map(|(k, s)| (k as i32, s))
    }
}
