//! Rate limiting: token buckets per bufferevent and per group.
//!
//! A bucket holds how many bytes may still be read / written. Time is cut into ticks (the
//! configuration's tick length, counted on the wall clock as the loop caches it); each tick
//! adds `rate` bytes, up to the burst maximum. A bucket starts with one tick's worth. When
//! a bufferevent's bucket runs dry that direction is suspended and a one-shot refill timer
//! waits for the next tick. A group shares one bucket among its members: each read or write
//! may take the group's remaining allowance divided by the member count (but at least the
//! group's minimum share); a dry group suspends all members until its periodic refill.
//!
//! As in libevent, the program keeps ownership of a `ev_token_bucket_cfg` it passes to
//! bufferevent_set_rate_limit (the pointer is kept), while a group copies its configuration.
//!
//! - `bucket.rs`: the arithmetic (configuration, bucket, refill, group share);
//! - this file: a bufferevent's own limit and what the kinds ask before and after each read
//!   or write;
//! - `group.rs`: rate-limit groups.

mod bucket;
pub mod group;

pub use self::bucket::{group_share, Bucket, TokenBucketCfg, RATE_LIMIT_MAX};
pub use self::group::Group;
use super::core::*;
use crate::core::api;
use crate::core::base::EventBase;
use crate::core::event::*;
use libc::{c_int, c_short, c_void};
use std::ptr;

/// A bufferevent's rate-limit state (libevent's bufferevent_rate_limit).
pub struct BevRate {
    /// One-shot timer waiting for the next tick while a direction is dry. The base links it
    /// into its lists, so it is reached only through a raw pointer ([`refill_ev`]), never
    /// inside a borrow of the state.
    refill: Event,
    refill_assigned: bool,
    limit: Limit,
}

/// What limits the bufferevent and what it has left; borrowed through [`limit`].
struct Limit {
    /// The program's configuration, or NULL when only a group limits us. Only
    /// [`set_rate_limit`] sets it, whose contract keeps it alive while it is set.
    cfg: *const TokenBucketCfg,
    bucket: Bucket,
    group: *mut Group,
}

impl Limit {
    /// The bufferevent's own configuration, if it has one.
    fn cfg(&self) -> Option<&TokenBucketCfg> {
        // SAFETY: NULL or the program's configuration, alive while it is set (see `cfg`).
        unsafe { self.cfg.as_ref() }
    }

    /// The allowance left for reading (or writing).
    fn left(&mut self, is_write: bool) -> &mut isize {
        if is_write {
            &mut self.bucket.write_limit
        } else {
            &mut self.bucket.read_limit
        }
    }
}

// ---- per-bufferevent helpers used by the kinds ----

/// `b`'s rate state; NULL when it never had one.
///
/// # Safety
/// Module contract.
unsafe fn rate(b: *mut Bev) -> *mut BevRate {
    // SAFETY: b is live (module contract); the state is boxed, so the pointer stays valid
    // until teardown drops it.
    unsafe {
        match &mut (*b).rate {
            Some(r) => &mut **r,
            None => ptr::null_mut(),
        }
    }
}

/// The bookkeeping of rate state `r`, for one step under `b`'s lock. Callers let the borrow
/// end before they suspend or resume a direction (that reaches the kind's ops).
///
/// # Safety
/// `r` is the live rate state of a bufferevent whose lock the caller holds.
unsafe fn limit<'a>(r: *mut BevRate) -> &'a mut Limit {
    // SAFETY: r is live and its bufferevent is locked (contract), so no other thread is in
    // it; the borrow covers `limit` only, not the refill event the base may touch.
    unsafe { &mut (*r).limit }
}

/// The refill event of rate state `r`.
///
/// # Safety
/// `r` is a live rate state.
unsafe fn refill_ev(r: *mut BevRate) -> *mut Event {
    // SAFETY: r is live (contract); only the field's address is taken.
    unsafe { &raw mut (*r).refill }
}

/// The loop's cached wall clock as a tick number.
///
/// # Safety
/// `base` is NULL or live.
unsafe fn now_tick(base: *mut EventBase, cfg: &TokenBucketCfg) -> u32 {
    // SAFETY: base is NULL or live (contract).
    let now = unsafe { api::gettimeofday_cached(base) };
    cfg.tick_of(&now)
}

/// Bring the bucket up to now (the caller checked there is a configuration).
///
/// # Safety
/// Module contract; `b` locked; `r` is its rate state.
unsafe fn update_bucket(b: *mut Bev, r: *mut BevRate) {
    // SAFETY: b is live and locked, r its state (contract).
    unsafe {
        let lim = limit(r);
        let Some(cfg) = lim.cfg().copied() else { return };
        let tick = now_tick((*b).public.ev_base, &cfg);
        if tick != lim.bucket.last_updated {
            lim.bucket.update(&cfg, tick);
        }
    }
}

/// How much one read (or write) may move now: the single-operation maximum, or the
/// bucket's allowance when rate limited, clamped to the group share.
///
/// # Safety
/// Module contract; `b` locked.
unsafe fn max_for(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: b is live (module contract) and locked by the caller; its group, if any, is
    // live while b is a member.
    unsafe {
        let mut max = if is_write { (*b).max_single_write } else { (*b).max_single_read };
        let r = rate(b);
        if r.is_null() {
            return max;
        }
        if limit(r).cfg().is_some() {
            update_bucket(b, r);
            max = *limit(r).left(is_write);
        }
        let g = limit(r).group;
        if !g.is_null() {
            max = max.min(group::share(g, b, is_write));
        }
        max.max(0)
    }
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn get_read_max(b: *mut Bev) -> isize {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe { max_for(b, false) }
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn get_write_max(b: *mut Bev) -> isize {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe { max_for(b, true) }
}

/// Charge `bytes` read (or written) to the bucket and the group.
///
/// # Safety
/// Module contract; `b` locked.
unsafe fn charge(b: *mut Bev, bytes: isize, is_write: bool) -> c_int {
    // SAFETY: b is live (module contract) and locked by the caller; its group, if any, is
    // live while b is a member.
    unsafe {
        let r = rate(b);
        if r.is_null() {
            return 0;
        }
        let mut res = 0;
        let lim = limit(r);
        if let Some(tick) = lim.cfg().map(|c| c.tick_timeout) {
            let left = lim.left(is_write);
            *left = left.saturating_sub(bytes);
            let dry = *left <= 0;
            let (mine, other) =
                if is_write { ((*b).write_suspended, (*b).read_suspended) } else { ((*b).read_suspended, (*b).write_suspended) };
            if dry {
                suspend_dir(b, is_write, SUSPEND_BW);
                if api::add(refill_ev(r), Some(&tick)) < 0 {
                    res = -1;
                }
            } else if mine & SUSPEND_BW != 0 {
                if other & SUSPEND_BW == 0 {
                    api::del(refill_ev(r));
                }
                unsuspend_dir(b, is_write, SUSPEND_BW);
            }
        }
        let g = limit(r).group;
        if !g.is_null() {
            group::charge(g, bytes, is_write);
        }
        res
    }
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn decrement_read(b: *mut Bev, bytes: isize) -> c_int {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe { charge(b, bytes, false) }
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn decrement_write(b: *mut Bev, bytes: isize) -> c_int {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe { charge(b, bytes, true) }
}

/// # Safety
/// Module contract.
unsafe fn suspend_dir(b: *mut Bev, is_write: bool, why: u16) {
    // SAFETY: b is live (module contract).
    unsafe {
        if is_write {
            suspend_write(b, why)
        } else {
            suspend_read(b, why)
        }
    }
}

/// # Safety
/// Module contract.
unsafe fn unsuspend_dir(b: *mut Bev, is_write: bool, why: u16) {
    // SAFETY: b is live (module contract).
    unsafe {
        if is_write {
            unsuspend_write(b, why)
        } else {
            unsuspend_read(b, why)
        }
    }
}

/// The refill timer: a tick passed; resume what has allowance again.
unsafe extern "C" fn bev_refill(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the timer lives in b's rate state and is deleted before b is released, so b is
    // live; enter() locks it and holds a reference for the duration.
    unsafe {
        if !enter(b) {
            return;
        }
        let r = rate(b);
        if let Some(cfg) = if r.is_null() { None } else { limit(r).cfg().copied() } {
            let tick = now_tick((*b).public.ev_base, &cfg);
            let bucket = &mut limit(r).bucket;
            bucket.update(&cfg, tick);
            let (read_left, write_left) = (bucket.read_limit, bucket.write_limit);
            let mut again = false;
            if (*b).read_suspended & SUSPEND_BW != 0 {
                if read_left > 0 {
                    unsuspend_read(b, SUSPEND_BW);
                } else {
                    again = true;
                }
            }
            if (*b).write_suspended & SUSPEND_BW != 0 {
                if write_left > 0 {
                    unsuspend_write(b, SUSPEND_BW);
                } else {
                    again = true;
                }
            }
            if again {
                // Still in debt (a large read took it below zero): wait another tick.
                api::add(refill_ev(r), Some(&cfg.tick_timeout));
            }
        }
        decref_and_unlock(b);
    }
}

/// Make the rate state if there is none yet.
///
/// # Safety
/// Module contract; `b` locked.
unsafe fn ensure_rate(b: *mut Bev) -> *mut BevRate {
    // SAFETY: b is live (module contract) and locked by the caller; the refill event lives in
    // the boxed state until teardown unassigns it.
    unsafe {
        if (*b).rate.is_none() {
            (*b).rate = Some(Box::new(BevRate {
                refill: Event::zeroed(),
                refill_assigned: false,
                limit: Limit { cfg: ptr::null(), bucket: Bucket::default(), group: ptr::null_mut() },
            }));
        }
        let r = rate(b);
        if !(*r).refill_assigned {
            api::assign(refill_ev(r), (*b).public.ev_base, -1, EV_FINALIZE, Some(bev_refill), b as *mut c_void);
            (*r).refill_assigned = true;
        }
        r
    }
}

/// The bufferevent's last reference is gone: no more refills.
///
/// # Safety
/// Module contract; `b` locked.
pub unsafe fn unlink(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let r = rate(b);
        if !r.is_null() && (*r).refill_assigned {
            api::del(refill_ev(r));
        }
    }
}

/// Finalizing: leave the group, release the state.
///
/// # Safety
/// Module contract; `b` locked; nothing of it runs any more.
pub unsafe fn teardown(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked, and its refill cannot fire any more
    // (unlinked), so the state may go.
    unsafe {
        let r = rate(b);
        if r.is_null() {
            return;
        }
        if !limit(r).group.is_null() {
            group::remove(b, false);
        }
        if (*r).refill_assigned {
            api::debug_unassign(refill_ev(r));
        }
        (*b).rate = None;
    }
}

// ---- the public interface ----

/// bufferevent_set_rate_limit: limit by `cfg` (kept, not copied), or stop limiting (NULL).
///
/// # Safety
/// Module contract; `cfg` is NULL or a configuration that stays alive until it is replaced
/// or the bufferevent is freed (libevent's rule).
pub unsafe fn set_rate_limit(b: *mut Bev, cfg: *const TokenBucketCfg) -> c_int {
    // SAFETY: b is live (module contract); cfg as the contract says.
    unsafe {
        lock(b);
        let Some(new_cfg) = cfg.as_ref() else {
            let r = rate(b);
            if !r.is_null() {
                limit(r).cfg = ptr::null();
                unsuspend_read(b, SUSPEND_BW);
                unsuspend_write(b, SUSPEND_BW);
                if (*r).refill_assigned {
                    api::del(refill_ev(r));
                }
            }
            unlock(b);
            return 0;
        };
        let r0 = rate(b);
        if !r0.is_null() && ptr::eq(limit(r0).cfg, cfg) {
            unlock(b);
            return 0;
        }
        let tick = now_tick((*b).public.ev_base, new_cfg);
        let r = ensure_rate(b);
        let lim = limit(r);
        let reinit = !lim.cfg.is_null();
        lim.cfg = cfg;
        if reinit {
            lim.bucket.reconfigure(new_cfg);
            api::del(refill_ev(r));
        } else {
            lim.bucket = Bucket::new(new_cfg, tick);
        }
        let (read_left, write_left) = (lim.bucket.read_limit, lim.bucket.write_limit);
        let mut suspended = false;
        if read_left > 0 {
            unsuspend_read(b, SUSPEND_BW);
        } else {
            suspend_read(b, SUSPEND_BW);
            suspended = true;
        }
        if write_left > 0 {
            unsuspend_write(b, SUSPEND_BW);
        } else {
            suspend_write(b, SUSPEND_BW);
            suspended = true;
        }
        if suspended {
            api::add(refill_ev(r), Some(&new_cfg.tick_timeout));
        }
        unlock(b);
        0
    }
}

/// bufferevent_get_token_bucket_cfg.
///
/// # Safety
/// Module contract.
pub unsafe fn get_cfg(b: *mut Bev) -> *const TokenBucketCfg {
    // SAFETY: b is live (module contract); its state is read under its lock.
    unsafe {
        lock(b);
        let r = rate(b);
        let c = if r.is_null() { ptr::null() } else { limit(r).cfg };
        unlock(b);
        c
    }
}

/// bufferevent_get_read_limit / _write_limit: the bucket's allowance (EV_SSIZE_MAX when
/// not limited).
///
/// # Safety
/// Module contract.
pub unsafe fn get_limit(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: b is live (module contract); its state is read under its lock.
    unsafe {
        lock(b);
        let r = rate(b);
        let v = if !r.is_null() && limit(r).cfg().is_some() {
            update_bucket(b, r);
            *limit(r).left(is_write)
        } else {
            isize::MAX
        };
        unlock(b);
        v
    }
}

/// bufferevent_get_max_to_read / _write.
///
/// # Safety
/// Module contract.
pub unsafe fn get_max_to(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: b is live (module contract); max_for runs under its lock.
    unsafe {
        lock(b);
        let v = max_for(b, is_write);
        unlock(b);
        v
    }
}

/// bufferevent_set_max_single_read / _write: 0 or more than EV_SSIZE_MAX means the default.
///
/// # Safety
/// Module contract.
pub unsafe fn set_max_single(b: *mut Bev, size: usize, is_write: bool) -> c_int {
    let v = if size == 0 || size > isize::MAX as usize { MAX_SINGLE_DEFAULT } else { size as isize };
    // SAFETY: b is live (module contract); the field is written under its lock.
    unsafe {
        lock(b);
        if is_write {
            (*b).max_single_write = v;
        } else {
            (*b).max_single_read = v;
        }
        unlock(b);
    }
    0
}

/// bufferevent_get_max_single_read / _write.
///
/// # Safety
/// Module contract.
pub unsafe fn get_max_single(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: b is live (module contract); the field is read under its lock.
    unsafe {
        lock(b);
        let v = if is_write { (*b).max_single_write } else { (*b).max_single_read };
        unlock(b);
        v
    }
}

/// bufferevent_decrement_read_limit / _write_limit: take from (or, negative, give to) the
/// bucket by hand. -1 when the bufferevent has no rate limit of its own.
///
/// # Safety
/// Module contract.
pub unsafe fn decrement_limit(b: *mut Bev, decr: isize, is_write: bool) -> c_int {
    // SAFETY: b is live (module contract); its state is changed under its lock.
    unsafe {
        lock(b);
        let r = rate(b);
        let Some(tick) = (if r.is_null() { None } else { limit(r).cfg().map(|c| c.tick_timeout) }) else {
            unlock(b);
            return -1;
        };
        let left = limit(r).left(is_write);
        let old = *left;
        *left = old.saturating_sub(decr);
        let new = *left;
        let mut res = 0;
        if old > 0 && new <= 0 {
            suspend_dir(b, is_write, SUSPEND_BW);
            if api::add(refill_ev(r), Some(&tick)) < 0 {
                res = -1;
            }
        } else if old <= 0 && new > 0 {
            let other = if is_write { (*b).read_suspended } else { (*b).write_suspended };
            if other & SUSPEND_BW == 0 {
                api::del(refill_ev(r));
            }
            unsuspend_dir(b, is_write, SUSPEND_BW);
        }
        unlock(b);
        res
    }
}
