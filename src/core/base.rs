//! `struct event_base`: the registry of added events (per-fd and per-signal lists, the timer
//! heap) and the operations that add and delete events, the base's clock, its creation and
//! teardown. Two parts live beside it: `base/active.rs` (the active queues and activation)
//! and `base/common_timeout.rs`. The loop itself is in `dispatch.rs`.
//!
//! Every operation here takes events as raw pointers: the memory belongs to the program and
//! the program's callbacks call straight back in, so no Rust borrow of an event is held across
//! anything that could reach a callback.
//!
//! # Pointer contract
//! For every `unsafe fn` here taking `ev: *mut Event`: `ev` points to a live, assigned
//! `struct event` (the program's, or one of our internal ones) whose `ev_base` is this base,
//! and the caller holds the base's lock (the `_nolock` methods never take it). A `cb: *mut
//! EventCallback` is likewise live (an event's head, or a bare deferred callback) until it has
//! run or been cancelled. Events on the base's lists (fd/signal maps, timer heap, active
//! queues) are live until they leave them, which `del_nolock` does before the program may
//! free or reassign an event. The two submodules share this contract.

use super::clock::{self, MonotonicClock};
use super::config::*;
use super::debug;
use super::event::*;
use super::io_map::EventMap;
use super::log;
use super::mem;
use super::signal::{self, SigState};
use super::timer_heap::TimerHeap;
use crate::backend::{self, Backend, Features};
use libc::{c_int, c_short, c_void, timeval};
use std::collections::HashSet;
use std::ptr;

mod active;
mod common_timeout;

pub use active::CbQueue;
pub use common_timeout::COMMON_TIMEOUT_MICROSECONDS_MASK;

pub const EVENT_MAX_PRIORITIES: i32 = 256;

/// How often the wall-clock/monotonic offset is refreshed (seconds).
const CLOCK_SYNC_INTERVAL: i64 = 5;

/// What event_base_once allocates: the event first, so the event pointer is the allocation.
#[repr(C)]
pub struct OnceEvent {
    pub ev: Event,
    pub cb: Option<EventCallbackFn>,
    pub arg: *mut c_void,
}

pub struct EventBase {
    pub backend: Box<dyn Backend>,
    pub method: &'static str,
    pub flags: BaseFlags,
    changelist: bool,
    pub io: EventMap,
    pub sigmap: EventMap,
    pub sig: SigState,
    pub timers: TimerHeap,
    pub active: Vec<CbQueue>,
    pub active_later: CbQueue,

    /// Memberships (inserted, timeout, active) of non-internal events, as libevent counts.
    pub event_count: usize,
    pub event_count_max: usize,
    /// Callbacks in the active queues, internal ones included.
    pub event_count_active: usize,
    pub event_count_active_max: usize,
    pub virtual_count: usize,
    pub virtual_count_max: usize,

    pub running_loop: bool,
    pub got_term: bool,
    pub got_break: bool,
    pub event_continue: bool,
    pub running_priority: i32,
    pub current_event: *mut EventCallback,

    pub clock: MonotonicClock,
    /// Cached monotonic "now" while a loop iteration runs callbacks.
    pub tv_cache: Option<timeval>,
    /// wall clock - monotonic clock.
    pub tv_clock_diff: timeval,
    last_clock_sync: i64,

    pub common_timeouts: Vec<Box<timeval>>,
    pub max_dispatch_time: Option<timeval>,
    pub max_dispatch_callbacks: i32,
    pub limit_callbacks_after_prio: i32,

    pub once_events: HashSet<usize>,
    /// Deferred callbacks queued in this iteration (more go to the next one).
    pub n_deferreds_queued: usize,
    /// Scratch buffers reused by every dispatch.
    pub ready: Vec<(c_int, Ev)>,
    pub scratch: Vec<*mut Event>,
    pub thread: crate::thread::BaseThreading,
}

impl EventBase {
    pub fn new(cfg: &EventConfig) -> Option<*mut EventBase> {
        debug::mark_used();
        let precise = cfg.flags.contains(BaseFlags::PRECISE_TIMER) || cfg.env_flag("EVENT_PRECISE_TIMER");
        let changelist = cfg.flags.contains(BaseFlags::EPOLL_USE_CHANGELIST) || cfg.env_flag("EVENT_EPOLL_USE_CHANGELIST");
        let mut chosen: Option<Box<dyn Backend>> = None;
        for name in backend::METHODS {
            if cfg.method_disabled(name) {
                continue;
            }
            if !backend::features_of(name).contains(cfg.require_features) {
                continue;
            }
            if let Some(b) = backend::create(name, changelist) {
                chosen = Some(b);
                break;
            }
        }
        let Some(backend) = chosen else {
            log::warn("event_base_new_with_config: no event mechanism available");
            return None;
        };
        let method = backend.name();
        if cfg.env_flag("EVENT_SHOW_METHOD") {
            log::log(log::EVENT_LOG_MSG, &format!("libevent using: {}", method));
        }
        let base = mem::new_object(EventBase {
            backend,
            method,
            flags: cfg.flags,
            changelist,
            io: EventMap::new(),
            sigmap: EventMap::new(),
            sig: SigState::new(),
            timers: TimerHeap::new(),
            active: vec![CbQueue::EMPTY; 1],
            active_later: CbQueue::EMPTY,
            event_count: 0,
            event_count_max: 0,
            event_count_active: 0,
            event_count_active_max: 0,
            virtual_count: 0,
            virtual_count_max: 0,
            running_loop: false,
            got_term: false,
            got_break: false,
            event_continue: false,
            running_priority: -1,
            current_event: ptr::null_mut(),
            clock: MonotonicClock::new(precise),
            tv_cache: None,
            tv_clock_diff: clock::ZERO,
            last_clock_sync: i64::MIN,
            common_timeouts: Vec::new(),
            max_dispatch_time: cfg.max_dispatch_interval,
            max_dispatch_callbacks: cfg.max_dispatch_callbacks,
            limit_callbacks_after_prio: cfg.limit_callbacks_after_prio,
            once_events: HashSet::new(),
            n_deferreds_queued: 0,
            ready: Vec::with_capacity(64),
            scratch: Vec::new(),
            thread: Default::default(),
        })?;
        // SAFETY: base was just made and is ours alone.
        unsafe { (*base).sync_clock_diff(true) };
        // SAFETY: base is live and not shared yet.
        if !cfg.flags.contains(BaseFlags::NOLOCK)
            && crate::thread::enabled()
            && unsafe { crate::thread::make_base_notifiable(base) } < 0
        {
            // SAFETY: base came from mem::new_object above and was never handed out.
            unsafe { mem::free_object(base) };
            return None;
        }
        Some(base)
    }

    #[inline]
    pub fn lock(&self) {
        self.thread.lock();
    }

    #[inline]
    pub fn unlock(&self) {
        self.thread.unlock();
    }

    pub fn is_changelist(&self) -> bool {
        self.changelist
    }

    pub fn features(&self) -> Features {
        self.backend.features()
    }

    pub fn npriorities(&self) -> i32 {
        self.active.len() as i32
    }

    // ---- time ----

    fn sync_clock_diff(&mut self, force: bool) {
        let mono = self.clock.now();
        if force || mono.tv_sec >= self.last_clock_sync.saturating_add(CLOCK_SYNC_INTERVAL) {
            let wall = clock::wall_now();
            self.tv_clock_diff = clock::sub(&wall, &mono);
            self.last_clock_sync = mono.tv_sec;
        }
    }

    /// Monotonic now: the cached value while callbacks run, else a fresh reading.
    #[inline]
    pub fn gettime(&mut self) -> timeval {
        if let Some(tv) = self.tv_cache {
            return tv;
        }
        let now = self.clock.now();
        if now.tv_sec >= self.last_clock_sync.saturating_add(CLOCK_SYNC_INTERVAL) {
            self.resync_clock_diff();
        }
        now
    }

    #[cold]
    #[inline(never)]
    fn resync_clock_diff(&mut self) {
        self.sync_clock_diff(true);
    }

    pub fn clear_time_cache(&mut self) {
        self.tv_cache = None;
    }

    pub fn update_time_cache(&mut self) {
        self.tv_cache = None;
        if !self.flags.contains(BaseFlags::NO_CACHE_TIME) {
            let now = self.gettime();
            self.tv_cache = Some(now);
        }
    }

    /// Wall-clock time as the loop sees it (cached while callbacks run).
    pub fn gettimeofday_cached(&mut self) -> timeval {
        match self.tv_cache {
            Some(tv) => clock::add(&tv, &self.tv_clock_diff),
            None => clock::wall_now(),
        }
    }

    // ---- counting ----

    #[inline]
    fn incr_count(&mut self, flags: u16) {
        if flags & EVLIST_INTERNAL == 0 {
            self.event_count += 1;
            self.event_count_max = self.event_count_max.max(self.event_count);
        }
    }

    #[inline]
    fn decr_count(&mut self, flags: u16) {
        if flags & EVLIST_INTERNAL == 0 {
            self.event_count -= 1;
        }
    }

    pub fn have_events(&self) -> bool {
        self.virtual_count > 0 || self.event_count > 0
    }

    // ---- the registry: add / del ----

    /// event_add's core. `absolute`: tv is a deadline on our monotonic clock.
    ///
    /// # Safety
    /// Module contract.
    pub unsafe fn add_nolock(&mut self, ev: *mut Event, tv: Option<&timeval>, absolute: bool) -> c_int {
        // SAFETY: ev is live, assigned to this base, and we hold the lock (contract).
        unsafe {
            let flags = (*ev).cb.flags;
            if flags & EVLIST_FINALIZING != 0 {
                return -1;
            }
            let events = (*ev).events;
            let mut res: c_int = 0;
            if events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL) != 0
                && flags & (EVLIST_INSERTED | EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) == 0
            {
                res = self.map_insert(ev);
                if res != -1 {
                    self.incr_count((*ev).cb.flags);
                    (*ev).cb.flags |= EVLIST_INSERTED;
                }
            }
            if res != -1 {
                if let Some(tv) = tv {
                    self.schedule_timeout(ev, tv, absolute);
                }
            }
            if res != -1 && (*ev).cb.flags & EVLIST_INTERNAL == 0 {
                debug::note_added(ev, true);
            }
            res
        }
    }

    /// Put `ev` on the timer heap at now + tv (or at tv when absolute).
    ///
    /// # Safety
    /// Module contract.
    unsafe fn schedule_timeout(&mut self, ev: *mut Event, tv: &timeval, absolute: bool) {
        // SAFETY: ev is live and assigned to this base (contract): the heap's contract too.
        unsafe {
            if (*ev).cb.closure == CLOSURE_EVENT_PERSIST && !absolute {
                (*ev).u.io_timeout = *tv;
            }
            let was_timed = (*ev).cb.flags & EVLIST_TIMEOUT != 0;
            // An event about to run because its timeout fired, re-added with a new timeout:
            // it must not run for the old one.
            if (*ev).cb.flags & EVLIST_ACTIVE != 0 && (*ev).res & EV_TIMEOUT != 0 {
                if (*ev).events & EV_SIGNAL != 0 && (*ev).u.sig.ncalls != 0 && !(*ev).u.sig.pncalls.is_null() {
                    *(*ev).u.sig.pncalls = 0;
                    // The closure stops without touching the event again: forget its counter.
                    (*ev).u.sig.pncalls = ptr::null_mut();
                }
                self.queue_remove_active(as_callback(ev));
            }
            let deadline = if absolute {
                *tv
            } else {
                let rel = self.decode_common_timeout(tv);
                let now = self.gettime();
                clock::add(&now, &clock::normalize(&rel))
            };
            (*ev).timeout = deadline;
            if was_timed {
                self.timers.reschedule(ev);
            } else {
                self.timers.push(ev);
                self.incr_count((*ev).cb.flags);
                (*ev).cb.flags |= EVLIST_TIMEOUT;
            }
            self.thread.notify_if_needed(self);
        }
    }

    /// A persistent event's re-arm before its callback: the common case (still added, timer
    /// pending) only moves the deadline; anything else takes the general path.
    ///
    /// # Safety
    /// Module contract.
    pub unsafe fn rearm_timeout_nolock(&mut self, ev: *mut Event, deadline: &timeval) {
        // SAFETY: ev is live, assigned to this base, and we hold the lock (contract).
        unsafe {
            let f = (*ev).cb.flags;
            if f & (EVLIST_TIMEOUT | EVLIST_FINALIZING | EVLIST_ACTIVE) == EVLIST_TIMEOUT {
                (*ev).timeout = *deadline;
                self.timers.reschedule(ev);
                self.thread.notify_if_needed(self);
                return;
            }
            self.add_nolock(ev, Some(deadline), true);
        }
    }

    /// Link `ev` into the fd or signal map and tell the backend / signal layer.
    ///
    /// # Safety
    /// Module contract; `ev` is not inserted.
    #[inline]
    unsafe fn map_insert(&mut self, ev: *mut Event) -> c_int {
        // SAFETY: ev is live and on no map list (contract): the map's contract for insert.
        unsafe {
            let fd = (*ev).fd;
            if (*ev).events & EV_SIGNAL != 0 {
                return self.sigmap_insert(ev);
            }
            // libevent accepts a negative fd for I/O: the event counts as added and never fires.
            if fd < 0 {
                return 0;
            }
            if debug::on() && self.mixes_edge_triggered(ev) {
                return -1;
            }
            if !self.io.make_room(fd) {
                return -1;
            }
            // First add since event_assign: the fd number may now name another file.
            let fresh = (*ev)._pos_spare[0] & EV_FRESH_ASSIGN != 0;
            (*ev)._pos_spare[0] &= !EV_FRESH_ASSIGN;
            let (old, new) = self.io.insert(fd, ev);
            if (old != new || fresh) && self.backend.change(fd, old, new, fresh).is_err() {
                self.io.remove(fd, ev);
                if fresh {
                    (*ev)._pos_spare[0] |= EV_FRESH_ASSIGN;
                }
                return -1;
            }
            self.thread.notify_if_needed(self);
            0
        }
    }

    /// map_insert for a signal event: out of line, so the I/O path stays small.
    ///
    /// # Safety
    /// Module contract; `ev` is a signal event, not inserted.
    #[inline(never)]
    unsafe fn sigmap_insert(&mut self, ev: *mut Event) -> c_int {
        // SAFETY: ev is live and on no map list (contract): the map's contract for insert.
        unsafe {
            let fd = (*ev).fd;
            if fd < 0 || fd as usize >= signal::NSIG {
                return -1;
            }
            let first = self.sigmap.slot(fd).is_none_or(|s| s.head.is_null());
            if first && signal::install(self, fd).is_err() {
                return -1;
            }
            self.sigmap.insert(fd, ev);
            signal::set_owner(self);
            0
        }
    }

    /// Debug mode: `ev` would mix edge-triggered and level-triggered events on its fd (warned).
    ///
    /// # Safety
    /// Module contract; `ev` is live.
    #[cold]
    #[inline(never)]
    unsafe fn mixes_edge_triggered(&self, ev: *mut Event) -> bool {
        // SAFETY: ev is live (contract).
        let (fd, events) = unsafe { ((*ev).fd, (*ev).events) };
        if let Some(s) = self.io.slot(fd) {
            let has_et = s.net > 0;
            let others = (s.nread + s.nwrite + s.nclose) > 0;
            if others && has_et != (events & EV_ET != 0) {
                log::warn(&format!("Tried to mix edge-triggered and non-edge-triggered events on fd {}", fd));
                return true;
            }
        }
        false
    }

    /// map_remove for a signal event, out of line.
    ///
    /// # Safety
    /// Module contract; `ev` is a signal event on the signal map.
    #[inline(never)]
    unsafe fn sigmap_remove(&mut self, ev: *mut Event) -> c_int {
        // SAFETY: ev is live and on its signal's list (contract): the map's contract.
        unsafe {
            let fd = (*ev).fd;
            self.sigmap.remove(fd, ev);
            if self.sigmap.slot(fd).is_none_or(|s| s.head.is_null()) {
                signal::restore(self, fd);
            }
            0
        }
    }

    /// # Safety
    /// Module contract; `ev` is inserted in this base's maps.
    #[inline]
    unsafe fn map_remove(&mut self, ev: *mut Event) -> c_int {
        // SAFETY: ev is live and on its fd's (signal's) list (contract): the map's contract.
        unsafe {
            let fd = (*ev).fd;
            if (*ev).events & EV_SIGNAL != 0 {
                return self.sigmap_remove(ev);
            }
            if fd < 0 {
                return 0;
            }
            let (old, new) = self.io.remove(fd, ev);
            if old != new && self.backend.change(fd, old, new, false).is_err() {
                return -1;
            }
            self.thread.notify_if_needed(self);
            0
        }
    }

    /// event_del's core: take `ev` out of every list (a finalizing event only when
    /// `even_if_finalizing`). Waiting for a callback running in another thread is the caller's
    /// business (`core::api::del_with`).
    ///
    /// # Safety
    /// Module contract.
    pub unsafe fn del_nolock(&mut self, ev: *mut Event, even_if_finalizing: bool) -> c_int {
        // SAFETY: ev is live, assigned to this base, and we hold the lock (contract); pncalls,
        // when set, points at the running signal closure's counter.
        unsafe {
            if (*ev).base.is_null() {
                return -1;
            }
            if !even_if_finalizing && (*ev).cb.flags & EVLIST_FINALIZING != 0 {
                return 0;
            }
            // A signal callback looping over ncalls must stop. It does so without touching the
            // event again, so the pointer to its counter (on its stack frame, gone once it
            // returns) is forgotten here: a later delete must not write through it.
            if (*ev).events & EV_SIGNAL != 0 && (*ev).u.sig.ncalls != 0 && !(*ev).u.sig.pncalls.is_null() {
                *(*ev).u.sig.pncalls = 0;
                (*ev).u.sig.pncalls = ptr::null_mut();
            }
            if (*ev).cb.flags & EVLIST_TIMEOUT != 0 {
                self.timers.remove(ev);
                self.decr_count((*ev).cb.flags);
                (*ev).cb.flags &= !EVLIST_TIMEOUT;
            }
            if (*ev).cb.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) != 0 {
                self.queue_remove_active(as_callback(ev));
            }
            let mut res = 0;
            if (*ev).cb.flags & EVLIST_INSERTED != 0 {
                self.decr_count((*ev).cb.flags);
                (*ev).cb.flags &= !EVLIST_INSERTED;
                res = self.map_remove(ev);
                // The last event gone: a loop blocked in another thread must wake up to see
                // it has nothing left and return (libevent does the same).
                if self.event_count == 0 && self.virtual_count == 0 && self.event_count_active == 0 {
                    self.thread.notify_if_needed(self);
                }
            }
            if (*ev).cb.flags & EVLIST_INTERNAL == 0 {
                debug::note_added(ev, false);
            }
            res
        }
    }

    /// event_remove_timer's core: drop the timeout, keep any I/O or signal interest.
    ///
    /// # Safety
    /// Module contract.
    pub unsafe fn remove_timer_nolock(&mut self, ev: *mut Event) -> c_int {
        debug::assert_is_setup("event_remove_timer", ev);
        // SAFETY: ev is live, assigned to this base, and we hold the lock (contract).
        unsafe {
            if (*ev).cb.flags & EVLIST_TIMEOUT != 0 {
                self.timers.remove(ev);
                self.decr_count((*ev).cb.flags);
                (*ev).cb.flags &= !EVLIST_TIMEOUT;
                (*ev).u.io_timeout = clock::ZERO;
            }
        }
        0
    }

    pub fn priority_init(&mut self, n: i32) -> c_int {
        if self.event_count_active > 0 || !(1..EVENT_MAX_PRIORITIES).contains(&n) {
            return -1;
        }
        if n as usize == self.active.len() {
            return 0;
        }
        self.active = vec![CbQueue::EMPTY; n as usize];
        0
    }

    /// Rebuild kernel state after fork (event_reinit).
    pub fn reinit(&mut self) -> c_int {
        let mut res = 0;
        // A fresh kernel object first: the inherited epoll set is shared with the parent, so
        // the child must not touch it (not even to delete).
        let fresh_backend = self.backend.need_reinit();
        if fresh_backend {
            let Some(fresh) = backend::create(self.method, self.changelist) else {
                log::warn("event_reinit: could not reinitialize event mechanism");
                return -1;
            };
            self.backend = fresh;
        }
        if signal::reinit(self).is_err() {
            res = -1;
        }
        if fresh_backend {
            let keys: Vec<(c_int, backend::Interest)> = self.io.keys().map(|(fd, s)| (fd, s.interest())).collect();
            for (fd, interest) in keys {
                if self.backend.change(fd, backend::Interest::empty(), interest, true).is_err() {
                    res = -1;
                }
            }
        }
        let bp: *mut EventBase = self;
        // SAFETY: bp is this live base, whose lock the caller holds.
        if unsafe { crate::thread::reinit_base(bp) } < 0 {
            res = -1;
        }
        res
    }

    /// The invariants event_base_assert_ok_ checks: heap positions and order, queue
    /// membership flags and priorities.
    pub fn check_invariants(&self) -> Result<(), String> {
        for (i, ev) in self.timers.positions() {
            // SAFETY: heap events are live (module contract); read only.
            let e = unsafe { &*ev };
            if e.heap_idx as usize != i {
                return Err(format!("timer {:p} at {} thinks it is at {}", ev, i, e.heap_idx));
            }
            if e.cb.flags & EVLIST_TIMEOUT == 0 {
                return Err(format!("timer {:p} lacks EVLIST_TIMEOUT", ev));
            }
            if i > 0 && self.timers.key_at(i) < self.timers.key_at(super::timer_heap::parent_of(i)) {
                return Err(format!("heap order broken at {}", i));
            }
        }
        let mut n = 0;
        for (pri, q) in self.active.iter().enumerate() {
            let mut cb = q.head;
            while !cb.is_null() {
                // SAFETY: queued callbacks are live.
                unsafe {
                    if (*cb).flags & EVLIST_ACTIVE == 0 || (*cb).pri as usize != pri {
                        return Err(format!(
                            "active callback {:p} in queue {} has flags {:#x} pri {}",
                            cb,
                            pri,
                            (*cb).flags,
                            (*cb).pri
                        ));
                    }
                    cb = (*cb).active_next;
                }
                n += 1;
            }
        }
        let mut cb = self.active_later.head;
        while !cb.is_null() {
            // SAFETY: queued callbacks are live.
            unsafe {
                if (*cb).flags & EVLIST_ACTIVE_LATER == 0 {
                    return Err(format!("later callback {:p} lacks EVLIST_ACTIVE_LATER", cb));
                }
                cb = (*cb).active_next;
            }
            n += 1;
        }
        if n != self.event_count_active {
            return Err(format!("{} callbacks queued but {} counted", n, self.event_count_active));
        }
        Ok(())
    }

    /// Every non-internal event that is added or active, for foreach / dump.
    pub fn collect_events(&self) -> Vec<*mut Event> {
        let mut seen: HashSet<usize> = HashSet::new();
        let mut out = Vec::new();
        let mut push = |ev: *mut Event, out: &mut Vec<*mut Event>| {
            // SAFETY: events on the base's lists are live (module contract).
            let internal = unsafe { (*ev).cb.flags & EVLIST_INTERNAL != 0 };
            if !internal && seen.insert(ev as usize) {
                out.push(ev);
            }
        };
        let mut tmp = Vec::new();
        for (fd, _) in self.io.keys() {
            self.io.events(fd, &mut tmp);
            for &e in &tmp {
                push(e, &mut out);
            }
        }
        for (sig, _) in self.sigmap.keys() {
            self.sigmap.events(sig, &mut tmp);
            for &e in &tmp {
                push(e, &mut out);
            }
        }
        for e in self.timers.iter() {
            push(e, &mut out);
        }
        for q in self.active.iter().chain(std::iter::once(&self.active_later)) {
            let mut cb = q.head;
            while !cb.is_null() {
                // SAFETY: queued callbacks are live.
                unsafe {
                    if (*cb).flags & EVLIST_INIT != 0 {
                        push(as_event(cb), &mut out);
                    }
                    cb = (*cb).active_next;
                }
            }
        }
        out
    }
}

/// Initialise the fields of an event (event_assign without the checks and debug notes).
///
/// # Safety
/// `ev` points to a writable `struct event` (128 bytes) that is on none of a base's lists;
/// `base` is NULL or a live base.
pub unsafe fn assign_raw(
    ev: *mut Event,
    base: *mut EventBase,
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
) {
    // SAFETY: ev is writable and unlisted, base NULL or live (contract).
    unsafe {
        (*ev).base = base;
        (*ev).cb.cb = CallbackUnion { event: cb };
        (*ev).cb.arg = arg;
        (*ev).fd = fd;
        (*ev).events = events;
        (*ev).res = 0;
        (*ev).cb.flags = EVLIST_INIT;
        (*ev).cb.active_next = ptr::null_mut();
        (*ev).cb.active_prev = ptr::null_mut();
        (*ev).io_next = ptr::null_mut();
        (*ev).io_prev = ptr::null_mut();
        if events & EV_SIGNAL != 0 {
            (*ev).cb.closure = CLOSURE_EVENT_SIGNAL;
            (*ev).u.sig = SignalPart { ncalls: 0, pncalls: ptr::null_mut() };
        } else if events & EV_PERSIST != 0 {
            (*ev).cb.closure = CLOSURE_EVENT_PERSIST;
            (*ev).u.io_timeout = clock::ZERO;
        } else {
            (*ev).cb.closure = CLOSURE_EVENT;
            (*ev).u.io_timeout = clock::ZERO;
        }
        (*ev).heap_idx = -1;
        (*ev)._pos_spare = [EV_FRESH_ASSIGN, 0, 0];
        (*ev).cb.pri = if base.is_null() { 0 } else { ((*base).active.len() / 2) as u8 };
    }
}

/// Free a base. `run_finalizers`: finalize callbacks still queued run now (event_base_free);
/// event_base_free_nofinalize drops them.
///
/// # Safety
/// `base` came from [`EventBase::new`] and is not used afterwards.
pub unsafe fn free_base(base: *mut EventBase, run_finalizers: bool) {
    // SAFETY: base is live and given up to us (contract).
    let b = unsafe { &mut *base };
    if b.running_loop {
        log::warn("event_base_free: called while the loop is running; freeing anyway");
    }
    // Run or drop pending finalizers first: they may free memory the program owns.
    if run_finalizers {
        loop {
            let mut found: *mut EventCallback = ptr::null_mut();
            for q in b.active.iter().chain(std::iter::once(&b.active_later)) {
                let mut cb = q.head;
                while !cb.is_null() {
                    // SAFETY: queued callbacks are live.
                    unsafe {
                        if (*cb).flags & EVLIST_FINALIZING != 0 {
                            found = cb;
                            break;
                        }
                        cb = (*cb).active_next;
                    }
                }
                if !found.is_null() {
                    break;
                }
            }
            if found.is_null() {
                break;
            }
            // run_finalizer expects the base lock held and releases it around the program's
            // finalizer, as the loop does; with lock debugging on, an unlock of a lock we never
            // took is fatal (libevent's own tests free bases with finalizers pending).
            b.lock();
            // SAFETY: found is a queued finalizing callback.
            unsafe {
                b.queue_remove_active(found);
                super::dispatch::run_finalizer(b, found);
            }
        }
    }
    // Detach everything else without callbacks.
    for ev in b.collect_events() {
        // SAFETY: collected events are on this base's lists, hence live; no other user is left.
        unsafe { b.del_nolock(ev, true) };
    }
    for q in 0..b.active.len() {
        while !b.active[q].is_empty() {
            let cb = b.active[q].head;
            // SAFETY: queued callbacks are live.
            unsafe { b.queue_remove_active(cb) };
        }
    }
    while !b.active_later.is_empty() {
        let cb = b.active_later.head;
        // SAFETY: queued callbacks are live.
        unsafe { b.queue_remove_active(cb) };
    }
    for ev in b.timers.drain() {
        // SAFETY: heap events are live.
        unsafe { (*ev).cb.flags &= !EVLIST_TIMEOUT };
    }
    for p in std::mem::take(&mut b.once_events) {
        mem::free(p as *mut c_void);
    }
    if b.sig.ev_added {
        let ev: *mut Event = &mut *b.sig.ev;
        // SAFETY: our boxed internal signal event, assigned to this base.
        unsafe { b.del_nolock(ev, true) };
        b.sig.ev_added = false;
    }
    signal::teardown(b);
    b.thread.teardown();
    if crate::core::global::current_base() == base {
        crate::core::global::set_current_base(ptr::null_mut());
    }
    // SAFETY: base came from EventBase::new, i.e. mem::new_object (contract), and nothing
    // refers to it any more.
    unsafe { mem::free_object(base) };
}
