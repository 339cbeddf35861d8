//! event2/event.h.

use crate::core::base::{self, EventBase};
use crate::core::config::EventConfig;
use crate::core::dispatch;
use crate::core::event::*;
use crate::core::{clock, debug, global, log, mem};
use libc::{c_char, c_int, c_short, c_void, size_t, timeval, FILE};
use std::ffi::CStr;
use std::ptr;

pub const EVENT_BASE_COUNT_ACTIVE: u32 = 1;
pub const EVENT_BASE_COUNT_VIRTUAL: u32 = 2;
pub const EVENT_BASE_COUNT_ADDED: u32 = 4;
const EVENT_FINALIZE_FREE: u32 = 0x10000;

pub type EventBaseForeachEventCb = unsafe extern "C" fn(*const EventBase, *const Event, *mut c_void) -> c_int;

/// The address event_self_cbarg returns: event_assign swaps it for the event itself.
static SELF_CBARG_MARKER: u8 = 0;

fn self_cbarg() -> *mut c_void {
    &SELF_CBARG_MARKER as *const u8 as *mut c_void
}

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

/// Warn the way libevent does when an event has no base.
fn no_base(func: &str) {
    log::warn(&format!("{}: event has no event_base set.", func));
}

/// SAFETY: base is NULL or a live base from us.
unsafe fn base_mut<'a>(base: *mut EventBase) -> Option<&'a mut EventBase> {
    // SAFETY: per the function contract.
    unsafe { base.as_mut() }
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

unsafe fn free_common(base: *mut EventBase, run_finalizers: bool) {
    let mut base = base;
    if base.is_null() {
        base = global::current_base();
    }
    if base.is_null() {
        log::warn("event_base_free_: no base to free");
        return;
    }
    // SAFETY: base is live and the program gives it up here.
    unsafe { base::free_base(base, run_finalizers) };
}

#[no_mangle]
pub unsafe extern "C" fn event_base_free(base: *mut EventBase) {
    // SAFETY: forwarded contract.
    unsafe { free_common(base, true) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_free_nofinalize(base: *mut EventBase) {
    // SAFETY: forwarded contract.
    unsafe { free_common(base, false) }
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
    cfg.require_features = features;
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
    unsafe { base.as_ref() }.map_or(0, |b| b.features())
}

#[no_mangle]
pub unsafe extern "C" fn event_reinit(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    b.lock();
    let r = b.reinit();
    b.unlock();
    r
}

#[no_mangle]
pub unsafe extern "C" fn event_base_priority_init(base: *mut EventBase, npriorities: c_int) -> c_int {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    b.lock();
    let r = b.priority_init(npriorities);
    b.unlock();
    r
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_npriorities(base: *mut EventBase) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    // SAFETY: base is NULL or ours.
    unsafe { base.as_ref() }.map_or(0, |b| b.npriorities())
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_num_events(base: *mut EventBase, flags: u32) -> c_int {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base.as_ref() }) else { return 0 };
    let mut r = 0usize;
    if flags & EVENT_BASE_COUNT_ACTIVE != 0 {
        r += b.event_count_active;
    }
    if flags & EVENT_BASE_COUNT_VIRTUAL != 0 {
        r += b.virtual_count;
    }
    if flags & EVENT_BASE_COUNT_ADDED != 0 {
        r += b.event_count;
    }
    r as c_int
}

#[no_mangle]
pub unsafe extern "C" fn event_base_get_max_events(base: *mut EventBase, flags: u32, clear: c_int) -> c_int {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return 0 };
    let mut r = 0usize;
    if flags & EVENT_BASE_COUNT_ACTIVE != 0 {
        r += b.event_count_active_max;
        if clear != 0 {
            b.event_count_active_max = 0;
        }
    }
    if flags & EVENT_BASE_COUNT_VIRTUAL != 0 {
        r += b.virtual_count_max;
        if clear != 0 {
            b.virtual_count_max = 0;
        }
    }
    if flags & EVENT_BASE_COUNT_ADDED != 0 {
        r += b.event_count_max;
        if clear != 0 {
            b.event_count_max = 0;
        }
    }
    r as c_int
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
    // SAFETY: forwarded contract.
    unsafe { event_base_loop(base, 0) }
}

#[no_mangle]
pub unsafe extern "C" fn event_base_loopexit(base: *mut EventBase, tv: *const timeval) -> c_int {
    // SAFETY: base is NULL or ours; tv is NULL or a timeval.
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    dispatch::loopexit(b, unsafe { tv.as_ref() })
}

#[no_mangle]
pub unsafe extern "C" fn event_base_loopbreak(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    b.lock();
    b.got_break = true;
    b.thread.notify_if_needed(b);
    b.unlock();
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_base_loopcontinue(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    b.lock();
    b.event_continue = true;
    b.unlock();
    0
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
    let Some(b) = (unsafe { base.as_ref() }) else { return ptr::null_mut() };
    let cb = b.current_event;
    // SAFETY: current_event is live while its callback runs.
    if !cb.is_null() && unsafe { (*cb).flags } & EVLIST_INIT != 0 {
        return as_event(cb);
    }
    ptr::null_mut()
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
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    dispatch::base_once(b, fd, events, cb, arg, unsafe { tv.as_ref() })
}

// ---- events ----

#[no_mangle]
pub extern "C" fn event_self_cbarg() -> *mut c_void {
    self_cbarg()
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
    if ev.is_null() {
        log::warn("event_assign: NULL event");
        return -1;
    }
    let base = if base.is_null() { global::current_base() } else { base };
    let arg = if arg == self_cbarg() { ev as *mut c_void } else { arg };
    debug::mark_used();
    if events & EV_SIGNAL == 0 {
        debug::assert_socket_nonblocking(fd);
    }
    debug::assert_not_added("event_assign", ev);
    if events & EV_SIGNAL != 0 && events & (EV_READ | EV_WRITE | EV_CLOSED) != 0 {
        log::warn("event_assign: EV_SIGNAL is not compatible with EV_READ, EV_WRITE or EV_CLOSED");
        return -1;
    }
    // SAFETY: ev points to a program-owned struct event.
    unsafe { base::assign_raw(ev, base, fd, events, cb, arg) };
    debug::note_setup(ev);
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_new(
    base: *mut EventBase,
    fd: c_int,
    events: c_short,
    cb: Option<EventCallbackFn>,
    arg: *mut c_void,
) -> *mut Event {
    let ev = mem::malloc(std::mem::size_of::<Event>()) as *mut Event;
    if ev.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: ev is fresh memory of the right size.
    unsafe { ptr::write_bytes(ev as *mut u8, 0, std::mem::size_of::<Event>()) };
    // SAFETY: forwarded contract.
    if unsafe { event_assign(ev, base, fd, events, cb, arg) } < 0 {
        mem::free(ev as *mut c_void);
        return ptr::null_mut();
    }
    ev
}

#[no_mangle]
pub unsafe extern "C" fn event_free(ev: *mut Event) {
    if ev.is_null() {
        return;
    }
    // SAFETY: ev came from event_new (the program's contract).
    unsafe { event_del(ev) };
    debug::note_teardown(ev);
    mem::free(ev as *mut c_void);
}

#[no_mangle]
pub unsafe extern "C" fn event_debug_unassign(ev: *mut Event) {
    if ev.is_null() {
        return;
    }
    debug::assert_not_added("event_debug_unassign", ev);
    debug::note_teardown(ev);
    // SAFETY: program-owned event.
    unsafe { (*ev).cb.flags &= !EVLIST_INIT };
}

/// Events whose base is NULL get a warning naming the API function.
///
/// SAFETY: ev is NULL or a program-owned event.
unsafe fn event_base_of<'a>(ev: *const Event, func: &str) -> Option<&'a mut EventBase> {
    if ev.is_null() {
        log::warn(&format!("{}: NULL event", func));
        return None;
    }
    // SAFETY: per the function contract.
    let base = unsafe { (*ev).base };
    if base.is_null() {
        no_base(func);
        return None;
    }
    // SAFETY: an assigned event's base is live while the event is in use.
    Some(unsafe { &mut *base })
}

#[no_mangle]
pub unsafe extern "C" fn event_add(ev: *mut Event, tv: *const timeval) -> c_int {
    // SAFETY: ev is NULL or program-owned.
    let Some(b) = (unsafe { event_base_of(ev, "event_add") }) else { return -1 };
    debug::assert_is_setup("event_debug_assert_is_setup_", ev);
    b.lock();
    // SAFETY: tv is NULL or a timeval.
    let r = b.add_nolock(ev, unsafe { tv.as_ref() }, false);
    b.unlock();
    r
}

/// How event_del waits for the event's callback running in another thread.
#[derive(PartialEq, Eq)]
enum DelWait {
    /// event_del: wait unless the event has EV_FINALIZE.
    Auto,
    /// event_del_block: always wait.
    Block,
    /// event_del_noblock: never wait.
    NoBlock,
}

unsafe fn del_common(ev: *mut Event, func: &str, mode: DelWait) -> c_int {
    // SAFETY: ev is NULL or program-owned.
    let Some(b) = (unsafe { event_base_of(ev, func) }) else { return -1 };
    b.lock();
    let r = b.del_nolock(ev, false);
    // SAFETY: program-owned, assigned event.
    let finalize = unsafe { (*ev).events } & EV_FINALIZE != 0;
    if mode == DelWait::Block || (mode == DelWait::Auto && !finalize) {
        let bp: *mut EventBase = b;
        crate::thread::BaseThreading::wait_for_running(bp, as_callback(ev));
    }
    // SAFETY: the base is still live; re-derive after waiting.
    unsafe { (*(ev_base_ptr(ev))).unlock() };
    r
}

/// SAFETY: ev is an assigned event.
unsafe fn ev_base_ptr(ev: *mut Event) -> *mut EventBase {
    // SAFETY: per the function contract.
    unsafe { (*ev).base }
}

#[no_mangle]
pub unsafe extern "C" fn event_del(ev: *mut Event) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { del_common(ev, "event_del_", DelWait::Auto) }
}

#[no_mangle]
pub unsafe extern "C" fn event_del_noblock(ev: *mut Event) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { del_common(ev, "event_del_", DelWait::NoBlock) }
}

#[no_mangle]
pub unsafe extern "C" fn event_del_block(ev: *mut Event) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { del_common(ev, "event_del_", DelWait::Block) }
}

#[no_mangle]
pub unsafe extern "C" fn event_remove_timer(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or program-owned.
    let Some(b) = (unsafe { event_base_of(ev, "event_remove_timer") }) else { return -1 };
    b.lock();
    let r = b.remove_timer_nolock(ev);
    b.unlock();
    r
}

#[no_mangle]
pub unsafe extern "C" fn event_active(ev: *mut Event, res: c_int, ncalls: c_short) {
    // SAFETY: ev is NULL or program-owned.
    let Some(b) = (unsafe { event_base_of(ev, "event_active") }) else { return };
    debug::assert_is_setup("event_active", ev);
    b.lock();
    b.active_nolock(ev, res as c_short, ncalls);
    b.unlock();
}

#[no_mangle]
pub unsafe extern "C" fn event_pending(ev: *const Event, what: c_short, tv: *mut timeval) -> c_int {
    // SAFETY: ev is NULL or program-owned.
    let Some(b) = (unsafe { event_base_of(ev, "event_pending") }) else { return 0 };
    debug::assert_is_setup("event_pending", ev);
    b.lock();
    let mut flags: c_short = 0;
    // SAFETY: program-owned, assigned event.
    unsafe {
        let f = (*ev).cb.flags;
        if f & EVLIST_INSERTED != 0 {
            flags |= (*ev).events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
        }
        if f & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) != 0 {
            flags |= (*ev).res;
        }
        if f & EVLIST_TIMEOUT != 0 {
            flags |= EV_TIMEOUT;
        }
        let what = what & (EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
        if !tv.is_null() && flags & what & EV_TIMEOUT != 0 {
            let mut t = (*ev).timeout;
            t.tv_usec &= base::COMMON_TIMEOUT_MICROSECONDS_MASK;
            *tv = clock::add(&b.tv_clock_diff, &t);
        }
        b.unlock();
        (flags & what) as c_int
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_initialized(ev: *const Event) -> c_int {
    // SAFETY: ev is NULL or program-owned.
    match unsafe { ev.as_ref() } {
        Some(e) if e.cb.flags & EVLIST_INIT != 0 => 1,
        _ => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_priority_set(ev: *mut Event, pri: c_int) -> c_int {
    if ev.is_null() {
        return -1;
    }
    debug::assert_is_setup("event_priority_set", ev);
    // SAFETY: program-owned event; its base (if any) is live.
    unsafe {
        if (*ev).cb.flags & EVLIST_ACTIVE != 0 {
            return -1;
        }
        let base = (*ev).base;
        if base.is_null() || pri < 0 || pri >= (*base).npriorities() {
            return -1;
        }
        (*ev).cb.pri = pri as u8;
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_base_set(base: *mut EventBase, ev: *mut Event) -> c_int {
    if ev.is_null() || base.is_null() {
        return -1;
    }
    // SAFETY: program-owned event; base is ours.
    unsafe {
        if (*ev).cb.flags != EVLIST_INIT {
            return -1;
        }
        debug::assert_is_setup("event_base_set", ev);
        (*ev).base = base;
        (*ev).cb.pri = ((*base).npriorities() / 2) as u8;
    }
    0
}

macro_rules! getter {
    ($name:ident, $ret:ty, $default:expr, |$e:ident| $body:expr) => {
        #[no_mangle]
        pub unsafe extern "C" fn $name(ev: *const Event) -> $ret {
            if ev.is_null() {
                return $default;
            }
            debug::assert_is_setup(stringify!($name), ev);
            // SAFETY: program-owned event.
            let $e = unsafe { &*ev };
            $body
        }
    };
}

getter!(event_get_fd, c_int, -1, |e| e.fd);
getter!(event_get_base, *mut EventBase, ptr::null_mut(), |e| e.base);
getter!(event_get_events, c_short, 0, |e| e.events);
// SAFETY (union read): event callbacks are stored through the `event` member.
getter!(event_get_callback, Option<EventCallbackFn>, None, |e| unsafe { e.cb.cb.event });
getter!(event_get_callback_arg, *mut c_void, ptr::null_mut(), |e| e.cb.arg);
getter!(event_get_priority, c_int, -1, |e| e.cb.pri as c_int);

#[no_mangle]
pub unsafe extern "C" fn event_get_assignment(
    ev: *const Event,
    base_out: *mut *mut EventBase,
    fd_out: *mut c_int,
    events_out: *mut c_short,
    callback_out: *mut Option<EventCallbackFn>,
    arg_out: *mut *mut c_void,
) {
    if ev.is_null() {
        return;
    }
    debug::assert_is_setup("event_get_assignment", ev);
    // SAFETY: program-owned event; each out pointer is NULL or writable.
    unsafe {
        let e = &*ev;
        if !base_out.is_null() {
            *base_out = e.base;
        }
        if !fd_out.is_null() {
            *fd_out = e.fd;
        }
        if !events_out.is_null() {
            *events_out = e.events;
        }
        if !callback_out.is_null() {
            *callback_out = e.cb.cb.event;
        }
        if !arg_out.is_null() {
            *arg_out = e.cb.arg;
        }
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

unsafe fn finalize_common(flags: u32, ev: *mut Event, cb: Option<EventFinalizeFn>, func: &str) -> c_int {
    // SAFETY: ev is NULL or program-owned.
    let Some(b) = (unsafe { event_base_of(ev, func) }) else { return -1 };
    b.lock();
    b.del_nolock(ev, false);
    // SAFETY: program-owned, assigned event.
    unsafe {
        (*ev).cb.closure = if flags & EVENT_FINALIZE_FREE != 0 { CLOSURE_EVENT_FINALIZE_FREE } else { CLOSURE_EVENT_FINALIZE };
        (*ev).cb.cb = CallbackUnion { ev_finalize: cb };
    }
    b.active_nolock(ev, EV_FINALIZE, 1);
    // SAFETY: as above.
    unsafe { (*ev).cb.flags |= EVLIST_FINALIZING };
    b.unlock();
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_finalize(flags: u32, ev: *mut Event, cb: Option<EventFinalizeFn>) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { finalize_common(flags, ev, cb, "event_finalize_impl_") }
}

#[no_mangle]
pub unsafe extern "C" fn event_free_finalize(flags: u32, ev: *mut Event, cb: Option<EventFinalizeFn>) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { finalize_common(flags | EVENT_FINALIZE_FREE, ev, cb, "event_finalize_impl_") }
}

// ---- timers, time cache ----

#[no_mangle]
pub unsafe extern "C" fn event_base_init_common_timeout(base: *mut EventBase, duration: *const timeval) -> *const timeval {
    // SAFETY: base is NULL or ours; duration is NULL or a timeval.
    let (Some(b), Some(d)) = (unsafe { base_mut(base) }, unsafe { duration.as_ref() }) else { return ptr::null() };
    b.lock();
    let r = b.init_common_timeout(d).unwrap_or(ptr::null());
    b.unlock();
    r
}

#[no_mangle]
pub unsafe extern "C" fn event_base_gettimeofday_cached(base: *mut EventBase, tv: *mut timeval) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    if tv.is_null() {
        return -1;
    }
    // SAFETY: base is NULL or ours; tv is writable.
    unsafe {
        match base.as_mut() {
            Some(b) => {
                b.lock();
                *tv = b.gettimeofday_cached();
                b.unlock();
            }
            None => *tv = clock::wall_now(),
        }
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn event_base_update_cache_time(base: *mut EventBase) -> c_int {
    let base = if base.is_null() { global::current_base() } else { base };
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return -1 };
    b.lock();
    if b.running_loop {
        b.update_time_cache();
    }
    b.unlock();
    0
}

// ---- activation by fd / signal, foreach, dump ----

#[no_mangle]
pub unsafe extern "C" fn event_base_active_by_fd(base: *mut EventBase, fd: c_int, events: c_short) {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return };
    if fd < 0 {
        return;
    }
    b.lock();
    if events & EV_TIMEOUT != 0 {
        let timed: Vec<*mut Event> = b.timers.iter().collect();
        for ev in timed {
            // SAFETY: heap events are live.
            if unsafe { (*ev).fd } == fd {
                b.active_nolock(ev, EV_TIMEOUT, 1);
            }
        }
    }
    b.active_by_fd_nolock(fd, events & (EV_READ | EV_WRITE | EV_CLOSED));
    b.unlock();
}

#[no_mangle]
pub unsafe extern "C" fn event_base_active_by_signal(base: *mut EventBase, sig: c_int) {
    // SAFETY: base is NULL or ours.
    let Some(b) = (unsafe { base_mut(base) }) else { return };
    if sig < 0 || sig as usize >= crate::core::signal::NSIG {
        return;
    }
    b.lock();
    b.active_by_signal_nolock(sig, 1);
    b.unlock();
}

#[no_mangle]
pub unsafe extern "C" fn event_base_foreach_event(
    base: *mut EventBase,
    f: Option<EventBaseForeachEventCb>,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: base is NULL or ours.
    let (Some(b), Some(f)) = (unsafe { base_mut(base) }, f) else { return -1 };
    b.lock();
    let evs = b.collect_events();
    let mut r = 0;
    for ev in evs {
        // SAFETY: calling the program's visitor with live events (it must not add/remove).
        r = unsafe { f(base, ev, arg) };
        if r != 0 {
            break;
        }
    }
    b.unlock();
    r
}

#[no_mangle]
pub unsafe extern "C" fn event_base_dump_events(base: *mut EventBase, out: *mut FILE) {
    // SAFETY: base is NULL or ours.
    let (Some(b), false) = (unsafe { base_mut(base) }, out.is_null()) else { return };
    b.lock();
    let mut text = String::from("Inserted events:\n");
    let evs = b.collect_events();
    let now = b.gettime();
    for &ev in &evs {
        // SAFETY: collected events are live.
        let e = unsafe { &*ev };
        if e.cb.flags & (EVLIST_INSERTED | EVLIST_TIMEOUT) == 0 {
            continue;
        }
        let kind = if e.events & EV_SIGNAL != 0 { "sig" } else { "fd " };
        text.push_str(&format!("  {:p} [{} {}]", ev, kind, e.fd));
        for (bit, name) in [(EV_READ, " Read"), (EV_WRITE, " Write"), (EV_CLOSED, " EOF"), (EV_SIGNAL, " Signal"), (EV_PERSIST, " Persist"), (EV_ET, " ET")] {
            if e.events & bit != 0 {
                text.push_str(name);
            }
        }
        if e.cb.flags & EVLIST_TIMEOUT != 0 {
            let left = clock::sub(&e.timeout, &now);
            text.push_str(&format!(" Timeout={}.{:06}s", left.tv_sec, left.tv_usec));
        }
        text.push('\n');
    }
    text.push_str("Active events:\n");
    for &ev in &evs {
        // SAFETY: collected events are live.
        let e = unsafe { &*ev };
        if e.cb.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) == 0 {
            continue;
        }
        text.push_str(&format!("  {:p} [{} {}, priority={}]", ev, if e.events & EV_SIGNAL != 0 { "sig" } else { "fd " }, e.fd, e.cb.pri));
        for (bit, name) in [(EV_READ, " Read"), (EV_WRITE, " Write"), (EV_CLOSED, " EOF"), (EV_SIGNAL, " Signal"), (EV_TIMEOUT, " Timeout")] {
            if e.res & bit != 0 {
                text.push_str(&format!("{} active", name));
            }
        }
        if e.cb.flags & EVLIST_ACTIVE_LATER != 0 {
            text.push_str(" [NextIter]");
        }
        text.push('\n');
    }
    b.unlock();
    let c = std::ffi::CString::new(text).unwrap_or_default();
    // SAFETY: out is a FILE* from the program; "%s" with our NUL-terminated string.
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
    // Bases own everything else; the process-wide piece with memory is the debug map.
    debug::shutdown();
}
