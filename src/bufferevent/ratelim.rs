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

use super::core::*;
use super::watermark::clamp_isize;
use crate::core::api;
use crate::core::base::{EventBase, COMMON_TIMEOUT_MICROSECONDS_MASK};
use crate::core::event::*;
use crate::core::mem;
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use crate::util::rng::WeakRandState;
use libc::{c_int, c_short, c_void, timeval};
use std::ptr;

/// EV_RATE_LIMIT_MAX.
pub const RATE_LIMIT_MAX: usize = isize::MAX as usize;
/// Default minimum share of a group's allowance per member and operation.
const DEFAULT_MIN_SHARE: usize = 64;

/// `struct ev_token_bucket_cfg` (opaque to C).
#[derive(Clone, Copy)]
pub struct TokenBucketCfg {
    pub read_rate: usize,
    pub read_maximum: usize,
    pub write_rate: usize,
    pub write_maximum: usize,
    pub tick_timeout: timeval,
    pub msec_per_tick: u32,
}

impl TokenBucketCfg {
    /// ev_token_bucket_cfg_new's checks: rates at least 1 and at most their bursts, all
    /// within EV_RATE_LIMIT_MAX. `tick` None means one second.
    pub fn new(
        read_rate: usize,
        read_burst: usize,
        write_rate: usize,
        write_burst: usize,
        tick: Option<timeval>,
    ) -> Option<Self> {
        if read_rate > read_burst || write_rate > write_burst || read_rate < 1 || write_rate < 1 {
            return None;
        }
        if [read_rate, write_rate, read_burst, write_burst].iter().any(|&v| v > RATE_LIMIT_MAX) {
            return None;
        }
        let tick = tick.unwrap_or(timeval { tv_sec: 1, tv_usec: 0 });
        let ms = (tick.tv_sec as i64)
            .saturating_mul(1000)
            .saturating_add((tick.tv_usec as i64 & COMMON_TIMEOUT_MICROSECONDS_MASK) / 1000);
        Some(TokenBucketCfg {
            read_rate,
            read_maximum: read_burst,
            write_rate,
            write_maximum: write_burst,
            tick_timeout: tick,
            msec_per_tick: ms.clamp(0, u32::MAX as i64) as u32,
        })
    }

    /// The tick number of wall-clock time `tv`. (A zero-length tick counts as 1 ms.)
    pub fn tick_of(&self, tv: &timeval) -> u32 {
        let msec = (tv.tv_sec as u64).wrapping_mul(1000).wrapping_add(tv.tv_usec as u64 / 1000);
        (msec / self.msec_per_tick.max(1) as u64) as u32
    }
}

/// `struct ev_token_bucket`: what may still be read / written, as of tick `last_updated`.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub read_limit: isize,
    pub write_limit: isize,
    pub last_updated: u32,
}

impl Bucket {
    /// A fresh bucket holds one tick's worth.
    pub fn new(cfg: &TokenBucketCfg, tick: u32) -> Bucket {
        Bucket { read_limit: cfg.read_rate as isize, write_limit: cfg.write_rate as isize, last_updated: tick }
    }

    /// A new configuration for a bucket in use: only clip down to the new maximums (what
    /// was spent this tick stays spent).
    pub fn reconfigure(&mut self, cfg: &TokenBucketCfg) {
        self.read_limit = self.read_limit.min(cfg.read_maximum as isize);
        self.write_limit = self.write_limit.min(cfg.write_maximum as isize);
    }

    /// Add the allowance of the ticks since the last update, up to the maximums. False when
    /// no tick passed (or the clock went back).
    pub fn update(&mut self, cfg: &TokenBucketCfg, tick: u32) -> bool {
        let n = tick.wrapping_sub(self.last_updated);
        if n == 0 || n > i32::MAX as u32 {
            return false;
        }
        self.read_limit = refill(self.read_limit, cfg.read_rate, cfg.read_maximum, n);
        self.write_limit = refill(self.write_limit, cfg.write_rate, cfg.write_maximum, n);
        self.last_updated = tick;
        true
    }
}

/// `limit + n * rate`, capped at `max`, without overflow.
fn refill(limit: isize, rate: usize, max: usize, n: u32) -> isize {
    let v = limit as i128 + n as i128 * rate as i128;
    clamp_isize(v.min(max as i128))
}

/// A group member's allowance for one operation: an equal share of the group's, but at
/// least `min_share`.
pub fn group_share(group_limit: isize, members: usize, min_share: usize) -> isize {
    let share = group_limit / members.max(1) as isize;
    share.max(clamp_isize(min_share as i128))
}

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

/// `struct bufferevent_rate_limit_group` (opaque to C).
pub struct Group {
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
    refill: Event,
    lock: RawLock,
    rng: WeakRandState,
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
            (*g).lock.acquire();
            let suspended = if is_write { (*g).write_suspended } else { (*g).read_suspended };
            let share = if suspended {
                // We were not reachable when the group was suspended: catch up now.
                if is_write {
                    suspend_write(b, SUSPEND_BW_GROUP);
                } else {
                    suspend_read(b, SUSPEND_BW_GROUP);
                }
                0
            } else {
                let lim = if is_write { (*g).bucket.write_limit } else { (*g).bucket.read_limit };
                group_share(lim, (*g).members.len(), (*g).min_share)
            };
            (*g).lock.release();
            max = max.min(share);
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
            (*g).lock.acquire();
            let lim = if is_write {
                (*g).total_written += bytes.max(0) as u64;
                &mut (*g).bucket.write_limit
            } else {
                (*g).total_read += bytes.max(0) as u64;
                &mut (*g).bucket.read_limit
            };
            *lim = lim.saturating_sub(bytes);
            let dry = *lim <= 0;
            let suspended = if is_write { (*g).write_suspended } else { (*g).read_suspended };
            if dry {
                group_suspend(g, is_write);
            } else if suspended {
                group_unsuspend(g, is_write);
            }
            (*g).lock.release();
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
            remove_from_group_internal(b, false);
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

// ---- groups ----

/// bufferevent_rate_limit_group_new. The group's refill timer is an ordinary persistent
/// event: it keeps the loop running as long as the group exists, as in libevent.
///
/// SAFETY: base is NULL or live.
pub unsafe fn group_new(base: *mut EventBase, cfg: &TokenBucketCfg) -> *mut Group {
    // SAFETY: per the function contract.
    unsafe {
        let now = api::gettimeofday_cached(base);
        let tick = cfg.tick_of(&now);
        let Some(g) = mem::new_object(Group {
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
            refill: Event::zeroed(),
            lock: RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE),
            rng: WeakRandState::default(),
        }) else {
            return ptr::null_mut();
        };
        api::assign(&raw mut (*g).refill, base, -1, EV_PERSIST | EV_FINALIZE, Some(group_refill), g as *mut c_void);
        api::add(&raw mut (*g).refill, Some(&(*g).cfg.tick_timeout));
        group_set_min_share(g, DEFAULT_MIN_SHARE);
        (*g).rng.seed((now.tv_sec as u32).wrapping_add(now.tv_usec as u32).wrapping_add(g as usize as u32));
        g
    }
}

/// bufferevent_rate_limit_group_set_cfg: copy the new configuration; the allowance is only
/// clipped down; a new tick length restarts the refill timer.
///
/// SAFETY: g is live.
pub unsafe fn group_set_cfg(g: *mut Group, cfg: &TokenBucketCfg) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        (*g).lock.acquire();
        let old_tick = (*g).cfg.tick_timeout;
        let same_tick = old_tick.tv_sec == cfg.tick_timeout.tv_sec && old_tick.tv_usec == cfg.tick_timeout.tv_usec;
        (*g).cfg = *cfg;
        (*g).bucket.reconfigure(cfg);
        if !same_tick {
            api::add(&raw mut (*g).refill, Some(&(*g).cfg.tick_timeout));
        }
        let share = (*g).configured_min_share;
        group_set_min_share(g, share);
        (*g).lock.release();
    }
    0
}

/// bufferevent_rate_limit_group_set_min_share: never more than one tick's rate (so that at
/// least one member can go each tick).
///
/// SAFETY: g is live.
pub unsafe fn group_set_min_share(g: *mut Group, share: usize) -> c_int {
    if share > isize::MAX as usize {
        return -1;
    }
    // SAFETY: per the function contract.
    unsafe {
        (*g).configured_min_share = share;
        (*g).min_share = share.min((*g).cfg.read_rate).min((*g).cfg.write_rate);
    }
    0
}

/// bufferevent_rate_limit_group_free. Members still in the group leave it first (libevent
/// asserts instead).
///
/// SAFETY: g is live and not used afterwards.
pub unsafe fn group_free(g: *mut Group) {
    // SAFETY: per the function contract.
    unsafe {
        while let Some(&b) = (*g).members.first() {
            remove_from_group_internal(b, true);
        }
        (*g).lock.acquire();
        api::del(&raw mut (*g).refill);
        api::debug_unassign(&raw mut (*g).refill);
        (*g).lock.release();
        let lock = (*g).lock;
        mem::free_object(g);
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
    }
}

/// bufferevent_add_to_rate_limit_group.
///
/// SAFETY: b and g are live.
pub unsafe fn add_to_group(b: *mut Bev, g: *mut Group) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = ensure_rate(b);
        if (*r).group == g {
            unlock(b);
            return 0;
        }
        if !(*r).group.is_null() {
            remove_from_group_internal(b, true);
        }
        (*g).lock.acquire();
        (*r).group = g;
        (*g).members.push(b);
        let (rs, ws) = ((*g).read_suspended, (*g).write_suspended);
        (*g).lock.release();
        if rs {
            suspend_read(b, SUSPEND_BW_GROUP);
        }
        if ws {
            suspend_write(b, SUSPEND_BW_GROUP);
        }
        unlock(b);
        0
    }
}

/// bufferevent_remove_from_rate_limit_group (and the finalizer's version, which does not
/// resume anything).
///
/// SAFETY: b is live.
pub unsafe fn remove_from_group_internal(b: *mut Bev, unsuspend: bool) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = rate(b);
        if !r.is_null() && !(*r).group.is_null() {
            let g = (*r).group;
            (*g).lock.acquire();
            (*r).group = ptr::null_mut();
            (*g).members.retain(|&m| m != b);
            (*g).lock.release();
        }
        if unsuspend {
            unsuspend_read(b, SUSPEND_BW_GROUP);
            unsuspend_write(b, SUSPEND_BW_GROUP);
        }
        unlock(b);
        0
    }
}

/// A group's bucket ran dry: suspend every member we can lock now (the others find out
/// from max_for).
///
/// SAFETY: g is live and locked.
unsafe fn group_suspend(g: *mut Group, is_write: bool) {
    // SAFETY: per the function contract; members are live while in the group.
    unsafe {
        if is_write {
            (*g).write_suspended = true;
            (*g).pending_unsuspend_write = false;
        } else {
            (*g).read_suspended = true;
            (*g).pending_unsuspend_read = false;
        }
        let members = (*g).members.clone();
        for m in members {
            if try_lock(m) {
                suspend_dir(m, is_write, SUSPEND_BW_GROUP);
                unlock(m);
            }
        }
    }
}

/// Resume the members, starting at a random one so that no member is always first to
/// the new allowance; those we cannot lock now are retried at the next tick.
///
/// SAFETY: g is live and locked.
unsafe fn group_unsuspend(g: *mut Group, is_write: bool) {
    // SAFETY: per the function contract; members are live while in the group.
    unsafe {
        if is_write {
            (*g).write_suspended = false;
        } else {
            (*g).read_suspended = false;
        }
        let members = (*g).members.clone();
        let n = members.len();
        let mut again = false;
        if n > 0 {
            let start = (*g).rng.range(n.min(i32::MAX as usize) as i32) as usize;
            for i in 0..n {
                let m = members[(start + i) % n];
                if try_lock(m) {
                    unsuspend_dir(m, is_write, SUSPEND_BW_GROUP);
                    unlock(m);
                } else {
                    again = true;
                }
            }
        }
        if is_write {
            (*g).pending_unsuspend_write = again;
        } else {
            (*g).pending_unsuspend_read = again;
        }
    }
}

/// The group's periodic refill.
unsafe extern "C" fn group_refill(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let g = arg as *mut Group;
    // SAFETY: the timer lives in g and is deleted before g is freed.
    unsafe {
        let base = (*g).refill.base;
        let now = api::gettimeofday_cached(base);
        (*g).lock.acquire();
        let tick = (*g).cfg.tick_of(&now);
        let cfg = (*g).cfg;
        (*g).bucket.update(&cfg, tick);
        let min = (*g).min_share as isize;
        if (*g).pending_unsuspend_read || ((*g).read_suspended && (*g).bucket.read_limit >= min) {
            group_unsuspend(g, false);
        }
        if (*g).pending_unsuspend_write || ((*g).write_suspended && (*g).bucket.write_limit >= min) {
            group_unsuspend(g, true);
        }
        (*g).lock.release();
    }
}

/// SAFETY: g is live.
pub unsafe fn group_get_limit(g: *mut Group, is_write: bool) -> isize {
    // SAFETY: per the function contract.
    unsafe {
        (*g).lock.acquire();
        let v = if is_write { (*g).bucket.write_limit } else { (*g).bucket.read_limit };
        (*g).lock.release();
        v
    }
}

/// bufferevent_rate_limit_group_decrement_read / _write.
///
/// SAFETY: g is live.
pub unsafe fn group_decrement(g: *mut Group, decr: isize, is_write: bool) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        (*g).lock.acquire();
        let lim = if is_write { &mut (*g).bucket.write_limit } else { &mut (*g).bucket.read_limit };
        let old = *lim;
        *lim = old.saturating_sub(decr);
        let new = *lim;
        if old > 0 && new <= 0 {
            group_suspend(g, is_write);
        } else if old <= 0 && new > 0 {
            group_unsuspend(g, is_write);
        }
        (*g).lock.release();
    }
    0
}

/// SAFETY: g is live.
pub unsafe fn group_totals(g: *mut Group) -> (u64, u64) {
    // SAFETY: per the function contract.
    unsafe { ((*g).total_read, (*g).total_written) }
}

/// SAFETY: g is live.
pub unsafe fn group_reset_totals(g: *mut Group) {
    // SAFETY: per the function contract.
    unsafe {
        (*g).total_read = 0;
        (*g).total_written = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(rate: usize, burst: usize, ms: i64) -> TokenBucketCfg {
        TokenBucketCfg::new(rate, burst, rate, burst, Some(timeval { tv_sec: ms / 1000, tv_usec: (ms % 1000) * 1000 })).unwrap()
    }

    #[test]
    fn cfg_checks() {
        assert!(TokenBucketCfg::new(0, 10, 1, 1, None).is_none());
        assert!(TokenBucketCfg::new(11, 10, 1, 1, None).is_none());
        assert!(TokenBucketCfg::new(1, 1, 2, 1, None).is_none());
        assert!(TokenBucketCfg::new(1, RATE_LIMIT_MAX + 1, 1, 1, None).is_none());
        let c = TokenBucketCfg::new(10, 20, 30, 40, None).unwrap();
        assert_eq!(c.msec_per_tick, 1000);
        assert_eq!((c.read_rate, c.read_maximum, c.write_rate, c.write_maximum), (10, 20, 30, 40));
        assert_eq!(cfg(1, 1, 250).msec_per_tick, 250);
    }

    #[test]
    fn ticks() {
        let c = cfg(1, 1, 100);
        assert_eq!(c.tick_of(&timeval { tv_sec: 0, tv_usec: 99_999 }), 0);
        assert_eq!(c.tick_of(&timeval { tv_sec: 0, tv_usec: 100_000 }), 1);
        assert_eq!(c.tick_of(&timeval { tv_sec: 2, tv_usec: 350_000 }), 23);
        let mut zero = c;
        zero.msec_per_tick = 0;
        assert_eq!(zero.tick_of(&timeval { tv_sec: 1, tv_usec: 0 }), 1000);
    }

    #[test]
    fn bucket_fill_and_cap() {
        let c = cfg(100, 250, 1000);
        let mut b = Bucket::new(&c, 7);
        assert_eq!(b, Bucket { read_limit: 100, write_limit: 100, last_updated: 7 });
        assert!(!b.update(&c, 7));
        b.read_limit -= 180; // in debt
        assert!(b.update(&c, 8));
        assert_eq!(b.read_limit, 20);
        assert_eq!(b.write_limit, 200);
        assert!(b.update(&c, 9));
        assert_eq!(b.read_limit, 120);
        assert_eq!(b.write_limit, 250); // capped
        assert!(b.update(&c, 1000));
        assert_eq!(b.read_limit, 250);
        // time going back is ignored
        assert!(!b.update(&c, 999));
        assert_eq!(b.last_updated, 1000);
    }

    #[test]
    fn bucket_no_overflow() {
        let c = TokenBucketCfg::new(RATE_LIMIT_MAX, RATE_LIMIT_MAX, 1, 1, None).unwrap();
        let mut b = Bucket::new(&c, 0);
        b.read_limit = isize::MIN / 2;
        assert!(b.update(&c, 1_000_000));
        assert_eq!(b.read_limit, isize::MAX);
        assert_eq!(refill(-5, 3, 100, 2), 1);
    }

    #[test]
    fn tick_wraps() {
        let c = cfg(10, 100, 1000);
        let mut b = Bucket::new(&c, u32::MAX);
        b.read_limit = 0;
        assert!(b.update(&c, 1)); // two ticks across the wrap
        assert_eq!(b.read_limit, 20);
    }

    #[test]
    fn reconfigure_clips_down_only() {
        let c = cfg(100, 250, 1000);
        let mut b = Bucket { read_limit: 200, write_limit: 50, last_updated: 0 };
        b.reconfigure(&cfg(10, 100, 1000));
        assert_eq!((b.read_limit, b.write_limit), (100, 50));
        b.reconfigure(&c);
        assert_eq!((b.read_limit, b.write_limit), (100, 50));
    }

    #[test]
    fn shares() {
        assert_eq!(group_share(1000, 4, 64), 250);
        assert_eq!(group_share(100, 4, 64), 64);
        assert_eq!(group_share(-50, 4, 64), 64);
        assert_eq!(group_share(1000, 0, 0), 1000);
    }
}
