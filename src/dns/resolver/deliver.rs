//! Results reach the program from the event loop: a finished lookup's result is queued as
//! a deferred callback on the event base (at the base's middle priority, as 2.1.12 queues
//! it) and run there, after the resolver's lock is gone. The queued record owns the
//! lookup's handle, so `struct evdns_request *` stays valid until its callback has run, and
//! a reference to the evdns base, so a handle may still be looked at after evdns_base_free.

use super::base::EvdnsBase;
use super::errors::DNS_ERR_NONE;
use super::getaddrinfo;
use super::lookup::{Lookup, Notify, QTYPE_A, QTYPE_AAAA, QTYPE_PTR};
use super::reply::ReplyData;
use crate::core::base::EventBase;
use crate::core::event::EventCallback;
use crate::core::{api, deferred};
use libc::{c_char, c_int, c_void};
use std::ffi::CString;

/// DNS_IPv4_A, DNS_PTR, DNS_IPv6_AAAA: the `type` argument of a result callback.
pub const DNS_IPV4_A: c_char = 1;
pub const DNS_PTR: c_char = 2;
pub const DNS_IPV6_AAAA: c_char = 3;

/// What a finished lookup reports.
#[derive(Debug, Default)]
pub struct Outcome {
    pub result: c_int,
    pub qtype: u16,
    pub ttl: u32,
    /// 4 or 16 bytes per address.
    pub addrs: Vec<u8>,
    pub ptr: Option<CString>,
    /// The canonical name seen in the reply, for evdns_getaddrinfo.
    pub cname: Option<Vec<u8>>,
}

/// The text up to its first NUL, as a C string would hold it.
fn c_text(b: Vec<u8>) -> CString {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    CString::new(&b[..end]).unwrap_or_default()
}

impl Outcome {
    pub fn answer(qtype: u16, d: ReplyData) -> Outcome {
        Outcome { result: DNS_ERR_NONE, qtype, ttl: d.ttl, addrs: d.addrs, ptr: d.ptr.map(c_text), cname: d.cname }
    }
    pub fn error(err: c_int, ttl: u32, cname: Option<Vec<u8>>) -> Outcome {
        Outcome { result: err, ttl, cname, ..Default::default() }
    }
    /// Addresses in the answer.
    pub fn count(&self) -> usize {
        match self.qtype {
            QTYPE_A => self.addrs.len() / 4,
            QTYPE_AAAA => self.addrs.len() / 16,
            _ => 0,
        }
    }
}

/// The queued record; the loop hands back a pointer to `cb`, its first field.
#[repr(C)]
struct Delivery {
    cb: EventCallback,
    base: *const EvdnsBase,
    lookup: Box<Lookup>,
    outcome: Outcome,
}

/// Queue `lookup`'s result on `event_base` (NULL: the current base).
///
/// # Safety
/// `base` is the live base the lookup belonged to, locked by the caller; `event_base` is
/// NULL or a live event base.
pub unsafe fn schedule(event_base: *mut EventBase, base: *const EvdnsBase, lookup: Box<Lookup>, outcome: Outcome) {
    // SAFETY: base is live (contract); the record holds a reference from here.
    unsafe { (*base).add_ref() };
    let d = Box::into_raw(Box::new(Delivery { cb: EventCallback::zeroed(), base, lookup, outcome }));
    // SAFETY: event_base is NULL (answered with None) or live (contract).
    let pri = unsafe { api::with_base(event_base, |b| b.npriorities() / 2) }.unwrap_or(0).clamp(0, 255) as u8;
    // SAFETY: the record stays allocated until `run` (or forever if the loop never runs it:
    // the event base then owns a pointer to it, as it does to libevent's).
    unsafe {
        deferred::init(&mut (*d).cb, pri, Some(run), d as *mut c_void);
        deferred::schedule(event_base, &mut (*d).cb);
    }
}

unsafe extern "C" fn run(_cb: *mut EventCallback, arg: *mut c_void) {
    // SAFETY: arg is the record `schedule` leaked; it runs once.
    let d = unsafe { Box::from_raw(arg as *mut Delivery) };
    let Delivery { base, lookup, outcome, .. } = *d;
    match lookup.notify {
        Notify::User { cb, arg } => {
            if let Some(cb) = cb {
                // SAFETY: the program's callback with its own argument; the data lives for
                // the call.
                unsafe { call_user(cb, arg, &outcome) };
            }
        }
        Notify::Gai { req, v6 } => {
            // SAFETY: an evdns_getaddrinfo request stays allocated while one of its lookups
            // has a result on the way.
            unsafe { getaddrinfo::on_result(req, v6, outcome) };
        }
        Notify::Probe(_) => {}
    }
    drop(lookup);
    // SAFETY: the reference taken in `schedule`.
    unsafe { EvdnsBase::release(base) };
}

/// The program's `evdns_callback_type` with 2.1.12's arguments: addresses as an array of
/// 4/16-byte items, a PTR answer as a `char **`, errors with type 0, no data and the TTL of
/// the negative answer.
///
/// # Safety
/// `cb` is the program's callback; it gets `arg` back.
unsafe fn call_user(cb: super::lookup::ResolveCallback, arg: *mut c_void, o: &Outcome) {
    let ttl = o.ttl as c_int;
    // SAFETY (all calls): the pointers handed over point into `o`, alive during the call.
    unsafe {
        if o.result != DNS_ERR_NONE {
            cb(o.result, 0, 0, ttl, std::ptr::null_mut(), arg);
            return;
        }
        match o.qtype {
            QTYPE_A => cb(0, DNS_IPV4_A, o.count() as c_int, ttl, o.addrs.as_ptr() as *mut c_void, arg),
            QTYPE_AAAA => cb(0, DNS_IPV6_AAAA, o.count() as c_int, ttl, o.addrs.as_ptr() as *mut c_void, arg),
            QTYPE_PTR => {
                let name = o.ptr.as_ref().map_or(c"".as_ptr(), |n| n.as_ptr());
                let mut slot: *const c_char = name;
                cb(0, DNS_PTR, 1, ttl, &mut slot as *mut *const c_char as *mut c_void, arg)
            }
            _ => cb(o.result, 0, 0, ttl, std::ptr::null_mut(), arg),
        }
    }
}
