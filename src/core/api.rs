//! Events and bases as the rest of the library and the C shims use them.
//!
//! Every operation here takes the base's lock (the program's `evthread` lock when threading is
//! on), does its work, and releases it; no program code runs under it except where noted
//! (`foreach_event`'s visitor, as in libevent). The C entry points in `capi/event.rs` only check
//! their arguments and call these; bufferevents, listeners and evhttp call them directly.
//!
//! # Pointer contract (for every `unsafe fn` in this module)
//! - `ev: *mut Event` is NULL (answered as libevent answers NULL, with a warning where it
//!   warns) or points to a `struct event` the program owns (embedded, on its stack, or from
//!   [`new`]). It stays a raw pointer on purpose: the base's intrusive lists and the program
//!   itself alias that memory while it is added, so no `&mut Event` may outlive one call.
//! - An assigned event's `ev_base` is NULL or a live base from [`EventBase::new`].
//! - `base: *mut EventBase` is NULL (where the function says NULL means the current global
//!   base, it does) or a live base of ours.

use crate::core::base::{self, EventBase};
use crate::core::config::EventConfig;
use crate::core::event::*;
use crate::core::{clock, debug, global, log, mem};
use crate::thread::BaseThreading;
use libc::{c_int, c_short, c_void, timeval};
use std::ptr;

/// `event_base_get_num_events` / `_get_max_events` flags.
pub const EVENT_BASE_COUNT_ACTIVE: u32 = 1;
pub const EVENT_BASE_COUNT_VIRTUAL: u32 = 2;
pub const EVENT_BASE_COUNT_ADDED: u32 = 4;
/// `event_free_finalize` is `event_finalize` with this flag.
pub const EVENT_FINALIZE_FREE: u32 = 0x10000;

/// The program's visitor for `event_base_foreach_event`.
pub type ForeachEventCb = unsafe extern "C" fn(*const EventBase, *const Event, *mut c_void) -> c_int;

/// The address `event_self_cbarg()` returns: `assign` swaps it for the event itself.
static SELF_CBARG_MARKER: u8 = 0;

/// What `event_self_cbarg()` returns.
pub fn self_cbarg() -> *mut c_void {
    &SELF_CBARG_MARKER as *const u8 as *mut c_void
}

/// The base's lock held for the guard's lifetime (a no-op without threading).
struct Locked<'a>(&'a mut EventBase);

impl<'a> Locked<'a> {
    fn new(b: &'a mut EventBase) -> Self {
        b.lock();
        Locked(b)
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        self.0.unlock();
    }
}

impl std::ops::Deref for Locked<'_> {
    type Target = EventBase;
    fn deref(&self) -> &EventBase {
        self.0
    }
}

impl std::ops::DerefMut for Locked<'_> {
    fn deref_mut(&mut self) -> &mut EventBase {
        self.0
    }
}

/// `event_init`: a new base that becomes the current global base. Failing is fatal, as in
/// libevent (exit code 1).
pub fn init_global() -> *mut EventBase {
    let Some(base) = EventBase::new(&EventConfig::default()) else {
        log::log(log::EVENT_LOG_ERR, "event_init: Unable to construct event_base");
        log::exit_with(1);
    };
    global::set_current_base(base);
    base
}

/// The base, or the current global base for NULL (the deprecated API's rule).
pub fn or_current(base: *mut EventBase) -> *mut EventBase {
    if base.is_null() {
        global::current_base()
    } else {
        base
    }
}

/// # Safety
/// `base` is NULL or a live base (module contract).
unsafe fn base_mut<'a>(base: *mut EventBase) -> Option<&'a mut EventBase> {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe { base.as_mut() }
}

/// The base of an event, with the warning libevent gives (naming `func`) when there is none.
///
/// # Safety
/// Module contract for `ev`.
#[inline]
unsafe fn event_base_of<'a>(ev: *const Event, func: &str) -> Option<&'a mut EventBase> {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let base = if ev.is_null() { ptr::null_mut() } else { unsafe { (*ev).base } };
    if base.is_null() {
        no_base_warning(ev, func);
        return None;
    }
    // SAFETY: an assigned event's base is live while the event is in use.
    Some(unsafe { &mut *base })
}

#[cold]
fn no_base_warning(ev: *const Event, func: &str) {
    if ev.is_null() {
        log::warn(&format!("{}: NULL event", func));
    } else {
        log::warn(&format!("{}: event has no event_base set.", func));
    }
}

// ---- events: set-up and teardown ----

/// `event_assign`: prepare the program's `struct event` (NULL base: the current global base).
///
/// # Safety
/// Module contract; `ev` must not be added (debug mode checks this).
pub unsafe fn assign(
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
    let base = or_current(base);
    let arg = if arg == self_cbarg() { ev as *mut c_void } else { arg };
    debug::mark_used();
    // One test of debug mode for all its checks (each would load the flag again).
    let debugging = debug::on();
    if debugging {
        if events & EV_SIGNAL == 0 {
            debug::assert_socket_nonblocking(fd);
        }
        debug::assert_not_added("event_assign", ev);
    }
    if events & EV_SIGNAL != 0 && events & (EV_READ | EV_WRITE | EV_CLOSED) != 0 {
        log::warn("event_assign: EV_SIGNAL is not compatible with EV_READ, EV_WRITE or EV_CLOSED");
        return -1;
    }
    // SAFETY: ev points to a program-owned struct event (contract).
    unsafe { base::assign_raw(ev, base, fd, events, cb, arg) };
    if debugging {
        debug::note_setup(ev);
    }
    0
}

/// `event_new`: a `struct event` from the program's allocator, assigned; NULL on failure.
///
/// # Safety
/// Module contract for `base`.
pub unsafe fn new(base: *mut EventBase, fd: c_int, events: c_short, cb: Option<EventCallbackFn>, arg: *mut c_void) -> *mut Event {
    let ev = mem::malloc(std::mem::size_of::<Event>()) as *mut Event;
    if ev.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: ev is fresh memory of the right size.
    unsafe { ptr::write_bytes(ev as *mut u8, 0, std::mem::size_of::<Event>()) };
    // SAFETY: ev is ours and zeroed; base per contract.
    if unsafe { assign(ev, base, fd, events, cb, arg) } < 0 {
        mem::free(ev as *mut c_void);
        return ptr::null_mut();
    }
    ev
}

/// `event_free`: delete (waiting for a running callback as `event_del` does) and free.
///
/// # Safety
/// `ev` is NULL or came from [`new`] and is not used afterwards.
pub unsafe fn free(ev: *mut Event) {
    if ev.is_null() {
        return;
    }
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    unsafe { del(ev) };
    debug::note_teardown(ev);
    mem::free(ev as *mut c_void);
}

/// `event_debug_unassign`: forget an (unadded) event in debug mode.
///
/// # Safety
/// Module contract.
pub unsafe fn debug_unassign(ev: *mut Event) {
    if ev.is_null() {
        return;
    }
    debug::assert_not_added("event_debug_unassign", ev);
    debug::note_teardown(ev);
    // SAFETY: program-owned event (contract).
    unsafe { (*ev).cb.flags &= !EVLIST_INIT };
}

/// `event_base_set`: move a fresh (only initialised) event to `base`.
///
/// # Safety
/// Module contract.
pub unsafe fn base_set(base: *mut EventBase, ev: *mut Event) -> c_int {
    if ev.is_null() || base.is_null() {
        return -1;
    }
    // SAFETY: program-owned event; base is ours (contract).
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

/// `event_priority_set`: refused for an active event or a priority the base lacks.
///
/// # Safety
/// Module contract.
pub unsafe fn priority_set(ev: *mut Event, pri: c_int) -> c_int {
    if ev.is_null() {
        return -1;
    }
    debug::assert_is_setup("event_priority_set", ev);
    // SAFETY: program-owned event; its base (if any) is live (contract).
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

/// `event_initialized`.
///
/// # Safety
/// Module contract.
pub unsafe fn initialized(ev: *const Event) -> bool {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    matches!(unsafe { ev.as_ref() }, Some(e) if e.cb.flags & EVLIST_INIT != 0)
}

/// Read one field of an assigned event (`event_get_fd`, `event_get_base` …): `default` for
/// NULL; debug mode checks the event was set up.
///
/// # Safety
/// Module contract.
pub unsafe fn read_field<T>(ev: *const Event, func: &str, default: T, f: impl FnOnce(&Event) -> T) -> T {
    if ev.is_null() {
        return default;
    }
    debug::assert_is_setup(func, ev);
    // SAFETY: program-owned event, read for the duration of this call only.
    f(unsafe { &*ev })
}

/// `event_get_fd`.
///
/// # Safety
/// Module contract.
pub unsafe fn fd(ev: *const Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    unsafe { read_field(ev, "event_get_fd", -1, |e| e.fd) }
}

/// `event_get_base`.
///
/// # Safety
/// Module contract.
pub unsafe fn base_of(ev: *const Event) -> *mut EventBase {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    unsafe { read_field(ev, "event_get_base", ptr::null_mut(), |e| e.base) }
}

/// `event_get_priority`.
///
/// # Safety
/// Module contract.
pub unsafe fn priority(ev: *const Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    unsafe { read_field(ev, "event_get_priority", -1, |e| e.cb.pri as c_int) }
}

// ---- events: add, delete, activate ----

/// `event_add`: -1 (with libevent's warning) for NULL or a base-less event.
///
/// # Safety
/// Module contract.
pub unsafe fn add(ev: *mut Event, tv: Option<&timeval>) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let Some(b) = (unsafe { event_base_of(ev, "event_add") }) else { return -1 };
    debug::assert_is_setup("event_debug_assert_is_setup_", ev);
    // SAFETY: ev is the program's event, assigned to b (its ev_base), and Locked holds b's lock.
    unsafe { Locked::new(b).add_nolock(ev, tv, false) }
}

/// How `event_del` waits for the event's callback running in another thread.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DelWait {
    /// `event_del`: wait unless the event has EV_FINALIZE.
    Auto,
    /// `event_del_block`: always wait.
    Block,
    /// `event_del_noblock`: never wait.
    NoBlock,
}

/// `event_del` and its blocking variants.
///
/// # Safety
/// Module contract.
pub unsafe fn del_with(ev: *mut Event, mode: DelWait) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let Some(b) = (unsafe { event_base_of(ev, "event_del_") }) else { return -1 };
    let bp: *mut EventBase = b;
    b.lock();
    // SAFETY: ev is the program's event, assigned to b (its ev_base); b's lock is held.
    let r = unsafe { b.del_nolock(ev, false) };
    // SAFETY: program-owned, assigned event (contract).
    let finalize = unsafe { (*ev).events } & EV_FINALIZE != 0;
    if mode == DelWait::Block || (mode == DelWait::Auto && !finalize) {
        // SAFETY: bp is ev's live base and we hold its lock once.
        unsafe { BaseThreading::wait_for_running(bp, as_callback(ev)) };
    }
    // SAFETY: the base outlives the wait (waiting releases and retakes its lock).
    unsafe { (*bp).unlock() };
    r
}

/// `event_del`.
///
/// # Safety
/// Module contract.
pub unsafe fn del(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    unsafe { del_with(ev, DelWait::Auto) }
}

/// `event_remove_timer`: drop the timeout, keep the I/O or signal interest.
///
/// # Safety
/// Module contract.
pub unsafe fn remove_timer(ev: *mut Event) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let Some(b) = (unsafe { event_base_of(ev, "event_remove_timer") }) else { return -1 };
    // SAFETY: ev is the program's event, assigned to b; Locked holds b's lock.
    unsafe { Locked::new(b).remove_timer_nolock(ev) }
}

/// `event_active`.
///
/// # Safety
/// Module contract.
pub unsafe fn active(ev: *mut Event, res: c_int, ncalls: c_short) {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let Some(b) = (unsafe { event_base_of(ev, "event_active") }) else { return };
    debug::assert_is_setup("event_active", ev);
    // SAFETY: ev is the program's event, assigned to b; Locked holds b's lock.
    unsafe { Locked::new(b).active_nolock(ev, res as c_short, ncalls) };
}

/// `event_active_later_`: active from the next loop iteration on.
///
/// # Safety
/// Module contract.
pub unsafe fn active_later(ev: *mut Event, res: c_int) {
    if ev.is_null() {
        return;
    }
    // SAFETY: program-owned event; its base is live (contract).
    let Some(b) = (unsafe { (*ev).base.as_mut() }) else { return };
    // SAFETY: ev is the program's event, assigned to b; Locked holds b's lock.
    unsafe { Locked::new(b).active_later_nolock(ev, res as c_short) };
}

/// `event_pending`: which of `what` the event is pending on; the absolute deadline (wall
/// clock) into `tv` when asked and a timeout is pending.
///
/// # Safety
/// Module contract.
pub unsafe fn pending(ev: *const Event, what: c_short, tv: Option<&mut timeval>) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let Some(b) = (unsafe { event_base_of(ev, "event_pending") }) else { return 0 };
    debug::assert_is_setup("event_pending", ev);
    let b = Locked::new(b);
    // SAFETY: program-owned, assigned event, read under the base lock.
    let e = unsafe { &*ev };
    let mut flags: c_short = 0;
    if e.cb.flags & EVLIST_INSERTED != 0 {
        flags |= e.events & (EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
    }
    if e.cb.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) != 0 {
        flags |= e.res;
    }
    if e.cb.flags & EVLIST_TIMEOUT != 0 {
        flags |= EV_TIMEOUT;
    }
    let what = what & (EV_TIMEOUT | EV_READ | EV_WRITE | EV_CLOSED | EV_SIGNAL);
    if let Some(tv) = tv {
        if flags & what & EV_TIMEOUT != 0 {
            let mut t = e.timeout;
            t.tv_usec &= base::COMMON_TIMEOUT_MICROSECONDS_MASK;
            *tv = clock::add(&b.tv_clock_diff, &t);
        }
    }
    (flags & what) as c_int
}

// ---- finalizers ----

/// `event_finalize` / `event_free_finalize` (`flags` has [`EVENT_FINALIZE_FREE`]): delete the
/// event without waiting, then run `cb` from the loop.
///
/// # Safety
/// Module contract.
pub unsafe fn finalize(flags: u32, ev: *mut Event, cb: Option<EventFinalizeFn>) -> c_int {
    // SAFETY: ev is NULL or the program's struct event, whose base is live (module contract).
    let Some(b) = (unsafe { event_base_of(ev, "event_finalize_impl_") }) else { return -1 };
    let mut b = Locked::new(b);
    // SAFETY: ev is the program's event, assigned to b (its ev_base), under b's lock.
    unsafe {
        b.del_nolock(ev, false);
        (*ev).cb.closure = if flags & EVENT_FINALIZE_FREE != 0 { CLOSURE_EVENT_FINALIZE_FREE } else { CLOSURE_EVENT_FINALIZE };
        (*ev).cb.cb = CallbackUnion { ev_finalize: cb };
        b.active_nolock(ev, EV_FINALIZE, 1);
        (*ev).cb.flags |= EVLIST_FINALIZING;
    }
    0
}

// ---- bases ----

/// `event_base_free` / `_nofinalize` (NULL: the current global base).
///
/// # Safety
/// Module contract; the program gives the base up here.
pub unsafe fn free_base(base: *mut EventBase, run_finalizers: bool) {
    let base = or_current(base);
    if base.is_null() {
        log::warn("event_base_free_: no base to free");
        return;
    }
    // SAFETY: base is live and given up (contract).
    unsafe { base::free_base(base, run_finalizers) };
}

/// Run `f` on the base with its lock held; `None` for NULL.
///
/// # Safety
/// Module contract.
pub unsafe fn with_base<R>(base: *mut EventBase, f: impl FnOnce(&mut EventBase) -> R) -> Option<R> {
    // SAFETY: base is NULL or a live base of ours (module contract).
    let b = unsafe { base_mut(base) }?;
    let mut b = Locked::new(b);
    Some(f(&mut b))
}

/// `event_base_loopbreak`.
///
/// # Safety
/// Module contract.
pub unsafe fn loopbreak(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe {
        with_base(base, |b| {
            b.got_break = true;
            b.thread.notify_if_needed(b);
            0
        })
    }
    .unwrap_or(-1)
}

/// `event_base_get_running_event`: the event whose callback runs now, in the loop's thread.
///
/// # Safety
/// Module contract.
pub unsafe fn running_event(base: *mut EventBase) -> *mut Event {
    // SAFETY: base is NULL or a live base of ours (module contract).
    let Some(b) = (unsafe { base.as_ref() }) else { return ptr::null_mut() };
    // Only the loop's own thread sees a running event (another thread's answer would be stale
    // as soon as it was read), as libevent answers.
    if !b.thread.in_loop_thread() {
        return ptr::null_mut();
    }
    let cb = b.current_event;
    // SAFETY: current_event is live while its callback runs.
    if !cb.is_null() && unsafe { (*cb).flags } & EVLIST_INIT != 0 {
        return as_event(cb);
    }
    ptr::null_mut()
}

/// `event_base_get_num_events`.
///
/// # Safety
/// Module contract.
pub unsafe fn num_events(base: *mut EventBase, flags: u32) -> c_int {
    // SAFETY: base is NULL or a live base of ours (module contract).
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

/// `event_base_get_max_events`, optionally clearing the maxima it reports.
///
/// # Safety
/// Module contract.
pub unsafe fn max_events(base: *mut EventBase, flags: u32, clear: bool) -> c_int {
    // SAFETY: base is NULL or a live base of ours (module contract).
    let Some(b) = (unsafe { base_mut(base) }) else { return 0 };
    let mut r = 0usize;
    let mut take = |v: &mut usize| {
        r += *v;
        if clear {
            *v = 0;
        }
    };
    if flags & EVENT_BASE_COUNT_ACTIVE != 0 {
        take(&mut b.event_count_active_max);
    }
    if flags & EVENT_BASE_COUNT_VIRTUAL != 0 {
        take(&mut b.virtual_count_max);
    }
    if flags & EVENT_BASE_COUNT_ADDED != 0 {
        take(&mut b.event_count_max);
    }
    r as c_int
}

/// `event_base_add_virtual_` / `_del_virtual_`: something outside the event lists keeps
/// the loop running.
///
/// # Safety
/// Module contract.
pub unsafe fn add_virtual(base: *mut EventBase, delta: isize) {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe {
        with_base(base, |b| {
            if delta > 0 {
                b.virtual_count += delta as usize;
                b.virtual_count_max = b.virtual_count_max.max(b.virtual_count);
            } else {
                b.virtual_count = b.virtual_count.saturating_sub(delta.unsigned_abs());
                b.thread.notify_if_needed(b);
            }
        })
    };
}

/// `event_base_gettimeofday_cached` (NULL base: the current global base, or the real time).
///
/// # Safety
/// Module contract.
pub unsafe fn gettimeofday_cached(base: *mut EventBase) -> timeval {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe { with_base(or_current(base), |b| b.gettimeofday_cached()) }.unwrap_or_else(clock::wall_now)
}

/// `event_base_update_cache_time`.
///
/// # Safety
/// Module contract.
pub unsafe fn update_cache_time(base: *mut EventBase) -> c_int {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe {
        with_base(or_current(base), |b| {
            if b.running_loop {
                b.update_time_cache();
            }
            0
        })
    }
    .unwrap_or(-1)
}

/// `event_base_active_by_fd`: activate the fd's I/O events (and its timers for EV_TIMEOUT).
///
/// # Safety
/// Module contract.
pub unsafe fn active_by_fd(base: *mut EventBase, fd: c_int, events: c_short) {
    if fd < 0 {
        return;
    }
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe {
        with_base(base, |b| {
            if events & EV_TIMEOUT != 0 {
                let timed: Vec<*mut Event> = b.timers.iter().collect();
                for ev in timed {
                    // SAFETY: events in the timer heap are live.
                    if (*ev).fd == fd {
                        b.active_nolock(ev, EV_TIMEOUT, 1);
                    }
                }
            }
            b.active_by_fd_nolock(fd, Ev::from_bits_retain(events) & (Ev::READ | Ev::WRITE | Ev::CLOSED));
        })
    };
}

/// `event_base_active_by_signal`.
///
/// # Safety
/// Module contract.
pub unsafe fn active_by_signal(base: *mut EventBase, sig: c_int) {
    if sig < 0 || sig as usize >= crate::core::signal::NSIG {
        return;
    }
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe { with_base(base, |b| b.active_by_signal_nolock(sig, 1)) };
}

/// `event_base_foreach_event`: the visitor runs under the base lock (it must not add or
/// delete events, as libevent documents); a non-zero answer stops the walk and is returned.
///
/// # Safety
/// Module contract; `f` is the program's function.
pub unsafe fn foreach_event(base: *mut EventBase, f: ForeachEventCb, arg: *mut c_void) -> c_int {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe {
        with_base(base, |b| {
            for ev in b.collect_events() {
                // SAFETY: calling the program's visitor with live events.
                let r = f(base, ev, arg);
                if r != 0 {
                    return r;
                }
            }
            0
        })
    }
    .unwrap_or(-1)
}

/// `event_base_dump_events`'s text: inserted events, then active ones, as libevent lists them.
///
/// # Safety
/// Module contract.
pub unsafe fn dump_events(base: *mut EventBase) -> Option<String> {
    // SAFETY: base is NULL or a live base of ours (module contract).
    unsafe {
        with_base(base, |b| {
            let mut text = String::from("Inserted events:\n");
            let evs = b.collect_events();
            for &ev in &evs {
                // SAFETY: collected events are live.
                let e = &*ev;
                if e.cb.flags & (EVLIST_INSERTED | EVLIST_TIMEOUT) == 0 {
                    continue;
                }
                let kind = if e.events & EV_SIGNAL != 0 { "sig" } else { "fd " };
                text.push_str(&format!("  {:p} [{} {}]", ev, kind, e.fd));
                for (bit, name) in [
                    (EV_READ, " Read"),
                    (EV_WRITE, " Write"),
                    (EV_CLOSED, " EOF"),
                    (EV_SIGNAL, " Signal"),
                    (EV_PERSIST, " Persist"),
                    (EV_ET, " ET"),
                ] {
                    if e.events & bit != 0 {
                        text.push_str(name);
                    }
                }
                if e.cb.flags & EVLIST_TIMEOUT != 0 {
                    // The deadline as wall-clock seconds, as libevent prints it (a common
                    // timeout's marker bits are not part of the time).
                    let mut t = e.timeout;
                    t.tv_usec &= base::COMMON_TIMEOUT_MICROSECONDS_MASK;
                    let at = clock::add(&b.tv_clock_diff, &t);
                    text.push_str(&format!(" Timeout={}.{:06}", at.tv_sec, at.tv_usec));
                }
                text.push('\n');
            }
            text.push_str("Active events:\n");
            for &ev in &evs {
                // SAFETY: collected events are live.
                let e = &*ev;
                if e.cb.flags & (EVLIST_ACTIVE | EVLIST_ACTIVE_LATER) == 0 {
                    continue;
                }
                let kind = if e.events & EV_SIGNAL != 0 { "sig" } else { "fd " };
                text.push_str(&format!("  {:p} [{} {}, priority={}]", ev, kind, e.fd, e.cb.pri));
                for (bit, name) in [
                    (EV_READ, " Read"),
                    (EV_WRITE, " Write"),
                    (EV_CLOSED, " EOF"),
                    (EV_SIGNAL, " Signal"),
                    (EV_TIMEOUT, " Timeout"),
                ] {
                    if e.res & bit != 0 {
                        text.push_str(name);
                    }
                }
                text.push_str(" active");
                if e.cb.flags & EVLIST_ACTIVE_LATER != 0 {
                    text.push_str(" [NextIter]");
                }
                text.push('\n');
            }
            text
        })
    }
}

/// `event_base_assert_ok_`: a base whose invariants do not hold is fatal.
///
/// # Safety
/// Module contract.
pub unsafe fn assert_ok(base: *mut EventBase) {
    // SAFETY: base is NULL or a live base of ours (module contract).
    if let Some(Err(what)) = unsafe { with_base(base, |b| b.check_invariants()) } {
        log::fatal(&format!("event_base_assert_ok_: {}", what));
    }
}
