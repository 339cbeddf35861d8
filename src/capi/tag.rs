//! event2/tag.h: the C entry points. Each checks its pointers (a NULL buffer gets -1 or
//! nothing) and calls `crate::tag::evbuffer`, where the records are read and written.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::buffer::Evbuffer;
use crate::tag::evbuffer::{self as rec, INT32_NIBBLES, INT64_NIBBLES};
use libc::{c_char, c_int, c_void, timeval};

/// Store `v` through the program's out-pointer when it gave one.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn put_out<T>(out: *mut T, v: T) {
    // SAFETY: NULL or writable (contract).
    if let Some(o) = unsafe { out.as_mut() } {
        *o = v;
    }
}

#[no_mangle]
pub extern "C" fn evtag_init() {}

#[no_mangle]
pub unsafe extern "C" fn evtag_encode_int(buf: *mut Evbuffer, number: u32) {
    if !buf.is_null() {
        // SAFETY: a non-NULL buffer is a live one (the program's contract).
        unsafe { rec::put_int(buf, number as u64) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_encode_int64(buf: *mut Evbuffer, number: u64) {
    if !buf.is_null() {
        // SAFETY: a live buffer.
        unsafe { rec::put_int(buf, number) }
    }
}

/// Internal in libevent (its regression tests call it).
#[no_mangle]
pub unsafe extern "C" fn evtag_encode_tag(buf: *mut Evbuffer, t: u32) -> c_int {
    if buf.is_null() {
        return 0;
    }
    // SAFETY: a live buffer.
    unsafe { rec::put_tag(buf, t) as c_int }
}

/// Internal in libevent: decode and drain an integer; 0 or -1.
#[no_mangle]
pub unsafe extern "C" fn evtag_decode_int(pnumber: *mut u32, buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pnumber NULL or writable.
    unsafe {
        let Some(n) = rec::take_int(buf, INT32_NIBBLES) else { return -1 };
        put_out(pnumber, n as u32);
    }
    0
}

/// Internal in libevent: the 64-bit form.
#[no_mangle]
pub unsafe extern "C" fn evtag_decode_int64(pnumber: *mut u64, buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pnumber NULL or writable.
    unsafe {
        let Some(n) = rec::take_int(buf, INT64_NIBBLES) else { return -1 };
        put_out(pnumber, n);
    }
    0
}

/// Internal in libevent: decode and drain a tag; the bytes it took, or -1.
#[no_mangle]
pub unsafe extern "C" fn evtag_decode_tag(ptag: *mut u32, buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptag NULL or writable.
    unsafe {
        let Some((t, used)) = rec::take_tag(buf) else { return -1 };
        put_out(ptag, t);
        used as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal(buf: *mut Evbuffer, t: u32, data: *const c_void, len: u32) {
    if buf.is_null() || (data.is_null() && len != 0) {
        return;
    }
    // SAFETY: a live buffer; data holds len bytes (none needed when len is 0).
    unsafe {
        let payload = if len == 0 { &[][..] } else { std::slice::from_raw_parts(data as *const u8, len as usize) };
        rec::marshal(buf, t, payload)
    }
}

/// Moves (drains) `data` into the record, as libevent does.
#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_buffer(buf: *mut Evbuffer, t: u32, data: *mut Evbuffer) {
    if buf.is_null() || data.is_null() {
        return;
    }
    // SAFETY: live buffers.
    unsafe { rec::marshal_buffer(buf, t, data) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_int(buf: *mut Evbuffer, t: u32, integer: u32) {
    if buf.is_null() {
        return;
    }
    // SAFETY: a live buffer.
    unsafe { rec::marshal_int(buf, t, integer as u64) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_int64(buf: *mut Evbuffer, t: u32, integer: u64) {
    if buf.is_null() {
        return;
    }
    // SAFETY: a live buffer.
    unsafe { rec::marshal_int(buf, t, integer) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_string(buf: *mut Evbuffer, t: u32, string: *const c_char) {
    if buf.is_null() || string.is_null() {
        return;
    }
    // SAFETY: string is a C string; the record's length is a u32, as in libevent.
    unsafe {
        let len = libc::strlen(string) as u32 as usize;
        rec::marshal(buf, t, std::slice::from_raw_parts(string as *const u8, len))
    }
}

/// The payload is the seconds then the microseconds, each an evtag integer.
#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_timeval(buf: *mut Evbuffer, t: u32, tv: *mut timeval) {
    if buf.is_null() || tv.is_null() {
        return;
    }
    // SAFETY: a live buffer; tv readable.
    unsafe { rec::marshal_timeval(buf, t, &*tv) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_header(buf: *mut Evbuffer, ptag: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptag NULL or writable.
    unsafe {
        let (t, len) = rec::unmarshal_header(buf);
        if let Some(t) = t {
            put_out(ptag, t);
        }
        len.map_or(-1, |l| l as c_int)
    }
}

/// Moves the payload into `dst`; returns its length or -1.
#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal(src: *mut Evbuffer, ptag: *mut u32, dst: *mut Evbuffer) -> c_int {
    if src.is_null() || dst.is_null() {
        return -1;
    }
    // SAFETY: live buffers; ptag NULL or writable.
    unsafe { rec::unmarshal(src, ptag.as_mut(), dst) }.map_or(-1, |len| len as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn evtag_peek(buf: *mut Evbuffer, ptag: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptag NULL or writable.
    unsafe {
        let Some((t, used)) = rec::peek_tag(buf) else { return -1 };
        put_out(ptag, t);
        used as c_int
    }
}

/// The whole record's length (header included), without draining.
#[no_mangle]
pub unsafe extern "C" fn evtag_peek_length(buf: *mut Evbuffer, plength: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; plength NULL or writable.
    unsafe {
        let Some(len) = rec::peek_length(buf) else { return -1 };
        put_out(plength, len as u32);
    }
    0
}

/// The payload's length, without draining.
#[no_mangle]
pub unsafe extern "C" fn evtag_payload_length(buf: *mut Evbuffer, plength: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; plength NULL or writable.
    unsafe {
        let Some(len) = rec::payload_length(buf) else { return -1 };
        put_out(plength, len as u32);
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn evtag_consume(buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer.
    unsafe { rec::consume(buf) }.map_or(-1, |()| 0)
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_int(buf: *mut Evbuffer, need_tag: u32, pinteger: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pinteger NULL or writable.
    unsafe {
        let r = rec::unmarshal_int(buf, need_tag, INT32_NIBBLES);
        if let Some(n) = r.value {
            put_out(pinteger, n as u32);
        }
        r.used.map_or(-1, |u| u as c_int)
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_int64(buf: *mut Evbuffer, need_tag: u32, pinteger: *mut u64) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pinteger NULL or writable.
    unsafe {
        let r = rec::unmarshal_int(buf, need_tag, INT64_NIBBLES);
        if let Some(n) = r.value {
            put_out(pinteger, n);
        }
        r.used.map_or(-1, |u| u as c_int)
    }
}

/// The payload must be exactly `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_fixed(src: *mut Evbuffer, need_tag: u32, data: *mut c_void, len: usize) -> c_int {
    if src.is_null() {
        return -1;
    }
    let out = match (data.is_null(), len) {
        (_, 0) => Some(&mut [][..]),
        (true, _) => None,
        // SAFETY: data has room for len bytes (the program's contract).
        (false, _) => Some(unsafe { std::slice::from_raw_parts_mut(data as *mut u8, len) }),
    };
    // SAFETY: a live buffer.
    if unsafe { rec::unmarshal_fixed(src, need_tag, out, len) } {
        0
    } else {
        -1
    }
}

/// The string comes from the allocator set by event_set_mem_functions; the caller frees it.
#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_string(buf: *mut Evbuffer, need_tag: u32, pstring: *mut *mut c_char) -> c_int {
    if buf.is_null() || pstring.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pstring writable.
    unsafe {
        let Some(s) = rec::unmarshal_string(buf, need_tag) else { return -1 };
        *pstring = s;
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_timeval(buf: *mut Evbuffer, need_tag: u32, ptv: *mut timeval) -> c_int {
    if buf.is_null() || ptv.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptv writable.
    if unsafe { rec::unmarshal_timeval(buf, need_tag, &mut *ptv) } {
        0
    } else {
        -1
    }
}
