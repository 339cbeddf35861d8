//! evconnlistener (listener.h): a listening socket watched by one persistent read event; each
//! time it is readable, pending connections are accepted (non-blocking and close-on-exec as
//! the flags ask) and handed to the program's callback one by one.
//!
//! The listener is reference counted so that the program may free it from inside its own
//! callbacks: the accept loop holds a reference across every call into the program, and
//! whoever drops the last one tears it down.
//!
//! One deliberate difference from libevent: when accept() fails for lack of resources
//! (EMFILE, ENFILE, ENOBUFS, ENOMEM) the connection stays queued, the socket stays readable,
//! and libevent calls the error callback again on every loop iteration, spinning the CPU.
//! We call the error callback, then stop watching the socket for a short, growing pause
//! (10 ms doubling to 1 s, reset by the next successful accept) before trying again.

use crate::capi::event::{event_add, event_assign, event_debug_unassign, event_del, event_get_base, event_get_fd};
use crate::core::base::EventBase;
use crate::core::event::{Event, EV_PERSIST, EV_READ};
use crate::core::{log, mem};
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use libc::{c_int, c_short, c_uint, c_void, sockaddr, sockaddr_storage, socklen_t, timeval};
use std::ptr;

pub const LEV_OPT_LEAVE_SOCKETS_BLOCKING: c_uint = 1 << 0;
pub const LEV_OPT_CLOSE_ON_FREE: c_uint = 1 << 1;
pub const LEV_OPT_CLOSE_ON_EXEC: c_uint = 1 << 2;
pub const LEV_OPT_REUSEABLE: c_uint = 1 << 3;
pub const LEV_OPT_THREADSAFE: c_uint = 1 << 4;
pub const LEV_OPT_DISABLED: c_uint = 1 << 5;
pub const LEV_OPT_DEFERRED_ACCEPT: c_uint = 1 << 6;
pub const LEV_OPT_REUSEABLE_PORT: c_uint = 1 << 7;
pub const LEV_OPT_BIND_IPV6ONLY: c_uint = 1 << 8;

/// listen() backlog when the program passes a negative one.
const DEFAULT_BACKLOG: c_int = 128;

/// First and longest pause after a resource error (microseconds).
const PAUSE_MIN_US: i64 = 10_000;
const PAUSE_MAX_US: i64 = 1_000_000;

pub type ListenerCb = unsafe extern "C" fn(*mut Listener, c_int, *mut sockaddr, c_int, *mut c_void);
pub type ListenerErrorCb = unsafe extern "C" fn(*mut Listener, *mut c_void);

/// `struct evconnlistener` (opaque to C).
pub struct Listener {
    /// The accept event: EV_READ|EV_PERSIST on the listening fd.
    ev: Event,
    /// One-shot timer ending a pause after a resource error.
    pause_ev: Event,
    lock: RawLock,
    cb: Option<ListenerCb>,
    errorcb: Option<ListenerErrorCb>,
    user_data: *mut c_void,
    flags: c_uint,
    /// The program's reference plus one per call into the program in progress.
    refcnt: u32,
    /// SOCK_NONBLOCK / SOCK_CLOEXEC for accept4.
    accept_flags: c_int,
    /// What the program asked for (evconnlistener_enable/disable).
    enabled: bool,
    /// Accepting is paused after a resource error; `pause_ev` is pending.
    paused: bool,
    pause_us: i64,
}

/// What accept() failures mean for the loop.
#[derive(Debug, PartialEq, Eq)]
enum AcceptFailure {
    /// Nothing (more) to accept right now: EAGAIN, EINTR, or a connection aborted while queued.
    Retriable,
    /// Out of fds or memory: the connection stays queued; report, then pause.
    Resources,
    /// Anything else: report.
    Other,
}

fn classify(err: c_int) -> AcceptFailure {
    match err {
        libc::EAGAIN | libc::EINTR | libc::ECONNABORTED => AcceptFailure::Retriable,
        libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM => AcceptFailure::Resources,
        _ => AcceptFailure::Other,
    }
}

/// The next pause length: start short, double while failures continue, cap.
fn next_pause(current: i64) -> i64 {
    if current <= 0 {
        PAUSE_MIN_US
    } else {
        (current * 2).min(PAUSE_MAX_US)
    }
}

fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl Listener {
    fn lock(&self) {
        self.lock.acquire();
    }
    fn unlock(&self) {
        self.lock.release();
    }
}

/// evconnlistener_new: wrap an fd (listening, or made to listen here when backlog != 0).
///
/// SAFETY: base is NULL or a live base; fd is the program's.
pub unsafe fn new(
    base: *mut EventBase,
    cb: Option<ListenerCb>,
    ptr_arg: *mut c_void,
    flags: c_uint,
    backlog: c_int,
    fd: c_int,
) -> *mut Listener {
    if backlog != 0 {
        let n = if backlog > 0 { backlog } else { DEFAULT_BACKLOG };
        // SAFETY: plain system call.
        if unsafe { libc::listen(fd, n) } < 0 {
            return ptr::null_mut();
        }
    }
    let mut accept_flags = 0;
    if flags & LEV_OPT_LEAVE_SOCKETS_BLOCKING == 0 {
        accept_flags |= libc::SOCK_NONBLOCK;
    }
    if flags & LEV_OPT_CLOSE_ON_EXEC != 0 {
        accept_flags |= libc::SOCK_CLOEXEC;
    }
    let lock = if flags & LEV_OPT_THREADSAFE != 0 { RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE) } else { RawLock::NONE };
    let Some(lev) = mem::new_object(Listener {
        ev: Event::zeroed(),
        pause_ev: Event::zeroed(),
        lock,
        cb,
        errorcb: None,
        user_data: ptr_arg,
        flags,
        refcnt: 1,
        accept_flags,
        enabled: false,
        paused: false,
        pause_us: 0,
    }) else {
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
        return ptr::null_mut();
    };
    // SAFETY: lev is ours and live; the events live inside it until it is freed.
    unsafe {
        let arg = lev as *mut c_void;
        event_assign(&mut (*lev).ev, base, fd, EV_READ | EV_PERSIST, Some(on_readable), arg);
        let base = (*lev).ev.base;
        event_assign(&mut (*lev).pause_ev, base, -1, 0, Some(on_pause_over), arg);
        if flags & LEV_OPT_DISABLED == 0 {
            enable(lev);
        }
    }
    lev
}

/// evconnlistener_new_bind: make the socket (non-blocking), set the options the flags ask
/// for, bind, and hand it to `new`.
///
/// SAFETY: sa is NULL or points to socklen readable bytes.
pub unsafe fn new_bind(
    base: *mut EventBase,
    cb: Option<ListenerCb>,
    ptr_arg: *mut c_void,
    flags: c_uint,
    backlog: c_int,
    sa: *const sockaddr,
    socklen: c_int,
) -> *mut Listener {
    if backlog == 0 {
        return ptr::null_mut();
    }
    // SAFETY: sa is NULL or readable (contract); sa_family is its first field.
    let family = if sa.is_null() { libc::AF_UNSPEC } else { unsafe { (*sa).sa_family as c_int } };
    let mut socktype = libc::SOCK_STREAM | libc::SOCK_NONBLOCK;
    if flags & LEV_OPT_CLOSE_ON_EXEC != 0 {
        socktype |= libc::SOCK_CLOEXEC;
    }
    // SAFETY: plain system call.
    let fd = unsafe { libc::socket(family, socktype, 0) };
    if fd < 0 {
        return ptr::null_mut();
    }
    let fail = |fd: c_int| {
        // Keep the errno of the failing step for the caller.
        let e = errno();
        crate::util::socket::close(fd);
        // SAFETY: writing this thread's errno.
        unsafe { *libc::__errno_location() = e };
        ptr::null_mut()
    };
    let one: c_int = 1;
    // SAFETY: the option value is a live int of the size passed.
    if unsafe { libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, &one as *const c_int as *const c_void, 4) } < 0 {
        return fail(fd);
    }
    use crate::util::socket as s;
    let options: [(c_uint, fn(c_int) -> c_int); 4] = [
        (LEV_OPT_REUSEABLE, s::make_listen_reuseable),
        (LEV_OPT_REUSEABLE_PORT, s::make_listen_reuseable_port),
        (LEV_OPT_DEFERRED_ACCEPT, s::make_tcp_listen_deferred),
        (LEV_OPT_BIND_IPV6ONLY, s::make_listen_ipv6only),
    ];
    for (flag, set) in options {
        if flags & flag != 0 && set(fd) < 0 {
            return fail(fd);
        }
    }
    // SAFETY: sa/socklen per the contract.
    if !sa.is_null() && unsafe { libc::bind(fd, sa, socklen as socklen_t) } < 0 {
        return fail(fd);
    }
    // SAFETY: forwarded contract; fd is ours.
    let lev = unsafe { new(base, cb, ptr_arg, flags, backlog, fd) };
    if lev.is_null() {
        return fail(fd);
    }
    lev
}

/// Drop a reference (the lock is held); the last one tears the listener down. Returns true
/// when it was freed (the lock is then gone too).
///
/// SAFETY: lev is live and locked by the caller.
unsafe fn decref_and_unlock(lev: *mut Listener) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).refcnt -= 1;
        if (*lev).refcnt > 0 {
            (*lev).unlock();
            return false;
        }
        event_del(&mut (*lev).ev);
        event_del(&mut (*lev).pause_ev);
        if (*lev).flags & LEV_OPT_CLOSE_ON_FREE != 0 {
            crate::util::socket::close(event_get_fd(&(*lev).ev));
        }
        event_debug_unassign(&mut (*lev).ev);
        event_debug_unassign(&mut (*lev).pause_ev);
        let lock = (*lev).lock;
        lock.release();
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
        mem::free_object(lev);
    }
    true
}

/// evconnlistener_free: no more callbacks; the memory goes once no callback is running.
///
/// SAFETY: lev is live and the program gives up its reference.
pub unsafe fn free(lev: *mut Listener) {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        (*lev).cb = None;
        (*lev).errorcb = None;
        decref_and_unlock(lev);
    }
}

/// Start watching the socket (unless paused or there is no callback yet).
///
/// SAFETY: lev is live and locked.
unsafe fn watch(lev: *mut Listener) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        if (*lev).cb.is_none() || (*lev).paused {
            return 0;
        }
        event_add(&mut (*lev).ev, ptr::null())
    }
}

/// SAFETY: lev is live.
pub unsafe fn enable(lev: *mut Listener) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        (*lev).enabled = true;
        // An explicit enable ends a pause: the program may have freed resources.
        if (*lev).paused {
            (*lev).paused = false;
            event_del(&mut (*lev).pause_ev);
        }
        let r = watch(lev);
        (*lev).unlock();
        r
    }
}

/// SAFETY: lev is live.
pub unsafe fn disable(lev: *mut Listener) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        (*lev).enabled = false;
        if (*lev).paused {
            (*lev).paused = false;
            event_del(&mut (*lev).pause_ev);
        }
        let r = event_del(&mut (*lev).ev);
        (*lev).unlock();
        r
    }
}

/// SAFETY: lev is live.
pub unsafe fn get_base(lev: *mut Listener) -> *mut EventBase {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        let b = event_get_base(&(*lev).ev);
        (*lev).unlock();
        b
    }
}

/// SAFETY: lev is live.
pub unsafe fn get_fd(lev: *mut Listener) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        let fd = event_get_fd(&(*lev).ev);
        (*lev).unlock();
        fd
    }
}

/// evconnlistener_set_cb: a listener enabled without a callback starts accepting once it
/// gets one.
///
/// SAFETY: lev is live.
pub unsafe fn set_cb(lev: *mut Listener, cb: Option<ListenerCb>, arg: *mut c_void) {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        let start = (*lev).enabled && (*lev).cb.is_none();
        (*lev).cb = cb;
        (*lev).user_data = arg;
        if start {
            watch(lev);
        }
        (*lev).unlock();
    }
}

/// SAFETY: lev is live.
pub unsafe fn set_error_cb(lev: *mut Listener, errorcb: Option<ListenerErrorCb>) {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).lock();
        (*lev).errorcb = errorcb;
        (*lev).unlock();
    }
}

/// Is `fd` in blocking mode? Then accept() would block once the queue is empty, so the loop
/// takes one connection per readiness instead of draining the queue.
fn is_blocking(fd: c_int) -> bool {
    // SAFETY: fcntl on an arbitrary fd is safe.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    fl >= 0 && fl & libc::O_NONBLOCK == 0
}

/// The accept event's callback: take every queued connection.
unsafe extern "C" fn on_readable(fd: c_int, _what: c_short, arg: *mut c_void) {
    let lev = arg as *mut Listener;
    let blocking = is_blocking(fd);
    // SAFETY: arg is our live listener (its event is deleted before it is freed); every
    // call into the program holds a reference, so it stays live across them.
    unsafe {
        (*lev).lock();
        loop {
            // SAFETY (zeroed): sockaddr_storage is plain old data.
            let mut ss: sockaddr_storage = std::mem::zeroed();
            let mut len = std::mem::size_of::<sockaddr_storage>() as socklen_t;
            let new_fd = libc::accept4(fd, &mut ss as *mut sockaddr_storage as *mut sockaddr, &mut len, (*lev).accept_flags);
            if new_fd < 0 {
                break;
            }
            (*lev).pause_us = 0;
            if len == 0 {
                // Some kernels report an address-less connection (seen with port scans).
                crate::util::socket::close(new_fd);
                continue;
            }
            let Some(cb) = (*lev).cb else {
                crate::util::socket::close(new_fd);
                (*lev).unlock();
                return;
            };
            (*lev).refcnt += 1;
            let user_data = (*lev).user_data;
            (*lev).unlock();
            cb(lev, new_fd, &mut ss as *mut sockaddr_storage as *mut sockaddr, len as c_int, user_data);
            (*lev).lock();
            if (*lev).refcnt == 1 {
                // The program freed the listener from its callback.
                decref_and_unlock(lev);
                return;
            }
            (*lev).refcnt -= 1;
            if !(*lev).enabled || blocking {
                (*lev).unlock();
                return;
            }
        }
        let err = errno();
        let kind = classify(err);
        if kind == AcceptFailure::Retriable {
            (*lev).unlock();
            return;
        }
        if let Some(errorcb) = (*lev).errorcb {
            (*lev).refcnt += 1;
            let user_data = (*lev).user_data;
            (*lev).unlock();
            // The program reads errno (EVUTIL_SOCKET_ERROR) in its error callback.
            *libc::__errno_location() = err;
            errorcb(lev, user_data);
            (*lev).lock();
            if (*lev).refcnt == 1 {
                decref_and_unlock(lev);
                return;
            }
            (*lev).refcnt -= 1;
        } else {
            log::warn(&format!("Error from accept() call: {}", log::strerror(err)));
        }
        if kind == AcceptFailure::Resources && (*lev).enabled && !(*lev).paused {
            pause(lev);
        }
        (*lev).unlock();
    }
}

/// Stop watching the socket for a while (after a resource error).
///
/// SAFETY: lev is live and locked.
unsafe fn pause(lev: *mut Listener) {
    // SAFETY: per the function contract.
    unsafe {
        (*lev).pause_us = next_pause((*lev).pause_us);
        let us = (*lev).pause_us;
        let tv = timeval { tv_sec: us / 1_000_000, tv_usec: us % 1_000_000 };
        (*lev).paused = true;
        event_del(&mut (*lev).ev);
        event_add(&mut (*lev).pause_ev, &tv);
    }
}

unsafe extern "C" fn on_pause_over(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let lev = arg as *mut Listener;
    // SAFETY: arg is our live listener (the timer is deleted before it is freed).
    unsafe {
        (*lev).lock();
        if (*lev).paused {
            (*lev).paused = false;
            if (*lev).enabled {
                watch(lev);
            }
        }
        (*lev).unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_classes() {
        assert_eq!(classify(libc::EAGAIN), AcceptFailure::Retriable);
        assert_eq!(classify(libc::EINTR), AcceptFailure::Retriable);
        assert_eq!(classify(libc::ECONNABORTED), AcceptFailure::Retriable);
        assert_eq!(classify(libc::EMFILE), AcceptFailure::Resources);
        assert_eq!(classify(libc::ENFILE), AcceptFailure::Resources);
        assert_eq!(classify(libc::EINVAL), AcceptFailure::Other);
    }

    #[test]
    fn pause_grows_and_caps() {
        let mut p = 0;
        let mut seen = Vec::new();
        for _ in 0..10 {
            p = next_pause(p);
            seen.push(p);
        }
        assert_eq!(seen[0], PAUSE_MIN_US);
        assert_eq!(seen[1], 2 * PAUSE_MIN_US);
        assert!(seen.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*seen.last().unwrap(), PAUSE_MAX_US);
    }
}
