//! Process-wide state of the 1.4 compatibility API: the "current base" that event_init sets
//! and event_set/event_dispatch use. Exported under libevent's internal name so libevent's
//! own test programs (which read and write it directly) see the same object; an `AtomicPtr`
//! has the layout of the plain `struct event_base *` they declare.

use super::base::EventBase;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

#[no_mangle]
#[used]
pub static event_global_current_base_: AtomicPtr<EventBase> = AtomicPtr::new(ptr::null_mut());

pub fn current_base() -> *mut EventBase {
    event_global_current_base_.load(Ordering::Acquire)
}

pub fn set_current_base(b: *mut EventBase) {
    event_global_current_base_.store(b, Ordering::Release)
}
