//! evutil_getaddrinfo / evutil_freeaddrinfo / evutil_gai_strerror.
//!
//! On Linux libevent hands the lookup to the C library's getaddrinfo (with a zeroed hints
//! block when the caller passes none, so glibc's default AI_V4MAPPED|AI_ADDRCONFIG is NOT
//! applied) and returns glibc's list as is. Programs rely on that (some release an evutil
//! list with the C library's freeaddrinfo), so we do the same. Numeric hosts and services
//! never touch DNS there.
//!
//! Lists libevent builds itself (the evdns resolver's answers) are marked instead: every
//! node carries AI_LIBEVENT_ALLOCATED in ai_flags and lives in the library allocator
//! (event_set_mem_functions). evutil_freeaddrinfo looks at the head's flag to pick the
//! matching release. Code of ours that builds such a list uses [`new_addrinfo_node`].

use crate::core::mem;
use libc::{addrinfo, c_char, c_int, sockaddr};
use std::ffi::CStr;
use std::ptr;

/// The EVUTIL_EAI_* codes as libevent 2.1.12 was built on Debian: glibc's EAI_* values
/// (with _GNU_SOURCE, so ADDRFAMILY and NODATA exist), plus libevent's own CANCEL.
pub const EAI_BADFLAGS: c_int = -1;
pub const EAI_NONAME: c_int = -2;
pub const EAI_AGAIN: c_int = -3;
pub const EAI_FAIL: c_int = -4;
pub const EAI_NODATA: c_int = -5;
pub const EAI_FAMILY: c_int = -6;
pub const EAI_SOCKTYPE: c_int = -7;
pub const EAI_SERVICE: c_int = -8;
pub const EAI_ADDRFAMILY: c_int = -9;
pub const EAI_MEMORY: c_int = -10;
pub const EAI_SYSTEM: c_int = -11;
pub const EAI_CANCEL: c_int = -90001;

/// A hints flag only libevent understands ("this list was built by libevent, not the
/// system"); it must never reach the system resolver, which would reject it.
pub const AI_LIBEVENT_ALLOCATED: c_int = 0x8000_0000_u32 as c_int;

/// libevent's own (BSD-worded) text for the codes it knows; None for the rest, which
/// libevent passes on to the C library's gai_strerror.
pub fn gai_error_text(err: c_int) -> Option<&'static CStr> {
    Some(match err {
        EAI_CANCEL => c"Request canceled",
        0 => c"No error",
        EAI_ADDRFAMILY => c"address family for nodename not supported",
        EAI_AGAIN => c"temporary failure in name resolution",
        EAI_BADFLAGS => c"invalid value for ai_flags",
        EAI_FAIL => c"non-recoverable failure in name resolution",
        EAI_FAMILY => c"ai_family not supported",
        EAI_MEMORY => c"memory allocation failure",
        EAI_NODATA => c"no address associated with nodename",
        EAI_NONAME => c"nodename nor servname provided, or not known",
        EAI_SERVICE => c"servname not supported for ai_socktype",
        EAI_SOCKTYPE => c"ai_socktype not supported",
        EAI_SYSTEM => c"system error",
        _ => return None,
    })
}

/// `evutil_gai_strerror`: a static string, ours or the C library's.
pub fn gai_strerror(err: c_int) -> *const c_char {
    match gai_error_text(err) {
        Some(text) => text.as_ptr(),
        // SAFETY: gai_strerror accepts any code and returns a static string.
        None => unsafe { libc::gai_strerror(err) },
    }
}

/// The hints libevent passes to the system: the caller's (minus libevent-only flags), or
/// all-zero with an unspecified family.
pub fn system_hints(caller: Option<&addrinfo>) -> addrinfo {
    match caller {
        Some(h) => {
            let mut hints = *h;
            hints.ai_flags &= !AI_LIBEVENT_ALLOCATED;
            hints
        }
        None => {
            // SAFETY: addrinfo is plain C data; all-zero is valid (null pointers, 0 ints).
            let mut hints: addrinfo = unsafe { std::mem::zeroed() };
            hints.ai_family = libc::AF_UNSPEC;
            hints
        }
    }
}

/// Resolve through the C library. On success `*res` is a glibc list (release it with
/// [`freeaddrinfo`]); on failure `*res` is left as it was.
///
/// # Safety
/// `node` and `serv` are NULL or NUL-terminated; `res` is valid for writing.
pub unsafe fn getaddrinfo(node: *const c_char, serv: *const c_char, hints: &addrinfo, res: *mut *mut addrinfo) -> c_int {
    let mut list: *mut addrinfo = ptr::null_mut();
    // SAFETY: node and serv are NULL or C strings (contract); hints is a complete addrinfo;
    // `list` is a local out-pointer.
    let err = unsafe { libc::getaddrinfo(node, serv, hints, &mut list) };
    if err == 0 {
        // SAFETY: res is valid for writing (contract).
        unsafe { *res = list };
    }
    err
}

/// `evutil_getaddrinfo`: [`getaddrinfo`] with the caller's hints made [`system_hints`].
///
/// # Safety
/// As [`getaddrinfo`].
pub unsafe fn lookup(node: *const c_char, serv: *const c_char, hints: Option<&addrinfo>, res: *mut *mut addrinfo) -> c_int {
    let hints = system_hints(hints);
    // SAFETY: node, serv and res as the caller promised (contract).
    unsafe { getaddrinfo(node, serv, &hints, res) }
}

/// Release a list from [`getaddrinfo`] (the C library's) or one built from
/// [`new_addrinfo_node`]s (ours, told apart by the head's AI_LIBEVENT_ALLOCATED flag).
/// NULL is ignored (libevent would crash on it).
///
/// # Safety
/// `ai` is NULL or the head of such a list, not used afterwards.
pub unsafe fn freeaddrinfo(ai: *mut addrinfo) {
    if ai.is_null() {
        return;
    }
    // SAFETY: ai is a live node (contract).
    if unsafe { (*ai).ai_flags } & AI_LIBEVENT_ALLOCATED == 0 {
        // SAFETY: a C-library list (contract); its own freeaddrinfo owns the layout.
        unsafe { libc::freeaddrinfo(ai) };
        return;
    }
    let mut node = ai;
    while !node.is_null() {
        // SAFETY: every node of our lists and its canonical name come from mem::malloc.
        unsafe {
            let next = (*node).ai_next;
            mem::free((*node).ai_canonname as *mut libc::c_void);
            mem::free(node as *mut libc::c_void);
            node = next;
        }
    }
}

/// One list node holding a copy of `sa` (whose length is `sa.len()`), for lists our own
/// resolver hands to programs: one library-allocator block with the address right after
/// the struct, the canonical name (if any) in its own block, and AI_LIBEVENT_ALLOCATED
/// added to `flags` so that [`freeaddrinfo`] releases it the right way. None when out of
/// memory.
pub fn new_addrinfo_node(
    sa: &[u8],
    family: c_int,
    socktype: c_int,
    protocol: c_int,
    flags: c_int,
    canonname: Option<&CStr>,
) -> Option<*mut addrinfo> {
    let head = std::mem::size_of::<addrinfo>();
    let block = mem::calloc(1, head + sa.len()) as *mut u8;
    if block.is_null() {
        return None;
    }
    let canon = match canonname {
        None => ptr::null_mut(),
        Some(name) => {
            let copy = mem::strdup_bytes(name.to_bytes());
            if copy.is_null() {
                // SAFETY: block came from mem::calloc just above and is not used again.
                unsafe { mem::free(block as *mut libc::c_void) };
                return None;
            }
            copy
        }
    };
    let node = block as *mut addrinfo;
    // SAFETY: block holds head + sa.len() zeroed bytes, aligned by malloc for addrinfo; the
    // address is copied right after the struct, where ai_addr points.
    unsafe {
        let addr = block.add(head);
        ptr::copy_nonoverlapping(sa.as_ptr(), addr, sa.len());
        (*node).ai_flags = flags | AI_LIBEVENT_ALLOCATED;
        (*node).ai_family = family;
        (*node).ai_socktype = socktype;
        (*node).ai_protocol = protocol;
        (*node).ai_addrlen = sa.len() as libc::socklen_t;
        (*node).ai_addr = addr as *mut sockaddr;
        (*node).ai_canonname = canon;
        (*node).ai_next = ptr::null_mut();
    }
    Some(node)
}

/// Append list `tail` to list `head` (either may be NULL); returns the head of the result.
///
/// # Safety
/// both are NULL or well-formed lists that do not share nodes.
pub unsafe fn append(head: *mut addrinfo, tail: *mut addrinfo) -> *mut addrinfo {
    if head.is_null() {
        return tail;
    }
    let mut last = head;
    // SAFETY: walking a well-formed list (contract).
    unsafe {
        while !(*last).ai_next.is_null() {
            last = (*last).ai_next;
        }
        (*last).ai_next = tail;
    }
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(gai_error_text(-2).unwrap().to_str().unwrap(), "nodename nor servname provided, or not known");
        assert_eq!(gai_error_text(EAI_CANCEL).unwrap().to_str().unwrap(), "Request canceled");
        assert!(gai_error_text(-12).is_none());
        // SAFETY: gai_strerror returns a static C string.
        let unknown = unsafe { CStr::from_ptr(gai_strerror(-901)) };
        assert!(!unknown.to_bytes().is_empty());
    }

    #[test]
    fn hints_drop_libevent_flag() {
        // SAFETY: all-zero addrinfo is valid.
        let mut h: addrinfo = unsafe { std::mem::zeroed() };
        h.ai_flags = AI_LIBEVENT_ALLOCATED | libc::AI_PASSIVE;
        h.ai_family = libc::AF_INET;
        let s = system_hints(Some(&h));
        assert_eq!(s.ai_flags, libc::AI_PASSIVE);
        assert_eq!(s.ai_family, libc::AF_INET);
        assert_eq!(system_hints(None).ai_flags, 0);
    }

    #[test]
    fn numeric_lookup_and_nodes() {
        let h = system_hints(None);
        let mut res: *mut addrinfo = ptr::null_mut();
        // SAFETY: literal C strings; res is a local.
        let err = unsafe { getaddrinfo(c"1.2.3.4".as_ptr(), c"80".as_ptr(), &h, &mut res) };
        assert_eq!(err, 0);
        assert!(!res.is_null());
        // SAFETY: a C-library list, released once.
        unsafe { freeaddrinfo(res) };
        let sa = [7u8; 16];
        let a = new_addrinfo_node(&sa, libc::AF_INET, libc::SOCK_STREAM, 6, 0, Some(c"x")).unwrap();
        let b = new_addrinfo_node(&sa, libc::AF_INET, libc::SOCK_DGRAM, 17, 0, None).unwrap();
        // SAFETY: distinct well-formed lists of ours, released once.
        unsafe {
            let l = append(a, b);
            assert_eq!(*(*l).ai_addr.cast::<u8>(), 7);
            assert_ne!((*l).ai_flags & AI_LIBEVENT_ALLOCATED, 0);
            freeaddrinfo(l);
            freeaddrinfo(ptr::null_mut());
        }
    }
}
