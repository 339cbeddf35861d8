//! event2/http.h and event2/http_compat.h: servers, connections and requests. NULL objects get
//! a failure answer (or nothing happens) instead of a crash; the logic is in src/http/.
#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::buffer::Evbuffer;
use crate::bufferevent::core::{self as bev, Bufferevent};
use crate::core::base::EventBase;
use crate::http::connection::{self as conn, ConFlags, ConnCb, Connection, EvdnsBase};
use crate::http::headers::KeyValQ;
use crate::http::request::{self as rq, CmdType, ErrorCb, HeaderCb, RequestC, RequestCb, RequestError};
use crate::http::server::{self, BevCb, BoundSocket, Http, ServerFlags};
use crate::http::uri::Uri;
use crate::http::{client, message, parse};
use crate::listener::Listener;
use libc::{c_char, c_int, c_void, sockaddr, ssize_t, timeval};
use std::ffi::CStr;
use std::ptr;

/// libevent's 0 / -1.
fn answer(ok: bool) -> c_int {
    if ok {
        0
    } else {
        -1
    }
}

fn size_limit(max: ssize_t) -> usize {
    if max < 0 {
        usize::MAX
    } else {
        max as usize
    }
}

fn tv_of_secs(secs: c_int) -> Option<timeval> {
    if secs == -1 {
        None
    } else {
        Some(timeval { tv_sec: secs as libc::time_t, tv_usec: 0 })
    }
}

/// SAFETY: tv is NULL or readable.
unsafe fn tv_of(tv: *const timeval) -> Option<timeval> {
    // SAFETY: per the function contract.
    unsafe { tv.as_ref().copied() }
}

// ---- server ----

#[no_mangle]
pub unsafe extern "C" fn evhttp_new(base: *mut EventBase) -> *mut Http {
    // NULL is allowed, as in libevent: the server then works on the current global base
    // (event_init's), or only routes (a virtual host added to another server).
    server::new(crate::core::api::or_current(base))
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_start(address: *const c_char, port: u16) -> *mut Http {
    // SAFETY: address is NULL or a C string.
    unsafe { server::start(address, port) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_free(http: *mut Http) {
    if !http.is_null() {
        // SAFETY: a server from evhttp_new, given up here.
        unsafe { server::free(http) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_bind_socket(http: *mut Http, address: *const c_char, port: u16) -> c_int {
    // SAFETY: forwarded contract.
    if unsafe { evhttp_bind_socket_with_handle(http, address, port) }.is_null() {
        -1
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_bind_socket_with_handle(http: *mut Http, address: *const c_char, port: u16) -> *mut BoundSocket {
    if http.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live server; address is NULL or a C string.
    unsafe { server::bind_socket(http, address, port) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_accept_socket(http: *mut Http, fd: c_int) -> c_int {
    // SAFETY: forwarded contract.
    if unsafe { evhttp_accept_socket_with_handle(http, fd) }.is_null() {
        -1
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_accept_socket_with_handle(http: *mut Http, fd: c_int) -> *mut BoundSocket {
    if http.is_null() || fd < 0 {
        return ptr::null_mut();
    }
    // SAFETY: a live server.
    unsafe { server::accept_socket(http, fd) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_bind_listener(http: *mut Http, listener: *mut Listener) -> *mut BoundSocket {
    if http.is_null() || listener.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: live server and listener.
    unsafe { server::bind_listener(http, listener) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_bound_socket_get_listener(bound: *mut BoundSocket) -> *mut Listener {
    // SAFETY: bound is NULL or live.
    unsafe { bound.as_ref().map_or(ptr::null_mut(), |b| b.listener) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_bound_socket_get_fd(bound: *mut BoundSocket) -> c_int {
    if bound.is_null() {
        return -1;
    }
    // SAFETY: a live bound socket.
    unsafe { server::bound_socket_fd(bound) }
}

pub type BoundForeach = unsafe extern "C" fn(*mut BoundSocket, *mut c_void);

#[no_mangle]
pub unsafe extern "C" fn evhttp_foreach_bound_socket(http: *mut Http, f: Option<BoundForeach>, arg: *mut c_void) {
    let Some(f) = f else { return };
    if http.is_null() {
        return;
    }
    // SAFETY: a live server; f is the program's callback, called with its own argument.
    unsafe { server::foreach_bound_socket(http, |s| f(s, arg)) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_del_accept_socket(http: *mut Http, bound: *mut BoundSocket) {
    if http.is_null() || bound.is_null() {
        return;
    }
    // SAFETY: a live server and one of its bound sockets.
    unsafe { server::del_accept_socket(http, bound) }
}

macro_rules! with_http {
    ($h:ident, $body:expr) => {
        // SAFETY: http is NULL or a live server.
        if let Some($h) = unsafe { $h.as_mut() } {
            $body
        }
    };
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_max_headers_size(http: *mut Http, max: ssize_t) {
    with_http!(http, http.max_headers_size = size_limit(max));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_max_body_size(http: *mut Http, max: ssize_t) {
    with_http!(http, http.max_body_size = size_limit(max));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_default_content_type(http: *mut Http, content_type: *const c_char) {
    with_http!(http, http.default_content_type = content_type);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_allowed_methods(http: *mut Http, methods: u16) {
    with_http!(http, http.allowed_methods = methods);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_cb(http: *mut Http, path: *const c_char, cb: Option<RequestCb>, arg: *mut c_void) -> c_int {
    // SAFETY: http is NULL or a live server.
    let (Some(h), Some(cb)) = (unsafe { http.as_mut() }, cb) else { return -1 };
    if path.is_null() {
        return -1;
    }
    // SAFETY: path is a C string.
    answer(h.set_cb(unsafe { CStr::from_ptr(path) }, cb, arg))
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_del_cb(http: *mut Http, path: *const c_char) -> c_int {
    // SAFETY: http is NULL or live.
    let Some(h) = (unsafe { http.as_mut() }) else { return -1 };
    if path.is_null() {
        return -1;
    }
    // SAFETY: path is a C string.
    answer(h.del_cb(unsafe { CStr::from_ptr(path) }))
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_gencb(http: *mut Http, cb: Option<RequestCb>, arg: *mut c_void) {
    with_http!(http, {
        http.gencb = cb;
        http.gencb_arg = arg;
    });
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_bevcb(http: *mut Http, cb: Option<BevCb>, arg: *mut c_void) {
    with_http!(http, {
        http.bevcb = cb;
        http.bevcb_arg = arg;
    });
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_add_virtual_host(http: *mut Http, pattern: *const c_char, vhost: *mut Http) -> c_int {
    if http.is_null() || vhost.is_null() || pattern.is_null() {
        return -1;
    }
    // SAFETY: live servers; pattern is a C string.
    answer(unsafe { server::add_virtual_host(http, CStr::from_ptr(pattern), vhost) })
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_remove_virtual_host(http: *mut Http, vhost: *mut Http) -> c_int {
    if http.is_null() || vhost.is_null() {
        return -1;
    }
    // SAFETY: live servers.
    answer(unsafe { server::remove_virtual_host(http, vhost) })
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_add_server_alias(http: *mut Http, alias: *const c_char) -> c_int {
    // SAFETY: http NULL or live; alias NULL or a C string.
    let Some(h) = (unsafe { http.as_mut() }) else { return -1 };
    if alias.is_null() {
        return -1;
    }
    // SAFETY: alias is a C string.
    h.add_alias(unsafe { CStr::from_ptr(alias) });
    0
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_remove_server_alias(http: *mut Http, alias: *const c_char) -> c_int {
    // SAFETY: http NULL or live.
    let Some(h) = (unsafe { http.as_mut() }) else { return -1 };
    if alias.is_null() {
        return -1;
    }
    // SAFETY: alias is a C string.
    answer(h.remove_alias(unsafe { CStr::from_ptr(alias) }))
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_timeout(http: *mut Http, secs: c_int) {
    with_http!(http, http.timeout = tv_of_secs(secs));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_timeout_tv(http: *mut Http, tv: *const timeval) {
    // SAFETY: tv is NULL or readable.
    with_http!(http, http.timeout = unsafe { tv_of(tv) });
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_set_flags(http: *mut Http, flags: c_int) -> c_int {
    // SAFETY: http NULL or live.
    let Some(h) = (unsafe { http.as_mut() }) else { return -1 };
    let Some(flags) = ServerFlags::from_bits(flags) else { return 1 };
    h.flags = flags;
    0
}

// ---- replies ----

#[no_mangle]
pub unsafe extern "C" fn evhttp_send_error(req: *mut RequestC, error: c_int, reason: *const c_char) {
    if !req.is_null() {
        // SAFETY: a live request; reason NULL or a C string.
        unsafe { message::send_error(req, error, reason) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_send_reply(req: *mut RequestC, code: c_int, reason: *const c_char, databuf: *mut Evbuffer) {
    if !req.is_null() {
        // SAFETY: a live request; others NULL or valid.
        unsafe { message::send_reply(req, code, reason, databuf) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_send_reply_start(req: *mut RequestC, code: c_int, reason: *const c_char) {
    if !req.is_null() {
        // SAFETY: a live request.
        unsafe { message::reply_start(req, code, reason) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_send_reply_chunk(req: *mut RequestC, databuf: *mut Evbuffer) {
    if !req.is_null() {
        // SAFETY: a live request.
        unsafe { message::reply_chunk(req, databuf, None, ptr::null_mut()) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_send_reply_chunk_with_cb(
    req: *mut RequestC,
    databuf: *mut Evbuffer,
    cb: Option<ConnCb>,
    arg: *mut c_void,
) {
    if !req.is_null() {
        // SAFETY: a live request.
        unsafe { message::reply_chunk(req, databuf, cb, arg) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_send_reply_end(req: *mut RequestC) {
    if !req.is_null() {
        // SAFETY: a live request.
        unsafe { message::reply_end(req) }
    }
}

// ---- connections ----

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_base_bufferevent_new(
    base: *mut EventBase,
    dnsbase: *mut EvdnsBase,
    bev: *mut Bufferevent,
    address: *const c_char,
    port: u16,
) -> *mut Connection {
    if base.is_null() || address.is_null() {
        crate::core::log::warn("evhttp_connection_base_new: NULL base or address");
        return ptr::null_mut();
    }
    // SAFETY: live base; address a C string; bev NULL or the program's, handed over.
    unsafe { conn::new(base, dnsbase, bev::upcast(bev), CStr::from_ptr(address).to_bytes(), port) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_base_new(
    base: *mut EventBase,
    dnsbase: *mut EvdnsBase,
    address: *const c_char,
    port: u16,
) -> *mut Connection {
    // SAFETY: forwarded contract.
    unsafe { evhttp_connection_base_bufferevent_new(base, dnsbase, ptr::null_mut(), address, port) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_new(address: *const c_char, port: u16) -> *mut Connection {
    // SAFETY: forwarded contract; the 1.x API works on the global base.
    unsafe { evhttp_connection_base_new(crate::core::global::current_base(), ptr::null_mut(), address, port) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_base(evcon: *mut Connection, base: *mut EventBase) {
    if evcon.is_null() || base.is_null() {
        return;
    }
    // SAFETY: a live connection and base.
    unsafe { conn::set_base(evcon, base) }
}

macro_rules! with_conn {
    ($c:ident, $body:expr) => {
        // SAFETY: evcon is NULL or a live connection.
        if let Some($c) = unsafe { $c.as_mut() } {
            $body
        }
    };
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_get_bufferevent(evcon: *mut Connection) -> *mut Bufferevent {
    // SAFETY: evcon NULL or live.
    unsafe { evcon.as_ref().map_or(ptr::null_mut(), |c| bev::downcast(c.bev)) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_get_server(evcon: *mut Connection) -> *mut Http {
    // SAFETY: evcon NULL or live.
    unsafe { evcon.as_ref().map_or(ptr::null_mut(), |c| c.server) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_get_base(evcon: *mut Connection) -> *mut EventBase {
    // SAFETY: evcon NULL or live.
    unsafe { evcon.as_ref().map_or(ptr::null_mut(), |c| c.base) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_family(evcon: *mut Connection, family: c_int) {
    with_conn!(evcon, evcon.family = family);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_flags(evcon: *mut Connection, flags: c_int) -> c_int {
    // SAFETY: evcon NULL or live.
    let Some(c) = (unsafe { evcon.as_mut() }) else { return -1 };
    match ConFlags::from_bits(flags) {
        Some(flags) if c.set_flags(flags) => 0,
        _ => 1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_max_headers_size(evcon: *mut Connection, max: ssize_t) {
    with_conn!(evcon, evcon.max_headers_size = size_limit(max));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_max_body_size(evcon: *mut Connection, max: ssize_t) {
    with_conn!(evcon, evcon.max_body_size = size_limit(max));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_free(evcon: *mut Connection) {
    if !evcon.is_null() {
        // SAFETY: a live connection, given up here.
        unsafe { conn::free(evcon) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_free_on_completion(evcon: *mut Connection) {
    with_conn!(evcon, evcon.autofree = true);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_local_address(evcon: *mut Connection, address: *const c_char) {
    // SAFETY: address NULL or a C string.
    with_conn!(evcon, evcon.bind_address = (!address.is_null()).then(|| unsafe { CStr::from_ptr(address) }.to_owned()));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_local_port(evcon: *mut Connection, port: u16) {
    with_conn!(evcon, evcon.bind_port = port);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_timeout(evcon: *mut Connection, secs: c_int) {
    if evcon.is_null() {
        return;
    }
    // SAFETY: a live connection.
    unsafe { conn::set_timeout(evcon, tv_of_secs(secs)) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_timeout_tv(evcon: *mut Connection, tv: *const timeval) {
    if evcon.is_null() {
        return;
    }
    // SAFETY: a live connection; tv NULL or readable.
    unsafe { conn::set_timeout(evcon, tv_of(tv)) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_initial_retry_tv(evcon: *mut Connection, tv: *const timeval) {
    // SAFETY: tv NULL or readable.
    with_conn!(evcon, evcon.initial_retry = unsafe { tv_of(tv) }.unwrap_or(conn::INITIAL_RETRY));
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_retries(evcon: *mut Connection, retry_max: c_int) {
    with_conn!(evcon, evcon.retry_max = retry_max);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_set_closecb(evcon: *mut Connection, cb: Option<ConnCb>, arg: *mut c_void) {
    with_conn!(evcon, {
        evcon.closecb = cb;
        evcon.closecb_arg = arg;
    });
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_get_peer(evcon: *mut Connection, address: *mut *mut c_char, port: *mut u16) {
    // SAFETY: evcon NULL or live; the out pointers NULL or writable.
    unsafe {
        let Some(c) = evcon.as_ref() else { return };
        let (a, p) = c.peer();
        if !address.is_null() {
            *address = a as *mut c_char;
        }
        if !port.is_null() {
            *port = p;
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_get_addr(evcon: *mut Connection) -> *const sockaddr {
    // SAFETY: evcon NULL or live.
    unsafe { evcon.as_ref() }.and_then(Connection::peer_addr).unwrap_or(ptr::null())
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_make_request(
    evcon: *mut Connection,
    req: *mut RequestC,
    type_: CmdType,
    uri: *const c_char,
) -> c_int {
    if req.is_null() {
        return -1;
    }
    if evcon.is_null() || uri.is_null() {
        // SAFETY: a live request, which the call consumes as libevent does on failure.
        unsafe { rq::free_auto(req) };
        return -1;
    }
    // SAFETY: live connection and request; uri a C string.
    unsafe { client::make_request(evcon, req, type_, CStr::from_ptr(uri).to_bytes()) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_cancel_request(req: *mut RequestC) {
    if !req.is_null() {
        // SAFETY: a live request.
        unsafe { client::cancel_request(req) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_connection_fail_(evcon: *mut Connection, error: RequestError) {
    if !evcon.is_null() {
        // SAFETY: a live connection.
        unsafe { conn::fail(evcon, error) }
    }
}

// ---- requests ----

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_new(cb: Option<RequestCb>, arg: *mut c_void) -> *mut RequestC {
    rq::new(cb, arg)
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_free(req: *mut RequestC) {
    if !req.is_null() {
        // SAFETY: a live request, given up here.
        unsafe { rq::free(req) }
    }
}

macro_rules! with_req {
    ($r:ident, $body:expr) => {
        // SAFETY: req is NULL or a live request.
        if let Some($r) = unsafe { $r.as_mut() } {
            $body
        }
    };
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_set_chunked_cb(req: *mut RequestC, cb: Option<RequestCb>) {
    with_req!(req, req.chunk_cb = cb);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_set_header_cb(req: *mut RequestC, cb: Option<HeaderCb>) {
    with_req!(req, req.header_cb = cb);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_set_error_cb(req: *mut RequestC, cb: Option<ErrorCb>) {
    with_req!(req, req.error_cb = cb);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_set_on_complete_cb(req: *mut RequestC, cb: Option<RequestCb>, arg: *mut c_void) {
    with_req!(req, {
        req.on_complete_cb = cb;
        req.on_complete_cb_arg = arg;
    });
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_own(req: *mut RequestC) {
    with_req!(req, req.flags |= rq::USER_OWNED);
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_is_owned(req: *mut RequestC) -> c_int {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(0, |r| (r.flags & rq::USER_OWNED != 0) as c_int) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_connection(req: *mut RequestC) -> *mut Connection {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.evcon) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_uri(req: *const RequestC) -> *const c_char {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null(), |r| r.uri) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_evhttp_uri(req: *const RequestC) -> *const Uri {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null(), |r| r.uri_elems) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_command(req: *const RequestC) -> CmdType {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(0, |r| r.type_) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_response_code(req: *const RequestC) -> c_int {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(0, |r| r.response_code) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_response_code_line(req: *const RequestC) -> *const c_char {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null(), |r| r.response_code_line) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_input_headers(req: *mut RequestC) -> *mut KeyValQ {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.input_headers) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_output_headers(req: *mut RequestC) -> *mut KeyValQ {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.output_headers) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_input_buffer(req: *mut RequestC) -> *mut Evbuffer {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.input_buffer) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_output_buffer(req: *mut RequestC) -> *mut Evbuffer {
    // SAFETY: req NULL or live.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.output_buffer) }
}

/// The host the request is for: from an absolute URI, else the Host header without its port.
#[no_mangle]
pub unsafe extern "C" fn evhttp_request_get_host(req: *mut RequestC) -> *const c_char {
    if req.is_null() {
        return ptr::null();
    }
    // SAFETY: a live request.
    unsafe { rq::host(req) }
}

// ---- internals libevent's own tests use ----

#[no_mangle]
pub unsafe extern "C" fn evhttp_parse_firstline_(req: *mut RequestC, buf: *mut Evbuffer) -> c_int {
    if req.is_null() || buf.is_null() {
        return parse::DATA_CORRUPTED;
    }
    // SAFETY: live request and buffer.
    unsafe { parse::firstline(req, buf) }
}

#[no_mangle]
pub unsafe extern "C" fn evhttp_parse_headers_(req: *mut RequestC, buf: *mut Evbuffer) -> c_int {
    if req.is_null() || buf.is_null() {
        return parse::DATA_CORRUPTED;
    }
    // SAFETY: live request and buffer.
    unsafe { parse::headers(req, buf) }
}

/// Debian's request-smuggling fix: is `value` (up to `eos`, or its NUL when `eos` is NULL)
/// the transfer-coding "chunked"?
#[no_mangle]
pub unsafe extern "C" fn evhttp_str_is_chunked_(value: *const c_char, eos: *const c_char) -> c_int {
    if value.is_null() {
        return 0;
    }
    // SAFETY: value is a C string; eos, when given, points into it (at or before its NUL).
    let bytes = unsafe {
        if eos.is_null() || eos < value {
            CStr::from_ptr(value).to_bytes()
        } else {
            std::slice::from_raw_parts(value as *const u8, eos.offset_from(value) as usize)
        }
    };
    parse::is_chunked_coding(bytes) as c_int
}

/// Debian's request-smuggling fix: classify one Transfer-Encoding value (0 invalid, 1 ends
/// in chunked, 2 no chunked).
#[no_mangle]
pub unsafe extern "C" fn evhttp_check_transfer_encoding_(value: *const c_char) -> c_int {
    if value.is_null() {
        return parse::TransferEncoding::NoChunked as c_int;
    }
    // SAFETY: value is a C string.
    parse::check_transfer_encoding(unsafe { CStr::from_ptr(value) }.to_bytes()) as c_int
}
