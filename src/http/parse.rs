//! Reading HTTP messages out of an evbuffer: the first line (request or status line), the header
//! block, and chunked bodies. Each step consumes what it understands and reports one of
//! libevent's `enum message_read_status` values.
//!
//! # Pointer contract (for every `unsafe fn` in this module)
//! - `req: *mut RequestC` is a live request; `input: *mut Evbuffer` a live evbuffer;
//!   `q: *mut KeyValQ` a well-formed header list.

use super::headers::{KeyVal, KeyValQ};
use super::request::*;
use super::uri::{self, URI_NONCONFORMANT};
use crate::buffer::search::EVBUFFER_EOL_CRLF;
use crate::buffer::{api as buf, Evbuffer};
use crate::core::mem;
use libc::{c_char, c_int, c_void};
use std::ptr;

/// enum message_read_status
pub const ALL_DATA_READ: c_int = 1;
pub const MORE_DATA_EXPECTED: c_int = 0;
pub const DATA_CORRUPTED: c_int = -1;
pub const REQUEST_CANCELED: c_int = -2;
pub const DATA_TOO_LONG: c_int = -3;

/// The header-size limit that applies to this request.
///
/// # Safety
/// Module contract.
unsafe fn max_headers(req: *const RequestC) -> usize {
    // SAFETY: per the function contract; evcon is NULL or live.
    unsafe {
        let c = (*req).evcon;
        if c.is_null() {
            usize::MAX
        } else {
            (*c).max_headers_size
        }
    }
}

/// One CRLF/LF-terminated line, without its ending, owned by us.
///
/// # Safety
/// `b` is live.
unsafe fn read_line(b: *mut Evbuffer) -> Option<Vec<u8>> {
    // SAFETY: b is live (contract).
    let (p, n) = unsafe { buf::readln(b, EVBUFFER_EOL_CRLF) }?;
    // SAFETY: readln hands back n readable bytes (plus a NUL) from the library allocator,
    // ours to free.
    unsafe {
        let v = std::slice::from_raw_parts(p as *const u8, n).to_vec();
        mem::free(p as *mut c_void);
        Some(v)
    }
}

/// One C `%d` conversion: white space, an optional sign, at least one digit. The value and
/// what follows it.
fn scan_int(s: &[u8]) -> Option<(i64, &[u8])> {
    let mut i = s.iter().position(|&c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)).unwrap_or(s.len());
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let v = s[i..i + digits].iter().fold(0i64, |v, &c| v.saturating_mul(10).saturating_add((c - b'0') as i64));
    // Saturated like strtol: the most negative number when a negative one is too big.
    let v = if negative {
        if v == i64::MAX {
            i64::MIN
        } else {
            -v
        }
    } else {
        v
    };
    Some((v, &s[i + digits..]))
}

/// The version as libevent reads it (`sscanf("HTTP/%d.%d")` with nothing after): numbers
/// may carry white space and a sign before them; nothing newer than HTTP/1.x is spoken here.
fn parse_version(s: &[u8]) -> Option<(c_char, c_char)> {
    let rest = s.strip_prefix(b"HTTP/")?;
    let (ma, rest) = scan_int(rest)?;
    let rest = rest.strip_prefix(b".")?;
    let (mi, rest) = scan_int(rest)?;
    if !rest.is_empty() || ma > 1 {
        return None;
    }
    // Stored in a char, as libevent's struct does.
    Some((ma as i32 as c_char, mi as i32 as c_char))
}

/// The shortest request line there can be ("GET / HTTP/1.0").
const MIN_REQUEST_LINE: usize = 14;

/// The request line: METHOD SP URI SP VERSION. Spaces after the version are ignored. The URI
/// may itself hold spaces: the version is after the last one.
///
/// # Safety
/// Module contract.
unsafe fn parse_request_line(req: *mut RequestC, line: &[u8]) -> bool {
    let end = line.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    let line = &line[..end];
    if line.len() < MIN_REQUEST_LINE {
        return false;
    }
    let Some(sp) = line.iter().position(|&c| c == b' ') else { return false };
    let method = &line[..sp];
    let rest = &line[sp + 1..];
    let Some(last) = rest.iter().rposition(|&c| c == b' ') else { return false };
    if last == 0 {
        return false;
    }
    let (uri, version) = (&rest[..last], &rest[last + 1..]);
    let Some((major, minor)) = parse_version(version) else { return false };
    // A NUL anywhere is refused (libevent reads up to it and ignores the rest: a deliberate
    // difference, README).
    if uri.is_empty() || line.contains(&0) {
        return false;
    }
    // SAFETY: req is live (contract); nothing is called out while it is borrowed.
    unsafe {
        let r = &mut *req;
        r.type_ = method_type(method);
        r.major = major;
        r.minor = minor;
        if !set_string(&mut r.uri, uri) {
            return false;
        }
        // A CONNECT request names an authority (host:port), not a URI.
        let parsed = if r.type_ == REQ_CONNECT { uri::parse_authority_raw(uri) } else { uri::parse_raw(uri, URI_NONCONFORMANT) };
        if parsed.is_null() {
            return false;
        }
        uri::free_raw(r.uri_elems);
        r.uri_elems = parsed;
        // An absolute http URI for a host we do not serve is a proxy request.
        if let (Some(scheme), Some(host)) = ((*parsed).scheme(), (*parsed).host()) {
            if (scheme.eq_ignore_ascii_case(b"http") || scheme.eq_ignore_ascii_case(b"https"))
                && !super::server::serves_host(r.evcon, host)
            {
                r.flags |= PROXY_REQUEST;
            }
        }
    }
    true
}

/// The status line: VERSION SP CODE [SP REASON].
///
/// # Safety
/// Module contract.
unsafe fn parse_response_line(req: *mut RequestC, line: &[u8]) -> bool {
    let mut parts = line.splitn(3, |&c| c == b' ');
    let version = parts.next().unwrap_or(b"");
    let Some(number) = parts.next() else { return false };
    let reason = parts.next().unwrap_or(b"");
    let Some((major, minor)) = parse_version(version) else { return false };
    // The code is read as C's atoi reads it (white space, a sign, the digits up to the first
    // other byte) and any number but 0 is taken, as libevent does (range checks are the
    // program's business).
    let code = scan_int(number).map_or(0, |(v, _)| v as c_int);
    if code == 0 {
        return false;
    }
    // SAFETY: req is live (contract); nothing is called out while it is borrowed.
    unsafe {
        let r = &mut *req;
        r.major = major;
        r.minor = minor;
        r.response_code = code;
        set_string(&mut r.response_code_line, reason)
    }
}

/// evhttp_parse_firstline_: read the request or status line (which one by req->kind).
///
/// # Safety
/// Module contract.
pub unsafe fn firstline(req: *mut RequestC, input: *mut Evbuffer) -> c_int {
    // SAFETY: req and input are live (contract).
    unsafe {
        let limit = max_headers(req);
        let Some(line) = read_line(input) else {
            if buf::length(input) > limit {
                return DATA_TOO_LONG;
            }
            return MORE_DATA_EXPECTED;
        };
        (*req).headers_size = line.len();
        if line.len() > limit {
            return DATA_TOO_LONG;
        }
        let ok = if (*req).kind == KIND_REQUEST { parse_request_line(req, &line) } else { parse_response_line(req, &line) };
        if ok {
            ALL_DATA_READ
        } else {
            DATA_CORRUPTED
        }
    }
}

/// Trim spaces and tabs at both ends.
fn trim_lws(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Append a continuation line to the last header in the list.
///
/// # Safety
/// Module contract.
unsafe fn append_to_last(q: *mut KeyValQ, more: &[u8]) -> bool {
    // SAFETY: per the function contract; the list links are well formed.
    unsafe {
        let mut last: *mut KeyVal = ptr::null_mut();
        let mut e = (*q).first;
        while !e.is_null() {
            last = e;
            e = (*e).next;
        }
        if last.is_null() {
            return false;
        }
        let more = trim_lws(more);
        // The joined value must stay a valid one: a CR or NUL in a continuation line is refused
        // (libevent appends it unchecked: a deliberate difference, README).
        if !super::headers::value_is_valid(more) || more.contains(&0) {
            return false;
        }
        let old = std::ffi::CStr::from_ptr((*last).value).to_bytes();
        let mut v = old.to_vec();
        v.push(b' ');
        v.extend_from_slice(more);
        set_string(&mut (*last).value, &v)
    }
}

/// evhttp_parse_headers_: read header lines into req->input_headers up to the empty line.
///
/// # Safety
/// Module contract.
pub unsafe fn headers(req: *mut RequestC, input: *mut Evbuffer) -> c_int {
    // SAFETY: req and its input header list are live (contract).
    unsafe { headers_into(req, input, (*req).input_headers) }
}

/// Read header lines into `q` up to the empty line, counting them against the request's
/// header-size limit.
///
/// # Safety
/// Module contract.
pub unsafe fn headers_into(req: *mut RequestC, input: *mut Evbuffer, q: *mut KeyValQ) -> c_int {
    // SAFETY: req, q and input are live (contract).
    unsafe {
        let limit = max_headers(req);
        loop {
            let Some(line) = read_line(input) else {
                if buf::length(input) > limit || (*req).headers_size + buf::length(input) > limit {
                    return DATA_TOO_LONG;
                }
                return MORE_DATA_EXPECTED;
            };
            (*req).headers_size += line.len();
            if (*req).headers_size > limit {
                return DATA_TOO_LONG;
            }
            if line.is_empty() {
                return ALL_DATA_READ;
            }
            if line[0] == b' ' || line[0] == b'\t' {
                if !append_to_last(q, &line) {
                    return DATA_CORRUPTED;
                }
                continue;
            }
            let Some(colon) = line.iter().position(|&c| c == b':') else { return DATA_CORRUPTED };
            let key = &line[..colon];
            // Spaces (not tabs) before the value and spaces and tabs after it are dropped.
            let value = &line[colon + 1..];
            let value = &value[value.iter().position(|&c| c != b' ').unwrap_or(value.len())..];
            let value = &value[..value.iter().rposition(|&c| c != b' ' && c != b'\t').map_or(0, |i| i + 1)];
            // A NUL is refused (libevent cuts the value short at it: a deliberate difference,
            // README); a CR anywhere in the line is refused as libevent's evhttp_add_header
            // refuses it (CVE-2026-63385).
            if key.contains(&0) || value.contains(&0) {
                return DATA_CORRUPTED;
            }
            if !super::headers::add(q, key, value) {
                return DATA_CORRUPTED;
            }
        }
    }
}

/// What one Transfer-Encoding header says (C's `enum evhttp_transfer_encoding_header_status`,
/// values as Debian's libevent numbers them).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(C)]
pub enum TransferEncoding {
    /// "chunked" somewhere other than last: refused.
    Invalid = 0,
    /// The last coding is "chunked".
    EndsInChunked = 1,
    /// No "chunked" at all.
    NoChunked = 2,
}

/// Is this one transfer-coding (surrounding spaces/tabs and any ";parameters" aside) the
/// word "chunked", in any case?
pub fn is_chunked_coding(coding: &[u8]) -> bool {
    let start = coding.iter().position(|&c| c != b' ' && c != b'\t').unwrap_or(coding.len());
    let rest = &coding[start..];
    let len = rest.iter().position(|&c| c == b' ' || c == b'\t' || c == b';').unwrap_or(rest.len());
    rest[..len].eq_ignore_ascii_case(b"chunked")
}

/// Classify a Transfer-Encoding value (a comma-separated list of codings): "chunked" is only
/// allowed as the last one.
pub fn check_transfer_encoding(value: &[u8]) -> TransferEncoding {
    let mut codings = value.split(|&c| c == b',').peekable();
    while let Some(coding) = codings.next() {
        if is_chunked_coding(coding) {
            return if codings.peek().is_none() { TransferEncoding::EndsInChunked } else { TransferEncoding::Invalid };
        }
    }
    TransferEncoding::NoChunked
}

/// The request-smuggling rules for a complete header block: Transfer-Encoding and
/// Content-Length together are refused, as is any Transfer-Encoding header after one that
/// ended in "chunked", or "chunked" that is not the last coding. On success the request's
/// chunked bit says whether the body is chunked.
///
/// # Safety
/// Module contract.
pub unsafe fn validate_length_and_encoding(req: *mut RequestC) -> bool {
    // SAFETY: req and its input header list are live (contract); the list is not changed
    // while it is walked.
    unsafe {
        let q = (*req).input_headers;
        if header(q, "Transfer-Encoding").is_some() && header(q, "Content-Length").is_some() {
            return false;
        }
        let mut chunked = false;
        for (key, value) in super::headers::iter(q) {
            if !key.eq_ignore_ascii_case(b"Transfer-Encoding") {
                continue;
            }
            if chunked {
                return false;
            }
            match check_transfer_encoding(value) {
                TransferEncoding::Invalid => return false,
                TransferEncoding::EndsInChunked => chunked = true,
                TransferEncoding::NoChunked => {}
            }
        }
        (*req).set_chunked(chunked);
        true
    }
}

/// How the body of a message is delimited.
pub enum BodyLength {
    /// This many bytes.
    Length(i64),
    /// Until the peer closes.
    UntilClose,
}

/// Content-Length / Connection rules for a non-chunked body; None when they contradict.
///
/// # Safety
/// Module contract.
pub unsafe fn body_length(req: *const RequestC) -> Option<BodyLength> {
    // SAFETY: req and its input header list are live (contract).
    unsafe {
        let q = (*req).input_headers;
        let cl = header(q, "Content-Length");
        let conn = header(q, "Connection");
        match (cl, conn) {
            (None, None) => Some(BodyLength::UntilClose),
            // No length and the connection stays open: no body, as Debian's libevent reads it.
            (None, Some(c)) if !c.eq_ignore_ascii_case(b"close") => Some(BodyLength::Length(0)),
            (None, Some(_)) => Some(BodyLength::UntilClose),
            (Some(v), _) => {
                // Digits only, within i64: a sign or an overflowing length is refused at once
                // (libevent reads it with strtoll: a deliberate difference, README).
                let s = std::str::from_utf8(v).ok()?;
                let n: i64 = s.parse().ok()?;
                if n < 0 || s.starts_with('+') {
                    return None;
                }
                Some(BodyLength::Length(n))
            }
        }
    }
}

/// The size line of a chunk, read as libevent reads it (C's strtoll in base 16, up to the
/// line's first NUL): leading white space, a sign and "0x" may come first; a number too big
/// stops at the largest; a space may follow it, nothing else (no ";extensions"). A line with
/// no digits counts as 0 only when it starts with a space. None when malformed or negative.
pub fn chunk_size(line: &[u8]) -> Option<i64> {
    let line = &line[..line.iter().position(|&c| c == 0).unwrap_or(line.len())];
    if line.is_empty() {
        return None;
    }
    let mut i = line.iter().position(|&c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)).unwrap_or(line.len());
    let negative = line.get(i) == Some(&b'-');
    if matches!(line.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    if line.get(i) == Some(&b'0')
        && matches!(line.get(i + 1), Some(b'x' | b'X'))
        && line.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
    }
    let digits = line[i..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let value = line[i..i + digits].iter().fold(0i64, |v, &c| {
        let d = (c as char).to_digit(16).unwrap_or(0) as i64;
        v.saturating_mul(16).saturating_add(d)
    });
    // With no digits at all, strtoll reports the number as ending where the text began.
    let end = if digits == 0 { 0 } else { i + digits };
    if !matches!(line.get(end), None | Some(b' ')) || (negative && value != 0) {
        return None;
    }
    Some(value)
}

/// Read the next chunk size line; None when no full line is buffered yet. Empty lines (the CRLF
/// that ends the previous chunk's data) are skipped.
///
/// # Safety
/// Module contract.
pub unsafe fn next_chunk_line(input: *mut Evbuffer) -> Option<Vec<u8>> {
    loop {
        // SAFETY: input is live (contract).
        let line = unsafe { read_line(input) }?;
        if !line.is_empty() {
            return Some(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version(b"HTTP/1.1"), Some((1, 1)));
        assert_eq!(parse_version(b"HTTP/1.0"), Some((1, 0)));
        assert_eq!(parse_version(b"HTTP/1.1x"), None);
        assert_eq!(parse_version(b"HTTP/1"), None);
        assert_eq!(parse_version(b"http/1.1"), None);
        assert_eq!(parse_version(b"HTTP/2.0"), None);
        assert_eq!(parse_version(b"HTTP/-1.1"), Some((-1, 1)));
        assert_eq!(parse_version(b"HTTP/+1.\t01"), Some((1, 1)));
        assert_eq!(parse_version(b"HTTP/1.1 "), None);
        assert_eq!(parse_version(b"HTTP/1 .1"), None);
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(chunk_size(b"1a"), Some(26));
        assert_eq!(chunk_size(b"0"), Some(0));
        assert_eq!(chunk_size(b"ff;name=v"), None);
        assert_eq!(chunk_size(b"-1"), None);
        assert_eq!(chunk_size(b"zz"), None);
        assert_eq!(chunk_size(b""), None);
        assert_eq!(chunk_size(b"0x1A"), Some(26));
        assert_eq!(chunk_size(b"0X1a"), Some(26));
        assert_eq!(chunk_size(b"0x"), None);
        assert_eq!(chunk_size(b" \t+3 junk"), Some(3));
        assert_eq!(chunk_size(b"3\t"), None);
        assert_eq!(chunk_size(b"-0"), Some(0));
        assert_eq!(chunk_size(b"  "), Some(0));
        assert_eq!(chunk_size(b" zz"), Some(0));
        assert_eq!(chunk_size(b"3\0zz"), Some(3));
        assert_eq!(chunk_size(b"ffffffffffffffffffff"), Some(i64::MAX));
    }

    #[test]
    fn chunked_codings() {
        for yes in [&b"chunked"[..], b"chUNKED", b"  CHUNKED  ", b" chUNKED ; foo=bar", b"chunked;x", b"\tchunked\t"] {
            assert!(is_chunked_coding(yes), "{:?}", yes);
        }
        for no in [&b"wombat"[..], b"chunked+", b"wombchunkedat", b"wombat chunked", b"wombat; chunked=foo", b"", b"chunk"] {
            assert!(!is_chunked_coding(no), "{:?}", no);
        }
    }

    #[test]
    fn transfer_encodings() {
        use TransferEncoding::*;
        let cases: [(&[u8], TransferEncoding); 9] = [
            (b"hello", NoChunked),
            (b"hello, world", NoChunked),
            (b"hello, world, chunked", EndsInChunked),
            (b"chunked  ", EndsInChunked),
            (b"    ,  chunked  ", EndsInChunked),
            (b"chunked , gzip", Invalid),
            (b"foo, chunked , gzip", Invalid),
            (b"    ,  chunked, ", Invalid),
            (b"", NoChunked),
        ];
        for (v, want) in cases {
            assert_eq!(check_transfer_encoding(v), want, "{:?}", v);
        }
    }

    #[test]
    fn lws() {
        assert_eq!(trim_lws(b" \t a b \t"), b"a b");
        assert_eq!(trim_lws(b"   "), b"");
    }
}
