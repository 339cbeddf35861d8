//! `struct event` and `struct event_callback`, laid out exactly as libevent 2.1's
//! `event_struct.h`. The program owns this memory (it embeds the struct or gets it from
//! `event_new`), so every bit of per-event state lives here and nowhere else: the public
//! fields are the real state, and the link fields are ours to use the way libevent does.

use libc::{c_int, c_short, c_void, timeval};
use std::ptr;

// ev_events bits (public constants).
pub const EV_TIMEOUT: c_short = 0x01;
pub const EV_READ: c_short = 0x02;
pub const EV_WRITE: c_short = 0x04;
pub const EV_SIGNAL: c_short = 0x08;
pub const EV_PERSIST: c_short = 0x10;
pub const EV_ET: c_short = 0x20;
pub const EV_FINALIZE: c_short = 0x40;
pub const EV_CLOSED: c_short = 0x80;

bitflags::bitflags! {
    /// The `EV_*` bits as a typed set, for the Rust API between layers (`ev_events` and the
    /// callbacks' `what` stay plain `short`s, as C sees them: `Ev::from_bits_retain(what)`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Ev: c_short {
        const TIMEOUT = EV_TIMEOUT;
        const READ = EV_READ;
        const WRITE = EV_WRITE;
        const SIGNAL = EV_SIGNAL;
        const PERSIST = EV_PERSIST;
        const ET = EV_ET;
        const FINALIZE = EV_FINALIZE;
        const CLOSED = EV_CLOSED;
    }
}

/// In `_pos_spare[0]`: assigned (event_assign/event_set/event_new) and not added since, so
/// its fd number may name a different file than the last time an event was added on it.
pub const EV_FRESH_ASSIGN: u32 = 0x1;

// evcb_flags bits: where the callback currently is.
pub const EVLIST_TIMEOUT: u16 = 0x01;
pub const EVLIST_INSERTED: u16 = 0x02;
pub const EVLIST_SIGNAL: u16 = 0x04;
pub const EVLIST_ACTIVE: u16 = 0x08;
pub const EVLIST_INTERNAL: u16 = 0x10;
pub const EVLIST_ACTIVE_LATER: u16 = 0x20;
pub const EVLIST_FINALIZING: u16 = 0x40;
pub const EVLIST_INIT: u16 = 0x80;

// evcb_closure: how the loop calls the callback. Values match libevent's so a debugger
// (or a curious program) sees the same numbers.
pub const CLOSURE_EVENT: u8 = 0;
pub const CLOSURE_EVENT_SIGNAL: u8 = 1;
pub const CLOSURE_EVENT_PERSIST: u8 = 2;
pub const CLOSURE_CB_SELF: u8 = 3;
pub const CLOSURE_CB_FINALIZE: u8 = 4;
pub const CLOSURE_EVENT_FINALIZE: u8 = 5;
pub const CLOSURE_EVENT_FINALIZE_FREE: u8 = 6;

pub type EventCallbackFn = unsafe extern "C" fn(c_int, c_short, *mut c_void);
pub type SelfCallbackFn = unsafe extern "C" fn(*mut EventCallback, *mut c_void);
pub type EventFinalizeFn = unsafe extern "C" fn(*mut Event, *mut c_void);

/// The callback pointer of `struct event_callback`: one slot, read as the closure says.
#[repr(C)]
#[derive(Clone, Copy)]
pub union CallbackUnion {
    pub event: Option<EventCallbackFn>,
    pub self_cb: Option<SelfCallbackFn>,
    pub ev_finalize: Option<EventFinalizeFn>,
    pub cb_finalize: Option<SelfCallbackFn>,
}

/// `struct event_callback` (40 bytes). Also used bare for deferred callbacks.
#[repr(C)]
pub struct EventCallback {
    pub active_next: *mut EventCallback,
    pub active_prev: *mut *mut EventCallback,
    pub flags: u16,
    pub pri: u8,
    pub closure: u8,
    pub cb: CallbackUnion,
    pub arg: *mut c_void,
}

/// The signal half of the `ev_` union.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SignalPart {
    pub ncalls: c_short,
    pub pncalls: *mut c_short,
}

/// `ev_.ev_io.ev_timeout` (persistent events' relative timeout) or the signal counters.
#[repr(C)]
#[derive(Clone, Copy)]
pub union EvUnion {
    pub io_timeout: timeval,
    pub sig: SignalPart,
}

/// `struct event` (128 bytes).
#[repr(C)]
pub struct Event {
    pub cb: EventCallback,
    /// `ev_timeout_pos`: libevent keeps `min_heap_idx` (int) at the start of this union, and
    /// so do we (the rest of the union is unused).
    pub heap_idx: c_int,
    /// The rest of that union: `[0]` holds our own per-event bits (`EV_FRESH_ASSIGN`).
    pub _pos_spare: [u32; 3],
    pub fd: c_int,
    pub base: *mut crate::core::base::EventBase,
    /// `ev_io_next` / `ev_signal_next`: per-fd (per-signal) list, newest first.
    pub io_next: *mut Event,
    pub io_prev: *mut *mut Event,
    pub u: EvUnion,
    pub events: c_short,
    pub res: c_short,
    /// Absolute deadline on the base's monotonic clock while EVLIST_TIMEOUT is set.
    pub timeout: timeval,
}

const _: () = {
    assert!(std::mem::size_of::<EventCallback>() == 40);
    assert!(std::mem::size_of::<Event>() == 128);
    assert!(std::mem::offset_of!(Event, heap_idx) == 40);
    assert!(std::mem::offset_of!(Event, fd) == 56);
    assert!(std::mem::offset_of!(Event, base) == 64);
    assert!(std::mem::offset_of!(Event, io_next) == 72);
    assert!(std::mem::offset_of!(Event, u) == 88);
    assert!(std::mem::offset_of!(Event, events) == 104);
    assert!(std::mem::offset_of!(Event, res) == 106);
    assert!(std::mem::offset_of!(Event, timeout) == 112);
    assert!(std::mem::offset_of!(EventCallback, flags) == 16);
    assert!(std::mem::offset_of!(EventCallback, pri) == 18);
    assert!(std::mem::offset_of!(EventCallback, closure) == 19);
    assert!(std::mem::offset_of!(EventCallback, cb) == 24);
    assert!(std::mem::offset_of!(EventCallback, arg) == 32);
};

impl EventCallback {
    pub const fn zeroed() -> Self {
        EventCallback {
            active_next: ptr::null_mut(),
            active_prev: ptr::null_mut(),
            flags: 0,
            pri: 0,
            closure: 0,
            cb: CallbackUnion { event: None },
            arg: ptr::null_mut(),
        }
    }
}

impl Event {
    pub fn zeroed() -> Self {
        // SAFETY: Event is plain old data; all-zero is a valid (unassigned) value.
        unsafe { std::mem::zeroed() }
    }
}

/// An `Event` pointer seen through its embedded `EventCallback`: valid because `cb` is the
/// first field and the struct is repr(C).
#[inline]
pub fn as_callback(ev: *mut Event) -> *mut EventCallback {
    ev as *mut EventCallback
}

#[inline]
pub fn as_event(cb: *mut EventCallback) -> *mut Event {
    cb as *mut Event
}
