//! Debug mode (`event_enable_debug_mode`): remember every event we have seen assigned, so
//! that using an event that was never assigned, was freed, or re-assigning one that is
//! still added is reported and stopped instead of corrupting the base.

use super::event::Event;
use super::log;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

static ON: AtomicBool = AtomicBool::new(false);
/// Set once any base or event exists: enabling debug mode after that is an error.
pub static USED: AtomicBool = AtomicBool::new(false);
static MAP: Mutex<Option<HashMap<usize, bool>>> = Mutex::new(None);

/// Note that a base or event exists. Only the first call writes (later ones just read), so
/// threads creating events concurrently do not contend on this flag.
#[inline]
pub fn mark_used() {
    if !USED.load(Ordering::Relaxed) {
        USED.store(true, Ordering::Relaxed);
    }
}

#[inline]
pub fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

pub fn enable() {
    // These two are event_errx(1, ...) in libevent: exit code 1, not the abort code.
    if ON.load(Ordering::Relaxed) {
        log::log(log::EVENT_LOG_ERR, "event_enable_debug_mode was called twice!");
        log::exit_with(1);
    }
    if USED.load(Ordering::Relaxed) {
        log::log(log::EVENT_LOG_ERR, "event_enable_debug_mode must be called *before* creating any events or event_bases");
        log::exit_with(1);
    }
    *MAP.lock() = Some(HashMap::new());
    ON.store(true, Ordering::Relaxed);
}

fn with_map<R>(f: impl FnOnce(&mut HashMap<usize, bool>) -> R) -> Option<R> {
    MAP.lock().as_mut().map(f)
}

fn describe(ev: *const Event) -> String {
    // SAFETY: debug reports read the fields of the pointer the program handed us; in debug
    // mode that memory is the program's event (possibly never assigned, still readable).
    unsafe { format!("{:p} (events: 0x{:x}, fd: {}, flags: 0x{:x})", ev, (*ev).events, (*ev).fd, (*ev).cb.flags) }
}

/// Called by every operation that needs an assigned event.
#[inline]
pub fn assert_is_setup(func: &str, ev: *const Event) {
    if on() {
        assert_is_setup_slow(func, ev);
    }
}

#[cold]
fn assert_is_setup_slow(func: &str, ev: *const Event) {
    if !on() {
        return;
    }
    if with_map(|m| m.contains_key(&(ev as usize))) == Some(false) {
        log::fatal(&format!("{} called on a non-initialized event {}", func, describe(ev)));
    }
}

/// Called by event_assign: assigning over an added event is fatal.
#[inline]
pub fn assert_not_added(func: &str, ev: *const Event) {
    if on() {
        assert_not_added_slow(func, ev);
    }
}

#[cold]
fn assert_not_added_slow(func: &str, ev: *const Event) {
    if !on() {
        return;
    }
    if with_map(|m| m.get(&(ev as usize)).copied()) == Some(Some(true)) {
        log::fatal(&format!("{} called on an already added event {}", func, describe(ev)));
    }
}

#[inline]
pub fn note_setup(ev: *const Event) {
    if on() {
        note_setup_slow(ev);
    }
}

#[cold]
fn note_setup_slow(ev: *const Event) {
    if on() {
        with_map(|m| {
            m.insert(ev as usize, false);
        });
    }
}

#[inline]
pub fn note_teardown(ev: *const Event) {
    if on() {
        note_teardown_slow(ev);
    }
}

#[cold]
fn note_teardown_slow(ev: *const Event) {
    if on() {
        with_map(|m| {
            m.remove(&(ev as usize));
        });
    }
}

#[inline]
pub fn note_added(ev: *const Event, added: bool) {
    if on() {
        note_added_slow(ev, added);
    }
}

#[cold]
fn note_added_slow(ev: *const Event, added: bool) {
    if on() {
        let known = with_map(|m| match m.get_mut(&(ev as usize)) {
            Some(v) => {
                *v = added;
                true
            }
            None => false,
        });
        if known == Some(false) {
            let what = if added { "event_debug_note_add_: noting an add" } else { "event_debug_note_del_: noting a del" };
            log::fatal(&format!("{} on a non-setup event {}", what, describe(ev)));
        }
    }
}

/// Debug mode insists that sockets given to events are non-blocking.
pub fn assert_socket_nonblocking(fd: libc::c_int) {
    if !on() || fd < 0 {
        return;
    }
    // SAFETY: F_GETFL on an fd number has no memory effects; a bad fd just fails.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags >= 0 && flags & libc::O_NONBLOCK == 0 {
        log::fatal(&format!("fd {} is not in non-blocking mode", fd));
    }
}

/// libevent_global_shutdown: forget the debug map (its memory goes back); debug checks stop.
pub fn shutdown() {
    ON.store(false, Ordering::Relaxed);
    *MAP.lock() = None;
}
