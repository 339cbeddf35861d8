//! `struct evbuffer_file_segment`: a range of a file that buffers carry without copying it.
//!
//! A segment is shared (Arc) by the program's handle and every chain that holds part of it,
//! possibly in buffers of different threads;
//! the last one to let go unmaps/frees the contents, closes the fd with
//! EVBUF_FS_CLOSE_ON_FREE and runs the cleanup callback. Buffers that drain to a socket
//! (EVBUFFER_FLAG_DRAINS_TO_FD) keep the bytes in the file and send them with sendfile; any
//! other use maps the range (mmap) or reads it in with pread, once per segment.

use super::chain::{HeapBlock, CHAIN_MAX};
use crate::util::sys::{self, syscall};
use libc::{c_int, c_uint, c_void};
use parking_lot::Mutex;
use std::io;

pub const EVBUF_FS_CLOSE_ON_FREE: c_uint = 0x01;
pub const EVBUF_FS_DISABLE_MMAP: c_uint = 0x02;
pub const EVBUF_FS_DISABLE_SENDFILE: c_uint = 0x04;
pub const EVBUF_FS_DISABLE_LOCKING: c_uint = 0x08;

/// What the program holds for a segment: C's opaque `struct evbuffer_file_segment *`.
pub type FileSegHandle = c_void;
pub type SegCleanupFn = unsafe extern "C" fn(*const FileSegHandle, c_int, *mut c_void);

enum Contents {
    NotLoaded,
    /// A private, read-only mapping this value owns.
    Mapped {
        map: *mut c_void,
        maplen: usize,
        data: *const u8,
    },
    Heap(HeapBlock),
    /// A zero-length segment: nothing to hold.
    Empty,
}

// SAFETY: the mapping (or heap block) is owned by the segment alone and only read once made;
// it is made and released under the `contents` mutex, so it may move between threads.
unsafe impl Send for Contents {}

pub struct FileSeg {
    pub fd: c_int,
    /// Where the segment starts in the file.
    pub file_offset: i64,
    pub length: i64,
    pub flags: c_uint,
    pub can_sendfile: bool,
    contents: Mutex<Contents>,
    cleanup: Mutex<Option<(SegCleanupFn, usize)>>,
}

impl FileSeg {
    /// evbuffer_file_segment_new. `length` -1 means "to the end of the file".
    pub fn new(fd: c_int, offset: i64, length: i64, flags: c_uint) -> Option<FileSeg> {
        let mut length = length;
        if length == -1 {
            // SAFETY: all-zero is a valid struct stat.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: st is a live local for fstat to fill.
            syscall!(fstat(fd, &mut st)).ok()?;
            // libevent uses the whole size here and so reads past the end; the range is what
            // is left after the offset.
            length = st.st_size - offset;
        }
        if offset < 0 || length < 0 || length as u64 > CHAIN_MAX as u64 || offset as u64 > (CHAIN_MAX as u64 - length as u64) {
            return None;
        }
        let mut seg = FileSeg {
            fd,
            file_offset: offset,
            length,
            flags,
            can_sendfile: flags & EVBUF_FS_DISABLE_SENDFILE == 0,
            contents: Mutex::new(Contents::NotLoaded),
            cleanup: Mutex::new(None),
        };
        if !seg.can_sendfile && seg.contents().is_none() {
            // A segment that never existed: the fd stays open (no cleanup is set yet).
            seg.flags &= !EVBUF_FS_CLOSE_ON_FREE;
            return None;
        }
        Some(seg)
    }

    pub fn set_cleanup(&self, cb: Option<SegCleanupFn>, arg: *mut c_void) {
        *self.cleanup.lock() = cb.map(|f| (f, arg as usize));
    }

    /// The segment's bytes in memory (mapping or reading them in on first use); None when
    /// the file cannot be read.
    pub fn contents(&self) -> Option<*const u8> {
        let mut g = self.contents.lock();
        if let Contents::NotLoaded = *g {
            *g = self.load()?;
        }
        Some(match &*g {
            Contents::Mapped { data, .. } => *data,
            Contents::Heap(b) => b.ptr(),
            _ => std::ptr::NonNull::<u8>::dangling().as_ptr(),
        })
    }

    fn load(&self) -> Option<Contents> {
        let len = self.length as usize;
        if len == 0 {
            return Some(Contents::Empty);
        }
        if self.flags & EVBUF_FS_DISABLE_MMAP == 0 {
            // SAFETY: sysconf has no memory effects.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as i64;
            let leftover = self.file_offset % page;
            let maplen = len + leftover as usize;
            // SAFETY: a fresh read-only private mapping of the program's fd.
            let map = unsafe {
                libc::mmap(std::ptr::null_mut(), maplen, libc::PROT_READ, libc::MAP_PRIVATE, self.fd, self.file_offset - leftover)
            };
            if map != libc::MAP_FAILED {
                // SAFETY: leftover < maplen.
                let data = unsafe { (map as *const u8).add(leftover as usize) };
                return Some(Contents::Mapped { map, maplen, data });
            }
        }
        let block = HeapBlock::alloc(len)?;
        let mut done = 0usize;
        while done < len {
            // A read that must complete: EINTR is retried.
            let r = sys::retry_eintr(|| {
                // SAFETY: writes at most len - done bytes into the block, starting at done < len.
                syscall!(pread(
                    self.fd,
                    block.ptr().wrapping_add(done) as *mut c_void,
                    len - done,
                    self.file_offset + done as i64
                ))
            });
            match r {
                Ok(0) => return None, // the file is shorter than the segment
                Ok(n) => done += n as usize,
                Err(_) => return None,
            }
        }
        Some(Contents::Heap(block))
    }

    /// Send `len` bytes starting `at` bytes into the segment to `dest`: the bytes sent.
    pub fn sendfile_to(&self, dest: c_int, at: usize, len: usize) -> io::Result<usize> {
        let mut off: libc::off_t = self.file_offset + at as i64;
        // SAFETY: off is a live local; the fds are the program's (a bad one gives EBADF).
        syscall!(sendfile(dest, self.fd, &mut off, len)).map(|n| n as usize)
    }
}

fn release(c: &mut Contents) {
    match std::mem::replace(c, Contents::NotLoaded) {
        Contents::Mapped { map, maplen, .. } => {
            // SAFETY: the mapping came from mmap with this length and nothing points into it
            // any more (every chain holding it is gone).
            let _ = syscall!(munmap(map, maplen));
        }
        Contents::Heap(b) => drop(b),
        _ => {}
    }
}

impl Drop for FileSeg {
    fn drop(&mut self) {
        release(self.contents.get_mut());
        if self.flags & EVBUF_FS_CLOSE_ON_FREE != 0 && self.fd >= 0 {
            // The program gave us this fd to close; a failure leaves nothing to undo.
            let _ = syscall!(close(self.fd));
        }
        let cb = self.cleanup.get_mut().take();
        if let Some((f, arg)) = cb {
            // SAFETY: the program's cleanup callback, with the handle it knows (still valid
            // memory during drop), the flags and its argument.
            unsafe { f(self as *const FileSeg as *const c_void, self.flags as c_int, arg as *mut c_void) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_file(data: &[u8]) -> (std::path::PathBuf, c_int) {
        use std::os::fd::IntoRawFd;
        let path = std::env::temp_dir().join(format!("levent-seg-{}-{}", std::process::id(), data.len()));
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(data).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        (path, f.into_raw_fd())
    }

    fn read_all(seg: &FileSeg) -> Vec<u8> {
        let p = seg.contents().unwrap();
        // SAFETY: contents hold `length` bytes.
        unsafe { std::slice::from_raw_parts(p, seg.length as usize) }.to_vec()
    }

    #[test]
    fn mapped_and_read() {
        let data: Vec<u8> = (0..20000u32).map(|i| (i % 251) as u8).collect();
        let (path, fd) = temp_file(&data);
        let a = FileSeg::new(fd, 5000, -1, 0).unwrap();
        assert_eq!(a.length, 15000);
        assert_eq!(read_all(&a), &data[5000..]);
        let b = FileSeg::new(fd, 4097, 100, EVBUF_FS_DISABLE_MMAP | EVBUF_FS_DISABLE_SENDFILE).unwrap();
        assert_eq!(read_all(&b), &data[4097..4197]);
        assert!(FileSeg::new(fd, 19990, 100, EVBUF_FS_DISABLE_SENDFILE | EVBUF_FS_DISABLE_MMAP).is_none());
        assert!(FileSeg::new(fd, -1, 10, 0).is_none());
        assert!(FileSeg::new(fd, 0, -2, 0).is_none());
        let e = FileSeg::new(fd, 20000, -1, 0).unwrap();
        assert_eq!(read_all(&e), b"");
        drop((a, b, e));
        // SAFETY: closing our own fd.
        unsafe { libc::close(fd) };
        std::fs::remove_file(path).unwrap();
    }
}
