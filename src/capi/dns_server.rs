//! The DNS server half of event2/dns.h (and `evdns_add_server_port` from dns_compat.h).
//!
//! libevent dereferences NULL requests, names and ports and crashes; here a NULL request or
//! name gets -1 (or nothing, for functions returning void), and NULL data is a record with
//! no data, which is what libevent writes for it when it does not crash.
#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::base::EventBase;
use crate::dns::server::{self, RData, Record, ServerPort, ServerRequestCb};
use crate::dns::server::{EvdnsServerRequest, Responded};
use libc::{c_char, c_int, c_void, in_addr, sockaddr};
use std::ffi::CStr;
use std::ptr;

/// A C string's bytes; None for NULL.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
unsafe fn c_bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the function contract.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// A name as record data: NULL is no data.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
unsafe fn name_data(s: *const c_char) -> RData {
    // SAFETY: per the function contract.
    match unsafe { c_bytes(s) } {
        Some(n) => RData::Name(n.to_vec()),
        None => RData::Empty,
    }
}

/// `len` bytes at `data` as record data: NULL is no data, and a length of zero or less with
/// data is refused (None), as libevent's zero-byte allocation fails.
///
/// # Safety
/// `data` is NULL or has `len` readable bytes.
unsafe fn byte_data(data: *const c_void, len: c_int) -> Option<RData> {
    if data.is_null() {
        return Some(RData::Empty);
    }
    let len = usize::try_from(len).ok().filter(|&n| n > 0)?;
    // SAFETY: per the function contract.
    Some(RData::Bytes(unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec()))
}

/// Extension beyond 2.1.12 (libevent 2.2's signature): DNS over TCP on a listener.
#[no_mangle]
pub unsafe extern "C" fn evdns_add_server_port_with_listener(
    base: *mut EventBase,
    listener: *mut crate::listener::Listener,
    flags: c_int,
    callback: Option<ServerRequestCb>,
    user_data: *mut c_void,
) -> *mut ServerPort {
    // SAFETY: base is NULL or one of ours; listener is NULL (refused) or the program's live
    // listener, which the port now owns.
    unsafe { server::add_port_with_listener(base, listener, flags, callback, user_data) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_add_server_port_with_base(
    base: *mut EventBase,
    socket: c_int,
    flags: c_int,
    callback: Option<ServerRequestCb>,
    user_data: *mut c_void,
) -> *mut ServerPort {
    // SAFETY: base is NULL or one of ours; the socket is the program's.
    unsafe { server::add_port(base, socket, flags, callback, user_data) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_add_server_port(
    socket: c_int,
    flags: c_int,
    callback: Option<ServerRequestCb>,
    user_data: *mut c_void,
) -> *mut ServerPort {
    // SAFETY: NULL base: the current global base, as for every dns_compat.h function.
    unsafe { server::add_port(ptr::null_mut(), socket, flags, callback, user_data) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_close_server_port(port: *mut ServerPort) {
    if !port.is_null() {
        // SAFETY: a port from evdns_add_server_port*, the program's reference given up here.
        unsafe { server::close_port(port) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_set_flags(req: *mut EvdnsServerRequest, flags: c_int) {
    if !req.is_null() {
        // SAFETY: a request handed to the program and not yet answered or dropped.
        unsafe { server::port::set_flags(req, flags) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_add_reply(
    req: *mut EvdnsServerRequest,
    section: c_int,
    name: *const c_char,
    type_: c_int,
    class: c_int,
    ttl: c_int,
    datalen: c_int,
    is_name: c_int,
    data: *const c_char,
) -> c_int {
    // SAFETY: name and (for is_name) data are NULL or NUL-terminated; otherwise data is NULL
    // or has datalen bytes.
    let (name, data) = unsafe {
        let data = if is_name != 0 { Some(name_data(data)) } else { byte_data(data as *const c_void, datalen) };
        (c_bytes(name), data)
    };
    let (Some(name), Some(data)) = (name, data) else { return -1 };
    if req.is_null() {
        return -1;
    }
    let record = Record { name: name.to_vec(), rtype: type_ as u16, class: class as u16, ttl: ttl as u32, data };
    // SAFETY: a request handed to the program and not yet answered or dropped.
    unsafe { server::port::add_reply(req, section, record) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_add_a_reply(
    req: *mut EvdnsServerRequest,
    name: *const c_char,
    n: c_int,
    addrs: *const c_void,
    ttl: c_int,
) -> c_int {
    // SAFETY: name is NULL or NUL-terminated; addrs NULL or n 4-byte addresses.
    let (name, data) = unsafe { (c_bytes(name), byte_data(addrs, n.saturating_mul(4))) };
    let (Some(name), Some(data), false) = (name, data, req.is_null()) else { return -1 };
    // SAFETY: a request handed to the program and not yet answered or dropped.
    unsafe { server::port::add_reply(req, 0, Record::a(name, data, ttl)) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_add_aaaa_reply(
    req: *mut EvdnsServerRequest,
    name: *const c_char,
    n: c_int,
    addrs: *const c_void,
    ttl: c_int,
) -> c_int {
    // SAFETY: name is NULL or NUL-terminated; addrs NULL or n 16-byte addresses.
    let (name, data) = unsafe { (c_bytes(name), byte_data(addrs, n.saturating_mul(16))) };
    let (Some(name), Some(data), false) = (name, data, req.is_null()) else { return -1 };
    // SAFETY: a request handed to the program and not yet answered or dropped.
    unsafe { server::port::add_reply(req, 0, Record::aaaa(name, data, ttl)) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_add_ptr_reply(
    req: *mut EvdnsServerRequest,
    in_: *mut in_addr,
    inaddr_name: *const c_char,
    hostname: *const c_char,
    ttl: c_int,
) -> c_int {
    if req.is_null() || in_.is_null() == inaddr_name.is_null() {
        return -1; // exactly one of the address and its in-addr.arpa name
    }
    // SAFETY: in_ is NULL or an in_addr; the strings are NULL or NUL-terminated.
    let record = unsafe {
        let host = name_data(hostname);
        match in_.as_ref() {
            Some(a) => Record::ptr_v4(a.s_addr.to_ne_bytes(), host, ttl),
            None => Record::ptr(CStr::from_ptr(inaddr_name).to_bytes(), host, ttl),
        }
    };
    // SAFETY: a request handed to the program and not yet answered or dropped.
    unsafe { server::port::add_reply(req, 0, record) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_add_cname_reply(
    req: *mut EvdnsServerRequest,
    name: *const c_char,
    cname: *const c_char,
    ttl: c_int,
) -> c_int {
    // SAFETY: both are NULL or NUL-terminated.
    let (Some(name), target) = (unsafe { (c_bytes(name), name_data(cname)) }) else { return -1 };
    if req.is_null() {
        return -1;
    }
    // SAFETY: a request handed to the program and not yet answered or dropped.
    unsafe { server::port::add_reply(req, 0, Record::cname(name, target, ttl)) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_respond(req: *mut EvdnsServerRequest, err: c_int) -> c_int {
    if req.is_null() {
        return -1;
    }
    // SAFETY: a request handed to the program and not yet answered or dropped.
    let r: Responded = unsafe { server::respond(req, err) };
    r.to_c()
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_drop(req: *mut EvdnsServerRequest) -> c_int {
    if req.is_null() {
        return -1;
    }
    // SAFETY: a request handed to the program and not yet answered or dropped; given up here.
    unsafe { server::drop_request(req) };
    0
}

#[no_mangle]
pub unsafe extern "C" fn evdns_server_request_get_requesting_addr(
    req: *mut EvdnsServerRequest,
    sa: *mut sockaddr,
    addr_len: c_int,
) -> c_int {
    let Ok(len) = usize::try_from(addr_len) else { return -1 };
    if req.is_null() || sa.is_null() {
        return -1;
    }
    // SAFETY: sa has addr_len writable bytes (the program's promise); the request is live.
    unsafe { server::port::requesting_addr(req, std::slice::from_raw_parts_mut(sa as *mut u8, len)) }
}
