//! event2/bufferevent.h and event2/bufferevent_compat.h: the C entry points. Each checks its
//! pointers (a NULL bufferevent gets a failure answer, or nothing happens, where libevent
//! would crash), converts C arguments and calls src/bufferevent/. The logic lives there.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::buffer::api as evbuffer;
use crate::buffer::Evbuffer;
use crate::bufferevent::core::{self as bev, upcast, Bufferevent, DataCb, EventCb};
use crate::bufferevent::filter::{self, FilterCb, FlushMode, FreeContextCb};
use crate::bufferevent::ratelim::{self, group, Group, TokenBucketCfg};
use crate::bufferevent::{pair, socket};
use crate::core::base::EventBase;
use crate::core::mem;
use libc::{c_char, c_int, c_short, c_void, size_t, sockaddr, ssize_t, timeval};
use std::ptr;

/// The Rust handle for a C pointer, or None for NULL.
fn handle(p: *mut Bufferevent) -> Option<*mut bev::Bev> {
    if p.is_null() {
        None
    } else {
        Some(upcast(p))
    }
}

// ---- creation, connection, base ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_socket_new(base: *mut EventBase, fd: c_int, options: c_int) -> *mut Bufferevent {
    // SAFETY: base is the program's base (or NULL); the fd is used as given.
    bev::downcast(unsafe { socket::new(base, fd, options) })
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_socket_connect(b: *mut Bufferevent, sa: *const sockaddr, socklen: c_int) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; sa is NULL or socklen readable bytes.
    unsafe { socket::connect(b, sa, socklen) }
}

/// C's opaque `struct evdns_base`.
pub type EvdnsBase = c_void;

/// With an evdns base the name is resolved through it (asynchronously); without one, with
/// evutil_getaddrinfo.
#[no_mangle]
pub unsafe extern "C" fn bufferevent_socket_connect_hostname(
    b: *mut Bufferevent,
    dns_base: *mut EvdnsBase,
    family: c_int,
    hostname: *const c_char,
    port: c_int,
) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; dns_base is NULL or the program's evdns base; hostname is
    // NULL or a C string.
    unsafe { socket::connect_hostname(b, dns_base as *mut crate::dns::resolver::EvdnsBase, family, hostname, port) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_socket_get_dns_error(b: *mut Bufferevent) -> c_int {
    let Some(b) = handle(b) else { return 0 };
    // SAFETY: a live bufferevent.
    unsafe { socket::get_dns_error(b) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_base_set(base: *mut EventBase, b: *mut Bufferevent) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; base NULL or live.
    unsafe { socket::base_set(base, b) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_base(b: *mut Bufferevent) -> *mut EventBase {
    if b.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live bufferevent.
    unsafe { (*b).ev_base }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_priority_set(b: *mut Bufferevent, pri: c_int) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { socket::priority_set(b, pri) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_priority(b: *const Bufferevent) -> c_int {
    let Some(b) = handle(b as *mut Bufferevent) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { bev::priority(b) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_free(b: *mut Bufferevent) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent; the program gives up its reference.
        unsafe { bev::free(b) }
    }
}

// ---- callbacks, fd, underlying ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_setcb(
    b: *mut Bufferevent,
    readcb: Option<DataCb>,
    writecb: Option<DataCb>,
    eventcb: Option<EventCb>,
    cbarg: *mut c_void,
) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent.
        unsafe { bev::setcb(b, readcb, writecb, eventcb, cbarg) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_getcb(
    b: *mut Bufferevent,
    readcb_out: *mut Option<DataCb>,
    writecb_out: *mut Option<DataCb>,
    eventcb_out: *mut Option<EventCb>,
    cbarg_out: *mut *mut c_void,
) {
    let Some(h) = handle(b) else { return };
    // SAFETY: a live bufferevent; each out pointer is NULL or writable.
    unsafe {
        bev::lock(h);
        if !readcb_out.is_null() {
            *readcb_out = (*b).readcb;
        }
        if !writecb_out.is_null() {
            *writecb_out = (*b).writecb;
        }
        if !eventcb_out.is_null() {
            *eventcb_out = (*b).errorcb;
        }
        if !cbarg_out.is_null() {
            *cbarg_out = (*b).cbarg;
        }
        bev::unlock(h);
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_setfd(b: *mut Bufferevent, fd: c_int) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { bev::setfd(b, fd) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_getfd(b: *mut Bufferevent) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { bev::getfd(b) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_underlying(b: *mut Bufferevent) -> *mut Bufferevent {
    let Some(b) = handle(b) else { return ptr::null_mut() };
    // SAFETY: a live bufferevent.
    unsafe { bev::underlying(b) }
}

// ---- data ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_write(b: *mut Bufferevent, data: *const c_void, size: size_t) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // The checks evbuffer_add makes: no data for a non-zero size, or more than any object.
    if (data.is_null() && size != 0) || size > isize::MAX as usize {
        return -1;
    }
    let data = if size == 0 {
        &[][..]
    } else {
        // SAFETY: data holds size readable bytes (the program's promise).
        unsafe { std::slice::from_raw_parts(data as *const u8, size) }
    };
    // SAFETY: a live bufferevent.
    unsafe { bev::write(b, data) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_write_buffer(b: *mut Bufferevent, buf: *mut Evbuffer) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live bufferevent and a live evbuffer.
    unsafe { bev::write_buffer(b, buf) }
}

/// Returns what evbuffer_remove returns (an int), as libevent does (so -1 becomes SIZE_MAX).
#[no_mangle]
pub unsafe extern "C" fn bufferevent_read(b: *mut Bufferevent, data: *mut c_void, size: size_t) -> size_t {
    let Some(h) = handle(b) else { return 0 };
    if data.is_null() && size != 0 {
        return -1 as ssize_t as size_t;
    }
    // SAFETY: a live bufferevent, whose input is a live evbuffer; data has room for size
    // bytes. The slice never reaches past what will be written (the program's memory may be
    // uninitialised): at most the input's length.
    unsafe {
        let n = size.min(evbuffer::length((*b).input));
        let out = if n == 0 { &mut [][..] } else { std::slice::from_raw_parts_mut(data as *mut u8, n) };
        bev::read(h, out) as c_int as ssize_t as size_t
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_read_buffer(b: *mut Bufferevent, buf: *mut Evbuffer) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    if buf.is_null() {
        return -1;
    }
    // SAFETY: a live bufferevent and a live evbuffer.
    unsafe { bev::read_buffer(b, buf) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_input(b: *mut Bufferevent) -> *mut Evbuffer {
    if b.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live bufferevent.
    unsafe { (*b).input }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_output(b: *mut Bufferevent) -> *mut Evbuffer {
    if b.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live bufferevent.
    unsafe { (*b).output }
}

// ---- enabling, timeouts, watermarks ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_enable(b: *mut Bufferevent, event: c_short) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { bev::enable(b, event) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_disable(b: *mut Bufferevent, event: c_short) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { bev::disable(b, event) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_enabled(b: *mut Bufferevent) -> c_short {
    let Some(b) = handle(b) else { return 0 };
    // SAFETY: a live bufferevent.
    unsafe { bev::get_enabled(b) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_set_timeouts(
    b: *mut Bufferevent,
    tv_read: *const timeval,
    tv_write: *const timeval,
) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; the timevals are NULL or readable.
    unsafe { bev::set_timeouts(b, tv_read, tv_write) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_setwatermark(b: *mut Bufferevent, events: c_short, lowmark: size_t, highmark: size_t) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent.
        unsafe { bev::setwatermark(b, events, lowmark, highmark) }
    }
}

/// 0 with the marks of exactly one direction; -1 for anything else in `events`.
#[no_mangle]
pub unsafe extern "C" fn bufferevent_getwatermark(
    b: *mut Bufferevent,
    events: c_short,
    lowmark: *mut size_t,
    highmark: *mut size_t,
) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; the out pointers are NULL or writable.
    unsafe {
        let Some(wm) = bev::getwatermark(b, events) else { return -1 };
        if !lowmark.is_null() {
            *lowmark = wm.low;
        }
        if !highmark.is_null() {
            *highmark = wm.high;
        }
        0
    }
}

// ---- locking and references ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_lock(b: *mut Bufferevent) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent.
        unsafe { bev::lock(b) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_unlock(b: *mut Bufferevent) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent the caller locked.
        unsafe { bev::unlock(b) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_incref(b: *mut Bufferevent) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent.
        unsafe { bev::incref(b) }
    }
}

/// 1 when that was the last reference (the bufferevent is being freed), else 0.
#[no_mangle]
pub unsafe extern "C" fn bufferevent_decref(b: *mut Bufferevent) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; the caller gives up a reference it holds.
    unsafe { bev::decref(b) as c_int }
}

// ---- flush and trigger ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_flush(b: *mut Bufferevent, iotype: c_short, mode: FlushMode) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { bev::flush(b, iotype, mode) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_trigger(b: *mut Bufferevent, iotype: c_short, options: c_int) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent.
        unsafe { bev::trigger(b, iotype, options) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_trigger_event(b: *mut Bufferevent, what: c_short, options: c_int) {
    if let Some(b) = handle(b) {
        // SAFETY: a live bufferevent.
        unsafe { bev::trigger_event(b, what, options) }
    }
}

// ---- filters and pairs ----

#[no_mangle]
pub unsafe extern "C" fn bufferevent_filter_new(
    underlying: *mut Bufferevent,
    input_filter: Option<FilterCb>,
    output_filter: Option<FilterCb>,
    options: c_int,
    free_context: Option<FreeContextCb>,
    ctx: *mut c_void,
) -> *mut Bufferevent {
    // SAFETY: underlying is NULL (refused inside) or live.
    bev::downcast(unsafe { filter::new(underlying, input_filter, output_filter, options, free_context, ctx) })
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_pair_new(base: *mut EventBase, options: c_int, pair_out: *mut *mut Bufferevent) -> c_int {
    if pair_out.is_null() {
        return -1;
    }
    // SAFETY: base NULL or live; pair_out has room for two pointers.
    unsafe {
        match pair::new(base, options) {
            Some([a, b]) => {
                *pair_out = bev::downcast(a);
                *pair_out.add(1) = bev::downcast(b);
                0
            }
            None => -1,
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_pair_get_partner(b: *mut Bufferevent) -> *mut Bufferevent {
    let Some(b) = handle(b) else { return ptr::null_mut() };
    // SAFETY: a live bufferevent.
    bev::downcast(unsafe { pair::get_partner(b) })
}

// ---- rate limits ----

#[no_mangle]
pub unsafe extern "C" fn ev_token_bucket_cfg_new(
    read_rate: size_t,
    read_burst: size_t,
    write_rate: size_t,
    write_burst: size_t,
    tick_len: *const timeval,
) -> *mut TokenBucketCfg {
    // SAFETY: tick_len is NULL or a readable timeval.
    let tick = if tick_len.is_null() { None } else { Some(unsafe { *tick_len }) };
    match TokenBucketCfg::new(read_rate, read_burst, write_rate, write_burst, tick) {
        Some(cfg) => mem::new_object(cfg).unwrap_or(ptr::null_mut()),
        None => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn ev_token_bucket_cfg_free(cfg: *mut TokenBucketCfg) {
    if !cfg.is_null() {
        // SAFETY: a configuration from ev_token_bucket_cfg_new, given back by the program.
        unsafe { mem::free_object(cfg) }
    }
}

/// A NULL cfg removes the bufferevent's own limit.
#[no_mangle]
pub unsafe extern "C" fn bufferevent_set_rate_limit(b: *mut Bufferevent, cfg: *mut TokenBucketCfg) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; cfg NULL or live for as long as it is in use (the
    // program's promise, as with libevent).
    unsafe { ratelim::set_rate_limit(b, cfg) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_new(base: *mut EventBase, cfg: *const TokenBucketCfg) -> *mut Group {
    if cfg.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: base NULL or live; cfg readable (the group keeps a copy).
    unsafe { group::new(base, &*cfg) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_set_cfg(g: *mut Group, cfg: *const TokenBucketCfg) -> c_int {
    if g.is_null() || cfg.is_null() {
        return -1;
    }
    // SAFETY: a live group; cfg readable.
    unsafe { group::set_cfg(g, &*cfg) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_set_min_share(g: *mut Group, share: size_t) -> c_int {
    if g.is_null() {
        return -1;
    }
    // SAFETY: a live group.
    unsafe { group::set_min_share(g, share) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_free(g: *mut Group) {
    if !g.is_null() {
        // SAFETY: a live group, given back by the program.
        unsafe { group::free(g) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_add_to_rate_limit_group(b: *mut Bufferevent, g: *mut Group) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent; g NULL (leave the group) or live.
    unsafe { group::add(b, g) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_remove_from_rate_limit_group(b: *mut Bufferevent) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { group::remove(b, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_set_max_single_read(b: *mut Bufferevent, size: size_t) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::set_max_single(b, size, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_set_max_single_write(b: *mut Bufferevent, size: size_t) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::set_max_single(b, size, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_max_single_read(b: *mut Bufferevent) -> ssize_t {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_max_single(b, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_max_single_write(b: *mut Bufferevent) -> ssize_t {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_max_single(b, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_read_limit(b: *mut Bufferevent) -> ssize_t {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_limit(b, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_write_limit(b: *mut Bufferevent) -> ssize_t {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_limit(b, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_max_to_read(b: *mut Bufferevent) -> ssize_t {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_max_to(b, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_max_to_write(b: *mut Bufferevent) -> ssize_t {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_max_to(b, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_get_token_bucket_cfg(b: *const Bufferevent) -> *const TokenBucketCfg {
    let Some(b) = handle(b as *mut Bufferevent) else { return ptr::null() };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::get_cfg(b) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_get_read_limit(g: *mut Group) -> ssize_t {
    if g.is_null() {
        return -1;
    }
    // SAFETY: a live group.
    unsafe { group::get_limit(g, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_get_write_limit(g: *mut Group) -> ssize_t {
    if g.is_null() {
        return -1;
    }
    // SAFETY: a live group.
    unsafe { group::get_limit(g, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_decrement_read_limit(b: *mut Bufferevent, decr: ssize_t) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::decrement_limit(b, decr, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_decrement_write_limit(b: *mut Bufferevent, decr: ssize_t) -> c_int {
    let Some(b) = handle(b) else { return -1 };
    // SAFETY: a live bufferevent.
    unsafe { ratelim::decrement_limit(b, decr, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_decrement_read(g: *mut Group, decr: ssize_t) -> c_int {
    if g.is_null() {
        return -1;
    }
    // SAFETY: a live group.
    unsafe { group::decrement(g, decr, false) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_decrement_write(g: *mut Group, decr: ssize_t) -> c_int {
    if g.is_null() {
        return -1;
    }
    // SAFETY: a live group.
    unsafe { group::decrement(g, decr, true) }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_get_totals(
    g: *mut Group,
    total_read_out: *mut u64,
    total_written_out: *mut u64,
) {
    if g.is_null() {
        return;
    }
    // SAFETY: a live group; the out pointers are NULL or writable.
    unsafe {
        let (r, w) = group::totals(g);
        if !total_read_out.is_null() {
            *total_read_out = r;
        }
        if !total_written_out.is_null() {
            *total_written_out = w;
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn bufferevent_rate_limit_group_reset_totals(g: *mut Group) {
    if !g.is_null() {
        // SAFETY: a live group.
        unsafe { group::reset_totals(g) }
    }
}

// ---- bufferevent_compat.h ----

/// The old constructor: a socket bufferevent with no base yet (bufferevent_base_set gives
/// it one) and the callbacks already set.
#[no_mangle]
pub unsafe extern "C" fn bufferevent_new(
    fd: c_int,
    readcb: Option<DataCb>,
    writecb: Option<DataCb>,
    errorcb: Option<EventCb>,
    cbarg: *mut c_void,
) -> *mut Bufferevent {
    // SAFETY: no base; the fd is the program's.
    unsafe {
        let b = socket::new(ptr::null_mut(), fd, 0);
        if b.is_null() {
            return ptr::null_mut();
        }
        bev::setcb(b, readcb, writecb, errorcb, cbarg);
        bev::downcast(b)
    }
}

/// Timeouts in whole seconds; 0 means none for that direction.
#[no_mangle]
pub unsafe extern "C" fn bufferevent_settimeout(b: *mut Bufferevent, timeout_read: c_int, timeout_write: c_int) {
    let Some(b) = handle(b) else { return };
    let tv_read = timeval { tv_sec: timeout_read as libc::time_t, tv_usec: 0 };
    let tv_write = timeval { tv_sec: timeout_write as libc::time_t, tv_usec: 0 };
    let pr: *const timeval = if timeout_read != 0 { &tv_read } else { ptr::null() };
    let pw: *const timeval = if timeout_write != 0 { &tv_write } else { ptr::null() };
    // SAFETY: a live bufferevent; the timevals live on this stack frame for the call.
    unsafe {
        bev::set_timeouts(b, pr, pw);
    }
}
