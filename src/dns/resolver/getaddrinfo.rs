//! `evdns_getaddrinfo`: getaddrinfo() answered by the resolver.
//!
//! Answers that need no query (numeric hosts, no host, hosts-file names, errors in the
//! arguments, AI_NUMERICHOST through the C library) reach the callback inside the call,
//! which returns NULL. Otherwise an A and an AAAA lookup start together (one of them when
//! the family is fixed), through the search list; the request returns a handle and the
//! callback runs from the loop. When one family has answered (or failed) the other gets
//! `getaddrinfo-allow-skew` more time, then is cancelled and what arrived is reported.
//! Addresses come IPv4 first; the canonical name (AI_CANONNAME) is the first CNAME target
//! seen, on the first node. Errors: a missing name is EAI_NONAME, anything else
//! EAI_FAIL (EAI_AGAIN if the other family timed out with nothing to report),
//! EAI_CANCEL after evdns_getaddrinfo_cancel; evdns_base_free with fail_requests gives
//! EAI_FAIL.

use super::base::EvdnsBase;
use super::deliver::Outcome;
use super::errors::*;
use super::local_answer::{self, Hints, Local, AI_CANONNAME, AI_NUMERICHOST};
use super::log;
use super::lookup::{Notify, QTYPE_A, QTYPE_AAAA};
use super::sockaddr::SockAddr;
use crate::core::api;
use crate::core::event::Event;
use crate::core::mem;
use crate::util::addrinfo::{self as evutil_ai, EAI_AGAIN, EAI_CANCEL, EAI_FAIL, EAI_NODATA};
use libc::{addrinfo, c_char, c_int, c_short, c_void, timeval};
use std::ptr;

/// `evdns_getaddrinfo_cb`.
pub type GaiCallback = unsafe extern "C" fn(c_int, *mut addrinfo, *mut c_void);

/// `struct evdns_getaddrinfo_request`. Its fields are only touched under the evdns base's
/// lock; it holds a reference to the base.
pub struct GaiRequest {
    base: *const EvdnsBase,
    hints: Hints,
    port: u16,
    /// The lookups still to report (ids in the base).
    v4: Option<u64>,
    v6: Option<u64>,
    /// The skew timer.
    timer: Event,
    user_cb: Option<GaiCallback>,
    user_arg: *mut c_void,
    pending_result: *mut addrinfo,
    pending_error: c_int,
    cname: Option<Vec<u8>>,
    user_canceled: bool,
    /// Both lookups have reported: cancelling is too late.
    done: bool,
}

/// What to do once the lock is gone.
#[derive(Default)]
struct After {
    call: Option<(GaiCallback, *mut c_void, c_int, *mut addrinfo)>,
    free: bool,
}

/// `evdns_getaddrinfo`. `base` may be NULL (the global base of dns_compat.h).
///
/// # Safety
/// `base` is NULL or a live evdns base; `node`/`serv` are NULL or C strings; `hints` is
/// NULL or a readable addrinfo.
pub unsafe fn getaddrinfo(
    base: *const EvdnsBase,
    node: Option<&[u8]>,
    serv: Option<&[u8]>,
    hints_in: *const addrinfo,
    cb: Option<GaiCallback>,
    arg: *mut c_void,
) -> *mut GaiRequest {
    let report = |err: c_int, list: *mut addrinfo| {
        match cb {
            // SAFETY: the program's callback with its own argument.
            Some(cb) => unsafe { cb(err, list, arg) },
            // Nobody to hand the list to.
            // SAFETY: our list, not handed out.
            None => unsafe { evutil_ai::freeaddrinfo(list) },
        }
    };
    let base = if base.is_null() { super::global::current() } else { base };
    if base.is_null() {
        log::log(log::WARN, || "Call to getaddrinfo_async with no evdns_base configured.".to_string());
        report(EAI_FAIL, ptr::null_mut());
        return ptr::null_mut();
    }
    // SAFETY: NULL or readable (contract).
    let caller_hints = unsafe { hints_in.as_ref() };
    if caller_hints.is_some_and(|h| h.ai_flags & AI_NUMERICHOST != 0) {
        // 2.1.12 hands these to evutil_getaddrinfo, i.e. the C library.
        let mut res: *mut addrinfo = ptr::null_mut();
        let n = node.map(|n| std::ffi::CString::new(n).unwrap_or_default());
        let s = serv.map(|s| std::ffi::CString::new(s).unwrap_or_default());
        let sys = evutil_ai::system_hints(caller_hints);
        // SAFETY: C strings or NULL; res is a local.
        let err = unsafe {
            evutil_ai::getaddrinfo(
                n.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                s.as_ref().map_or(ptr::null(), |c| c.as_ptr()),
                &sys,
                &mut res,
            )
        };
        report(err, if err == 0 { res } else { ptr::null_mut() });
        return ptr::null_mut();
    }
    let mut hints = Hints::from_c(caller_hints);
    hints.adjust_for_addrconfig();
    let port = match local_answer::answer_without_dns(node, serv, &mut hints) {
        Local::Answer(err, list) => {
            report(err, list);
            return ptr::null_mut();
        }
        Local::Resolve(port) => port,
    };
    let node = node.unwrap_or_default();
    // SAFETY: base is live (contract).
    let b = unsafe { &*base };
    let mut st = b.lock();
    if let Some(found) = local_answer::from_hosts(&st.hosts, node, &hints, port) {
        drop(st);
        match found {
            Ok(list) => report(0, list),
            Err(e) => report(e, ptr::null_mut()),
        }
        return ptr::null_mut();
    }
    let req = Box::into_raw(Box::new(GaiRequest {
        base,
        hints,
        port,
        v4: None,
        v6: None,
        timer: Event::zeroed(),
        user_cb: cb,
        user_arg: arg,
        pending_result: ptr::null_mut(),
        pending_error: 0,
        cname: None,
        user_canceled: false,
        done: false,
    }));
    b.add_ref();
    let want_cname = hints.flags & AI_CANONNAME != 0;
    let name = String::from_utf8_lossy(node).into_owned();
    for (qtype, v6) in [(QTYPE_A, false), (QTYPE_AAAA, true)] {
        if hints.family == if v6 { libc::AF_INET } else { libc::AF_INET6 } {
            continue;
        }
        log::debug(|| format!("Sending request for {} on ipv{} as {:p}", name, if v6 { 6 } else { 4 }, req));
        let id = st.start_resolve(qtype, node, 0, Notify::Gai { req, v6 });
        if let Some(id) = id {
            if let Some(l) = st.lookups.get_mut(&id) {
                l.want_cname = want_cname;
            }
        }
        // SAFETY: req is ours, under the base lock.
        unsafe {
            if v6 {
                (*req).v6 = id;
            } else {
                (*req).v4 = id;
            }
        }
    }
    let eb = st.loop_base();
    // SAFETY: req is ours (stable address until freed, after its timer is deleted).
    unsafe { api::assign(&mut (*req).timer, eb, -1, 0, Some(skew_expired), req as *mut c_void) };
    // SAFETY: as above.
    let started = unsafe { (*req).v4.is_some() || (*req).v6.is_some() };
    drop(st);
    if started {
        return req;
    }
    // SAFETY: nothing else knows req.
    unsafe { destroy(req) };
    report(EAI_FAIL, ptr::null_mut());
    ptr::null_mut()
}

/// Free a finished request (no lock held).
///
/// # Safety
/// `req` came from [`getaddrinfo`] and nothing refers to it any more.
unsafe fn destroy(req: *mut GaiRequest) {
    // SAFETY: per the contract.
    let g = unsafe { Box::from_raw(req) };
    let mut g = g;
    if !g.timer.base.is_null() {
        // SAFETY: our own timer; any callback of it is the caller, in this thread.
        unsafe { api::del(&mut g.timer) };
    }
    // SAFETY: a list of ours not handed out.
    unsafe { evutil_ai::freeaddrinfo(g.pending_result) };
    // SAFETY: the reference taken at creation.
    unsafe { EvdnsBase::release(g.base) };
}

/// Do what was decided under the lock.
///
/// # Safety
/// `req` is live.
unsafe fn finish(req: *mut GaiRequest, after: After) {
    if let Some((cb, arg, err, list)) = after.call {
        // SAFETY: the program's callback with its own argument.
        unsafe { cb(err, list, arg) };
    }
    if after.free {
        // SAFETY: nothing refers to req any more (both lookups reported).
        unsafe { destroy(req) };
    }
}

impl GaiRequest {
    fn arm_timer(&mut self, skew: std::time::Duration) {
        let tv = timeval { tv_sec: skew.as_secs() as libc::time_t, tv_usec: skew.subsec_micros() as libc::suseconds_t };
        // SAFETY: our own timer, assigned at creation.
        unsafe { api::add(&mut self.timer, Some(&tv)) };
    }

    /// Give the canonical name to the list's first node.
    fn add_cname(&mut self, list: *mut addrinfo) {
        if list.is_null() {
            return;
        }
        if let Some(c) = self.cname.take() {
            // SAFETY: the first node of a list of ours, without a name yet.
            unsafe { (*list).ai_canonname = mem::strdup_bytes(&c) as *mut c_char };
        }
    }

    /// Nodes for one lookup's addresses.
    fn build(&self, v6: bool, o: &Outcome) -> Result<*mut addrinfo, c_int> {
        let width = if v6 { 16 } else { 4 };
        let mut list = ptr::null_mut();
        for a in o.addrs.chunks_exact(width) {
            let sa = if v6 {
                SockAddr::v6(a.try_into().unwrap_or([0; 16]), self.port, 0)
            } else {
                SockAddr::v4(a.try_into().unwrap_or([0; 4]), self.port)
            };
            match local_answer::nodes_for(&sa, &self.hints) {
                // SAFETY: two fresh lists of ours.
                Ok(n) => list = unsafe { local_answer::join(list, n) },
                Err(e) => {
                    // SAFETY: our list, not handed out.
                    unsafe { evutil_ai::freeaddrinfo(list) };
                    return Err(e);
                }
            }
        }
        Ok(list)
    }
}

/// One of the request's lookups finished (run from the loop).
///
/// # Safety
/// `req` is live: it is freed only once both its lookups have reported.
pub unsafe fn on_result(req: *mut GaiRequest, v6: bool, o: Outcome) {
    // SAFETY: per the contract; the request's reference keeps the base allocated.
    let base = unsafe { &*(*req).base };
    let st = base.lock();
    // SAFETY: under the base lock.
    let g = unsafe { &mut *req };
    let other_pending = if v6 { g.v4.is_some() } else { g.v6.is_some() };
    if o.result != DNS_ERR_SHUTDOWN && !other_pending {
        g.done = true;
    }
    if v6 {
        g.v6 = None;
    } else {
        g.v4 = None;
    }
    if g.cname.is_none() {
        g.cname = o.cname.clone();
    }
    let user_canceled = g.user_canceled;
    let mut after = After::default();
    if (o.result == DNS_ERR_CANCEL && !user_canceled) || g.user_cb.is_none() {
        // Cancelled by our own timeout, or already answered: just wait for the other.
        after.free = !other_pending;
    } else {
        let cb = g.user_cb;
        let err = match o.result {
            DNS_ERR_NONE if o.count() == 0 => EAI_NODATA,
            r => to_getaddrinfo_error(r),
        };
        let mut report = |err: c_int, list: *mut addrinfo, g: &mut GaiRequest| {
            after.call = cb.map(|cb| (cb, g.user_arg, err, list));
            g.user_cb = None;
            after.free = true;
        };
        if err != 0 {
            if other_pending {
                if o.result != DNS_ERR_SHUTDOWN {
                    g.arm_timer(st.opts.getaddrinfo_allow_skew);
                }
                g.pending_error = err;
            } else if user_canceled {
                report(EAI_CANCEL, ptr::null_mut(), g);
            } else if !g.pending_result.is_null() {
                let list = std::mem::replace(&mut g.pending_result, ptr::null_mut());
                g.add_cname(list);
                report(0, list, g);
            } else {
                report(err, ptr::null_mut(), g);
            }
        } else if user_canceled {
            if !other_pending {
                report(EAI_CANCEL, ptr::null_mut(), g);
            }
        } else {
            match g.build(v6, &o) {
                Err(e) => {
                    let other = if v6 { g.v4 } else { g.v6 };
                    if let Some(id) = other {
                        // The other lookup's cancellation then finds no callback to call.
                        let mut st = st;
                        st.cancel(id);
                        drop(st);
                        report(e, ptr::null_mut(), g);
                        after.free = !other_pending;
                        // SAFETY: req is live.
                        unsafe { finish(req, after) };
                        return;
                    }
                    report(e, ptr::null_mut(), g);
                }
                Ok(list) => {
                    if other_pending {
                        g.arm_timer(st.opts.getaddrinfo_allow_skew);
                        g.pending_result = list;
                    } else {
                        let pending = std::mem::replace(&mut g.pending_result, ptr::null_mut());
                        // SAFETY: two lists of ours, not handed out, sharing no nodes.
                        let list = unsafe {
                            if v6 {
                                local_answer::join(pending, list)
                            } else {
                                local_answer::join(list, pending)
                            }
                        };
                        g.add_cname(list);
                        report(0, list, g);
                    }
                }
            }
        }
    }
    drop(st);
    // SAFETY: req is live.
    unsafe { finish(req, after) };
}

/// The other family took too long: cancel it and report what we have.
unsafe extern "C" fn skew_expired(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let req = arg as *mut GaiRequest;
    // SAFETY: the timer is deleted before the request is freed; the request's reference
    // keeps the base allocated.
    let base = unsafe { &*(*req).base };
    let mut st = base.lock();
    // SAFETY: under the base lock.
    let g = unsafe { &mut *req };
    let (v4, v6) = (g.v4, g.v6);
    for id in [v4, v6].into_iter().flatten() {
        st.cancel(id);
    }
    let mut after = After::default();
    if let Some(cb) = g.user_cb.take() {
        let (err, list) = if !g.pending_result.is_null() {
            let list = std::mem::replace(&mut g.pending_result, ptr::null_mut());
            g.add_cname(list);
            (0, list)
        } else if g.pending_error != 0 {
            (g.pending_error, ptr::null_mut())
        } else {
            (EAI_AGAIN, ptr::null_mut())
        };
        after.call = Some((cb, g.user_arg, err, list));
    }
    after.free = v4.is_none() && v6.is_none();
    drop(st);
    // SAFETY: req is live.
    unsafe { finish(req, after) };
}

/// `evdns_getaddrinfo_cancel`: the callback comes from the loop with EAI_CANCEL.
///
/// # Safety
/// `req` is a request whose callback has not run.
pub unsafe fn cancel(req: *mut GaiRequest) {
    // SAFETY: per the contract.
    let base = unsafe { &*(*req).base };
    let mut st = base.lock();
    // SAFETY: under the base lock.
    let g = unsafe { &mut *req };
    if g.done {
        return;
    }
    if !g.timer.base.is_null() {
        // SAFETY: our timer; not waiting: its callback re-checks under this lock.
        unsafe { api::del_with(&mut g.timer, api::DelWait::NoBlock) };
    }
    g.user_canceled = true;
    for id in [g.v4, g.v6].into_iter().flatten() {
        st.cancel(id);
    }
}
