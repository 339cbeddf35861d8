//! evdns's own log: `evdns_set_log_fn` receives every message the resolver writes, debug
//! ones included (2.1.12 hands them over whatever the debug mask says); without it they go
//! to the library log (`event_set_log_callback`), where debug messages need
//! `event_enable_debug_logging`.

use crate::core::log as core_log;
use libc::{c_char, c_int};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const DEBUG: c_int = core_log::EVENT_LOG_DEBUG;
pub const MSG: c_int = core_log::EVENT_LOG_MSG;
pub const WARN: c_int = core_log::EVENT_LOG_WARN;

/// `evdns_debug_log_fn_type`: (is_warning, message).
pub type DebugLogFn = unsafe extern "C" fn(c_int, *const c_char);

static LOG_FN: AtomicUsize = AtomicUsize::new(0);

pub fn set_log_fn(f: Option<DebugLogFn>) {
    LOG_FN.store(f.map_or(0, |f| f as usize), Ordering::Release);
}

/// Write a message; `text` is only built when someone will read it.
pub fn log(severity: c_int, text: impl FnOnce() -> String) {
    let f = LOG_FN.load(Ordering::Acquire);
    if f != 0 {
        // Like C's formatting into a buffer, an interior NUL ends the message.
        let msg = text();
        let msg = msg.split('\0').next().unwrap_or("");
        let c = std::ffi::CString::new(msg).unwrap_or_default();
        // SAFETY: f was stored from a valid DebugLogFn.
        let f = unsafe { std::mem::transmute::<usize, DebugLogFn>(f) };
        // SAFETY: the program's callback with a NUL-terminated string that outlives the call.
        unsafe { f((severity == WARN) as c_int, c.as_ptr()) };
        return;
    }
    if severity == DEBUG && core_log::debug_mask() == 0 {
        return;
    }
    core_log::log(severity, &text());
}

pub fn debug(text: impl FnOnce() -> String) {
    log(DEBUG, text)
}
