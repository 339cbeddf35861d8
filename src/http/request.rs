//! `struct evhttp_request`: the public 216-byte layout of event2/http_struct.h (transmission and
//! others read its fields directly), followed in the same allocation by state only we use.
//!
//! # Pointer contract (for every `unsafe fn` in this module)
//! - `req: *mut RequestC` is a live request from [`new`], not yet freed.
//! - `q: *mut KeyValQ` is a well-formed header list (see headers.rs).

use super::headers::KeyValQ;
use super::uri::{self, Uri};
use crate::buffer::{api as buf, Evbuffer};
use crate::core::mem;
use libc::{c_char, c_int, c_void};
use std::ptr;

pub type RequestCb = unsafe extern "C" fn(*mut RequestC, *mut c_void);
pub type HeaderCb = unsafe extern "C" fn(*mut RequestC, *mut c_void) -> c_int;
/// C's `enum evhttp_cmd_type` and `enum evhttp_request_error`.
pub type CmdType = c_int;
pub type RequestError = c_int;
pub type ErrorCb = unsafe extern "C" fn(RequestError, *mut c_void);

/// enum evhttp_request_kind
pub const KIND_REQUEST: c_int = 0;
pub const KIND_RESPONSE: c_int = 1;

/// Request flags (http_struct.h).
pub const REQ_OWN_CONNECTION: c_int = 0x0001;
pub const PROXY_REQUEST: c_int = 0x0002;
pub const USER_OWNED: c_int = 0x0004;
pub const REQ_DEFER_FREE: c_int = 0x0008;
pub const REQ_NEEDS_FREE: c_int = 0x0010;

/// enum evhttp_cmd_type
pub const REQ_GET: c_int = 1 << 0;
pub const REQ_POST: c_int = 1 << 1;
pub const REQ_HEAD: c_int = 1 << 2;
pub const REQ_PUT: c_int = 1 << 3;
pub const REQ_DELETE: c_int = 1 << 4;
pub const REQ_OPTIONS: c_int = 1 << 5;
pub const REQ_TRACE: c_int = 1 << 6;
pub const REQ_CONNECT: c_int = 1 << 7;
pub const REQ_PATCH: c_int = 1 << 8;

/// enum evhttp_request_error
pub const ERR_TIMEOUT: c_int = 0;
pub const ERR_EOF: c_int = 1;
pub const ERR_INVALID_HEADER: c_int = 2;
pub const ERR_BUFFER_ERROR: c_int = 3;
pub const ERR_REQUEST_CANCEL: c_int = 4;
pub const ERR_DATA_TOO_LONG: c_int = 5;

/// The public part, field for field as http_struct.h.
#[repr(C)]
pub struct RequestC {
    pub tqe_next: *mut RequestC,
    pub tqe_prev: *mut *mut RequestC,
    pub evcon: *mut super::connection::Connection,
    pub flags: c_int,
    pub input_headers: *mut KeyValQ,
    pub output_headers: *mut KeyValQ,
    pub remote_host: *mut c_char,
    pub remote_port: u16,
    pub host_cache: *mut c_char,
    pub kind: c_int,
    pub type_: c_int,
    pub headers_size: usize,
    pub body_size: usize,
    pub uri: *mut c_char,
    pub uri_elems: *mut Uri,
    pub major: c_char,
    pub minor: c_char,
    pub response_code: c_int,
    pub response_code_line: *mut c_char,
    pub input_buffer: *mut Evbuffer,
    pub ntoread: i64,
    /// bit 0 chunked, bit 1 userdone
    pub bits: u8,
    pub output_buffer: *mut Evbuffer,
    pub cb: Option<RequestCb>,
    pub cb_arg: *mut c_void,
    pub chunk_cb: Option<RequestCb>,
    pub header_cb: Option<HeaderCb>,
    pub error_cb: Option<ErrorCb>,
    pub on_complete_cb: Option<RequestCb>,
    pub on_complete_cb_arg: *mut c_void,
}

const _: () = assert!(std::mem::size_of::<RequestC>() == 216);
const _: () = assert!(std::mem::offset_of!(RequestC, ntoread) == 136);
const _: () = assert!(std::mem::offset_of!(RequestC, output_buffer) == 152);
const _: () = assert!(std::mem::offset_of!(RequestC, on_complete_cb_arg) == 208);

/// The whole object: public part first so `struct evhttp_request *` is a `*mut Request`.
#[repr(C)]
pub struct Request {
    pub c: RequestC,
    /// The server handed it to the program's callback (it may be holding it to reply later).
    pub delivered: bool,
}

impl RequestC {
    pub fn chunked(&self) -> bool {
        self.bits & 1 != 0
    }
    pub fn set_chunked(&mut self, on: bool) {
        self.bits = (self.bits & !1) | on as u8;
    }
    pub fn userdone(&self) -> bool {
        self.bits & 2 != 0
    }
    pub fn set_userdone(&mut self, on: bool) {
        self.bits = (self.bits & !2) | ((on as u8) << 1);
    }
    /// HTTP version strictly before major.minor.
    pub fn version_before(&self, major: c_char, minor: c_char) -> bool {
        self.major < major || (self.major == major && self.minor < minor)
    }
}

/// evhttp_request_new: empty header lists and buffers, HTTP/1.1 until told otherwise.
pub fn new(cb: Option<RequestCb>, arg: *mut c_void) -> *mut RequestC {
    let inh = headers_new();
    let outh = headers_new();
    let (inb, outb) = (buf::new(), buf::new());
    let fail = |_: ()| {
        // SAFETY: each is NULL or freshly made by us.
        unsafe {
            headers_free(inh);
            headers_free(outh);
            if !inb.is_null() {
                buf::free(inb);
            }
            if !outb.is_null() {
                buf::free(outb);
            }
        }
        ptr::null_mut()
    };
    if inh.is_null() || outh.is_null() || inb.is_null() || outb.is_null() {
        crate::core::log::warn("evhttp_request_new: out of memory");
        return fail(());
    }
    let value = Request {
        c: RequestC {
            tqe_next: ptr::null_mut(),
            tqe_prev: ptr::null_mut(),
            evcon: ptr::null_mut(),
            flags: 0,
            input_headers: inh,
            output_headers: outh,
            remote_host: ptr::null_mut(),
            remote_port: 0,
            host_cache: ptr::null_mut(),
            kind: KIND_RESPONSE,
            type_: 0,
            headers_size: 0,
            body_size: 0,
            uri: ptr::null_mut(),
            uri_elems: ptr::null_mut(),
            major: 1,
            minor: 1,
            response_code: 0,
            response_code_line: ptr::null_mut(),
            input_buffer: inb,
            ntoread: 0,
            bits: 0,
            output_buffer: outb,
            cb,
            cb_arg: arg,
            chunk_cb: None,
            header_cb: None,
            error_cb: None,
            on_complete_cb: None,
            on_complete_cb_arg: ptr::null_mut(),
        },
        delivered: false,
    };
    match mem::new_object(value) {
        Some(p) => p as *mut RequestC,
        None => fail(()),
    }
}

/// Release everything the request holds. A request inside a chunk callback is only marked and
/// freed when the callback returns.
///
/// # Safety
/// `req` is a live request from `new`, not used afterwards unless it was only marked.
pub unsafe fn free(req: *mut RequestC) {
    // SAFETY: req is live (contract) and everything it points to is its own.
    unsafe {
        if (*req).flags & REQ_DEFER_FREE != 0 {
            (*req).flags |= REQ_NEEDS_FREE;
            return;
        }
        let r = &mut *req;
        mem::free(r.remote_host as *mut c_void);
        mem::free(r.uri as *mut c_void);
        uri::free_raw(r.uri_elems);
        mem::free(r.response_code_line as *mut c_void);
        mem::free(r.host_cache as *mut c_void);
        headers_free(r.input_headers);
        headers_free(r.output_headers);
        buf::free(r.input_buffer);
        buf::free(r.output_buffer);
        mem::free_object(req as *mut Request);
    }
}

/// Free unless the program took ownership with evhttp_request_own.
///
/// # Safety
/// Module contract.
pub unsafe fn free_auto(req: *mut RequestC) {
    // SAFETY: req is live (contract).
    unsafe {
        if (*req).flags & USER_OWNED == 0 {
            free(req);
        }
    }
}

/// A fresh, empty `struct evkeyvalq` (TAILQ_INIT).
pub fn headers_new() -> *mut KeyValQ {
    let p = mem::malloc(std::mem::size_of::<KeyValQ>()) as *mut KeyValQ;
    // SAFETY: p is NULL or a fresh allocation of the right size.
    unsafe { super::headers::init(p) };
    p
}

/// # Safety
/// `q` is NULL or from headers_new.
pub unsafe fn headers_free(q: *mut KeyValQ) {
    if !q.is_null() {
        // SAFETY: q came from headers_new (contract): its nodes and the head are ours.
        unsafe {
            super::headers::clear(q);
            mem::free(q as *mut c_void);
        }
    }
}

/// Replace a C-string field with a copy of `bytes`.
///
/// # Safety
/// `field` holds NULL or a string from the library allocator.
pub unsafe fn set_string(field: &mut *mut c_char, bytes: &[u8]) -> bool {
    let p = mem::strdup_bytes(bytes);
    if p.is_null() {
        return false;
    }
    mem::free(*field as *mut c_void);
    *field = p;
    true
}

/// The phrase for a status code when the program gives none.
pub fn reason_phrase(code: c_int) -> &'static str {
    let known = match code {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Time-out",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Large",
        415 => "Unsupported Media Type",
        416 => "Requested range not satisfiable",
        417 => "Expectation Failed",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Time-out",
        505 => "HTTP Version not supported",
        _ => "",
    };
    if !known.is_empty() {
        return known;
    }
    match code / 100 {
        1 => "Informational",
        2 => "Success",
        3 => "Redirection",
        4 => "Client Error",
        5 => "Server Error",
        _ => "Unknown Status Code",
    }
}

/// The method name for a command type, or None for an unknown one.
pub fn method_name(t: c_int) -> Option<&'static str> {
    Some(match t {
        REQ_GET => "GET",
        REQ_POST => "POST",
        REQ_HEAD => "HEAD",
        REQ_PUT => "PUT",
        REQ_DELETE => "DELETE",
        REQ_OPTIONS => "OPTIONS",
        REQ_TRACE => "TRACE",
        REQ_CONNECT => "CONNECT",
        REQ_PATCH => "PATCH",
        _ => return None,
    })
}

/// The command type a method name stands for (case-sensitive, as HTTP says), 0 if unknown.
pub fn method_type(name: &[u8]) -> c_int {
    match name {
        b"GET" => REQ_GET,
        b"POST" => REQ_POST,
        b"HEAD" => REQ_HEAD,
        b"PUT" => REQ_PUT,
        b"DELETE" => REQ_DELETE,
        b"OPTIONS" => REQ_OPTIONS,
        b"TRACE" => REQ_TRACE,
        b"CONNECT" => REQ_CONNECT,
        b"PATCH" => REQ_PATCH,
        _ => 0,
    }
}

/// Methods whose requests may carry a body (TRACE and HEAD never do).
pub fn method_may_have_body(t: c_int) -> bool {
    !matches!(t, REQ_TRACE | REQ_HEAD) && method_name(t).is_some()
}

/// A response to this request carries a body (not HEAD, 1xx, 204 or 304).
pub fn response_needs_body(r: &RequestC) -> bool {
    r.response_code != 204 && r.response_code != 304 && !(100..200).contains(&r.response_code) && r.type_ != REQ_HEAD
}

/// A request (HTTP/1.1 or later) whose headers `q` (its input or its output headers) say
/// "Expect: 100-continue".
///
/// # Safety
/// Module contract; `q` is one of the request's header lists.
pub unsafe fn expects_continue(req: *const RequestC, q: *const KeyValQ) -> bool {
    // SAFETY: req and q are live (contract).
    unsafe {
        (*req).kind == KIND_REQUEST
            && !(*req).version_before(1, 1)
            && header(q, "Expect").is_some_and(|v| v.eq_ignore_ascii_case(b"100-continue"))
    }
}

/// A header's value as bytes, if present (case-insensitive name).
///
/// # Safety
/// Module contract.
pub unsafe fn header<'a>(q: *const KeyValQ, key: &str) -> Option<&'a [u8]> {
    // SAFETY: q is a live header list (contract).
    unsafe { super::headers::find(q, key.as_bytes()) }
}

/// Add a header (refused, like evhttp_add_header, when it holds CR or LF); false on failure.
///
/// # Safety
/// Module contract.
pub unsafe fn add_header(q: *mut KeyValQ, key: &str, value: &[u8]) -> bool {
    // SAFETY: q is a live header list (contract).
    unsafe { super::headers::add(q, key.as_bytes(), value) }
}

/// # Safety
/// Module contract.
pub unsafe fn remove_header(q: *mut KeyValQ, key: &str) {
    // SAFETY: q is a live header list (contract).
    unsafe { super::headers::remove(q, key.as_bytes()) };
}

/// Does `q` ask for the connection to close? "Connection: close" for an ordinary request; a
/// proxy request (absolute URI for a host not served here) closes unless it says
/// "Proxy-Connection: keep-alive", as in libevent.
///
/// # Safety
/// Module contract.
pub unsafe fn is_connection_close(flags: c_int, q: *const KeyValQ) -> bool {
    // SAFETY: q is a live header list (contract).
    unsafe {
        if flags & PROXY_REQUEST != 0 {
            !matches!(header(q, "Proxy-Connection"), Some(v) if v.eq_ignore_ascii_case(b"keep-alive"))
        } else {
            matches!(header(q, "Connection"), Some(v) if v.eq_ignore_ascii_case(b"close"))
        }
    }
}

/// "Connection: keep-alive" in `q`.
///
/// # Safety
/// Module contract.
pub unsafe fn is_connection_keepalive(q: *const KeyValQ) -> bool {
    // SAFETY: q is a live header list (contract).
    matches!(unsafe { header(q, "Connection") }, Some(v) if v.eq_ignore_ascii_case(b"keep-alive"))
}

/// The request or its answer asked to close the connection.
///
/// # Safety
/// Module contract.
pub unsafe fn wants_close(req: *const RequestC) -> bool {
    // SAFETY: req and its header lists are live (contract).
    unsafe { is_connection_close((*req).flags, (*req).input_headers) || is_connection_close((*req).flags, (*req).output_headers) }
}

/// The host a request is for (evhttp_request_get_host): the host of an absolute URI, else
/// the Host header without its port (kept in `host_cache`), else NULL.
///
/// # Safety
/// Module contract.
pub unsafe fn host(req: *mut RequestC) -> *const c_char {
    // SAFETY: req is live (contract); nothing is called out while it is borrowed.
    let r = unsafe { &mut *req };
    if !r.host_cache.is_null() {
        return r.host_cache;
    }
    // SAFETY: uri_elems is NULL or the request's live parsed URI.
    if let Some(u) = unsafe { r.uri_elems.as_ref() } {
        let h = u.host_ptr();
        if !h.is_null() {
            return h;
        }
    }
    // SAFETY: a live header list.
    let Some(v) = (unsafe { header(r.input_headers, "Host") }) else { return ptr::null() };
    let host = strip_port(v);
    // SAFETY: host_cache holds NULL (checked above).
    if unsafe { set_string(&mut r.host_cache, host) } {
        r.host_cache
    } else {
        ptr::null()
    }
}

/// A Host header's value without its ":port" (an IPv6 literal's colons stay).
fn strip_port(v: &[u8]) -> &[u8] {
    match v.iter().rposition(|&c| c == b':') {
        Some(colon) if !v[colon + 1..].contains(&b']') => &v[..colon],
        _ => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_header_ports() {
        assert_eq!(strip_port(b"example.com:8080"), b"example.com");
        assert_eq!(strip_port(b"example.com"), b"example.com");
        assert_eq!(strip_port(b"[::1]:80"), b"[::1]");
        assert_eq!(strip_port(b"[::1]"), b"[::1]");
    }
}
