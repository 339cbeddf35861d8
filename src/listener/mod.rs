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

//!
//! # Pointer contract (for every `unsafe fn` in this module)
//! - `lev: *mut Listener` is a listener made by [`new`] or [`new_bind`] whose program
//!   reference has not been given up with [`free`] (callbacks in progress hold their own
//!   references, so it is live for as long as one runs).
//! - `base: *mut EventBase` is NULL (the current global base) or a live base.
//!
//! The listener's own lock (LEV_OPT_THREADSAFE) is taken by every function here; it is never
//! held across a call into the program.

use crate::core::api as ev;
use crate::core::base::EventBase;
use crate::core::event::{Event, EV_PERSIST, EV_READ};
use crate::core::{log, mem};
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use crate::util::sys::{errno, set_errno, syscall};
use libc::{c_int, c_short, c_uint, c_void, sockaddr, sockaddr_storage, socklen_t, timeval};
use std::ptr;

/// The C names and values (checked against the headers by ctest/).
pub const LEV_OPT_LEAVE_SOCKETS_BLOCKING: c_uint = 1 << 0;
pub const LEV_OPT_CLOSE_ON_FREE: c_uint = 1 << 1;
pub const LEV_OPT_CLOSE_ON_EXEC: c_uint = 1 << 2;
pub const LEV_OPT_REUSEABLE: c_uint = 1 << 3;
pub const LEV_OPT_THREADSAFE: c_uint = 1 << 4;
pub const LEV_OPT_DISABLED: c_uint = 1 << 5;
pub const LEV_OPT_DEFERRED_ACCEPT: c_uint = 1 << 6;
pub const LEV_OPT_REUSEABLE_PORT: c_uint = 1 << 7;
pub const LEV_OPT_BIND_IPV6ONLY: c_uint = 1 << 8;

bitflags::bitflags! {
    /// `LEV_OPT_*` (event2/listener.h). The C side passes a plain `unsigned`; bits we do not
    /// know are kept and ignored, as libevent ignores them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct LevOpt: c_uint {
        const LEAVE_SOCKETS_BLOCKING = LEV_OPT_LEAVE_SOCKETS_BLOCKING;
        const CLOSE_ON_FREE = LEV_OPT_CLOSE_ON_FREE;
        const CLOSE_ON_EXEC = LEV_OPT_CLOSE_ON_EXEC;
        const REUSEABLE = LEV_OPT_REUSEABLE;
        const THREADSAFE = LEV_OPT_THREADSAFE;
        const DISABLED = LEV_OPT_DISABLED;
        const DEFERRED_ACCEPT = LEV_OPT_DEFERRED_ACCEPT;
        const REUSEABLE_PORT = LEV_OPT_REUSEABLE_PORT;
        const BIND_IPV6ONLY = LEV_OPT_BIND_IPV6ONLY;
    }
}

/// listen() backlog when the program passes a negative one.
const DEFAULT_BACKLOG: c_int = 128;

/// First and longest pause after a resource error (microseconds).
const PAUSE_MIN_US: i64 = 10_000;
const PAUSE_MAX_US: i64 = 1_000_000;

pub type ListenerCb = unsafe extern "C" fn(*mut Listener, c_int, *mut sockaddr, c_int, *mut c_void);
pub type ListenerErrorCb = unsafe extern "C" fn(*mut Listener, *mut c_void);

/// A socket option `new_bind` sets when its flag asks (util::socket's setters).
type SocketOption = fn(c_int) -> c_int;

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
    flags: LevOpt,
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
/// # Safety
/// Module contract for `base`; `fd` is the program's socket, owned by the listener from now
/// on when `flags` has CLOSE_ON_FREE.
pub unsafe fn new(
    base: *mut EventBase,
    cb: Option<ListenerCb>,
    ptr_arg: *mut c_void,
    flags: LevOpt,
    backlog: c_int,
    fd: c_int,
) -> *mut Listener {
    if backlog != 0 {
        let n = if backlog > 0 { backlog } else { DEFAULT_BACKLOG };
        if syscall!(listen(fd, n)).is_err() {
            return ptr::null_mut();
        }
    }
    let mut accept_flags = 0;
    if !flags.contains(LevOpt::LEAVE_SOCKETS_BLOCKING) {
        accept_flags |= libc::SOCK_NONBLOCK;
    }
    if flags.contains(LevOpt::CLOSE_ON_EXEC) {
        accept_flags |= libc::SOCK_CLOEXEC;
    }
    let lock = if flags.contains(LevOpt::THREADSAFE) { RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE) } else { RawLock::NONE };
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
    let arg = lev as *mut c_void;
    // SAFETY: lev is ours, live and not yet shared; its events live inside it until it is
    // freed, and base is NULL or live (module contract).
    unsafe {
        ev::assign(ptr::addr_of_mut!((*lev).ev), base, fd, EV_READ | EV_PERSIST, Some(on_readable), arg);
        let base = ev::base_of(ptr::addr_of!((*lev).ev));
        ev::assign(ptr::addr_of_mut!((*lev).pause_ev), base, -1, 0, Some(on_pause_over), arg);
        if !flags.contains(LevOpt::DISABLED) {
            enable(lev);
        }
    }
    lev
}

/// evconnlistener_new_bind: make the socket (non-blocking), set the options the flags ask
/// for, bind, and hand it to `new`.
///
/// # Safety
/// Module contract for `base`; `sa` is NULL or points to `socklen` readable bytes.
pub unsafe fn new_bind(
    base: *mut EventBase,
    cb: Option<ListenerCb>,
    ptr_arg: *mut c_void,
    flags: LevOpt,
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
    if flags.contains(LevOpt::CLOSE_ON_EXEC) {
        socktype |= libc::SOCK_CLOEXEC;
    }
    let Ok(fd) = syscall!(socket(family, socktype, 0)) else { return ptr::null_mut() };
    let fail = |fd: c_int| {
        // Keep the errno of the failing step for the caller.
        let e = errno();
        crate::util::socket::close(fd);
        set_errno(e);
        ptr::null_mut()
    };
    let one: c_int = 1;
    let one_ptr = &one as *const c_int as *const c_void;
    // The option value is a live int of the size passed.
    if syscall!(setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, one_ptr, 4)).is_err() {
        return fail(fd);
    }
    use crate::util::socket as s;
    let options: [(LevOpt, SocketOption); 4] = [
        (LevOpt::REUSEABLE, s::make_listen_reuseable),
        (LevOpt::REUSEABLE_PORT, s::make_listen_reuseable_port),
        (LevOpt::DEFERRED_ACCEPT, s::make_tcp_listen_deferred),
        (LevOpt::BIND_IPV6ONLY, s::make_listen_ipv6only),
    ];
    for (flag, set) in options {
        if flags.contains(flag) && set(fd) < 0 {
            return fail(fd);
        }
    }
    // sa holds socklen readable bytes (contract).
    if !sa.is_null() && syscall!(bind(fd, sa, socklen as socklen_t)).is_err() {
        return fail(fd);
    }
    // SAFETY: base per the module contract; fd is ours.
    let lev = unsafe { new(base, cb, ptr_arg, flags, backlog, fd) };
    if lev.is_null() {
        return fail(fd);
    }
    lev
}

/// Drop a reference (the lock is held); the last one tears the listener down. Returns true
/// when it was freed (the lock is then gone too).
///
/// # Safety
/// Module contract; the caller holds the listener's lock.
unsafe fn decref_and_unlock(lev: *mut Listener) -> bool {
    // SAFETY: lev is live and we hold its lock (contract): nobody else touches it.
    let l = unsafe { &mut *lev };
    l.refcnt -= 1;
    if l.refcnt > 0 {
        l.unlock();
        return false;
    }
    // SAFETY: the events were assigned in `new` and live inside the listener.
    unsafe {
        ev::del(&mut l.ev);
        ev::del(&mut l.pause_ev);
        if l.flags.contains(LevOpt::CLOSE_ON_FREE) {
            crate::util::socket::close(ev::fd(&l.ev));
        }
        ev::debug_unassign(&mut l.ev);
        ev::debug_unassign(&mut l.pause_ev);
    }
    let lock = l.lock;
    lock.release();
    lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
    // SAFETY: the last reference is gone; nothing refers to the object any more.
    unsafe { mem::free_object(lev) };
    true
}

/// evconnlistener_free: no more callbacks; the memory goes once no callback is running.
///
/// # Safety
/// Module contract; the program gives up its reference and does not use `lev` again.
pub unsafe fn free(lev: *mut Listener) {
    // SAFETY: lev is live (contract); the lock makes the writes exclusive.
    unsafe {
        (*lev).lock();
        (*lev).cb = None;
        (*lev).errorcb = None;
        decref_and_unlock(lev);
    }
}

/// Start watching the socket (unless paused or there is no callback yet).
///
/// # Safety
/// Module contract; the caller holds the listener's lock.
unsafe fn watch(lev: *mut Listener) -> c_int {
    // SAFETY: lev is live and locked (contract); the accept event was assigned in `new`.
    unsafe {
        if (*lev).cb.is_none() || (*lev).paused {
            return 0;
        }
        ev::add(ptr::addr_of_mut!((*lev).ev), None)
    }
}

/// evconnlistener_enable; an explicit enable also ends a pause (the program may have freed
/// resources).
///
/// # Safety
/// Module contract.
pub unsafe fn enable(lev: *mut Listener) -> c_int {
    // SAFETY: lev is live (contract); the fields are written under its lock.
    unsafe {
        (*lev).lock();
        (*lev).enabled = true;
        end_pause(lev);
        let r = watch(lev);
        (*lev).unlock();
        r
    }
}

/// evconnlistener_disable.
///
/// # Safety
/// Module contract.
pub unsafe fn disable(lev: *mut Listener) -> c_int {
    // SAFETY: lev is live (contract); the fields are written under its lock.
    unsafe {
        (*lev).lock();
        (*lev).enabled = false;
        end_pause(lev);
        let r = ev::del(ptr::addr_of_mut!((*lev).ev));
        (*lev).unlock();
        r
    }
}

/// Forget a pause in progress (enable and disable both end it).
///
/// # Safety
/// Module contract; the caller holds the listener's lock.
unsafe fn end_pause(lev: *mut Listener) {
    // SAFETY: lev is live and locked (contract); pause_ev was assigned in `new`.
    unsafe {
        if (*lev).paused {
            (*lev).paused = false;
            ev::del(ptr::addr_of_mut!((*lev).pause_ev));
        }
    }
}

/// evconnlistener_get_base.
///
/// # Safety
/// Module contract.
pub unsafe fn get_base(lev: *mut Listener) -> *mut EventBase {
    // SAFETY: lev is live (contract); the event is read under its lock.
    unsafe {
        (*lev).lock();
        let b = ev::base_of(ptr::addr_of!((*lev).ev));
        (*lev).unlock();
        b
    }
}

/// evconnlistener_get_fd.
///
/// # Safety
/// Module contract.
pub unsafe fn get_fd(lev: *mut Listener) -> c_int {
    // SAFETY: lev is live (contract); the event is read under its lock.
    unsafe {
        (*lev).lock();
        let fd = ev::fd(ptr::addr_of!((*lev).ev));
        (*lev).unlock();
        fd
    }
}

/// evconnlistener_set_cb: a listener enabled without a callback starts accepting once it
/// gets one.
///
/// # Safety
/// Module contract.
pub unsafe fn set_cb(lev: *mut Listener, cb: Option<ListenerCb>, arg: *mut c_void) {
    // SAFETY: lev is live (contract); the fields are written under its lock.
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

/// evconnlistener_set_error_cb.
///
/// # Safety
/// Module contract.
pub unsafe fn set_error_cb(lev: *mut Listener, errorcb: Option<ListenerErrorCb>) {
    // SAFETY: lev is live (contract); the field is written under its lock.
    unsafe {
        (*lev).lock();
        (*lev).errorcb = errorcb;
        (*lev).unlock();
    }
}

/// Is `fd` in blocking mode? Then accept() would block once the queue is empty, so the loop
/// takes one connection per readiness instead of draining the queue.
fn is_blocking(fd: c_int) -> bool {
    matches!(syscall!(fcntl(fd, libc::F_GETFL)), Ok(fl) if fl & libc::O_NONBLOCK == 0)
}

/// Call into the program (`f`) with a reference held and the lock released; afterwards the
/// lock is held again. Returns false when the program freed the listener meanwhile (then it
/// is gone, lock included).
///
/// # Safety
/// Module contract; the caller holds the listener's lock.
unsafe fn call_out(lev: *mut Listener, f: impl FnOnce()) -> bool {
    // SAFETY: lev is live and locked (contract); our reference keeps it live across `f`,
    // which runs without the lock and without any reference into the object.
    unsafe {
        (*lev).refcnt += 1;
        (*lev).unlock();
        f();
        (*lev).lock();
        if (*lev).refcnt == 1 {
            // The program freed the listener from its callback.
            decref_and_unlock(lev);
            return false;
        }
        (*lev).refcnt -= 1;
    }
    true
}

/// The accept event's callback: take every queued connection.
unsafe extern "C" fn on_readable(fd: c_int, _what: c_short, arg: *mut c_void) {
    let lev = arg as *mut Listener;
    let blocking = is_blocking(fd);
    // SAFETY: arg is our live listener (its event is deleted before it is freed); every
    // call into the program goes through call_out, which holds a reference across it.
    unsafe {
        (*lev).lock();
        loop {
            // SAFETY (zeroed): sockaddr_storage is plain old data.
            let mut ss: sockaddr_storage = std::mem::zeroed();
            let sa = &mut ss as *mut sockaddr_storage as *mut sockaddr;
            let mut len = std::mem::size_of::<sockaddr_storage>() as socklen_t;
            let Ok(new_fd) = syscall!(accept4(fd, sa, &mut len, (*lev).accept_flags)) else { break };
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
            let user_data = (*lev).user_data;
            if !call_out(lev, || cb(lev, new_fd, sa, len as c_int, user_data)) {
                return;
            }
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
            let user_data = (*lev).user_data;
            let report = || {
                // The program reads errno (EVUTIL_SOCKET_ERROR) in its error callback.
                set_errno(err);
                errorcb(lev, user_data)
            };
            if !call_out(lev, report) {
                return;
            }
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
/// # Safety
/// Module contract; the caller holds the listener's lock.
unsafe fn pause(lev: *mut Listener) {
    // SAFETY: lev is live and locked (contract): the reference is exclusive while it lives;
    // the events were assigned in `new`.
    unsafe {
        let l = &mut *lev;
        l.pause_us = next_pause(l.pause_us);
        let tv = timeval { tv_sec: l.pause_us / 1_000_000, tv_usec: l.pause_us % 1_000_000 };
        l.paused = true;
        ev::del(&mut l.ev);
        ev::add(&mut l.pause_ev, Some(&tv));
    }
}

unsafe extern "C" fn on_pause_over(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let lev = arg as *mut Listener;
    // SAFETY: arg is our live listener (the timer is deleted before it is freed); the fields
    // are touched under its lock.
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
