//! event2/event.h: the C entry points. Each checks its C arguments and makes one call into
//! `core::api` (events and bases) or the base/config types; the logic lives there.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::backend::Features;
use crate::core::api::{self, DelWait};
use crate::core::base::EventBase;
use crate::core::config::EventConfig;
use crate::core::dispatch;
use crate::core::event::*;
use crate::core::{debug, log, mem};
use libc::{c_char, c_int, c_short, c_void, size_t, timeval, FILE};
use std::ffi::CStr;
use std::ptr;

struct MethodList([*const c_char; 4]);
// SAFETY: the pointers are to immutable static strings.
unsafe impl Sync for MethodList {}
static METHODS: MethodList = MethodList([c"epoll".as_ptr(), c"poll".as_ptr(), c"select".as_ptr(), ptr::null()]);

pub(crate) fn method_cstr(name: &str) -> *const c_char {
    match name {
        "epoll" => c"epoll".as_ptr(),
        "poll" => c"poll".as_ptr(),
        _ => c"select".as_ptr(),
    }
}

// ---- bases and configs ----

#[no_mangle]
pub extern "C" fn event_base_new() -> *mut EventBase {
    EventBase::new(&EventConfig::default()).unwrap_or(ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn event_base_new_with_config(cfg: *const EventConfig) -> *mut EventBase {
    let default = EventConfig::default();
    // SAFETY: cfg is NULL or a config from event_config_new.
    let cfg = unsafe { cfg.as_ref() }.unwrap_or(&default);
    EventBase::new(cfg).unwrap_or(ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn event_base_free(base: *mut EventBase) {
    // SAFETY: base is NULL or ours, given up by the program.
    unsafe { api::free_base(base, true) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_free_nofinalize(base: *mut EventBase) {
    // SAFETY: base is NULL or ours, given up by the program.
    unsafe { api::free_base(base, false) }
}

#[no_mangle]
pub extern "C" fn event_config_new() -> *mut EventConfig {
    mem::new_object(EventConfig::default()).unwrap_or(ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn event_config_free(cfg: *mut EventConfig) {
    if !cfg.is_null() {
        // SAFETY: cfg came from event_config_new and is given up here.
        unsafe { mem::free_object(cfg) };
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_config_avoid_method(cfg: *mut EventConfig, method: *const c_char) -> c_int {
    // SAFETY: cfg is NULL or ours; method is NULL or a C string.
    let (Some(cfg), false) = (unsafe { cfg.as_mut() }, method.is_null()) else { return -1 };
    // SAFETY: checked non-NULL above.
    let name = unsafe { CStr::from_ptr(method) }.to_string_lossy().into_owned();
    cfg.avoid_method(&name);
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_config_require_features(cfg: *mut EventConfig, features: c_int) -> c_int {
    // SAFETY: cfg is NULL or ours.
    let Some(cfg) = (unsafe { cfg.as_mut() }) else { return -1 };
    cfg.require_features = Features::from_bits_retain(features);
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_config_set_flag(cfg: *mut EventConfig, flag: c_int) -> c_int {
    // SAFETY: cfg is NULL or ours.
    let Some(cfg) = (unsafe { cfg.as_mut() }) else { return -1 };
    cfg.set_flag(flag)
}

#[no_mangle]
pub unsafe extern "C" fn event_config_set_num_cpus_hint(cfg: *mut EventConfig, cpus: c_int) -> c_int {
    // SAFETY: cfg is NULL or ours.
    let Some(cfg) = (unsafe { cfg.as_mut() }) else { return -1 };
    cfg.n_cpus_hint = cpus;
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_config_set_max_dispatch_interval(
    cfg: *mut EventConfig,
    max_interval: *const timeval,
    max_callbacks: c_int,
    min_priority: c_int,
) -> c_int {
    // SAFETY: cfg is NULL or ours; max_interval is NULL or a timeval.
    let Some(cfg) = (unsafe { cfg.as_mut() }) else { return -1 };
    // SAFETY: max_interval is NULL or a readable timeval.
    let tv = unsafe { max_interval.as_ref() }.copied();
    cfg.set_max_dispatch_interval(tv, max_callbacks, min_priority);
    0
}

#[no_mangle]
pub extern "C" fn event_get_supported_methods() -> *mut *const c_char {
    METHODS.0.as_ptr() as *mut *const c_char
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_method(base: *const EventBase) -> *const c_char {
    // SAFETY: base is NULL or ours.
    match unsafe { base.as_ref() } {
        Some(b) => method_cstr(b.method),
        None => ptr::null(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_features(base: *const EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { base.as_ref() }.map_or(0, |b| b.features().bits())
}

#[no_mangle]
pub unsafe extern "C" fn event_reinit(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::with_base(base, |b| b.reinit()) }.unwrap_or(-1)
}

#[no_mangle]
pub unsafe extern "C" fn event_base_priority_init(base: *mut EventBase, npriorities: c_int) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::with_base(base, |b| b.priority_init(npriorities)) }.unwrap_or(-1)
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_npriorities(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::or_current(base).as_ref() }.map_or(0, |b| b.npriorities())
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_num_events(base: *mut EventBase, flags: u32) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::num_events(base, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_max_events(base: *mut EventBase, flags: u32, clear: c_int) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::max_events(base, flags, clear != 0) }
}

#[no_mangle]
pub unsafe extern "C" fn event_gettime_monotonic(base: *mut EventBase, tv: *mut timeval) -> c_int {
    // SAFETY: base is NULL or ours; tv is NULL or writable.
    let (Some(b), Some(tv)) = (unsafe { base.as_ref() }, unsafe { tv.as_mut() }) else { return -1 };
    *tv = b.clock.now();
    0
}

// ---- the loop ----

#[no_mangle]
pub unsafe extern "C" fn event_base_loop(base: *mut EventBase, flags: c_int) -> c_int {
    if base.is_null() {
        log::warn("event_base_loop: no event_base");
        return -1;
    }
    // SAFETY: base is live for the loop's duration (the program's contract).
    unsafe { dispatch::run_loop(base, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_dispatch(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours, live for the loop (the program's contract).
    unsafe { event_base_loop(base, 0) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_loopexit(base: *mut EventBase, tv: *const timeval) -> c_int {
    // SAFETY: base is NULL or ours; tv is NULL or a timeval.
    let Some(b) = (unsafe { base.as_mut() }) else { return -1 };
    // SAFETY: as above.
    dispatch::loopexit(b, unsafe { tv.as_ref() })
}

#[no_mangle]
pub unsafe extern "C" fn event_base_loopbreak(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::loopbreak(base) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_loopcontinue(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::with_base(base, |b| b.event_continue = true) }.map_or(-1, |()| 0)
}

#[no_mangle]
pub unsafe extern "C" fn event_base_got_exit(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { base.as_ref() }.map_or(0, |b| b.got_term as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn event_base_got_break(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { base.as_ref() }.map_or(0, |b| b.got_break as c_int)
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_running_event(base: *mut EventBase) -> *mut Event {
    // SAFETY: base is NULL or ours.
    unsafe { api::running_event(base) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_once(
    base: *mut EventBase,
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
    tv: *const timeval,
) -> c_int {
    // SAFETY: base is NULL or ours; tv is NULL or a timeval.
    let (Some(b), tv) = (unsafe { base.as_mut() }, unsafe { tv.as_ref() }) else { return -1 };
    dispatch::base_once(b, fd, events, cb, arg, tv)
}

// ---- events ----

#[no_mangle]
pub extern "C" fn event_self_cbarg() -> *mut c_void {
    api::self_cbarg()
}

#[no_mangle]
pub unsafe extern "C" fn event_assign(
    ev: *mut Event,
    base: *mut EventBase,
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: ev is NULL or the program's struct event; base is NULL or ours.
    unsafe { api::assign(ev, base, fd, events, cb, arg) }
}

#[no_mangle]
pub unsafe extern "C" fn event_new(
    base: *mut EventBase,
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
) -> *mut Event {
    // SAFETY: base is NULL or ours.
    unsafe { api::new(base, fd, events, cb, arg) }
}

#[no_mangle]
pub unsafe extern "C" fn event_free(ev: *mut Event) {
    // SAFETY: ev is NULL or from event_new, given up by the program.
    unsafe { api::free(ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_debug_unassign(ev: *mut Event) {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::debug_unassign(ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_add(ev: *mut Event, tv: *const timeval) -> c_int {
    // SAFETY: ev is NULL or the program's struct event; tv is NULL or a timeval.
    unsafe { api::add(ev, tv.as_ref()) }
}

#[no_mangle]
pub unsafe extern "C" fn event_del(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::del_with(ev, DelWait::Auto) }
}

#[no_mangle]
pub unsafe extern "C" fn event_del_noblock(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::del_with(ev, DelWait::NoBlock) }
}

#[no_mangle]
pub unsafe extern "C" fn event_del_block(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::del_with(ev, DelWait::Block) }
}

#[no_mangle]
pub unsafe extern "C" fn event_remove_timer(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::remove_timer(ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_active(ev: *mut Event, res: c_int, ncalls: c_short) {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::active(ev, res, ncalls) }
}

#[no_mangle]
pub unsafe extern "C" fn event_pending(ev: *const Event, what: c_short, tv: *mut timeval) -> c_int {
    // SAFETY: ev is NULL or the program's struct event; tv is NULL or writable.
    unsafe { api::pending(ev, what, tv.as_mut()) }
}

#[no_mangle]
pub unsafe extern "C" fn event_initialized(ev: *const Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::initialized(ev) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn event_priority_set(ev: *mut Event, pri: c_int) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::priority_set(ev, pri) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_set(base: *mut EventBase, ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event; base is NULL or ours.
    unsafe { api::base_set(base, ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_fd(ev: *const Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::fd(ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_base(ev: *const Event) -> *mut EventBase {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::base_of(ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_events(ev: *const Event) -> c_short {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::read_field(ev, "event_get_events", 0, |e| e.events) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_callback(ev: *const Event) -> Option<EventCallbackFn> {
    // SAFETY: ev is NULL or the program's struct event; event callbacks are stored through
    // the union's `event` member.
    unsafe { api::read_field(ev, "event_get_callback", None, |e| e.cb.cb.event) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_callback_arg(ev: *const Event) -> *mut c_void {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::read_field(ev, "event_get_callback_arg", ptr::null_mut(), |e| e.cb.arg) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_priority(ev: *const Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::priority(ev) }
}

#[no_mangle]
pub unsafe extern "C" fn event_get_assignment(
    ev: *const Event,
    base_out: *mut *mut EventBase,
    fd_out: *mut c_int,
    events_out: *mut c_short,
    callback_out: *mut Option<EventCallbackFn>,
    arg_out: *mut *mut c_void,
) {
    // SAFETY: ev is NULL or the program's struct event; each out pointer is NULL or writable.
    unsafe {
        api::read_field(ev, "event_get_assignment", (), |e| {
            if let Some(o) = base_out.as_mut() {
                *o = e.base;
            }
            if let Some(o) = fd_out.as_mut() {
                *o = e.fd;
            }
            if let Some(o) = events_out.as_mut() {
                *o = e.events;
            }
            if let Some(o) = callback_out.as_mut() {
                *o = e.cb.cb.event;
            }
            if let Some(o) = arg_out.as_mut() {
                *o = e.cb.arg;
            }
        })
    }
}

#[no_mangle]
pub extern "C" fn event_get_struct_event_size() -> size_t {
    std::mem::size_of::<Event>()
}

#[no_mangle]
pub extern "C" fn event_get_version() -> *const c_char {
    c"2.1.12-stable".as_ptr()
}

#[no_mangle]
pub extern "C" fn event_get_version_number() -> u32 {
    0x0201_0c00
}

// ---- finalizers ----

#[no_mangle]
pub unsafe extern "C" fn event_finalize(flags: u32, ev: *mut Event, cb: Option<EventFinalizeFn>) -> c_int {
    // SAFETY: ev is NULL or the program's struct event.
    unsafe { api::finalize(flags, ev, cb) }
}

#[no_mangle]
pub unsafe extern "C" fn event_free_finalize(flags: u32, ev: *mut Event, cb: Option<EventFinalizeFn>) -> c_int {
    // SAFETY: ev is NULL or from event_new.
    unsafe { api::finalize(flags | api::EVENT_FINALIZE_FREE, ev, cb) }
}

// ---- timers, time cache ----

#[no_mangle]
pub unsafe extern "C" fn event_base_init_common_timeout(base: *mut EventBase, duration: *const timeval) -> *const timeval {
    // SAFETY: duration is NULL or a timeval.
    let Some(d) = (unsafe { duration.as_ref() }) else { return ptr::null() };
    // SAFETY: base is NULL or ours.
    unsafe { api::with_base(base, |b| b.init_common_timeout(d)) }.flatten().unwrap_or(ptr::null())
}

#[no_mangle]
pub unsafe extern "C" fn event_base_gettimeofday_cached(base: *mut EventBase, tv: *mut timeval) -> c_int {
    // SAFETY: tv is NULL or writable.
    let Some(tv) = (unsafe { tv.as_mut() }) else { return -1 };
    // SAFETY: base is NULL or ours.
    *tv = unsafe { api::gettimeofday_cached(base) };
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_base_update_cache_time(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    unsafe { api::update_cache_time(base) }
}

// ---- activation by fd / signal, foreach, dump ----

#[no_mangle]
pub unsafe extern "C" fn event_base_active_by_fd(base: *mut EventBase, fd: c_int, events: c_short) {
    // SAFETY: base is NULL or ours.
    unsafe { api::active_by_fd(base, fd, events) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_active_by_signal(base: *mut EventBase, sig: c_int) {
    // SAFETY: base is NULL or ours.
    unsafe { api::active_by_signal(base, sig) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_foreach_event(
    base: *mut EventBase,
    f: Option<api::ForeachEventCb>,
    arg: *mut c_void,
) -> c_int {
    let Some(f) = f else { return -1 };
    // SAFETY: base is NULL or ours; f is the program's visitor.
    unsafe { api::foreach_event(base, f, arg) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_dump_events(base: *mut EventBase, out: *mut FILE) {
    if out.is_null() {
        return;
    }
    // SAFETY: base is NULL or ours.
    let Some(text) = (unsafe { api::dump_events(base) }) else { return };
    let c = std::ffi::CString::new(text).unwrap_or_default();
    // SAFETY: out is the program's FILE*; "%s" with our NUL-terminated string.
    unsafe { libc::fprintf(out, c"%s".as_ptr(), c.as_ptr()) };
}

// ---- process-wide settings ----

#[no_mangle]
pub extern "C" fn event_enable_debug_mode() {
    debug::enable();
}

#[no_mangle]
pub extern "C" fn event_set_log_callback(cb: Option<log::LogCb>) {
    log::set_log_cb(cb);
}

#[no_mangle]
pub extern "C" fn event_set_fatal_callback(cb: Option<log::FatalCb>) {
    log::set_fatal_cb(cb);
}

#[no_mangle]
pub extern "C" fn event_enable_debug_logging(which: u32) {
    log::set_debug_mask(which);
}

#[no_mangle]
pub extern "C" fn event_set_mem_functions(
    malloc_fn: Option<mem::MallocFn>,
    realloc_fn: Option<mem::ReallocFn>,
    free_fn: Option<mem::FreeFn>,
) {
    mem::set(malloc_fn, realloc_fn, free_fn);
}

#[no_mangle]
pub extern "C" fn libevent_global_shutdown() {
    // Bases own everything else; the process-wide pieces are the debug map and lock debugging.
    debug::shutdown();
    crate::thread::global_shutdown();
}
