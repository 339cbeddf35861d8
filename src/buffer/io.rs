//! Reading from and writing to file descriptors: `readv` into the free space of the last
//! chains (as much as FIONREAD says is waiting, at most 4096 bytes a call like libevent 2.1),
//! `writev` across chains, and `sendfile` for file segments still in their file.

use super::buffer::State;
use super::chain::Store;
use crate::util::sys::{self, syscall};
use libc::{c_int, c_void, iovec};

/// Most bytes one evbuffer_read takes (libevent 2.1's EVBUFFER_MAX_READ).
pub const MAX_READ: usize = 4096;
/// How many chains one read may fill.
const NUM_READ_IOVEC: usize = 4;
/// How many chains one writev sends.
const NUM_WRITE_IOVEC: usize = 128;

/// Bytes waiting on `fd` (0 when unknown).
fn readable_on(fd: c_int) -> usize {
    let mut n: c_int = 0;
    // SAFETY: FIONREAD writes one int, into our local.
    match syscall!(ioctl(fd, libc::FIONREAD, &mut n)) {
        Ok(_) => n.max(0) as usize,
        Err(_) => 0,
    }
}

impl State {
    /// evbuffer_read: read up to `howmuch` bytes (negative: as many as are waiting, within
    /// MAX_READ). Returns the bytes read, 0 at end of file, -1 on error (errno set).
    pub fn read_fd(&mut self, fd: c_int, howmuch: c_int) -> c_int {
        if self.freeze_end {
            return -1;
        }
        let mut n = readable_on(fd);
        if n == 0 || n > MAX_READ {
            n = MAX_READ;
        }
        let howmuch = if howmuch < 0 || howmuch as usize > n { n } else { howmuch as usize };
        if self.expand_fast(howmuch, NUM_READ_IOVEC).is_err() {
            return -1;
        }
        let mut vecs = [iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; NUM_READ_IOVEC];
        let (first, nvecs) = self.setup_vecs(howmuch, &mut vecs, true);
        if nvecs == 0 {
            return 0;
        }
        // EINTR, like EAGAIN, goes back to the caller (-1, errno set): it reads again when the
        // fd is next readable.
        // SAFETY: the vectors describe free space in our chains.
        let r = match syscall!(readv(fd, vecs.as_ptr(), nvecs as c_int)) {
            Ok(0) => return 0,
            Ok(r) => r as usize,
            Err(_) => return -1,
        };
        let mut remaining = r;
        for k in 0..nvecs {
            let c = &mut self.chains[first + k];
            let space = c.space();
            if space < remaining {
                c.off += space;
                remaining -= space;
            } else {
                c.off += remaining;
                self.lwd = first + k;
                break;
            }
        }
        self.total += r;
        self.n_add += r;
        r as c_int
    }

    /// evbuffer_write_atmost: write up to `howmuch` bytes (negative: all), draining what was
    /// written. Returns the count, or -1 (errno set; also for an empty buffer or howmuch 0).
    pub fn write_fd(&mut self, fd: c_int, howmuch: isize) -> c_int {
        if self.freeze_start {
            return -1;
        }
        let howmuch = if howmuch < 0 || howmuch as usize > self.total { self.total } else { howmuch as usize };
        if howmuch == 0 {
            return -1;
        }
        let mut n: isize = -1;
        let mut done = false;
        if let Some(c) = self.chains.iter().find(|c| c.off != 0) {
            if let Store::Seg { base, seg } = &c.store {
                if base.is_null() {
                    let r = seg.sendfile_to(fd, c.misalign, c.off.min(howmuch));
                    n = r.as_ref().map_or(-1, |&k| k as isize);
                    done = !matches!(&r, Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)));
                    if !done {
                        // sendfile cannot write there: read the file in and use writev.
                        let i = self.chains.iter().position(|c| c.off != 0).unwrap_or(0);
                        if !self.readable(i) {
                            return -1;
                        }
                    }
                }
            }
        }
        if !done {
            n = self.writev_fd(fd, howmuch);
        }
        if n > 0 {
            let _ = sys::keep_errno(|| self.drain(n as usize));
        }
        n as c_int
    }

    fn writev_fd(&mut self, fd: c_int, mut howmuch: usize) -> isize {
        let mut iov = [iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; NUM_WRITE_IOVEC];
        let mut i = 0;
        for c in self.chains.iter() {
            if i == NUM_WRITE_IOVEC || howmuch == 0 {
                break;
            }
            if c.off == 0 {
                continue;
            }
            if !c.in_memory() {
                break; // file data waits for sendfile
            }
            let len = c.off.min(howmuch);
            iov[i] = iovec { iov_base: c.data() as *mut c_void, iov_len: len };
            i += 1;
            howmuch -= len;
        }
        if i == 0 {
            return 0;
        }
        // SAFETY: the vectors describe readable data in our chains.
        syscall!(writev(fd, iov.as_ptr(), i as c_int)).unwrap_or(-1)
    }
}
