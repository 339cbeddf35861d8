//! event2/http.h: URI, percent-coding, query and header-list functions.
//!
//! Strings handed back to the program come from its allocator (core::mem), so it frees them
//! with free() or with the function it gave event_set_mem_functions. NULL arguments get -1 /
//! NULL instead of libevent's crash. The logic is src/http/uri.rs and src/http/headers.rs.
#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::{log, mem};
use crate::http::headers::{self, KeyValQ};
use crate::http::uri::{self, c_bytes, Uri};
use libc::{c_char, c_int, c_uint, size_t, ssize_t};
use std::ptr;

/// A NUL-terminated copy in the program's allocator, or NULL (with a warning) when it fails.
fn give(bytes: &[u8], what: &str) -> *mut c_char {
    let p = mem::strdup_bytes(bytes);
    if p.is_null() {
        log::warn(&format!("{}: malloc", what));
    }
    p
}

/// libevent's 0 / -1.
fn answer(ok: bool) -> c_int {
    if ok {
        0
    } else {
        -1
    }
}

/// Optional C string as bytes.
///
/// SAFETY: p is NULL or NUL-terminated.
unsafe fn opt<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!p.is_null()).then(|| unsafe { c_bytes(p) })
}

// --- header lists ---------------------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn evhttp_find_header(headers: *const KeyValQ, key: *const c_char) -> *const c_char {
    if headers.is_null() || key.is_null() {
        return ptr::null();
    }
    // SAFETY: headers is a list the program built with our functions / TAILQ macros; key is
    // a C string.
    unsafe { headers::find_ptr(headers, c_bytes(key)) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_remove_header(headers: *mut KeyValQ, key: *const c_char) -> c_int {
    if headers.is_null() || key.is_null() {
        return -1;
    }
    // SAFETY: as in evhttp_find_header.
    answer(unsafe { headers::remove(headers, c_bytes(key)) })
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_add_header(headers: *mut KeyValQ, key: *const c_char, value: *const c_char) -> c_int {
    if headers.is_null() || key.is_null() || value.is_null() {
        return -1;
    }
    // SAFETY: a valid list; key and value are C strings.
    answer(unsafe { headers::add(headers, c_bytes(key), c_bytes(value)) })
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_clear_headers(headers: *mut KeyValQ) {
    // SAFETY: NULL or a valid list whose nodes came from our allocator.
    unsafe { headers::clear(headers) }
}

// --- percent-coding, escaping -----------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn evhttp_encode_uri(str: *const c_char) -> *mut c_char {
    // SAFETY: forwarded; str is NULL or a C string.
    unsafe { evhttp_uriencode(str, -1, 0) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uriencode(str: *const c_char, size: ssize_t, space_to_plus: c_int) -> *mut c_char {
    if str.is_null() {
        return ptr::null_mut();
    }
    let input: &[u8] = if size >= 0 {
        // SAFETY: the caller says `size` bytes are readable at str (NULs included).
        unsafe { std::slice::from_raw_parts(str as *const u8, size as usize) }
    } else {
        // SAFETY: a C string.
        unsafe { c_bytes(str) }
    };
    give(&uri::encode(input, space_to_plus != 0), "evhttp_uriencode")
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_decode_uri(uri: *const c_char) -> *mut c_char {
    if uri.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a C string. '+' becomes a space only after a '?'.
    give(&uri::decode_ctl(unsafe { c_bytes(uri) }, -1), "evhttp_decode_uri")
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uridecode(uri: *const c_char, decode_plus: c_int, size_out: *mut size_t) -> *mut c_char {
    if uri.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a C string.
    let out = uri::decode(unsafe { c_bytes(uri) }, decode_plus != 0);
    let p = give(&out, "evhttp_uridecode");
    if !p.is_null() && !size_out.is_null() {
        // SAFETY: the caller passed a writable size_t.
        unsafe { *size_out = out.len() };
    }
    p
}

/// libevent's internal decoder (its own tests call it): decodes `length` bytes of `uri` into
/// `ret` (which must hold length + 1 bytes), NUL-terminates and returns the decoded length.
#[no_mangle]
pub unsafe extern "C" fn evhttp_decode_uri_internal(
    uri: *const c_char,
    length: size_t,
    ret: *mut c_char,
    decode_plus: c_int,
) -> c_int {
    if ret.is_null() || (uri.is_null() && length > 0) {
        return -1;
    }
    let input: &[u8] = if length == 0 {
        &[]
    } else {
        // SAFETY: the caller says `length` bytes are readable at uri.
        unsafe { std::slice::from_raw_parts(uri as *const u8, length) }
    };
    let out = uri::decode_ctl(input, decode_plus);
    // SAFETY: ret has room for length + 1 bytes and decoding never grows the input; the
    // regions do not overlap unless the caller decodes in place, which copy handles.
    unsafe {
        ptr::copy(out.as_ptr(), ret as *mut u8, out.len());
        *ret.add(out.len()) = 0;
    }
    out.len() as c_int
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_htmlescape(html: *const c_char) -> *mut c_char {
    if html.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a C string.
    give(&uri::html_escape(unsafe { c_bytes(html) }), "evhttp_htmlescape")
}

// --- query strings ------------------------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn evhttp_parse_query(uri: *const c_char, headers: *mut KeyValQ) -> c_int {
    if headers.is_null() {
        return -1;
    }
    // SAFETY: the program's list head (overwritten as TAILQ_INIT does); uri is NULL or a C
    // string.
    answer(unsafe { headers::fill_from_uri_query(headers, opt(uri)) })
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_parse_query_str(uri: *const c_char, headers: *mut KeyValQ) -> c_int {
    if headers.is_null() {
        return -1;
    }
    // SAFETY: as in evhttp_parse_query; a NULL string is an empty query, as in libevent.
    answer(unsafe { headers::fill_from_query(headers, opt(uri)) })
}

// --- struct evhttp_uri --------------------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_new() -> *mut Uri {
    let u = uri::into_raw(Uri::new());
    if u.is_null() {
        log::warn("evhttp_uri_new: calloc");
    }
    u
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_set_flags(uri: *mut Uri, flags: c_uint) {
    // SAFETY: NULL or a live Uri from evhttp_uri_new/parse.
    if let Some(u) = unsafe { uri.as_mut() } {
        u.set_flags(flags);
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_parse_with_flags(source_uri: *const c_char, flags: c_uint) -> *mut Uri {
    if source_uri.is_null() {
        // libevent's strdup of NULL fails with EINVAL, and it says so through event_warn.
        crate::util::sys::set_errno(libc::EINVAL);
        log::warn_errno("evhttp_uri_parse_with_flags: strdup");
        return ptr::null_mut();
    }
    // SAFETY: a C string.
    uri::parse_raw(unsafe { c_bytes(source_uri) }, flags)
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_parse(source_uri: *const c_char) -> *mut Uri {
    // SAFETY: forwarded.
    unsafe { evhttp_uri_parse_with_flags(source_uri, 0) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_free(uri: *mut Uri) {
    // SAFETY: NULL or a Uri from evhttp_uri_new/parse, given up here.
    unsafe { uri::free_raw(uri) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_join(uri: *mut Uri, buf: *mut c_char, limit: size_t) -> *mut c_char {
    if uri.is_null() || buf.is_null() || limit == 0 {
        return ptr::null_mut();
    }
    // SAFETY: a live Uri.
    let Some(joined) = (unsafe { &*uri }).join() else {
        return ptr::null_mut();
    };
    if joined.len() + 1 > limit {
        return ptr::null_mut();
    }
    // SAFETY: buf has `limit` writable bytes, and joined + NUL fits.
    unsafe {
        ptr::copy_nonoverlapping(joined.as_ptr(), buf as *mut u8, joined.len());
        *buf.add(joined.len()) = 0;
    }
    buf
}

macro_rules! getter {
    ($name:ident, $ptr:ident) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(uri: *const Uri) -> *const c_char {
            // SAFETY: NULL or a live Uri.
            match unsafe { uri.as_ref() } {
                Some(u) => u.$ptr(),
                None => ptr::null(),
            }
        }
    };
}

getter!(evhttp_uri_get_scheme, scheme_ptr);
getter!(evhttp_uri_get_userinfo, userinfo_ptr);
getter!(evhttp_uri_get_host, host_ptr);
getter!(evhttp_uri_get_path, path_ptr);
getter!(evhttp_uri_get_query, query_ptr);
getter!(evhttp_uri_get_fragment, fragment_ptr);

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_get_port(uri: *const Uri) -> c_int {
    // SAFETY: NULL or a live Uri.
    unsafe { uri.as_ref() }.map_or(-1, |u| u.port())
}

macro_rules! setter {
    ($name:ident, $set:ident) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(uri: *mut Uri, value: *const c_char) -> c_int {
            // SAFETY: NULL or a live Uri.
            let Some(u) = (unsafe { uri.as_mut() }) else { return -1 };
            // SAFETY: value is NULL or a C string.
            answer(u.$set(unsafe { opt(value) }).is_ok())
        }
    };
}

setter!(evhttp_uri_set_scheme, set_scheme);
setter!(evhttp_uri_set_userinfo, set_userinfo);
setter!(evhttp_uri_set_host, set_host);
setter!(evhttp_uri_set_path, set_path);
setter!(evhttp_uri_set_query, set_query);
setter!(evhttp_uri_set_fragment, set_fragment);

#[no_mangle]
pub unsafe extern "C" fn evhttp_uri_set_port(uri: *mut Uri, port: c_int) -> c_int {
    // SAFETY: NULL or a live Uri.
    let Some(u) = (unsafe { uri.as_mut() }) else { return -1 };
    answer(u.set_port(port).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn http_capi_null_arguments_are_harmless() {
        // SAFETY: every pointer is NULL or a valid C string / buffer; nothing is retained.
        unsafe {
            assert!(evhttp_find_header(ptr::null(), c"k".as_ptr()).is_null());
            assert_eq!(evhttp_remove_header(ptr::null_mut(), c"k".as_ptr()), -1);
            assert_eq!(evhttp_add_header(ptr::null_mut(), c"k".as_ptr(), c"v".as_ptr()), -1);
            evhttp_clear_headers(ptr::null_mut());
            assert!(evhttp_encode_uri(ptr::null()).is_null());
            assert!(evhttp_uriencode(ptr::null(), 3, 1).is_null());
            assert!(evhttp_decode_uri(ptr::null()).is_null());
            assert!(evhttp_uridecode(ptr::null(), 1, ptr::null_mut()).is_null());
            assert!(evhttp_htmlescape(ptr::null()).is_null());
            assert_eq!(evhttp_decode_uri_internal(ptr::null(), 3, ptr::null_mut(), 0), -1);
            assert_eq!(evhttp_parse_query(c"/?a=1".as_ptr(), ptr::null_mut()), -1);
            assert_eq!(evhttp_parse_query_str(c"a=1".as_ptr(), ptr::null_mut()), -1);
            assert!(evhttp_uri_parse(ptr::null()).is_null());
            evhttp_uri_free(ptr::null_mut());
            evhttp_uri_set_flags(ptr::null_mut(), 1);
            assert!(evhttp_uri_get_scheme(ptr::null()).is_null());
            assert!(evhttp_uri_get_host(ptr::null()).is_null());
            assert_eq!(evhttp_uri_get_port(ptr::null()), -1);
            assert_eq!(evhttp_uri_set_host(ptr::null_mut(), c"h".as_ptr()), -1);
            assert_eq!(evhttp_uri_set_port(ptr::null_mut(), 1), -1);
            let mut buf = [0 as c_char; 8];
            assert!(evhttp_uri_join(ptr::null_mut(), buf.as_mut_ptr(), 8).is_null());
            let u = evhttp_uri_new();
            assert!(evhttp_uri_join(u, ptr::null_mut(), 8).is_null());
            assert!(evhttp_uri_join(u, buf.as_mut_ptr(), 0).is_null());
            evhttp_uri_free(u);
        }
    }

    #[test]
    fn http_capi_round_trip() {
        // SAFETY: valid C strings; results freed with the allocator that made them.
        unsafe {
            let u = evhttp_uri_parse(c"http://u@[::1]:8080/a%20b?x=1#f".as_ptr());
            assert!(!u.is_null());
            assert_eq!(CStr::from_ptr(evhttp_uri_get_host(u)).to_bytes(), b"[::1]");
            assert_eq!(evhttp_uri_get_port(u), 8080);
            let mut buf = [0 as c_char; 64];
            let j = evhttp_uri_join(u, buf.as_mut_ptr(), buf.len());
            assert_eq!(CStr::from_ptr(j).to_bytes(), b"http://u@[::1]:8080/a%20b?x=1#f");
            let mut q = KeyValQ::unlinked();
            assert_eq!(evhttp_parse_query(c"http://h/?a=1+2&b=%41".as_ptr(), &mut q), 0);
            assert_eq!(CStr::from_ptr(evhttp_find_header(&q, c"B".as_ptr())).to_bytes(), b"A");
            assert_eq!(CStr::from_ptr(evhttp_find_header(&q, c"a".as_ptr())).to_bytes(), b"1 2");
            // Parsing starts the list afresh (as libevent's does), so the caller clears it first.
            evhttp_clear_headers(&mut q);
            assert_eq!(evhttp_parse_query_str(c"a=1&b".as_ptr(), &mut q), -1);
            assert!(q.first.is_null());
            let mut n = 0usize;
            let d = evhttp_uridecode(c"%41+".as_ptr(), 1, &mut n);
            assert_eq!(n, 2);
            assert_eq!(CStr::from_ptr(d).to_bytes(), b"A ");
            mem::free(d as *mut libc::c_void);
            let mut out = [0 as c_char; 8];
            assert_eq!(evhttp_decode_uri_internal(c"a+b?+".as_ptr(), 5, out.as_mut_ptr(), -1), 5);
            assert_eq!(CStr::from_ptr(out.as_ptr()).to_bytes(), b"a+b? ");
            evhttp_uri_free(u);
        }
    }
}
