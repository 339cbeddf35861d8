//! The kernel interfaces under the loop, one per file, behind libevent's `eventop` idea:
//! a backend learns each fd's interest changes and, in `dispatch`, reports which fds are
//! ready. Everything above (which events want what, in which order callbacks run) is the
//! core's business, so a backend is small and knows nothing of `struct event`.

pub mod epoll;
pub mod poll;
pub mod select;

use crate::core::event::Ev;
use crate::thread::RawLock;
use libc::c_int;
use std::io;

/// `enum event_method_feature`.
pub const EV_FEATURE_ET: c_int = 0x01;
pub const EV_FEATURE_O1: c_int = 0x02;
pub const EV_FEATURE_FDS: c_int = 0x04;
pub const EV_FEATURE_EARLY_CLOSE: c_int = 0x08;

bitflags::bitflags! {
    /// What a method can do (`enum event_method_feature`), as a set; C sees `.bits()`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Features: c_int {
        /// Edge-triggered events (EV_ET).
        const ET = EV_FEATURE_ET;
        /// Adding, deleting and one ready fd cost O(1).
        const O1 = EV_FEATURE_O1;
        /// Any file descriptor, not only sockets.
        const FDS = EV_FEATURE_FDS;
        /// EV_CLOSED without reading.
        const EARLY_CLOSE = EV_FEATURE_EARLY_CLOSE;
    }
}

/// What a backend watches an fd for: a subset of `Ev::READ | Ev::WRITE | Ev::CLOSED | Ev::ET`.
pub type Interest = Ev;

pub trait Backend {
    fn name(&self) -> &'static str;
    fn features(&self) -> Features;
    /// True when the kernel object does not survive fork (epoll): event_reinit rebuilds it.
    fn need_reinit(&self) -> bool {
        false
    }
    /// `fd`'s interest goes from `old` to `new` (either may be empty). `fresh`: the change
    /// comes from the first add of an event since it was assigned, so the file behind `fd`
    /// may not be the one the backend knew by that number. A backend may defer the change to
    /// its next `dispatch`; one it makes now and the kernel refuses is an error (errno is
    /// still the cause and a warning has been logged; the caller reports -1).
    fn change(&mut self, fd: c_int, old: Interest, new: Interest, fresh: bool) -> io::Result<()>;
    /// Wait up to `timeout` microseconds (None: forever) and append (fd, READ|WRITE|CLOSED[|ET]) for each
    /// ready fd to `ready`. EINTR is a normal, empty return (`util::sys::is_interrupted`).
    ///
    /// Called with the base lock held; the backend releases `lock` around the blocking
    /// syscall so other threads can add and delete meanwhile. While it is released, other
    /// threads may call `change` (under the lock), so the wait must use only state that
    /// `change` does not touch: the kernel object itself, or a copy made before releasing.
    fn dispatch(&mut self, timeout: Option<i64>, ready: &mut Vec<(c_int, Ev)>, lock: RawLock) -> io::Result<()>;
}

/// The methods we implement, in libevent's order of preference.
pub const METHODS: [&str; 3] = ["epoll", "poll", "select"];

pub fn features_of(name: &str) -> Features {
    match name {
        "epoll" => Features::ET | Features::O1 | Features::EARLY_CLOSE,
        "poll" => Features::FDS | Features::EARLY_CLOSE,
        "select" => Features::FDS,
        _ => Features::empty(),
    }
}

/// Create the named backend. `changelist` (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) is accepted;
/// our epoll batches interest changes in every mode, safely with dup'd fds (see epoll.rs).
pub fn create(name: &str, changelist: bool) -> Option<Box<dyn Backend>> {
    match name {
        "epoll" => epoll::Epoll::new(changelist).map(|b| Box::new(b) as Box<dyn Backend>),
        "poll" => Some(Box::new(poll::Poll::new())),
        "select" => Some(Box::new(select::Select::new())),
        _ => None,
    }
}
