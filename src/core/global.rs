//! Process-wide state of the 1.4 compatibility API: the "current base" that event_init sets
//! and event_set/event_dispatch use. Exported under libevent's internal name so libevent's
//! own test programs (which read it directly) see the same object.

use super::base::EventBase;
use std::ptr;

#[no_mangle]
#[used]
pub static mut event_global_current_base_: *mut EventBase = ptr::null_mut();

pub fn current_base() -> *mut EventBase {
    // SAFETY: a plain pointer-sized read of our exported global (set only by the API thread).
    unsafe { ptr::read_volatile(&raw const event_global_current_base_) }
}

pub fn set_current_base(b: *mut EventBase) {
    // SAFETY: a plain pointer-sized write of our exported global.
    unsafe { ptr::write_volatile(&raw mut event_global_current_base_, b) }
}
