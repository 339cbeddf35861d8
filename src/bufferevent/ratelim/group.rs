//! Rate-limit groups (bufferevent_rate_limit_group_*): one token bucket shared by its
//! members. A member's read or write may take an equal share of what the group has left (at
//! least the group's minimum share); when the bucket runs dry every member is suspended, and
//! the group's periodic refill resumes them, starting at a random member so that none is
//! always first to the new allowance. The group copies its configuration.
//!
//! Members may run in different threads: the group's own (recursive) lock guards its state,
//! and a member is reached from the group only with `try_lock`, since the group may be
//! charged while another member is locked. Lock order is member before group.
//!
//! # Pointer contract (every `unsafe fn` here)
//! `g: *mut Group` is a live group from [`new`] not yet given to [`free`]; `b` is a live
//! bufferevent (the bufferevent modules' contract, in core.rs). A group's members are live
//! while they are members: a bufferevent leaves its group before it is finalized.

use super::{ensure_rate, limit, rate, suspend_dir, unsuspend_dir, Bucket, TokenBucketCfg};
use crate::bufferevent::core::*;
use crate::bufferevent::ratelim::group_share;
use crate::core::api;
use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::mem;
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use crate::util::rng::WeakRandState;
use libc::{c_int, c_short, c_void};
use std::ptr;

/// Default minimum share of a group's allowance per member and operation.
const DEFAULT_MIN_SHARE: usize = 64;

/// `struct bufferevent_rate_limit_group` (opaque to C).
pub struct Group {
    /// Recursive; guards `st`. (Null, and so free, without threading.)
    lock: RawLock,
    /// The periodic refill timer. The base links it into its lists, so it is reached only
    /// through raw pointers, never inside a borrow of the group.
    refill: Event,
    st: GroupState,
}

/// Everything else, reached only through [`Locked::st`].
struct GroupState {
    members: Vec<*mut Bev>,
    bucket: Bucket,
    cfg: TokenBucketCfg,
    read_suspended: bool,
    write_suspended: bool,
    /// A member could not be locked when the group resumed: retry at the next tick.
    pending_unsuspend_read: bool,
    pending_unsuspend_write: bool,
    total_read: u64,
    total_written: u64,
    min_share: usize,
    configured_min_share: usize,
    rng: WeakRandState,
}

impl GroupState {
    fn limit(&mut self, is_write: bool) -> &mut isize {
        if is_write {
            &mut self.bucket.write_limit
        } else {
            &mut self.bucket.read_limit
        }
    }

    fn suspended(&self, is_write: bool) -> bool {
        if is_write {
            self.write_suspended
        } else {
            self.read_suspended
        }
    }

    fn set_suspended(&mut self, is_write: bool, v: bool) {
        if is_write {
            self.write_suspended = v;
        } else {
            self.read_suspended = v;
        }
    }

    fn set_pending_unsuspend(&mut self, is_write: bool, v: bool) {
        if is_write {
            self.pending_unsuspend_write = v;
        } else {
            self.pending_unsuspend_read = v;
        }
    }

    /// Never more than one tick's rate (so that at least one member can go each tick).
    fn set_min_share(&mut self, share: usize) {
        self.configured_min_share = share;
        self.min_share = share.min(self.cfg.read_rate).min(self.cfg.write_rate);
    }
}

/// The group's lock, held for the guard's life.
struct Locked(*mut Group);

impl Locked {
    /// # Safety
    /// Module contract.
    unsafe fn new(g: *mut Group) -> Locked {
        // SAFETY: g is live (module contract); its lock is set once, in new().
        unsafe { (*g).lock.acquire() };
        Locked(g)
    }

    /// The state. Callers let the borrow end before anything that could lock the group again
    /// (the members' ops, which never do, are called after it ends all the same).
    fn st(&mut self) -> &mut GroupState {
        // SAFETY: g is live (Locked::new's contract) and its lock is held, so no other thread
        // is in the state; the borrow is the guard's, so it cannot outlive the lock, and it
        // covers `st` only, not the refill event the base may be touching.
        unsafe { &mut (*self.0).st }
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        // SAFETY: g is live and its lock was taken in Locked::new.
        unsafe { (*self.0).lock.release() };
    }
}

/// bufferevent_rate_limit_group_new. The group's refill timer is an ordinary persistent
/// event: it keeps the loop running as long as the group exists, as in libevent.
///
/// # Safety
/// `base` is NULL or a live base.
pub unsafe fn new(base: *mut EventBase, cfg: &TokenBucketCfg) -> *mut Group {
    // SAFETY: base is NULL or live (contract).
    let now = unsafe { api::gettimeofday_cached(base) };
    let tick = cfg.tick_of(&now);
    let Some(g) = mem::new_object(Group {
        lock: RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE),
        refill: Event::zeroed(),
        st: GroupState {
            members: Vec::new(),
            bucket: Bucket::new(cfg, tick),
            cfg: *cfg,
            read_suspended: false,
            write_suspended: false,
            pending_unsuspend_read: false,
            pending_unsuspend_write: false,
            total_read: 0,
            total_written: 0,
            min_share: 0,
            configured_min_share: 0,
            rng: WeakRandState::default(),
        },
    }) else {
        return ptr::null_mut();
    };
    // SAFETY: g is fresh and ours; the refill event lives in it until free() unassigns it.
    unsafe {
        api::assign(&raw mut (*g).refill, base, -1, EV_PERSIST | EV_FINALIZE, Some(refill_cb), g as *mut c_void);
        api::add(&raw mut (*g).refill, Some(&cfg.tick_timeout));
        let mut l = Locked::new(g);
        let st = l.st();
        st.set_min_share(DEFAULT_MIN_SHARE);
        st.rng.seed((now.tv_sec as u32).wrapping_add(now.tv_usec as u32).wrapping_add(g as usize as u32));
    }
    g
}

/// bufferevent_rate_limit_group_set_cfg: copy the new configuration; the allowance is only
/// clipped down; a new tick length restarts the refill timer.
///
/// # Safety
/// Module contract.
pub unsafe fn set_cfg(g: *mut Group, cfg: &TokenBucketCfg) -> c_int {
    // SAFETY: g is live (module contract).
    let mut l = unsafe { Locked::new(g) };
    let st = l.st();
    let old_tick = st.cfg.tick_timeout;
    let same_tick = old_tick.tv_sec == cfg.tick_timeout.tv_sec && old_tick.tv_usec == cfg.tick_timeout.tv_usec;
    st.cfg = *cfg;
    st.bucket.reconfigure(cfg);
    if !same_tick {
        // SAFETY: g is live (contract); its refill event is assigned for its whole life.
        unsafe { api::add(&raw mut (*g).refill, Some(&cfg.tick_timeout)) };
    }
    let st = l.st();
    let share = st.configured_min_share;
    st.set_min_share(share);
    0
}

/// bufferevent_rate_limit_group_set_min_share (clipped to one tick's rate).
///
/// # Safety
/// Module contract.
pub unsafe fn set_min_share(g: *mut Group, share: usize) -> c_int {
    if share > isize::MAX as usize {
        return -1;
    }
    // SAFETY: g is live (module contract).
    unsafe { Locked::new(g) }.st().set_min_share(share);
    0
}

/// bufferevent_rate_limit_group_free. Members still in the group leave it first (libevent
/// asserts instead).
///
/// # Safety
/// Module contract; the group is not used afterwards.
pub unsafe fn free(g: *mut Group) {
    // SAFETY: g is live (module contract); each member is live while it is one.
    unsafe {
        loop {
            let first = Locked::new(g).st().members.first().copied();
            let Some(b) = first else { break };
            remove(b, true);
        }
        {
            let _l = Locked::new(g);
            api::del(&raw mut (*g).refill);
            api::debug_unassign(&raw mut (*g).refill);
        }
        let lock = (*g).lock;
        mem::free_object(g);
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
    }
}

/// bufferevent_add_to_rate_limit_group; a NULL group means leaving the current one (what
/// libevent's header promises; libevent itself would crash).
///
/// # Safety
/// Module contract; `g` may also be NULL.
pub unsafe fn add(b: *mut Bev, g: *mut Group) -> c_int {
    if g.is_null() {
        // SAFETY: b is live (module contract).
        return unsafe { remove(b, true) };
    }
    // SAFETY: b and g are live (module contract); b is locked before the group (lock order).
    unsafe {
        lock(b);
        let r = ensure_rate(b);
        if limit(r).group == g {
            unlock(b);
            return 0;
        }
        if !limit(r).group.is_null() {
            remove(b, true);
        }
        let (rs, ws) = {
            let mut l = Locked::new(g);
            limit(r).group = g;
            let st = l.st();
            st.members.push(b);
            (st.read_suspended, st.write_suspended)
        };
        if rs {
            suspend_read(b, SUSPEND_BW_GROUP);
        }
        if ws {
            suspend_write(b, SUSPEND_BW_GROUP);
        }
        unlock(b);
    }
    0
}

/// bufferevent_remove_from_rate_limit_group (`unsuspend`), and the finalizer's version,
/// which does not resume anything.
///
/// # Safety
/// Module contract.
pub unsafe fn remove(b: *mut Bev, unsuspend: bool) -> c_int {
    // SAFETY: b is live (module contract); a member's group is live while it is one.
    unsafe {
        lock(b);
        let r = rate(b);
        if !r.is_null() && !limit(r).group.is_null() {
            let mut l = Locked::new(limit(r).group);
            limit(r).group = ptr::null_mut();
            l.st().members.retain(|&m| m != b);
        }
        if unsuspend {
            unsuspend_read(b, SUSPEND_BW_GROUP);
            unsuspend_write(b, SUSPEND_BW_GROUP);
        }
        unlock(b);
    }
    0
}

/// A member's allowance for one read (or write) now. A member the group could not reach when
/// it was suspended catches up here.
///
/// # Safety
/// Module contract; `b` is a member, locked by the caller.
pub(super) unsafe fn share(g: *mut Group, b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: g is live (module contract).
    let mut l = unsafe { Locked::new(g) };
    let st = l.st();
    if st.suspended(is_write) {
        // SAFETY: b is live and locked (contract).
        unsafe { suspend_dir(b, is_write, SUSPEND_BW_GROUP) };
        0
    } else {
        group_share(*st.limit(is_write), st.members.len(), st.min_share)
    }
}

/// Charge a member's read (or write) of `bytes` to the group.
///
/// # Safety
/// Module contract; the caller holds a member's lock.
pub(super) unsafe fn charge(g: *mut Group, bytes: isize, is_write: bool) {
    // SAFETY: g is live (module contract).
    let mut l = unsafe { Locked::new(g) };
    let st = l.st();
    if is_write {
        st.total_written += bytes.max(0) as u64;
    } else {
        st.total_read += bytes.max(0) as u64;
    }
    let lim = st.limit(is_write);
    *lim = lim.saturating_sub(bytes);
    let dry = *lim <= 0;
    // SAFETY: the members are live (contract).
    unsafe {
        if dry {
            suspend_members(&mut l, is_write);
        } else if st.suspended(is_write) {
            unsuspend_members(&mut l, is_write);
        }
    }
}

/// The bucket ran dry: suspend every member we can lock now (the others find out in
/// [`share`]).
///
/// # Safety
/// Module contract (for the guard's group).
unsafe fn suspend_members(l: &mut Locked, is_write: bool) {
    let members = {
        let st = l.st();
        st.set_suspended(is_write, true);
        st.set_pending_unsuspend(is_write, false);
        st.members.clone()
    };
    for m in members {
        // SAFETY: members are live while they are members (contract).
        unsafe {
            if try_lock(m) {
                suspend_dir(m, is_write, SUSPEND_BW_GROUP);
                unlock(m);
            }
        }
    }
}

/// Resume the members, starting at a random one; those we cannot lock now are retried at the
/// next tick.
///
/// # Safety
/// Module contract (for the guard's group).
unsafe fn unsuspend_members(l: &mut Locked, is_write: bool) {
    let (members, start) = {
        let st = l.st();
        st.set_suspended(is_write, false);
        let n = st.members.len();
        let start = if n > 0 { st.rng.range(n.min(i32::MAX as usize) as i32) as usize } else { 0 };
        (st.members.clone(), start)
    };
    let n = members.len();
    let mut again = false;
    for i in 0..n {
        let m = members[(start + i) % n];
        // SAFETY: members are live while they are members (contract).
        unsafe {
            if try_lock(m) {
                unsuspend_dir(m, is_write, SUSPEND_BW_GROUP);
                unlock(m);
            } else {
                again = true;
            }
        }
    }
    l.st().set_pending_unsuspend(is_write, again);
}

/// The group's periodic refill.
unsafe extern "C" fn refill_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let g = arg as *mut Group;
    // SAFETY: the timer lives in g and is deleted before g is freed, so g is live.
    unsafe {
        let now = api::gettimeofday_cached((*g).refill.base);
        let mut l = Locked::new(g);
        let st = l.st();
        let cfg = st.cfg;
        st.bucket.update(&cfg, cfg.tick_of(&now));
        let min = st.min_share as isize;
        if st.pending_unsuspend_read || (st.read_suspended && st.bucket.read_limit >= min) {
            unsuspend_members(&mut l, false);
        }
        let st = l.st();
        if st.pending_unsuspend_write || (st.write_suspended && st.bucket.write_limit >= min) {
            unsuspend_members(&mut l, true);
        }
    }
}

/// bufferevent_rate_limit_group_get_read_limit / _write_limit.
///
/// # Safety
/// Module contract.
pub unsafe fn get_limit(g: *mut Group, is_write: bool) -> isize {
    // SAFETY: g is live (module contract).
    *unsafe { Locked::new(g) }.st().limit(is_write)
}

/// bufferevent_rate_limit_group_decrement_read / _write: take from (or, negative, give to)
/// the group's bucket by hand.
///
/// # Safety
/// Module contract.
pub unsafe fn decrement(g: *mut Group, decr: isize, is_write: bool) -> c_int {
    // SAFETY: g is live (module contract).
    let mut l = unsafe { Locked::new(g) };
    let lim = l.st().limit(is_write);
    let old = *lim;
    *lim = old.saturating_sub(decr);
    let new = *lim;
    // SAFETY: the members are live (contract).
    unsafe {
        if old > 0 && new <= 0 {
            suspend_members(&mut l, is_write);
        } else if old <= 0 && new > 0 {
            unsuspend_members(&mut l, is_write);
        }
    }
    0
}

/// bufferevent_rate_limit_group_get_totals: bytes read and written by members so far.
///
/// # Safety
/// Module contract.
pub unsafe fn totals(g: *mut Group) -> (u64, u64) {
    // SAFETY: g is live (module contract).
    let mut l = unsafe { Locked::new(g) };
    let st = l.st();
    (st.total_read, st.total_written)
}

/// bufferevent_rate_limit_group_reset_totals.
///
/// # Safety
/// Module contract.
pub unsafe fn reset_totals(g: *mut Group) {
    // SAFETY: g is live (module contract).
    let mut l = unsafe { Locked::new(g) };
    let st = l.st();
    st.total_read = 0;
    st.total_written = 0;
}
