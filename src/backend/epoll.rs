//! epoll(7). Changes go to the kernel at once, or, in changelist mode
//! (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST), are coalesced per fd until the next dispatch so a
//! delete followed by a re-add costs nothing. Changelist mode is opt-in, as in libevent: it
//! misses a closed-and-reopened fd whose del+add cancelled out.

use super::{errno, Backend, Interest};
use crate::core::clock;
use crate::core::event::{EV_CLOSED, EV_ET, EV_READ, EV_WRITE};
use crate::core::log;
use crate::thread::RawLock;
use libc::{c_short, epoll_event, timeval};
use std::io;

const INITIAL_EVENTS: usize = 32;
const MAX_EVENTS: usize = 4096;
/// Linux misbehaves with very long epoll timeouts on old kernels; libevent caps at 35 minutes.
const MAX_TIMEOUT_MS: i32 = 35 * 60 * 1000;

pub struct Epoll {
    epfd: i32,
    events: Vec<epoll_event>,
    /// Pending changes in changelist mode: (fd, interest the kernel has, interest wanted).
    changes: Option<Vec<(i32, Interest, Interest)>>,
    /// fd -> index into `changes`, or -1.
    change_idx: Vec<i32>,
}

impl Epoll {
    pub fn new(changelist: bool) -> Option<Self> {
        // SAFETY: plain syscall.
        let epfd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if epfd < 0 {
            let e = errno();
            if e != libc::ENOSYS {
                log::warn_errno("epoll_create");
            }
            return None;
        }
        Some(Epoll {
            epfd,
            events: vec![epoll_event { events: 0, u64: 0 }; INITIAL_EVENTS],
            changes: if changelist { Some(Vec::new()) } else { None },
            change_idx: Vec::new(),
        })
    }

    fn mask(interest: Interest) -> u32 {
        let mut m = 0u32;
        if interest & EV_READ != 0 {
            m |= libc::EPOLLIN as u32;
        }
        if interest & EV_WRITE != 0 {
            m |= libc::EPOLLOUT as u32;
        }
        if interest & EV_CLOSED != 0 {
            m |= libc::EPOLLRDHUP as u32;
        }
        if interest & EV_ET != 0 {
            m |= libc::EPOLLET as u32;
        }
        m
    }

    fn ctl(&self, op: i32, fd: i32, interest: Interest) -> i32 {
        let mut ev = epoll_event { events: Self::mask(interest), u64: fd as u32 as u64 };
        // SAFETY: epfd is ours; ev is a valid local.
        unsafe { libc::epoll_ctl(self.epfd, op, fd, &mut ev) }
    }

    /// Tell the kernel, with libevent's recovery rules for fds that were closed or dup'ed
    /// behind our back.
    fn apply(&self, fd: i32, old: Interest, new: Interest) -> Result<(), ()> {
        let relevant = EV_READ | EV_WRITE | EV_CLOSED;
        if old & relevant == 0 && new & relevant == 0 {
            return Ok(());
        }
        if new & relevant == 0 {
            if self.ctl(libc::EPOLL_CTL_DEL, fd, 0) == 0 {
                return Ok(());
            }
            let e = errno();
            // Closed (or never really there): the kernel already forgot it.
            if e == libc::ENOENT || e == libc::EBADF || e == libc::EPERM {
                return Ok(());
            }
            log::warn_errno(&format!("Epoll DEL on fd {} failed", fd));
            return Err(());
        }
        if old & relevant == 0 {
            if self.ctl(libc::EPOLL_CTL_ADD, fd, new) == 0 {
                return Ok(());
            }
            if errno() == libc::EEXIST && self.ctl(libc::EPOLL_CTL_MOD, fd, new) == 0 {
                return Ok(());
            }
            log::warn_errno(&format!("Epoll ADD on fd {} failed", fd));
            return Err(());
        }
        if self.ctl(libc::EPOLL_CTL_MOD, fd, new) == 0 {
            return Ok(());
        }
        if errno() == libc::ENOENT && self.ctl(libc::EPOLL_CTL_ADD, fd, new) == 0 {
            return Ok(());
        }
        log::warn_errno(&format!("Epoll MOD on fd {} failed", fd));
        Err(())
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
        // SAFETY: epfd is ours and closed once.
        unsafe { libc::close(self.epfd) };
    }
}

impl Backend for Epoll {
    fn name(&self) -> &'static str {
        "epoll"
    }

    fn features(&self) -> i32 {
        super::features_of("epoll")
    }

    fn need_reinit(&self) -> bool {
        true
    }

    fn change(&mut self, fd: i32, old: Interest, new: Interest) -> Result<(), ()> {
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

    fn dispatch(&mut self, timeout: Option<timeval>, ready: &mut Vec<(i32, c_short)>, lock: RawLock) -> io::Result<()> {
        self.flush_changes();
        let ms = match timeout {
            None => -1,
            Some(tv) => clock::to_millis_ceil(&tv).min(MAX_TIMEOUT_MS),
        };
        // Other threads' changes while we wait go straight to the kernel (or to `changes`);
        // the wait touches only epfd and the events buffer.
        let (epfd, buf, cap) = (self.epfd, self.events.as_mut_ptr(), self.events.len() as i32);
        lock.release();
        // SAFETY: buf has cap writable entries and nobody else uses the events buffer.
        let n = unsafe { libc::epoll_wait(epfd, buf, cap, ms) };
        lock.acquire();
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                return Ok(());
            }
            log::warn_errno("epoll_wait");
            return Err(e);
        }
        let n = n as usize;
        for ev in &self.events[..n] {
            let what = ev.events;
            let fd = ev.u64 as u32 as i32;
            let mut res: c_short = 0;
            let hup_only = what & libc::EPOLLHUP as u32 != 0 && what & libc::EPOLLRDHUP as u32 == 0;
            if what & libc::EPOLLERR as u32 != 0 || hup_only {
                res = EV_READ | EV_WRITE;
            } else {
                if what & libc::EPOLLIN as u32 != 0 {
                    res |= EV_READ;
                }
                if what & libc::EPOLLOUT as u32 != 0 {
                    res |= EV_WRITE;
                }
                if what & libc::EPOLLRDHUP as u32 != 0 {
                    res |= EV_CLOSED;
                }
            }
            if res != 0 {
                // EV_ET rides along so edge-triggered events see it in their `what`.
                ready.push((fd, res | EV_ET));
            }
        }
        if n == self.events.len() && n < MAX_EVENTS {
            let grown = (n * 2).min(MAX_EVENTS);
            self.events.resize(grown, epoll_event { events: 0, u64: 0 });
        }
        Ok(())
    }
}
