//! `event_set_mem_functions`: memory the program may free (or that it handed us to free)
//! goes through the program's allocator when it set one, else through libc.
//!
//! # Pointer contract
//! A pointer given to [`realloc`] or [`free`] (or [`free_object`]) is NULL or came from this
//! module (hence from the allocator in force, as libevent requires programs to set theirs
//! before anything is allocated) and is not used after it is freed.

use libc::{c_char, c_void, size_t};
use std::sync::atomic::{AtomicUsize, Ordering};

pub type MallocFn = unsafe extern "C" fn(size_t) -> *mut c_void;
pub type ReallocFn = unsafe extern "C" fn(*mut c_void, size_t) -> *mut c_void;
pub type FreeFn = unsafe extern "C" fn(*mut c_void);

static MALLOC: AtomicUsize = AtomicUsize::new(0);
static REALLOC: AtomicUsize = AtomicUsize::new(0);
static FREE: AtomicUsize = AtomicUsize::new(0);

pub fn set(m: Option<MallocFn>, r: Option<ReallocFn>, f: Option<FreeFn>) {
    MALLOC.store(m.map_or(0, |x| x as usize), Ordering::Release);
    REALLOC.store(r.map_or(0, |x| x as usize), Ordering::Release);
    FREE.store(f.map_or(0, |x| x as usize), Ordering::Release);
}

/// malloc through the program's allocator. Size 0 gives NULL, as libevent's mm_malloc.
pub fn malloc(size: usize) -> *mut c_void {
    if size == 0 {
        return std::ptr::null_mut();
    }
    let m = MALLOC.load(Ordering::Acquire);
    if m != 0 {
        // SAFETY: stored from a valid MallocFn.
        unsafe { std::mem::transmute::<usize, MallocFn>(m)(size) }
    } else {
        // SAFETY: malloc has no precondition; the caller owns what it returns.
        unsafe { libc::malloc(size) }
    }
}

pub fn calloc(n: usize, size: usize) -> *mut c_void {
    let Some(total) = n.checked_mul(size) else {
        return std::ptr::null_mut();
    };
    let p = malloc(total);
    if !p.is_null() {
        // SAFETY: p points to at least `total` writable bytes.
        unsafe { std::ptr::write_bytes(p as *mut u8, 0, total) };
    }
    p
}

/// realloc through the program's allocator.
///
/// # Safety
/// Module contract.
pub unsafe fn realloc(p: *mut c_void, size: usize) -> *mut c_void {
    let r = REALLOC.load(Ordering::Acquire);
    if r != 0 {
        // SAFETY: r was stored from a valid ReallocFn; p came from the same allocator (contract).
        unsafe { std::mem::transmute::<usize, ReallocFn>(r)(p, size) }
    } else {
        // SAFETY: p is NULL or came from libc's allocator (contract).
        unsafe { libc::realloc(p, size) }
    }
}

/// free through the program's allocator; NULL is ignored.
///
/// # Safety
/// Module contract.
pub unsafe fn free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    let f = FREE.load(Ordering::Acquire);
    if f != 0 {
        // SAFETY: f was stored from a valid FreeFn; p came from the same allocator (contract).
        unsafe { std::mem::transmute::<usize, FreeFn>(f)(p) }
    } else {
        // SAFETY: p came from libc's allocator and is given up (contract).
        unsafe { libc::free(p) }
    }
}

/// A NUL-terminated copy of `bytes` in the program's allocator.
pub fn strdup_bytes(bytes: &[u8]) -> *mut c_char {
    let p = malloc(bytes.len() + 1) as *mut u8;
    if !p.is_null() {
        // SAFETY: p has len+1 bytes; bytes is a valid slice that does not overlap p.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
            *p.add(bytes.len()) = 0;
        }
    }
    p as *mut c_char
}

/// Move `value` into memory from the program's allocator (libevent allocates its opaque
/// objects with mm_malloc, and programs that count allocations see them). None when the
/// allocator fails.
pub fn new_object<T>(value: T) -> Option<*mut T> {
    debug_assert!(std::mem::align_of::<T>() <= 16);
    let p = malloc(std::mem::size_of::<T>().max(1)) as *mut T;
    if p.is_null() {
        return None;
    }
    // SAFETY: p is fresh, suitably aligned (malloc gives 16) and large enough for T.
    unsafe { std::ptr::write(p, value) };
    Some(p)
}

/// Drop and release an object made by `new_object` (NULL is ignored).
///
/// # Safety
/// `p` is NULL or came from `new_object::<T>`, and is not used afterwards.
pub unsafe fn free_object<T>(p: *mut T) {
    if p.is_null() {
        return;
    }
    // SAFETY: p holds a live T written by new_object (contract); dropped once, then freed by
    // the allocator that made it.
    unsafe {
        std::ptr::drop_in_place(p);
        free(p as *mut c_void);
    }
}
