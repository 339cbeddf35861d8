//! The one way this library makes a libc call and reads `errno`.
//!
//! `syscall!(name(args…))` calls `libc::name` and turns libc's "-1 and errno" convention into
//! an `io::Result` (as mio does), so failure handling is written once. The EINTR policy is
//! one rule, kept here: a call that merely *reports* progress (read, write, accept, connect)
//! returns EINTR to its caller, who treats it as "try again on the next readiness" exactly as
//! libevent does; a call that *waits* (epoll_wait, poll, select) treats EINTR as an ordinary
//! empty wake-up; and only calls that must complete (reading a file segment in, filling
//! random bytes, a requested sleep) loop on it, through [`retry_eintr`]. [`keep_errno`] keeps
//! a failed call's errno for the program across the bookkeeping that follows it.

use libc::c_int;
use std::io;

/// The calling thread's `errno`.
#[inline]
pub fn errno() -> c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Set the calling thread's `errno` (libevent's functions leave it for the program to read).
#[inline]
pub fn set_errno(e: c_int) {
    // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = e };
}

/// `libc::$fn($args)` as an `io::Result`: `Err(last_os_error)` when it returns -1.
#[macro_export]
#[doc(hidden)]
macro_rules! syscall {
    ($fn:ident ( $($arg:expr),* $(,)? )) => {{
        #[allow(unused_unsafe)] // the call site may already be inside an unsafe block
        // SAFETY: the caller's arguments satisfy the libc function's contract: each call site
        // says why in a SAFETY comment where a pointer is involved. The arguments are evaluated
        // inside this block, so a call site must not hide other unsafe operations in them.
        let r = unsafe { libc::$fn($($arg),*) };
        if r == -1 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(r)
        }
    }};
}
pub use crate::syscall;

/// Repeat `f` while it fails with EINTR: for the few calls that must complete.
pub fn retry_eintr<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => return r,
        }
    }
}

/// Run `f` and give the caller back the `errno` it found: for bookkeeping (freeing, running
/// change callbacks) between a failed call and the return to the program, which reads errno.
pub fn keep_errno<R>(f: impl FnOnce() -> R) -> R {
    let e = errno();
    let r = f();
    set_errno(e);
    r
}

/// True for a wait that was interrupted by a signal: an empty wake-up, not a failure.
#[inline]
pub fn is_interrupted(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EINTR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_maps_minus_one_to_errno() {
        let r = syscall!(close(-1));
        assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADF));
        set_errno(libc::EAGAIN);
        assert_eq!(errno(), libc::EAGAIN);
    }

    #[test]
    fn retry_eintr_retries_only_eintr() {
        let mut n = 0;
        let r: io::Result<i32> = retry_eintr(|| {
            n += 1;
            if n < 3 {
                Err(io::Error::from_raw_os_error(libc::EINTR))
            } else {
                Ok(7)
            }
        });
        assert_eq!(r.unwrap(), 7);
        assert_eq!(n, 3);
        let r: io::Result<i32> = retry_eintr(|| Err(io::Error::from_raw_os_error(libc::EBADF)));
        assert!(r.is_err());
    }
}
