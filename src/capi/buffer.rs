//! event2/buffer.h and event2/buffer_compat.h: the C entry points. Each checks its pointers
//! (a NULL buffer gets a failure answer instead of libevent's crash), turns C arguments into
//! slices and calls src/buffer/api.rs. evbuffer_add_printf / evbuffer_add_vprintf are C
//! (src/c/buffer_printf.c) and use the two `levent_evbuffer_printf_*` helpers below.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::buffer::api;
use crate::buffer::buffer::BufferFlags;
use crate::buffer::callbacks::{CbEntry, CbFlags, CbFunc, ObsoleteCbFunc};
use crate::buffer::chain::RefCleanupFn;
use crate::buffer::file_segment::{FileSegHandle, SegCleanupFn};
use crate::buffer::search::EvbufferPtr;
use crate::buffer::Evbuffer;
use crate::core::base::EventBase;
use libc::{c_char, c_int, c_uint, c_void, iovec, size_t, ssize_t};
use std::ptr;

/// C's `enum evbuffer_eol_style`: an int-sized enum, passed as its value.
pub type EolStyle = c_int;
/// C's `enum evbuffer_ptr_how`.
pub type PtrHow = c_int;

/// A slice over the program's memory (empty for NULL or 0 bytes).
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes.
unsafe fn bytes<'a>(p: *const c_void, len: usize) -> &'a [u8] {
    if p.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: p is non-NULL and holds len readable bytes (contract).
    unsafe { std::slice::from_raw_parts(p as *const u8, len) }
}

/// A mutable slice over the program's memory (empty for NULL or 0 bytes).
///
/// # Safety
/// `p` is NULL or points to `len` writable bytes.
unsafe fn bytes_mut<'a>(p: *mut c_void, len: usize) -> &'a mut [u8] {
    if p.is_null() || len == 0 {
        return &mut [];
    }
    // SAFETY: p is non-NULL and holds len writable bytes (contract).
    unsafe { std::slice::from_raw_parts_mut(p as *mut u8, len) }
}

/// The program's iovec array (empty for NULL or n <= 0).
///
/// # Safety
/// `v` is NULL or points to `n` iovecs.
unsafe fn vecs_mut<'a>(v: *mut iovec, n: c_int) -> &'a mut [iovec] {
    if v.is_null() || n <= 0 {
        return &mut [];
    }
    // SAFETY: v is non-NULL and holds n > 0 iovecs (contract).
    unsafe { std::slice::from_raw_parts_mut(v, n as usize) }
}

// ---- life cycle, locking, flags ----

#[no_mangle]
pub extern "C" fn evbuffer_new() -> *mut Evbuffer {
    api::new()
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_free(buf: *mut Evbuffer) {
    if !buf.is_null() {
        // SAFETY: a buffer from evbuffer_new, given up by the program.
        unsafe { api::free(buf) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_enable_locking(buf: *mut Evbuffer, lock: *mut c_void) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::enable_locking(buf, lock) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_lock(buf: *mut Evbuffer) {
    if !buf.is_null() {
        // SAFETY: live buffer.
        unsafe { api::lock(buf) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_unlock(buf: *mut Evbuffer) {
    if !buf.is_null() {
        // SAFETY: live buffer, locked by the program.
        unsafe { api::unlock(buf) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_set_flags(buf: *mut Evbuffer, flags: u64) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::set_flags(buf, BufferFlags::from_bits_retain(flags)) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_clear_flags(buf: *mut Evbuffer, flags: u64) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::clear_flags(buf, BufferFlags::from_bits_retain(flags)) }
}

// ---- sizes ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_get_length(buf: *const Evbuffer) -> size_t {
    if buf.is_null() {
        return 0;
    }
    // SAFETY: live buffer (const in C; the lock is ours to take).
    unsafe { api::length(buf as *mut Evbuffer) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_get_contiguous_space(buf: *const Evbuffer) -> size_t {
    if buf.is_null() {
        return 0;
    }
    // SAFETY: as evbuffer_get_length.
    unsafe { api::contiguous_space(buf as *mut Evbuffer) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_expand(buf: *mut Evbuffer, datlen: size_t) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::expand(buf, datlen) }
}

// ---- in-place writing ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_reserve_space(buf: *mut Evbuffer, size: ssize_t, vec: *mut iovec, n_vec: c_int) -> c_int {
    if buf.is_null() || (vec.is_null() && n_vec > 0) {
        return -1;
    }
    // SAFETY: live buffer; vec holds n_vec iovecs.
    unsafe { api::reserve_space(buf, size, vecs_mut(vec, n_vec)) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_commit_space(buf: *mut Evbuffer, vec: *mut iovec, n_vecs: c_int) -> c_int {
    if buf.is_null() || n_vecs < 0 || (vec.is_null() && n_vecs > 0) {
        return -1;
    }
    // SAFETY: live buffer; vec holds n_vecs iovecs.
    unsafe { api::commit_space(buf, vecs_mut(vec, n_vecs)) }
}

// ---- adding, removing, copying ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add(buf: *mut Evbuffer, data: *const c_void, datlen: size_t) -> c_int {
    if buf.is_null() || (data.is_null() && datlen != 0) {
        return -1;
    }
    if datlen > isize::MAX as usize {
        // No memory region is that large; libevent fails here too (no chain that big).
        return -1;
    }
    // SAFETY: live buffer; data holds datlen bytes.
    unsafe { api::add(buf, bytes(data, datlen)) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_remove(buf: *mut Evbuffer, data: *mut c_void, datlen: size_t) -> c_int {
    if buf.is_null() || (data.is_null() && datlen != 0) {
        return -1;
    }
    // The copy is bounded by the buffer's length: never form a slice past what we will write.
    // SAFETY: live buffer; data has room for datlen bytes.
    unsafe {
        let n = datlen.min(api::length(buf));
        api::remove(buf, bytes_mut(data, n)) as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_copyout(buf: *mut Evbuffer, data: *mut c_void, datlen: size_t) -> ssize_t {
    if buf.is_null() || (data.is_null() && datlen != 0) {
        return -1;
    }
    // SAFETY: live buffer; data has room for datlen bytes.
    unsafe {
        let n = datlen.min(api::length(buf));
        api::copyout_from(buf, None, bytes_mut(data, n))
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_copyout_from(
    buf: *mut Evbuffer,
    pos: *const EvbufferPtr,
    data: *mut c_void,
    datlen: size_t,
) -> ssize_t {
    if buf.is_null() || (data.is_null() && datlen != 0) {
        return -1;
    }
    // SAFETY: live buffer; pos NULL or a position; data has room for datlen bytes.
    unsafe {
        let pos = pos.as_ref();
        if let Some(p) = pos {
            if p.pos >= 0 && datlen > (isize::MAX - p.pos) as usize {
                return -1;
            }
        }
        let n = datlen.min(api::length(buf));
        api::copyout_from(buf, pos, bytes_mut(data, n))
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_remove_buffer(src: *mut Evbuffer, dst: *mut Evbuffer, datlen: size_t) -> c_int {
    if src.is_null() || dst.is_null() {
        return -1;
    }
    // SAFETY: live buffers.
    unsafe { api::remove_buffer(src, dst, datlen) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_readln(buf: *mut Evbuffer, n_read_out: *mut size_t, style: EolStyle) -> *mut c_char {
    // SAFETY: live buffer (or NULL); n_read_out NULL or writable.
    unsafe {
        let r = if buf.is_null() { None } else { api::readln(buf, style) };
        if !n_read_out.is_null() {
            *n_read_out = r.map_or(0, |(_, n)| n);
        }
        r.map_or(ptr::null_mut(), |(l, _)| l)
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_buffer(outbuf: *mut Evbuffer, inbuf: *mut Evbuffer) -> c_int {
    if outbuf.is_null() || inbuf.is_null() {
        return -1;
    }
    // SAFETY: live buffers.
    unsafe { api::add_buffer(outbuf, inbuf) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_buffer_reference(outbuf: *mut Evbuffer, inbuf: *mut Evbuffer) -> c_int {
    if outbuf.is_null() || inbuf.is_null() {
        return -1;
    }
    // SAFETY: live buffers.
    unsafe { api::add_buffer_reference(outbuf, inbuf) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_reference(
    outbuf: *mut Evbuffer,
    data: *const c_void,
    datlen: size_t,
    cleanupfn: Option<RefCleanupFn>,
    cleanupfn_arg: *mut c_void,
) -> c_int {
    if outbuf.is_null() || (data.is_null() && datlen != 0) || datlen > isize::MAX as usize {
        return -1;
    }
    // SAFETY: live buffer; data stays valid until the cleanup runs (the program's promise).
    unsafe { api::add_reference(outbuf, data, datlen, cleanupfn, cleanupfn_arg) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_file(outbuf: *mut Evbuffer, fd: c_int, offset: i64, length: i64) -> c_int {
    if outbuf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::add_file(outbuf, fd, offset, length) }
}

// ---- file segments ----

#[no_mangle]
pub extern "C" fn evbuffer_file_segment_new(fd: c_int, offset: i64, length: i64, flags: c_uint) -> *mut FileSegHandle {
    api::file_segment_new(fd, offset, length, flags)
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_file_segment_free(seg: *mut FileSegHandle) {
    if !seg.is_null() {
        // SAFETY: a segment from evbuffer_file_segment_new; the program gives up its handle.
        unsafe { api::file_segment_free(seg) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_file_segment_add_cleanup_cb(
    seg: *mut FileSegHandle,
    cb: Option<SegCleanupFn>,
    arg: *mut c_void,
) {
    if !seg.is_null() {
        // SAFETY: a live segment.
        unsafe { api::file_segment_add_cleanup_cb(seg, cb, arg) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_file_segment(
    buf: *mut Evbuffer,
    seg: *mut FileSegHandle,
    offset: i64,
    length: i64,
) -> c_int {
    if buf.is_null() || seg.is_null() {
        return -1;
    }
    // SAFETY: live buffer and segment.
    unsafe { api::add_file_segment(buf, seg, offset, length) }
}

// ---- draining and socket I/O ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_drain(buf: *mut Evbuffer, len: size_t) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::drain(buf, len) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_write(buf: *mut Evbuffer, fd: c_int) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::write_atmost(buf, fd, -1) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_write_atmost(buf: *mut Evbuffer, fd: c_int, howmuch: ssize_t) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::write_atmost(buf, fd, howmuch) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_read(buf: *mut Evbuffer, fd: c_int, howmuch: c_int) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::read(buf, fd, howmuch) }
}

// ---- searching ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_search(
    buf: *mut Evbuffer,
    what: *const c_char,
    len: size_t,
    start: *const EvbufferPtr,
) -> EvbufferPtr {
    // SAFETY: as evbuffer_search_range.
    unsafe { evbuffer_search_range(buf, what, len, start, ptr::null()) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_search_range(
    buf: *mut Evbuffer,
    what: *const c_char,
    len: size_t,
    start: *const EvbufferPtr,
    end: *const EvbufferPtr,
) -> EvbufferPtr {
    if buf.is_null() || (what.is_null() && len != 0) || len > isize::MAX as usize {
        return EvbufferPtr::NOT_FOUND;
    }
    // SAFETY: live buffer; what holds len bytes; start/end NULL or positions.
    unsafe { api::search_range(buf, bytes(what as *const c_void, len), start.as_ref(), end.as_ref()) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_ptr_set(buf: *mut Evbuffer, p: *mut EvbufferPtr, position: size_t, how: PtrHow) -> c_int {
    if buf.is_null() || p.is_null() {
        return -1;
    }
    // SAFETY: live buffer; p points to a position the program owns.
    unsafe { api::ptr_set(buf, &mut *p, position, how) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_search_eol(
    buf: *mut Evbuffer,
    start: *mut EvbufferPtr,
    eol_len_out: *mut size_t,
    style: EolStyle,
) -> EvbufferPtr {
    // SAFETY: live buffer (or NULL); start NULL or a position; eol_len_out NULL or writable.
    unsafe {
        let (p, n) = if buf.is_null() { (EvbufferPtr::NOT_FOUND, 0) } else { api::search_eol(buf, start.as_ref(), style) };
        if !eol_len_out.is_null() {
            *eol_len_out = n;
        }
        p
    }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_peek(
    buf: *mut Evbuffer,
    len: ssize_t,
    start_at: *mut EvbufferPtr,
    vec_out: *mut iovec,
    n_vec: c_int,
) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer; vec_out holds n_vec iovecs; start_at NULL or a position.
    unsafe { api::peek(buf, len, start_at.as_ref(), vecs_mut(vec_out, n_vec)) }
}

// ---- callbacks ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_cb(buf: *mut Evbuffer, cb: Option<CbFunc>, cbarg: *mut c_void) -> *mut CbEntry {
    if buf.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: live buffer.
    unsafe { api::add_cb(buf, cb, cbarg) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_remove_cb_entry(buf: *mut Evbuffer, ent: *mut CbEntry) -> c_int {
    if buf.is_null() || ent.is_null() {
        return -1;
    }
    // SAFETY: live buffer; ent is only used if it is one of the buffer's entries.
    unsafe { api::remove_cb_entry(buf, ent) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_remove_cb(buf: *mut Evbuffer, cb: Option<CbFunc>, cbarg: *mut c_void) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::remove_cb(buf, cb, cbarg) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_cb_set_flags(buf: *mut Evbuffer, cb: *mut CbEntry, flags: u32) -> c_int {
    if buf.is_null() || cb.is_null() {
        return -1;
    }
    // SAFETY: live buffer; cb checked against its entries.
    unsafe { api::cb_set_flags(buf, cb, CbFlags::from_bits_retain(flags)) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_cb_clear_flags(buf: *mut Evbuffer, cb: *mut CbEntry, flags: u32) -> c_int {
    if buf.is_null() || cb.is_null() {
        return -1;
    }
    // SAFETY: as evbuffer_cb_set_flags.
    unsafe { api::cb_clear_flags(buf, cb, CbFlags::from_bits_retain(flags)) }
}

// ---- misc ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_pullup(buf: *mut Evbuffer, size: ssize_t) -> *mut u8 {
    if buf.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: live buffer.
    unsafe { api::pullup(buf, size) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_prepend(buf: *mut Evbuffer, data: *const c_void, size: size_t) -> c_int {
    if buf.is_null() || (data.is_null() && size != 0) || size > isize::MAX as usize {
        return -1;
    }
    // SAFETY: live buffer; data holds size bytes.
    unsafe { api::prepend(buf, bytes(data, size)) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_prepend_buffer(dst: *mut Evbuffer, src: *mut Evbuffer) -> c_int {
    if dst.is_null() || src.is_null() {
        return -1;
    }
    // SAFETY: live buffers.
    unsafe { api::prepend_buffer(dst, src) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_freeze(buf: *mut Evbuffer, at_front: c_int) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::freeze(buf, at_front != 0) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_unfreeze(buf: *mut Evbuffer, at_front: c_int) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::unfreeze(buf, at_front != 0) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_defer_callbacks(buf: *mut Evbuffer, base: *mut EventBase) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer; base NULL or live.
    unsafe { api::defer_callbacks(buf, base) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_add_iovec(buf: *mut Evbuffer, vec: *mut iovec, n_vec: c_int) -> size_t {
    if buf.is_null() {
        return 0;
    }
    // SAFETY: live buffer; vec holds n_vec iovecs of readable memory.
    unsafe { api::add_iovec(buf, vecs_mut(vec, n_vec)) }
}

// ---- buffer_compat.h ----

#[no_mangle]
pub unsafe extern "C" fn evbuffer_readline(buf: *mut Evbuffer) -> *mut c_char {
    // SAFETY: as evbuffer_readln.
    unsafe { evbuffer_readln(buf, ptr::null_mut(), crate::buffer::search::EVBUFFER_EOL_ANY) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_setcb(buf: *mut Evbuffer, cb: Option<ObsoleteCbFunc>, cbarg: *mut c_void) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::setcb(buf, cb, cbarg) }
}

#[no_mangle]
pub unsafe extern "C" fn evbuffer_find(buf: *mut Evbuffer, what: *const u8, len: size_t) -> *mut u8 {
    if buf.is_null() || (what.is_null() && len != 0) || len > isize::MAX as usize {
        return ptr::null_mut();
    }
    // SAFETY: live buffer; what holds len bytes.
    unsafe { api::find(buf, bytes(what as *const c_void, len)) }
}

// ---- for src/c/buffer_printf.c (not exported from the library) ----

/// Room for `want` bytes of formatted output: 0 and the space, or -1 (frozen end, no
/// memory). The caller holds the buffer's lock until levent_evbuffer_printf_commit.
#[no_mangle]
pub unsafe extern "C" fn levent_evbuffer_printf_space(
    buf: *mut Evbuffer,
    want: size_t,
    space: *mut *mut c_char,
    len: *mut size_t,
) -> c_int {
    if buf.is_null() || space.is_null() || len.is_null() {
        return -1;
    }
    // SAFETY: live buffer; out-pointers from our C code.
    unsafe {
        match api::printf_space(buf, want) {
            Some((p, n)) => {
                *space = p as *mut c_char;
                *len = n;
                0
            }
            None => -1,
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn levent_evbuffer_printf_commit(buf: *mut Evbuffer, n: size_t) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: live buffer.
    unsafe { api::printf_commit(buf, n) }
}
