//! The evbuffer as the rest of the library and the C shims use it: `*mut Evbuffer` in, with
//! locking, reference counting and change callbacks handled here.
//!
//! Every operation follows one pattern: take the buffer's lock and a reference (`enter`), do the
//! work on `&mut State` (no program code runs there), let the borrow end, drop the chains the
//! operation let go (this may run reference/file-segment cleanups), run the change callbacks
//! with no borrow alive (`changed`), then drop the reference and the lock (`leave`). So a
//! callback may call back into the buffer, remove callbacks, or even free the buffer: the
//! buffer goes away when the last reference does.

use super::buffer::{State, EVBUFFER_FLAG_DRAINS_TO_FD};
use super::callbacks::*;
use super::file_segment::{FileSeg, SegCleanupFn, EVBUF_FS_CLOSE_ON_FREE};
use super::search::EvbufferPtr;
use crate::core::base::EventBase;
use crate::core::event::{EventCallback, CLOSURE_CB_SELF, EVLIST_ACTIVE, EVLIST_ACTIVE_LATER};
use crate::core::{global, mem};
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use crate::util::sys;
use libc::{c_char, c_int, c_void, iovec};
use std::cell::UnsafeCell;
use std::sync::Arc;

pub use super::chain::RefCleanupFn;

/// A recursive pthread mutex of our own, for evbuffer_enable_locking(buf, NULL) when the
/// program has not turned threading on.
struct RecMutex(UnsafeCell<libc::pthread_mutex_t>);

impl RecMutex {
    fn new() -> Option<Box<RecMutex>> {
        let m = Box::new(RecMutex(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER)));
        // SAFETY: attribute set-up on a local, then init of the boxed (stable) mutex.
        unsafe {
            let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
            libc::pthread_mutexattr_init(&mut attr);
            libc::pthread_mutexattr_settype(&mut attr, libc::PTHREAD_MUTEX_RECURSIVE);
            let r = libc::pthread_mutex_init(m.0.get(), &attr);
            libc::pthread_mutexattr_destroy(&mut attr);
            (r == 0).then_some(m)
        }
    }
}

impl Drop for RecMutex {
    fn drop(&mut self) {
        // SAFETY: initialised, unlocked, not used after this.
        unsafe { libc::pthread_mutex_destroy(self.0.get()) };
    }
}

enum BufLock {
    None,
    Own(Box<RecMutex>),
    /// Through the program's threading callbacks; `owned`: allocated by us, freed with us.
    Thread {
        raw: RawLock,
        owned: bool,
    },
}

/// `struct evbuffer` (opaque to programs).
pub struct Evbuffer {
    lock: BufLock,
    st: UnsafeCell<State>,
}

/// The state behind a buffer. Callers hold the buffer's lock and let the borrow end before
/// anything that can run program code.
///
/// SAFETY: p is a live buffer.
#[inline]
unsafe fn st<'a>(p: *mut Evbuffer) -> &'a mut State {
    // SAFETY: per the function contract; the lock serialises access.
    unsafe { &mut *(*p).st.get() }
}

/// SAFETY (all functions below taking `*mut Evbuffer`): the pointer is a live buffer from
/// `new` (checked for NULL by the C shims).
#[inline(always)]
pub unsafe fn lock(p: *mut Evbuffer) {
    // SAFETY: only the lock field is read; it changes only in enable_locking, before sharing.
    match unsafe { &(*p).lock } {
        BufLock::None => {}
        // SAFETY: an initialised recursive mutex.
        BufLock::Own(m) => unsafe {
            libc::pthread_mutex_lock(m.0.get());
        },
        BufLock::Thread { raw, .. } => raw.acquire(),
    }
}

#[inline(always)]
pub unsafe fn unlock(p: *mut Evbuffer) {
    // SAFETY: as lock.
    match unsafe { &(*p).lock } {
        BufLock::None => {}
        // SAFETY: locked by this thread.
        BufLock::Own(m) => unsafe {
            libc::pthread_mutex_unlock(m.0.get());
        },
        BufLock::Thread { raw, .. } => raw.release(),
    }
}

#[inline(always)]
unsafe fn enter(p: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        lock(p);
        st(p).refcnt += 1;
    }
}

/// Drop the chains the last operation let go (cleanups may run program code).
#[inline]
unsafe fn drop_dead(p: *mut Evbuffer) {
    // SAFETY: forwarded contract; the borrow ends before the chains are dropped.
    let s = unsafe { st(p) };
    if !s.dead.is_empty() {
        let mut dead = std::mem::take(&mut s.dead);
        // Front to back, as libevent frees chains; a cleanup that re-enters the buffer parks
        // its chains in the (new) `dead` and drops them itself.
        dead.clear();
        // SAFETY: forwarded contract; the borrow above ended before the drops.
        let s = unsafe { st(p) };
        if s.dead.capacity() == 0 {
            // Keep the allocation: most operations let chains go, and a fresh Vec each time
            // was a malloc/free pair per drain.
            s.dead = dead;
        }
    }
}

#[inline(always)]
unsafe fn leave(p: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        // The common case: nothing to drop, and the buffer outlives this operation.
        let s = st(p);
        if s.dead.is_empty() && s.refcnt > 1 {
            s.refcnt -= 1;
            unlock(p);
            return;
        }
        leave_slow(p);
    }
}

#[inline(never)]
unsafe fn leave_slow(p: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        drop_dead(p);
        let s = st(p);
        s.refcnt -= 1;
        if s.refcnt == 0 {
            destroy(p);
        } else {
            unlock(p);
        }
    }
}

/// After a change: drop let-go chains and run (or schedule) the callbacks.
#[inline(always)]
unsafe fn changed(p: *mut Evbuffer) {
    // SAFETY: forwarded contract; called between enter and leave.
    unsafe {
        // The common case: no chain let go and no callback to tell; the counts are only
        // kept for callbacks, so they restart from zero.
        let s = st(p);
        if s.dead.is_empty() && s.cbs.list.is_empty() {
            s.n_add = 0;
            s.n_del = 0;
            return;
        }
        changed_slow(p);
    }
}

#[inline(never)]
unsafe fn changed_slow(p: *mut Evbuffer) {
    // SAFETY: forwarded contract; called between enter and leave.
    unsafe {
        drop_dead(p);
        invoke_callbacks(p);
    }
}

/// Free a buffer whose last reference went away. Called locked; the buffer is gone after.
unsafe fn destroy(p: *mut Evbuffer) {
    // SAFETY: forwarded contract; nobody else references the buffer any more.
    unsafe {
        let s = st(p);
        if let Some(d) = s.cbs.deferred.as_mut() {
            let base = d.base;
            if d.ev.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) != 0 {
                (*base).lock();
                (*base).callback_cancel(&mut d.ev);
                (*base).unlock();
            }
        }
        s.cbs.remove_all();
        s.cbs.bury();
        s.clear_chains();
        let dead = std::mem::take(&mut s.dead);
        drop(dead);
        unlock(p);
        mem::free_object(p);
    }
}

// ---- callbacks ----

unsafe fn invoke_callbacks(p: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        let s = st(p);
        if s.cbs.list.is_empty() {
            s.n_add = 0;
            s.n_del = 0;
            return;
        }
        if let Some(d) = s.cbs.deferred.as_mut() {
            let base = d.base;
            (*base).lock();
            let queued = (*base).callback_activate(&mut d.ev);
            (*base).unlock();
            if queued {
                s.refcnt += 1; // held by the queued callback
            }
        }
        run_callbacks(p, false);
    }
}

/// Run the callbacks that apply now. `deferred_run`: from the loop (the deferred callback).
unsafe fn run_callbacks(p: *mut Evbuffer, deferred_run: bool) {
    // SAFETY: forwarded contract; the caller holds the lock and a reference.
    let s = unsafe { st(p) };
    let (mask, want, clear) = if deferred_run {
        (EVBUFFER_CB_NODEFER | EVBUFFER_CB_ENABLED, EVBUFFER_CB_ENABLED, true)
    } else if s.cbs.deferred.is_some() {
        // Only the no-defer ones now; leave the counts for the deferred run.
        (EVBUFFER_CB_NODEFER | EVBUFFER_CB_ENABLED, EVBUFFER_CB_NODEFER | EVBUFFER_CB_ENABLED, false)
    } else {
        (EVBUFFER_CB_ENABLED, EVBUFFER_CB_ENABLED, true)
    };
    if s.cbs.list.is_empty() {
        s.n_add = 0;
        s.n_del = 0;
        return;
    }
    if s.n_add == 0 && s.n_del == 0 {
        return;
    }
    let new_size = s.total;
    let info = CbInfo { orig_size: new_size.wrapping_add(s.n_del).wrapping_sub(s.n_add), n_added: s.n_add, n_deleted: s.n_del };
    if clear {
        s.n_add = 0;
        s.n_del = 0;
    }
    // Newest first, as a snapshot: entries removed meanwhile are skipped, added ones wait.
    let n = s.cbs.list.len();
    let mut small = [std::ptr::null_mut::<CbEntry>(); 8];
    let big: Vec<*mut CbEntry>;
    let snap: &[*mut CbEntry] = if n <= small.len() {
        for (k, e) in s.cbs.list.iter().rev().enumerate() {
            small[k] = *e;
        }
        &small[..n]
    } else {
        big = s.cbs.list.iter().rev().copied().collect();
        &big
    };
    s.cbs.running += 1;
    for &e in snap {
        // SAFETY: snapshot entries stay allocated while running > 0 (removals are buried
        // later); no borrow of the buffer is alive across the program's callback.
        unsafe {
            let (kind, arg, flags, removed) = ((*e).kind, (*e).arg, (*e).flags, (*e).removed);
            if removed || flags & mask != want {
                continue;
            }
            match kind {
                CbKind::Func(Some(f)) => f(p, &info, arg),
                CbKind::Func(None) => {}
                CbKind::Obsolete(f) => f(p, info.orig_size, new_size, arg),
            }
        }
    }
    // SAFETY: forwarded contract.
    let s = unsafe { st(p) };
    s.cbs.running -= 1;
    if s.cbs.running == 0 {
        s.cbs.bury();
    }
}

/// The deferred callback, run by the base's loop. It owns one reference to the buffer.
unsafe extern "C" fn deferred_cb(_cb: *mut EventCallback, arg: *mut c_void) {
    let p = arg as *mut Evbuffer;
    // SAFETY: the queued callback holds a reference, so the buffer is alive.
    unsafe {
        lock(p);
        run_callbacks(p, true);
        leave(p);
    }
}

// ---- life cycle and locking ----

/// evbuffer_new.
pub fn new() -> *mut Evbuffer {
    mem::new_object(Evbuffer { lock: BufLock::None, st: UnsafeCell::new(State::new()) }).unwrap_or(std::ptr::null_mut())
}

/// evbuffer_free: drop the program's reference.
pub unsafe fn free(p: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe { decref(p) };
}

/// Take a reference (keeps the buffer alive past evbuffer_free).
pub unsafe fn incref(p: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        lock(p);
        st(p).refcnt += 1;
        unlock(p);
    }
}

/// Drop a reference; the last one frees the buffer.
pub unsafe fn decref(p: *mut Evbuffer) {
    // SAFETY: forwarded contract: the caller's reference becomes the operation's.
    unsafe {
        lock(p);
        leave(p);
    }
}

/// evbuffer_enable_locking. NULL: a recursive lock of our own (through the program's
/// threading callbacks when it set them). Otherwise the program's lock, which must come from
/// its threading callbacks (locking it does nothing while threading is off, as in libevent).
pub unsafe fn enable_locking(p: *mut Evbuffer, user_lock: *mut c_void) -> c_int {
    // SAFETY: forwarded contract; done before the buffer is shared, as libevent requires.
    unsafe {
        if !matches!((*p).lock, BufLock::None) {
            return -1;
        }
        let l = if !user_lock.is_null() {
            BufLock::Thread { raw: RawLock(user_lock), owned: false }
        } else if crate::thread::enabled() {
            let raw = RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
            if raw.0.is_null() {
                return -1;
            }
            BufLock::Thread { raw, owned: true }
        } else {
            match RecMutex::new() {
                Some(m) => BufLock::Own(m),
                None => return -1,
            }
        };
        (*p).lock = l;
    }
    0
}

impl Drop for Evbuffer {
    fn drop(&mut self) {
        if let BufLock::Thread { raw, owned: true } = self.lock {
            raw.free(EVTHREAD_LOCKTYPE_RECURSIVE);
        }
    }
}

/// Lock two buffers in a fixed order (by address).
#[inline(always)]
unsafe fn enter2(a: *mut Evbuffer, b: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        if (a as usize) < (b as usize) {
            enter(a);
            enter(b);
        } else {
            enter(b);
            enter(a);
        }
    }
}

#[inline(always)]
unsafe fn leave2(a: *mut Evbuffer, b: *mut Evbuffer) {
    // SAFETY: forwarded contract.
    unsafe {
        leave(a);
        leave(b);
    }
}

/// Run `f` on the locked state and report the change.
#[inline]
unsafe fn op<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: forwarded contract; the borrow handed to f ends before callbacks run.
    unsafe {
        enter(p);
        let r = f(st(p));
        changed(p);
        leave(p);
        r
    }
}

/// Run `f` on the locked state; nothing the callbacks need to hear about.
#[inline]
unsafe fn with<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: forwarded contract.
    unsafe {
        enter(p);
        let r = f(st(p));
        leave(p);
        r
    }
}

fn rc(r: Result<(), super::buffer::Refused>) -> c_int {
    if r.is_ok() {
        0
    } else {
        -1
    }
}

// ---- flags, sizes, freezing ----

pub unsafe fn set_flags(p: *mut Evbuffer, flags: u64) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.flags |= flags) };
    0
}

pub unsafe fn clear_flags(p: *mut Evbuffer, flags: u64) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.flags &= !flags) };
    0
}

/// Does the buffer drain to a socket (EVBUFFER_FLAG_DRAINS_TO_FD)?
pub unsafe fn drains_to_fd(p: *mut Evbuffer) -> bool {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.flags & EVBUFFER_FLAG_DRAINS_TO_FD != 0) }
}

/// Total bytes held.
#[inline]
pub unsafe fn length(p: *mut Evbuffer) -> usize {
    // SAFETY: forwarded contract.
    unsafe {
        lock(p);
        let n = st(p).total;
        unlock(p);
        n
    }
}

pub unsafe fn contiguous_space(p: *mut Evbuffer) -> usize {
    // SAFETY: forwarded contract.
    unsafe {
        lock(p);
        let n = st(p).chains.front().map_or(0, |c| c.off);
        unlock(p);
        n
    }
}

/// evbuffer_freeze: forbid changes at the front (`at_front`) or at the end.
pub unsafe fn freeze(p: *mut Evbuffer, at_front: bool) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with(p, |s| if at_front { s.freeze_start = true } else { s.freeze_end = true });
    }
    0
}

pub unsafe fn unfreeze(p: *mut Evbuffer, at_front: bool) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with(p, |s| if at_front { s.freeze_start = false } else { s.freeze_end = false });
    }
    0
}

// ---- room and in-place writing ----

pub unsafe fn expand(p: *mut Evbuffer, datlen: usize) -> c_int {
    // SAFETY: forwarded contract.
    rc(unsafe { with(p, |s| s.expand(datlen)) })
}

#[inline]
pub unsafe fn reserve_space(p: *mut Evbuffer, size: isize, vecs: &mut [iovec]) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.reserve_space(size, vecs).map_or(-1, |n| n as c_int)) }
}

#[inline]
pub unsafe fn commit_space(p: *mut Evbuffer, vecs: &[iovec]) -> c_int {
    // SAFETY: forwarded contract.
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

#[inline]
pub unsafe fn add(p: *mut Evbuffer, data: &[u8]) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        // Unlocked, no callbacks, room in the last chain: no program code can run and no
        // chain is let go, so the reference/callback bookkeeping has nothing to do.
        if matches!((*p).lock, BufLock::None) {
            let s = st(p);
            if s.cbs.list.is_empty() && s.add_in_place(data) {
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

#[inline]
pub unsafe fn prepend(p: *mut Evbuffer, data: &[u8]) -> c_int {
    // SAFETY: forwarded contract.
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
pub unsafe fn add_iovec(p: *mut Evbuffer, vecs: &[iovec]) -> usize {
    // SAFETY: forwarded contract; the vectors describe the program's readable memory.
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

#[inline]
pub unsafe fn add_reference(
    p: *mut Evbuffer,
    data: *const c_void,
    len: usize,
    cleanup: Option<RefCleanupFn>,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: forwarded contract.
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

/// SAFETY: seg is a handle from file_segment_new the caller owns a reference of.
pub unsafe fn file_segment_free(seg: *mut c_void) {
    // SAFETY: per the function contract: gives up that reference.
    drop(unsafe { Arc::from_raw(seg as *const FileSeg) });
}

/// SAFETY: seg is a live handle from file_segment_new.
pub unsafe fn file_segment_add_cleanup_cb(seg: *mut c_void, cb: Option<SegCleanupFn>, arg: *mut c_void) {
    // SAFETY: per the function contract.
    unsafe { (*(seg as *const FileSeg)).set_cleanup(cb, arg) };
}

/// SAFETY: buffer contract, and seg a live handle from file_segment_new.
pub unsafe fn add_file_segment(p: *mut Evbuffer, seg: *mut c_void, offset: i64, length: i64) -> c_int {
    // SAFETY: per the function contract; the handle's reference is borrowed, not taken.
    unsafe {
        let seg = std::mem::ManuallyDrop::new(Arc::from_raw(seg as *const FileSeg));
        add_seg(p, &seg, offset, length)
    }
}

unsafe fn add_seg(p: *mut Evbuffer, seg: &Arc<FileSeg>, offset: i64, length: i64) -> c_int {
    // SAFETY: forwarded contract.
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
pub unsafe fn add_file(p: *mut Evbuffer, fd: c_int, offset: i64, length: i64) -> c_int {
    let Some(seg) = FileSeg::new(fd, offset, length, EVBUF_FS_CLOSE_ON_FREE) else { return -1 };
    let seg = Arc::new(seg);
    // SAFETY: forwarded contract.
    unsafe { add_seg(p, &seg, 0, length) }
}

// ---- removing and copying ----

#[inline]
pub unsafe fn drain(p: *mut Evbuffer, len: usize) -> c_int {
    // SAFETY: forwarded contract.
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

#[inline]
pub unsafe fn remove(p: *mut Evbuffer, out: &mut [u8]) -> isize {
    // SAFETY: forwarded contract.
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

#[inline]
pub unsafe fn copyout_from(p: *mut Evbuffer, pos: Option<&EvbufferPtr>, out: &mut [u8]) -> isize {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.copyout_from(pos.map(|q| (q.pos, q.chain as usize, q.pos_in_chain)), out)) }
}

/// evbuffer_readln: the first line (without its ending) as a NUL-terminated string from the
/// program's allocator, and its length.
#[inline]
pub unsafe fn readln(p: *mut Evbuffer, style: c_int) -> Option<(*mut c_char, usize)> {
    // SAFETY: forwarded contract.
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

#[inline]
pub unsafe fn pullup(p: *mut Evbuffer, size: isize) -> *mut u8 {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.pullup(size).unwrap_or(std::ptr::null_mut())) }
}

// ---- between buffers ----

#[inline]
pub unsafe fn add_buffer(out: *mut Evbuffer, inb: *mut Evbuffer) -> c_int {
    if out == inb {
        return 0;
    }
    // SAFETY: forwarded contract; two different buffers, both locked.
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
pub unsafe fn read(p: *mut Evbuffer, fd: c_int, howmuch: c_int) -> c_int {
    // SAFETY: forwarded contract.
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
pub unsafe fn write_atmost(p: *mut Evbuffer, fd: c_int, howmuch: isize) -> c_int {
    // SAFETY: forwarded contract.
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

#[inline]
pub unsafe fn search_range(p: *mut Evbuffer, what: &[u8], start: Option<&EvbufferPtr>, end: Option<&EvbufferPtr>) -> EvbufferPtr {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.search_range(what, start, end)) }
}

pub unsafe fn search_eol(p: *mut Evbuffer, start: Option<&EvbufferPtr>, style: c_int) -> (EvbufferPtr, usize) {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.search_eol(start, style)) }
}

pub unsafe fn ptr_set(p: *mut Evbuffer, ptr: &mut EvbufferPtr, position: usize, how: c_int) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.ptr_set(ptr, position, how)) }
}

pub unsafe fn peek(p: *mut Evbuffer, len: isize, start: Option<&EvbufferPtr>, vecs: &mut [iovec]) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.peek(len, start, vecs)) }
}

/// evbuffer_find: the first occurrence, made contiguous; NULL when absent.
pub unsafe fn find(p: *mut Evbuffer, what: &[u8]) -> *mut u8 {
    // SAFETY: forwarded contract.
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

pub unsafe fn add_cb(p: *mut Evbuffer, f: Option<CbFunc>, arg: *mut c_void) -> *mut CbEntry {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.cbs.add(CbKind::Func(f), arg)) }
}

pub unsafe fn remove_cb_entry(p: *mut Evbuffer, e: *mut CbEntry) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| if s.cbs.remove(e) { 0 } else { -1 }) }
}

pub unsafe fn remove_cb(p: *mut Evbuffer, f: Option<CbFunc>, arg: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| if s.cbs.remove_func(f, arg) { 0 } else { -1 }) }
}

pub unsafe fn cb_set_flags(p: *mut Evbuffer, e: *mut CbEntry, flags: u32) -> c_int {
    // SAFETY: forwarded contract; e is checked to be one of this buffer's entries.
    unsafe {
        with(p, |s| {
            if !s.cbs.contains(e) {
                return -1;
            }
            (*e).flags |= flags & !EVBUFFER_CB_INTERNAL_FLAGS;
            0
        })
    }
}

pub unsafe fn cb_clear_flags(p: *mut Evbuffer, e: *mut CbEntry, flags: u32) -> c_int {
    // SAFETY: as cb_set_flags.
    unsafe {
        with(p, |s| {
            if !s.cbs.contains(e) {
                return -1;
            }
            (*e).flags &= !(flags & !EVBUFFER_CB_INTERNAL_FLAGS);
            0
        })
    }
}

/// evbuffer_setcb: replace every callback by one old-style callback (none for NULL).
pub unsafe fn setcb(p: *mut Evbuffer, f: Option<ObsoleteCbFunc>, arg: *mut c_void) -> c_int {
    // SAFETY: forwarded contract.
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
pub unsafe fn defer_callbacks(p: *mut Evbuffer, base: *mut EventBase) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    if base.is_null() {
        return -1;
    }
    // SAFETY: forwarded contract; base is a live base.
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

/// Room for `want` bytes in one chain; the caller holds the buffer's lock.
pub unsafe fn printf_space(p: *mut Evbuffer, want: usize) -> Option<(*mut u8, usize)> {
    // SAFETY: forwarded contract.
    unsafe { with(p, |s| s.printf_space(want).ok()) }
}

/// Commit `n` bytes formatted into the space printf_space gave.
pub unsafe fn printf_commit(p: *mut Evbuffer, n: usize) -> c_int {
    // SAFETY: forwarded contract.
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
pub unsafe fn with_state<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: forwarded contract.
    unsafe { with(p, f) }
}

/// Run `f` with the state locked, then report the change to the callbacks.
pub unsafe fn modify_state<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: forwarded contract.
    unsafe { op(p, f) }
}
