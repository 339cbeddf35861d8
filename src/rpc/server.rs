//! The server side: `struct evrpc_base` on an evhttp. Each registered RPC is served at
//! "/.rpc.<name>"; a POST body is decoded into a fresh request object with the program's
//! generated functions, the program's handler fills in the reply and calls
//! `evrpc_request_done`, and the encoded reply goes back as "200 OK". Whatever cannot be
//! served (not a POST, an empty or undecodable body, an incomplete reply, a hook that aborts)
//! is answered "503 Service Unavailable", as libevent does.

use super::hooks::{self, Direction, HookSet, Verdict};
use crate::buffer::{api as buf, Evbuffer};
use crate::core::mem;
use crate::http::message;
use crate::http::request::{self as rq, RequestC};
use crate::http::server::Http;
use libc::{c_char, c_int, c_void};
use std::ptr;

pub type NewFn = unsafe extern "C" fn(*mut c_void) -> *mut c_void;
pub type DropFn = unsafe extern "C" fn(*mut c_void);
pub type UnmarshalFn = unsafe extern "C" fn(*mut c_void, *mut Evbuffer) -> c_int;
pub type CompleteFn = unsafe extern "C" fn(*mut c_void) -> c_int;
pub type MarshalFn = unsafe extern "C" fn(*mut Evbuffer, *mut c_void);
pub type HandlerFn = unsafe extern "C" fn(*mut ReqGeneric, *mut c_void);

const HTTP_OK: c_int = 200;
const HTTP_SERVUNAVAIL: c_int = 503;

/// `struct evrpc` (event2/rpc_struct.h): the generated code and programs read and write it.
#[repr(C)]
pub struct Evrpc {
    pub tqe_next: *mut Evrpc,
    pub tqe_prev: *mut *mut Evrpc,
    pub uri: *const c_char,
    pub request_new: Option<NewFn>,
    pub request_new_arg: *mut c_void,
    pub request_free: Option<DropFn>,
    pub request_unmarshal: Option<UnmarshalFn>,
    pub reply_new: Option<NewFn>,
    pub reply_new_arg: *mut c_void,
    pub reply_free: Option<DropFn>,
    pub reply_complete: Option<CompleteFn>,
    pub reply_marshal: Option<MarshalFn>,
    pub cb: Option<HandlerFn>,
    pub cb_arg: *mut c_void,
    pub base: *mut EvrpcBase,
}

const _: () = assert!(std::mem::size_of::<Evrpc>() == 120);

/// `struct evrpc_req_generic`: the layout `EVRPC_STRUCT(name)` declares in the program.
#[repr(C)]
pub struct ReqGeneric {
    pub hook_meta: *mut hooks::HookMeta,
    pub request: *mut c_void,
    pub reply: *mut c_void,
    pub rpc: *mut Evrpc,
    pub http_req: *mut RequestC,
    pub rpc_data: *mut Evbuffer,
}

/// `struct evrpc_base`.
#[repr(C)]
pub struct EvrpcBase {
    /// First: the hook functions take a base or a pool as `void *`.
    pub hooks: HookSet,
    pub http: *mut Http,
    pub rpcs: Vec<*mut Evrpc>,
}

/// The functions `evrpc_register_generic` takes, as one value.
pub struct Generic {
    pub cb: Option<HandlerFn>,
    pub cb_arg: *mut c_void,
    pub req_new: Option<NewFn>,
    pub req_new_arg: *mut c_void,
    pub req_free: Option<DropFn>,
    pub req_unmarshal: Option<UnmarshalFn>,
    pub rpl_new: Option<NewFn>,
    pub rpl_new_arg: *mut c_void,
    pub rpl_free: Option<DropFn>,
    pub rpl_complete: Option<CompleteFn>,
    pub rpl_marshal: Option<MarshalFn>,
}

/// evrpc_init
pub fn init(http: *mut Http) -> *mut EvrpcBase {
    Box::into_raw(Box::new(EvrpcBase { hooks: HookSet::default(), http, rpcs: Vec::new() }))
}

/// evrpc_free: unregister everything; paused requests are forgotten.
///
/// # Safety
/// Module contract; `base` is not used afterwards.
pub unsafe fn free(base: *mut EvrpcBase) {
    // SAFETY: base is live (contract); each registered RPC is live until unregistered.
    unsafe {
        while let Some(&rpc) = (*base).rpcs.first() {
            let name = super::cstr((*rpc).uri).to_vec();
            if !unregister(base, &name) {
                (*base).rpcs.remove(0);
            }
        }
        (*base).hooks.take_paused();
        drop(Box::from_raw(base));
    }
}

/// evrpc_register_rpc: serve `rpc` (whose `uri` holds the name) on the base's server.
///
/// # Safety
/// Module contract; `rpc` is a filled-in `struct evrpc` from the program's allocator (it is
/// freed when unregistered, as libevent does), `rpc.uri` likewise.
pub unsafe fn register(base: *mut EvrpcBase, rpc: *mut Evrpc, cb: Option<HandlerFn>, cb_arg: *mut c_void) {
    // SAFETY: base and rpc are live (contract); the server is the program's live evhttp.
    unsafe {
        (*rpc).base = base;
        (*rpc).cb = cb;
        (*rpc).cb_arg = cb_arg;
        (*base).rpcs.push(rpc);
        let uri = super::uri_of(super::cstr((*rpc).uri));
        if let Some(http) = (*base).http.as_mut() {
            http.set_cb(&uri, request_cb, rpc as *mut c_void);
        }
    }
}

/// evrpc_register_generic: a `struct evrpc` made here from the generated functions.
///
/// # Safety
/// Module contract.
pub unsafe fn register_generic(base: *mut EvrpcBase, name: &[u8], g: Generic) -> bool {
    let uri = mem::strdup_bytes(name);
    if uri.is_null() {
        return false;
    }
    let rpc = Evrpc {
        tqe_next: ptr::null_mut(),
        tqe_prev: ptr::null_mut(),
        uri,
        request_new: g.req_new,
        request_new_arg: g.req_new_arg,
        request_free: g.req_free,
        request_unmarshal: g.req_unmarshal,
        reply_new: g.rpl_new,
        reply_new_arg: g.rpl_new_arg,
        reply_free: g.rpl_free,
        reply_complete: g.rpl_complete,
        reply_marshal: g.rpl_marshal,
        cb: None,
        cb_arg: ptr::null_mut(),
        base: ptr::null_mut(),
    };
    let Some(p) = mem::new_object(rpc) else {
        // SAFETY: ours, from strdup_bytes.
        unsafe { mem::free(uri as *mut c_void) };
        return false;
    };
    // SAFETY: p is a complete struct evrpc in the program's allocator.
    unsafe { register(base, p, g.cb, g.cb_arg) };
    true
}

/// evrpc_unregister_rpc: false when no RPC of that name is registered.
///
/// # Safety
/// Module contract.
pub unsafe fn unregister(base: *mut EvrpcBase, name: &[u8]) -> bool {
    // SAFETY: base and its registered RPCs are live (contract); the RPC leaves the list before
    // it is freed.
    unsafe {
        let rpcs = &mut (*base).rpcs;
        let Some(i) = rpcs.iter().position(|&r| super::cstr((*r).uri) == name) else { return false };
        let rpc = rpcs.remove(i);
        if let Some(http) = (*base).http.as_mut() {
            http.del_cb(&super::uri_of(name));
        }
        mem::free((*rpc).uri as *mut c_void);
        mem::free(rpc as *mut c_void);
    }
    true
}

/// Answer 503 and forget the request state.
///
/// # Safety
/// Module contract; `state` is NULL or live and not used afterwards; `req` is live.
unsafe fn fail(state: *mut ReqGeneric, req: *mut RequestC) {
    // SAFETY: per the contract.
    unsafe {
        free_state(state);
        message::send_error(req, HTTP_SERVUNAVAIL, ptr::null());
    }
}

/// Release a request state and the objects it holds.
///
/// # Safety
/// `state` is NULL or a live state, not used afterwards.
unsafe fn free_state(state: *mut ReqGeneric) {
    // SAFETY: per the contract; the objects were made by the RPC's own functions.
    unsafe {
        let Some(s) = state.as_mut() else { return };
        hooks::free_meta(s.hook_meta);
        let rpc = &*s.rpc;
        if let (false, Some(f)) = (s.request.is_null(), rpc.request_free) {
            f(s.request);
        }
        if let (false, Some(f)) = (s.reply.is_null(), rpc.reply_free) {
            f(s.reply);
        }
        if !s.rpc_data.is_null() {
            buf::free(s.rpc_data);
        }
        mem::free_object(state);
    }
}

/// The evhttp callback of every registered RPC.
unsafe extern "C" fn request_cb(req: *mut RequestC, arg: *mut c_void) {
    let rpc = arg as *mut Evrpc;
    // SAFETY: the server calls us with a live request and the argument we registered, a live
    // RPC; the state is ours until handed to the program.
    unsafe {
        if (*req).type_ != rq::REQ_POST || buf::length((*req).input_buffer) == 0 {
            return fail(ptr::null_mut(), req);
        }
        let state = ReqGeneric {
            hook_meta: ptr::null_mut(),
            request: ptr::null_mut(),
            reply: ptr::null_mut(),
            rpc,
            http_req: req,
            rpc_data: ptr::null_mut(),
        };
        let Some(state) = mem::new_object(state) else { return fail(ptr::null_mut(), req) };
        let base = (*rpc).base;
        if (*base).hooks.has(Direction::Input) {
            let ctx = state as *mut c_void;
            hooks::associate(ctx, (*req).evcon);
            match hooks::run(&mut (*base).hooks, Direction::Input, ctx, req, (*req).input_buffer) {
                Verdict::Terminate => return fail(state, req),
                Verdict::Pause => return hooks::pause(&mut (*base).hooks, ctx, after_input),
                Verdict::Continue => {}
            }
        }
        after_input(state as *mut c_void, Verdict::Continue);
    }
}

/// The request passed its input hooks: decode it, make the reply, call the handler.
///
/// # Safety
/// `ctx` is a live request state.
unsafe fn after_input(ctx: *mut c_void, v: Verdict) {
    let state = ctx as *mut ReqGeneric;
    // SAFETY: a live state (contract) of a live RPC; the handler gets it last.
    unsafe {
        let req = (*state).http_req;
        if v == Verdict::Terminate {
            return fail(state, req);
        }
        let rpc = &*(*state).rpc;
        let (Some(req_new), Some(unmarshal), Some(rpl_new)) = (rpc.request_new, rpc.request_unmarshal, rpc.reply_new) else {
            return fail(state, req);
        };
        (*state).request = req_new(rpc.request_new_arg);
        if (*state).request.is_null() || unmarshal((*state).request, (*req).input_buffer) == -1 {
            return fail(state, req);
        }
        (*state).reply = rpl_new(rpc.reply_new_arg);
        if (*state).reply.is_null() {
            return fail(state, req);
        }
        if let Some(cb) = rpc.cb {
            cb(state, rpc.cb_arg);
        }
    }
}

/// evrpc_request_done: encode the reply, run the output hooks, send it.
///
/// # Safety
/// `state` is a live request state the handler got, not used afterwards.
pub unsafe fn request_done(state: *mut ReqGeneric) {
    // SAFETY: a live state (contract) of a live RPC on a live base.
    unsafe {
        let req = (*state).http_req;
        let rpc = &*(*state).rpc;
        let complete = rpc.reply_complete.map_or(0, |f| f((*state).reply));
        if complete == -1 {
            return fail(state, req);
        }
        let data = buf::new();
        if data.is_null() {
            return fail(state, req);
        }
        (*state).rpc_data = data;
        if let Some(f) = rpc.reply_marshal {
            f(data, (*state).reply);
        }
        let base = rpc.base;
        if (*base).hooks.has(Direction::Output) {
            let ctx = state as *mut c_void;
            hooks::associate(ctx, (*req).evcon);
            match hooks::run(&mut (*base).hooks, Direction::Output, ctx, req, data) {
                Verdict::Terminate => return fail(state, req),
                Verdict::Pause => return hooks::pause(&mut (*base).hooks, ctx, after_output),
                Verdict::Continue => {}
            }
        }
        after_output(state as *mut c_void, Verdict::Continue);
    }
}

/// The reply passed its output hooks: send it.
///
/// # Safety
/// `ctx` is a live request state whose reply is encoded.
unsafe fn after_output(ctx: *mut c_void, v: Verdict) {
    let state = ctx as *mut ReqGeneric;
    // SAFETY: a live state (contract); the request is live until the reply is sent.
    unsafe {
        let req = (*state).http_req;
        if v == Verdict::Terminate {
            return fail(state, req);
        }
        let oh = (*req).output_headers;
        if rq::header(oh, "Content-Type").is_none() {
            rq::add_header(oh, "Content-Type", b"application/octet-stream");
        }
        message::send_reply(req, HTTP_OK, c"OK".as_ptr(), (*state).rpc_data);
        free_state(state);
    }
}
