//! Time: the monotonic clock timers run on, and timeval arithmetic.
//!
//! libevent keeps deadlines as `struct timeval` on a monotonic clock (CLOCK_MONOTONIC_COARSE
//! unless the base asked for precise timers) and converts to wall-clock time only where a
//! program sees it (`event_pending`, `event_base_gettimeofday_cached`).

use libc::{clockid_t, timespec, timeval};

pub const USEC_PER_SEC: i64 = 1_000_000;

#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    pub id: clockid_t,
}

impl MonotonicClock {
    /// Coarse (jiffy) clock unless `precise`: reading it costs no syscall and a timer
    /// firing up to one tick early is what libevent does too.
    pub fn new(precise: bool) -> Self {
        if !precise {
            let mut ts = timespec { tv_sec: 0, tv_nsec: 0 };
            // SAFETY: clock_getres writes into our local timespec.
            let ok = unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut ts) } == 0;
            if ok && ts.tv_sec == 0 && ts.tv_nsec <= 10_000_000 {
                return MonotonicClock { id: libc::CLOCK_MONOTONIC_COARSE };
            }
        }
        MonotonicClock { id: libc::CLOCK_MONOTONIC }
    }

    #[inline]
    pub fn now(&self) -> timeval {
        let mut ts = timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes into our local timespec.
        unsafe { libc::clock_gettime(self.id, &mut ts) };
        timeval { tv_sec: ts.tv_sec, tv_usec: ts.tv_nsec / 1000 }
    }
}

pub fn wall_now() -> timeval {
    let mut tv = timeval { tv_sec: 0, tv_usec: 0 };
    // SAFETY: gettimeofday writes into our local timeval; the timezone argument may be NULL.
    unsafe { libc::gettimeofday(&mut tv, std::ptr::null_mut()) };
    tv
}

pub const ZERO: timeval = timeval { tv_sec: 0, tv_usec: 0 };

#[inline]
pub fn add(a: &timeval, b: &timeval) -> timeval {
    let mut r = timeval { tv_sec: a.tv_sec + b.tv_sec, tv_usec: a.tv_usec + b.tv_usec };
    if r.tv_usec >= USEC_PER_SEC {
        r.tv_sec += 1;
        r.tv_usec -= USEC_PER_SEC;
    }
    r
}

#[inline]
pub fn sub(a: &timeval, b: &timeval) -> timeval {
    let mut r = timeval { tv_sec: a.tv_sec - b.tv_sec, tv_usec: a.tv_usec - b.tv_usec };
    if r.tv_usec < 0 {
        r.tv_sec -= 1;
        r.tv_usec += USEC_PER_SEC;
    }
    r
}

#[inline]
pub fn cmp(a: &timeval, b: &timeval) -> std::cmp::Ordering {
    (a.tv_sec, a.tv_usec).cmp(&(b.tv_sec, b.tv_usec))
}

#[inline]
pub fn lt(a: &timeval, b: &timeval) -> bool {
    cmp(a, b) == std::cmp::Ordering::Less
}

#[inline]
pub fn is_set(a: &timeval) -> bool {
    a.tv_sec != 0 || a.tv_usec != 0
}

/// Milliseconds for poll/epoll_wait, rounded up so we never wake before a deadline.
pub fn to_millis_ceil(tv: &timeval) -> i32 {
    if tv.tv_sec < 0 {
        return 0;
    }
    let ms = tv.tv_sec.saturating_mul(1000).saturating_add((tv.tv_usec + 999) / 1000);
    ms.min(i32::MAX as i64) as i32
}

/// Milliseconds for a wait of `us` microseconds (>= 0), rounded up so a timer is never
/// woken for early; capped at i32::MAX.
#[inline]
pub fn micros_to_millis_ceil(us: i64) -> i32 {
    (us.max(0).saturating_add(999) / 1000).min(i32::MAX as i64) as i32
}

/// A timeval for a wait of `us` microseconds (>= 0).
#[inline]
pub fn micros_to_timeval(us: i64) -> timeval {
    let us = us.max(0);
    timeval { tv_sec: us / USEC_PER_SEC, tv_usec: us % USEC_PER_SEC }
}

/// Normalise a caller's timeval (libevent accepts tv_usec >= 1e6 by carrying).
pub fn normalize(tv: &timeval) -> timeval {
    let mut r = *tv;
    if r.tv_usec >= USEC_PER_SEC || r.tv_usec < 0 {
        r.tv_sec += r.tv_usec.div_euclid(USEC_PER_SEC);
        r.tv_usec = r.tv_usec.rem_euclid(USEC_PER_SEC);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn arithmetic_carries() {
        let a = timeval { tv_sec: 1, tv_usec: 900_000 };
        let b = timeval { tv_sec: 0, tv_usec: 200_000 };
        let s = add(&a, &b);
        assert_eq!((s.tv_sec, s.tv_usec), (2, 100_000));
        let d = sub(&s, &a);
        assert_eq!((d.tv_sec, d.tv_usec), (0, 200_000));
        assert!(lt(&a, &s));
        assert_eq!(to_millis_ceil(&timeval { tv_sec: 0, tv_usec: 1 }), 1);
        let n = normalize(&timeval { tv_sec: 0, tv_usec: 2_500_000 });
        assert_eq!((n.tv_sec, n.tv_usec), (2, 500_000));
    }

    #[test]
    fn micros_conversions() {
        assert_eq!(micros_to_millis_ceil(0), 0);
        assert_eq!(micros_to_millis_ceil(1), 1);
        assert_eq!(micros_to_millis_ceil(1000), 1);
        assert_eq!(micros_to_millis_ceil(1001), 2);
        assert_eq!(micros_to_millis_ceil(-5), 0);
        assert_eq!(micros_to_millis_ceil(i64::MAX), i32::MAX);
        let t = micros_to_timeval(2_500_001);
        assert_eq!((t.tv_sec, t.tv_usec), (2, 500_001));
    }
}
