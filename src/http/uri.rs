//! evhttp_uri and percent-coding.
//!
//! Pure functions over bytes; the C shims (capi/http_uri.rs) only move strings in and out.
//! Parsing follows RFC 3986's URI-reference the way libevent 2.1.12 reads it:
//!   [scheme ":"] ["//" [userinfo "@"] host [":" port]] path ["?" query] ["#" fragment]
//! with libevent's corners kept: the host keeps its brackets ("[::1]"), an empty port after
//! ':' is "no port" (-1), a port above 65535 is an error, IPv6 literals use libevent's own
//! lenient reader, and EVHTTP_URI_NONCONFORMANT only relaxes which bytes may appear in the
//! path, query and fragment (the authority is always checked).

use crate::util::ctype::{is_alnum, is_alpha, is_digit, is_xdigit};
use crate::util::inet::parse_ipv6;
use std::ffi::{CStr, CString};

/// EVHTTP_URI_NONCONFORMANT.
pub const URI_NONCONFORMANT: u32 = 0x01;

const SUBDELIMS: &[u8] = b"!$&'()*+,;=";

/// A value (or query string) outside its grammar; nothing was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

/// (key, decoded value) pairs of a query string, in order.
pub type QueryPairs = Vec<(Vec<u8>, Vec<u8>)>;

/// RFC 3986 "unreserved": ALPHA / DIGIT / "-" / "." / "_" / "~".
pub fn is_unreserved(b: u8) -> bool {
    is_alnum(b) || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn is_subdelim(b: u8) -> bool {
    SUBDELIMS.contains(&b)
}

/// The byte at `i`, or 0 past the end (reading a C string past its end meets the NUL).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// The part of `s` a C function would see: up to the first NUL.
fn c_prefix(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

// ---------------------------------------------------------------------------------------
// Percent-coding, HTML escaping, query strings
// ---------------------------------------------------------------------------------------

/// evhttp_uriencode: unreserved bytes stay, a space becomes '+' when `space_as_plus`, every
/// other byte (NUL included) becomes %XX with upper-case hex.
pub fn encode(bytes: &[u8], space_as_plus: bool) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        if is_unreserved(b) {
            out.push(b);
        } else if b == b' ' && space_as_plus {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        }
    }
    out
}

/// libevent's decoder with its three-way plus control: 1 turns every '+' into a space, 0
/// never does, and any negative value does so only after the first '?'. Any other value
/// counts as 0. "%XX" needs two hex digits inside the input; otherwise '%' stays as is.
pub fn decode_ctl(bytes: &[u8], plus_ctl: i32) -> Vec<u8> {
    let mut plus = plus_ctl == 1;
    let mut out = Vec::with_capacity(bytes.len());
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        let mut c = bytes[i];
        if c == b'?' {
            if plus_ctl < 0 {
                plus = true;
            }
        } else if c == b'+' && plus {
            c = b' ';
        } else if c == b'%' && i + 2 < n && is_xdigit(bytes[i + 1]) && is_xdigit(bytes[i + 2]) {
            c = (hexval(bytes[i + 1]) << 4) | hexval(bytes[i + 2]);
            i += 2;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn hexval(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    }
}

/// Percent-decode; `decode_plus` turns every '+' into a space.
pub fn decode(bytes: &[u8], decode_plus: bool) -> Vec<u8> {
    decode_ctl(bytes, decode_plus as i32)
}

/// evhttp_htmlescape: the five HTML-special characters become entities.
pub fn html_escape(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\'' => out.extend_from_slice(b"&#039;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            _ => out.push(b),
        }
    }
    out
}

/// A query string ("a=1&b=x+y") as (key, decoded value) pairs, in order. Keys stay as
/// written; values are percent-decoded with '+' as space. An empty query is no pairs; an
/// element without '=' or with an empty key (so also "a=1&&b=2") makes the whole query
/// malformed. One trailing '&' is allowed.
pub fn parse_query(query: &[u8]) -> Result<QueryPairs, Invalid> {
    let query = c_prefix(query);
    let mut out = Vec::new();
    let mut rest = query;
    while !rest.is_empty() {
        let (element, next) = match rest.iter().position(|&b| b == b'&') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let eq = element.iter().position(|&b| b == b'=').ok_or(Invalid)?;
        if eq == 0 {
            return Err(Invalid);
        }
        out.push((element[..eq].to_vec(), decode(&element[eq + 1..], true)));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Character-class checks for the URI parts
// ---------------------------------------------------------------------------------------

/// Where a scheme ends: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). None if `s` does not
/// start with a letter.
fn scan_scheme(s: &[u8]) -> Option<usize> {
    if !is_alpha(at(s, 0)) {
        return None;
    }
    let mut i = 1;
    while i < s.len() && (is_alnum(s[i]) || matches!(s[i], b'+' | b'-' | b'.')) {
        i += 1;
    }
    Some(i)
}

fn scheme_ok(s: &[u8]) -> bool {
    scan_scheme(s) == Some(s.len())
}

/// userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
fn userinfo_ok(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_unreserved(c) || is_subdelim(c) || c == b':' {
            i += 1;
        } else if c == b'%' && i + 2 < s.len() && is_xdigit(s[i + 1]) && is_xdigit(s[i + 2]) {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// reg-name (which also covers IPv4address) = *( unreserved / pct-encoded / sub-delims )
fn regname_ok(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_unreserved(c) || is_subdelim(c) {
            i += 1;
        } else if c == b'%' && is_xdigit(at(s, i + 1)) && is_xdigit(at(s, i + 2)) {
            i += 3;
        } else {
            return false;
        }
    }
    true
}

/// An IP-literal with its brackets: "[" IPv6address "]" (libevent's IPv6 reader) or
/// "[v" 1*HEXDIG "." *( unreserved / sub-delims / ":" ) "]".
fn bracket_addr_ok(s: &[u8]) -> bool {
    if s.len() < 3 || s[0] != b'[' || s[s.len() - 1] != b']' {
        return false;
    }
    let inner = &s[1..s.len() - 1];
    if inner[0] == b'v' {
        let body = &inner[1..];
        if !is_xdigit(at(body, 0)) {
            return false;
        }
        let Some(dot) = body.iter().position(|&b| !is_xdigit(b)) else {
            return false;
        };
        if body[dot] != b'.' {
            return false;
        }
        body[dot + 1..].iter().all(|&b| is_unreserved(b) || is_subdelim(b) || b == b':')
    } else {
        inner.len() < 64 && parse_ipv6(inner).is_some()
    }
}

fn host_ok(h: &[u8]) -> bool {
    if h.first() == Some(&b'[') {
        bracket_addr_ok(h)
    } else {
        regname_ok(h)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Path,
    Query,
    Fragment,
}

/// Index just past the longest run of `s[from..]` that may belong to `part`.
fn end_of_part(s: &[u8], from: usize, part: Part, flags: u32) -> usize {
    let mut i = from;
    if flags & URI_NONCONFORMANT != 0 {
        // Anything goes, up to the next delimiter of a later part.
        while i < s.len() {
            let c = s[i];
            let stop = match part {
                Part::Path => c == b'#' || c == b'?',
                Part::Query => c == b'#',
                Part::Fragment => false,
            };
            if stop {
                break;
            }
            i += 1;
        }
        return i;
    }
    while i < s.len() {
        let c = s[i];
        if is_unreserved(c) || is_subdelim(c) || matches!(c, b':' | b'@' | b'/') {
            i += 1;
        } else if c == b'%' && is_xdigit(at(s, i + 1)) && is_xdigit(at(s, i + 2)) {
            i += 3;
        } else if c == b'?' && part != Part::Path {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Without a scheme, the first path segment may not contain ':' (it would read as one).
fn path_matches_noscheme(p: &[u8]) -> bool {
    for &c in p {
        match c {
            b':' => return false,
            b'/' => return true,
            _ => {}
        }
    }
    true
}

// ---------------------------------------------------------------------------------------
// struct evhttp_uri
// ---------------------------------------------------------------------------------------

/// A parsed or assembled URI (`struct evhttp_uri`, opaque to C). Absent parts are None; the
/// port is -1 when absent. Strings are kept NUL-terminated so C getters can hand them out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Uri {
    flags: u32,
    scheme: Option<CString>,
    userinfo: Option<CString>,
    host: Option<CString>,
    port: i32,
    path: Option<CString>,
    query: Option<CString>,
    fragment: Option<CString>,
}

fn cs(b: &[u8]) -> CString {
    CString::new(c_prefix(b)).expect("no NUL after c_prefix")
}

fn bytes(p: &Option<CString>) -> Option<&[u8]> {
    p.as_ref().map(|c| c.to_bytes())
}

fn c_ptr(p: &Option<CString>) -> *const libc::c_char {
    p.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

impl Uri {
    /// evhttp_uri_new: every part absent, port -1, strict.
    pub fn new() -> Uri {
        Uri { port: -1, ..Default::default() }
    }

    /// evhttp_uri_parse_with_flags. None when `src` is not a URI-reference (in strict mode,
    /// any byte outside its part's grammar; in either mode, a bad authority). Input stops at
    /// the first NUL, as in C.
    pub fn parse(src: &[u8], flags: u32) -> Option<Uri> {
        let s = c_prefix(src);
        let mut uri = Uri { flags, ..Uri::new() };
        let mut pos = 0;

        if let Some(end) = scan_scheme(s) {
            if at(s, end) == b':' {
                uri.scheme = Some(cs(&s[..end]));
                pos = end + 1;
            }
        }

        let mut got_authority = false;
        if s[pos..].starts_with(b"//") {
            pos += 2;
            let end = s[pos..].iter().position(|&c| matches!(c, b'/' | b'?' | b'#')).map_or(s.len(), |n| pos + n);
            uri.parse_authority(&s[pos..end])?;
            pos = end;
            got_authority = true;
        }

        let path_start = pos;
        pos = end_of_part(s, pos, Part::Path, flags);
        let path = &s[path_start..pos];
        let mut query = None;
        let mut fragment = None;
        if at(s, pos) == b'?' {
            let q = pos + 1;
            pos = end_of_part(s, q, Part::Query, flags);
            query = Some(&s[q..pos]);
        }
        if at(s, pos) == b'#' {
            let f = pos + 1;
            pos = end_of_part(s, f, Part::Fragment, flags);
            fragment = Some(&s[f..pos]);
        }
        if pos != s.len() {
            return None;
        }
        if !got_authority && path.starts_with(b"//") {
            return None;
        }
        if got_authority && !path.is_empty() && path[0] != b'/' {
            return None;
        }
        if uri.scheme.is_none() && !path_matches_noscheme(path) {
            return None;
        }
        uri.path = Some(cs(path));
        uri.query = query.map(cs);
        uri.fragment = fragment.map(cs);
        Some(uri)
    }

    /// A CONNECT request's target (authority-form): [userinfo "@"] host [":" port], read up to
    /// the first '/', '?' or '#' (anything after is ignored, as libevent does); the path is "".
    pub fn parse_authority_form(src: &[u8]) -> Option<Uri> {
        let s = c_prefix(src);
        let end = s.iter().position(|&c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(s.len());
        let mut uri = Uri::new();
        uri.parse_authority(&s[..end])?;
        uri.path = Some(cs(b""));
        Some(uri)
    }

    /// authority = [ userinfo "@" ] host [ ":" port ]; the empty authority is host "".
    fn parse_authority(&mut self, a: &[u8]) -> Option<()> {
        if a.is_empty() {
            self.host = Some(cs(b""));
            return Some(());
        }
        let mut h = a;
        if let Some(at_sign) = a.iter().position(|&b| b == b'@') {
            if !userinfo_ok(&a[..at_sign]) {
                return None;
            }
            self.userinfo = Some(cs(&a[..at_sign]));
            h = &a[at_sign + 1..];
        }
        // A trailing ":digits" (possibly no digits) is the port.
        let digits_from = h.len() - h.iter().rev().take_while(|&&b| is_digit(b)).count();
        let mut host_end = h.len();
        if digits_from > 0 && h[digits_from - 1] == b':' {
            self.port = if digits_from == h.len() { -1 } else { parse_port(&h[digits_from..])? };
            host_end = digits_from - 1;
        }
        let host = &h[..host_end];
        let ok = if host.len() >= 2 && host[0] == b'[' && host[host.len() - 1] == b']' {
            bracket_addr_ok(host)
        } else {
            regname_ok(host)
        };
        if !ok {
            return None;
        }
        self.host = Some(cs(host));
        Some(())
    }

    /// evhttp_uri_join without the buffer: the parts put back together, or None when a host
    /// is set and the path neither is empty nor starts with '/'.
    pub fn join(&self) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        if let Some(s) = bytes(&self.scheme) {
            out.extend_from_slice(s);
            out.push(b':');
        }
        if let Some(h) = bytes(&self.host) {
            out.extend_from_slice(b"//");
            if let Some(u) = bytes(&self.userinfo) {
                out.extend_from_slice(u);
                out.push(b'@');
            }
            out.extend_from_slice(h);
            if self.port >= 0 {
                out.extend_from_slice(format!(":{}", self.port).as_bytes());
            }
            if let Some(p) = bytes(&self.path) {
                if !p.is_empty() && p[0] != b'/' {
                    return None;
                }
            }
        }
        if let Some(p) = bytes(&self.path) {
            out.extend_from_slice(p);
        }
        if let Some(q) = bytes(&self.query) {
            out.push(b'?');
            out.extend_from_slice(q);
        }
        if let Some(f) = bytes(&self.fragment) {
            out.push(b'#');
            out.extend_from_slice(f);
        }
        Some(out)
    }

    pub fn flags(&self) -> u32 {
        self.flags
    }
    pub fn set_flags(&mut self, flags: u32) {
        self.flags = flags;
    }

    pub fn scheme(&self) -> Option<&[u8]> {
        bytes(&self.scheme)
    }
    pub fn userinfo(&self) -> Option<&[u8]> {
        bytes(&self.userinfo)
    }
    /// The host as written, brackets included for IP literals ("[::1]").
    pub fn host(&self) -> Option<&[u8]> {
        bytes(&self.host)
    }
    /// -1 when absent.
    pub fn port(&self) -> i32 {
        self.port
    }
    pub fn path(&self) -> Option<&[u8]> {
        bytes(&self.path)
    }
    pub fn query(&self) -> Option<&[u8]> {
        bytes(&self.query)
    }
    pub fn fragment(&self) -> Option<&[u8]> {
        bytes(&self.fragment)
    }

    /// NUL-terminated views for the C getters (NULL when absent); valid until that part is
    /// set again or the Uri is dropped.
    pub fn scheme_ptr(&self) -> *const libc::c_char {
        c_ptr(&self.scheme)
    }
    pub fn userinfo_ptr(&self) -> *const libc::c_char {
        c_ptr(&self.userinfo)
    }
    pub fn host_ptr(&self) -> *const libc::c_char {
        c_ptr(&self.host)
    }
    pub fn path_ptr(&self) -> *const libc::c_char {
        c_ptr(&self.path)
    }
    pub fn query_ptr(&self) -> *const libc::c_char {
        c_ptr(&self.query)
    }
    pub fn fragment_ptr(&self) -> *const libc::c_char {
        c_ptr(&self.fragment)
    }

    // Setters: None clears the part; a value outside the part's grammar is refused (Err)
    // and leaves the part unchanged. Values stop at the first NUL, as in C.

    pub fn set_scheme(&mut self, v: Option<&[u8]>) -> Result<(), Invalid> {
        set_checked(&mut self.scheme, v, scheme_ok)
    }
    pub fn set_userinfo(&mut self, v: Option<&[u8]>) -> Result<(), Invalid> {
        set_checked(&mut self.userinfo, v, userinfo_ok)
    }
    pub fn set_host(&mut self, v: Option<&[u8]>) -> Result<(), Invalid> {
        set_checked(&mut self.host, v, host_ok)
    }
    /// Any port from -1 ("none") up is taken; values above 65535 too, as in libevent.
    pub fn set_port(&mut self, port: i32) -> Result<(), Invalid> {
        if port < -1 {
            return Err(Invalid);
        }
        self.port = port;
        Ok(())
    }
    pub fn set_path(&mut self, v: Option<&[u8]>) -> Result<(), Invalid> {
        let flags = self.flags;
        set_checked(&mut self.path, v, |p| end_of_part(p, 0, Part::Path, flags) == p.len())
    }
    pub fn set_query(&mut self, v: Option<&[u8]>) -> Result<(), Invalid> {
        let flags = self.flags;
        set_checked(&mut self.query, v, |p| end_of_part(p, 0, Part::Query, flags) == p.len())
    }
    pub fn set_fragment(&mut self, v: Option<&[u8]>) -> Result<(), Invalid> {
        let flags = self.flags;
        set_checked(&mut self.fragment, v, |p| end_of_part(p, 0, Part::Fragment, flags) == p.len())
    }
}

fn set_checked(slot: &mut Option<CString>, v: Option<&[u8]>, ok: impl Fn(&[u8]) -> bool) -> Result<(), Invalid> {
    match v.map(c_prefix) {
        Some(b) if !ok(b) => Err(Invalid),
        Some(b) => {
            *slot = Some(cs(b));
            Ok(())
        }
        None => {
            *slot = None;
            Ok(())
        }
    }
}

/// port = *DIGIT, at most 65535 (digits only; leading zeros are fine).
fn parse_port(d: &[u8]) -> Option<i32> {
    let mut n: i32 = 0;
    for &c in d {
        if !is_digit(c) {
            return None;
        }
        n = n * 10 + (c - b'0') as i32;
        if n > 65535 {
            return None;
        }
    }
    Some(n)
}

// ---------------------------------------------------------------------------------------
// Uri objects handed to C (`struct evhttp_uri *`) and kept in requests
// ---------------------------------------------------------------------------------------

/// A `Uri` moved into the library allocator, as `evhttp_uri_new`/`_parse` hand it out; NULL
/// when memory runs out.
pub fn into_raw(u: Uri) -> *mut Uri {
    crate::core::mem::new_object(u).unwrap_or(std::ptr::null_mut())
}

/// evhttp_uri_parse_with_flags: NULL when `src` does not parse (or memory runs out).
pub fn parse_raw(src: &[u8], flags: u32) -> *mut Uri {
    Uri::parse(src, flags).map_or(std::ptr::null_mut(), into_raw)
}

/// A CONNECT target as a request's parsed URI: NULL when it is no authority.
pub fn parse_authority_raw(src: &[u8]) -> *mut Uri {
    Uri::parse_authority_form(src).map_or(std::ptr::null_mut(), into_raw)
}

/// evhttp_uri_free.
///
/// # Safety
/// `u` is NULL or came from [`into_raw`] / [`parse_raw`] and is not used afterwards.
pub unsafe fn free_raw(u: *mut Uri) {
    // SAFETY: u is NULL or an object of ours in the library allocator, given up (contract).
    unsafe { crate::core::mem::free_object(u) }
}

/// A C string's bytes (for the shims).
///
/// # Safety
/// `p` is non-NULL and NUL-terminated.
pub unsafe fn c_bytes<'a>(p: *const libc::c_char) -> &'a [u8] {
    // SAFETY: per the contract.
    unsafe { CStr::from_ptr(p) }.to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &str, flags: u32) -> String {
        let Some(u) = Uri::parse(s.as_bytes(), flags) else { return "NULL".into() };
        let f = |p: Option<&[u8]>| p.map_or("(null)".to_string(), |b| String::from_utf8_lossy(b).into_owned());
        format!(
            "s={} ui={} h={} p={} path={} q={} f={} join={}",
            f(u.scheme()),
            f(u.userinfo()),
            f(u.host()),
            u.port(),
            f(u.path()),
            f(u.query()),
            f(u.fragment()),
            f(u.join().as_deref())
        )
    }

    #[test]
    fn http_uri_parse_full_and_relative() {
        assert_eq!(show("http://[::1]:80/p?q#f", 0), "s=http ui=(null) h=[::1] p=80 path=/p q=q f=f join=http://[::1]:80/p?q#f");
        assert_eq!(show("http://u@h:/p", 0), "s=http ui=u h=h p=-1 path=/p q=(null) f=(null) join=http://u@h/p");
        assert_eq!(show("http://h:000080/", 0), "s=http ui=(null) h=h p=80 path=/ q=(null) f=(null) join=http://h:80/");
        assert_eq!(show("//h", 0), "s=(null) ui=(null) h=h p=-1 path= q=(null) f=(null) join=//h");
        assert_eq!(show("", 0), "s=(null) ui=(null) h=(null) p=-1 path= q=(null) f=(null) join=");
        assert_eq!(show("http://", 0), "s=http ui=(null) h= p=-1 path= q=(null) f=(null) join=http://");
        assert_eq!(show("?a=1", 0), "s=(null) ui=(null) h=(null) p=-1 path= q=a=1 f=(null) join=?a=1");
        assert_eq!(show("h?a?b", 0), "s=(null) ui=(null) h=(null) p=-1 path=h q=a?b f=(null) join=h?a?b");
        assert_eq!(show("http://h/?#", 0), "s=http ui=(null) h=h p=-1 path=/ q= f= join=http://h/?#");
        assert_eq!(show("mailto:a@b", 0), "s=mailto ui=(null) h=(null) p=-1 path=a@b q=(null) f=(null) join=mailto:a@b");
        assert_eq!(show("http://[v1.x]/", 0), "s=http ui=(null) h=[v1.x] p=-1 path=/ q=(null) f=(null) join=http://[v1.x]/");
        assert_eq!(show("http://u:p:q@h:1/", 0), "s=http ui=u:p:q h=h p=1 path=/ q=(null) f=(null) join=http://u:p:q@h:1/");
    }

    #[test]
    fn http_uri_parse_rejects() {
        for bad in [
            "http://h:99999/",
            "http://h:65536",
            "x#a#b",
            "/a b?c d#e f",
            "http://[1::2:3::4]/",
            "http://h:0x/",
            "http://[::1]80/",
            "http://%4@h/",
            "http://a%4@h/",
            "http://h%4/",
            "/%zz",
            "http://a@b@c/",
            "http://[]/",
            "http://[v.x]/",
            "http://[v1x]/",
            "http://[1.2.3.4]/",
            ":",
            "a:b",
            "1a:b",
            "http://h:-1/",
        ] {
            if bad == "a:b" {
                // a scheme, not an error
                assert_ne!(show(bad, 0), "NULL");
                continue;
            }
            assert_eq!(show(bad, 0), "NULL", "{}", bad);
        }
        assert_eq!(show("x#a#b", URI_NONCONFORMANT), "s=(null) ui=(null) h=(null) p=-1 path=x q=(null) f=a#b join=x#a#b");
        assert_eq!(
            show("/a b?c d#e f", URI_NONCONFORMANT),
            "s=(null) ui=(null) h=(null) p=-1 path=/a b q=c d f=e f join=/a b?c d#e f"
        );
        assert_eq!(show("http://h:99999/", URI_NONCONFORMANT), "NULL");
    }

    #[test]
    fn http_uri_setters_and_join() {
        let mut u = Uri::new();
        assert_eq!(u.join().unwrap(), b"");
        assert!(u.set_scheme(Some(b"1a")).is_err());
        assert!(u.set_scheme(Some(b"")).is_err());
        assert!(u.set_scheme(Some(b"a+b")).is_ok());
        assert!(u.set_userinfo(Some(b"a@b")).is_err());
        assert!(u.set_userinfo(Some(b"a:%41")).is_ok());
        assert!(u.set_host(Some(b"[::1")).is_err());
        assert!(u.set_host(Some(b"a:b")).is_err());
        assert!(u.set_host(Some(b"[::1]")).is_ok());
        assert!(u.set_port(-2).is_err());
        assert!(u.set_port(70000).is_ok());
        assert!(u.set_path(Some(b"x")).is_ok());
        assert_eq!(u.join(), None);
        assert!(u.set_path(Some(b"/p")).is_ok());
        assert!(u.set_query(Some(b"a#b")).is_err());
        assert!(u.set_query(Some(b"a?b/")).is_ok());
        assert!(u.set_fragment(Some(b"a#b")).is_err());
        assert!(u.set_fragment(Some(b"a?b")).is_ok());
        assert_eq!(u.join().unwrap(), b"a+b://a:%41@[::1]:70000/p?a?b/#a?b");
        u.set_flags(URI_NONCONFORMANT);
        assert!(u.set_path(Some(b"a b")).is_ok());
        assert!(u.set_path(Some(b"/a?b")).is_err());
        assert_eq!(u.path(), Some(&b"a b"[..]));
        assert!(u.set_host(None).is_ok());
        assert!(u.set_path(None).is_ok());
        assert_eq!(u.join().unwrap(), b"a+b:?a?b/#a?b");
    }

    #[test]
    fn http_uri_coding() {
        assert_eq!(encode(b"a b+c/~-._", false), b"a%20b%2Bc%2F~-._");
        assert_eq!(encode(b"a b\0c", true), b"a+b%00c");
        assert_eq!(decode_ctl(b"x+%41%4g%%41?+", -1), b"x+A%4g%A? ");
        assert_eq!(decode_ctl(b"%41", 2), b"A");
        assert_eq!(decode_ctl(b"%4", 0), b"%4");
        assert_eq!(decode_ctl(b"a+b", 2), b"a+b");
        assert_eq!(decode(b"a+b%00c%4", true), b"a b\0c%4");
        assert_eq!(decode(b"a+b?c+d", false), b"a+b?c+d");
        assert_eq!(html_escape(b"<a href=\"x\">'&'</a>"), &b"&lt;a href=&quot;x&quot;&gt;&#039;&amp;&#039;&lt;/a&gt;"[..]);
    }

    #[test]
    fn http_uri_query() {
        let q = parse_query(b"a=1&b=x+y%21&c=&d=e=f&").unwrap();
        let v: Vec<(&[u8], &[u8])> = q.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        assert_eq!(v, vec![(&b"a"[..], &b"1"[..]), (b"b", b"x y!"), (b"c", b""), (b"d", b"e=f")]);
        assert_eq!(parse_query(b"").unwrap().len(), 0);
        assert!(parse_query(b"a=1&&b=2").is_err());
        assert!(parse_query(b"a").is_err());
        assert!(parse_query(b"=x").is_err());
        assert!(parse_query(b"&").is_err());
        assert_eq!(parse_query(b"a+b=1").unwrap()[0].0, b"a+b");
    }
}
