//! `struct evdns_base`: the resolver's state behind the program's lock, and its lifetime.
//!
//! Everything mutable lives in [`State`], reached only through [`EvdnsBase::lock`], which
//! holds the evthread lock the base was given at creation (none without threading). No
//! program code runs under that lock except the log callback: result callbacks are
//! deferred to the event loop ([`deliver`](super::deliver)) or, for evdns_getaddrinfo,
//! called after unlocking.
//!
//! The base is reference counted so that memory outliving `evdns_base_free` stays valid:
//! the program's pointer is one reference, each pending result callback and each
//! evdns_getaddrinfo request holds another (a program may still cancel those after freeing
//! the base, and their handles point back here). `evdns_base_free` tears everything down at
//! once; the memory goes when the last reference does.
//!
//! Timers: one event per base fires at the earliest deadline (a query's timeout or a name
//! server's next probe) instead of an event per query, so a query's memory never holds an
//! event another thread's loop might be running.

use super::lookup::Lookup;
use super::nameserver::Nameserver;
use super::options::Options;
use super::search::SharedSearch;
use crate::core::api;
use crate::core::base::EventBase;
use crate::core::event::{Event, EV_TIMEOUT};
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use libc::{c_int, c_short, c_void, timeval};
use std::cell::UnsafeCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// What a deadline is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    /// A query's reply timeout (lookup id).
    Reply(u64),
    /// A down name server's next probe (server id).
    Probe(u64),
    /// A name server's TCP connection may have been idle long enough (server id).
    TcpIdle(u64),
}

pub struct State {
    /// Our own address, for the callbacks' arguments.
    pub me: *const EvdnsBase,
    /// As given to evdns_base_new; NULL means the current base whenever an event is set up.
    pub event_base: *mut EventBase,
    pub opts: Options,
    pub disable_when_inactive: bool,
    /// evdns_base_free has run: nothing starts any more.
    pub shut_down: bool,
    pub search: Option<SharedSearch>,
    pub hosts: Vec<super::hosts::HostEntry>,
    /// The name servers in ring order; `head` is the next one round-robin picks.
    pub servers: Vec<Box<Nameserver>>,
    pub head: usize,
    /// How many are up.
    pub good: usize,
    pub next_server_id: u64,
    /// Every lookup in progress, by id (ids grow: creation order).
    pub lookups: BTreeMap<u64, Box<Lookup>>,
    pub next_lookup_id: u64,
    /// Lookups on the wire, by transaction ID.
    pub inflight: HashMap<u16, u64>,
    /// Lookups waiting for a free slot or a name server.
    pub waiting: VecDeque<u64>,
    deadlines: BTreeSet<(Instant, Due)>,
    timer: Event,
    timer_assigned: bool,
    timer_set_for: Option<Instant>,
}

pub struct EvdnsBase {
    lock: RawLock,
    refs: AtomicUsize,
    state: UnsafeCell<State>,
}

/// The base's lock, held while the guard lives.
pub struct Guard<'a> {
    base: &'a EvdnsBase,
}

impl std::ops::Deref for Guard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        // SAFETY: the lock is held for the guard's lifetime and no other guard is used at the
        // same time by this thread (no program code that could re-enter runs under it).
        unsafe { &*self.base.state.get() }
    }
}

impl std::ops::DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        // SAFETY: as for deref.
        unsafe { &mut *self.base.state.get() }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.base.lock.release();
    }
}

impl EvdnsBase {
    /// A new base with one reference (the program's), locked like libevent's objects when
    /// threading is on.
    pub fn create(event_base: *mut EventBase, disable_when_inactive: bool) -> *mut EvdnsBase {
        let b = Box::into_raw(Box::new(EvdnsBase {
            lock: RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE),
            refs: AtomicUsize::new(1),
            state: UnsafeCell::new(State {
                me: ptr::null(),
                event_base,
                opts: Options::default(),
                disable_when_inactive,
                shut_down: false,
                search: None,
                hosts: Vec::new(),
                servers: Vec::new(),
                head: 0,
                good: 0,
                next_server_id: 1,
                lookups: BTreeMap::new(),
                next_lookup_id: 1,
                inflight: HashMap::new(),
                waiting: VecDeque::new(),
                deadlines: BTreeSet::new(),
                timer: Event::zeroed(),
                timer_assigned: false,
                timer_set_for: None,
            }),
        }));
        // SAFETY: b is fresh and not shared yet.
        unsafe { (*(*b).state.get()).me = b };
        b
    }

    pub fn lock(&self) -> Guard<'_> {
        self.lock.acquire();
        Guard { base: self }
    }

    pub fn add_ref(&self) {
        self.refs.fetch_add(1, Ordering::Relaxed);
    }

    /// Drop one reference; the last one frees the memory and the lock.
    ///
    /// # Safety
    /// `base` came from [`EvdnsBase::create`] and the caller owns the reference it drops.
    pub unsafe fn release(base: *const EvdnsBase) {
        // SAFETY: the caller's reference keeps base alive until here.
        if unsafe { (*base).refs.fetch_sub(1, Ordering::AcqRel) } != 1 {
            return;
        }
        // SAFETY: that was the last reference: nobody else can reach the base.
        let b = unsafe { Box::from_raw(base as *mut EvdnsBase) };
        b.lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
    }
}

/// The timer's callback: run what is due.
unsafe extern "C" fn timer_fired(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let base = arg as *const EvdnsBase;
    // SAFETY: the timer is deleted (waiting for this callback) before the base is torn down,
    // and the memory lives while references remain.
    let base = unsafe { &*base };
    let mut st = base.lock();
    if st.shut_down {
        return;
    }
    st.run_due();
}

impl State {
    /// The event base events and callbacks go to now.
    pub fn loop_base(&self) -> *mut EventBase {
        api::or_current(self.event_base)
    }

    /// Set, move or clear (`None`) the deadline of `what`, whose current deadline is `old`.
    pub fn set_deadline(&mut self, what: Due, old: Option<Instant>, new: Option<Instant>) {
        if let Some(t) = old {
            self.deadlines.remove(&(t, what));
        }
        if let Some(t) = new {
            self.deadlines.insert((t, what));
        }
        self.sync_timer();
    }

    /// Keep the timer event pending for the earliest deadline (deleted when there is none).
    fn sync_timer(&mut self) {
        let first = self.deadlines.first().map(|&(t, _)| t);
        if first == self.timer_set_for {
            return;
        }
        let ev = &mut self.timer as *mut Event;
        match first {
            None => {
                // SAFETY: our own assigned event; not waiting for a running callback (it may be
                // the caller), which is harmless: the callback only looks at what is due.
                unsafe { api::del_with(ev, api::DelWait::NoBlock) };
            }
            Some(t) => {
                if !self.timer_assigned || self.timer.base.is_null() {
                    // SAFETY: the event lives inside the base, which outlives it (it is deleted
                    // before teardown); the base pointer is ours.
                    unsafe { api::assign(ev, self.loop_base(), -1, EV_TIMEOUT, Some(timer_fired), self.me as *mut c_void) };
                    self.timer_assigned = true;
                }
                let d = t.saturating_duration_since(Instant::now());
                let tv = timeval { tv_sec: d.as_secs() as libc::time_t, tv_usec: d.subsec_micros() as libc::suseconds_t };
                // SAFETY: as above.
                unsafe { api::add(ev, Some(&tv)) };
            }
        }
        self.timer_set_for = first;
    }

    /// Handle every deadline that has passed.
    fn run_due(&mut self) {
        // The timer fired: whatever it was set for is no longer pending.
        self.timer_set_for = None;
        loop {
            let now = Instant::now();
            let Some(&(t, what)) = self.deadlines.first() else { break };
            if t > now {
                break;
            }
            self.deadlines.remove(&(t, what));
            match what {
                Due::Reply(id) => {
                    if let Some(l) = self.lookups.get_mut(&id) {
                        l.deadline = None;
                        self.on_timeout(id);
                    }
                }
                Due::Probe(sid) => {
                    if let Some(ns) = self.server_mut(sid) {
                        ns.probe_at = None;
                        self.send_probe(sid);
                    }
                }
                Due::TcpIdle(sid) => {
                    if let Some(conn) = self.server_mut(sid).and_then(|ns| ns.tcp.as_mut()) {
                        conn.idle_at = None;
                        self.tcp_idle(sid);
                    }
                }
            }
        }
        self.sync_timer();
    }

    /// Take the timer out of the loop for teardown; returns the event for a blocking delete
    /// outside the lock.
    pub fn detach_timer(&mut self) -> Option<*mut Event> {
        self.deadlines.clear();
        self.timer_set_for = None;
        self.timer_assigned.then_some(&mut self.timer as *mut Event)
    }
}
