//! epoll(7). Changes go to the kernel at once, or, in changelist mode
//! (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST), are coalesced per fd until the next dispatch so a
//! delete followed by a re-add costs nothing. Changelist mode is opt-in, as in libevent: it
//! misses a closed-and-reopened fd whose del+add cancelled out.

use super::{Backend, Features, Interest};
use crate::core::clock;
use crate::core::event::Ev;
use crate::core::log;
use crate::thread::RawLock;
use crate::util::sys::{self, syscall};
use libc::{c_int, epoll_event, timeval};
use std::io;

const INITIAL_EVENTS: usize = 32;
const MAX_EVENTS: usize = 4096;
/// Linux misbehaves with very long epoll timeouts on old kernels; libevent caps at 35 minutes.
const MAX_TIMEOUT_MS: i32 = 35 * 60 * 1000;

pub struct Epoll {
    epfd: c_int,
    events: Vec<epoll_event>,
    /// Pending changes in changelist mode: (fd, interest the kernel has, interest wanted).
    changes: Option<Vec<(c_int, Interest, Interest)>>,
    /// fd -> index into `changes`, or -1.
    change_idx: Vec<i32>,
}

impl Epoll {
    pub fn new(changelist: bool) -> Option<Self> {
        let epfd = match syscall!(epoll_create1(libc::EPOLL_CLOEXEC)) {
            Ok(fd) => fd,
            Err(e) => {
                if e.raw_os_error() != Some(libc::ENOSYS) {
                    log::warn_errno("epoll_create");
                }
                return None;
            }
        };
        Some(Epoll {
            epfd,
            events: vec![epoll_event { events: 0, u64: 0 }; INITIAL_EVENTS],
            changes: if changelist { Some(Vec::new()) } else { None },
            change_idx: Vec::new(),
        })
    }

    fn mask(interest: Interest) -> u32 {
        let mut m = 0u32;
        if interest.contains(Ev::READ) {
            m |= libc::EPOLLIN as u32;
        }
        if interest.contains(Ev::WRITE) {
            m |= libc::EPOLLOUT as u32;
        }
        if interest.contains(Ev::CLOSED) {
            m |= libc::EPOLLRDHUP as u32;
        }
        if interest.contains(Ev::ET) {
            m |= libc::EPOLLET as u32;
        }
        m
    }

    fn ctl(&self, op: c_int, fd: c_int, interest: Interest) -> io::Result<()> {
        let mut ev = epoll_event { events: Self::mask(interest), u64: fd as u32 as u64 };
        syscall!(epoll_ctl(self.epfd, op, fd, &mut ev)).map(drop)
    }

    /// Tell the kernel, with libevent's recovery rules for fds that were closed or dup'ed
    /// behind our back. On failure a warning has been logged and errno still holds the cause.
    fn apply(&self, fd: c_int, old: Interest, new: Interest) -> io::Result<()> {
        let relevant = Ev::READ | Ev::WRITE | Ev::CLOSED;
        let errno_is = |r: &io::Result<()>, code: c_int| matches!(r, Err(e) if e.raw_os_error() == Some(code));
        if !old.intersects(relevant) && !new.intersects(relevant) {
            return Ok(());
        }
        let (r, what) = if !new.intersects(relevant) {
            let r = self.ctl(libc::EPOLL_CTL_DEL, fd, Interest::empty());
            // Closed (or never really there): the kernel already forgot it.
            if [libc::ENOENT, libc::EBADF, libc::EPERM].iter().any(|&code| errno_is(&r, code)) {
                return Ok(());
            }
            (r, "DEL")
        } else if !old.intersects(relevant) {
            let mut r = self.ctl(libc::EPOLL_CTL_ADD, fd, new);
            if errno_is(&r, libc::EEXIST) {
                r = self.ctl(libc::EPOLL_CTL_MOD, fd, new);
            }
            (r, "ADD")
        } else {
            let mut r = self.ctl(libc::EPOLL_CTL_MOD, fd, new);
            if errno_is(&r, libc::ENOENT) {
                r = self.ctl(libc::EPOLL_CTL_ADD, fd, new);
            }
            (r, "MOD")
        };
        if r.is_err() {
            log::warn_errno(&format!("Epoll {} on fd {} failed", what, fd));
        }
        r
    }

    fn flush_changes(&mut self) {
        let Some(changes) = self.changes.as_mut() else { return };
        let list = std::mem::take(changes);
        for &(fd, old, new) in &list {
            if (fd as usize) < self.change_idx.len() {
                self.change_idx[fd as usize] = -1;
            }
            if old != new {
                // Errors were logged; the event stays added, as in libevent's changelist mode.
                let _ = self.apply(fd, old, new);
            }
        }
        let mut list = list;
        list.clear();
        self.changes = Some(list);
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // epfd is ours and closed once; a failure leaves nothing to undo.
        let _ = syscall!(close(self.epfd));
    }
}

impl Backend for Epoll {
    fn name(&self) -> &'static str {
        "epoll"
    }

    fn features(&self) -> Features {
        super::features_of("epoll")
    }

    fn need_reinit(&self) -> bool {
        true
    }

    fn change(&mut self, fd: c_int, old: Interest, new: Interest) -> io::Result<()> {
        let Some(changes) = self.changes.as_mut() else {
            return self.apply(fd, old, new);
        };
        let u = fd as usize;
        if u >= self.change_idx.len() {
            self.change_idx.resize(u + 1, -1);
        }
        let i = self.change_idx[u];
        if i >= 0 {
            changes[i as usize].2 = new;
        } else {
            self.change_idx[u] = changes.len() as i32;
            changes.push((fd, old, new));
        }
        Ok(())
    }

    fn dispatch(&mut self, timeout: Option<timeval>, ready: &mut Vec<(c_int, Ev)>, lock: RawLock) -> io::Result<()> {
        self.flush_changes();
        let ms = match timeout {
            None => -1,
            Some(tv) => clock::to_millis_ceil(&tv).min(MAX_TIMEOUT_MS),
        };
        // Other threads' changes while we wait go straight to the kernel (or to `changes`);
        // the wait touches only epfd and the events buffer.
        let (epfd, buf, cap) = (self.epfd, self.events.as_mut_ptr(), self.events.len() as i32);
        lock.release();
        // SAFETY: buf has cap writable entries and nobody else uses the events buffer meanwhile.
        let r = syscall!(epoll_wait(epfd, buf, cap, ms));
        lock.acquire();
        let n = match r {
            Ok(n) => n as usize,
            Err(e) if sys::is_interrupted(&e) => return Ok(()),
            Err(e) => {
                log::warn_errno("epoll_wait");
                return Err(e);
            }
        };
        for ev in &self.events[..n] {
            let what = ev.events;
            let fd = ev.u64 as u32 as c_int;
            let mut res = Ev::empty();
            let hup_only = what & libc::EPOLLHUP as u32 != 0 && what & libc::EPOLLRDHUP as u32 == 0;
            if what & libc::EPOLLERR as u32 != 0 || hup_only {
                res = Ev::READ | Ev::WRITE;
            } else {
                res.set(Ev::READ, what & libc::EPOLLIN as u32 != 0);
                res.set(Ev::WRITE, what & libc::EPOLLOUT as u32 != 0);
                res.set(Ev::CLOSED, what & libc::EPOLLRDHUP as u32 != 0);
            }
            if !res.is_empty() {
                // EV_ET rides along so edge-triggered events see it in their `what`.
                ready.push((fd, res | Ev::ET));
            }
        }
        if n == self.events.len() && n < MAX_EVENTS {
            let grown = (n * 2).min(MAX_EVENTS);
            self.events.resize(grown, epoll_event { events: 0, u64: 0 });
        }
        Ok(())
    }
}
