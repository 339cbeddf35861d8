//! The client side: `struct evrpc_pool`, a set of HTTP connections to one server. A request
//! is encoded with the program's generated function, runs the pool's output hooks and is sent
//! as a POST to "/.rpc.<name>" on the first connection with nothing queued; when every
//! connection is busy it waits in the pool's queue until one finishes. The reply runs the
//! input hooks and is decoded into the program's reply object before its callback hears the
//! outcome (`struct evrpc_status`). A pool timeout fails the connection's request, which the
//! callback sees as EVRPC_STATUS_ERR_TIMEOUT (like every failure without a response).

use super::hooks::{self, Direction, HookSet, Verdict};
use super::server::{MarshalFn, UnmarshalFn};
use super::Status;
use crate::core::api as ev;
use crate::core::base::EventBase;
use crate::core::event::Event;
use crate::core::mem;
use crate::http::client;
use crate::http::connection::{self as conn, Connection};
use crate::http::request::{self as rq, RequestC};
use libc::{c_int, c_short, c_void, timeval};
use std::collections::VecDeque;
use std::ffi::CString;
use std::ptr;

pub type ReplyCb = unsafe extern "C" fn(*mut Status, *mut c_void, *mut c_void, *mut c_void);
pub type ClearFn = unsafe extern "C" fn(*mut c_void);

/// `struct evrpc_pool`.
#[repr(C)]
pub struct Pool {
    /// First: the hook functions take a base or a pool as `void *`.
    pub hooks: HookSet,
    pub base: *mut EventBase,
    pub connections: Vec<*mut Connection>,
    /// Seconds; -1 for none.
    pub timeout: c_int,
    /// Requests waiting for a free connection.
    pub queue: VecDeque<*mut Wrapper>,
    /// Requests handed to a connection, until their reply is in.
    pub in_flight: Vec<*mut Wrapper>,
}

/// `struct evrpc_request_wrapper`: one client request.
#[repr(C)]
pub struct Wrapper {
    /// First: the meta data functions take a server or client context as `void *`.
    pub hook_meta: *mut hooks::HookMeta,
    pub pool: *mut Pool,
    pub evcon: *mut Connection,
    pub req: *mut RequestC,
    pub timer: *mut Event,
    pub name: CString,
    pub cb: Option<ReplyCb>,
    pub cb_arg: *mut c_void,
    pub request: *mut c_void,
    pub reply: *mut c_void,
    pub request_marshal: Option<MarshalFn>,
    pub reply_clear: Option<ClearFn>,
    pub reply_unmarshal: Option<UnmarshalFn>,
}

/// What `evrpc_make_request_ctx` takes besides the pool.
pub struct Call {
    pub request: *mut c_void,
    pub reply: *mut c_void,
    pub request_marshal: Option<MarshalFn>,
    pub reply_clear: Option<ClearFn>,
    pub reply_unmarshal: Option<UnmarshalFn>,
    pub cb: Option<ReplyCb>,
    pub cb_arg: *mut c_void,
}

/// evrpc_pool_new: `base` NULL means the connections' own bases.
pub fn new(base: *mut EventBase) -> *mut Pool {
    Box::into_raw(Box::new(Pool {
        hooks: HookSet::default(),
        base,
        connections: Vec::new(),
        timeout: -1,
        queue: VecDeque::new(),
        in_flight: Vec::new(),
    }))
}

/// evrpc_pool_free: queued, paused and in-flight requests are dropped without their
/// callbacks (as in libevent), the connections freed. As in libevent, a pool must not be freed
/// from one of its requests' callbacks.
///
/// # Safety
/// Module contract; `pool` is not used afterwards.
pub unsafe fn free(pool: *mut Pool) {
    // SAFETY: pool is live (contract), and so is every request and connection it lists.
    unsafe {
        let p = &mut *pool;
        let mut doomed: Vec<*mut Wrapper> = p.queue.drain(..).collect();
        doomed.extend(p.hooks.take_paused().into_iter().map(|c| c as *mut Wrapper));
        doomed.append(&mut p.in_flight);
        doomed.sort();
        doomed.dedup();
        // Their callbacks are not called. An HTTP request still on its connection's queue goes
        // with the connection; one paused before it was sent, or a response held through a
        // paused input hook, is ours to free.
        for w in doomed {
            let (req, evcon) = ((*w).req, (*w).evcon);
            if !req.is_null() && (evcon.is_null() || !(*evcon).requests.contains(&req)) {
                rq::free(req);
            }
            free_wrapper(w);
        }
        for c in std::mem::take(&mut p.connections) {
            conn::free(c);
        }
        drop(Box::from_raw(pool));
    }
}

fn tv_of_secs(secs: c_int) -> Option<timeval> {
    (secs != -1).then_some(timeval { tv_sec: secs as libc::time_t, tv_usec: 0 })
}

/// evrpc_pool_add_connection: the connection joins the pool (moved to the pool's base, given
/// the pool's timeout unless it has its own) and takes a waiting request if there is one.
///
/// # Safety
/// Module contract; `evcon` is a live outgoing connection.
pub unsafe fn add_connection(pool: *mut Pool, evcon: *mut Connection) {
    // SAFETY: pool and evcon are live (contract).
    unsafe {
        (*pool).connections.push(evcon);
        if !(*pool).base.is_null() {
            conn::set_base(evcon, (*pool).base);
        }
        if (*evcon).timeout.is_none() {
            conn::set_timeout(evcon, tv_of_secs((*pool).timeout));
        }
        if let Some(w) = (*pool).queue.pop_front() {
            schedule(evcon, w);
        }
    }
}

/// evrpc_pool_remove_connection
///
/// # Safety
/// Module contract.
pub unsafe fn remove_connection(pool: *mut Pool, evcon: *mut Connection) {
    // SAFETY: pool is live (contract).
    unsafe { (*pool).connections.retain(|&c| c != evcon) };
}

/// evrpc_pool_set_timeout: for the pool's requests and each of its connections.
///
/// # Safety
/// Module contract.
pub unsafe fn set_timeout(pool: *mut Pool, secs: c_int) {
    // SAFETY: pool and its connections are live (contract).
    unsafe {
        for &c in &(*pool).connections {
            conn::set_timeout(c, tv_of_secs(secs));
        }
        (*pool).timeout = secs;
    }
}

/// evrpc_make_request_ctx: a request not sent yet; None when memory runs out.
///
/// # Safety
/// Module contract.
pub unsafe fn make_ctx(pool: *mut Pool, name: &[u8], call: Call) -> Option<*mut Wrapper> {
    let w = Wrapper {
        hook_meta: ptr::null_mut(),
        pool,
        evcon: ptr::null_mut(),
        req: ptr::null_mut(),
        timer: ptr::null_mut(),
        name: CString::new(name).ok()?,
        cb: call.cb,
        cb_arg: call.cb_arg,
        request: call.request,
        reply: call.reply,
        request_marshal: call.request_marshal,
        reply_clear: call.reply_clear,
        reply_unmarshal: call.reply_unmarshal,
    };
    mem::new_object(w)
}

/// Release a request context (not its program-owned request and reply).
///
/// # Safety
/// `w` is a live context no list holds any more, not used afterwards.
unsafe fn free_wrapper(w: *mut Wrapper) {
    // SAFETY: per the contract; the timer is ours.
    unsafe {
        hooks::free_meta((*w).hook_meta);
        ev::free((*w).timer);
        mem::free_object(w);
    }
}

/// evrpc_make_request: queue the request and send it if a connection is free.
///
/// # Safety
/// Module contract; `w` came from [`make_ctx`] and is handed over.
pub unsafe fn make_request(w: *mut Wrapper) -> c_int {
    // SAFETY: w and its pool are live (contract).
    unsafe {
        let pool = (*w).pool;
        (*pool).queue.push_back(w);
        run_queue(pool);
    }
    0
}

/// The first connection with nothing queued on it.
///
/// # Safety
/// Module contract.
unsafe fn free_connection(pool: *mut Pool) -> Option<*mut Connection> {
    // SAFETY: pool and its connections are live (contract).
    unsafe { (*pool).connections.iter().copied().find(|&c| (*c).requests.is_empty()) }
}

/// Send the first waiting request if a connection is free.
///
/// # Safety
/// Module contract.
unsafe fn run_queue(pool: *mut Pool) {
    // SAFETY: pool is live (contract).
    unsafe {
        if (*pool).queue.is_empty() {
            return;
        }
        let Some(evcon) = free_connection(pool) else { return };
        if let Some(w) = (*pool).queue.pop_front() {
            schedule(evcon, w);
        }
    }
}

/// The request could not be sent: its callback hears EVRPC_STATUS_ERR_UNSTARTED.
///
/// # Safety
/// `w` is live and in no list; it is freed here.
unsafe fn unstarted(w: *mut Wrapper) {
    // SAFETY: per the contract; the callback is the program's, with its own objects.
    unsafe {
        let req = (*w).req;
        if !req.is_null() {
            rq::free(req);
        }
        let mut status = Status { error: super::STATUS_ERR_UNSTARTED, http_req: ptr::null_mut() };
        if let Some(cb) = (*w).cb {
            cb(&mut status, (*w).request, (*w).reply, (*w).cb_arg);
        }
        free_wrapper(w);
    }
}

/// Encode the request on `evcon` and run the output hooks.
///
/// # Safety
/// Module contract; `w` is live and in no list.
unsafe fn schedule(evcon: *mut Connection, w: *mut Wrapper) {
    // SAFETY: w, its pool and evcon are live (contract).
    unsafe {
        let pool = (*w).pool;
        let req = rq::new(Some(reply_cb), w as *mut c_void);
        if req.is_null() {
            return unstarted(w);
        }
        if let Some(f) = (*w).request_marshal {
            f((*req).output_buffer, (*w).request);
        }
        (*w).evcon = evcon;
        (*w).req = req;
        (*pool).in_flight.push(w);
        hooks::associate(w as *mut c_void, evcon);
        if (*pool).hooks.has(Direction::Output) {
            match hooks::run(&mut (*pool).hooks, Direction::Output, w as *mut c_void, req, (*req).output_buffer) {
                Verdict::Terminate => return send(w as *mut c_void, Verdict::Terminate),
                Verdict::Pause => return hooks::pause(&mut (*pool).hooks, w as *mut c_void, send),
                Verdict::Continue => {}
            }
        }
        send(w as *mut c_void, Verdict::Continue);
    }
}

/// Forget an in-flight request in its pool's list.
///
/// # Safety
/// `w` is live.
unsafe fn land(w: *mut Wrapper) {
    // SAFETY: w and its pool are live (contract).
    unsafe { (*(*w).pool).in_flight.retain(|&x| x != w) };
}

/// The request passed its output hooks: start the timer and send it.
///
/// # Safety
/// `ctx` is a live, in-flight request context.
unsafe fn send(ctx: *mut c_void, v: Verdict) {
    let w = ctx as *mut Wrapper;
    // SAFETY: w, its pool, connection and HTTP request are live (contract).
    unsafe {
        if v == Verdict::Terminate {
            land(w);
            return unstarted(w);
        }
        let pool = (*w).pool;
        if (*pool).timeout > 0 && (*w).timer.is_null() {
            // The pool's base; without one, the global base or else the connection's.
            let mut base = ev::or_current((*pool).base);
            if base.is_null() {
                base = (*(*w).evcon).base;
            }
            (*w).timer = ev::new(base, -1, 0, Some(timeout_cb), w as *mut c_void);
        }
        if (*pool).timeout > 0 && !(*w).timer.is_null() {
            let tv = timeval { tv_sec: (*pool).timeout as libc::time_t, tv_usec: 0 };
            ev::add((*w).timer, Some(&tv));
        }
        let uri = super::uri_of((*w).name.as_bytes());
        let req = (*w).req;
        // Marked as the program's during the call, so a refusal leaves it to us to free.
        (*req).flags |= rq::USER_OWNED;
        let r = client::make_request((*w).evcon, req, rq::REQ_POST, uri.as_bytes());
        (*req).flags &= !rq::USER_OWNED;
        if r != 0 {
            stop_timer(w);
            land(w);
            unstarted(w);
        }
    }
}

/// Cancel the request's timeout, if it has one.
///
/// # Safety
/// `w` is live.
unsafe fn stop_timer(w: *mut Wrapper) {
    // SAFETY: w is live (contract) and its timer, when made, is ours.
    unsafe {
        if !(*w).timer.is_null() {
            ev::del((*w).timer);
        }
    }
}

/// The pool's timeout: fail the request's connection.
unsafe extern "C" fn timeout_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let w = arg as *mut Wrapper;
    // SAFETY: the timer is deleted before its context is freed, so w is live and in flight.
    unsafe {
        let evcon = (*w).evcon;
        if !evcon.is_null() {
            conn::fail(evcon, rq::ERR_TIMEOUT);
        }
    }
}

/// The HTTP request's callback: the response (NULL when the request failed).
unsafe extern "C" fn reply_cb(req: *mut RequestC, arg: *mut c_void) {
    let w = arg as *mut Wrapper;
    // SAFETY: the connection calls us once with the context we gave it, which is live.
    unsafe {
        stop_timer(w);
        (*w).req = req;
        if req.is_null() {
            return got_reply(w as *mut c_void, Verdict::Continue);
        }
        let pool = (*w).pool;
        let mut v = Verdict::Continue;
        if (*pool).hooks.has(Direction::Input) {
            hooks::associate(w as *mut c_void, (*w).evcon);
            v = hooks::run(&mut (*pool).hooks, Direction::Input, w as *mut c_void, req, (*req).input_buffer);
            if v == Verdict::Pause {
                // The connection frees the response after this callback unless it is owned.
                (*req).flags |= rq::USER_OWNED;
                return hooks::pause(&mut (*pool).hooks, w as *mut c_void, got_reply);
            }
        }
        got_reply(w as *mut c_void, v);
    }
}

/// Decode the reply and tell the program.
///
/// # Safety
/// `ctx` is a live, in-flight request context whose `req` is the response or NULL.
unsafe fn got_reply(ctx: *mut c_void, v: Verdict) {
    let w = ctx as *mut Wrapper;
    // SAFETY: w and its pool are live (contract). As in libevent, the pool must outlive the
    // callback: the queue is looked at afterwards.
    unsafe {
        let req = (*w).req;
        let pool = (*w).pool;
        land(w);
        let mut status = Status { error: super::STATUS_ERR_NONE, http_req: req };
        let mut ok = false;
        if req.is_null() {
            status.error = super::STATUS_ERR_TIMEOUT;
        } else if v == Verdict::Terminate {
            status.error = super::STATUS_ERR_HOOKABORTED;
        } else {
            ok = (*w).reply_unmarshal.map_or(-1, |f| f((*w).reply, (*req).input_buffer)) != -1;
            if !ok {
                status.error = super::STATUS_ERR_BADPAYLOAD;
            }
        }
        if !ok {
            if let Some(clear) = (*w).reply_clear {
                clear((*w).reply);
            }
        }
        if let Some(cb) = (*w).cb {
            cb(&mut status, (*w).request, (*w).reply, (*w).cb_arg);
        }
        free_wrapper(w);
        if !req.is_null() && (*req).flags & rq::USER_OWNED != 0 {
            rq::free(req);
        }
        run_queue(pool);
    }
}

/// evrpc_request_get_pool / set_pool / set_cb live on the context itself.
///
/// # Safety
/// `w` is a live context.
pub unsafe fn set_cb(w: *mut Wrapper, cb: Option<ReplyCb>, arg: *mut c_void) {
    // SAFETY: per the contract.
    unsafe {
        (*w).cb = cb;
        (*w).cb_arg = arg;
    }
}
