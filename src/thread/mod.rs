//! Threading: libevent's lock/condition/id callback model. Until a program turns threading
//! on (evthread_use_pthreads or its own callbacks) bases have no lock and pay nothing.
//!
//! This first version carries the per-base hooks the core calls at the right places; the
//! lock, the eventfd wake-up and cross-thread waiting fill them in.

use crate::core::base::EventBase;

pub fn enabled() -> bool {
    false
}

/// Per-base threading state.
#[derive(Default)]
pub struct BaseThreading {}

impl BaseThreading {
    #[inline]
    pub fn lock(&self) {}
    #[inline]
    pub fn unlock(&self) {}
    /// Wake the loop if another thread changed what it waits for.
    #[inline]
    pub fn notify_if_needed(&self, _base: &EventBase) {}
    #[inline]
    pub fn set_owner_current(&mut self) {}
    #[inline]
    pub fn clear_owner(&mut self) {}
    #[inline]
    pub fn before_poll(&mut self) {}
    #[inline]
    pub fn after_poll(&mut self) {}
    #[inline]
    pub fn callback_done(&mut self) {}
    pub fn teardown(&mut self) {}
}

pub fn make_base_notifiable(_base: *mut EventBase) -> i32 {
    0
}

/// After fork: a fresh wake-up fd for a notifiable base.
pub fn reinit_base(_base: *mut EventBase) -> i32 {
    0
}
