//! Random numbers: the secure generator behind evutil_secure_rng_* (the kernel's, through
//! getrandom(2)), and libevent's cheap "weak" generator used where predictability is harmless
//! (picking among equal candidates, jitter).

use crate::util::sys::{self, syscall};
use libc::c_void;

/// Fill `buf` from the kernel's CSPRNG. getrandom(2) may return short counts (large
/// requests, signals); loop until full (a call that must complete: EINTR is retried). If the
/// system call is missing (very old kernels), read /dev/urandom instead.
pub fn secure_fill(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: rest is a live writable slice of rest.len() bytes.
        let r = sys::retry_eintr(|| syscall!(getrandom(rest.as_mut_ptr() as *mut c_void, rest.len(), 0)));
        match r {
            Ok(n) if n > 0 => done += n as usize,
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) => continue,
            _ => {
                fill_from_urandom(&mut buf[done..]);
                return;
            }
        }
    }
}

fn fill_from_urandom(buf: &mut [u8]) {
    use std::io::Read;
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        if f.read_exact(buf).is_ok() {
            return;
        }
    }
    // Nothing trustworthy is available; libevent would abort here rather than hand out
    // predictable bytes.
    crate::core::log::fatal("evutil_secure_rng_get_bytes: no source of randomness");
}

/// `struct evutil_weakrand_state` (caller-allocated, 4 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct WeakRandState {
    pub seed: u32,
}

/// Largest value the weak generator returns.
pub const WEAKRAND_MAX: i32 = 0x7fff_ffff;

impl WeakRandState {
    /// Seed with `seed`, or with time-of-day plus pid when `seed` is 0. Returns the seed used.
    pub fn seed(&mut self, seed: u32) -> u32 {
        let seed = if seed == 0 {
            let now = crate::core::clock::wall_now();
            // SAFETY: getpid cannot fail.
            let pid = unsafe { libc::getpid() };
            (now.tv_sec as u32).wrapping_add(now.tv_usec as u32).wrapping_add(pid as u32)
        } else {
            seed
        };
        self.seed = seed;
        seed
    }

    /// Next value in 0..=WEAKRAND_MAX: the linear congruential generator of BSD rand()
    /// (multiplier 1103515245, increment 12345, modulus 2^31), which libevent uses so that
    /// seeded sequences are reproducible across implementations.
    pub fn next_value(&mut self) -> i32 {
        self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12_345) & 0x7fff_ffff;
        self.seed as i32
    }

    /// A value in 0..top, taken from the high bits (the low bits of this generator have
    /// short periods). A non-positive `top` has no valid answer; 0 is returned.
    pub fn range(&mut self, top: i32) -> i32 {
        if top <= 0 {
            return 0;
        }
        let divisor = WEAKRAND_MAX / top;
        loop {
            let r = self.next_value() / divisor;
            if r < top {
                return r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_sequence_is_libevents() {
        let mut s = WeakRandState::default();
        assert_eq!(s.seed(12345), 12345);
        let got: Vec<i32> = (0..5).map(|_| s.next_value()).collect();
        assert_eq!(got, [1406932606, 654583775, 1449466924, 229283573, 1109335178]);
        s.seed(1);
        let got: Vec<i32> = (0..5).map(|_| s.range(100)).collect();
        assert_eq!(got, [51, 17, 30, 53, 94]);
        assert_eq!(s.seed, 2035015474);
        assert_ne!(s.seed(0), 0);
        assert_eq!(s.range(0), 0);
        assert_eq!(s.range(-3), 0);
        for _ in 0..1000 {
            assert_eq!(s.range(1), 0);
        }
    }

    #[test]
    fn secure_bytes_vary() {
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        secure_fill(&mut a);
        secure_fill(&mut b);
        assert_ne!(a, b);
        secure_fill(&mut []);
    }
}
