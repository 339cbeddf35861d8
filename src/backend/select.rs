//! select(2) with bitmaps we size ourselves, so fds at or above FD_SETSIZE work instead of
//! overflowing a fixed fd_set (the kernel takes any nfds; only glibc's macros are fixed).

use super::{Backend, Interest};
use crate::core::event::{EV_READ, EV_WRITE};
use crate::core::log;
use crate::thread::RawLock;
use libc::{c_short, timeval};
use std::io;

const BITS: usize = 64;

pub struct Select {
    want_read: Vec<u64>,
    want_write: Vec<u64>,
    got_read: Vec<u64>,
    got_write: Vec<u64>,
    max_fd: i32,
}

impl Select {
    pub fn new() -> Self {
        Select { want_read: Vec::new(), want_write: Vec::new(), got_read: Vec::new(), got_write: Vec::new(), max_fd: -1 }
    }

    fn set(bits: &mut Vec<u64>, fd: usize, on: bool) {
        let w = fd / BITS;
        if w >= bits.len() {
            if !on {
                return;
            }
            bits.resize(w + 1, 0);
        }
        if on {
            bits[w] |= 1 << (fd % BITS);
        } else {
            bits[w] &= !(1 << (fd % BITS));
        }
    }

    fn test(bits: &[u64], fd: usize) -> bool {
        bits.get(fd / BITS).is_some_and(|w| w & (1 << (fd % BITS)) != 0)
    }
}

impl Default for Select {
    fn default() -> Self {
        Self::new()
    }
}

impl Backend for Select {
    fn name(&self) -> &'static str {
        "select"
    }

    fn features(&self) -> i32 {
        super::features_of("select")
    }

    fn change(&mut self, fd: i32, _old: Interest, new: Interest) -> Result<(), ()> {
        if fd < 0 {
            return Err(());
        }
        let u = fd as usize;
        Self::set(&mut self.want_read, u, new & EV_READ != 0);
        Self::set(&mut self.want_write, u, new & EV_WRITE != 0);
        if new & (EV_READ | EV_WRITE) != 0 && fd > self.max_fd {
            self.max_fd = fd;
        }
        Ok(())
    }

    fn dispatch(&mut self, timeout: Option<timeval>, ready: &mut Vec<(i32, c_short)>, lock: RawLock) -> io::Result<()> {
        // Shrink max_fd past fds no longer watched.
        while self.max_fd >= 0
            && !Self::test(&self.want_read, self.max_fd as usize)
            && !Self::test(&self.want_write, self.max_fd as usize)
        {
            self.max_fd -= 1;
        }
        let nfds = self.max_fd + 1;
        // The kernel reads whole longs up to nfds; libc's fd_set is at least 1024 bits, and
        // glibc's select does not look at the buffer size, so give it at least that much.
        let words = ((nfds as usize).div_ceil(BITS)).max(1024 / BITS);
        self.got_read.clear();
        self.got_read.extend_from_slice(&self.want_read);
        self.got_read.resize(words, 0);
        self.got_write.clear();
        self.got_write.extend_from_slice(&self.want_write);
        self.got_write.resize(words, 0);
        let mut tv = timeout.unwrap_or(timeval { tv_sec: 0, tv_usec: 0 });
        let tvp = if timeout.is_some() { &mut tv as *mut timeval } else { std::ptr::null_mut() };
        let (rd, wr) = (self.got_read.as_mut_ptr() as *mut libc::fd_set, self.got_write.as_mut_ptr() as *mut libc::fd_set);
        // While we wait, other threads change only the want_* maps.
        lock.release();
        // SAFETY: both bitmaps hold at least nfds bits (rounded up to whole words, at least
        // FD_SETSIZE), which is all the kernel reads or writes; only this thread uses them.
        let n = unsafe { libc::select(nfds, rd, wr, std::ptr::null_mut(), tvp) };
        lock.acquire();
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                return Ok(());
            }
            log::warn_errno("select");
            return Err(e);
        }
        if n == 0 {
            return Ok(());
        }
        for fd in 0..nfds as usize {
            let mut res: c_short = 0;
            if Self::test(&self.got_read, fd) {
                res |= EV_READ;
            }
            if Self::test(&self.got_write, fd) {
                res |= EV_WRITE;
            }
            if res != 0 {
                ready.push((fd as i32, res));
            }
        }
        Ok(())
    }
}
