//! `struct evhttp`: an HTTP server — listening sockets, the connections accepted on them, and
//! the table of callbacks requests are dispatched to (exact paths, virtual hosts, aliases,
//! then the generic callback, then a 404 page).

use super::connection::{self as conn, Connection};
use super::ffi::*;
use super::request::{self as rq, RequestC, RequestCb};
use crate::core::mem;
use libc::{c_char, c_int, c_void, timeval};
use std::ffi::{CStr, CString};
use std::ptr;

pub const SERVER_LINGERING_CLOSE: c_int = 0x0001;

pub type BevCb = unsafe extern "C" fn(*mut EventBase, *mut c_void) -> *mut Bufferevent;

pub struct BoundSocket {
    pub listener: *mut Listener,
}

pub struct Http {
    pub base: *mut EventBase,
    pub sockets: Vec<*mut BoundSocket>,
    pub connections: Vec<*mut Connection>,
    pub callbacks: Vec<(CString, RequestCb, *mut c_void)>,
    pub vhosts: Vec<*mut Http>,
    /// Set when this server is another's virtual host.
    pub vhost_pattern: Option<CString>,
    pub aliases: Vec<CString>,
    pub timeout: Option<timeval>,
    pub max_headers_size: usize,
    pub max_body_size: usize,
    /// Borrowed from the program, as libevent does.
    pub default_content_type: *const c_char,
    pub allowed_methods: u16,
    pub flags: c_int,
    pub gencb: Option<RequestCb>,
    pub gencb_arg: *mut c_void,
    pub bevcb: Option<BevCb>,
    pub bevcb_arg: *mut c_void,
}

/// evhttp_new (base may be NULL for evhttp_start: the global current base is used).
pub fn new(base: *mut EventBase) -> *mut Http {
    let h = Http {
        base,
        sockets: Vec::new(),
        connections: Vec::new(),
        callbacks: Vec::new(),
        vhosts: Vec::new(),
        vhost_pattern: None,
        aliases: Vec::new(),
        timeout: None,
        max_headers_size: usize::MAX,
        max_body_size: usize::MAX,
        default_content_type: c"text/html; charset=ISO-8859-1".as_ptr(),
        allowed_methods: (rq::REQ_GET | rq::REQ_POST | rq::REQ_HEAD | rq::REQ_PUT | rq::REQ_DELETE) as u16,
        flags: 0,
        gencb: None,
        gencb_arg: ptr::null_mut(),
        bevcb: None,
        bevcb_arg: ptr::null_mut(),
    };
    mem::new_object(h).unwrap_or(ptr::null_mut())
}

/// evhttp_free: sockets, connections (and their requests), virtual hosts.
///
/// SAFETY: http is live and not used afterwards.
pub unsafe fn free(http: *mut Http) {
    // SAFETY: per the function contract.
    unsafe {
        for s in std::mem::take(&mut (*http).sockets) {
            evconnlistener_free((*s).listener);
            mem::free_object(s);
        }
        while let Some(&c) = (*http).connections.first() {
            conn::free(c); // removes itself from the list
        }
        for v in std::mem::take(&mut (*http).vhosts) {
            free(v);
        }
        mem::free_object(http);
    }
}

/// SAFETY: http is live.
pub unsafe fn forget_connection(http: *mut Http, evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe { (*http).connections.retain(|&c| c != evcon) };
}

unsafe extern "C" fn accept_cb(_l: *mut Listener, fd: c_int, sa: *mut libc::sockaddr, salen: c_int, arg: *mut c_void) {
    let http = arg as *mut Http;
    // SAFETY: arg is the live server this listener belongs to; sa has salen bytes.
    unsafe {
        let bev = match (*http).bevcb {
            Some(f) => f((*http).base, (*http).bevcb_arg),
            None => ptr::null_mut(),
        };
        let evcon = conn::new_incoming(http, bev, fd, sa, salen);
        if evcon.is_null() {
            libc::close(fd);
            return;
        }
        (*http).connections.push(evcon);
        if !conn::associate_new_request(evcon) {
            conn::free(evcon);
        }
    }
}

/// evhttp_bind_listener
///
/// SAFETY: http and listener are live.
pub unsafe fn bind_listener(http: *mut Http, listener: *mut Listener) -> *mut BoundSocket {
    // SAFETY: per the function contract.
    unsafe {
        let Some(s) = mem::new_object(BoundSocket { listener }) else { return ptr::null_mut() };
        crate::capi::listener::evconnlistener_set_cb(listener, Some(accept_cb), http as *mut c_void);
        (*http).sockets.push(s);
        s
    }
}

/// evhttp_accept_socket_with_handle: serve an fd that is already listening.
///
/// SAFETY: http is live.
pub unsafe fn accept_socket(http: *mut Http, fd: c_int) -> *mut BoundSocket {
    const LEV_OPT_CLOSE_ON_FREE: u32 = 0x02;
    const LEV_OPT_REUSEABLE: u32 = 0x08;
    const LEV_OPT_CLOSE_ON_EXEC: u32 = 0x04;
    // SAFETY: per the function contract.
    unsafe {
        let base = if (*http).base.is_null() { crate::core::global::current_base() } else { (*http).base };
        let l = evconnlistener_new(
            base,
            None,
            ptr::null_mut(),
            LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
            0,
            fd,
        );
        if l.is_null() {
            return ptr::null_mut();
        }
        let s = bind_listener(http, l);
        if s.is_null() {
            evconnlistener_free(l);
        }
        s
    }
}

/// evhttp_bind_socket_with_handle: listen on address:port (NULL address: all).
///
/// SAFETY: http is live; address NULL or a C string.
pub unsafe fn bind_socket(http: *mut Http, address: *const c_char, port: u16) -> *mut BoundSocket {
    // SAFETY: per the function contract; the addrinfo list is freed before return.
    unsafe {
        let mut hints: libc::addrinfo = std::mem::zeroed();
        hints.ai_family = libc::AF_UNSPEC;
        hints.ai_socktype = libc::SOCK_STREAM;
        hints.ai_flags = libc::AI_PASSIVE | libc::AI_ADDRCONFIG;
        let serv = CString::new(port.to_string()).unwrap_or_default();
        let mut res: *mut libc::addrinfo = ptr::null_mut();
        let r = libc::getaddrinfo(address, serv.as_ptr(), &hints, &mut res);
        if r != 0 || res.is_null() {
            crate::core::log::warn(&format!("getaddrinfo: {}", CStr::from_ptr(libc::gai_strerror(r)).to_string_lossy()));
            return ptr::null_mut();
        }
        let ai = &*res;
        let fd = libc::socket(ai.ai_family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0);
        let one: c_int = 1;
        let ok = fd >= 0
            && libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, &one as *const _ as *const c_void, 4) == 0
            && libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, &one as *const _ as *const c_void, 4) == 0
            && libc::bind(fd, ai.ai_addr, ai.ai_addrlen) == 0;
        libc::freeaddrinfo(res);
        if !ok {
            let e = *libc::__errno_location();
            if fd >= 0 {
                libc::close(fd);
            }
            *libc::__errno_location() = e;
            return ptr::null_mut();
        }
        if libc::listen(fd, 128) != 0 {
            crate::core::log::warn_errno("evhttp_bind_socket_with_handle: listen");
            libc::close(fd);
            return ptr::null_mut();
        }
        let s = accept_socket(http, fd);
        if s.is_null() {
            libc::close(fd);
        }
        s
    }
}

/// Case-insensitive match with '*' wildcards (virtual host patterns and aliases).
pub fn pattern_match(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|i| pattern_match(rest, &name[i..])),
        Some((&p, rest)) => match name.split_first() {
            Some((&n, nrest)) => p.eq_ignore_ascii_case(&n) && pattern_match(rest, nrest),
            None => false,
        },
    }
}

/// The server (this one or a virtual host under it) that answers for `host`.
///
/// SAFETY: http is live.
unsafe fn find_vhost(http: *mut Http, host: &[u8]) -> Option<*mut Http> {
    // SAFETY: per the function contract.
    unsafe {
        for &v in &(*http).vhosts {
            if let Some(p) = &(*v).vhost_pattern {
                if pattern_match(p.as_bytes(), host) {
                    return Some(find_vhost(v, host).unwrap_or(v));
                }
            }
        }
        if (*http).aliases.iter().any(|a| pattern_match(a.as_bytes(), host)) {
            return Some(http);
        }
        for &v in &(*http).vhosts {
            if let Some(found) = find_vhost(v, host) {
                return Some(found);
            }
        }
        None
    }
}

/// The server behind this connection serves `host` itself (so an absolute URI naming it is
/// not a proxy request).
///
/// SAFETY: evcon is NULL or live.
pub unsafe fn serves_host(evcon: *mut Connection, host: &[u8]) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        if evcon.is_null() || (*evcon).server.is_null() {
            return false;
        }
        find_vhost((*evcon).server, host).is_some()
    }
}

/// The request's callback on a server: route it.
pub unsafe extern "C" fn handle_request(req: *mut RequestC, arg: *mut c_void) {
    let mut http = arg as *mut Http;
    if req.is_null() {
        return;
    }
    // SAFETY: req is the live request being delivered; arg is its live server.
    unsafe {
        if (*req).uri.is_null() {
            let code = if (*req).response_code == 413 { 413 } else { 400 };
            return super::message::send_error(req, code, ptr::null());
        }
        if (*http).allowed_methods as c_int & (*req).type_ == 0 {
            return super::message::send_error(req, 501, ptr::null());
        }
        let host = crate::capi::http::evhttp_request_get_host(req);
        if !host.is_null() {
            if let Some(v) = find_vhost(http, CStr::from_ptr(host).to_bytes()) {
                http = v;
            }
        }
        let path = if (*req).uri_elems.is_null() { ptr::null() } else { evhttp_uri_get_path((*req).uri_elems) };
        let path = if path.is_null() { c"/".as_ptr() } else { path };
        // Callbacks match the percent-decoded path ('+' stays '+').
        let decoded = super::uri::decode(CStr::from_ptr(path).to_bytes(), false);
        if let Some(&(_, cb, cbarg)) = (*http).callbacks.iter().find(|(p, _, _)| p.as_bytes() == decoded.as_slice()) {
            return cb(req, cbarg);
        }
        if let Some(g) = (*http).gencb {
            return g(req, (*http).gencb_arg);
        }
        super::message::send_not_found(req)
    }
}
