//! The kernel interfaces under the loop, one per file, behind libevent's `eventop` idea:
//! a backend learns each fd's interest changes and, in `dispatch`, reports which fds are
//! ready. Everything above (which events want what, in which order callbacks run) is the
//! core's business, so a backend is small and knows nothing of `struct event`.

pub mod epoll;
pub mod poll;
pub mod select;

use crate::thread::RawLock;
use libc::{c_short, timeval};
use std::io;

/// `enum event_method_feature`.
pub const EV_FEATURE_ET: i32 = 0x01;
pub const EV_FEATURE_O1: i32 = 0x02;
pub const EV_FEATURE_FDS: i32 = 0x04;
pub const EV_FEATURE_EARLY_CLOSE: i32 = 0x08;

/// Interest bits a backend is told about: EV_READ, EV_WRITE, EV_CLOSED and EV_ET.
pub type Interest = c_short;

pub trait Backend {
    fn name(&self) -> &'static str;
    fn features(&self) -> i32;
    /// True when the kernel object does not survive fork (epoll): event_reinit rebuilds it.
    fn need_reinit(&self) -> bool {
        false
    }
    /// `fd`'s interest goes from `old` to `new` (either may be empty). On failure errno is set
    /// and a warning has been logged; the caller reports -1.
    fn change(&mut self, fd: i32, old: Interest, new: Interest) -> Result<(), ()>;
    /// Wait up to `timeout` (None: forever) and append (fd, EV_READ|EV_WRITE|EV_CLOSED[|EV_ET])
    /// for each ready fd to `ready`. EINTR is a normal, empty return.
    ///
    /// Called with the base lock held; the backend releases `lock` around the blocking
    /// syscall so other threads can add and delete meanwhile. While it is released, other
    /// threads may call `change` (under the lock), so the wait must use only state that
    /// `change` does not touch: the kernel object itself, or a copy made before releasing.
    fn dispatch(&mut self, timeout: Option<timeval>, ready: &mut Vec<(i32, c_short)>, lock: RawLock) -> io::Result<()>;
}

/// The methods we implement, in libevent's order of preference.
pub const METHODS: [&str; 3] = ["epoll", "poll", "select"];

pub fn features_of(name: &str) -> i32 {
    match name {
        "epoll" => EV_FEATURE_ET | EV_FEATURE_O1 | EV_FEATURE_EARLY_CLOSE,
        "poll" => EV_FEATURE_FDS | EV_FEATURE_EARLY_CLOSE,
        "select" => EV_FEATURE_FDS,
        _ => 0,
    }
}

/// Create the named backend. `changelist`: epoll batches changes until the next dispatch.
pub fn create(name: &str, changelist: bool) -> Option<Box<dyn Backend>> {
    match name {
        "epoll" => epoll::Epoll::new(changelist).map(|b| Box::new(b) as Box<dyn Backend>),
        "poll" => Some(Box::new(poll::Poll::new())),
        "select" => Some(Box::new(select::Select::new())),
        _ => None,
    }
}

pub(crate) fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
