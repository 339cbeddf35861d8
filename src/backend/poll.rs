//! poll(2): a dense pollfd array with an fd -> slot index so changes are O(1).

use super::{Backend, Features, Interest};
use crate::core::clock;
use crate::core::event::Ev;
use crate::core::log;
use crate::thread::RawLock;
use crate::util::sys::{self, syscall};
use libc::{c_int, c_short, pollfd};
use std::io;

pub struct Poll {
    fds: Vec<pollfd>,
    /// What poll(2) is given: `fds` copied under the lock, so other threads may change `fds`
    /// while we wait.
    wait_fds: Vec<pollfd>,
    /// fd -> index in `fds`, or -1.
    slot: Vec<c_int>,
}

impl Poll {
    pub fn new() -> Self {
        Poll { fds: Vec::new(), wait_fds: Vec::new(), slot: Vec::new() }
    }
}

impl Default for Poll {
    fn default() -> Self {
        Self::new()
    }
}

impl Backend for Poll {
    fn name(&self) -> &'static str {
        "poll"
    }

    fn features(&self) -> Features {
        super::features_of("poll")
    }

    fn change(&mut self, fd: c_int, _old: Interest, new: Interest, _fresh: bool) -> io::Result<()> {
        if fd < 0 {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        let u = fd as usize;
        if u >= self.slot.len() {
            self.slot.resize(u + 1, -1);
        }
        let mut mask: c_short = 0;
        if new.contains(Ev::READ) {
            mask |= libc::POLLIN;
        }
        if new.contains(Ev::WRITE) {
            mask |= libc::POLLOUT;
        }
        if new.contains(Ev::CLOSED) {
            mask |= libc::POLLRDHUP;
        }
        let i = self.slot[u];
        if mask == 0 {
            if i >= 0 {
                let i = i as usize;
                self.fds.swap_remove(i);
                if i < self.fds.len() {
                    let moved = self.fds[i].fd as usize;
                    self.slot[moved] = i as c_int;
                }
                self.slot[u] = -1;
            }
        } else if i >= 0 {
            self.fds[i as usize].events = mask;
        } else {
            self.slot[u] = self.fds.len() as c_int;
            self.fds.push(pollfd { fd, events: mask, revents: 0 });
        }
        Ok(())
    }

    fn dispatch(&mut self, timeout: Option<i64>, ready: &mut Vec<(c_int, Ev)>, lock: RawLock) -> io::Result<()> {
        let ms = timeout.map_or(-1, clock::micros_to_millis_ceil);
        self.wait_fds.clear();
        self.wait_fds.extend_from_slice(&self.fds);
        let (buf, len) = (self.wait_fds.as_mut_ptr(), self.wait_fds.len());
        lock.release();
        // SAFETY: buf is a valid array of len pollfd structures only this thread uses.
        let r = syscall!(poll(buf, len as libc::nfds_t, ms));
        lock.acquire();
        match r {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if sys::is_interrupted(&e) => return Ok(()),
            Err(e) => {
                log::warn_errno("poll");
                return Err(e);
            }
        }
        for p in &self.wait_fds {
            let mut what = p.revents;
            if what == 0 {
                continue;
            }
            if what & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                what |= libc::POLLIN | libc::POLLOUT;
            }
            let mut res = Ev::empty();
            res.set(Ev::READ, what & libc::POLLIN != 0);
            res.set(Ev::WRITE, what & libc::POLLOUT != 0);
            res.set(Ev::CLOSED, what & libc::POLLRDHUP != 0);
            if !res.is_empty() {
                ready.push((p.fd, res));
            }
        }
        Ok(())
    }
}
