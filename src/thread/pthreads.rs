//! evthread_use_pthreads: lock, condition and id callbacks over POSIX threads. Locks and
//! conditions are allocated through the program's allocator (event_set_mem_functions), as
//! libevent's are.

use super::*;
use crate::core::mem;
use libc::{pthread_cond_t, pthread_mutex_t, pthread_mutexattr_t};

unsafe extern "C" fn lock_alloc(locktype: c_uint) -> *mut c_void {
    let m = mem::malloc(std::mem::size_of::<pthread_mutex_t>()) as *mut pthread_mutex_t;
    if m.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: m is fresh memory for a mutex; the attribute is a local we destroy.
    unsafe {
        let mut attr: pthread_mutexattr_t = std::mem::zeroed();
        libc::pthread_mutexattr_init(&mut attr);
        if locktype & EVTHREAD_LOCKTYPE_RECURSIVE != 0 {
            libc::pthread_mutexattr_settype(&mut attr, libc::PTHREAD_MUTEX_RECURSIVE);
        }
        let r = libc::pthread_mutex_init(m, &attr);
        libc::pthread_mutexattr_destroy(&mut attr);
        if r != 0 {
            mem::free(m as *mut c_void);
            return ptr::null_mut();
        }
    }
    m as *mut c_void
}

unsafe extern "C" fn lock_free(lock: *mut c_void, _locktype: c_uint) {
    // SAFETY: lock came from lock_alloc.
    unsafe { libc::pthread_mutex_destroy(lock as *mut pthread_mutex_t) };
    mem::free(lock);
}

unsafe extern "C" fn lock_lock(mode: c_uint, lock: *mut c_void) -> c_int {
    let m = lock as *mut pthread_mutex_t;
    // SAFETY: lock came from lock_alloc.
    unsafe {
        if mode & EVTHREAD_TRY != 0 {
            libc::pthread_mutex_trylock(m)
        } else {
            libc::pthread_mutex_lock(m)
        }
    }
}

unsafe extern "C" fn lock_unlock(_mode: c_uint, lock: *mut c_void) -> c_int {
    // SAFETY: lock came from lock_alloc and is held by this thread.
    unsafe { libc::pthread_mutex_unlock(lock as *mut pthread_mutex_t) }
}

unsafe extern "C" fn cond_alloc(_condtype: c_uint) -> *mut c_void {
    let c = mem::malloc(std::mem::size_of::<pthread_cond_t>()) as *mut pthread_cond_t;
    if c.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: c is fresh memory for a condition variable.
    if unsafe { libc::pthread_cond_init(c, ptr::null()) } != 0 {
        mem::free(c as *mut c_void);
        return ptr::null_mut();
    }
    c as *mut c_void
}

unsafe extern "C" fn cond_free(cond: *mut c_void) {
    // SAFETY: cond came from cond_alloc.
    unsafe { libc::pthread_cond_destroy(cond as *mut pthread_cond_t) };
    mem::free(cond);
}

unsafe extern "C" fn cond_signal(cond: *mut c_void, broadcast: c_int) -> c_int {
    let c = cond as *mut pthread_cond_t;
    // SAFETY: cond came from cond_alloc.
    let r = unsafe {
        if broadcast != 0 {
            libc::pthread_cond_broadcast(c)
        } else {
            libc::pthread_cond_signal(c)
        }
    };
    if r == 0 {
        0
    } else {
        -1
    }
}

/// 0 when signalled, 1 on timeout, -1 on error (libevent's contract).
unsafe extern "C" fn cond_wait(cond: *mut c_void, lock: *mut c_void, tv: *const timeval) -> c_int {
    let c = cond as *mut pthread_cond_t;
    let m = lock as *mut pthread_mutex_t;
    // SAFETY: cond/lock came from our allocators; the caller holds the lock; tv is NULL or valid.
    unsafe {
        if tv.is_null() {
            return if libc::pthread_cond_wait(c, m) == 0 { 0 } else { -1 };
        }
        let now = crate::core::clock::wall_now();
        let until = crate::core::clock::add(&now, &*tv);
        let ts = libc::timespec { tv_sec: until.tv_sec, tv_nsec: until.tv_usec * 1000 };
        match libc::pthread_cond_timedwait(c, m, &ts) {
            0 => 0,
            libc::ETIMEDOUT => 1,
            _ => -1,
        }
    }
}

unsafe extern "C" fn thread_id() -> c_ulong {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as c_ulong }
}

pub fn use_pthreads() -> c_int {
    let locks = LockCallbacks {
        lock_api_version: EVTHREAD_LOCK_API_VERSION,
        supported_locktypes: EVTHREAD_LOCKTYPE_RECURSIVE,
        alloc: Some(lock_alloc),
        free: Some(lock_free),
        lock: Some(lock_lock),
        unlock: Some(lock_unlock),
    };
    let conds = CondCallbacks {
        condition_api_version: EVTHREAD_CONDITION_API_VERSION,
        alloc_condition: Some(cond_alloc),
        free_condition: Some(cond_free),
        signal_condition: Some(cond_signal),
        wait_condition: Some(cond_wait),
    };
    if set_lock_callbacks(Some(&locks)) < 0 {
        return -1;
    }
    if set_condition_callbacks(Some(&conds)) < 0 {
        return -1;
    }
    set_id_callback(Some(thread_id));
    0
}
