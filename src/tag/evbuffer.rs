//! evtag records in evbuffers: the encodings of `super` read from and written to buffers
//! through `buffer::api`. Malformed input answers `None` (or false); what is drained before
//! the failure is libevent's choice (a record's tag and length go as soon as each decodes),
//! kept for compatibility.
//!
//! # Pointer contract
//! Every `buf`, `src`, `dst: *mut Evbuffer` here is a live buffer (`buffer::api`'s contract).

use super::{decode_int, decode_tag, encode_int, encode_tag};
use crate::buffer::{api, Evbuffer};
use crate::core::mem;
use libc::{c_char, c_int, timeval};

/// Nibbles of an evtag integer read as 32 bits (evtag_decode_int, evtag_unmarshal_int).
pub const INT32_NIBBLES: usize = 8;
/// Nibbles of an evtag integer read as 64 bits.
pub const INT64_NIBBLES: usize = 16;
/// Most bytes a tag takes.
const TAG_MAX: usize = 5;
/// Most bytes an integer takes.
const INT_MAX: usize = 9;

/// A copy of up to `n` bytes from the front of `buf`.
///
/// # Safety
/// Module contract.
unsafe fn front(buf: *mut Evbuffer, n: usize) -> Vec<u8> {
    // SAFETY: buf is live (contract); the copy goes into a vector of the size asked for.
    unsafe {
        let mut v = vec![0u8; api::length(buf).min(n)];
        let got = api::copyout_from(buf, None, &mut v);
        v.truncate(got.max(0) as usize);
        v
    }
}

/// Append `bytes` (an add that fails leaves the buffer as it was, as with libevent).
///
/// # Safety
/// Module contract.
unsafe fn put(buf: *mut Evbuffer, bytes: &[u8]) -> c_int {
    // SAFETY: buf is live (contract).
    unsafe { api::add(buf, bytes) }
}

/// Append an encoded tag; returns the bytes it takes (evtag_encode_tag).
///
/// # Safety
/// Module contract.
pub unsafe fn put_tag(buf: *mut Evbuffer, tag: u32) -> usize {
    let mut b = [0u8; TAG_MAX];
    let n = encode_tag(tag, &mut b);
    // SAFETY: buf is live (contract).
    unsafe { put(buf, &b[..n]) };
    n
}

/// Append an encoded integer (evtag_encode_int, evtag_encode_int64).
///
/// # Safety
/// Module contract.
pub unsafe fn put_int(buf: *mut Evbuffer, value: u64) {
    let mut b = [0u8; INT_MAX];
    let n = encode_int(value, &mut b);
    // SAFETY: buf is live (contract).
    unsafe { put(buf, &b[..n]) };
}

/// Decode and drain an integer of at most `max_nibbles` nibbles (evtag_decode_int[64]).
///
/// # Safety
/// Module contract.
pub unsafe fn take_int(buf: *mut Evbuffer, max_nibbles: usize) -> Option<u64> {
    // SAFETY: buf is live (contract).
    unsafe {
        let (n, used) = decode_int(&front(buf, INT_MAX), max_nibbles)?;
        api::drain(buf, used);
        Some(n)
    }
}

/// The tag at the front and the bytes it takes, without draining (evtag_peek).
///
/// # Safety
/// Module contract.
pub unsafe fn peek_tag(buf: *mut Evbuffer) -> Option<(u32, usize)> {
    // SAFETY: buf is live (contract).
    decode_tag(&unsafe { front(buf, TAG_MAX) })
}

/// Decode and drain a tag: the tag and the bytes it took (evtag_decode_tag).
///
/// # Safety
/// Module contract.
pub unsafe fn take_tag(buf: *mut Evbuffer) -> Option<(u32, usize)> {
    // SAFETY: buf is live (contract).
    unsafe {
        let (t, used) = peek_tag(buf)?;
        api::drain(buf, used);
        Some((t, used))
    }
}

/// Tag and payload length at the front, without draining: (tag, payload length, header
/// bytes).
///
/// # Safety
/// Module contract.
unsafe fn peek_header(buf: *mut Evbuffer) -> Option<(u32, usize, usize)> {
    // SAFETY: buf is live (contract).
    let data = unsafe { front(buf, TAG_MAX + INT_MAX) };
    let (t, tl) = decode_tag(&data)?;
    let (len, il) = decode_int(&data[tl..], INT32_NIBBLES)?;
    Some((t, len as usize, tl + il))
}

/// Read a record's header as libevent does: the tag is drained as soon as it decodes, the
/// length as soon as it decodes; then the whole payload must be present. (So a record cut
/// short loses its header, exactly as with libevent.) Returns (tag, payload length)
/// (evtag_unmarshal_header).
///
/// # Safety
/// Module contract.
pub unsafe fn take_header(buf: *mut Evbuffer) -> Option<(u32, usize)> {
    // SAFETY: buf is live (contract).
    let (t, len) = unsafe { take_header_parts(buf) };
    let (t, len) = (t?, len?);
    // SAFETY: as above.
    if unsafe { api::length(buf) } < len {
        return None;
    }
    Some((t, len))
}

/// evtag_unmarshal_header: the tag as soon as it decoded (the program sees it even when the
/// call fails), and the payload length when it is acceptable and the payload is all there.
///
/// # Safety
/// Module contract.
pub unsafe fn unmarshal_header(buf: *mut Evbuffer) -> (Option<u32>, Option<usize>) {
    // SAFETY: buf is live (contract).
    unsafe {
        let (t, len) = take_header_parts(buf);
        (t, len.filter(|&l| api::length(buf) >= l))
    }
}

/// The two halves of [`take_header`] as far as they got: the tag once it decoded (drained),
/// and the payload length once it decoded (drained) and is at most INT_MAX — a longer one is
/// refused, as Debian's fix for CVE-2026-63384 refuses it (libevent then reports failure
/// with the tag already written out).
///
/// # Safety
/// Module contract.
pub unsafe fn take_header_parts(buf: *mut Evbuffer) -> (Option<u32>, Option<usize>) {
    // SAFETY: buf is live (contract).
    unsafe {
        let Some((t, _)) = take_tag(buf) else { return (None, None) };
        let len = take_int(buf, INT32_NIBBLES).filter(|&l| l <= i32::MAX as u64);
        (Some(t), len.map(|l| l as usize))
    }
}

/// A whole record's length, header included, without draining (evtag_peek_length).
///
/// # Safety
/// Module contract.
pub unsafe fn peek_length(buf: *mut Evbuffer) -> Option<usize> {
    // SAFETY: buf is live (contract).
    unsafe { peek_header(buf) }.map(|(_, len, hl)| len + hl)
}

/// A record's payload length, without draining (evtag_payload_length).
///
/// # Safety
/// Module contract.
pub unsafe fn payload_length(buf: *mut Evbuffer) -> Option<usize> {
    // SAFETY: buf is live (contract).
    unsafe { peek_header(buf) }.map(|(_, len, _)| len)
}

/// Drop the record at the front (evtag_consume).
///
/// # Safety
/// Module contract.
pub unsafe fn consume(buf: *mut Evbuffer) -> Option<()> {
    // SAFETY: buf is live (contract).
    unsafe {
        let (_, len) = take_header(buf)?;
        api::drain(buf, len);
    }
    Some(())
}

// ---- writing records ----

/// A record: tag, length, payload (evtag_marshal).
///
/// # Safety
/// Module contract.
pub unsafe fn marshal(buf: *mut Evbuffer, tag: u32, payload: &[u8]) {
    // SAFETY: buf is live (contract).
    unsafe {
        put_tag(buf, tag);
        put_int(buf, payload.len() as u64);
        put(buf, payload);
    }
}

/// A record whose payload is all of `data`, moved (drained) into `buf` (evtag_marshal_buffer).
///
/// # Safety
/// Module contract for both buffers.
pub unsafe fn marshal_buffer(buf: *mut Evbuffer, tag: u32, data: *mut Evbuffer) {
    // SAFETY: both live (contract).
    unsafe {
        put_tag(buf, tag);
        put_int(buf, api::length(data) as u64);
        api::add_buffer(buf, data);
    }
}

/// A record holding one encoded integer (evtag_marshal_int, evtag_marshal_int64).
///
/// # Safety
/// Module contract.
pub unsafe fn marshal_int(buf: *mut Evbuffer, tag: u32, value: u64) {
    let mut b = [0u8; INT_MAX];
    let n = encode_int(value, &mut b);
    // SAFETY: buf is live (contract).
    unsafe { marshal(buf, tag, &b[..n]) }
}

/// A record holding the seconds then the microseconds, each an integer of their low 32 bits
/// (evtag_marshal_timeval).
///
/// # Safety
/// Module contract.
pub unsafe fn marshal_timeval(buf: *mut Evbuffer, tag: u32, tv: &timeval) {
    let mut payload = Vec::with_capacity(2 * INT_MAX);
    let mut b = [0u8; INT_MAX];
    for v in [tv.tv_sec as u32, tv.tv_usec as u32] {
        let n = encode_int(v as u64, &mut b);
        payload.extend_from_slice(&b[..n]);
    }
    // SAFETY: buf is live (contract).
    unsafe { marshal(buf, tag, &payload) }
}

// ---- reading records ----

/// Move the record's payload into `dst`: its length. The tag goes to `tag_out` as soon as
/// it decodes, even if the length then fails or the payload is not all there (as libevent,
/// which reads the header straight into the program's variable) (evtag_unmarshal).
///
/// # Safety
/// Module contract for both buffers.
pub unsafe fn unmarshal(src: *mut Evbuffer, tag_out: Option<&mut u32>, dst: *mut Evbuffer) -> Option<usize> {
    // SAFETY: both live (contract).
    unsafe {
        let (t, len) = unmarshal_header(src);
        if let (Some(t), Some(out)) = (t, tag_out) {
            *out = t;
        }
        let len = len?;
        // take_header checked that the whole payload is there.
        if api::add(dst, &front(src, len)) == -1 {
            return None;
        }
        api::drain(src, len);
        Some(len)
    }
}

/// What [`unmarshal_int`] found: the value (when the integer decoded, even if it then did
/// not fit its record — libevent writes it out before checking) and whether it succeeded,
/// with the bytes the integer took.
#[derive(Debug, PartialEq, Eq)]
pub struct IntRecord {
    pub value: Option<u64>,
    pub used: Option<usize>,
}

/// A record of tag `need_tag` holding one integer of at most `max_nibbles` nibbles
/// (evtag_unmarshal_int[64]), consumed as libevent consumes it: a wrong tag leaves the rest of
/// the record in the buffer; once the tag matches and the payload is there, the whole record
/// goes, whether or not the integer decodes inside it.
///
/// # Safety
/// Module contract.
pub unsafe fn unmarshal_int(buf: *mut Evbuffer, need_tag: u32, max_nibbles: usize) -> IntRecord {
    let fail = IntRecord { value: None, used: None };
    // SAFETY: buf is live (contract).
    unsafe {
        match peek_tag(buf) {
            Some((t, tl)) => {
                api::drain(buf, tl);
                if t != need_tag {
                    return fail;
                }
            }
            None => return fail,
        }
        let Some(len) = take_int(buf, INT32_NIBBLES).filter(|&l| l <= i32::MAX as u64) else { return fail };
        let len = len as usize;
        if api::length(buf) < len {
            return fail;
        }
        let decoded = decode_int(&front(buf, INT_MAX), max_nibbles);
        api::drain(buf, len);
        match decoded {
            Some((n, used)) if used <= len => IntRecord { value: Some(n), used: Some(used) },
            Some((n, _)) => IntRecord { value: Some(n), used: None },
            None => fail,
        }
    }
}

/// A record of tag `need_tag` whose payload is exactly `out.len()` bytes, moved into `out`
/// (evtag_unmarshal_fixed). `None` for `out`: the program gave no room (NULL); the header is
/// still consumed, as libevent reads it before looking at the destination.
///
/// # Safety
/// Module contract.
pub unsafe fn unmarshal_fixed(src: *mut Evbuffer, need_tag: u32, out: Option<&mut [u8]>, len: usize) -> bool {
    // SAFETY: src is live (contract).
    unsafe {
        let Some((t, tlen)) = take_header(src) else { return false };
        if t != need_tag || tlen != len {
            return false;
        }
        let Some(out) = out else { return false };
        // evbuffer_remove's int answer, compared as libevent compares it.
        api::remove(src, out) as c_int as isize == len as isize
    }
}

/// A record of tag `need_tag` as a NUL-terminated string from the program's allocator (the
/// caller frees it) (evtag_unmarshal_string).
///
/// # Safety
/// Module contract.
pub unsafe fn unmarshal_string(buf: *mut Evbuffer, need_tag: u32) -> Option<*mut c_char> {
    // SAFETY: buf is live (contract); s has len + 1 bytes, zeroed before they are viewed as a
    // slice, and take_header checked that len bytes are there to move.
    unsafe {
        let (t, len) = take_header(buf)?;
        if t != need_tag {
            return None;
        }
        let s = mem::calloc(1, len + 1) as *mut u8;
        if s.is_null() {
            return None;
        }
        api::remove(buf, std::slice::from_raw_parts_mut(s, len));
        Some(s as *mut c_char)
    }
}

/// A record of tag `need_tag` holding a timeval as `marshal_timeval` writes it
/// (evtag_unmarshal_timeval): true when both integers decoded and lie inside the declared
/// payload (bytes after them in the payload are ignored).
///
/// # Safety
/// Module contract.
///
/// As libevent: once the header is read, the whole record goes (a wrong tag included); the
/// integers are decoded from the buffer after the header, each stored into `tv` as soon as it
/// decodes (they may run past the payload into what follows it in the buffer, never past the
/// buffer's end), and only then is their length held against the payload's, so a failure can
/// leave `tv_sec` or both fields written.
pub unsafe fn unmarshal_timeval(buf: *mut Evbuffer, need_tag: u32, tv: &mut timeval) -> bool {
    // SAFETY: buf is live (contract).
    unsafe {
        let Some((t, len)) = take_header(buf) else { return false };
        let data = front(buf, 2 * INT_MAX);
        api::drain(buf, len);
        if t != need_tag {
            return false;
        }
        let Some((sec, a)) = decode_int(&data, INT32_NIBBLES) else { return false };
        tv.tv_sec = sec as u32 as libc::time_t;
        let Some((usec, b)) = decode_int(&data[a..], INT32_NIBBLES) else { return false };
        tv.tv_usec = usec as u32 as libc::suseconds_t;
        a + b <= len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_through_buffers() {
        // SAFETY: buffers from api::new, freed at the end.
        unsafe {
            let b = api::new();
            marshal_int(b, 3, 0x1234);
            marshal(b, 700, b"hello");
            marshal_timeval(b, 9, &timeval { tv_sec: 5, tv_usec: 6 });
            assert_eq!(peek_tag(b), Some((3, 1)));
            assert_eq!(peek_length(b), Some(1 + 1 + 3));
            assert_eq!(unmarshal_int(b, 3, INT32_NIBBLES), IntRecord { value: Some(0x1234), used: Some(3) });
            let d = api::new();
            let mut t = 0;
            assert_eq!(unmarshal(b, Some(&mut t), d), Some(5));
            assert_eq!((t, api::length(d)), (700, 5));
            let mut tv = timeval { tv_sec: 0, tv_usec: 0 };
            assert!(unmarshal_timeval(b, 9, &mut tv));
            assert_eq!((tv.tv_sec, tv.tv_usec), (5, 6));
            assert_eq!(api::length(b), 0);
            // A wrong tag still consumes the header, as libevent does.
            marshal(b, 1, b"xy");
            assert!(!unmarshal_fixed(b, 2, Some(&mut [0u8; 2]), 2));
            assert_eq!(api::length(b), 2);
            api::free(b);
            api::free(d);
        }
    }
}
