//! The evbuffer as the rest of the library and the C shims use it: `*mut Evbuffer` in, the
//! operations of buffer.h out, each one locked, referenced and reported to the change
//! callbacks through handle.rs.
//!
//! Every `unsafe fn` here taking `p: *mut Evbuffer` has handle.rs's pointer contract, named
//! "Module contract" below; anything more a function needs, it says.

use super::buffer::{BufferFlags, State};
use super::callbacks::*;
use super::file_segment::{FileSeg, SegCleanupFn, EVBUF_FS_CLOSE_ON_FREE};
use super::handle::{changed, deferred_cb, enter, enter2, is_unlocked, leave, leave2, op, rc, st, with};
use super::search::EvbufferPtr;
use crate::core::base::EventBase;
use crate::core::event::{EventCallback, CLOSURE_CB_SELF, EVLIST_ACTIVE, EVLIST_ACTIVE_LATER};
use crate::core::{global, mem};
use crate::util::sys;
use libc::{c_char, c_int, c_void, iovec};
use std::sync::Arc;

pub use super::chain::RefCleanupFn;
pub use super::handle::{decref, enable_locking, free, incref, lock, new, unlock, Evbuffer};

// ---- flags, sizes, freezing ----

/// evbuffer_set_flags.
///
/// # Safety
/// Module contract.
pub unsafe fn set_flags(p: *mut Evbuffer, flags: BufferFlags) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.flags |= flags) };
    0
}

/// evbuffer_clear_flags.
///
/// # Safety
/// Module contract.
pub unsafe fn clear_flags(p: *mut Evbuffer, flags: BufferFlags) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.flags &= !flags) };
    0
}

/// Does the buffer drain to a socket (EVBUFFER_FLAG_DRAINS_TO_FD)?
///
/// # Safety
/// Module contract.
pub unsafe fn drains_to_fd(p: *mut Evbuffer) -> bool {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.flags.contains(BufferFlags::DRAINS_TO_FD)) }
}

/// Total bytes held.
///
/// # Safety
/// Module contract.
#[inline]
pub unsafe fn length(p: *mut Evbuffer) -> usize {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        lock(p);
        let n = st(p).total;
        unlock(p);
        n
    }
}

/// # Safety
/// Module contract.
pub unsafe fn contiguous_space(p: *mut Evbuffer) -> usize {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        lock(p);
        let n = st(p).chains.front().map_or(0, |c| c.off);
        unlock(p);
        n
    }
}

/// evbuffer_freeze: forbid changes at the front (`at_front`) or at the end.
///
/// # Safety
/// Module contract.
pub unsafe fn freeze(p: *mut Evbuffer, at_front: bool) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        with(p, |s| if at_front { s.freeze_start = true } else { s.freeze_end = true });
    }
    0
}

/// # Safety
/// Module contract.
pub unsafe fn unfreeze(p: *mut Evbuffer, at_front: bool) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        with(p, |s| if at_front { s.freeze_start = false } else { s.freeze_end = false });
    }
    0
}

// ---- room and in-place writing ----

/// # Safety
/// Module contract.
pub unsafe fn expand(p: *mut Evbuffer, datlen: usize) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    rc(unsafe { with(p, |s| s.expand(datlen)) })
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn reserve_space(p: *mut Evbuffer, size: isize, vecs: &mut [iovec]) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.reserve_space(size, vecs).map_or(-1, |n| n as c_int)) }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn commit_space(p: *mut Evbuffer, vecs: &[iovec]) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let r = st(p).commit_space(vecs);
        if r.is_ok() {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

// ---- adding ----

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn add(p: *mut Evbuffer, data: &[u8]) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        // Unlocked, no callbacks, room in the last chain: no program code can run and no
        // chain is let go, so the reference/callback bookkeeping has nothing to do.
        if is_unlocked(p) {
            let s = st(p);
            if s.cbs.is_empty() && s.add_in_place(data) {
                return 0;
            }
        }
        enter(p);
        let r = st(p).add(data);
        if r.is_ok() {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn prepend(p: *mut Evbuffer, data: &[u8]) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let r = st(p).prepend(data);
        if r.is_ok() && !data.is_empty() {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

/// evbuffer_add_iovec: returns the bytes added.
///
/// # Safety
/// Module contract.
pub unsafe fn add_iovec(p: *mut Evbuffer, vecs: &[iovec]) -> usize {
    // SAFETY: p is a live buffer (module contract); the vectors describe the program's readable memory.
    unsafe {
        enter(p);
        let total = vecs.iter().fold(0usize, |a, v| a.wrapping_add(v.iov_len));
        let mut added = 0;
        if st(p).expand_fast(total, 2).is_ok() {
            for v in vecs {
                let data = if v.iov_len == 0 { &[][..] } else { std::slice::from_raw_parts(v.iov_base as *const u8, v.iov_len) };
                let r = st(p).add(data);
                if r.is_err() {
                    break;
                }
                changed(p);
                added += v.iov_len;
            }
        }
        leave(p);
        added
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn add_reference(
    p: *mut Evbuffer,
    data: *const c_void,
    len: usize,
    cleanup: Option<RefCleanupFn>,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let r = st(p).add_reference(data, len, cleanup, arg);
        if r.is_ok() {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

// ---- file segments ----

/// evbuffer_file_segment_new: a handle the program frees with `file_segment_free`.
pub fn file_segment_new(fd: c_int, offset: i64, length: i64, flags: u32) -> *mut c_void {
    match FileSeg::new(fd, offset, length, flags) {
        Some(s) => Arc::into_raw(Arc::new(s)) as *mut c_void,
        None => std::ptr::null_mut(),
    }
}

/// evbuffer_file_segment_free: give up the program's handle (chains keep their share).
///
/// # Safety
/// `seg` is a handle from [`file_segment_new`], not used by the caller afterwards.
pub unsafe fn file_segment_free(seg: *mut c_void) {
    // SAFETY: seg came from Arc::into_raw in file_segment_new (contract); this gives up the
    // handle's reference.
    drop(unsafe { Arc::from_raw(seg as *const FileSeg) });
}

/// evbuffer_file_segment_add_cleanup_cb.
///
/// # Safety
/// `seg` is a live handle from [`file_segment_new`].
pub unsafe fn file_segment_add_cleanup_cb(seg: *mut c_void, cb: Option<SegCleanupFn>, arg: *mut c_void) {
    // SAFETY: seg points at the FileSeg its handle keeps alive (contract).
    unsafe { (*(seg as *const FileSeg)).set_cleanup(cb, arg) };
}

/// evbuffer_add_file_segment: the chains take their own shares of the segment.
///
/// # Safety
/// Module contract, and `seg` is a live handle from [`file_segment_new`].
pub unsafe fn add_file_segment(p: *mut Evbuffer, seg: *mut c_void, offset: i64, length: i64) -> c_int {
    // SAFETY: seg came from Arc::into_raw (contract); the handle's reference is borrowed
    // (ManuallyDrop), not taken; p is live (module contract).
    unsafe {
        let seg = std::mem::ManuallyDrop::new(Arc::from_raw(seg as *const FileSeg));
        add_seg(p, &seg, offset, length)
    }
}

/// # Safety
/// Module contract.
unsafe fn add_seg(p: *mut Evbuffer, seg: &Arc<FileSeg>, offset: i64, length: i64) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let r = st(p).add_file_segment(seg, offset, length);
        if r.is_ok() {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

/// evbuffer_add_file: the fd is closed once the data is gone (or at once if this fails after
/// the segment was made, as libevent does).
///
/// # Safety
/// Module contract.
pub unsafe fn add_file(p: *mut Evbuffer, fd: c_int, offset: i64, length: i64) -> c_int {
    let Some(seg) = FileSeg::new(fd, offset, length, EVBUF_FS_CLOSE_ON_FREE) else { return -1 };
    let seg = Arc::new(seg);
    // SAFETY: p is a live buffer (module contract).
    unsafe { add_seg(p, &seg, 0, length) }
}

// ---- removing and copying ----

/// Empty the buffer even when its front is frozen (a socket bufferevent freezes its output
/// between writes), leaving the freeze as it was: what a program does with
/// unfreeze/drain/freeze once the bufferevent will not write that data any more.
///
/// # Safety
/// Module contract.
pub unsafe fn drain_all_through_freeze(p: *mut Evbuffer) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let s = st(p);
        let (was, frozen) = (s.total, std::mem::replace(&mut s.freeze_start, false));
        let r = s.drain(was);
        s.freeze_start = frozen;
        if r.is_ok() && was != 0 {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn drain(p: *mut Evbuffer, len: usize) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let s = st(p);
        let was = s.total;
        let r = s.drain(len);
        if r.is_ok() && was != 0 {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn remove(p: *mut Evbuffer, out: &mut [u8]) -> isize {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let n = st(p).remove(out);
        if n > 0 {
            changed(p);
        }
        leave(p);
        n
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn copyout_from(p: *mut Evbuffer, pos: Option<&EvbufferPtr>, out: &mut [u8]) -> isize {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.copyout_from(pos.map(|q| (q.pos, q.chain as usize, q.pos_in_chain)), out)) }
}

/// evbuffer_readln: the first line (without its ending) as a NUL-terminated string from the
/// program's allocator, and its length.
///
/// # Safety
/// Module contract.
#[inline]
pub unsafe fn readln(p: *mut Evbuffer, style: c_int) -> Option<(*mut c_char, usize)> {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let mut result = None;
        let s = st(p);
        if !s.freeze_start {
            let (at, eol) = s.search_eol(None, style);
            if at.pos >= 0 {
                let n = at.pos as usize;
                let line = mem::malloc(n + 1) as *mut u8;
                if !line.is_null() {
                    let ok = n == 0 || s.copy_from(0, 0, std::slice::from_raw_parts_mut(line, n)).is_ok();
                    if ok {
                        *line.add(n) = 0;
                        if n > 0 {
                            let _ = s.drain(n);
                            changed(p);
                        }
                        let s = st(p);
                        let was = s.total;
                        let _ = s.drain(eol);
                        if was != 0 {
                            changed(p);
                        }
                        result = Some((line as *mut c_char, n));
                    } else {
                        mem::free(line as *mut c_void);
                    }
                }
            }
        }
        leave(p);
        result
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn pullup(p: *mut Evbuffer, size: isize) -> *mut u8 {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.pullup(size).unwrap_or(std::ptr::null_mut())) }
}

// ---- between buffers ----

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn add_buffer(out: *mut Evbuffer, inb: *mut Evbuffer) -> c_int {
    if out == inb {
        return 0;
    }
    // SAFETY: out and inb are live (module contract) and different; enter2 locks both.
    unsafe {
        enter2(out, inb);
        let had = st(inb).total;
        let r = st(out).add_buffer(st(inb));
        if r.is_ok() && had != 0 {
            changed(inb);
            changed(out);
        }
        leave2(out, inb);
        rc(r)
    }
}

/// # Safety
/// Module contract.
pub unsafe fn prepend_buffer(out: *mut Evbuffer, inb: *mut Evbuffer) -> c_int {
    if out == inb {
        return 0;
    }
    // SAFETY: as add_buffer.
    unsafe {
        enter2(out, inb);
        let had = st(inb).total;
        let r = st(out).prepend_buffer(st(inb));
        if r.is_ok() && had != 0 {
            changed(inb);
            changed(out);
        }
        leave2(out, inb);
        rc(r)
    }
}

/// # Safety
/// Module contract.
pub unsafe fn add_buffer_reference(out: *mut Evbuffer, inb: *mut Evbuffer) -> c_int {
    // SAFETY: as add_buffer.
    unsafe {
        if out == inb {
            return if length(out) == 0 { 0 } else { -1 };
        }
        enter2(out, inb);
        let had = st(inb).total;
        let r = st(out).add_buffer_reference(st(inb));
        if r.is_ok() && had != 0 {
            changed(out);
        }
        leave2(out, inb);
        rc(r)
    }
}

/// evbuffer_remove_buffer: bytes moved, or -1.
///
/// # Safety
/// Module contract.
#[inline]
pub unsafe fn remove_buffer(src: *mut Evbuffer, dst: *mut Evbuffer, datlen: usize) -> c_int {
    if src == dst {
        return 0;
    }
    // SAFETY: as add_buffer.
    unsafe {
        enter2(src, dst);
        let r = st(src).remove_buffer(st(dst), datlen);
        let n = match r {
            Ok((n, all)) => {
                if n != 0 {
                    if all {
                        changed(src);
                        changed(dst);
                    } else {
                        changed(dst);
                        changed(src);
                    }
                }
                n as c_int
            }
            Err(_) => -1,
        };
        leave2(src, dst);
        n
    }
}

// ---- I/O ----

/// evbuffer_read.
///
/// # Safety
/// Module contract.
pub unsafe fn read(p: *mut Evbuffer, fd: c_int, howmuch: c_int) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let n = st(p).read_fd(fd, howmuch);
        // The callbacks and the release must not hide the read's errno from the program.
        sys::keep_errno(|| {
            if n > 0 {
                changed(p);
            }
            leave(p);
        });
        n
    }
}

/// evbuffer_write_atmost (howmuch < 0: everything).
///
/// # Safety
/// Module contract.
pub unsafe fn write_atmost(p: *mut Evbuffer, fd: c_int, howmuch: isize) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let n = st(p).write_fd(fd, howmuch);
        // As in read: the program reads the write's errno.
        sys::keep_errno(|| {
            if n > 0 {
                changed(p);
            }
            leave(p);
        });
        n
    }
}

// ---- searching ----

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn search_range(p: *mut Evbuffer, what: &[u8], start: Option<&EvbufferPtr>, end: Option<&EvbufferPtr>) -> EvbufferPtr {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.search_range(what, start, end)) }
}

/// # Safety
/// Module contract.
pub unsafe fn search_eol(p: *mut Evbuffer, start: Option<&EvbufferPtr>, style: c_int) -> (EvbufferPtr, usize) {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.search_eol(start, style)) }
}

/// # Safety
/// Module contract.
pub unsafe fn ptr_set(p: *mut Evbuffer, ptr: &mut EvbufferPtr, position: usize, how: c_int) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.ptr_set(ptr, position, how)) }
}

/// # Safety
/// Module contract.
pub unsafe fn peek(p: *mut Evbuffer, len: isize, start: Option<&EvbufferPtr>, vecs: &mut [iovec]) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.peek(len, start, vecs)) }
}

/// evbuffer_find: the first occurrence, made contiguous; NULL when absent.
///
/// # Safety
/// Module contract.
pub unsafe fn find(p: *mut Evbuffer, what: &[u8]) -> *mut u8 {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        with(p, |s| {
            let at = s.search_range(what, None, None);
            if at.pos < 0 {
                return std::ptr::null_mut();
            }
            match s.pullup(at.pos + what.len() as isize) {
                Some(q) => q.add(at.pos as usize),
                None => std::ptr::null_mut(),
            }
        })
    }
}

// ---- callbacks ----

/// # Safety
/// Module contract.
pub unsafe fn add_cb(p: *mut Evbuffer, f: Option<CbFunc>, arg: *mut c_void) -> *mut CbEntry {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.cbs.add(CbKind::Func(f), arg)) }
}

/// # Safety
/// Module contract.
pub unsafe fn remove_cb_entry(p: *mut Evbuffer, e: *mut CbEntry) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| if s.cbs.remove(e) { 0 } else { -1 }) }
}

/// # Safety
/// Module contract.
pub unsafe fn remove_cb(p: *mut Evbuffer, f: Option<CbFunc>, arg: *mut c_void) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| if s.cbs.remove_func(f, arg) { 0 } else { -1 }) }
}

/// evbuffer_cb_set_flags (libevent's internal bits cannot be set); -1 when `e` is not one of
/// this buffer's entries.
///
/// # Safety
/// Module contract.
pub unsafe fn cb_set_flags(p: *mut Evbuffer, e: *mut CbEntry, flags: CbFlags) -> c_int {
    // SAFETY: p is live (module contract); e is used only once found among the buffer's
    // entries, which are live.
    unsafe {
        with(p, |s| {
            if !s.cbs.contains(e) {
                return -1;
            }
            (*e).flags |= flags - CbFlags::INTERNAL;
            0
        })
    }
}

/// evbuffer_cb_clear_flags (libevent's internal bits cannot be cleared).
///
/// # Safety
/// Module contract.
pub unsafe fn cb_clear_flags(p: *mut Evbuffer, e: *mut CbEntry, flags: CbFlags) -> c_int {
    // SAFETY: as cb_set_flags.
    unsafe {
        with(p, |s| {
            if !s.cbs.contains(e) {
                return -1;
            }
            (*e).flags -= flags - CbFlags::INTERNAL;
            0
        })
    }
}

/// evbuffer_setcb: replace every callback by one old-style callback (none for NULL).
///
/// # Safety
/// Module contract.
pub unsafe fn setcb(p: *mut Evbuffer, f: Option<ObsoleteCbFunc>, arg: *mut c_void) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        with(p, |s| {
            s.cbs.remove_all();
            match f {
                Some(f) if s.cbs.add(CbKind::Obsolete(f), arg).is_null() => -1,
                _ => 0,
            }
        })
    }
}

/// evbuffer_defer_callbacks: from now on callbacks run from `base`'s loop (NULL: the current
/// global base).
///
/// # Safety
/// Module contract; `base` is NULL or a live base.
pub unsafe fn defer_callbacks(p: *mut Evbuffer, base: *mut EventBase) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    if base.is_null() {
        return -1;
    }
    // SAFETY: p is live (module contract); base is NULL-checked above and one of ours (the
    // caller's contract, as in C); the old base of a deferred callback is live too.
    unsafe {
        enter(p);
        let s = st(p);
        if let Some(d) = s.cbs.deferred.as_mut() {
            let old = d.base;
            (*old).lock();
            if d.ev.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) != 0 {
                (*old).callback_cancel(&mut d.ev);
                s.refcnt -= 1; // the queued callback's reference
            }
            (*old).unlock();
        }
        let mut ev = EventCallback::zeroed();
        ev.closure = CLOSURE_CB_SELF;
        ev.cb.self_cb = Some(deferred_cb);
        ev.arg = p as *mut c_void;
        ev.pri = ((*base).npriorities() / 2) as u8;
        s.cbs.deferred = Some(Box::new(Deferred { ev, base }));
        leave(p);
    }
    0
}

// ---- printf support (the formatting itself is C: src/c/buffer_printf.c) ----

/// Room for `want` bytes in one chain; the caller holds the buffer's lock (evbuffer_lock)
/// until `printf_commit`, so the space stays where it is.
///
/// # Safety
/// Module contract.
pub unsafe fn printf_space(p: *mut Evbuffer, want: usize) -> Option<(*mut u8, usize)> {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, |s| s.printf_space(want).ok()) }
}

/// Commit `n` bytes formatted into the space printf_space gave.
///
/// # Safety
/// Module contract.
pub unsafe fn printf_commit(p: *mut Evbuffer, n: usize) -> c_int {
    // SAFETY: p is a live buffer (module contract).
    unsafe {
        enter(p);
        let r = st(p).printf_commit(n);
        if r.is_ok() {
            changed(p);
        }
        leave(p);
        rc(r)
    }
}

/// Run `f` with the state locked (internal users: inspection without callbacks).
///
/// # Safety
/// Module contract.
pub unsafe fn with_state<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: p is a live buffer (module contract).
    unsafe { with(p, f) }
}

/// Run `f` with the state locked, then report the change to the callbacks.
///
/// # Safety
/// Module contract.
pub unsafe fn modify_state<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: p is a live buffer (module contract).
    unsafe { op(p, f) }
}
