//! 4-ary min-heap of timed events. The heap position lives in the event itself (`heap_idx`, where
//! libevent keeps `min_heap_idx`), so removing an arbitrary event is O(log n) with no lookup.
//!
//! The heap orders by its own key (kept inline in the heap array: microseconds, and a
//! sequence number so equal deadlines fire in add order), not directly by `ev_timeout`. Moving a deadline *later*
//! (what every persistent event with an idle timeout does on each callback) only updates
//! `ev_timeout`: the stale, earlier key surfaces at the top eventually and is then re-keyed
//! with one sift-down (`settle_top`). Moving a deadline earlier sifts up at once.
//!
//! Deleting is lazy too: the event's slot becomes a tombstone (no event pointer, so the
//! program may free the event at once) that is dropped when it reaches the top, or when
//! tombstones outnumber live timers and the heap is rebuilt. Timers that are added and
//! deleted before they fire (idle timeouts) thus cost no sifting on delete.

//!
//! # Pointer contract
//! An event handed to [`TimerHeap::push`], [`TimerHeap::reschedule`] or [`TimerHeap::remove`]
//! is live and has its `timeout` set; an event in the heap stays live until it is removed
//! (the core removes it on event_del and on expiry, before the program may free it). The heap
//! writes only the events' `heap_idx`.

use super::event::Event;
use libc::timeval;

/// One heap entry: the ordering key kept inline so sifting compares without touching the
/// events themselves (only the moved event's `heap_idx` is written).
#[derive(Clone, Copy)]
struct Slot {
    key: i64,
    seq: u32,
    ev: *mut Event,
}

impl Slot {
    #[inline]
    fn before(&self, o: &Slot) -> bool {
        // Sequence numbers wrap; compare them as a window.
        self.key < o.key || (self.key == o.key && (self.seq.wrapping_sub(o.seq) as i32) < 0)
    }
}

pub struct TimerHeap {
    slots: Vec<Slot>,
    next_seq: u32,
    live: usize,
}

/// Children per node: a 4-ary heap is half as deep as a binary one, and a node's children
/// share a cache line or two of inline keys.
pub const ARITY: usize = 4;

/// A heap position's parent (position > 0).
#[inline]
pub fn parent_of(i: usize) -> usize {
    (i - 1) / ARITY
}

/// Rebuild when tombstones are more than this many and more than the live timers.
const MIN_TOMBSTONES_TO_COMPACT: usize = 64;

#[inline]
pub fn micros(tv: &timeval) -> i64 {
    tv.tv_sec.saturating_mul(1_000_000).saturating_add(tv.tv_usec)
}

// Every event pointer in `slots` is live (module contract), so the heap may write their
// `heap_idx` whenever it moves them.
impl TimerHeap {
    pub fn new() -> Self {
        TimerHeap { slots: Vec::new(), next_seq: 0, live: 0 }
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// A lower bound on the earliest deadline (exact unless the top's key is stale): enough
    /// to decide how long to sleep, without settling anything.
    pub fn earliest_bound(&self) -> Option<i64> {
        self.slots.first().map(|s| s.key)
    }

    /// The live timers (tombstones skipped).
    pub fn iter(&self) -> impl Iterator<Item = *mut Event> + '_ {
        self.slots.iter().map(|s| s.ev).filter(|e| !e.is_null())
    }

    /// (heap position, event) of the live timers, for invariant checks.
    pub fn positions(&self) -> impl Iterator<Item = (usize, *mut Event)> + '_ {
        self.slots.iter().enumerate().filter(|(_, s)| !s.ev.is_null()).map(|(i, s)| (i, s.ev))
    }

    /// The ordering key at heap position `i` (for invariant checks).
    pub fn key_at(&self, i: usize) -> Option<i64> {
        self.slots.get(i).map(|s| s.key)
    }

    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
    }

    #[inline]
    fn place(&mut self, i: usize, slot: Slot) {
        self.slots[i] = slot;
        if !slot.ev.is_null() {
            // SAFETY: the event is in the heap, hence live (module contract).
            unsafe { (*slot.ev).heap_idx = i as i32 };
        }
    }

    /// Insert `ev`, whose `timeout` is already set.
    ///
    /// # Safety
    /// Module contract; `ev` is not in the heap yet.
    pub unsafe fn push(&mut self, ev: *mut Event) {
        self.next_seq = self.next_seq.wrapping_add(1);
        // SAFETY: ev is live with its timeout set (contract).
        let key = unsafe { micros(&(*ev).timeout) };
        let slot = Slot { key, seq: self.next_seq, ev };
        self.slots.push(slot);
        self.live += 1;
        let i = self.slots.len() - 1;
        self.sift_up(i, slot);
    }

    /// # Safety
    /// `ev` is live.
    #[inline]
    unsafe fn index_of(&self, ev: *mut Event) -> Option<usize> {
        // SAFETY: ev is live (contract); heap_idx is only a hint, checked against the slot.
        let idx = unsafe { (*ev).heap_idx };
        if idx < 0 || idx as usize >= self.slots.len() || self.slots[idx as usize].ev != ev {
            return None;
        }
        Some(idx as usize)
    }

    /// `ev` (in the heap) got a new `timeout`. Later: lazy, nothing moves. Same or earlier:
    /// it counts as a new add (FIFO among equal deadlines) and moves now. An event that is not
    /// in the heap is pushed.
    ///
    /// # Safety
    /// Module contract.
    pub unsafe fn reschedule(&mut self, ev: *mut Event) {
        // SAFETY: ev is live (contract).
        let Some(i) = (unsafe { self.index_of(ev) }) else {
            // SAFETY: live, timeout set, and not in the heap (index_of said so).
            unsafe { self.push(ev) };
            return;
        };
        // SAFETY: ev is live with its new timeout set (contract).
        let new = unsafe { micros(&(*ev).timeout) };
        let old = self.slots[i];
        if new > old.key {
            // Stale key, fixed when it reaches the top (settle_top sifts it down then). The
            // sequence number stays: raising it here could hide an equal, older key below.
            return;
        }
        self.next_seq = self.next_seq.wrapping_add(1);
        let slot = Slot { key: new, seq: self.next_seq, ev };
        if new == old.key {
            self.sift_down(i, slot);
        } else {
            self.sift_up(i, slot);
        }
    }

    /// Drop tombstones from the top and make the top's key its real deadline; repeat until
    /// the top is a live timer with an exact key. Returns it.
    pub fn settle_top(&mut self) -> Option<*mut Event> {
        loop {
            let top = *self.slots.first()?;
            if top.ev.is_null() {
                self.remove_at(0);
                continue;
            }
            // SAFETY: heap events are live.
            let real = unsafe { micros(&(*top.ev).timeout) };
            if real <= top.key {
                return Some(top.ev);
            }
            self.sift_down(0, Slot { key: real, ..top });
        }
    }

    pub fn pop(&mut self) -> Option<*mut Event> {
        let top = self.settle_top()?;
        // SAFETY: top is in the heap, hence live (module contract).
        unsafe { self.remove(top) };
        Some(top)
    }

    /// Take `ev` out: its slot becomes a tombstone. No-op when it is not in this heap.
    ///
    /// # Safety
    /// `ev` is live (module contract).
    pub unsafe fn remove(&mut self, ev: *mut Event) {
        // SAFETY: ev is live (contract).
        let Some(i) = (unsafe { self.index_of(ev) }) else { return };
        self.slots[i].ev = std::ptr::null_mut();
        // SAFETY: ev is live (contract); mark it out of the heap.
        unsafe { (*ev).heap_idx = -1 };
        self.live -= 1;
        let tombstones = self.slots.len() - self.live;
        if tombstones > MIN_TOMBSTONES_TO_COMPACT && tombstones > self.live {
            self.compact();
        } else if self.live == 0 {
            self.slots.clear();
        }
    }

    /// Remove the slot at heap position `i` for real (a tombstone reaching the top).
    fn remove_at(&mut self, i: usize) {
        let last = self.slots.pop().expect("non-empty");
        if i < self.slots.len() {
            if i > 0 && last.before(&self.slots[parent_of(i)]) {
                self.sift_up(i, last);
            } else {
                self.sift_down(i, last);
            }
        }
    }

    /// Drop every tombstone and re-heapify (Floyd: O(n)).
    fn compact(&mut self) {
        self.slots.retain(|s| !s.ev.is_null());
        let n = self.slots.len();
        for i in (0..n.div_ceil(ARITY)).rev() {
            let s = self.slots[i];
            self.sift_down(i, s);
        }
        for i in 0..n {
            let s = self.slots[i];
            self.place(i, s);
        }
    }

    /// Put `slot` at hole `i` or above.
    fn sift_up(&mut self, mut i: usize, slot: Slot) {
        while i > 0 {
            let parent = parent_of(i);
            let p = self.slots[parent];
            if !slot.before(&p) {
                break;
            }
            self.place(i, p);
            i = parent;
        }
        self.place(i, slot);
    }

    /// Put `slot` at hole `i` or below.
    fn sift_down(&mut self, mut i: usize, slot: Slot) {
        let n = self.slots.len();
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            // The earliest of up to ARITY children (their keys sit side by side in `slots`).
            let last = (first + ARITY).min(n);
            let mut c = first;
            for j in first + 1..last {
                if self.slots[j].before(&self.slots[c]) {
                    c = j;
                }
            }
            let child = self.slots[c];
            if !child.before(&slot) {
                break;
            }
            self.place(i, child);
            i = c;
        }
        self.place(i, slot);
    }

    /// Forget everything (base teardown); events keep whatever flags the caller sets.
    pub fn drain(&mut self) -> Vec<*mut Event> {
        self.live = 0;
        let v: Vec<*mut Event> = self.slots.drain(..).map(|s| s.ev).filter(|e| !e.is_null()).collect();
        for &ev in &v {
            // SAFETY: every event that was in the heap is live (module contract).
            unsafe { (*ev).heap_idx = -1 };
        }
        v
    }
}

impl Default for TimerHeap {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libc::timeval;

    #[test]
    fn pops_in_deadline_then_fifo_order() {
        let mut evs: Vec<Box<Event>> = (0..200).map(|_| Box::new(Event::zeroed())).collect();
        let mut h = TimerHeap::new();
        for (i, e) in evs.iter_mut().enumerate() {
            e.timeout = timeval { tv_sec: ((i * 7919) % 13) as i64, tv_usec: 0 };
            e.heap_idx = -1;
            // SAFETY: the boxed events outlive the heap.
            unsafe { h.push(&mut **e) };
        }
        // remove a few from the middle
        for i in (0..200).step_by(17) {
            let p: *mut Event = &mut *evs[i];
            // SAFETY: as above.
            unsafe { h.remove(p) };
            assert_eq!(evs[i].heap_idx, -1);
        }
        let mut last: Option<i64> = None;
        let mut n = 0;
        while let Some(p) = h.pop() {
            // SAFETY: as above.
            let k = unsafe { (*p).timeout.tv_sec };
            if let Some(l) = last {
                assert!(l <= k, "{:?} > {:?}", l, k);
            }
            last = Some(k);
            n += 1;
        }
        assert_eq!(n, 200 - (0..200).step_by(17).count());
    }

    /// Random pushes, reschedules (earlier, equal, later), removes and settled pops against a
    /// model: events come out in deadline order (ties may differ after lazy reschedules).
    #[test]
    fn lazy_reschedule_matches_model() {
        let mut rng = 12345u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let n = 300;
        let mut evs: Vec<Box<Event>> = (0..n).map(|_| Box::new(Event::zeroed())).collect();
        for e in evs.iter_mut() {
            e.heap_idx = -1;
        }
        let mut h = TimerHeap::new();
        let mut model: Vec<Option<i64>> = vec![None; n];
        for _ in 0..50_000 {
            let i = (next() % n as u64) as usize;
            let p: *mut Event = &mut *evs[i];
            let t = (next() % 50) as i64;
            match next() % 4 {
                0 | 1 => {
                    evs[i].timeout = timeval { tv_sec: t, tv_usec: 0 };
                    // SAFETY: the boxed events outlive the heap; the model knows which are in it.
                    unsafe {
                        if model[i].is_some() {
                            h.reschedule(p);
                        } else {
                            h.push(p);
                        }
                    }
                    model[i] = Some(t * 1_000_000);
                }
                2 => {
                    if model[i].take().is_some() {
                        // SAFETY: as above.
                        unsafe { h.remove(p) };
                    }
                }
                _ => {
                    let expect = model.iter().filter_map(|m| *m).min();
                    match (expect, h.settle_top()) {
                        (None, got) => assert!(got.is_none()),
                        (Some(d), got) => {
                            let g = got.expect("heap has the model's minimum");
                            let gi = evs.iter().position(|e| std::ptr::eq(&**e, g)).unwrap();
                            assert_eq!(model[gi], Some(d));
                            // SAFETY: as above.
                            unsafe { h.remove(g) };
                            model[gi] = None;
                        }
                    }
                }
            }
        }
    }

    /// Equal deadlines come out in add order, and an equal re-add goes to the back.
    #[test]
    fn equal_deadlines_are_fifo() {
        let mut evs: Vec<Box<Event>> = (0..50).map(|_| Box::new(Event::zeroed())).collect();
        let mut h = TimerHeap::new();
        for e in evs.iter_mut() {
            e.heap_idx = -1;
            e.timeout = timeval { tv_sec: 7, tv_usec: 0 };
            // SAFETY: the boxed events outlive the heap.
            unsafe { h.push(&mut **e) };
        }
        let first: *mut Event = &mut *evs[0];
        // SAFETY: as above.
        unsafe { h.reschedule(first) };
        let mut out = Vec::new();
        while let Some(p) = h.settle_top() {
            // SAFETY: as above.
            unsafe { h.remove(p) };
            out.push(evs.iter().position(|e| std::ptr::eq(&**e, p)).unwrap());
        }
        let mut want: Vec<usize> = (1..50).collect();
        want.push(0);
        assert_eq!(out, want);
    }
}
