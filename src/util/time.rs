//! Time helpers: the monotonic timer object of util.h, RFC 1123 dates, and a plain sleep.

use crate::core::clock;
use crate::util::sys::{self, syscall};
use libc::{c_int, clockid_t, timespec, timeval};

pub const EV_MONOT_PRECISE: c_int = 1;
pub const EV_MONOT_FALLBACK: c_int = 2;

/// `struct evutil_monotonic_timer`. Opaque to programs, but libevent's own test programs
/// declare one on the stack with libevent's layout (int, then two timevals: 40 bytes), so
/// ours must not be larger; it has the same shape.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct MonotonicTimer {
    /// The clock read, or -1 for "wall clock made monotonic". A fresh timer holds 0, which
    /// is CLOCK_REALTIME: libevent's zero-filled new timer reads the wall clock until
    /// configured, and so does ours.
    pub clock: clockid_t,
    /// Added to the wall clock in fallback mode so that it never goes backwards.
    pub adjust: timeval,
    /// Last time returned in fallback mode.
    pub last: timeval,
}

const _: () = assert!(std::mem::size_of::<MonotonicTimer>() == 40);

const FALLBACK_CLOCK: clockid_t = -1;

impl MonotonicTimer {
    pub fn new() -> Self {
        MonotonicTimer { clock: 0, adjust: clock::ZERO, last: clock::ZERO }
    }

    fn clock_works(id: clockid_t) -> bool {
        let mut ts = timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes into our local timespec.
        unsafe { libc::clock_gettime(id, &mut ts) == 0 }
    }

    /// Choose the clock: CLOCK_MONOTONIC_COARSE by default, CLOCK_MONOTONIC with
    /// EV_MONOT_PRECISE, the wall clock forced monotonic with EV_MONOT_FALLBACK (which wins).
    /// Always succeeds (0).
    pub fn configure(&mut self, flags: c_int) -> c_int {
        let precise = flags & EV_MONOT_PRECISE != 0;
        let fallback = flags & EV_MONOT_FALLBACK != 0;
        self.clock = if !precise && !fallback && Self::clock_works(libc::CLOCK_MONOTONIC_COARSE) {
            libc::CLOCK_MONOTONIC_COARSE
        } else if !fallback && Self::clock_works(libc::CLOCK_MONOTONIC) {
            libc::CLOCK_MONOTONIC
        } else {
            FALLBACK_CLOCK
        };
        0
    }

    /// The current time on the chosen clock, or None when the clock cannot be read.
    pub fn now(&mut self) -> Option<timeval> {
        if self.clock == FALLBACK_CLOCK {
            let mut t = clock::add(&clock::wall_now(), &self.adjust);
            if clock::lt(&t, &self.last) {
                // The wall clock stepped back: absorb the step so time stands still instead.
                self.adjust = clock::add(&self.adjust, &clock::sub(&self.last, &t));
                t = self.last;
            }
            self.last = t;
            return Some(t);
        }
        let mut ts = timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes into our local timespec; a bad clock id gives EINVAL.
        if unsafe { libc::clock_gettime(self.clock, &mut ts) } != 0 {
            return None;
        }
        Some(timeval { tv_sec: ts.tv_sec, tv_usec: ts.tv_nsec / 1000 })
    }
}

impl Default for MonotonicTimer {
    fn default() -> Self {
        Self::new()
    }
}

/// The fields of a `struct tm` an RFC 1123 date uses.
#[derive(Clone, Copy, Debug)]
pub struct DateFields {
    pub wday: c_int,
    pub mday: c_int,
    pub mon: c_int,
    pub year: c_int, // years since 1900, as in struct tm
    pub hour: c_int,
    pub min: c_int,
    pub sec: c_int,
}

/// "Sun, 06 Nov 1994 08:49:37 GMT", printed the way libevent's format does (`%02d` day and
/// time, `%4d` year, fields taken as given, not normalised). A weekday or month outside its
/// range prints as "???" (libevent would read outside its name tables).
pub fn rfc1123(d: &DateFields) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let name = |table: &[&'static str], i: c_int| usize::try_from(i).ok().and_then(|i| table.get(i).copied()).unwrap_or("???");
    format!(
        "{}, {:02} {} {:4} {:02}:{:02}:{:02} GMT",
        name(&DAYS, d.wday),
        d.mday,
        name(&MONTHS, d.mon),
        1900i32.wrapping_add(d.year),
        d.hour,
        d.min,
        d.sec
    )
}

/// `evutil_date_rfc1123` into `out`: the date of `tm` (the current UTC time for None),
/// written as `evutil_snprintf` would; the text's length.
pub fn date_rfc1123(out: &mut [u8], tm: Option<&libc::tm>) -> usize {
    let fields = match tm {
        Some(tm) => DateFields {
            wday: tm.tm_wday,
            mday: tm.tm_mday,
            mon: tm.tm_mon,
            year: tm.tm_year,
            hour: tm.tm_hour,
            min: tm.tm_min,
            sec: tm.tm_sec,
        },
        None => utc_now(),
    };
    crate::util::strings::snprint(out, rfc1123(&fields).as_bytes())
}

/// The current UTC time broken down.
pub fn utc_now() -> DateFields {
    // SAFETY: time(NULL) is always valid; gmtime_r writes into our zeroed local tm.
    let tm = unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::gmtime_r(&t, &mut tm);
        tm
    };
    DateFields {
        wday: tm.tm_wday,
        mday: tm.tm_mday,
        mon: tm.tm_mon,
        year: tm.tm_year,
        hour: tm.tm_hour,
        min: tm.tm_min,
        sec: tm.tm_sec,
    }
}

/// The current time as an RFC 1123 date (`Sun, 06 Nov 1994 08:49:37 GMT`), formatted once per
/// second per thread: every HTTP/1.1 response carries one, and formatting it each time was a
/// tenth of a keep-alive request's instructions. `f` gets the text.
pub fn with_http_date_now<R>(f: impl FnOnce(&[u8]) -> R) -> R {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<(libc::time_t, String)> = const { RefCell::new((-1, String::new())) };
    }
    // SAFETY: time(NULL) only returns the time.
    let now = unsafe { libc::time(std::ptr::null_mut()) };
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != now || c.1.is_empty() {
            *c = (now, rfc1123(&utc_now()));
        }
        f(c.1.as_bytes())
    })
}

/// Sleep for `tv` (the whole of it, resuming after signal interruptions).
pub fn sleep_for(tv: &timeval) {
    if tv.tv_sec < 0 || tv.tv_usec < 0 {
        return;
    }
    let mut req = timespec { tv_sec: tv.tv_sec + tv.tv_usec / 1_000_000, tv_nsec: (tv.tv_usec % 1_000_000) * 1000 };
    // A sleep that must complete: after a signal, sleep what is left.
    let _ = sys::retry_eintr(|| {
        let mut rem = timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: both timespecs are live locals.
        let r = syscall!(nanosleep(&req, &mut rem));
        req = rem;
        r
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = DateFields { wday: 0, mday: 6, mon: 10, year: 94, hour: 8, min: 49, sec: 37 };
        assert_eq!(rfc1123(&d), "Sun, 06 Nov 1994 08:49:37 GMT");
        let d = DateFields { year: 5 - 1900, mday: 1, hour: 0, ..d };
        assert_eq!(rfc1123(&d), "Sun, 01 Nov    5 00:49:37 GMT");
        let d = DateFields { year: 10000, ..d };
        assert_eq!(rfc1123(&d), "Sun, 01 Nov 11900 00:49:37 GMT");
        let d = DateFields { wday: 7, mon: -1, year: c_int::MAX, ..d };
        assert!(rfc1123(&d).starts_with("???, 01 ???"));
        assert_eq!(rfc1123(&utc_now()).len(), 29);
    }

    #[test]
    fn timer_modes() {
        let mut t = MonotonicTimer::new();
        let wall = clock::wall_now();
        let unconfigured = t.now().unwrap();
        assert!((unconfigured.tv_sec - wall.tv_sec).abs() <= 1);
        for flags in [0, EV_MONOT_PRECISE, EV_MONOT_FALLBACK, EV_MONOT_PRECISE | EV_MONOT_FALLBACK] {
            assert_eq!(t.configure(flags), 0);
            let a = t.now().unwrap();
            let b = t.now().unwrap();
            assert!(!clock::lt(&b, &a));
        }
        assert_eq!(t.clock, FALLBACK_CLOCK);
        // A wall clock that went back is held still.
        t.last = clock::add(&clock::wall_now(), &timeval { tv_sec: 100, tv_usec: 0 });
        let held = t.now().unwrap();
        assert_eq!(held.tv_sec, t.last.tv_sec);
        let later = t.now().unwrap();
        assert!(!clock::lt(&later, &held));
    }

    #[test]
    fn sleeps() {
        let start = clock::MonotonicClock::new(true).now();
        sleep_for(&timeval { tv_sec: 0, tv_usec: 20_000 });
        let took = clock::sub(&clock::MonotonicClock::new(true).now(), &start);
        assert!(took.tv_sec > 0 || took.tv_usec >= 19_000);
    }
}
