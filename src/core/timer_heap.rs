//! Min-heap of timed events. The heap position lives in the event itself (`heap_idx`, where
//! libevent keeps `min_heap_idx`), so removing an arbitrary event is O(log n) with no lookup.
//! Ties on the deadline break by a sequence number so equal deadlines fire in add order.

use super::clock;
use super::event::Event;
use std::cmp::Ordering;

pub struct TimerHeap {
    slots: Vec<*mut Event>,
    next_seq: u64,
}

// SAFETY (for every deref below): the heap holds only events that are added to its base with
// EVLIST_TIMEOUT set; the core removes an event from the heap before the program may free it
// (event_del / timeout expiry), so every pointer in `slots` is live.
#[inline]
fn before(a: *mut Event, b: *mut Event) -> bool {
    // SAFETY: see above.
    unsafe {
        match clock::cmp(&(*a).timeout, &(*b).timeout) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => (*a).heap_seq < (*b).heap_seq,
        }
    }
}

impl TimerHeap {
    pub fn new() -> Self {
        TimerHeap { slots: Vec::new(), next_seq: 0 }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn top(&self) -> Option<*mut Event> {
        self.slots.first().copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = *mut Event> + '_ {
        self.slots.iter().copied()
    }

    pub fn reserve(&mut self, n: usize) {
        self.slots.reserve(n);
    }

    #[inline]
    fn set_idx(&mut self, i: usize) {
        let ev = self.slots[i];
        // SAFETY: see module note; the event is in the heap.
        unsafe { (*ev).heap_idx = i as i32 };
    }

    /// Insert `ev`, whose `timeout` is already set.
    pub fn push(&mut self, ev: *mut Event) {
        self.next_seq += 1;
        // SAFETY: the caller hands us a live event not yet in the heap.
        unsafe { (*ev).heap_seq = self.next_seq };
        self.slots.push(ev);
        let i = self.slots.len() - 1;
        self.sift_up(i);
    }

    pub fn pop(&mut self) -> Option<*mut Event> {
        let top = *self.slots.first()?;
        self.remove(top);
        Some(top)
    }

    /// Remove `ev` from wherever it sits. No-op when it is not in this heap.
    pub fn remove(&mut self, ev: *mut Event) {
        // SAFETY: the caller hands us a live event.
        let idx = unsafe { (*ev).heap_idx };
        if idx < 0 || idx as usize >= self.slots.len() || self.slots[idx as usize] != ev {
            return;
        }
        let i = idx as usize;
        let last = self.slots.pop().expect("non-empty");
        // SAFETY: ev is live; mark it out of the heap.
        unsafe { (*ev).heap_idx = -1 };
        if i < self.slots.len() {
            self.slots[i] = last;
            self.set_idx(i);
            if i > 0 && before(last, self.slots[(i - 1) / 2]) {
                self.sift_up(i);
            } else {
                self.sift_down(i);
            }
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        let ev = self.slots[i];
        while i > 0 {
            let parent = (i - 1) / 2;
            if !before(ev, self.slots[parent]) {
                break;
            }
            self.slots[i] = self.slots[parent];
            self.set_idx(i);
            i = parent;
        }
        self.slots[i] = ev;
        self.set_idx(i);
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.slots.len();
        let ev = self.slots[i];
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let r = l + 1;
            let c = if r < n && before(self.slots[r], self.slots[l]) { r } else { l };
            if !before(self.slots[c], ev) {
                break;
            }
            self.slots[i] = self.slots[c];
            self.set_idx(i);
            i = c;
        }
        self.slots[i] = ev;
        self.set_idx(i);
    }

    /// Forget everything (base teardown); events keep whatever flags the caller sets.
    pub fn drain(&mut self) -> Vec<*mut Event> {
        let v = std::mem::take(&mut self.slots);
        for &ev in &v {
            // SAFETY: every pointer in the heap is live (module note).
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
            h.push(&mut **e);
        }
        // remove a few from the middle
        for i in (0..200).step_by(17) {
            let p: *mut Event = &mut *evs[i];
            h.remove(p);
            assert_eq!(evs[i].heap_idx, -1);
        }
        let mut last: Option<(i64, u64)> = None;
        let mut n = 0;
        while let Some(p) = h.pop() {
            let k = unsafe { ((*p).timeout.tv_sec, (*p).heap_seq) };
            if let Some(l) = last {
                assert!(l < k, "{:?} !< {:?}", l, k);
            }
            last = Some(k);
            n += 1;
        }
        assert_eq!(n, 200 - (0..200).step_by(17).count());
    }
}
