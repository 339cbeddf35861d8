//! event2/dns.h (the resolver half) and event2/dns_compat.h: the C entry points. Each
//! checks its pointers (NULL gets a harmless answer where 2.1.12 would crash), turns C
//! strings into bytes and calls src/dns/resolver/. The server-port functions live in
//! dns_server.rs.
#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::base::EventBase;
use crate::dns::resolver::api::{self, Kind};
use crate::dns::resolver::errors;
use crate::dns::resolver::getaddrinfo::{self, GaiCallback, GaiRequest};
use crate::dns::resolver::log::{self, DebugLogFn};
use crate::dns::resolver::{EvdnsBase, Lookup, ResolveCallback};
use libc::{addrinfo as AddrInfo, c_char, c_int, c_uint, c_ulong, c_void, in6_addr, in_addr, size_t, sockaddr, socklen_t};
use std::ffi::CStr;
use std::path::Path;
use std::ptr;

/// The bytes of a C string, None for NULL.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
unsafe fn bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// A path from a C string, None for NULL.
///
/// # Safety
/// As [`bytes`].
unsafe fn path<'a>(s: *const c_char) -> Option<&'a Path> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: per the contract.
    unsafe { bytes(s) }.map(|b| Path::new(std::ffi::OsStr::from_bytes(b)))
}

/// The base behind a C pointer, None for NULL.
///
/// # Safety
/// `b` is NULL or a live evdns base.
unsafe fn base<'a>(b: *mut EvdnsBase) -> Option<&'a EvdnsBase> {
    // SAFETY: per the contract.
    unsafe { b.as_ref() }
}

// ---- the base ----

#[no_mangle]
pub unsafe extern "C" fn evdns_base_new(event_base: *mut EventBase, flags: c_int) -> *mut EvdnsBase {
    // SAFETY: event_base is NULL or the program's live base.
    unsafe { api::base_new(event_base, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_free(b: *mut EvdnsBase, fail_requests: c_int) {
    if !b.is_null() {
        // SAFETY: a live base the program gives up.
        unsafe { api::base_free(b, fail_requests != 0) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_clear_host_addresses(b: *mut EvdnsBase) {
    // SAFETY: NULL or live.
    if let Some(b) = unsafe { base(b) } {
        api::clear_host_addresses(b);
    }
}

#[no_mangle]
pub extern "C" fn evdns_err_to_string(err: c_int) -> *const c_char {
    errors::err_to_string(err).as_ptr()
}

// ---- name servers ----

#[no_mangle]
pub unsafe extern "C" fn evdns_base_nameserver_add(b: *mut EvdnsBase, address: c_ulong) -> c_int {
    // SAFETY: NULL or live.
    let Some(b) = (unsafe { base(b) }) else { return -1 };
    // The address is an in_addr.s_addr: network byte order in the low 32 bits.
    api::nameserver_add_v4(b, address as u32)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_count_nameservers(b: *mut EvdnsBase) -> c_int {
    // SAFETY: NULL or live.
    unsafe { base(b) }.map_or(0, api::count_nameservers)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_clear_nameservers_and_suspend(b: *mut EvdnsBase) -> c_int {
    // SAFETY: NULL or live.
    unsafe { base(b) }.map_or(-1, api::clear_nameservers_and_suspend)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_resume(b: *mut EvdnsBase) -> c_int {
    // SAFETY: NULL or live.
    unsafe { base(b) }.map_or(-1, api::resume)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_nameserver_ip_add(b: *mut EvdnsBase, ip_as_string: *const c_char) -> c_int {
    // SAFETY: NULL or live.
    let Some(b) = (unsafe { base(b) }) else { return -1 };
    // SAFETY: NULL or a C string.
    match unsafe { bytes(ip_as_string) } {
        Some(text) => api::nameserver_ip_add(b, text),
        None => crate::dns::resolver::config::IP_ADD_UNPARSABLE,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_nameserver_sockaddr_add(
    b: *mut EvdnsBase,
    sa: *const sockaddr,
    len: socklen_t,
    _flags: c_uint,
) -> c_int {
    // SAFETY: NULL or live.
    let Some(b) = (unsafe { base(b) }) else { return -1 };
    if sa.is_null() {
        return -1;
    }
    // SAFETY: sa has len readable bytes (the program's promise).
    unsafe { api::nameserver_sockaddr_add(b, sa, len) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_get_nameserver_addr(
    b: *mut EvdnsBase,
    idx: c_int,
    sa: *mut sockaddr,
    len: socklen_t,
) -> c_int {
    // SAFETY: NULL or live.
    let Some(b) = (unsafe { base(b) }) else { return -1 };
    let len = if sa.is_null() { 0 } else { len };
    // SAFETY: sa has len writable bytes (0 when NULL).
    unsafe { api::get_nameserver_addr(b, idx, sa, len) }
}

// ---- lookups ----

#[no_mangle]
pub unsafe extern "C" fn evdns_base_resolve_ipv4(
    b: *mut EvdnsBase,
    name: *const c_char,
    flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> *mut Lookup {
    // SAFETY: NULL or live; NULL or a C string.
    let (Some(b), Some(name)) = (unsafe { base(b) }, unsafe { bytes(name) }) else { return ptr::null_mut() };
    api::resolve(b, Kind::Ipv4, name, flags, callback, ptr)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_resolve_ipv6(
    b: *mut EvdnsBase,
    name: *const c_char,
    flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> *mut Lookup {
    // SAFETY: NULL or live; NULL or a C string.
    let (Some(b), Some(name)) = (unsafe { base(b) }, unsafe { bytes(name) }) else { return ptr::null_mut() };
    api::resolve(b, Kind::Ipv6, name, flags, callback, ptr)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_resolve_reverse(
    b: *mut EvdnsBase,
    addr: *const in_addr,
    _flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> *mut Lookup {
    // SAFETY: NULL or live; NULL or a readable in_addr.
    let (Some(b), Some(a)) = (unsafe { base(b) }, unsafe { addr.as_ref() }) else { return ptr::null_mut() };
    api::resolve_reverse(b, &a.s_addr.to_ne_bytes(), callback, ptr)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_resolve_reverse_ipv6(
    b: *mut EvdnsBase,
    addr: *const in6_addr,
    _flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> *mut Lookup {
    // SAFETY: NULL or live; NULL or a readable in6_addr.
    let (Some(b), Some(a)) = (unsafe { base(b) }, unsafe { addr.as_ref() }) else { return ptr::null_mut() };
    api::resolve_reverse(b, &a.s6_addr, callback, ptr)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_cancel_request(_base: *mut EvdnsBase, req: *mut Lookup) {
    if !req.is_null() {
        // SAFETY: a handle whose callback has not run (the program's promise).
        unsafe { api::cancel_request(req) };
    }
}

// ---- configuration ----

#[no_mangle]
pub unsafe extern "C" fn evdns_base_set_option(b: *mut EvdnsBase, option: *const c_char, val: *const c_char) -> c_int {
    // SAFETY: NULL or live; NULL or C strings.
    let (Some(b), Some(option)) = (unsafe { base(b) }, unsafe { bytes(option) }) else {
        return -1;
    };
    // SAFETY: NULL or a C string.
    let val = match unsafe { bytes(val) } {
        Some(v) => v,
        // The extensions' valueless options accept NULL (libevent 2.2).
        None if api::option_takes_no_value(option) => &b""[..],
        None => return -1,
    };
    api::set_option(b, option, val)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_resolv_conf_parse(b: *mut EvdnsBase, flags: c_int, filename: *const c_char) -> c_int {
    // SAFETY: NULL or live.
    let Some(b) = (unsafe { base(b) }) else { return -1 };
    // SAFETY: NULL or a C string.
    api::resolv_conf_parse(b, flags, unsafe { path(filename) })
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_load_hosts(b: *mut EvdnsBase, hosts_fname: *const c_char) -> c_int {
    // SAFETY: NULL or live.
    let Some(b) = (unsafe { base(b) }) else { return -1 };
    // SAFETY: NULL or a C string.
    api::load_hosts(b, unsafe { path(hosts_fname) })
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_search_clear(b: *mut EvdnsBase) {
    // SAFETY: NULL or live.
    if let Some(b) = unsafe { base(b) } {
        api::search_clear(b);
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_search_add(b: *mut EvdnsBase, domain: *const c_char) {
    // SAFETY: NULL or live; NULL or a C string.
    if let (Some(b), Some(d)) = (unsafe { base(b) }, unsafe { bytes(domain) }) {
        api::search_add(b, d);
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_base_search_ndots_set(b: *mut EvdnsBase, ndots: c_int) {
    // SAFETY: NULL or live.
    if let Some(b) = unsafe { base(b) } {
        api::search_ndots_set(b, ndots);
    }
}

#[no_mangle]
pub extern "C" fn evdns_set_log_fn(f: Option<DebugLogFn>) {
    log::set_log_fn(f);
}

/// No effect, as in every libevent since 2.0.4: IDs come from the secure RNG.
#[no_mangle]
pub extern "C" fn evdns_set_transaction_id_fn(_f: Option<unsafe extern "C" fn() -> u16>) {}

/// No effect, as in every libevent since 2.0.4.
#[no_mangle]
pub extern "C" fn evdns_set_random_bytes_fn(_f: Option<unsafe extern "C" fn(*mut c_char, size_t)>) {}

// ---- getaddrinfo ----

#[no_mangle]
pub unsafe extern "C" fn evdns_getaddrinfo(
    dns_base: *mut EvdnsBase,
    nodename: *const c_char,
    servname: *const c_char,
    hints_in: *const AddrInfo,
    cb: Option<GaiCallback>,
    arg: *mut c_void,
) -> *mut GaiRequest {
    // SAFETY: NULL or live; NULL or C strings; hints NULL or readable.
    unsafe { getaddrinfo::getaddrinfo(dns_base, bytes(nodename), bytes(servname), hints_in, cb, arg) }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_getaddrinfo_cancel(req: *mut GaiRequest) {
    if !req.is_null() {
        // SAFETY: a request whose callback has not run (the program's promise).
        unsafe { getaddrinfo::cancel(req) };
    }
}

// ---- dns_compat.h ----

#[no_mangle]
pub extern "C" fn evdns_init() -> c_int {
    api::init()
}

#[no_mangle]
pub extern "C" fn evdns_get_global_base() -> *mut EvdnsBase {
    api::global_base().map_or(ptr::null_mut(), |b| b as *const EvdnsBase as *mut EvdnsBase)
}

#[no_mangle]
pub extern "C" fn evdns_shutdown(fail_requests: c_int) {
    api::shutdown(fail_requests != 0);
}

#[no_mangle]
pub extern "C" fn evdns_nameserver_add(address: c_ulong) -> c_int {
    api::global_base_or_new().map_or(-1, |b| api::nameserver_add_v4(b, address as u32))
}

#[no_mangle]
pub extern "C" fn evdns_count_nameservers() -> c_int {
    api::global_base().map_or(0, api::count_nameservers)
}

#[no_mangle]
pub extern "C" fn evdns_clear_nameservers_and_suspend() -> c_int {
    api::global_base().map_or(-1, api::clear_nameservers_and_suspend)
}

#[no_mangle]
pub extern "C" fn evdns_resume() -> c_int {
    api::global_base().map_or(-1, api::resume)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_nameserver_ip_add(ip_as_string: *const c_char) -> c_int {
    let Some(b) = api::global_base_or_new() else { return -1 };
    // SAFETY: NULL or a C string.
    match unsafe { bytes(ip_as_string) } {
        Some(text) => api::nameserver_ip_add(b, text),
        None => crate::dns::resolver::config::IP_ADD_UNPARSABLE,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_resolve_ipv4(
    name: *const c_char,
    flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> c_int {
    // SAFETY: NULL or a C string.
    let (Some(b), Some(name)) = (api::global_base(), unsafe { bytes(name) }) else { return -1 };
    if api::resolve(b, Kind::Ipv4, name, flags, callback, ptr).is_null() {
        -1
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_resolve_ipv6(
    name: *const c_char,
    flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> c_int {
    // SAFETY: NULL or a C string.
    let (Some(b), Some(name)) = (api::global_base(), unsafe { bytes(name) }) else { return -1 };
    if api::resolve(b, Kind::Ipv6, name, flags, callback, ptr).is_null() {
        -1
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_resolve_reverse(
    addr: *const in_addr,
    _flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> c_int {
    // SAFETY: NULL or a readable in_addr.
    let (Some(b), Some(a)) = (api::global_base(), unsafe { addr.as_ref() }) else { return -1 };
    if api::resolve_reverse(b, &a.s_addr.to_ne_bytes(), callback, ptr).is_null() {
        -1
    } else {
        0
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_resolve_reverse_ipv6(
    addr: *const in6_addr,
    _flags: c_int,
    callback: Option<ResolveCallback>,
    ptr: *mut c_void,
) -> c_int {
    // SAFETY: NULL or a readable in6_addr.
    let (Some(b), Some(a)) = (api::global_base(), unsafe { addr.as_ref() }) else { return -1 };
    if api::resolve_reverse(b, &a.s6_addr, callback, ptr).is_null() {
        -1
    } else {
        0
    }
}

/// `flags` is ignored, as documented: the option applies as evdns_base_set_option's do.
#[no_mangle]
pub unsafe extern "C" fn evdns_set_option(option: *const c_char, val: *const c_char, _flags: c_int) -> c_int {
    let Some(b) = api::global_base_or_new() else { return -1 };
    // SAFETY: NULL or C strings.
    let (Some(option), Some(val)) = (unsafe { bytes(option) }, unsafe { bytes(val) }) else { return -1 };
    api::set_option(b, option, val)
}

#[no_mangle]
pub unsafe extern "C" fn evdns_resolv_conf_parse(flags: c_int, filename: *const c_char) -> c_int {
    let Some(b) = api::global_base_or_new() else { return -1 };
    // SAFETY: NULL or a C string.
    api::resolv_conf_parse(b, flags, unsafe { path(filename) })
}

#[no_mangle]
pub extern "C" fn evdns_search_clear() {
    if let Some(b) = api::global_base() {
        api::search_clear(b);
    }
}

#[no_mangle]
pub unsafe extern "C" fn evdns_search_add(domain: *const c_char) {
    // SAFETY: NULL or a C string.
    if let (Some(b), Some(d)) = (api::global_base(), unsafe { bytes(domain) }) {
        api::search_add(b, d);
    }
}

#[no_mangle]
pub extern "C" fn evdns_search_ndots_set(ndots: c_int) {
    if let Some(b) = api::global_base() {
        api::search_ndots_set(b, ndots);
    }
}
