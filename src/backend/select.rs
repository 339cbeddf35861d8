//! select(2) with bitmaps we size ourselves, so fds at or above FD_SETSIZE work instead of
//! overflowing a fixed fd_set (the kernel takes any nfds; only glibc's macros are fixed).

use super::{Backend, Features, Interest};
use crate::core::clock;
use crate::core::event::Ev;
use crate::core::log;
use crate::thread::RawLock;
use crate::util::sys::{self, syscall};
use libc::{c_int, timeval};
use std::io;

const BITS: usize = 64;

pub struct Select {
    want_read: Vec<u64>,
    want_write: Vec<u64>,
    got_read: Vec<u64>,
    got_write: Vec<u64>,
    max_fd: c_int,
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

    fn features(&self) -> Features {
        super::features_of("select")
    }

    fn change(&mut self, fd: c_int, _old: Interest, new: Interest, _fresh: bool) -> io::Result<()> {
        if fd < 0 {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        }
        let u = fd as usize;
        Self::set(&mut self.want_read, u, new.contains(Ev::READ));
        Self::set(&mut self.want_write, u, new.contains(Ev::WRITE));
        if new.intersects(Ev::READ | Ev::WRITE) && fd > self.max_fd {
            self.max_fd = fd;
        }
        Ok(())
    }

    fn dispatch(&mut self, timeout: Option<i64>, ready: &mut Vec<(c_int, Ev)>, lock: RawLock) -> io::Result<()> {
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
        let mut tv = clock::micros_to_timeval(timeout.unwrap_or(0));
        let tvp = if timeout.is_some() { &mut tv as *mut timeval } else { std::ptr::null_mut() };
        let (rd, wr) = (self.got_read.as_mut_ptr() as *mut libc::fd_set, self.got_write.as_mut_ptr() as *mut libc::fd_set);
        // While we wait, other threads change only the want_* maps.
        lock.release();
        // SAFETY: both bitmaps hold at least nfds bits (rounded up to whole words, at least
        // FD_SETSIZE), which is all the kernel reads or writes; only this thread uses them.
        let r = syscall!(select(nfds, rd, wr, std::ptr::null_mut(), tvp));
        lock.acquire();
        match r {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if sys::is_interrupted(&e) => return Ok(()),
            Err(e) => {
                log::warn_errno("select");
                return Err(e);
            }
        }
        for fd in 0..nfds as usize {
            let mut res = Ev::empty();
            res.set(Ev::READ, Self::test(&self.got_read, fd));
            res.set(Ev::WRITE, Self::test(&self.got_write, fd));
            if !res.is_empty() {
                ready.push((fd as c_int, res));
            }
        }
        Ok(())
    }
}
