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
    /// The program's configuration, or NULL when only a group limits us.
    cfg: *const TokenBucketCfg,
    limit: Bucket,
    group: *mut Group,
    /// One-shot timer waiting for the next tick while a direction is dry.
    refill: Event,
    refill_assigned: bool,
}

// ---- per-bufferevent helpers used by the kinds ----

/// SAFETY: b is live.
unsafe fn rate(b: *mut Bev) -> *mut BevRate {
    // SAFETY: per the function contract.
    unsafe {
        match &mut (*b).rate {
            Some(r) => &mut **r,
            None => ptr::null_mut(),
        }
    }
}

/// The loop's cached wall clock as a tick number.
///
/// SAFETY: base is NULL or live.
unsafe fn now_tick(base: *mut EventBase, cfg: &TokenBucketCfg) -> u32 {
    // SAFETY: per the function contract.
    let now = unsafe { api::gettimeofday_cached(base) };
    cfg.tick_of(&now)
}

/// SAFETY: b is live and locked; r is its rate state with a configuration.
unsafe fn update_bucket(b: *mut Bev, r: *mut BevRate) {
    // SAFETY: per the function contract.
    unsafe {
        let cfg = &*(*r).cfg;
        let tick = now_tick((*b).public.ev_base, cfg);
        if tick != (*r).limit.last_updated {
            (*r).limit.update(cfg, tick);
        }
    }
}

/// How much one read (or write) may move now: the single-operation maximum, or the
/// bucket's allowance when rate limited, clamped to the group share.
///
/// SAFETY: b is live and locked.
unsafe fn max_for(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: per the function contract.
    unsafe {
        let mut max = if is_write { (*b).max_single_write } else { (*b).max_single_read };
        let r = rate(b);
        if r.is_null() {
            return max;
        }
        if !(*r).cfg.is_null() {
            update_bucket(b, r);
            max = if is_write { (*r).limit.write_limit } else { (*r).limit.read_limit };
        }
        let g = (*r).group;
        if !g.is_null() {
            max = max.min(group::share(g, b, is_write));
        }
        max.max(0)
    }
}

/// SAFETY: b is live and locked.
pub unsafe fn get_read_max(b: *mut Bev) -> isize {
    // SAFETY: per the function contract.
    unsafe { max_for(b, false) }
}

/// SAFETY: b is live and locked.
pub unsafe fn get_write_max(b: *mut Bev) -> isize {
    // SAFETY: per the function contract.
    unsafe { max_for(b, true) }
}

/// Charge `bytes` read (or written) to the bucket and the group.
///
/// SAFETY: b is live and locked.
unsafe fn charge(b: *mut Bev, bytes: isize, is_write: bool) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        let r = rate(b);
        if r.is_null() {
            return 0;
        }
        let mut res = 0;
        if !(*r).cfg.is_null() {
            let lim = if is_write { &mut (*r).limit.write_limit } else { &mut (*r).limit.read_limit };
            *lim = lim.saturating_sub(bytes);
            let dry = *lim <= 0;
            let (mine, other) =
                if is_write { ((*b).write_suspended, (*b).read_suspended) } else { ((*b).read_suspended, (*b).write_suspended) };
            if dry {
                suspend_dir(b, is_write, SUSPEND_BW);
                if api::add(&raw mut (*r).refill, Some(&(*(*r).cfg).tick_timeout)) < 0 {
                    res = -1;
                }
            } else if mine & SUSPEND_BW != 0 {
                if other & SUSPEND_BW == 0 {
                    api::del(&raw mut (*r).refill);
                }
                unsuspend_dir(b, is_write, SUSPEND_BW);
            }
        }
        let g = (*r).group;
        if !g.is_null() {
            group::charge(g, bytes, is_write);
        }
        res
    }
}

/// SAFETY: b is live and locked.
pub unsafe fn decrement_read(b: *mut Bev, bytes: isize) -> c_int {
    // SAFETY: per the function contract.
    unsafe { charge(b, bytes, false) }
}

/// SAFETY: b is live and locked.
pub unsafe fn decrement_write(b: *mut Bev, bytes: isize) -> c_int {
    // SAFETY: per the function contract.
    unsafe { charge(b, bytes, true) }
}

/// SAFETY: b is live.
unsafe fn suspend_dir(b: *mut Bev, is_write: bool, why: u16) {
    // SAFETY: per the function contract.
    unsafe {
        if is_write {
            suspend_write(b, why)
        } else {
            suspend_read(b, why)
        }
    }
}

/// SAFETY: b is live.
unsafe fn unsuspend_dir(b: *mut Bev, is_write: bool, why: u16) {
    // SAFETY: per the function contract.
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
    // SAFETY: the timer lives in b's rate state and is deleted before b is released.
    unsafe {
        if !enter(b) {
            return;
        }
        let r = rate(b);
        if !r.is_null() && !(*r).cfg.is_null() {
            let cfg = &*(*r).cfg;
            let tick = now_tick((*b).public.ev_base, cfg);
            (*r).limit.update(cfg, tick);
            let mut again = false;
            if (*b).read_suspended & SUSPEND_BW != 0 {
                if (*r).limit.read_limit > 0 {
                    unsuspend_read(b, SUSPEND_BW);
                } else {
                    again = true;
                }
            }
            if (*b).write_suspended & SUSPEND_BW != 0 {
                if (*r).limit.write_limit > 0 {
                    unsuspend_write(b, SUSPEND_BW);
                } else {
                    again = true;
                }
            }
            if again {
                // Still in debt (a large read took it below zero): wait another tick.
                api::add(&raw mut (*r).refill, Some(&cfg.tick_timeout));
            }
        }
        decref_and_unlock(b);
    }
}

/// Make the rate state if there is none yet.
///
/// SAFETY: b is live and locked.
unsafe fn ensure_rate(b: *mut Bev) -> *mut BevRate {
    // SAFETY: per the function contract.
    unsafe {
        if (*b).rate.is_none() {
            (*b).rate = Some(Box::new(BevRate {
                cfg: ptr::null(),
                limit: Bucket::default(),
                group: ptr::null_mut(),
                refill: Event::zeroed(),
                refill_assigned: false,
            }));
        }
        let r = rate(b);
        if !(*r).refill_assigned {
            api::assign(&raw mut (*r).refill, (*b).public.ev_base, -1, EV_FINALIZE, Some(bev_refill), b as *mut c_void);
            (*r).refill_assigned = true;
        }
        r
    }
}

/// The bufferevent's last reference is gone: no more refills.
///
/// SAFETY: b is live and locked.
pub unsafe fn unlink(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let r = rate(b);
        if !r.is_null() && (*r).refill_assigned {
            api::del(&raw mut (*r).refill);
        }
    }
}

/// Finalizing: leave the group, release the state.
///
/// SAFETY: b is live and locked; nothing of it runs any more.
pub unsafe fn teardown(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let r = rate(b);
        if r.is_null() {
            return;
        }
        if !(*r).group.is_null() {
            group::remove(b, false);
        }
        if (*r).refill_assigned {
            api::debug_unassign(&raw mut (*r).refill);
        }
        (*b).rate = None;
    }
}

// ---- the public interface ----

/// bufferevent_set_rate_limit: limit by `cfg` (kept, not copied), or stop limiting (NULL).
///
/// SAFETY: b is live; cfg is NULL or a live configuration that outlives its use here.
pub unsafe fn set_rate_limit(b: *mut Bev, cfg: *const TokenBucketCfg) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        if cfg.is_null() {
            let r = rate(b);
            if !r.is_null() {
                (*r).cfg = ptr::null();
                unsuspend_read(b, SUSPEND_BW);
                unsuspend_write(b, SUSPEND_BW);
                if (*r).refill_assigned {
                    api::del(&raw mut (*r).refill);
                }
            }
            unlock(b);
            return 0;
        }
        let r0 = rate(b);
        if !r0.is_null() && ptr::eq((*r0).cfg, cfg) {
            unlock(b);
            return 0;
        }
        let tick = now_tick((*b).public.ev_base, &*cfg);
        let r = ensure_rate(b);
        let reinit = !(*r).cfg.is_null();
        (*r).cfg = cfg;
        if reinit {
            (*r).limit.reconfigure(&*cfg);
            api::del(&raw mut (*r).refill);
        } else {
            (*r).limit = Bucket::new(&*cfg, tick);
        }
        let mut suspended = false;
        if (*r).limit.read_limit > 0 {
            unsuspend_read(b, SUSPEND_BW);
        } else {
            suspend_read(b, SUSPEND_BW);
            suspended = true;
        }
        if (*r).limit.write_limit > 0 {
            unsuspend_write(b, SUSPEND_BW);
        } else {
            suspend_write(b, SUSPEND_BW);
            suspended = true;
        }
        if suspended {
            api::add(&raw mut (*r).refill, Some(&(*cfg).tick_timeout));
        }
        unlock(b);
        0
    }
}

/// bufferevent_get_token_bucket_cfg.
///
/// SAFETY: b is live.
pub unsafe fn get_cfg(b: *mut Bev) -> *const TokenBucketCfg {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = rate(b);
        let c = if r.is_null() { ptr::null() } else { (*r).cfg };
        unlock(b);
        c
    }
}

/// bufferevent_get_read_limit / _write_limit: the bucket's allowance (EV_SSIZE_MAX when
/// not limited).
///
/// SAFETY: b is live.
pub unsafe fn get_limit(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = rate(b);
        let v = if !r.is_null() && !(*r).cfg.is_null() {
            update_bucket(b, r);
            if is_write {
                (*r).limit.write_limit
            } else {
                (*r).limit.read_limit
            }
        } else {
            isize::MAX
        };
        unlock(b);
        v
    }
}

/// bufferevent_get_max_to_read / _write.
///
/// SAFETY: b is live.
pub unsafe fn get_max_to(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let v = max_for(b, is_write);
        unlock(b);
        v
    }
}

/// bufferevent_set_max_single_read / _write: 0 or more than EV_SSIZE_MAX means the default.
///
/// SAFETY: b is live.
pub unsafe fn set_max_single(b: *mut Bev, size: usize, is_write: bool) -> c_int {
    let v = if size == 0 || size > isize::MAX as usize { MAX_SINGLE_DEFAULT } else { size as isize };
    // SAFETY: per the function contract.
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

/// SAFETY: b is live.
pub unsafe fn get_max_single(b: *mut Bev, is_write: bool) -> isize {
    // SAFETY: per the function contract.
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
/// SAFETY: b is live.
pub unsafe fn decrement_limit(b: *mut Bev, decr: isize, is_write: bool) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = rate(b);
        if r.is_null() || (*r).cfg.is_null() {
            unlock(b);
            return -1;
        }
        let lim = if is_write { &mut (*r).limit.write_limit } else { &mut (*r).limit.read_limit };
        let old = *lim;
        *lim = old.saturating_sub(decr);
        let new = *lim;
        let mut res = 0;
        if old > 0 && new <= 0 {
            suspend_dir(b, is_write, SUSPEND_BW);
            if api::add(&raw mut (*r).refill, Some(&(*(*r).cfg).tick_timeout)) < 0 {
                res = -1;
            }
        } else if old <= 0 && new > 0 {
            let other = if is_write { (*b).read_suspended } else { (*b).write_suspended };
            if other & SUSPEND_BW == 0 {
                api::del(&raw mut (*r).refill);
            }
            unsuspend_dir(b, is_write, SUSPEND_BW);
        }
        unlock(b);
        res
    }
}
