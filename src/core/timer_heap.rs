//! Min-heap of timed events. The heap position lives in the event itself (`heap_idx`, where
//! libevent keeps `min_heap_idx`), so removing an arbitrary event is O(log n) with no lookup.
//!
//! The heap orders by its own key (`heap_key`, microseconds, and `heap_seq` so equal
//! deadlines fire in add order), not directly by `ev_timeout`. Moving a deadline *later*
//! (what every persistent event with an idle timeout does on each callback) only updates
//! `ev_timeout`: the stale, earlier key surfaces at the top eventually and is then re-keyed
//! with one sift-down (`settle_top`). Moving a deadline earlier sifts up at once.

use super::event::Event;
use libc::timeval;

pub struct TimerHeap {
    slots: Vec<*mut Event>,
    next_seq: u32,
}

#[inline]
pub fn micros(tv: &timeval) -> i64 {
    tv.tv_sec.saturating_mul(1_000_000).saturating_add(tv.tv_usec)
}

// SAFETY (for every deref below): the heap holds only events that are added to its base with
// EVLIST_TIMEOUT set; the core removes an event from the heap before the program may free it
// (event_del / timeout expiry), so every pointer in `slots` is live.
#[inline]
fn before(a: *mut Event, b: *mut Event) -> bool {
    // SAFETY: see above.
    unsafe {
        let (ka, kb) = ((*a).heap_key, (*b).heap_key);
        // Sequence numbers wrap; compare them as a window.
        ka < kb || (ka == kb && ((*a).heap_seq.wrapping_sub((*b).heap_seq) as i32) < 0)
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
        self.next_seq = self.next_seq.wrapping_add(1);
        // SAFETY: the caller hands us a live event not yet in the heap.
        unsafe {
            (*ev).heap_seq = self.next_seq;
            (*ev).heap_key = micros(&(*ev).timeout);
        }
        self.slots.push(ev);
        let i = self.slots.len() - 1;
        self.sift_up(i);
    }

    /// `ev` (in the heap) got a new `timeout`. Later: lazy, nothing moves. Earlier: sift up.
    pub fn reschedule(&mut self, ev: *mut Event) {
        // SAFETY: the caller hands us a live event that is in this heap.
        let (idx, new) = unsafe { ((*ev).heap_idx, micros(&(*ev).timeout)) };
        if idx < 0 || idx as usize >= self.slots.len() || self.slots[idx as usize] != ev {
            self.push(ev);
            return;
        }
        // SAFETY: as above.
        let key = unsafe { (*ev).heap_key };
        if new > key {
            // Stale key, fixed when it reaches the top (settle_top sifts it down then). The
            // sequence number stays: raising it here could hide an equal, older key below.
            return;
        }
        // A re-add counts as a new add for FIFO order among equal deadlines.
        self.next_seq = self.next_seq.wrapping_add(1);
        // SAFETY: as above.
        unsafe {
            (*ev).heap_seq = self.next_seq;
            (*ev).heap_key = new;
        }
        if new == key {
            self.sift_down(idx as usize);
        } else {
            self.sift_up(idx as usize);
        }
    }

    /// Make the top's key its real deadline; repeat until the top is exact. Returns the top,
    /// whose `heap_key` is then its true deadline.
    pub fn settle_top(&mut self) -> Option<*mut Event> {
        loop {
            let top = *self.slots.first()?;
            // SAFETY: heap events are live.
            let real = unsafe { micros(&(*top).timeout) };
            // SAFETY: as above.
            if real <= unsafe { (*top).heap_key } {
                return Some(top);
            }
            // SAFETY: as above.
            unsafe { (*top).heap_key = real };
            self.sift_down(0);
        }
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
        let mut last: Option<(i64, u32)> = None;
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
                    if model[i].is_some() {
                        h.reschedule(p);
                    } else {
                        h.push(p);
                    }
                    model[i] = Some(t * 1_000_000);
                }
                2 => {
                    if model[i].take().is_some() {
                        h.remove(p);
                    }
                }
                _ => {
                    let expect = model.iter().filter_map(|m| *m).min();
                    match (expect, h.settle_top()) {
                        (None, got) => assert!(got.is_none()),
                        (Some(d), got) => {
                            let g = got.expect("heap has the model's minimum");
                            let gi = evs.iter().position(|e| &**e as *const Event == g as *const Event).unwrap();
                            assert_eq!(model[gi], Some(d));
                            assert_eq!(evs[gi].heap_key, d);
                            h.remove(g);
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
            h.push(&mut **e);
        }
        let first: *mut Event = &mut *evs[0];
        h.reschedule(first);
        let mut out = Vec::new();
        while let Some(p) = h.settle_top() {
            h.remove(p);
            out.push(evs.iter().position(|e| &**e as *const Event == p as *const Event).unwrap());
        }
        let mut want: Vec<usize> = (1..50).collect();
        want.push(0);
        assert_eq!(out, want);
    }
}
