//! Logging and the fatal path: `event_set_log_callback`, `event_set_fatal_callback`,
//! `event_enable_debug_logging`. Messages go to the program's callback if it set one, else
//! to stderr as "[warn] message", the way libevent prints them.

use libc::{c_char, c_int};
use std::ffi::CString;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

pub const EVENT_LOG_DEBUG: c_int = 0;
pub const EVENT_LOG_MSG: c_int = 1;
pub const EVENT_LOG_WARN: c_int = 2;
pub const EVENT_LOG_ERR: c_int = 3;

/// The error code libevent hands the fatal callback when it would otherwise abort().
pub const EVENT_ERR_ABORT: c_int = 0xdeaddead_u32 as c_int;

pub type LogCb = unsafe extern "C" fn(c_int, *const c_char);
pub type FatalCb = unsafe extern "C" fn(c_int);

static LOG_CB: AtomicUsize = AtomicUsize::new(0);
static FATAL_CB: AtomicUsize = AtomicUsize::new(0);
/// event_enable_debug_logging's mask, under libevent's internal name: libevent's own tests read
/// and write it directly (an `AtomicU32` is laid out as their `unsigned int`), so the library
/// always goes through the exported symbol.
#[no_mangle]
#[used]
pub static event_debug_logging_mask_: AtomicU32 = AtomicU32::new(0);

pub fn debug_mask() -> u32 {
    event_debug_logging_mask_.load(Ordering::Relaxed)
}

pub fn set_debug_mask(m: u32) {
    event_debug_logging_mask_.store(m, Ordering::Relaxed)
}

pub fn set_log_cb(cb: Option<LogCb>) {
    LOG_CB.store(cb.map_or(0, |f| f as usize), Ordering::Release);
}

pub fn set_fatal_cb(cb: Option<FatalCb>) {
    FATAL_CB.store(cb.map_or(0, |f| f as usize), Ordering::Release);
}

/// Deliver one finished message.
pub fn log(severity: c_int, msg: &str) {
    let cb = LOG_CB.load(Ordering::Acquire);
    // Interior NULs cannot cross into C; cut there as C formatting would.
    let msg = msg.split('\0').next().unwrap_or("");
    if cb != 0 {
        let c = CString::new(msg).unwrap_or_default();
        // SAFETY: cb was stored from a valid `LogCb` function pointer.
        let f: LogCb = unsafe { std::mem::transmute::<usize, LogCb>(cb) };
        // SAFETY: calling the program's callback with a NUL-terminated string we own.
        unsafe { f(severity, c.as_ptr()) };
    } else {
        let tag = match severity {
            EVENT_LOG_DEBUG => "debug",
            EVENT_LOG_MSG => "msg",
            EVENT_LOG_WARN => "warn",
            EVENT_LOG_ERR => "err",
            _ => "???",
        };
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "[{}] {}", tag, msg);
    }
}

pub fn warn(msg: &str) {
    log(EVENT_LOG_WARN, msg);
}

/// A warning with the text of the current errno appended, like libevent's event_warn.
pub fn warn_errno(msg: &str) {
    let e = std::io::Error::last_os_error();
    log(EVENT_LOG_WARN, &format!("{}: {}", msg, strerror(e.raw_os_error().unwrap_or(0))));
}

pub fn strerror(errno: c_int) -> String {
    // SAFETY: strerror returns a pointer to a static (or thread-local) NUL-terminated string.
    unsafe {
        let p = libc::strerror(errno);
        if p.is_null() {
            return format!("errno {}", errno);
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

pub fn debug(msg: &str) {
    if debug_mask() != 0 {
        log(EVENT_LOG_DEBUG, msg);
    }
}

/// Log at error level, then leave through the fatal callback, or abort(): what libevent does
/// when it detects misuse it cannot survive (debug-mode violations, broken invariants).
pub fn fatal(msg: &str) -> ! {
    log(EVENT_LOG_ERR, msg);
    exit_with(EVENT_ERR_ABORT)
}

pub fn exit_with(code: c_int) -> ! {
    let cb = FATAL_CB.load(Ordering::Acquire);
    if cb != 0 {
        // SAFETY: cb was stored from a valid `FatalCb` function pointer.
        let f: FatalCb = unsafe { std::mem::transmute::<usize, FatalCb>(cb) };
        // SAFETY: calling the program's fatal callback; it should not return, and if it does
        // libevent exits with the code (even the abort code).
        unsafe { f(code) };
        // SAFETY: exit never returns.
        unsafe { libc::exit(code) }
    }
    if code == EVENT_ERR_ABORT {
        // SAFETY: abort never returns.
        unsafe { libc::abort() }
    }
    // SAFETY: exit never returns.
    unsafe { libc::exit(code) }
}

/// Entry for the C log functions in src/c/log.c (already formatted).
///
/// # Safety
/// `msg` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn levent_log_message_(severity: c_int, msg: *const c_char) {
    if msg.is_null() {
        return;
    }
    // SAFETY: msg is non-NULL and NUL-terminated (contract; log.c formats into its buffer).
    let s = unsafe { std::ffi::CStr::from_ptr(msg) }.to_string_lossy();
    if severity == EVENT_LOG_DEBUG && debug_mask() == 0 {
        return;
    }
    log(severity, &s);
}

#[no_mangle]
pub extern "C" fn levent_log_exit_(code: c_int) {
    exit_with(code)
}
