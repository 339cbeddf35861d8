//! What every bufferevent shares: the public `struct bufferevent` (392 bytes programs read and
//! write), the private state after it in the same allocation, reference counting, locking,
//! running the program's callbacks (at once or deferred to the loop), enabling and
//! suspending each direction, watermarks, timeouts and teardown. The kinds (socket, pair,
//! filter) plug in through an `Ops` table, as libevent's `bufferevent_ops`.
//!
//! Lifetime: the program holds one reference; every callback from the loop, every queued
//! deferred callback and every internal user holds another while it works. When the count
//! drops to zero the bufferevent stops all its events and hands a finalizer to the loop;
//! the memory (and, with BEV_OPT_CLOSE_ON_FREE, the fd) goes when that runs, so a free from
//! inside one of its own callbacks, or while a deferred callback is queued, is safe. As in
//! libevent, nothing is released until the loop runs again (or the base is freed).
//!
//! Locking (BEV_OPT_THREADSAFE, threading on): one recursive lock, shared with the two
//! evbuffers and, for pairs and filters, with the partner or underlying bufferevent. Lock
//! order is bufferevent before base.
//!
//! Buffers: `input` and `output` are live evbuffers for the bufferevent's whole life. `alloc`
//! makes both before the object exists (no bufferevent is ever made without them, so none is
//! ever half-built) and `finalize` frees them last; so the kinds hand them to
//! `crate::buffer::api`, which does not take NULL, without checking. Buffers from the program
//! (`bufferevent_write_buffer`'s) are checked by the C shims.
//!
//! # Pointer contract (the "module contract" of every bufferevent module's `unsafe fn`)
//! A `b: *mut Bev` (and likewise a partner's or an underlying's) is a live bufferevent: made
//! by one of the constructors here and not yet finalized. The caller holds a reference on it
//! for the duration of the call (the program's own, one taken with `incref`, or the one
//! `enter` takes for a callback from the loop), so the memory cannot go away under it.
//! Where a `# Safety` section adds "`b` locked", the caller holds `b`'s lock; "referenced":
//! the caller holds a reference besides the program's, because program callbacks run inside
//! and may drop the program's. No `&mut Bev` is ever formed: the events inside are linked
//! into the base's lists and the program itself reads and writes the public part, so the
//! state is reached field by field through the raw pointer, and never across a callback.

use super::watermark as wm;
use super::{filter, pair, ratelim, socket};
use crate::buffer::api as evbuffer;
use crate::buffer::{CbEntry, CbFlags, CbInfo, Evbuffer};
use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::{api, clock, deferred, global, log, mem};
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use crate::util::sys::{errno, set_errno};
use libc::{c_int, c_short, c_void, size_t, sockaddr, timeval};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BEV_EVENT_READING: c_short = 0x01;
pub const BEV_EVENT_WRITING: c_short = 0x02;
pub const BEV_EVENT_EOF: c_short = 0x10;
pub const BEV_EVENT_ERROR: c_short = 0x20;
pub const BEV_EVENT_TIMEOUT: c_short = 0x40;
pub const BEV_EVENT_CONNECTED: c_short = 0x80;

pub const BEV_OPT_CLOSE_ON_FREE: c_int = 1 << 0;
pub const BEV_OPT_THREADSAFE: c_int = 1 << 1;
pub const BEV_OPT_DEFER_CALLBACKS: c_int = 1 << 2;
pub const BEV_OPT_UNLOCK_CALLBACKS: c_int = 1 << 3;

pub const BEV_TRIG_IGNORE_WATERMARKS: c_int = 1 << 16;
pub const BEV_TRIG_DEFER_CALLBACKS: c_int = BEV_OPT_DEFER_CALLBACKS;
const BEV_TRIG_ALL_OPTS: c_int = BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS;

pub const BEV_NORMAL: c_int = 0;
pub const BEV_FLUSH: c_int = 1;
pub const BEV_FINISHED: c_int = 2;

/// Why a direction is suspended (independent of whether the program enabled it).
pub const SUSPEND_WM: u16 = 0x01;
pub const SUSPEND_BW: u16 = 0x02;
pub const SUSPEND_BW_GROUP: u16 = 0x04;
pub const SUSPEND_LOOKUP: u16 = 0x08;
pub const SUSPEND_FILT_READ: u16 = 0x10;

/// Which end of a buffer `evbuffer::freeze` / `unfreeze` applies to: the kinds freeze the end
/// only they may add to (input) or drain from (output).
pub const FRONT: bool = true;
pub const END: bool = false;

/// Largest single read/write unless the program sets another.
pub const MAX_SINGLE_DEFAULT: isize = 16384;

pub type DataCb = unsafe extern "C" fn(*mut Bufferevent, *mut c_void);
pub type EventCb = unsafe extern "C" fn(*mut Bufferevent, c_short, *mut c_void);

/// `struct event_watermark`.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Watermark {
    pub low: size_t,
    pub high: size_t,
}

/// `struct bufferevent`: the public part, laid out as bufferevent_struct.h. Programs read
/// `input`/`output`/`enabled`, pass `&ev_read`/`&ev_write` to event functions, and some
/// (redsocks) overwrite `readcb`/`writecb` and call them: these fields are the real state.
#[repr(C)]
pub struct Bufferevent {
    pub ev_base: *mut EventBase,
    pub be_ops: *const Ops,
    pub ev_read: Event,
    pub ev_write: Event,
    pub input: *mut Evbuffer,
    pub output: *mut Evbuffer,
    pub wm_read: Watermark,
    pub wm_write: Watermark,
    pub readcb: Option<DataCb>,
    pub writecb: Option<DataCb>,
    pub errorcb: Option<EventCb>,
    pub cbarg: *mut c_void,
    pub timeout_read: timeval,
    pub timeout_write: timeval,
    pub enabled: c_short,
}

const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(size_of::<Bufferevent>() == 392);
    assert!(offset_of!(Bufferevent, be_ops) == 8);
    assert!(offset_of!(Bufferevent, ev_read) == 16);
    assert!(offset_of!(Bufferevent, ev_write) == 144);
    assert!(offset_of!(Bufferevent, input) == 272);
    assert!(offset_of!(Bufferevent, output) == 280);
    assert!(offset_of!(Bufferevent, wm_read) == 288);
    assert!(offset_of!(Bufferevent, wm_write) == 304);
    assert!(offset_of!(Bufferevent, readcb) == 320);
    assert!(offset_of!(Bufferevent, writecb) == 328);
    assert!(offset_of!(Bufferevent, errorcb) == 336);
    assert!(offset_of!(Bufferevent, cbarg) == 344);
    assert!(offset_of!(Bufferevent, timeout_read) == 352);
    assert!(offset_of!(Bufferevent, timeout_write) == 368);
    assert!(offset_of!(Bufferevent, enabled) == 384);
    assert!(offset_of!(Bev, public) == 0);
};

/// Kind-specific control requests (libevent's bufferevent_ctrl_op).
pub enum Ctrl {
    SetFd(c_int),
    GetFd,
    GetUnderlying,
    CancelAll,
}

pub enum CtrlOut {
    Done,
    Fd(c_int),
    Underlying(*mut Bufferevent),
}

/// What a kind of bufferevent implements. `be_ops` points at one of these statics, which
/// also tells the kinds apart. Every entry is called with a live bufferevent of the table's
/// kind (the module contract) and with its lock held, except `connect`, which takes it.
pub struct Ops {
    pub name: &'static str,
    /// Start the directions given (already filtered by suspension).
    pub enable: unsafe fn(*mut Bev, c_short) -> c_int,
    pub disable: unsafe fn(*mut Bev, c_short) -> c_int,
    /// The last reference is gone: let go of other objects (partner, underlying).
    pub unlink: Option<unsafe fn(*mut Bev)>,
    /// Finalizing: release kind-specific resources (close the fd...).
    pub destruct: Option<unsafe fn(*mut Bev)>,
    /// The timeouts changed.
    pub adj_timeouts: Option<unsafe fn(*mut Bev) -> c_int>,
    pub flush: Option<unsafe fn(*mut Bev, c_short, c_int) -> c_int>,
    pub ctrl: Option<CtrlFn>,
    /// bufferevent_socket_connect for a kind with a socket of its own (None: pairs, filters).
    pub connect: Option<ConnectFn>,
}

/// `Ops::ctrl`: a kind-specific request; `Err` when the kind does not do it. Not C (hidden from
/// cbindgen, which would take its `Result` for the one-parameter alias in dns/wire.rs).
///
/// cbindgen:ignore
pub type CtrlFn = unsafe fn(*mut Bev, Ctrl) -> Result<CtrlOut, ()>;
/// `Ops::connect`: connect to the address (NULL: wait for the program's own connect).
pub type ConnectFn = unsafe fn(*mut Bev, *const sockaddr, c_int) -> c_int;

/// The kind-specific state. The rarer, bigger kinds are boxed so that the common socket
/// bufferevent does not carry their size (10,000 idle connections are 10,000 of these).
pub enum Kind {
    Socket(socket::SocketState),
    Pair(pair::PairState),
    Filter(Box<filter::FilterState>),
    Ssl(Box<super::openssl::SslState>),
}

/// A recursive lock shared by every bufferevent (and evbuffer) that uses it; freed with the
/// last of them.
pub struct SharedLock {
    pub raw: RawLock,
    refs: AtomicUsize,
}

impl SharedLock {
    /// A fresh lock, or NULL when locking is off (no lock callbacks installed).
    fn alloc() -> *mut SharedLock {
        let raw = RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
        if raw.0.is_null() {
            return ptr::null_mut();
        }
        Box::into_raw(Box::new(SharedLock { raw, refs: AtomicUsize::new(1) }))
    }

    /// # Safety
    /// `l` is a live SharedLock.
    unsafe fn share(l: *mut SharedLock) -> *mut SharedLock {
        // SAFETY: l is live (contract); the count is atomic.
        unsafe { (*l).refs.fetch_add(1, Ordering::AcqRel) };
        l
    }

    /// # Safety
    /// `l` is NULL or a live SharedLock whose reference the caller gives up.
    unsafe fn release(l: *mut SharedLock) {
        if l.is_null() {
            return;
        }
        // SAFETY: l is live and the caller's reference is given up (contract); the last
        // reference (the count is atomic) frees it, once.
        unsafe {
            if (*l).refs.fetch_sub(1, Ordering::AcqRel) == 1 {
                let b = Box::from_raw(l);
                b.raw.free(EVTHREAD_LOCKTYPE_RECURSIVE);
            }
        }
    }
}

/// The whole object: public part first, so a `struct bufferevent *` is a `*mut Bev`.
#[repr(C)]
pub struct Bev {
    pub public: Bufferevent,
    pub ops: &'static Ops,
    lock: *mut SharedLock,
    refcnt: usize,
    /// The count reached zero and the finalizer is queued.
    finalizing: bool,
    pub options: c_int,
    pub read_suspended: u16,
    pub write_suspended: u16,
    readcb_pending: bool,
    writecb_pending: bool,
    eventcb_pending: c_short,
    errno_pending: c_int,
    /// The last bufferevent_socket_connect_hostname lookup's error (EVUTIL_EAI_*), 0 when it
    /// worked (libevent keeps it for every kind).
    pub dns_error: c_int,
    /// The deferred-callback record (BEV_OPT_DEFER_CALLBACKS).
    deferred: EventCallback,
    /// Queued on the loop when the last reference goes.
    finalizer: EventCallback,
    /// The input buffer's high-watermark callback, made on first use.
    read_wm_cb: *mut CbEntry,
    pub max_single_read: isize,
    pub max_single_write: isize,
    pub rate: Option<Box<ratelim::BevRate>>,
    pub kind: Kind,
}

// ---- small helpers ----

/// `struct bufferevent *` to the whole object (the public part is its first field).
#[inline]
pub fn upcast(p: *mut Bufferevent) -> *mut Bev {
    p as *mut Bev
}

#[inline]
pub fn downcast(b: *mut Bev) -> *mut Bufferevent {
    b as *mut Bufferevent
}

/// The base the bufferevent works on: its own, or the current (event_init) base for
/// bufferevents made without one (bufferevent_new).
///
/// # Safety
/// Module contract.
pub unsafe fn base_of(b: *mut Bev) -> *mut EventBase {
    // SAFETY: b is live (module contract).
    let base = unsafe { (*b).public.ev_base };
    if base.is_null() {
        global::current_base()
    } else {
        base
    }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn input(b: *mut Bev) -> *mut Evbuffer {
    // SAFETY: b is live (module contract).
    unsafe { (*b).public.input }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn output(b: *mut Bev) -> *mut Evbuffer {
    // SAFETY: b is live (module contract).
    unsafe { (*b).public.output }
}

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn enabled(b: *mut Bev) -> c_short {
    // SAFETY: b is live (module contract).
    unsafe { (*b).public.enabled }
}

/// Is this bufferevent of the kind `ops` implements?
///
/// # Safety
/// Module contract.
pub unsafe fn is_kind(b: *mut Bev, ops: &'static Ops) -> bool {
    // SAFETY: b is live (module contract).
    unsafe { ptr::eq((*b).ops, ops) }
}

/// Add `ev` with the bufferevent's timeout `tv` when one is set (a zero timeval means none).
///
/// # Safety
/// `ev` is an assigned event.
pub unsafe fn add_event(ev: *mut Event, tv: timeval) -> c_int {
    // SAFETY: ev is an assigned event (contract).
    unsafe { api::add(ev, clock::is_set(&tv).then_some(&tv)) }
}

// ---- creation ----

/// Allocate and set up the common part (bufferevent_init_common_). Returns NULL, having
/// released everything, when an option is invalid or something cannot be allocated.
///
/// # Safety
/// base is NULL or a live base.
pub unsafe fn alloc(base: *mut EventBase, ops: &'static Ops, options: c_int, kind: Kind) -> *mut Bev {
    if options & (BEV_OPT_DEFER_CALLBACKS | BEV_OPT_UNLOCK_CALLBACKS) == BEV_OPT_UNLOCK_CALLBACKS {
        log::warn("UNLOCK_CALLBACKS requires DEFER_CALLBACKS");
        return ptr::null_mut();
    }
    let (inp, outp) = (evbuffer::new(), evbuffer::new());
    let free_bufs = || {
        // SAFETY: NULL or buffers we just made.
        unsafe {
            if !inp.is_null() {
                evbuffer::free(inp);
            }
            if !outp.is_null() {
                evbuffer::free(outp);
            }
        }
    };
    if inp.is_null() || outp.is_null() {
        free_bufs();
        return ptr::null_mut();
    }
    let public = Bufferevent {
        ev_base: base,
        be_ops: ops as *const Ops,
        ev_read: Event::zeroed(),
        ev_write: Event::zeroed(),
        input: inp,
        output: outp,
        wm_read: Watermark::default(),
        wm_write: Watermark::default(),
        readcb: None,
        writecb: None,
        errorcb: None,
        cbarg: ptr::null_mut(),
        timeout_read: clock::ZERO,
        timeout_write: clock::ZERO,
        // Writing is on from the start so that bufferevent_write just works; reading must
        // be enabled by the program.
        enabled: EV_WRITE,
    };
    let Some(b) = mem::new_object(Bev {
        public,
        ops,
        lock: ptr::null_mut(),
        refcnt: 1,
        finalizing: false,
        options,
        read_suspended: 0,
        write_suspended: 0,
        readcb_pending: false,
        writecb_pending: false,
        eventcb_pending: 0,
        errno_pending: 0,
        dns_error: 0,
        deferred: EventCallback::zeroed(),
        finalizer: EventCallback::zeroed(),
        read_wm_cb: ptr::null_mut(),
        max_single_read: MAX_SINGLE_DEFAULT,
        max_single_write: MAX_SINGLE_DEFAULT,
        rate: None,
        kind,
    }) else {
        free_bufs();
        return ptr::null_mut();
    };
    // SAFETY: b is fresh and ours alone.
    unsafe {
        if options & BEV_OPT_THREADSAFE != 0 && enable_locking(b, ptr::null_mut()) < 0 {
            free_bufs();
            mem::free_object(b);
            return ptr::null_mut();
        }
        let npri = api::or_current(base).as_ref().map_or(0, |eb| eb.npriorities());
        let run: unsafe extern "C" fn(*mut EventCallback, *mut c_void) =
            if options & BEV_OPT_UNLOCK_CALLBACKS != 0 { run_deferred_unlocked } else { run_deferred_locked };
        deferred::init(&raw mut (*b).deferred, (npri / 2).clamp(0, 255) as u8, Some(run), b as *mut c_void);
    }
    b
}

/// Give `b` a lock: `shared` (another bufferevent's), the underlying bufferevent's, or a new
/// one (which the underlying then shares if it had none). -1 when locking is off.
///
/// # Safety
/// Module contract; shared is NULL or a live SharedLock.
pub unsafe fn enable_locking(b: *mut Bev, shared: *mut SharedLock) -> c_int {
    // SAFETY: b is live (module contract) and has no lock yet, so no other thread may use it
    // now (libevent's rule for unlocked bufferevents); shared is NULL or live.
    unsafe {
        if !(*b).lock.is_null() {
            return -1;
        }
        let under = underlying(b);
        let ul = if under.is_null() { ptr::null_mut() } else { (*upcast(under)).lock };
        let l = if !shared.is_null() {
            SharedLock::share(shared)
        } else if !ul.is_null() {
            SharedLock::share(ul)
        } else {
            SharedLock::alloc()
        };
        if l.is_null() {
            return -1;
        }
        (*b).lock = l;
        evbuffer::enable_locking(input(b), (*l).raw.0);
        evbuffer::enable_locking(output(b), (*l).raw.0);
        if !under.is_null() && ul.is_null() {
            enable_locking(upcast(under), l);
        }
        0
    }
}

/// The lock `b` uses (NULL without one), for sharing.
///
/// # Safety
/// Module contract.
pub unsafe fn shared_lock(b: *mut Bev) -> *mut SharedLock {
    // SAFETY: b is live (module contract).
    unsafe { (*b).lock }
}

/// The generic timeout events pairs and filters use: plain timers on ev_read / ev_write.
///
/// # Safety
/// Module contract.
pub unsafe fn init_generic_timeouts(b: *mut Bev) {
    // SAFETY: b is live (module contract); the events live inside b.
    unsafe {
        let base = (*b).public.ev_base;
        let arg = b as *mut c_void;
        api::assign(&raw mut (*b).public.ev_read, base, -1, EV_FINALIZE, Some(generic_read_timeout), arg);
        api::assign(&raw mut (*b).public.ev_write, base, -1, EV_FINALIZE, Some(generic_write_timeout), arg);
    }
}

// ---- locking and references ----

/// # Safety
/// Module contract.
#[inline]
pub unsafe fn lock(b: *mut Bev) {
    // SAFETY: b is live (module contract).
    unsafe {
        let l = (*b).lock;
        if !l.is_null() {
            (*l).raw.acquire();
        }
    }
}

/// Try to lock without waiting (rate-limit groups reach into their members this way, since
/// they may be called while another member is locked). True when locked.
///
/// # Safety
/// Module contract.
pub unsafe fn try_lock(b: *mut Bev) -> bool {
    // SAFETY: b is live (module contract).
    unsafe {
        let l = (*b).lock;
        if l.is_null() {
            return true;
        }
        match crate::thread::lock_fns().lock {
            Some(f) => f(crate::thread::EVTHREAD_TRY, (*l).raw.0) == 0,
            None => true,
        }
    }
}

/// # Safety
/// Module contract; `b` locked.
#[inline]
pub unsafe fn unlock(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let l = (*b).lock;
        if !l.is_null() {
            (*l).raw.release();
        }
    }
}

/// # Safety
/// Module contract.
pub unsafe fn incref_and_lock(b: *mut Bev) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        (*b).refcnt += 1;
    }
}

/// # Safety
/// Module contract.
pub unsafe fn incref(b: *mut Bev) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        (*b).refcnt += 1;
        unlock(b);
    }
}

/// Entry of a callback from the loop: lock and take a reference, unless the bufferevent is
/// already being finalized (another thread dropped the last reference while this callback
/// was starting); then do nothing.
///
/// # Safety
/// Module contract (its memory is released only by the finalizer, which runs after).
pub unsafe fn enter(b: *mut Bev) -> bool {
    // SAFETY: b's memory is valid (contract); its state is read under its lock.
    unsafe {
        lock(b);
        if (*b).finalizing {
            unlock(b);
            return false;
        }
        (*b).refcnt += 1;
        true
    }
}

/// # Safety
/// Module contract.
pub unsafe fn is_finalizing(b: *mut Bev) -> bool {
    // SAFETY: b is live (module contract).
    unsafe { (*b).finalizing }
}

/// Drop a reference and unlock. The last one stops everything and queues the finalizer;
/// returns true then.
///
/// # Safety
/// Module contract; `b` locked by the caller, which gives up the reference it holds.
pub unsafe fn decref_and_unlock(b: *mut Bev) -> bool {
    // SAFETY: b is live and locked (contract). After the finalizer is queued the memory stays
    // valid until the loop runs it, which is after we return.
    unsafe {
        if (*b).refcnt == 0 {
            log::warn("bufferevent_decref: no references left");
            unlock(b);
            return false;
        }
        (*b).refcnt -= 1;
        if (*b).refcnt > 0 || (*b).finalizing {
            unlock(b);
            return false;
        }
        (*b).finalizing = true;
        if let Some(unlink) = (*b).ops.unlink {
            unlink(b);
        }
        // Nothing of ours may fire any more.
        for ev in [&raw mut (*b).public.ev_read, &raw mut (*b).public.ev_write] {
            if (*ev).cb.flags & EVLIST_INIT != 0 && !(*ev).base.is_null() {
                api::del(ev);
            }
        }
        ratelim::unlink(b);
        let base = base_of(b);
        if base.is_null() {
            // No base at all: nothing can be running; finish now.
            unlock(b);
            finalize(b);
            return true;
        }
        {
            let bb = &mut *base;
            bb.lock();
            bb.callback_cancel(&mut (*b).deferred);
            bb.unlock();
        }
        // A bare callback's finalizer gets its own `arg`: point it at us.
        (*b).finalizer.arg = b as *mut c_void;
        deferred::finalize(base, 0, &raw mut (*b).finalizer, Some(finalize_cb));
        unlock(b);
        true
    }
}

/// # Safety
/// Module contract; the caller gives up the reference it holds.
pub unsafe fn decref(b: *mut Bev) -> bool {
    // SAFETY: b is live (module contract); decref_and_unlock gets it locked.
    unsafe {
        lock(b);
        decref_and_unlock(b)
    }
}

unsafe extern "C" fn finalize_cb(_cb: *mut EventCallback, arg: *mut c_void) {
    // SAFETY: arg is the bufferevent whose finalizer this is; nothing else refers to it.
    unsafe { finalize(arg as *mut Bev) }
}

/// Release everything: kind resources, buffers, rate limiting, lock, memory; then the
/// reference this bufferevent held on an underlying one.
///
/// # Safety
/// `b`'s memory is valid, it is finalizing (no reference left), and no callback of it can run
/// any more.
unsafe fn finalize(b: *mut Bev) {
    // SAFETY: b is ours alone now (contract): nothing else can reach it, so its parts are
    // released and its memory freed, in that order, exactly once.
    unsafe {
        lock(b);
        let under = underlying(b);
        if let Some(destruct) = (*b).ops.destruct {
            destruct(b);
        }
        evbuffer::free(input(b));
        evbuffer::free(output(b));
        ratelim::teardown(b);
        for ev in [&raw mut (*b).public.ev_read, &raw mut (*b).public.ev_write] {
            if (*ev).cb.flags & EVLIST_INIT != 0 {
                api::debug_unassign(ev);
            }
        }
        unlock(b);
        let l = (*b).lock;
        mem::free_object(b);
        SharedLock::release(l);
        if !under.is_null() {
            decref(upcast(under));
        }
    }
}

// ---- running the program's callbacks ----

/// # Safety
/// Module contract; `b` locked.
unsafe fn schedule_deferred(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if deferred::schedule(base_of(b), &raw mut (*b).deferred) != 0 {
            (*b).refcnt += 1;
        }
    }
}

/// Give the deferred-callback record a new priority (bufferevent_priority_set). A record
/// already queued keeps its queue until it runs; the next schedule uses the new one.
///
/// # Safety
/// Module contract; `b` locked; pri is valid for its base (the caller checked it through
/// event_priority_set).
pub unsafe fn set_deferred_priority(b: *mut Bev, pri: c_int) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if (*b).deferred.flags & (crate::core::event::EVLIST_ACTIVE | crate::core::event::EVLIST_ACTIVE_LATER) == 0 {
            (*b).deferred.pri = pri.clamp(0, 255) as u8;
        }
    }
}

/// Call (or queue) the read callback. Called locked with a reference held.
///
/// # Safety
/// Module contract; `b` locked and referenced.
pub unsafe fn run_readcb(b: *mut Bev, options: c_int) {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        let Some(f) = (*b).public.readcb else { return };
        if ((*b).options | options) & BEV_OPT_DEFER_CALLBACKS != 0 {
            (*b).readcb_pending = true;
            schedule_deferred(b);
        } else {
            f(downcast(b), (*b).public.cbarg);
            inbuf_wm_check(b);
        }
    }
}

/// # Safety
/// Module contract; `b` locked and referenced.
pub unsafe fn run_writecb(b: *mut Bev, options: c_int) {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        let Some(f) = (*b).public.writecb else { return };
        if ((*b).options | options) & BEV_OPT_DEFER_CALLBACKS != 0 {
            (*b).writecb_pending = true;
            schedule_deferred(b);
        } else {
            f(downcast(b), (*b).public.cbarg);
        }
    }
}

/// Deferred event callbacks coalesce: the flags are ORed, the errno is the last one's.
///
/// # Safety
/// Module contract; `b` locked and referenced.
pub unsafe fn run_eventcb(b: *mut Bev, what: c_short, options: c_int) {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        let Some(f) = (*b).public.errorcb else { return };
        if ((*b).options | options) & BEV_OPT_DEFER_CALLBACKS != 0 {
            (*b).eventcb_pending |= what;
            (*b).errno_pending = errno();
            schedule_deferred(b);
        } else {
            f(downcast(b), what, (*b).public.cbarg);
        }
    }
}

/// The callbacks a change of buffer contents calls for, watermarks permitting.
///
/// # Safety
/// Module contract; `b` locked and referenced.
pub unsafe fn trigger_nolock(b: *mut Bev, iotype: c_short, options: c_int) {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        let ignore = options & BEV_TRIG_IGNORE_WATERMARKS != 0;
        if iotype & EV_READ != 0 && wm::read_cb_due((*b).public.wm_read.low, evbuffer::length(input(b)), ignore) {
            run_readcb(b, options);
        }
        if iotype & EV_WRITE != 0 && wm::write_cb_due((*b).public.wm_write.low, evbuffer::length(output(b)), ignore) {
            run_writecb(b, options);
        }
    }
}

/// After a read callback: if the input is still at its high mark and reading is on, the
/// read callback is due again (deferred, so the loop keeps calling it until the program
/// drains the input), as libevent 2.1.12 does.
///
/// # Safety
/// Module contract; `b` locked and referenced.
unsafe fn inbuf_wm_check(b: *mut Bev) {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        let high = (*b).public.wm_read.high;
        if high == 0 || enabled(b) & EV_READ == 0 || evbuffer::length(input(b)) < high {
            return;
        }
        trigger_nolock(b, EV_READ, BEV_OPT_DEFER_CALLBACKS);
    }
}

unsafe extern "C" fn run_deferred_locked(_cb: *mut EventCallback, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the queued deferred callback holds a reference, so b is live.
    unsafe {
        lock(b);
        if (*b).eventcb_pending & BEV_EVENT_CONNECTED != 0 {
            if let Some(f) = (*b).public.errorcb {
                // The connection came before any data: report it first.
                (*b).eventcb_pending &= !BEV_EVENT_CONNECTED;
                f(downcast(b), BEV_EVENT_CONNECTED, (*b).public.cbarg);
            }
        }
        if (*b).readcb_pending {
            if let Some(f) = (*b).public.readcb {
                (*b).readcb_pending = false;
                f(downcast(b), (*b).public.cbarg);
                inbuf_wm_check(b);
            }
        }
        if (*b).writecb_pending {
            if let Some(f) = (*b).public.writecb {
                (*b).writecb_pending = false;
                f(downcast(b), (*b).public.cbarg);
            }
        }
        if (*b).eventcb_pending != 0 {
            if let Some(f) = (*b).public.errorcb {
                let what = (*b).eventcb_pending;
                let err = (*b).errno_pending;
                (*b).eventcb_pending = 0;
                (*b).errno_pending = 0;
                set_errno(err);
                f(downcast(b), what, (*b).public.cbarg);
            }
        }
        decref_and_unlock(b);
    }
}

/// BEV_OPT_UNLOCK_CALLBACKS: the same, with the lock released around each call.
unsafe extern "C" fn run_deferred_unlocked(_cb: *mut EventCallback, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the queued deferred callback holds a reference, so b is live.
    unsafe {
        lock(b);
        if (*b).eventcb_pending & BEV_EVENT_CONNECTED != 0 {
            if let Some(f) = (*b).public.errorcb {
                let arg = (*b).public.cbarg;
                (*b).eventcb_pending &= !BEV_EVENT_CONNECTED;
                unlock(b);
                f(downcast(b), BEV_EVENT_CONNECTED, arg);
                lock(b);
            }
        }
        if (*b).readcb_pending {
            if let Some(f) = (*b).public.readcb {
                let arg = (*b).public.cbarg;
                (*b).readcb_pending = false;
                unlock(b);
                f(downcast(b), arg);
                lock(b);
                inbuf_wm_check(b);
            }
        }
        if (*b).writecb_pending {
            if let Some(f) = (*b).public.writecb {
                let arg = (*b).public.cbarg;
                (*b).writecb_pending = false;
                unlock(b);
                f(downcast(b), arg);
                lock(b);
            }
        }
        if (*b).eventcb_pending != 0 {
            if let Some(f) = (*b).public.errorcb {
                let (what, err, arg) = ((*b).eventcb_pending, (*b).errno_pending, (*b).public.cbarg);
                (*b).eventcb_pending = 0;
                (*b).errno_pending = 0;
                unlock(b);
                set_errno(err);
                f(downcast(b), what, arg);
                lock(b);
            }
        }
        decref_and_unlock(b);
    }
}

// ---- enabling, suspending ----

/// bufferevent_enable: remember the program's wish; start what is not suspended.
///
/// # Safety
/// Module contract.
pub unsafe fn enable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        incref_and_lock(b);
        let mut impl_events = event;
        if (*b).read_suspended != 0 {
            impl_events &= !EV_READ;
        }
        if (*b).write_suspended != 0 {
            impl_events &= !EV_WRITE;
        }
        (*b).public.enabled |= event;
        let mut r = 0;
        if impl_events != 0 && ((*b).ops.enable)(b, impl_events) < 0 {
            r = -1;
        }
        decref_and_unlock(b);
        r
    }
}

/// # Safety
/// Module contract.
pub unsafe fn disable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        (*b).public.enabled &= !event;
        let r = if ((*b).ops.disable)(b, event) < 0 { -1 } else { 0 };
        unlock(b);
        r
    }
}

/// Suspend reading for `why` (the first reason stops the kind's reading).
///
/// # Safety
/// Module contract.
pub unsafe fn suspend_read(b: *mut Bev, why: u16) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        if (*b).read_suspended == 0 {
            ((*b).ops.disable)(b, EV_READ);
        }
        (*b).read_suspended |= why;
        unlock(b);
    }
}

/// Lift one reason; reading resumes when none is left and the program wants it.
///
/// # Safety
/// Module contract.
pub unsafe fn unsuspend_read(b: *mut Bev, why: u16) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        (*b).read_suspended &= !why;
        // A freed bufferevent waiting for its finalizer must not get its events back: they
        // would outlive its memory (a group refill or group free can get here for it).
        if (*b).read_suspended == 0 && enabled(b) & EV_READ != 0 && !(*b).finalizing {
            ((*b).ops.enable)(b, EV_READ);
        }
        unlock(b);
    }
}

/// # Safety
/// Module contract.
pub unsafe fn suspend_write(b: *mut Bev, why: u16) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        if (*b).write_suspended == 0 {
            ((*b).ops.disable)(b, EV_WRITE);
        }
        (*b).write_suspended |= why;
        unlock(b);
    }
}

/// # Safety
/// Module contract.
pub unsafe fn unsuspend_write(b: *mut Bev, why: u16) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        (*b).write_suspended &= !why;
        if (*b).write_suspended == 0 && enabled(b) & EV_WRITE != 0 && !(*b).finalizing {
            ((*b).ops.enable)(b, EV_WRITE);
        }
        unlock(b);
    }
}

// ---- timeouts ----

/// For socket bufferevents: re-arm the pending events with the new timeouts.
///
/// # Safety
/// Module contract; `b` locked.
pub unsafe fn adj_existing_timeouts(b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let mut r = 0;
        let p = &raw mut (*b).public;
        if api::pending(&raw const (*p).ev_read, EV_READ, None) != 0 {
            if clock::is_set(&(*p).timeout_read) {
                if add_event(&raw mut (*p).ev_read, (*p).timeout_read) < 0 {
                    r = -1;
                }
            } else {
                api::remove_timer(&raw mut (*p).ev_read);
            }
        }
        if api::pending(&raw const (*p).ev_write, EV_WRITE, None) != 0 {
            if clock::is_set(&(*p).timeout_write) {
                if add_event(&raw mut (*p).ev_write, (*p).timeout_write) < 0 {
                    r = -1;
                }
            } else {
                api::remove_timer(&raw mut (*p).ev_write);
            }
        }
        r
    }
}

/// For pairs and filters (timer-only ev_read/ev_write): a timer runs while the direction
/// is enabled, not suspended and has a timeout (writing: only with data waiting).
///
/// # Safety
/// Module contract; `b` locked.
pub unsafe fn generic_adj_timeouts(b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let p = &raw mut (*b).public;
        let en = (*p).enabled;
        let r1 = if en & EV_READ != 0 && (*b).read_suspended == 0 && clock::is_set(&(*p).timeout_read) {
            api::add(&raw mut (*p).ev_read, Some(&(*p).timeout_read))
        } else {
            api::del(&raw mut (*p).ev_read)
        };
        let r2 = if en & EV_WRITE != 0
            && (*b).write_suspended == 0
            && clock::is_set(&(*p).timeout_write)
            && evbuffer::length((*p).output) > 0
        {
            api::add(&raw mut (*p).ev_write, Some(&(*p).timeout_write))
        } else {
            api::del(&raw mut (*p).ev_write)
        };
        if r1 < 0 || r2 < 0 {
            -1
        } else {
            0
        }
    }
}

/// Restart the generic read timer (data moved), if a timeout is set.
///
/// # Safety
/// Module contract; `b` locked.
pub unsafe fn reset_generic_read_timeout(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let p = &raw mut (*b).public;
        if clock::is_set(&(*p).timeout_read) {
            api::add(&raw mut (*p).ev_read, Some(&(*p).timeout_read));
        }
    }
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn reset_generic_write_timeout(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let p = &raw mut (*b).public;
        if clock::is_set(&(*p).timeout_write) {
            api::add(&raw mut (*p).ev_write, Some(&(*p).timeout_write));
        }
    }
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn del_generic_read_timeout(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe { api::del(&raw mut (*b).public.ev_read) };
}

/// # Safety
/// Module contract; `b` locked.
pub unsafe fn del_generic_write_timeout(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe { api::del(&raw mut (*b).public.ev_write) };
}

unsafe extern "C" fn generic_read_timeout(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the timer lives in b and is deleted before b is released.
    unsafe {
        if !enter(b) {
            return;
        }
        disable(b, EV_READ);
        run_eventcb(b, BEV_EVENT_TIMEOUT | BEV_EVENT_READING, 0);
        decref_and_unlock(b);
    }
}

unsafe extern "C" fn generic_write_timeout(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as generic_read_timeout.
    unsafe {
        if !enter(b) {
            return;
        }
        disable(b, EV_WRITE);
        run_eventcb(b, BEV_EVENT_TIMEOUT | BEV_EVENT_WRITING, 0);
        decref_and_unlock(b);
    }
}

/// bufferevent_set_timeouts: NULL clears a timeout.
///
/// # Safety
/// Module contract; each tv is NULL or readable.
pub unsafe fn set_timeouts(b: *mut Bev, tv_read: *const timeval, tv_write: *const timeval) -> c_int {
    // SAFETY: b is live (module contract); each tv is NULL or readable (contract).
    unsafe {
        lock(b);
        (*b).public.timeout_read = if tv_read.is_null() { clock::ZERO } else { *tv_read };
        (*b).public.timeout_write = if tv_write.is_null() { clock::ZERO } else { *tv_write };
        let r = match (*b).ops.adj_timeouts {
            Some(f) => f(b),
            None => 0,
        };
        unlock(b);
        r
    }
}

// ---- watermarks ----

unsafe extern "C" fn inbuf_wm_cb(buf: *mut Evbuffer, _info: *const CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the callback entry lives in b's input buffer, freed together with b.
    unsafe {
        if wm::read_full((*b).public.wm_read.high, evbuffer::length(buf)) {
            suspend_read(b, SUSPEND_WM);
        } else {
            unsuspend_read(b, SUSPEND_WM);
        }
    }
}

/// bufferevent_setwatermark. A read high mark watches the input buffer: reading pauses
/// while it is at or over the mark and resumes when the program drains it.
///
/// # Safety
/// Module contract.
pub unsafe fn setwatermark(b: *mut Bev, events: c_short, low: size_t, high: size_t) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        if events & EV_WRITE != 0 {
            (*b).public.wm_write = Watermark { low, high };
        }
        if events & EV_READ != 0 {
            (*b).public.wm_read = Watermark { low, high };
            let inp = input(b);
            if high != 0 {
                if (*b).read_wm_cb.is_null() {
                    (*b).read_wm_cb = evbuffer::add_cb(inp, Some(inbuf_wm_cb), b as *mut c_void);
                }
                evbuffer::cb_set_flags(inp, (*b).read_wm_cb, CbFlags::ENABLED | CbFlags::NODEFER);
                if wm::read_full(high, evbuffer::length(inp)) {
                    suspend_read(b, SUSPEND_WM);
                } else {
                    unsuspend_read(b, SUSPEND_WM);
                }
            } else {
                if !(*b).read_wm_cb.is_null() {
                    evbuffer::cb_clear_flags(inp, (*b).read_wm_cb, CbFlags::ENABLED);
                }
                unsuspend_read(b, SUSPEND_WM);
            }
        }
        unlock(b);
    }
}

/// bufferevent_getwatermark: exactly one direction, else -1.
///
/// # Safety
/// Module contract.
pub unsafe fn getwatermark(b: *mut Bev, events: c_short) -> Option<Watermark> {
    // SAFETY: b is live (module contract).
    unsafe {
        let w = match events {
            EV_WRITE => &raw const (*b).public.wm_write,
            EV_READ => &raw const (*b).public.wm_read,
            _ => return None,
        };
        lock(b);
        let v = *w;
        unlock(b);
        Some(v)
    }
}

// ---- data ----

/// bufferevent_write: append to the output (the kind starts sending it). 0, or -1.
///
/// # Safety
/// Module contract.
pub unsafe fn write(b: *mut Bev, data: &[u8]) -> c_int {
    // SAFETY: b is live (module contract); the output is live (buffer contract).
    if unsafe { evbuffer::add(output(b), data) } == -1 {
        -1
    } else {
        0
    }
}

/// bufferevent_write_buffer: move all of `buf` to the output. 0, or -1.
///
/// # Safety
/// Module contract; buf is a live evbuffer.
pub unsafe fn write_buffer(b: *mut Bev, buf: *mut Evbuffer) -> c_int {
    // SAFETY: b is live (module contract), so is its output (buffer contract); buf is live.
    if unsafe { evbuffer::add_buffer(output(b), buf) } == -1 {
        -1
    } else {
        0
    }
}

/// bufferevent_read: take up to `out.len()` bytes from the input; how many were taken.
///
/// # Safety
/// Module contract.
pub unsafe fn read(b: *mut Bev, out: &mut [u8]) -> isize {
    // SAFETY: b is live (module contract); the input is live (buffer contract).
    unsafe { evbuffer::remove(input(b), out) }
}

/// bufferevent_read_buffer: move the whole input into `buf`. 0, or -1.
///
/// # Safety
/// Module contract; buf is a live evbuffer.
pub unsafe fn read_buffer(b: *mut Bev, buf: *mut Evbuffer) -> c_int {
    // SAFETY: b is live (module contract), so is its input (buffer contract); buf is live.
    unsafe { evbuffer::add_buffer(buf, input(b)) }
}

// ---- the rest of the generic interface ----

/// bufferevent_get_priority: its read event's, for every kind (as libevent reads it).
///
/// # Safety
/// Module contract.
pub unsafe fn priority(b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract); ev_read is assigned by every kind's constructor.
    unsafe { api::priority(&raw const (*b).public.ev_read) }
}

/// # Safety
/// Module contract.
pub unsafe fn setcb(b: *mut Bev, r: Option<DataCb>, w: Option<DataCb>, e: Option<EventCb>, arg: *mut c_void) {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        (*b).public.readcb = r;
        (*b).public.writecb = w;
        (*b).public.errorcb = e;
        (*b).public.cbarg = arg;
        unlock(b);
    }
}

/// # Safety
/// Module contract.
unsafe fn ctrl(b: *mut Bev, op: Ctrl) -> Result<CtrlOut, ()> {
    // SAFETY: b is live (module contract).
    unsafe {
        match (*b).ops.ctrl {
            Some(f) => f(b, op),
            None => Err(()),
        }
    }
}

/// # Safety
/// Module contract.
pub unsafe fn getfd(b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let r = match ctrl(b, Ctrl::GetFd) {
            Ok(CtrlOut::Fd(fd)) => fd,
            _ => -1,
        };
        unlock(b);
        r
    }
}

/// # Safety
/// Module contract.
pub unsafe fn setfd(b: *mut Bev, fd: c_int) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let r = if ctrl(b, Ctrl::SetFd(fd)).is_ok() { 0 } else { -1 };
        unlock(b);
        r
    }
}

/// The bufferevent this one is built on (filters), else NULL.
///
/// # Safety
/// Module contract.
pub unsafe fn underlying(b: *mut Bev) -> *mut Bufferevent {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let r = match ctrl(b, Ctrl::GetUnderlying) {
            Ok(CtrlOut::Underlying(u)) => u,
            _ => ptr::null_mut(),
        };
        unlock(b);
        r
    }
}

/// A bufferevent built on `u` (a filter, an SSL filter) lost its last reference. With
/// BEV_OPT_CLOSE_ON_FREE the underlying goes too (the program's reference on it; ours goes
/// when `b` is finalized); otherwise it gets its callbacks back (none, if they are still
/// ours: `our_eventcb` is the kind's event callback) and reads freely again.
///
/// # Safety
/// Module contract; `b` locked; u is live and b holds a reference on it.
pub unsafe fn release_underlying(b: *mut Bev, u: *mut Bev, our_eventcb: EventCb) {
    // SAFETY: b is live and locked; u is live, kept so by b's reference until b is finalized.
    unsafe {
        if (*b).options & BEV_OPT_CLOSE_ON_FREE != 0 {
            free(u);
        } else {
            if (*u).public.errorcb.map(|f| f as usize) == Some(our_eventcb as usize) {
                setcb(u, None, None, None, ptr::null_mut());
            }
            unsuspend_read(u, SUSPEND_FILT_READ);
        }
    }
}

/// bufferevent_free: no more callbacks, cancel pending work, drop the program's reference.
///
/// # Safety
/// Module contract; the program gives up its reference.
pub unsafe fn free(b: *mut Bev) {
    // SAFETY: b is live (module contract); the reference given up is dropped last.
    unsafe {
        lock(b);
        setcb(b, None, None, None, ptr::null_mut());
        let _ = ctrl(b, Ctrl::CancelAll);
        decref_and_unlock(b);
    }
}

/// # Safety
/// Module contract.
pub unsafe fn flush(b: *mut Bev, iotype: c_short, mode: c_int) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let r = match (*b).ops.flush {
            Some(f) => f(b, iotype, mode),
            None => -1,
        };
        unlock(b);
        r
    }
}

/// # Safety
/// Module contract.
pub unsafe fn trigger(b: *mut Bev, iotype: c_short, options: c_int) {
    // SAFETY: b is live (module contract).
    unsafe {
        incref_and_lock(b);
        trigger_nolock(b, iotype, options & BEV_TRIG_ALL_OPTS);
        decref_and_unlock(b);
    }
}

/// # Safety
/// Module contract.
pub unsafe fn trigger_event(b: *mut Bev, what: c_short, options: c_int) {
    // SAFETY: b is live (module contract).
    unsafe {
        incref_and_lock(b);
        run_eventcb(b, what, options & BEV_TRIG_ALL_OPTS);
        decref_and_unlock(b);
    }
}

/// bufferevent_get_enabled.
///
/// # Safety
/// Module contract.
pub unsafe fn get_enabled(b: *mut Bev) -> c_short {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let e = enabled(b);
        unlock(b);
        e
    }
}
