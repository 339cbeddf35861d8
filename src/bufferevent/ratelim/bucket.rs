//! Token buckets as plain arithmetic: the configuration, a bucket and its refill by ticks,
//! and a group member's share. No pointers, no locking: tested on their own below.

use crate::bufferevent::watermark::clamp_isize;
use crate::core::base::COMMON_TIMEOUT_MICROSECONDS_MASK;
use libc::timeval;

/// EV_RATE_LIMIT_MAX.
pub const RATE_LIMIT_MAX: usize = isize::MAX as usize;

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
        #[allow(clippy::unnecessary_cast)] // time_t / suseconds_t are i64 here, not on every target
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
