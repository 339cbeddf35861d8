//! struct evkeyvalq header lists.
//!
//! Programs declare the list head themselves and walk it with the <sys/queue.h> TAILQ macros,
//! so the layout is fixed by event2/keyvalq_struct.h: a head {first, last} and nodes
//! {next, prev, key, value}, where `last` / `prev` point at the previous `next` field (or at
//! `first`). Nodes and strings come from the program's allocator (`core::mem`), as they do in
//! libevent, so a program that replaced the allocator sees consistent pointers.
//!
//! Everything here is `unsafe fn` over a raw head: the head and every node on it must be a
//! well-formed TAILQ built by these functions or by the program's own TAILQ macros.

use crate::core::mem;
use libc::{c_char, c_void};
use std::ffi::CStr;
use std::ptr;

/// One entry (`struct evkeyval`).
#[repr(C)]
pub struct KeyVal {
    pub next: *mut KeyVal,
    pub prev: *mut *mut KeyVal,
    pub key: *mut c_char,
    pub value: *mut c_char,
}

/// The list head (`struct evkeyvalq`).
#[repr(C)]
pub struct KeyValQ {
    pub first: *mut KeyVal,
    pub last: *mut *mut KeyVal,
}

impl KeyValQ {
    /// An empty head that still needs `init` once it sits at its final address (the `last`
    /// pointer refers to the head itself).
    pub const fn unlinked() -> KeyValQ {
        KeyValQ { first: ptr::null_mut(), last: ptr::null_mut() }
    }
}

/// A header name libevent accepts: no CR or LF anywhere.
pub fn key_is_valid(key: &[u8]) -> bool {
    !key.iter().any(|&b| b == b'\r' || b == b'\n')
}

/// A header value libevent 2.1.12 (as shipped by Debian) accepts through evhttp_add_header:
/// no CR or LF anywhere, not even as an obs-fold continuation.
pub fn value_is_valid(value: &[u8]) -> bool {
    !value.iter().any(|&b| b == b'\r' || b == b'\n')
}

/// `TAILQ_INIT`: make `q` empty. Whatever it held before is forgotten, not freed.
///
/// # Safety
/// `q` is NULL or points to writable memory for a `KeyValQ`.
pub unsafe fn init(q: *mut KeyValQ) {
    if q.is_null() {
        return;
    }
    // SAFETY: q is writable per the contract; `last` refers to q's own `first` field.
    unsafe {
        (*q).first = ptr::null_mut();
        (*q).last = ptr::addr_of_mut!((*q).first);
    }
}

/// Append (key, value) without checking them (libevent's internal add, used for parsed
/// query strings and received headers). False when `q` is NULL or memory runs out.
///
/// # Safety
/// `q` is NULL or a well-formed list.
pub unsafe fn add_unchecked(q: *mut KeyValQ, key: &[u8], value: &[u8]) -> bool {
    if q.is_null() {
        return false;
    }
    let node = mem::calloc(1, std::mem::size_of::<KeyVal>()) as *mut KeyVal;
    if node.is_null() {
        crate::core::log::warn("evhttp_add_header: calloc");
        return false;
    }
    let k = mem::strdup_bytes(key);
    let v = mem::strdup_bytes(value);
    if k.is_null() || v.is_null() {
        mem::free(k as *mut c_void);
        mem::free(v as *mut c_void);
        mem::free(node as *mut c_void);
        crate::core::log::warn("evhttp_add_header: strdup");
        return false;
    }
    // SAFETY: node is fresh and zeroed; q is a well-formed list, so q.last points at the
    // `next` field of its last node (or at q.first), which is where the new node is linked.
    unsafe {
        (*node).key = k;
        (*node).value = v;
        (*node).next = ptr::null_mut();
        (*node).prev = (*q).last;
        *(*q).last = node;
        (*q).last = ptr::addr_of_mut!((*node).next);
    }
    true
}

/// evhttp_add_header: append after refusing keys/values with CR or LF.
///
/// # Safety
/// `q` is NULL or a well-formed list.
pub unsafe fn add(q: *mut KeyValQ, key: &[u8], value: &[u8]) -> bool {
    if !key_is_valid(key) || !value_is_valid(value) {
        crate::core::log::debug("evhttp_add_header: dropping illegal header");
        return false;
    }
    // SAFETY: forwarded contract.
    unsafe { add_unchecked(q, key, value) }
}

/// Iterate over the (key, value) pairs in order.
///
/// # Safety
/// `q` is NULL or a well-formed list that is not modified while the iterator (or any slice
/// it returned) is alive.
pub unsafe fn iter<'a>(q: *const KeyValQ) -> impl Iterator<Item = (&'a [u8], &'a [u8])> {
    // SAFETY: q is NULL or a valid head.
    let mut cur = if q.is_null() { ptr::null_mut() } else { unsafe { (*q).first } };
    std::iter::from_fn(move || {
        if cur.is_null() {
            return None;
        }
        // SAFETY: cur is a live node of the list; its strings are NUL-terminated.
        unsafe {
            let n = cur;
            cur = (*n).next;
            Some((CStr::from_ptr((*n).key).to_bytes(), CStr::from_ptr((*n).value).to_bytes()))
        }
    })
}

/// The first node whose key equals `key`, ignoring ASCII case.
unsafe fn find_node(q: *const KeyValQ, key: &[u8]) -> *mut KeyVal {
    if q.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: q is a valid head; every node on it is live with NUL-terminated strings.
    unsafe {
        let mut n = (*q).first;
        while !n.is_null() {
            if !(*n).key.is_null() && CStr::from_ptr((*n).key).to_bytes().eq_ignore_ascii_case(key) {
                return n;
            }
            n = (*n).next;
        }
    }
    ptr::null_mut()
}

/// evhttp_find_header as a C string pointer (NULL when absent).
///
/// # Safety
/// `q` is NULL or a well-formed list.
pub unsafe fn find_ptr(q: *const KeyValQ, key: &[u8]) -> *const c_char {
    // SAFETY: forwarded contract.
    let n = unsafe { find_node(q, key) };
    if n.is_null() {
        ptr::null()
    } else {
        // SAFETY: n is a live node.
        unsafe { (*n).value }
    }
}

/// The value of the first header named `key` (ASCII case-insensitive).
///
/// # Safety
/// `q` is NULL or a well-formed list, unchanged while the returned slice is used.
pub unsafe fn find<'a>(q: *const KeyValQ, key: &[u8]) -> Option<&'a [u8]> {
    // SAFETY: forwarded contract.
    let p = unsafe { find_ptr(q, key) };
    // SAFETY: a value string of a live node.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Unlink and free one node.
unsafe fn unlink_free(q: *mut KeyValQ, n: *mut KeyVal) {
    // SAFETY: n is on q (caller); TAILQ_REMOVE then release node and strings.
    unsafe {
        if !(*n).next.is_null() {
            (*(*n).next).prev = (*n).prev;
        } else {
            (*q).last = (*n).prev;
        }
        *(*n).prev = (*n).next;
        mem::free((*n).key as *mut c_void);
        mem::free((*n).value as *mut c_void);
        mem::free(n as *mut c_void);
    }
}

/// evhttp_remove_header: drop the first header named `key`. False when there is none.
///
/// # Safety
/// `q` is NULL or a well-formed list whose nodes came from our allocator.
pub unsafe fn remove(q: *mut KeyValQ, key: &[u8]) -> bool {
    // SAFETY: forwarded contract.
    let n = unsafe { find_node(q, key) };
    if n.is_null() {
        return false;
    }
    // SAFETY: n is on q.
    unsafe { unlink_free(q, n) };
    true
}

/// evhttp_clear_headers: free every node; the list is left empty and usable.
///
/// # Safety
/// `q` is NULL or a well-formed list whose nodes came from our allocator.
pub unsafe fn clear(q: *mut KeyValQ) {
    if q.is_null() {
        return;
    }
    // SAFETY: q is a valid head; each pass removes its current first node.
    unsafe {
        while !(*q).first.is_null() {
            unlink_free(q, (*q).first);
        }
        init(q);
    }
}

/// Fill `q` from a query string ("a=1&b=x+y", values decoded): evhttp_parse_query_str. The
/// list is initialised first; a malformed query (or running out of memory) leaves it empty
/// and answers false. `None` is an empty query.
///
/// # Safety
/// `q` points to writable memory for a `KeyValQ` (what it held before is forgotten).
pub unsafe fn fill_from_query(q: *mut KeyValQ, query: Option<&[u8]>) -> bool {
    // SAFETY: q is writable memory for a head (contract).
    unsafe { init(q) };
    let Some(query) = query else { return true };
    let Ok(pairs) = super::uri::parse_query(query) else { return false };
    for (k, v) in pairs {
        // SAFETY: q was initialised above and only built here.
        if !unsafe { add_unchecked(q, &k, &v) } {
            // SAFETY: as above.
            unsafe { clear(q) };
            return false;
        }
    }
    true
}

/// Fill `q` from the query part of a URI: evhttp_parse_query. False (and an empty list) when
/// the URI does not parse or its query is malformed; a URI without a query gives no pairs.
///
/// # Safety
/// As [`fill_from_query`].
pub unsafe fn fill_from_uri_query(q: *mut KeyValQ, uri: Option<&[u8]>) -> bool {
    let Some(parsed) = uri.and_then(|s| super::uri::Uri::parse(s, 0)) else {
        // SAFETY: q is writable memory for a head (contract).
        unsafe { init(q) };
        return false;
    };
    // SAFETY: as above.
    unsafe { fill_from_query(q, parsed.query()) }
}

/// Number of entries.
///
/// # Safety
/// `q` is NULL or a well-formed list.
pub unsafe fn count(q: *const KeyValQ) -> usize {
    // SAFETY: forwarded contract.
    unsafe { iter(q) }.count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: *const KeyValQ) -> Vec<(String, String)> {
        // SAFETY: q is a live test list.
        unsafe { iter(q) }
            .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), String::from_utf8_lossy(v).into_owned()))
            .collect()
    }

    /// The back pointers agree with the forward chain (what TAILQ_LAST / TAILQ_REMOVE use).
    fn check_links(q: *mut KeyValQ) {
        // SAFETY: q is a live test list.
        unsafe {
            let mut prev_next: *mut *mut KeyVal = ptr::addr_of_mut!((*q).first);
            let mut n = (*q).first;
            while !n.is_null() {
                assert_eq!((*n).prev, prev_next);
                prev_next = ptr::addr_of_mut!((*n).next);
                n = (*n).next;
            }
            assert_eq!((*q).last, prev_next);
        }
    }

    #[test]
    fn http_headers_add_find_remove_clear() {
        let mut q = Box::new(KeyValQ::unlinked());
        let q: *mut KeyValQ = &mut *q;
        // SAFETY: q is a live, initialised head for the whole test.
        unsafe {
            init(q);
            check_links(q);
            assert!(add(q, b"Host", b"example.com"));
            assert!(add(q, b"Accept", b""));
            assert!(add(q, b"host", b"second"));
            assert!(!add(q, b"Bad\r", b"x"));
            assert!(!add(q, b"Bad", b"a\r\n b"));
            assert!(!add(q, b"Bad", b"a\n"));
            check_links(q);
            assert_eq!(count(q), 3);
            assert_eq!(find(q, b"HOST"), Some(&b"example.com"[..]));
            assert_eq!(find(q, b"accept"), Some(&b""[..]));
            assert_eq!(find(q, b"nope"), None);
            assert!(remove(q, b"hOsT"));
            check_links(q);
            assert_eq!(find(q, b"host"), Some(&b"second"[..]));
            assert!(remove(q, b"host"));
            assert!(!remove(q, b"host"));
            check_links(q);
            assert_eq!(pairs(q), vec![("Accept".into(), "".into())]);
            assert!(add(q, b"A", b"1"));
            clear(q);
            check_links(q);
            assert_eq!(count(q), 0);
            assert!(add(q, b"after", b"clear"));
            assert_eq!(pairs(q), vec![("after".into(), "clear".into())]);
            clear(q);
            // NULL heads are harmless
            assert!(!add(ptr::null_mut(), b"a", b"b"));
            assert_eq!(find(ptr::null(), b"a"), None);
            assert!(!remove(ptr::null_mut(), b"a"));
            clear(ptr::null_mut());
        }
    }

    #[test]
    fn http_headers_unchecked_keeps_crlf() {
        let mut q = Box::new(KeyValQ::unlinked());
        let q: *mut KeyValQ = &mut *q;
        // SAFETY: live head.
        unsafe {
            init(q);
            assert!(add_unchecked(q, b"k", b"a\r\nb"));
            assert_eq!(find(q, b"K"), Some(&b"a\r\nb"[..]));
            clear(q);
        }
    }
}
