//! The resolver as the C entry points (src/capi/dns.rs) and the rest of the library call
//! it: each function takes the base's lock for its work and releases it before anything
//! that must run without it (deleting events another thread's loop may be running, program
//! callbacks).
//!
//! # Pointer contract (every `unsafe fn` here)
//! `base` is NULL only where the function says so, else a base from [`base_new`] that the
//! program has not freed; other pointers are as the matching C function documents.

use super::base::EvdnsBase;
use super::lookup::{Lookup, Notify, ResolveCallback, DNS_QUERY_NO_SEARCH, QTYPE_A, QTYPE_AAAA, QTYPE_PTR};
use super::options::{DNS_OPTIONS_ALL, DNS_OPTION_NAMESERVERS_NO_DEFAULT};
use super::sockaddr::SockAddr;
use super::{config, global, log, nameserver};
use crate::core::api as core_api;
use crate::core::base::EventBase;
use crate::dns::wire;
use libc::{c_int, c_void, sockaddr, socklen_t};
use std::path::Path;

pub const EVDNS_BASE_INITIALIZE_NAMESERVERS: c_int = 1;
pub const EVDNS_BASE_DISABLE_WHEN_INACTIVE: c_int = 0x8000;
pub const EVDNS_BASE_NAMESERVERS_NO_DEFAULT: c_int = 0x10000;

/// `evdns_base_new`. Unknown flags are read as EVDNS_BASE_INITIALIZE_NAMESERVERS (with
/// 2.1.12's warning); initializing fails (NULL) unless /etc/resolv.conf parses cleanly.
///
/// # Safety
/// `event_base` is NULL (the current base, whenever one is needed) or a live base.
pub unsafe fn base_new(event_base: *mut EventBase, flags: c_int) -> *mut EvdnsBase {
    let known = EVDNS_BASE_INITIALIZE_NAMESERVERS | EVDNS_BASE_DISABLE_WHEN_INACTIVE | EVDNS_BASE_NAMESERVERS_NO_DEFAULT;
    let mut flags = flags;
    if flags & !known != 0 {
        log::log(log::WARN, || {
            "Unrecognized flag passed to evdns_base_new(). Assuming you meant EVDNS_BASE_INITIALIZE_NAMESERVERS.".to_string()
        });
        flags = EVDNS_BASE_INITIALIZE_NAMESERVERS;
    }
    let b = EvdnsBase::create(event_base, flags & EVDNS_BASE_DISABLE_WHEN_INACTIVE != 0);
    if flags & EVDNS_BASE_INITIALIZE_NAMESERVERS != 0 {
        let mut opts = DNS_OPTIONS_ALL;
        if flags & EVDNS_BASE_NAMESERVERS_NO_DEFAULT != 0 {
            opts |= DNS_OPTION_NAMESERVERS_NO_DEFAULT;
        }
        // SAFETY: b is ours.
        let r = unsafe { &*b }.lock().resolv_conf_parse(opts, Some(Path::new(config::RESOLV_CONF)));
        if r != 0 {
            // SAFETY: nobody else knows b.
            unsafe { base_free(b, false) };
            return std::ptr::null_mut();
        }
    }
    b
}

/// `evdns_base_free`: end every lookup (telling them DNS_ERR_SHUTDOWN, from the loop, when
/// `fail_requests`), close the name servers, give up the program's reference.
///
/// # Safety
/// Module contract; the program gives the base up.
pub unsafe fn base_free(base: *mut EvdnsBase, fail_requests: bool) {
    // SAFETY: module contract.
    let b = unsafe { &*base };
    let (servers, timer) = {
        let mut st = b.lock();
        st.shut_down = true;
        st.end_all(fail_requests);
        st.search = None;
        st.hosts.clear();
        (st.detach_servers(), st.detach_timer())
    };
    for ns in servers {
        nameserver::destroy(ns);
    }
    if let Some(t) = timer {
        // SAFETY: the base's own timer; waiting for its callback if another thread runs it.
        unsafe { core_api::del(t) };
    }
    global::forget(base);
    // SAFETY: the program's reference.
    unsafe { EvdnsBase::release(base) };
}

pub fn clear_host_addresses(b: &EvdnsBase) {
    b.lock().hosts.clear();
}

pub fn nameserver_add_v4(b: &EvdnsBase, s_addr: u32) -> c_int {
    b.lock().add_server(SockAddr::v4(s_addr.to_ne_bytes(), 53))
}

pub fn nameserver_ip_add(b: &EvdnsBase, text: &[u8]) -> c_int {
    b.lock().nameserver_ip_add(text)
}

/// # Safety
/// `sa` points to `len` readable bytes.
pub unsafe fn nameserver_sockaddr_add(b: &EvdnsBase, sa: *const sockaddr, len: socklen_t) -> c_int {
    // SAFETY: per the contract.
    match unsafe { SockAddr::from_raw(sa, len) } {
        Some(a) => b.lock().add_server(a),
        None => nameserver::ADD_ERR_SETUP,
    }
}

pub fn count_nameservers(b: &EvdnsBase) -> c_int {
    b.lock().servers.len() as c_int
}

/// Forget every name server; queries wait (in their order, ahead of the waiting ones) until
/// servers are added and `resume` is called.
pub fn clear_nameservers_and_suspend(b: &EvdnsBase) -> c_int {
    let servers = {
        let mut st = b.lock();
        if st.servers.is_empty() {
            return 0;
        }
        let probes: Vec<u64> = st.servers.iter().filter_map(|s| s.probe).collect();
        let servers = st.detach_servers();
        st.suspend_all();
        for p in probes {
            st.cancel(p);
        }
        servers
    };
    for ns in servers {
        nameserver::destroy(ns);
    }
    0
}

pub fn resume(b: &EvdnsBase) -> c_int {
    b.lock().pump();
    0
}

/// Copy the idx-th server's address (counting from the round-robin head) into `sa` when it
/// fits; returns its length, or -1 when there is no such server.
///
/// # Safety
/// `sa` has `len` writable bytes (it may be NULL when `len` is 0).
pub unsafe fn get_nameserver_addr(b: &EvdnsBase, idx: c_int, sa: *mut sockaddr, len: socklen_t) -> c_int {
    let st = b.lock();
    let Some(ns) = st.server_at(idx.max(0) as usize) else { return -1 };
    let bytes = ns.addr.bytes();
    if bytes.len() > len as usize {
        return bytes.len() as c_int;
    }
    // SAFETY: sa has len >= bytes.len() writable bytes (contract).
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), sa as *mut u8, bytes.len()) };
    bytes.len() as c_int
}

/// Which record a resolve call asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Ipv4,
    Ipv6,
}

/// `evdns_base_resolve_ipv4` / `_ipv6`: the handle, or NULL when the name cannot be asked.
pub fn resolve(
    b: &EvdnsBase,
    kind: Kind,
    name: &[u8],
    flags: c_int,
    cb: Option<ResolveCallback>,
    arg: *mut c_void,
) -> *mut Lookup {
    let mut st = b.lock();
    log::debug(|| format!("Resolve requested for {}", String::from_utf8_lossy(name)));
    let qtype = if kind == Kind::Ipv4 { QTYPE_A } else { QTYPE_AAAA };
    match st.start_resolve(qtype, name, flags, Notify::User { cb, arg }) {
        Some(id) => st.handle(id),
        None => std::ptr::null_mut(),
    }
}

/// `evdns_base_resolve_reverse` / `_ipv6`: a PTR lookup (never through the search list).
pub fn resolve_reverse(b: &EvdnsBase, addr: &[u8], cb: Option<ResolveCallback>, arg: *mut c_void) -> *mut Lookup {
    let name = match addr.len() {
        4 => wire::reverse_name_v4([addr[0], addr[1], addr[2], addr[3]]),
        _ => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&addr[..16]);
            wire::reverse_name_v6(a)
        }
    };
    let mut st = b.lock();
    log::debug(|| format!("Resolve requested for {} (reverse)", name));
    match st.start_resolve(QTYPE_PTR, name.as_bytes(), DNS_QUERY_NO_SEARCH, Notify::User { cb, arg }) {
        Some(id) => st.handle(id),
        None => std::ptr::null_mut(),
    }
}

/// `evdns_cancel_request`: the handle knows its base (the `base` argument is not needed).
///
/// # Safety
/// `req` is a handle whose callback has not run yet.
pub unsafe fn cancel_request(req: *mut Lookup) {
    // SAFETY: the handle is valid until its callback has run (contract); these fields never
    // change, and its base is kept allocated while the handle exists.
    let (base, id) = unsafe { ((*req).base, (*req).id) };
    // SAFETY: as above.
    unsafe { &*base }.lock().cancel(id);
}

/// See [`options::takes_no_value`].
pub fn option_takes_no_value(name: &[u8]) -> bool {
    super::options::takes_no_value(name)
}

pub fn set_option(b: &EvdnsBase, name: &[u8], val: &[u8]) -> c_int {
    b.lock().set_option(name, val, DNS_OPTIONS_ALL)
}

pub fn resolv_conf_parse(b: &EvdnsBase, flags: c_int, path: Option<&Path>) -> c_int {
    b.lock().resolv_conf_parse(flags, path)
}

pub fn load_hosts(b: &EvdnsBase, path: Option<&Path>) -> c_int {
    b.lock().load_hosts(path)
}

pub fn search_clear(b: &EvdnsBase) {
    b.lock().search_clear();
}

pub fn search_add(b: &EvdnsBase, domain: &[u8]) {
    b.lock().search_add(domain);
}

pub fn search_ndots_set(b: &EvdnsBase, ndots: c_int) {
    b.lock().search_ndots_set(ndots);
}

// ---- dns_compat.h: the global base ----

/// `evdns_init`: a new global base from /etc/resolv.conf, 0 or -1. An earlier global base
/// is left alone (not freed: the program may still use it), as in 2.1.12.
pub fn init() -> c_int {
    // SAFETY: NULL: the current event base.
    let b = unsafe { base_new(std::ptr::null_mut(), EVDNS_BASE_INITIALIZE_NAMESERVERS) };
    if b.is_null() {
        return -1;
    }
    global::set(b);
    0
}

/// `evdns_shutdown`.
pub fn shutdown(fail_requests: bool) {
    let b = global::current();
    if !b.is_null() {
        global::forget(b);
        // SAFETY: the global base is ours to free.
        unsafe { base_free(b as *mut EvdnsBase, fail_requests) };
    }
    log::set_log_fn(None);
}

/// The global base, if any.
pub fn global_base() -> Option<&'static EvdnsBase> {
    // SAFETY: the global base stays allocated until evdns_shutdown or evdns_base_free.
    unsafe { global::current().as_ref() }
}

/// The global base, made (empty) when missing.
pub fn global_base_or_new() -> Option<&'static EvdnsBase> {
    // SAFETY: as in global_base.
    unsafe { global::current_or_new().as_ref() }
}

// ---- for the rest of the library ----

/// Resolve `host`/`serv` through `base` the way evdns_getaddrinfo does, for callers inside
/// the library (bufferevent_socket_connect_hostname, and evhttp through it): `cb(err, list,
/// arg)` runs inside this call when no query is needed, else later from the loop; the list
/// is released with evutil_freeaddrinfo. Returns the request (NULL once answered).
///
/// # Safety
/// `base` is a live evdns base; `host`/`serv` are NULL or C strings.
pub unsafe fn getaddrinfo_async(
    base: *mut EvdnsBase,
    host: *const libc::c_char,
    serv: *const libc::c_char,
    hints: &libc::addrinfo,
    cb: super::GaiCallback,
    arg: *mut c_void,
) -> *mut super::GaiRequest {
    // SAFETY: NULL or C strings (contract).
    let (host, serv) = unsafe {
        (
            (!host.is_null()).then(|| std::ffi::CStr::from_ptr(host).to_bytes()),
            (!serv.is_null()).then(|| std::ffi::CStr::from_ptr(serv).to_bytes()),
        )
    };
    // SAFETY: base is live (contract); hints is a readable addrinfo.
    unsafe { super::getaddrinfo::getaddrinfo(base, host, serv, hints, Some(cb), arg) }
}
