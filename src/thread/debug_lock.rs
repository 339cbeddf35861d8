//! evthread_enable_lock_debugging: wrap the program's lock callbacks with checks that catch
//! unlocking a lock one does not hold and re-locking a non-recursive lock, reported through
//! the fatal path the way libevent's assertions are.

use super::*;
use crate::core::mem;
use parking_lot::RwLock;

const SIGNATURE: u32 = 0x12300fda;

#[repr(C)]
struct DebugLock {
    signature: u32,
    locktype: c_uint,
    held_by: c_ulong,
    count: c_int,
    inner: *mut c_void,
}

/// The program's callbacks we wrap (set when debugging is enabled, before threads use locks).
static ORIGINAL: RwLock<LockCallbacks> = RwLock::new(LockCallbacks::NONE);

fn original() -> LockCallbacks {
    *ORIGINAL.read()
}

fn fail(what: &str) -> ! {
    log::fatal(&format!("Assertion {} failed in lock debugging", what))
}

unsafe extern "C" fn debug_alloc(locktype: c_uint) -> *mut c_void {
    let orig = original();
    let inner = match orig.alloc {
        // Recursion is checked here, so the real lock is always recursive.
        // SAFETY: the program's allocator.
        Some(a) => unsafe { a(locktype | EVTHREAD_LOCKTYPE_RECURSIVE) },
        None => ptr::null_mut(),
    };
    let Some(p) = mem::new_object(DebugLock { signature: SIGNATURE, locktype, held_by: 0, count: 0, inner }) else {
        return ptr::null_mut();
    };
    p as *mut c_void
}

unsafe extern "C" fn debug_free(lock: *mut c_void, locktype: c_uint) {
    let l = lock as *mut DebugLock;
    // SAFETY: lock came from debug_alloc.
    unsafe {
        if (*l).signature != SIGNATURE || (*l).count != 0 {
            fail("lock->count == 0");
        }
        if locktype != (*l).locktype {
            fail("locktype == lock->locktype");
        }
        if let Some(f) = original().free {
            if !(*l).inner.is_null() {
                f((*l).inner, (*l).locktype | EVTHREAD_LOCKTYPE_RECURSIVE);
            }
        }
        (*l).signature = 0;
        mem::free_object(l);
    }
}

unsafe extern "C" fn debug_lock(mode: c_uint, lock: *mut c_void) -> c_int {
    let l = lock as *mut DebugLock;
    // SAFETY: lock came from debug_alloc.
    unsafe {
        if (*l).signature != SIGNATURE {
            fail("lock->signature == DEBUG_LOCK_SIG");
        }
        let mut r = 0;
        if let Some(f) = original().lock {
            if !(*l).inner.is_null() {
                r = f(mode, (*l).inner);
            }
        }
        if r == 0 {
            (*l).count += 1;
            if (*l).locktype & EVTHREAD_LOCKTYPE_RECURSIVE == 0 && (*l).count > 1 {
                fail("lock->count == 1");
            }
            (*l).held_by = current_id();
        }
        r
    }
}

unsafe extern "C" fn debug_unlock(mode: c_uint, lock: *mut c_void) -> c_int {
    let l = lock as *mut DebugLock;
    // SAFETY: lock came from debug_alloc.
    unsafe {
        if (*l).signature != SIGNATURE {
            fail("lock->signature == DEBUG_LOCK_SIG");
        }
        if has_id_fn() && (*l).count > 0 && (*l).held_by != current_id() {
            fail("lock->held_by == me");
        }
        if (*l).count <= 0 {
            fail("lock->count > 0");
        }
        (*l).count -= 1;
        if (*l).count == 0 {
            (*l).held_by = 0;
        }
        match original().unlock {
            Some(f) if !(*l).inner.is_null() => f(mode, (*l).inner),
            _ => 0,
        }
    }
}

/// The program's condition callbacks, when lock debugging wraps their wait.
static ORIGINAL_COND: RwLock<CondCallbacks> = RwLock::new(CondCallbacks::NONE);

/// The condition wait installed while lock debugging is on (in `evthread_cond_fns_`, which
/// libevent's own tests call directly): the program's wait gets the real lock underneath, and
/// the bookkeeping says the lock is released for the wait and held again after it.
unsafe extern "C" fn debug_wait_condition(cond: *mut c_void, lock: *mut c_void, tv: *const timeval) -> c_int {
    let Some(wait) = ORIGINAL_COND.read().wait_condition else { return -1 };
    let l = lock as *mut DebugLock;
    // SAFETY: lock came from debug_alloc and the waiting thread holds it (the condition-wait
    // contract), so its bookkeeping is ours to update around the wait.
    unsafe {
        if (*l).signature != SIGNATURE {
            fail("lock->signature == DEBUG_LOCK_SIG");
        }
        if (*l).count != 1 || (has_id_fn() && (*l).held_by != current_id()) {
            fail("lock->count == 1 && lock->held_by == me");
        }
        (*l).count = 0;
        (*l).held_by = 0;
        let r = wait(cond, (*l).inner, tv);
        (*l).count = 1;
        (*l).held_by = current_id();
        r
    }
}

/// `cbs` with its wait going through [`debug_wait_condition`].
fn cond_wrapped(cbs: &CondCallbacks) -> CondCallbacks {
    let mut w = *cbs;
    if w.wait_condition.is_some() {
        w.wait_condition = Some(debug_wait_condition);
    }
    w
}

/// `evthread_set_condition_callbacks` while debugging is on: keep the program's callbacks and
/// install them with the debugging wait.
pub fn set_condition_callbacks(cbs: Option<&CondCallbacks>) -> c_int {
    let mut orig = ORIGINAL_COND.write();
    let Some(cbs) = cbs else {
        *orig = CondCallbacks::NONE;
        store_cond_fns(CondCallbacks::NONE);
        return 0;
    };
    if orig.is_set() {
        if orig.same(cbs) {
            return 0;
        }
        drop(orig);
        log::warn("Can't change condition callbacks once they have been initialized.");
        return -1;
    }
    if !cbs.is_set() {
        return -1;
    }
    *orig = *cbs;
    store_cond_fns(cond_wrapped(cbs));
    0
}

fn wrapped() -> LockCallbacks {
    LockCallbacks {
        lock_api_version: EVTHREAD_LOCK_API_VERSION,
        supported_locktypes: EVTHREAD_LOCKTYPE_RECURSIVE | EVTHREAD_LOCKTYPE_READWRITE,
        alloc: Some(debug_alloc),
        free: Some(debug_free),
        lock: Some(debug_lock),
        unlock: Some(debug_unlock),
    }
}

/// True when `current` is our wrapper around `cbs` (setting the same callbacks again after
/// enabling debugging is not a change).
pub fn wraps(current: &LockCallbacks, cbs: &LockCallbacks) -> bool {
    current.same(&wrapped()) && original().same(cbs)
}

/// The callbacks a program's `evthread_get_lock_callbacks()` sees while debugging is on: its
/// own, under the wrappers (libevent's tests copy them to build wrappers of their own; handing
/// back our wrappers would make those call themselves forever).
pub fn original_ptr() -> *mut LockCallbacks {
    ORIGINAL.data_ptr()
}

/// libevent_global_shutdown: debugging off, the program's own callbacks back in place (a
/// program may then clear them and install others, as libevent's tests do).
pub fn disable() {
    if !enabled() {
        return;
    }
    store_lock_fns(*ORIGINAL.read());
    *ORIGINAL.write() = LockCallbacks::NONE;
    let cond = std::mem::replace(&mut *ORIGINAL_COND.write(), CondCallbacks::NONE);
    if cond.is_set() {
        store_cond_fns(cond);
    }
}

/// True when the installed lock callbacks are our debugging wrappers.
pub fn enabled() -> bool {
    lock_fns().same(&wrapped())
}

/// `evthread_set_lock_callbacks` while debugging is on: the program's callbacks become the
/// ones the wrappers call (libevent accepts evthread_use_pthreads() after
/// evthread_enable_lock_debugging(), and its own tests call them in that order). Locks
/// allocated before have no real lock underneath, as in libevent.
pub fn set_original(cbs: Option<&LockCallbacks>) -> c_int {
    let mut orig = ORIGINAL.write();
    let Some(cbs) = cbs else {
        *orig = LockCallbacks::NONE;
        return 0;
    };
    if orig.is_set() {
        if orig.same(cbs) {
            return 0;
        }
        drop(orig);
        log::warn("Can't change lock callbacks once they have been initialized.");
        return -1;
    }
    if !cbs.is_set() {
        return -1;
    }
    *orig = *cbs;
    0
}

pub fn enable() {
    let current = lock_fns();
    if current.same(&wrapped()) {
        return;
    }
    *ORIGINAL.write() = current;
    let cond = cond_fns();
    if cond.is_set() {
        *ORIGINAL_COND.write() = cond;
        store_cond_fns(cond_wrapped(&cond));
    }
    // SAFETY: a plain write of our exported global, at set-up time, before locks are shared
    // between threads (libevent's rule for evthread_enable_lock_debugging).
    unsafe { ptr::write_volatile(&raw mut evthread_lock_fns_, wrapped()) };
}
