//! Threading, libevent's model: the program installs lock, condition and thread-id callbacks
//! (evthread_use_pthreads installs pthread ones). Bases created after that get a recursive
//! lock, a condition variable and a wake-up fd (eventfd); before that, and with
//! EVENT_BASE_FLAG_NOLOCK, a base has none of these and pays nothing.
//!
//! The active callbacks live in two exported data objects, `evthread_lock_fns_` and
//! `evthread_cond_fns_`, as in libevent: libevent's own test programs read them directly, so
//! the library reads them through their dynamic symbols (every access goes through
//! `lock_fns()` / `cond_fns()`).
//!
//! # Pointer contract
//! A `base: *mut EventBase` passed to the `unsafe fn`s here is a live base of ours; where a
//! function says the caller holds the base's lock, it does.

pub mod debug_lock;
pub mod pthreads;

use crate::core::base::{self, EventBase};
use crate::core::event::*;
use crate::core::log;
use crate::util::sys::syscall;
use libc::{c_int, c_short, c_uint, c_ulong, c_void, timeval};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub const EVTHREAD_WRITE: c_uint = 0x04;
pub const EVTHREAD_READ: c_uint = 0x08;
pub const EVTHREAD_TRY: c_uint = 0x10;
pub const EVTHREAD_LOCKTYPE_RECURSIVE: c_uint = 1;
pub const EVTHREAD_LOCKTYPE_READWRITE: c_uint = 2;
pub const EVTHREAD_LOCK_API_VERSION: c_int = 1;
pub const EVTHREAD_CONDITION_API_VERSION: c_int = 1;

pub type AllocLockFn = unsafe extern "C" fn(c_uint) -> *mut c_void;
pub type FreeLockFn = unsafe extern "C" fn(*mut c_void, c_uint);
pub type LockFn = unsafe extern "C" fn(c_uint, *mut c_void) -> c_int;
pub type AllocCondFn = unsafe extern "C" fn(c_uint) -> *mut c_void;
pub type FreeCondFn = unsafe extern "C" fn(*mut c_void);
pub type SignalCondFn = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
pub type WaitCondFn = unsafe extern "C" fn(*mut c_void, *mut c_void, *const timeval) -> c_int;
pub type IdFn = unsafe extern "C" fn() -> c_ulong;

/// `struct evthread_lock_callbacks` (40 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct LockCallbacks {
    pub lock_api_version: c_int,
    pub supported_locktypes: c_uint,
    pub alloc: Option<AllocLockFn>,
    pub free: Option<FreeLockFn>,
    pub lock: Option<LockFn>,
    pub unlock: Option<LockFn>,
}

/// `struct evthread_condition_callbacks` (40 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CondCallbacks {
    pub condition_api_version: c_int,
    pub alloc_condition: Option<AllocCondFn>,
    pub free_condition: Option<FreeCondFn>,
    pub signal_condition: Option<SignalCondFn>,
    pub wait_condition: Option<WaitCondFn>,
}

impl LockCallbacks {
    pub const NONE: LockCallbacks =
        LockCallbacks { lock_api_version: 0, supported_locktypes: 0, alloc: None, free: None, lock: None, unlock: None };
    pub fn is_set(&self) -> bool {
        self.alloc.is_some() && self.free.is_some() && self.lock.is_some() && self.unlock.is_some()
    }
    /// Same callbacks (compared by address: the program passes the same functions again).
    pub fn same(&self, o: &LockCallbacks) -> bool {
        let a = |x: &LockCallbacks| {
            (x.alloc.map(|f| f as usize), x.free.map(|f| f as usize), x.lock.map(|f| f as usize), x.unlock.map(|f| f as usize))
        };
        a(self) == a(o) && self.lock_api_version == o.lock_api_version && self.supported_locktypes == o.supported_locktypes
    }
}

impl CondCallbacks {
    pub const NONE: CondCallbacks = CondCallbacks {
        condition_api_version: 0,
        alloc_condition: None,
        free_condition: None,
        signal_condition: None,
        wait_condition: None,
    };
    pub fn is_set(&self) -> bool {
        self.alloc_condition.is_some()
            && self.free_condition.is_some()
            && self.signal_condition.is_some()
            && self.wait_condition.is_some()
    }
    pub fn same(&self, o: &CondCallbacks) -> bool {
        let a = |x: &CondCallbacks| {
            (
                x.alloc_condition.map(|f| f as usize),
                x.free_condition.map(|f| f as usize),
                x.signal_condition.map(|f| f as usize),
                x.wait_condition.map(|f| f as usize),
            )
        };
        a(self) == a(o) && self.condition_api_version == o.condition_api_version
    }
}

const _: () = {
    assert!(std::mem::size_of::<LockCallbacks>() == 40);
    assert!(std::mem::size_of::<CondCallbacks>() == 40);
};

#[no_mangle]
#[used]
pub static mut evthread_lock_fns_: LockCallbacks = LockCallbacks::NONE;
#[no_mangle]
#[used]
pub static mut evthread_cond_fns_: CondCallbacks = CondCallbacks::NONE;

static ID_FN: AtomicUsize = AtomicUsize::new(0);
/// Set once any lock was allocated with the current callbacks.
static LOCKS_IN_USE: AtomicBool = AtomicBool::new(false);

pub fn lock_fns() -> LockCallbacks {
    // SAFETY: a plain read of our exported global (written only by the set-up functions,
    // which programs call before starting threads).
    unsafe { ptr::read_volatile(&raw const evthread_lock_fns_) }
}

pub fn cond_fns() -> CondCallbacks {
    // SAFETY: as lock_fns.
    unsafe { ptr::read_volatile(&raw const evthread_cond_fns_) }
}

pub(crate) fn store_lock_fns(v: LockCallbacks) {
    // SAFETY: a plain write of our exported global, during set-up.
    unsafe { ptr::write_volatile(&raw mut evthread_lock_fns_, v) }
}

pub(crate) fn store_cond_fns(v: CondCallbacks) {
    // SAFETY: as store_lock_fns.
    unsafe { ptr::write_volatile(&raw mut evthread_cond_fns_, v) }
}

/// `evthread_get_lock_callbacks()`: the program's callbacks (under the debugging wrappers
/// when lock debugging is on, as libevent answers).
pub fn lock_callbacks_ptr() -> *mut LockCallbacks {
    if debug_lock::enabled() {
        debug_lock::original_ptr()
    } else {
        &raw mut evthread_lock_fns_
    }
}

/// libevent_global_shutdown's part here: lock debugging ends.
pub fn global_shutdown() {
    debug_lock::disable();
}

/// Is locking on? (Bases created from now on get locks.)
pub fn enabled() -> bool {
    lock_fns().is_set()
}

/// The calling thread's id as the program's id callback says (0 without one).
pub fn current_id() -> c_ulong {
    let f = ID_FN.load(Ordering::Acquire);
    if f == 0 {
        return 0;
    }
    // SAFETY: stored from a valid IdFn.
    unsafe { std::mem::transmute::<usize, IdFn>(f)() }
}

pub fn has_id_fn() -> bool {
    ID_FN.load(Ordering::Acquire) != 0
}

pub fn set_id_callback(f: Option<IdFn>) {
    ID_FN.store(f.map_or(0, |f| f as usize), Ordering::Release);
}

/// evthread_set_lock_callbacks.
pub fn set_lock_callbacks(cbs: Option<&LockCallbacks>) -> c_int {
    if debug_lock::enabled() {
        return debug_lock::set_original(cbs);
    }
    let current = lock_fns();
    let Some(cbs) = cbs else {
        if current.is_set() {
            log::warn("Trying to disable lock functions after they have been set up will probaby not work.");
        }
        store_lock_fns(LockCallbacks::NONE);
        return 0;
    };
    if current.is_set() {
        if current.same(cbs) {
            return 0;
        }
        if !debug_lock::wraps(&current, cbs) {
            log::warn("Can't change lock callbacks once they have been initialized.");
            return -1;
        }
        return 0;
    }
    if cbs.is_set() {
        store_lock_fns(*cbs);
        return 0;
    }
    -1
}

/// evthread_set_condition_callbacks.
pub fn set_condition_callbacks(cbs: Option<&CondCallbacks>) -> c_int {
    if debug_lock::enabled() {
        return debug_lock::set_condition_callbacks(cbs);
    }
    let current = cond_fns();
    let Some(cbs) = cbs else {
        if current.is_set() {
            log::warn("Trying to disable condition functions after they have been set up will probaby not work.");
        }
        store_cond_fns(CondCallbacks::NONE);
        return 0;
    };
    if current.is_set() {
        if current.same(cbs) {
            return 0;
        }
        log::warn("Can't change condition callbacks once they have been initialized.");
        return -1;
    }
    if cbs.is_set() {
        store_cond_fns(*cbs);
        return 0;
    }
    -1
}

/// A lock allocated through the program's callbacks (NULL when locking is off).
#[derive(Clone, Copy)]
pub struct RawLock(pub *mut c_void);

impl RawLock {
    pub const NONE: RawLock = RawLock(ptr::null_mut());

    pub fn alloc(locktype: c_uint) -> RawLock {
        let f = lock_fns();
        match f.alloc {
            Some(alloc) if f.is_set() => {
                LOCKS_IN_USE.store(true, Ordering::Relaxed);
                // SAFETY: the program's allocator callback.
                RawLock(unsafe { alloc(locktype) })
            }
            _ => RawLock::NONE,
        }
    }

    pub fn free(self, locktype: c_uint) {
        if self.0.is_null() {
            return;
        }
        if let Some(free) = lock_fns().free {
            // SAFETY: a lock from the same callbacks' alloc.
            unsafe { free(self.0, locktype) };
        }
    }

    #[inline]
    pub fn acquire(self) {
        if self.0.is_null() {
            return;
        }
        if let Some(lock) = lock_fns().lock {
            // SAFETY: a lock from the program's alloc callback.
            unsafe { lock(0, self.0) };
        }
    }

    #[inline]
    pub fn release(self) {
        if self.0.is_null() {
            return;
        }
        if let Some(unlock) = lock_fns().unlock {
            // SAFETY: a lock from the program's alloc callback, held by us.
            unsafe { unlock(0, self.0) };
        }
    }
}

/// Per-base threading state.
pub struct BaseThreading {
    pub lock: RawLock,
    cond: *mut c_void,
    /// Thread running the loop (valid while running_loop).
    owner: c_ulong,
    owner_set: bool,
    /// Threads waiting in event_del for the running callback to finish.
    waiters: usize,
    /// eventfd, and its internal read event.
    notify_fd: c_int,
    notify_ev: Option<Box<Event>>,
    notify_pending: AtomicBool,
}

impl Default for BaseThreading {
    fn default() -> Self {
        BaseThreading {
            lock: RawLock::NONE,
            cond: ptr::null_mut(),
            owner: 0,
            owner_set: false,
            waiters: 0,
            notify_fd: -1,
            notify_ev: None,
            notify_pending: AtomicBool::new(false),
        }
    }
}

impl BaseThreading {
    #[inline]
    pub fn lock(&self) {
        self.lock.acquire();
    }

    #[inline]
    pub fn unlock(&self) {
        self.lock.release();
    }

    pub fn is_locked_base(&self) -> bool {
        !self.lock.0.is_null()
    }

    pub fn set_owner_current(&mut self) {
        self.owner = current_id();
        self.owner_set = true;
    }

    pub fn clear_owner(&mut self) {
        self.owner_set = false;
    }

    /// Is the caller the thread running this base's loop (or is no loop running)?
    pub fn in_loop_thread(&self) -> bool {
        !self.owner_set || !has_id_fn() || self.owner == current_id()
    }

    /// Wake the loop when a thread other than the loop's changed what it waits for.
    #[inline]
    pub fn notify_if_needed(&self, base: &EventBase) {
        if self.notify_fd < 0 || !base.running_loop || !has_id_fn() || !self.owner_set || self.owner == current_id() {
            return;
        }
        self.notify();
    }

    pub fn notify(&self) {
        if self.notify_fd < 0 || self.notify_pending.swap(true, Ordering::AcqRel) {
            return;
        }
        let one: u64 = 1;
        // A full counter (EAGAIN) already wakes the loop: the result is not needed.
        // SAFETY: writing 8 bytes from a local to our eventfd.
        let _ = syscall!(write(self.notify_fd, &one as *const u64 as *const c_void, 8));
    }

    /// After each callback: let event_del callers waiting on it go.
    pub fn callback_done(&mut self) {
        if self.waiters > 0 {
            self.waiters = 0;
            if let Some(signal) = cond_fns().signal_condition {
                if !self.cond.is_null() {
                    // SAFETY: our condition from the program's callbacks; broadcast.
                    unsafe { signal(self.cond, 1) };
                }
            }
        }
    }

    /// event_del from another thread while `cb` runs waits for it to finish (libevent 2.1's
    /// auto-blocking delete). `cb` is only compared, never read.
    ///
    /// # Safety
    /// Module contract; the caller holds the base's lock once (the wait releases and retakes
    /// it).
    pub unsafe fn wait_for_running(base: *mut EventBase, cb: *mut EventCallback) {
        // SAFETY: base is live and we hold its lock (contract), so its fields are ours to read
        // and write; no reference is kept across the wait, which lets other threads in.
        unsafe {
            loop {
                let b = &mut *base;
                if b.current_event != cb || b.thread.in_loop_thread() || b.thread.cond.is_null() {
                    return;
                }
                let Some(wait) = cond_fns().wait_condition else { return };
                b.thread.waiters += 1;
                let (cond, lock) = (b.thread.cond, b.thread.lock.0);
                wait(cond, lock, ptr::null());
            }
        }
    }

    pub fn teardown(&mut self) {
        if let Some(ev) = self.notify_ev.take() {
            drop(ev);
        }
        if self.notify_fd >= 0 {
            // Our own eventfd, closed once (a failure leaves nothing to undo).
            let _ = syscall!(close(self.notify_fd));
            self.notify_fd = -1;
        }
        if !self.cond.is_null() {
            if let Some(free) = cond_fns().free_condition {
                // SAFETY: our condition from the program's callbacks.
                unsafe { free(self.cond) };
            }
            self.cond = ptr::null_mut();
        }
        let lock = std::mem::replace(&mut self.lock, RawLock::NONE);
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
    }
}

unsafe extern "C" fn on_notify(fd: c_int, _what: c_short, arg: *mut c_void) {
    let mut buf = 0u64;
    // One read resets the counter; an empty one (EAGAIN) means another wake-up drained it.
    // SAFETY: draining our eventfd into a local.
    let _ = syscall!(read(fd, &mut buf as *mut u64 as *mut c_void, 8));
    // SAFETY: arg is the base owning this internal event.
    let b = unsafe { &mut *(arg as *mut EventBase) };
    b.thread.notify_pending.store(false, Ordering::Release);
}

/// Give `base` a lock, a condition and a wake-up event (evthread_make_base_notifiable, and
/// what every base created with threading on gets).
///
/// # Safety
/// Module contract; the base's loop is not running in another thread.
pub unsafe fn make_base_notifiable(base: *mut EventBase) -> c_int {
    // SAFETY: base is live (contract); the lock is taken below before the event is added.
    let b = unsafe { &mut *base };
    if b.thread.lock.0.is_null() {
        b.thread.lock = RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
    }
    if b.thread.cond.is_null() {
        let c = cond_fns();
        if let (true, Some(alloc)) = (c.is_set(), c.alloc_condition) {
            // SAFETY: the program's condition allocator.
            b.thread.cond = unsafe { alloc(0) };
        }
    }
    if b.thread.notify_fd >= 0 {
        return 0;
    }
    b.lock();
    let r = install_notify(b);
    b.unlock();
    r
}

fn install_notify(b: &mut EventBase) -> c_int {
    let Ok(fd) = syscall!(eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC)) else {
        log::warn_errno("evthread_make_base_notifiable: eventfd");
        return -1;
    };
    b.thread.notify_fd = fd;
    let bp: *mut EventBase = b;
    let mut ev = Box::new(Event::zeroed());
    let evp: *mut Event = &mut *ev;
    // SAFETY: our boxed internal event.
    unsafe {
        base::assign_raw(evp, bp, fd, EV_READ | EV_PERSIST, Some(on_notify), bp as *mut c_void);
        (*evp).cb.flags |= EVLIST_INTERNAL;
        (*evp).cb.pri = 0;
    }
    b.thread.notify_ev = Some(ev);
    // SAFETY: our boxed internal event, assigned to this base; the caller holds its lock.
    unsafe { b.add_nolock(evp, None, false) }
}

/// After fork: a fresh eventfd (the child must not share the parent's).
///
/// # Safety
/// Module contract; the caller holds the base's lock.
pub unsafe fn reinit_base(base: *mut EventBase) -> c_int {
    // SAFETY: base is live and locked by the caller (contract).
    let b = unsafe { &mut *base };
    if b.thread.notify_fd < 0 {
        return 0;
    }
    if let Some(mut ev) = b.thread.notify_ev.take() {
        let evp: *mut Event = &mut *ev;
        // SAFETY: our boxed internal event, added to this base; we hold its lock.
        unsafe { b.del_nolock(evp, true) };
    }
    // Our own eventfd; the child's copy goes (a failure leaves nothing to undo).
    let _ = syscall!(close(b.thread.notify_fd));
    b.thread.notify_fd = -1;
    b.thread.notify_pending.store(false, Ordering::Release);
    install_notify(b)
}
