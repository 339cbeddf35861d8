//! Signal delivery, libevent's evsig design: a process-wide handler that only writes the
//! signal number to a pipe, and an internal read event on the other end that turns bytes into
//! EV_SIGNAL activations in the loop. One base owns delivery at a time (the last one that
//! added a signal or started its loop with signals); previous handlers are saved per signal
//! and restored when that signal's last event goes away.

use super::base::EventBase;
use super::event::*;
use super::log;
use crate::util::sys::{self, syscall};
use libc::{c_int, c_short, c_void};
use std::io;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

pub const NSIG: usize = 65;

/// Write end of the owning base's pipe (-1: nobody listens).
static OWNER_FD: AtomicI32 = AtomicI32::new(-1);
static OWNER_BASE: AtomicPtr<EventBase> = AtomicPtr::new(std::ptr::null_mut());

extern "C" fn on_signal(sig: c_int) {
    // Async-signal-safe: one write(2) (a full pipe just drops the byte), errno preserved;
    // keep_errno only reads and writes the errno slot.
    sys::keep_errno(|| {
        let fd = OWNER_FD.load(Ordering::Relaxed);
        if fd >= 0 {
            let b = sig as u8;
            // SAFETY: write(2) is async-signal-safe; the byte is a local.
            let _ = syscall!(write(fd, &b as *const u8 as *const c_void, 1));
        }
    });
}

pub struct SigState {
    /// [read end, write end], -1 until the first signal event is added.
    pub pipe: [c_int; 2],
    /// The internal read event on pipe[0]; boxed so its address is stable.
    pub ev: Box<Event>,
    pub ev_added: bool,
    /// Previous dispositions, saved when we installed ours.
    pub old: Vec<Option<Box<libc::sigaction>>>,
    pub n_installed: usize,
}

impl SigState {
    pub fn new() -> Self {
        let mut old = Vec::with_capacity(NSIG);
        old.resize_with(NSIG, || None);
        SigState { pipe: [-1, -1], ev: Box::new(Event::zeroed()), ev_added: false, old, n_installed: 0 }
    }
}

impl Default for SigState {
    fn default() -> Self {
        Self::new()
    }
}

/// Make `base` the one whose pipe receives signals.
pub fn set_owner(base: &mut EventBase) {
    if base.sig.pipe[1] >= 0 {
        OWNER_BASE.store(base as *mut EventBase, Ordering::Release);
        OWNER_FD.store(base.sig.pipe[1], Ordering::Release);
    }
}

/// Is `base` the one signals are delivered to?
fn is_owner(base: &EventBase) -> bool {
    std::ptr::eq(OWNER_BASE.load(Ordering::Acquire), base)
}

fn make_pipe() -> io::Result<[c_int; 2]> {
    let mut fds = [-1; 2];
    // SAFETY: pipe2 writes two fds into our array.
    match syscall!(pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC)) {
        Ok(_) => Ok(fds),
        Err(e) => {
            log::warn_errno("evsig_init_: pipe2");
            Err(e)
        }
    }
}

/// Called when the first event for `sig` is added to `base`: install our handler. On failure
/// a warning has been logged.
pub fn install(base: &mut EventBase, sig: c_int) -> io::Result<()> {
    if sig <= 0 || sig as usize >= NSIG {
        log::warn(&format!("evsig_add: signal {} out of range", sig));
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    if base.sig.pipe[0] < 0 {
        base.sig.pipe = make_pipe()?;
        let base_ptr = base as *mut EventBase;
        let ev: *mut Event = &mut *base.sig.ev;
        // SAFETY: ev is our boxed internal event; assign initialises every field we use.
        unsafe {
            super::base::assign_raw(
                ev,
                base_ptr,
                base.sig.pipe[0],
                EV_READ | EV_PERSIST,
                Some(on_pipe_readable),
                base_ptr as *mut c_void,
            );
            (*ev).cb.flags |= EVLIST_INTERNAL;
            (*ev).cb.pri = 0;
        }
    }
    // SAFETY: all-zero is a valid sigaction (no handler, empty mask), for ours and the saved one.
    let (mut sa, mut old): (libc::sigaction, Box<libc::sigaction>) =
        unsafe { (std::mem::zeroed(), Box::new(std::mem::zeroed())) };
    sa.sa_sigaction = on_signal as extern "C" fn(c_int) as usize;
    sa.sa_flags = libc::SA_RESTART;
    // SAFETY: fills our local's mask (it cannot fail for a valid pointer).
    let _ = syscall!(sigfillset(&mut sa.sa_mask));
    // SAFETY: sa is a complete disposition; the old one is saved into our own box.
    if let Err(e) = syscall!(sigaction(sig, &sa, &mut *old)) {
        log::warn_errno("sigaction");
        return Err(e);
    }
    base.sig.old[sig as usize] = Some(old);
    base.sig.n_installed += 1;
    if !base.sig.ev_added {
        let ev: *mut Event = &mut *base.sig.ev;
        // SAFETY: our boxed internal event, assigned to this base above; the caller holds the
        // base's lock.
        if unsafe { base.add_nolock(ev, None, false) } == 0 {
            base.sig.ev_added = true;
        }
    }
    set_owner(base);
    Ok(())
}

/// Called when the last event for `sig` leaves `base`: put the old handler back.
pub fn restore(base: &mut EventBase, sig: c_int) {
    if sig <= 0 || sig as usize >= NSIG {
        return;
    }
    if let Some(old) = base.sig.old[sig as usize].take() {
        // SAFETY: restoring a disposition the kernel gave us earlier.
        let _ = syscall!(sigaction(sig, &*old, std::ptr::null_mut()));
        base.sig.n_installed -= 1;
    }
}

/// Base teardown: restore every handler, close the pipe, give up ownership.
pub fn teardown(base: &mut EventBase) {
    for sig in 1..NSIG {
        restore(base, sig as c_int);
    }
    if is_owner(base) {
        OWNER_FD.store(-1, Ordering::Release);
        OWNER_BASE.store(std::ptr::null_mut(), Ordering::Release);
    }
    close_pipe(base);
}

pub fn close_pipe(base: &mut EventBase) {
    for fd in base.sig.pipe.iter_mut() {
        if *fd >= 0 {
            // Our own fd, closed once (a failure leaves nothing to undo).
            let _ = syscall!(close(*fd));
            *fd = -1;
        }
    }
}

/// After fork: a fresh pipe (the child must not share the parent's), same handlers.
pub fn reinit(base: &mut EventBase) -> io::Result<()> {
    if base.sig.pipe[0] < 0 {
        return Ok(());
    }
    let was_owner = is_owner(base);
    let ev: *mut Event = &mut *base.sig.ev;
    if base.sig.ev_added {
        // SAFETY: our boxed internal event, added to this base; the caller holds its lock.
        unsafe { base.del_nolock(ev, false) };
        base.sig.ev_added = false;
    }
    close_pipe(base);
    base.sig.pipe = make_pipe()?;
    let base_ptr = base as *mut EventBase;
    // SAFETY: re-assigning our own internal event, which is not added.
    unsafe {
        super::base::assign_raw(
            ev,
            base_ptr,
            base.sig.pipe[0],
            EV_READ | EV_PERSIST,
            Some(on_pipe_readable),
            base_ptr as *mut c_void,
        );
        (*ev).cb.flags |= EVLIST_INTERNAL;
        (*ev).cb.pri = 0;
    }
    // SAFETY: as above, freshly re-assigned.
    if unsafe { base.add_nolock(ev, None, false) } == 0 {
        base.sig.ev_added = true;
    }
    if was_owner || base.sig.n_installed > 0 {
        set_owner(base);
    }
    Ok(())
}

/// The internal read event's callback: count what arrived, activate the signal events.
unsafe extern "C" fn on_pipe_readable(fd: c_int, _what: c_short, arg: *mut c_void) {
    let mut counts = [0u32; NSIG];
    let mut buf = [0u8; 1024];
    // Until the pipe is empty; an EINTR leaves the rest for the next (persistent) wake-up.
    // SAFETY: reading into our local buffer, at most its length.
    while let Ok(n @ 1..) = syscall!(read(fd, buf.as_mut_ptr() as *mut c_void, buf.len())) {
        for &b in &buf[..n as usize] {
            if (b as usize) < NSIG {
                counts[b as usize] += 1;
            }
        }
    }
    let base = arg as *mut EventBase;
    // SAFETY: arg is the base that owns this internal event; it is live while its loop runs.
    let base = unsafe { &mut *base };
    base.lock();
    for (sig, &n) in counts.iter().enumerate() {
        if n > 0 {
            base.active_by_signal_nolock(sig as c_int, n.min(i16::MAX as u32) as c_short);
        }
    }
    base.unlock();
}
