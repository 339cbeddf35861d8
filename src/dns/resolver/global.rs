//! The global evdns base of `dns_compat.h` (`evdns_init`, `evdns_resolve_ipv4` …).
//!
//! As in 2.1.12: evdns_init makes a new one (reading /etc/resolv.conf) each time; adding a
//! name server, setting an option or parsing a resolv.conf through the compat functions
//! makes an empty one on the current event base when there is none; evdns_shutdown frees
//! it and forgets the evdns log function. Where 2.1.12 would dereference a missing global
//! base (counting, searching, resolving), we answer 0/-1 or do nothing.

use super::base::EvdnsBase;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};

static CURRENT: AtomicPtr<EvdnsBase> = AtomicPtr::new(ptr::null_mut());

pub fn current() -> *const EvdnsBase {
    CURRENT.load(Ordering::Acquire)
}

pub fn set(b: *mut EvdnsBase) {
    CURRENT.store(b, Ordering::Release);
}

/// The global base, made empty (`evdns_base_new(NULL, 0)`) when there is none.
pub fn current_or_new() -> *const EvdnsBase {
    let b = current();
    if !b.is_null() {
        return b;
    }
    // SAFETY: NULL is "the current event base"; no flags.
    let b = unsafe { super::api::base_new(ptr::null_mut(), 0) };
    set(b);
    b
}

/// Forget `b` if it is the global base (it is being freed).
pub fn forget(b: *const EvdnsBase) {
    let _ = CURRENT.compare_exchange(b as *mut EvdnsBase, ptr::null_mut(), Ordering::AcqRel, Ordering::Acquire);
}
