//! Reading from and writing to file descriptors: one `read` of at most 4096 bytes a call (like
//! libevent 2.1), placed in the free space of the last chains as libevent places it,
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

impl State {
    /// evbuffer_read: read up to `howmuch` bytes (negative: as many as are waiting, within
    /// MAX_READ). Returns the bytes read, 0 at end of file, -1 on error (errno set).
    ///
    /// libevent asks the kernel how much is waiting (`ioctl(FIONREAD)`) and sizes the chains
    /// for that before reading. We read first, into a MAX_READ stack buffer, and then place
    /// the bytes exactly where libevent's sized read would have put them: the same chains
    /// from the same `expand_fast`, without a second system call per read (one of the three a
    /// keep-alive HTTP request costs). The price is a copy of at most MAX_READ bytes. If the
    /// chains cannot be allocated after the read, the bytes read are lost and -1 (ENOMEM) is
    /// returned; the caller's connection fails as it would on libevent's ENOMEM.
    pub fn read_fd(&mut self, fd: c_int, howmuch: c_int) -> c_int {
        if self.freeze_end {
            return -1;
        }
        let limit = if howmuch < 0 { MAX_READ } else { (howmuch as usize).min(MAX_READ) };
        if limit == 0 {
            return 0;
        }
        // Not zeroed: the kernel writes the first `r` bytes and only those are read back (a
        // 4 KB memset per read cost as much as the copy it precedes).
        let mut stack = std::mem::MaybeUninit::<[u8; MAX_READ]>::uninit();
        // EINTR, like EAGAIN, goes back to the caller (-1, errno set): it reads again when the
        // fd is next readable.
        // SAFETY: the destination is our stack buffer, `limit` <= its length.
        let r = match syscall!(read(fd, stack.as_mut_ptr() as *mut c_void, limit)) {
            Ok(0) => return 0,
            Ok(r) => r as usize,
            Err(_) => return -1,
        };
        if self.expand_fast(r, NUM_READ_IOVEC).is_err() {
            sys::set_errno(libc::ENOMEM);
            return -1;
        }
        let mut vecs = [iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; NUM_READ_IOVEC];
        let (first, nvecs) = self.setup_vecs(r, &mut vecs, true);
        let mut copied = 0;
        for (k, v) in vecs.iter().take(nvecs).enumerate() {
            let n = v.iov_len.min(r - copied);
            // SAFETY: the vector describes free space in our chain (at least iov_len bytes),
            // and the stack holds r >= copied + n bytes; the two never overlap.
            // The first r bytes of the stack buffer were written by read.
            unsafe { std::ptr::copy_nonoverlapping((stack.as_ptr() as *const u8).add(copied), v.iov_base as *mut u8, n) };
            copied += n;
            let c = &mut self.chains[first + k];
            c.off += n;
            if copied == r {
                self.lwd = first + k;
                break;
            }
        }
        debug_assert_eq!(copied, r, "expand_fast made room for every byte read");
        self.total += copied;
        self.n_add += copied;
        copied as c_int
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
