//! The evbuffer operations bufferevents use, through evbuffer's public C interface
//! (event2/buffer.h). Bufferevents only ever hold `struct evbuffer *` values, exactly as a C
//! program would, so this module depends on nothing but that interface; the symbols resolve
//! at link time to the evbuffer implementation in this library. The interface's struct and
//! flag values are the buffer module's own definitions (one Rust definition per C item, which
//! ctest/ checks against buffer.h).

use libc::{c_int, c_void, size_t, ssize_t};

/// `struct evbuffer` (opaque).
#[repr(C)]
pub struct Evbuffer {
    _opaque: [u8; 0],
}

/// `struct evbuffer_cb_entry` (opaque).
#[repr(C)]
pub struct CbEntry {
    _opaque: [u8; 0],
}

/// `struct evbuffer_cb_info`: what changed since the callback last ran.
pub use crate::buffer::callbacks::CbInfo;

pub type CbFunc = unsafe extern "C" fn(*mut Evbuffer, *const CbInfo, *mut c_void);

/// evbuffer_set_flags: the buffer is written to an fd (so file segments may be sent as is).
pub use crate::buffer::buffer::EVBUFFER_FLAG_DRAINS_TO_FD;
/// Callback entry flags: enabled, and (libevent-internal) run immediately even when the
/// buffer's callbacks are deferred.
pub use crate::buffer::callbacks::{EVBUFFER_CB_ENABLED, EVBUFFER_CB_NODEFER};

extern "C" {
    pub fn evbuffer_new() -> *mut Evbuffer;
    pub fn evbuffer_free(buf: *mut Evbuffer);
    pub fn evbuffer_enable_locking(buf: *mut Evbuffer, lock: *mut c_void) -> c_int;
    pub fn evbuffer_set_flags(buf: *mut Evbuffer, flags: u64) -> c_int;
    pub fn evbuffer_get_length(buf: *const Evbuffer) -> size_t;
    pub fn evbuffer_add(buf: *mut Evbuffer, data: *const c_void, len: size_t) -> c_int;
    pub fn evbuffer_add_buffer(out: *mut Evbuffer, inb: *mut Evbuffer) -> c_int;
    pub fn evbuffer_remove(buf: *mut Evbuffer, data: *mut c_void, len: size_t) -> c_int;
    pub fn evbuffer_remove_buffer(src: *mut Evbuffer, dst: *mut Evbuffer, len: size_t) -> c_int;
    pub fn evbuffer_read(buf: *mut Evbuffer, fd: c_int, howmuch: c_int) -> c_int;
    pub fn evbuffer_write_atmost(buf: *mut Evbuffer, fd: c_int, howmuch: ssize_t) -> c_int;
    pub fn evbuffer_add_cb(buf: *mut Evbuffer, cb: Option<CbFunc>, arg: *mut c_void) -> *mut CbEntry;
    pub fn evbuffer_remove_cb_entry(buf: *mut Evbuffer, ent: *mut CbEntry) -> c_int;
    pub fn evbuffer_cb_set_flags(buf: *mut Evbuffer, ent: *mut CbEntry, flags: u32) -> c_int;
    pub fn evbuffer_cb_clear_flags(buf: *mut Evbuffer, ent: *mut CbEntry, flags: u32) -> c_int;
    pub fn evbuffer_freeze(buf: *mut Evbuffer, at_front: c_int) -> c_int;
    pub fn evbuffer_unfreeze(buf: *mut Evbuffer, at_front: c_int) -> c_int;
}

/// The buffer's length (0 for NULL, which a half-built bufferevent may hold).
///
/// SAFETY: buf is NULL or a live evbuffer.
#[inline]
pub unsafe fn len(buf: *mut Evbuffer) -> usize {
    if buf.is_null() {
        return 0;
    }
    // SAFETY: per the function contract.
    unsafe { evbuffer_get_length(buf) }
}

/// Which end a freeze applies to.
pub const FRONT: c_int = 1;
pub const END: c_int = 0;
