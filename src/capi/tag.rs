//! event2/tag.h: evtag records in evbuffers. The encodings are src/tag; this layer reads and
//! writes the bytes. Malformed input answers -1; what is drained before the failure is
//! libevent's choice (a record's header goes as soon as it decodes), kept for compatibility.

use crate::buffer::Evbuffer;
use crate::capi::buffer::{
    evbuffer_add, evbuffer_add_buffer, evbuffer_copyout, evbuffer_drain, evbuffer_get_length, evbuffer_remove,
};
use crate::core::mem;
use crate::tag;
use libc::{c_char, c_int, c_void, timeval};

/// Bytes needed to see any tag plus any integer.
const HEADER_MAX: usize = 5 + 9;

/// A copy of up to `n` bytes from the front of `buf`, starting `skip` bytes in.
///
/// SAFETY: buf is a live evbuffer.
unsafe fn front(buf: *mut Evbuffer, skip: usize, n: usize) -> Vec<u8> {
    // SAFETY: per the function contract; the copy goes into a vector of that size.
    unsafe {
        let len = evbuffer_get_length(buf);
        let want = len.min(skip + n);
        let mut v = vec![0u8; want];
        let got = evbuffer_copyout(buf, v.as_mut_ptr() as *mut c_void, want);
        v.truncate(got.max(0) as usize);
        v.drain(..skip.min(v.len()));
        v
    }
}

/// SAFETY: buf is a live evbuffer.
unsafe fn put_tag(buf: *mut Evbuffer, t: u32) {
    let mut b = [0u8; 5];
    let n = tag::encode_tag(t, &mut b);
    // SAFETY: live buffer; b holds n bytes.
    unsafe { evbuffer_add(buf, b.as_ptr() as *const c_void, n) };
}

/// SAFETY: buf is a live evbuffer.
unsafe fn put_int(buf: *mut Evbuffer, v: u64) {
    let mut b = [0u8; 9];
    let n = tag::encode_int(v, &mut b);
    // SAFETY: live buffer; b holds n bytes.
    unsafe { evbuffer_add(buf, b.as_ptr() as *const c_void, n) };
}

/// Tag and payload length at the front: (tag, payload length, header bytes).
///
/// SAFETY: buf is a live evbuffer.
unsafe fn header(buf: *mut Evbuffer) -> Option<(u32, usize, usize)> {
    // SAFETY: per the function contract.
    let data = unsafe { front(buf, 0, HEADER_MAX) };
    let (t, tl) = tag::decode_tag(&data)?;
    let (len, il) = tag::decode_int(&data[tl..], 8)?;
    Some((t, len as usize, tl + il))
}

/// Read a record's header as libevent does: the tag is drained as soon as it decodes, the
/// length as soon as it decodes; then the whole payload must be present. (So a record cut
/// short loses its header, exactly as with libevent.) Returns (tag, payload length).
///
/// SAFETY: buf is a live evbuffer.
unsafe fn take_header(buf: *mut Evbuffer) -> Option<(u32, usize)> {
    // SAFETY: per the function contract.
    unsafe {
        let (t, tl) = tag::decode_tag(&front(buf, 0, 5))?;
        evbuffer_drain(buf, tl);
        let (len, il) = tag::decode_int(&front(buf, 0, 9), 8)?;
        evbuffer_drain(buf, il);
        if evbuffer_get_length(buf) < len as usize {
            return None;
        }
        Some((t, len as usize))
    }
}

#[no_mangle]
pub extern "C" fn evtag_init() {}

#[no_mangle]
pub unsafe extern "C" fn evtag_encode_int(buf: *mut Evbuffer, number: u32) {
    if !buf.is_null() {
        // SAFETY: a live buffer.
        unsafe { put_int(buf, number as u64) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_encode_int64(buf: *mut Evbuffer, number: u64) {
    if !buf.is_null() {
        // SAFETY: a live buffer.
        unsafe { put_int(buf, number) }
    }
}

/// Internal in libevent (its regression tests call it).
#[no_mangle]
pub unsafe extern "C" fn evtag_encode_tag(buf: *mut Evbuffer, t: u32) -> c_int {
    if buf.is_null() {
        return 0;
    }
    let mut b = [0u8; 5];
    let n = tag::encode_tag(t, &mut b);
    // SAFETY: a live buffer.
    unsafe { evbuffer_add(buf, b.as_ptr() as *const c_void, n) };
    n as c_int
}

/// Internal in libevent: decode and drain an integer; 0 or -1.
#[no_mangle]
pub unsafe extern "C" fn evtag_decode_int(pnumber: *mut u32, buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pnumber NULL or writable.
    unsafe {
        let Some((n, used)) = tag::decode_int(&front(buf, 0, 9), 8) else { return -1 };
        evbuffer_drain(buf, used);
        if !pnumber.is_null() {
            *pnumber = n as u32;
        }
        0
    }
}

/// Internal in libevent: the 64-bit form.
#[no_mangle]
pub unsafe extern "C" fn evtag_decode_int64(pnumber: *mut u64, buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pnumber NULL or writable.
    unsafe {
        let Some((n, used)) = tag::decode_int(&front(buf, 0, 9), 16) else { return -1 };
        evbuffer_drain(buf, used);
        if !pnumber.is_null() {
            *pnumber = n;
        }
        0
    }
}

/// Internal in libevent: decode and drain a tag; the bytes it took, or -1.
#[no_mangle]
pub unsafe extern "C" fn evtag_decode_tag(ptag: *mut u32, buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptag NULL or writable.
    unsafe {
        let Some((t, used)) = tag::decode_tag(&front(buf, 0, 5)) else { return -1 };
        evbuffer_drain(buf, used);
        if !ptag.is_null() {
            *ptag = t;
        }
        used as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal(buf: *mut Evbuffer, t: u32, data: *const c_void, len: u32) {
    if buf.is_null() || (data.is_null() && len != 0) {
        return;
    }
    // SAFETY: a live buffer; data holds len bytes.
    unsafe {
        put_tag(buf, t);
        put_int(buf, len as u64);
        evbuffer_add(buf, data, len as usize);
    }
}

/// Moves (drains) `data` into the record, as libevent does.
#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_buffer(buf: *mut Evbuffer, t: u32, data: *mut Evbuffer) {
    if buf.is_null() || data.is_null() {
        return;
    }
    // SAFETY: live buffers.
    unsafe {
        put_tag(buf, t);
        put_int(buf, evbuffer_get_length(data) as u64);
        evbuffer_add_buffer(buf, data);
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_int(buf: *mut Evbuffer, t: u32, integer: u32) {
    if buf.is_null() {
        return;
    }
    let mut b = [0u8; 9];
    let n = tag::encode_int(integer as u64, &mut b);
    // SAFETY: a live buffer; b holds n bytes.
    unsafe { evtag_marshal(buf, t, b.as_ptr() as *const c_void, n as u32) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_int64(buf: *mut Evbuffer, t: u32, integer: u64) {
    if buf.is_null() {
        return;
    }
    let mut b = [0u8; 9];
    let n = tag::encode_int(integer, &mut b);
    // SAFETY: a live buffer; b holds n bytes.
    unsafe { evtag_marshal(buf, t, b.as_ptr() as *const c_void, n as u32) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_string(buf: *mut Evbuffer, t: u32, string: *const c_char) {
    if buf.is_null() || string.is_null() {
        return;
    }
    // SAFETY: string is a C string.
    unsafe { evtag_marshal(buf, t, string as *const c_void, libc::strlen(string) as u32) }
}

/// The payload is the seconds then the microseconds, each an evtag integer.
#[no_mangle]
pub unsafe extern "C" fn evtag_marshal_timeval(buf: *mut Evbuffer, t: u32, tv: *mut timeval) {
    if buf.is_null() || tv.is_null() {
        return;
    }
    let mut payload = Vec::with_capacity(18);
    let mut b = [0u8; 9];
    // SAFETY: tv is readable.
    let (sec, usec) = unsafe { ((*tv).tv_sec as u32, (*tv).tv_usec as u32) };
    for v in [sec, usec] {
        let n = tag::encode_int(v as u64, &mut b);
        payload.extend_from_slice(&b[..n]);
    }
    // SAFETY: a live buffer; payload holds its length.
    unsafe { evtag_marshal(buf, t, payload.as_ptr() as *const c_void, payload.len() as u32) }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_header(buf: *mut Evbuffer, ptag: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptag NULL or writable.
    unsafe {
        let Some((t, len)) = take_header(buf) else { return -1 };
        if !ptag.is_null() {
            *ptag = t;
        }
        len as c_int
    }
}

/// Moves the payload into `dst`; returns its length or -1.
#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal(src: *mut Evbuffer, ptag: *mut u32, dst: *mut Evbuffer) -> c_int {
    if src.is_null() || dst.is_null() {
        return -1;
    }
    // SAFETY: live buffers; ptag NULL or writable.
    unsafe {
        let Some((t, len)) = take_header(src) else { return -1 };
        if !ptag.is_null() {
            *ptag = t;
        }
        let payload = front(src, 0, len);
        if evbuffer_add(dst, payload.as_ptr() as *const c_void, len) == -1 {
            return -1;
        }
        evbuffer_drain(src, len);
        len as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_peek(buf: *mut Evbuffer, ptag: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptag NULL or writable.
    unsafe {
        let Some((t, used)) = tag::decode_tag(&front(buf, 0, 5)) else { return -1 };
        if !ptag.is_null() {
            *ptag = t;
        }
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
        let Some((_, len, hl)) = header(buf) else { return -1 };
        if !plength.is_null() {
            *plength = (len + hl) as u32;
        }
        0
    }
}

/// The payload's length, without draining.
#[no_mangle]
pub unsafe extern "C" fn evtag_payload_length(buf: *mut Evbuffer, plength: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; plength NULL or writable.
    unsafe {
        let Some((_, len, _)) = header(buf) else { return -1 };
        if !plength.is_null() {
            *plength = len as u32;
        }
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_consume(buf: *mut Evbuffer) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer.
    unsafe {
        let Some((_, len)) = take_header(buf) else { return -1 };
        evbuffer_drain(buf, len);
        0
    }
}

/// A record of tag `need_tag` holding one integer of at most `max_nibbles` nibbles: the value
/// and the bytes the integer took (which is what libevent returns).
///
/// SAFETY: buf is a live evbuffer.
unsafe fn unmarshal_integer(buf: *mut Evbuffer, need_tag: u32, max_nibbles: usize) -> Option<(u64, usize)> {
    // SAFETY: per the function contract.
    unsafe {
        let (t, len) = take_header(buf)?;
        if t != need_tag {
            return None;
        }
        let (n, used) = tag::decode_int(&front(buf, 0, len), max_nibbles)?;
        if used > len {
            return None;
        }
        evbuffer_drain(buf, len);
        Some((n, used))
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_int(buf: *mut Evbuffer, need_tag: u32, pinteger: *mut u32) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pinteger NULL or writable.
    unsafe {
        let Some((n, used)) = unmarshal_integer(buf, need_tag, 8) else { return -1 };
        if !pinteger.is_null() {
            *pinteger = n as u32;
        }
        used as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_int64(buf: *mut Evbuffer, need_tag: u32, pinteger: *mut u64) -> c_int {
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; pinteger NULL or writable.
    unsafe {
        let Some((n, used)) = unmarshal_integer(buf, need_tag, 16) else { return -1 };
        if !pinteger.is_null() {
            *pinteger = n;
        }
        used as c_int
    }
}

/// The payload must be exactly `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_fixed(src: *mut Evbuffer, need_tag: u32, data: *mut c_void, len: usize) -> c_int {
    if src.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; data has room for len bytes.
    unsafe {
        let Some((t, tlen)) = take_header(src) else { return -1 };
        if t != need_tag || tlen != len {
            return -1;
        }
        if evbuffer_remove(src, data, len) as isize != len as isize {
            return -1;
        }
        0
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
        let Some((t, len)) = take_header(buf) else { return -1 };
        if t != need_tag {
            return -1;
        }
        let s = mem::malloc(len + 1) as *mut c_char;
        if s.is_null() {
            return -1;
        }
        evbuffer_remove(buf, s as *mut c_void, len);
        *s.add(len) = 0;
        *pstring = s;
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evtag_unmarshal_timeval(buf: *mut Evbuffer, need_tag: u32, ptv: *mut timeval) -> c_int {
    if buf.is_null() || ptv.is_null() {
        return -1;
    }
    // SAFETY: a live buffer; ptv writable.
    unsafe {
        let Some((t, _len)) = take_header(buf) else { return -1 };
        if t != need_tag {
            return -1;
        }
        let mut sec = 0u32;
        let mut usec = 0u32;
        if evtag_decode_int(&mut sec, buf) == -1 || evtag_decode_int(&mut usec, buf) == -1 {
            return -1;
        }
        (*ptv).tv_sec = sec as libc::time_t;
        (*ptv).tv_usec = usec as libc::suseconds_t;
        0
    }
}
