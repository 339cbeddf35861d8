//! `struct evhttp`: an HTTP server — listening sockets, the connections accepted on them, and
//! the table of callbacks requests are dispatched to (exact paths, virtual hosts, aliases,
//! then the generic callback, then a 404 page).
//!
//! # Pointer contract (for every `unsafe fn` in this module)
//! - `http: *mut Http` (and `vhost`) is a live server from [`new`], not yet freed.

use super::connection::{self as conn, Connection};
use super::request::{self as rq, RequestC, RequestCb};
use crate::bufferevent::core::{self as bev, Bufferevent};
use crate::core::base::EventBase;
use crate::core::{log, mem};
use crate::listener::{self, LevOpt, Listener};
use crate::util::sys::{errno, set_errno, syscall};
use libc::{c_char, c_int, c_void, timeval};
use std::ffi::{CStr, CString};
use std::ptr;

/// The C names and values (checked against the headers by ctest/).
pub const SERVER_LINGERING_CLOSE: c_int = 0x0001;

bitflags::bitflags! {
    /// `EVHTTP_SERVER_*` (event2/http.h): evhttp_set_flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct ServerFlags: c_int {
        const LINGERING_CLOSE = SERVER_LINGERING_CLOSE;
    }
}

/// The program's factory for each accepted connection's bufferevent (evhttp_set_bevcb).
pub type BevCb = unsafe extern "C" fn(*mut EventBase, *mut c_void) -> *mut Bufferevent;

/// `struct evhttp_bound_socket`: one listener feeding the server.
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
    pub flags: ServerFlags,
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
        flags: ServerFlags::empty(),
        gencb: None,
        gencb_arg: ptr::null_mut(),
        bevcb: None,
        bevcb_arg: ptr::null_mut(),
    };
    mem::new_object(h).unwrap_or(ptr::null_mut())
}

/// evhttp_start: a server on the global base listening on address:port, or NULL.
///
/// # Safety
/// `address` is NULL or a C string.
pub unsafe fn start(address: *const c_char, port: u16) -> *mut Http {
    let http = new(ptr::null_mut());
    if http.is_null() {
        return http;
    }
    // SAFETY: a fresh server; address per the contract.
    unsafe {
        if bind_socket(http, address, port).is_null() {
            free(http);
            return ptr::null_mut();
        }
    }
    http
}

/// evhttp_free: sockets, connections (and their requests), virtual hosts.
///
/// # Safety
/// Module contract; `http` is not used afterwards.
pub unsafe fn free(http: *mut Http) {
    // SAFETY: http is live (contract) and freed last; its sockets, connections and virtual
    // hosts are live and owned by it.
    unsafe {
        for s in std::mem::take(&mut (*http).sockets) {
            free_bound_socket(s);
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

/// The connection is going away: forget it.
///
/// # Safety
/// Module contract.
pub unsafe fn forget_connection(http: *mut Http, evcon: *mut Connection) {
    // SAFETY: http is live (contract); nothing is called while it is borrowed.
    unsafe { (*http).connections.retain(|&c| c != evcon) };
}

unsafe extern "C" fn accept_cb(_l: *mut Listener, fd: c_int, sa: *mut libc::sockaddr, salen: c_int, arg: *mut c_void) {
    // SAFETY: arg is the live server this listener belongs to; sa has salen bytes.
    unsafe { serve_accepted(arg as *mut Http, fd, sa, salen) }
}

/// Serve an accepted connection (what the listener callback does; also how the fuzz targets
/// feed a server from a bufferevent pair, with fd -1 and the program's bufferevent factory).
///
/// # Safety
/// Module contract; `sa` points to `salen` bytes; `fd` is the accepted socket (or -1), now
/// the server's.
pub unsafe fn serve_accepted(http: *mut Http, fd: c_int, sa: *const libc::sockaddr, salen: c_int) {
    // SAFETY: per the contract; the bufferevent the program's factory returns (if any) is
    // handed to the connection.
    unsafe {
        let b = match (*http).bevcb {
            Some(f) => bev::upcast(f((*http).base, (*http).bevcb_arg)),
            None => ptr::null_mut(),
        };
        let evcon = conn::new_incoming(http, b, fd, sa, salen);
        if evcon.is_null() {
            crate::util::socket::close(fd);
            return;
        }
        (*http).connections.push(evcon);
        if !conn::associate_new_request(evcon) {
            conn::free(evcon);
        }
    }
}

/// evhttp_bind_listener: serve the connections `listener` accepts.
///
/// # Safety
/// Module contract; `listener` is live and now the server's.
pub unsafe fn bind_listener(http: *mut Http, listener: *mut Listener) -> *mut BoundSocket {
    let Some(s) = mem::new_object(BoundSocket { listener }) else { return ptr::null_mut() };
    // SAFETY: listener and http are live (contract); the callback gets the server back.
    unsafe {
        listener::set_cb(listener, Some(accept_cb), http as *mut c_void);
        (*http).sockets.push(s);
    }
    s
}

/// evhttp_accept_socket_with_handle: serve an fd that is already listening.
///
/// # Safety
/// Module contract.
pub unsafe fn accept_socket(http: *mut Http, fd: c_int) -> *mut BoundSocket {
    // SAFETY: http is live (contract); the listener is ours until bound.
    unsafe {
        let base = crate::core::api::or_current((*http).base);
        let flags = LevOpt::REUSEABLE | LevOpt::CLOSE_ON_FREE | LevOpt::CLOSE_ON_EXEC;
        let l = listener::new(base, None, ptr::null_mut(), flags, 0, fd);
        if l.is_null() {
            return ptr::null_mut();
        }
        let s = bind_listener(http, l);
        if s.is_null() {
            listener::free(l);
        }
        s
    }
}

/// evhttp_bind_socket_with_handle: listen on address:port (NULL address: all).
///
/// # Safety
/// Module contract; `address` is NULL or a C string.
pub unsafe fn bind_socket(http: *mut Http, address: *const c_char, port: u16) -> *mut BoundSocket {
    // SAFETY (zeroed): addrinfo is plain old data; the hints are all we set.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = libc::AI_PASSIVE | libc::AI_ADDRCONFIG;
    let serv = CString::new(port.to_string()).unwrap_or_default();
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: address is NULL or a C string (contract); serv, hints and res are locals.
    let r = unsafe { libc::getaddrinfo(address, serv.as_ptr(), &hints, &mut res) };
    if r != 0 || res.is_null() {
        // SAFETY: gai_strerror returns a static C string.
        let why = unsafe { CStr::from_ptr(libc::gai_strerror(r)) };
        log::warn(&format!("getaddrinfo: {}", why.to_string_lossy()));
        return ptr::null_mut();
    }
    // SAFETY: getaddrinfo succeeded: res is a list we own until freeaddrinfo.
    let ai = unsafe { &*res };
    let one: c_int = 1;
    let one_ptr = &one as *const c_int as *const c_void;
    let fd = syscall!(socket(ai.ai_family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0)).unwrap_or(-1);
    // The option values are a live int of the size passed; ai_addr holds ai_addrlen bytes.
    let ok = fd >= 0
        && syscall!(setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, one_ptr, 4)).is_ok()
        && syscall!(setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, one_ptr, 4)).is_ok()
        && syscall!(bind(fd, ai.ai_addr, ai.ai_addrlen)).is_ok();
    // SAFETY: res came from getaddrinfo and is not used again.
    unsafe { libc::freeaddrinfo(res) };
    if !ok {
        let e = errno();
        if fd >= 0 {
            crate::util::socket::close(fd);
        }
        set_errno(e);
        return ptr::null_mut();
    }
    if syscall!(listen(fd, 128)).is_err() {
        log::warn_errno("evhttp_bind_socket_with_handle: listen");
        crate::util::socket::close(fd);
        return ptr::null_mut();
    }
    // SAFETY: http is live (contract); fd is our listening socket.
    let s = unsafe { accept_socket(http, fd) };
    if s.is_null() {
        crate::util::socket::close(fd);
    }
    s
}

/// The listening socket of a bound socket (evhttp_bound_socket_get_fd).
///
/// # Safety
/// `bound` is a live bound socket.
pub unsafe fn bound_socket_fd(bound: *mut BoundSocket) -> c_int {
    // SAFETY: bound and its listener are live (contract).
    unsafe { listener::get_fd((*bound).listener) }
}

/// Close a bound socket and free it.
///
/// # Safety
/// `bound` is a live bound socket no server lists any more.
unsafe fn free_bound_socket(bound: *mut BoundSocket) {
    // SAFETY: bound and its listener are live (contract) and ours.
    unsafe {
        listener::free((*bound).listener);
        mem::free_object(bound);
    }
}

/// evhttp_del_accept_socket: stop listening on one of the server's sockets.
///
/// # Safety
/// Module contract; `bound` is one of the server's live bound sockets.
pub unsafe fn del_accept_socket(http: *mut Http, bound: *mut BoundSocket) {
    // SAFETY: http and bound are live (contract).
    unsafe {
        (*http).sockets.retain(|&s| s != bound);
        free_bound_socket(bound);
    }
}

/// evhttp_foreach_bound_socket: `f` for each bound socket. The list is copied first, so the
/// callback may not disturb the walk.
///
/// # Safety
/// Module contract.
pub unsafe fn foreach_bound_socket(http: *mut Http, f: impl Fn(*mut BoundSocket)) {
    // SAFETY: http is live (contract); the copy is taken before any callback runs.
    let sockets = unsafe { (*http).sockets.clone() };
    for s in sockets {
        f(s);
    }
}

impl Http {
    /// evhttp_set_cb: false when the path already has a callback.
    pub fn set_cb(&mut self, path: &CStr, cb: RequestCb, arg: *mut c_void) -> bool {
        if self.callbacks.iter().any(|(p, _, _)| p.as_c_str() == path) {
            return false;
        }
        self.callbacks.push((path.to_owned(), cb, arg));
        true
    }

    /// evhttp_del_cb: false when the path has no callback.
    pub fn del_cb(&mut self, path: &CStr) -> bool {
        let before = self.callbacks.len();
        self.callbacks.retain(|(p, _, _)| p.as_c_str() != path);
        self.callbacks.len() != before
    }

    /// evhttp_add_server_alias.
    pub fn add_alias(&mut self, alias: &CStr) {
        self.aliases.push(alias.to_owned());
    }

    /// evhttp_remove_server_alias: the first alias equal to `alias` (ignoring ASCII case);
    /// false when there is none.
    pub fn remove_alias(&mut self, alias: &CStr) -> bool {
        let a = alias.to_bytes();
        match self.aliases.iter().position(|x| x.as_bytes().eq_ignore_ascii_case(a)) {
            Some(i) => {
                self.aliases.remove(i);
                true
            }
            None => false,
        }
    }
}

/// evhttp_add_virtual_host: `vhost` answers for hosts matching `pattern`. False when
/// `vhost` is already someone's virtual host (or is `http` itself).
///
/// # Safety
/// Module contract, for both servers.
pub unsafe fn add_virtual_host(http: *mut Http, pattern: &CStr, vhost: *mut Http) -> bool {
    if http == vhost {
        return false;
    }
    // SAFETY: two distinct live servers (contract); nothing is called while borrowed.
    unsafe {
        let v = &mut *vhost;
        if v.vhost_pattern.is_some() {
            return false;
        }
        v.vhost_pattern = Some(pattern.to_owned());
        (*http).vhosts.push(vhost);
    }
    true
}

/// evhttp_remove_virtual_host: false when `vhost` is not one of `http`'s virtual hosts.
///
/// # Safety
/// Module contract, for both servers.
pub unsafe fn remove_virtual_host(http: *mut Http, vhost: *mut Http) -> bool {
    // SAFETY: live servers (contract); nothing is called while borrowed.
    unsafe {
        if (*vhost).vhost_pattern.is_none() || !(*http).vhosts.contains(&vhost) {
            return false;
        }
        (*http).vhosts.retain(|&v| v != vhost);
        (*vhost).vhost_pattern = None;
    }
    true
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
/// # Safety
/// Module contract.
unsafe fn find_vhost(http: *mut Http, host: &[u8]) -> Option<*mut Http> {
    // SAFETY: http and its virtual hosts are live (contract); nothing is called out.
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
/// # Safety
/// `evcon` is NULL or live.
pub unsafe fn serves_host(evcon: *mut Connection, host: &[u8]) -> bool {
    // SAFETY: evcon is NULL or live (contract), and so is its server when it has one.
    unsafe {
        if evcon.is_null() || (*evcon).server.is_null() {
            return false;
        }
        find_vhost((*evcon).server, host).is_some()
    }
}

/// The request's callback on a server: route it.
///
/// # Safety
/// `req` is NULL or a live request read by one of the server's connections; `arg` is that
/// live server.
pub unsafe extern "C" fn handle_request(req: *mut RequestC, arg: *mut c_void) {
    let mut http = arg as *mut Http;
    if req.is_null() {
        return;
    }
    // SAFETY: req is the live request being delivered; arg is its live server. The request
    // goes to exactly one callback, the last thing done here.
    unsafe {
        if (*req).uri.is_null() {
            let code = if (*req).response_code == 413 { 413 } else { 400 };
            return super::message::send_error(req, code, ptr::null());
        }
        if (*http).allowed_methods as c_int & (*req).type_ == 0 {
            return super::message::send_error(req, 501, ptr::null());
        }
        let host = rq::host(req);
        if !host.is_null() {
            if let Some(v) = find_vhost(http, CStr::from_ptr(host).to_bytes()) {
                http = v;
            }
        }
        let path = (*req).uri_elems.as_ref().and_then(|u| u.path()).unwrap_or(b"/".as_slice());
        // Callbacks match the percent-decoded path ('+' stays '+').
        let decoded = super::uri::decode(path, false);
        let h = &*http;
        if let Some(&(_, cb, cbarg)) = h.callbacks.iter().find(|(p, _, _)| p.as_bytes() == decoded.as_slice()) {
            return cb(req, cbarg);
        }
        if let Some(g) = h.gencb {
            return g(req, h.gencb_arg);
        }
        super::message::send_not_found(req)
    }
}
