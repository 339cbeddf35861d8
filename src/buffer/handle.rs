//! The object behind `struct evbuffer *`: its lock, its references, and the running of its
//! change callbacks. The operations themselves are in api.rs.
//!
//! Every operation follows one pattern: take the buffer's lock and a reference (`enter`), do the
//! work on `&mut State` (no program code runs there), let the borrow end, drop the chains the
//! operation let go (this may run reference/file-segment cleanups), run the change callbacks
//! with no borrow alive (`changed`), then drop the reference and the lock (`leave`). So a
//! callback may call back into the buffer, remove callbacks, or even free the buffer: the
//! buffer goes away when the last reference does.
//!
//! # Pointer contract
//! Every `unsafe fn` here and in api.rs taking `p: *mut Evbuffer` needs `p` to be a live
//! buffer from [`new`] on which the caller holds a reference (the program's, until
//! evbuffer_free, or one taken with [`incref`]); the C shims check for NULL. Where two buffers
//! are taken, both are. The buffer's deferred callback, when set, names a live base.

use super::buffer::State;
use super::callbacks::*;
use crate::core::event::{EventCallback, EVLIST_ACTIVE, EVLIST_ACTIVE_LATER};
use crate::core::mem;
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use libc::{c_int, c_void};
use parking_lot::lock_api::RawReentrantMutex;
use std::cell::UnsafeCell;

/// Our own recursive lock, for evbuffer_enable_locking(buf, NULL) when the program has not
/// turned threading on (the raw API: C locks and unlocks in separate calls).
type OwnLock = RawReentrantMutex<parking_lot::RawMutex, parking_lot::RawThreadId>;

/// A locked buffer's lock; boxed in the buffer (most buffers never lock, and every buffer
/// carries the field).
enum BufLock {
    Own(OwnLock),
    /// Through the program's threading callbacks; `owned`: allocated by us, freed with us.
    Thread {
        raw: RawLock,
        owned: bool,
    },
}

/// `struct evbuffer` (opaque to programs).
pub struct Evbuffer {
    lock: Option<Box<BufLock>>,
    st: UnsafeCell<State>,
}

/// The state behind a buffer. Callers hold the buffer's lock and let the borrow end before
/// anything that can run program code.
///
/// # Safety
/// Module contract; the caller holds the buffer's lock.
#[inline]
pub(super) unsafe fn st<'a>(p: *mut Evbuffer) -> &'a mut State {
    // SAFETY: p is live (contract) and its lock, held, serialises access to the state.
    unsafe { &mut *(*p).st.get() }
}

/// Is the buffer without any lock (so no other thread can reach it)?
///
/// # Safety
/// Module contract.
#[inline(always)]
pub(super) unsafe fn is_unlocked(p: *mut Evbuffer) -> bool {
    // SAFETY: p is live (contract); the lock field changes only in enable_locking, before the
    // buffer is shared.
    unsafe { (*p).lock.is_none() }
}

/// evbuffer_lock.
///
/// # Safety
/// Module contract.
#[inline(always)]
pub unsafe fn lock(p: *mut Evbuffer) {
    // SAFETY: p is live (contract); only the lock field is read, and it changes only in
    // enable_locking, before the buffer is shared.
    match unsafe { (*p).lock.as_deref() } {
        None => {}
        Some(BufLock::Own(m)) => m.lock(),
        Some(BufLock::Thread { raw, .. }) => raw.acquire(),
    }
}

/// evbuffer_unlock. Our own lock ignores an unlock from a thread that does not hold it (as
/// the recursive pthread mutex it replaces refused it).
///
/// # Safety
/// Module contract.
#[inline(always)]
pub unsafe fn unlock(p: *mut Evbuffer) {
    // SAFETY: as lock.
    match unsafe { (*p).lock.as_deref() } {
        None => {}
        Some(BufLock::Own(m)) if m.is_owned_by_current_thread() => {
            // SAFETY: held by this thread, checked just above.
            unsafe { m.unlock() };
        }
        Some(BufLock::Own(_)) => {}
        Some(BufLock::Thread { raw, .. }) => raw.release(),
    }
}

/// Lock the buffer and take a reference for the operation.
///
/// # Safety
/// Module contract.
#[inline(always)]
pub(super) unsafe fn enter(p: *mut Evbuffer) {
    // SAFETY: p is live (contract); the state is touched only once the lock is held.
    unsafe {
        lock(p);
        st(p).refcnt += 1;
    }
}

/// Drop the chains the last operation let go (cleanups may run program code).
///
/// # Safety
/// Module contract; between `enter` and `leave`.
#[inline]
unsafe fn drop_dead(p: *mut Evbuffer) {
    // SAFETY: locked and referenced (contract); this borrow ends before the chains are dropped.
    let s = unsafe { st(p) };
    if !s.dead.is_empty() {
        let mut dead = std::mem::take(&mut s.dead);
        // Front to back, as libevent frees chains; a cleanup that re-enters the buffer parks
        // its chains in the (new) `dead` and drops them itself.
        dead.clear();
        // SAFETY: still locked and referenced (a cleanup may have re-entered, but the
        // reference kept the buffer); a fresh borrow after the drops.
        let s = unsafe { st(p) };
        if s.dead.is_unallocated() {
            // Keep the allocation: most operations let chains go, and a fresh Vec each time
            // was a malloc/free pair per drain.
            s.dead = dead;
        }
    }
}

/// Drop the operation's reference and the lock; the last reference frees the buffer.
///
/// # Safety
/// Module contract; after `enter`. The buffer may be gone afterwards.
#[inline(always)]
pub(super) unsafe fn leave(p: *mut Evbuffer) {
    // SAFETY: locked and referenced (contract).
    unsafe {
        // The common case: nothing to drop, and the buffer outlives this operation.
        let s = st(p);
        if s.dead.is_empty() && s.refcnt > 1 && !s.holds_empty_queue() {
            s.refcnt -= 1;
            unlock(p);
            return;
        }
        leave_slow(p);
    }
}

/// # Safety
/// As `leave`.
#[inline(never)]
unsafe fn leave_slow(p: *mut Evbuffer) {
    // SAFETY: locked and referenced (contract); destroy only once no reference is left.
    unsafe {
        drop_dead(p);
        let s = st(p);
        s.release_empty_queue();
        s.refcnt -= 1;
        if s.refcnt == 0 {
            destroy(p);
        } else {
            unlock(p);
        }
    }
}

/// After a change: drop let-go chains and run (or schedule) the callbacks.
///
/// # Safety
/// Module contract; between `enter` and `leave`, with no borrow of the state alive.
#[inline(always)]
pub(super) unsafe fn changed(p: *mut Evbuffer) {
    // SAFETY: locked and referenced (contract).
    unsafe {
        // The common case: no chain let go and no callback to tell; the counts are only
        // kept for callbacks, so they restart from zero.
        let s = st(p);
        if s.dead.is_empty() && s.cbs.is_empty() {
            s.n_add = 0;
            s.n_del = 0;
            return;
        }
        changed_slow(p);
    }
}

/// # Safety
/// As `changed`.
#[inline(never)]
unsafe fn changed_slow(p: *mut Evbuffer) {
    // SAFETY: locked and referenced (contract); no borrow alive.
    unsafe {
        drop_dead(p);
        invoke_callbacks(p);
    }
}

/// Free a buffer whose last reference went away. Called locked; the buffer is gone after.
///
/// # Safety
/// Module contract, except that no reference is left: nobody else can reach the buffer.
unsafe fn destroy(p: *mut Evbuffer) {
    // SAFETY: p is live, locked and ours alone (contract); a queued deferred callback would
    // hold a reference, so one can only be queued here if it is about to be cancelled; its
    // base is live.
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

/// # Safety
/// Module contract; between `enter` and `leave`, no borrow alive.
unsafe fn invoke_callbacks(p: *mut Evbuffer) {
    // SAFETY: locked and referenced (contract); the deferred callback's base is live, and the
    // callback lives in the buffer, which the new reference keeps while it is queued.
    unsafe {
        let s = st(p);
        if s.cbs.is_empty() {
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
///
/// # Safety
/// Module contract; the caller holds the lock and a reference, and no borrow of the state.
unsafe fn run_callbacks(p: *mut Evbuffer, deferred_run: bool) {
    // SAFETY: locked and referenced (contract); this borrow ends before the first callback.
    let s = unsafe { st(p) };
    let (mask, want, clear) = if deferred_run {
        (CbFlags::NODEFER | CbFlags::ENABLED, CbFlags::ENABLED, true)
    } else if s.cbs.deferred.is_some() {
        // Only the no-defer ones now; leave the counts for the deferred run.
        (CbFlags::NODEFER | CbFlags::ENABLED, CbFlags::NODEFER | CbFlags::ENABLED, false)
    } else {
        (CbFlags::ENABLED, CbFlags::ENABLED, true)
    };
    if s.cbs.is_empty() {
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
    let n = s.cbs.entries().count();
    let mut small = [std::ptr::null_mut::<CbEntry>(); 8];
    let big: Vec<*mut CbEntry>;
    let snap: &[*mut CbEntry] = if n <= small.len() {
        for (k, e) in s.cbs.entries().enumerate() {
            small[k] = e;
        }
        &small[..n]
    } else {
        big = s.cbs.entries().collect();
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
    // SAFETY: still locked and referenced (callbacks that re-entered released what they took).
    let s = unsafe { st(p) };
    s.cbs.running -= 1;
    if s.cbs.running == 0 {
        s.cbs.bury();
    }
}

/// The deferred callback, run by the base's loop. It owns one reference to the buffer.
pub(super) unsafe extern "C" fn deferred_cb(_cb: *mut EventCallback, arg: *mut c_void) {
    let p = arg as *mut Evbuffer;
    // SAFETY: arg is the buffer whose queued callback this is; that holds a reference (given
    // up by leave), so the buffer is alive.
    unsafe {
        lock(p);
        run_callbacks(p, true);
        leave(p);
    }
}

// ---- life cycle and locking ----

/// evbuffer_new.
pub fn new() -> *mut Evbuffer {
    mem::new_object(Evbuffer { lock: None, st: UnsafeCell::new(State::new()) }).unwrap_or(std::ptr::null_mut())
}

/// evbuffer_free: drop the program's reference.
///
/// # Safety
/// Module contract; the caller's reference is given up.
pub unsafe fn free(p: *mut Evbuffer) {
    // SAFETY: p is live and the program's reference is the one given up (contract).
    unsafe { decref(p) };
}

/// Take a reference (keeps the buffer alive past evbuffer_free).
///
/// # Safety
/// Module contract.
pub unsafe fn incref(p: *mut Evbuffer) {
    // SAFETY: p is live (contract); the count is changed under the lock.
    unsafe {
        lock(p);
        st(p).refcnt += 1;
        unlock(p);
    }
}

/// Drop a reference; the last one frees the buffer.
///
/// # Safety
/// Module contract; the caller's reference is given up.
pub unsafe fn decref(p: *mut Evbuffer) {
    // SAFETY: p is live (contract): the caller's reference becomes the operation's, which
    // leave drops.
    unsafe {
        lock(p);
        leave(p);
    }
}

/// evbuffer_enable_locking. NULL: a recursive lock of our own (through the program's
/// threading callbacks when it set them). Otherwise the program's lock, which must come from
/// its threading callbacks (locking it does nothing while threading is off, as in libevent).
///
/// # Safety
/// Module contract; the buffer is not shared with another thread yet (libevent's rule).
pub unsafe fn enable_locking(p: *mut Evbuffer, user_lock: *mut c_void) -> c_int {
    // SAFETY: p is live and not yet shared (contract), so the lock field may change.
    unsafe {
        if (*p).lock.is_some() {
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
            BufLock::Own(OwnLock::INIT)
        };
        (*p).lock = Some(Box::new(l));
    }
    0
}

impl Drop for Evbuffer {
    fn drop(&mut self) {
        if let Some(&BufLock::Thread { raw, owned: true }) = self.lock.as_deref() {
            raw.free(EVTHREAD_LOCKTYPE_RECURSIVE);
        }
    }
}

/// Lock two buffers in a fixed order (by address).
///
/// # Safety
/// Module contract for both; they are different buffers.
#[inline(always)]
pub(super) unsafe fn enter2(a: *mut Evbuffer, b: *mut Evbuffer) {
    // SAFETY: both live (contract); address order keeps two threads from deadlocking.
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

/// # Safety
/// After `enter2(a, b)`.
#[inline(always)]
pub(super) unsafe fn leave2(a: *mut Evbuffer, b: *mut Evbuffer) {
    // SAFETY: both locked and referenced by enter2 (contract).
    unsafe {
        leave(a);
        leave(b);
    }
}

/// Run `f` on the locked state and report the change.
///
/// # Safety
/// Module contract.
#[inline]
pub(super) unsafe fn op<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: p is live (contract); the borrow handed to f ends before callbacks run.
    unsafe {
        enter(p);
        let r = f(st(p));
        changed(p);
        leave(p);
        r
    }
}

/// Run `f` on the locked state; nothing the callbacks need to hear about.
///
/// # Safety
/// Module contract.
#[inline]
pub(super) unsafe fn with<R>(p: *mut Evbuffer, f: impl FnOnce(&mut State) -> R) -> R {
    // SAFETY: p is live (contract); f's borrow ends before leave.
    unsafe {
        enter(p);
        let r = f(st(p));
        leave(p);
        r
    }
}

/// libevent's 0 / -1 for an operation's outcome.
pub(super) fn rc(r: Result<(), super::buffer::Refused>) -> c_int {
    if r.is_ok() {
        0
    } else {
        -1
    }
}
