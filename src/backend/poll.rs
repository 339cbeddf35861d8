//! poll(2): a dense pollfd array with an fd -> slot index so changes are O(1).

use super::{Backend, Interest};
use crate::core::clock;
use crate::core::event::{EV_CLOSED, EV_READ, EV_WRITE};
use crate::core::log;
use crate::thread::RawLock;
use libc::{c_short, pollfd, timeval};
use std::io;

pub struct Poll {
    fds: Vec<pollfd>,
    /// What poll(2) is given: `fds` copied under the lock, so other threads may change `fds`
    /// while we wait.
    wait_fds: Vec<pollfd>,
    /// fd -> index in `fds`, or -1.
    slot: Vec<i32>,
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

    fn features(&self) -> i32 {
        super::features_of("poll")
    }

    fn change(&mut self, fd: i32, _old: Interest, new: Interest) -> Result<(), ()> {
        if fd < 0 {
            return Err(());
        }
        let u = fd as usize;
        if u >= self.slot.len() {
            self.slot.resize(u + 1, -1);
        }
        let mut mask: c_short = 0;
        if new & EV_READ != 0 {
            mask |= libc::POLLIN;
        }
        if new & EV_WRITE != 0 {
            mask |= libc::POLLOUT;
        }
        if new & EV_CLOSED != 0 {
            mask |= libc::POLLRDHUP;
        }
        let i = self.slot[u];
        if mask == 0 {
            if i >= 0 {
                let i = i as usize;
                self.fds.swap_remove(i);
                if i < self.fds.len() {
                    let moved = self.fds[i].fd as usize;
                    self.slot[moved] = i as i32;
                }
                self.slot[u] = -1;
            }
        } else if i >= 0 {
            self.fds[i as usize].events = mask;
        } else {
            self.slot[u] = self.fds.len() as i32;
            self.fds.push(pollfd { fd, events: mask, revents: 0 });
        }
        Ok(())
    }

    fn dispatch(&mut self, timeout: Option<timeval>, ready: &mut Vec<(i32, c_short)>, lock: RawLock) -> io::Result<()> {
        let ms = timeout.map_or(-1, |tv| clock::to_millis_ceil(&tv));
        self.wait_fds.clear();
        self.wait_fds.extend_from_slice(&self.fds);
        let (buf, len) = (self.wait_fds.as_mut_ptr(), self.wait_fds.len());
        lock.release();
        // SAFETY: buf is a valid array of len pollfd structures only this thread uses.
        let n = unsafe { libc::poll(buf, len as libc::nfds_t, ms) };
        lock.acquire();
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                return Ok(());
            }
            log::warn_errno("poll");
            return Err(e);
        }
        if n == 0 {
            return Ok(());
        }
        for p in &self.wait_fds {
            let mut what = p.revents;
            if what == 0 {
                continue;
            }
            if what & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                what |= libc::POLLIN | libc::POLLOUT;
            }
            let mut res: c_short = 0;
            if what & libc::POLLIN != 0 {
                res |= EV_READ;
            }
            if what & libc::POLLOUT != 0 {
                res |= EV_WRITE;
            }
            if what & libc::POLLRDHUP != 0 {
                res |= EV_CLOSED;
            }
            if res != 0 {
                ready.push((p.fd, res));
            }
        }
        Ok(())
    }
}
