//! event2/rpc.h: the C entry points of evrpc. Each checks its pointers (NULL gets -1, NULL or
//! nothing) and calls `crate::rpc`, where servers, pools and hooks live. The generic
//! functions take the program's generated message functions, which the rpc.h macros pass.

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers
#![allow(clippy::too_many_arguments)] // the signatures are libevent's

use crate::core::base::EventBase;
use crate::http::connection::Connection;
use crate::http::server::Http;
use crate::rpc::hooks::{self, Direction, HookCb, HookResult, HookSet, HookType, Verdict};
use crate::rpc::pool::{self, Call, ClearFn, Pool, ReplyCb, Wrapper};
use crate::rpc::server::{
    self, CompleteFn, DropFn, Evrpc, EvrpcBase, Generic, HandlerFn, MarshalFn, NewFn, ReqGeneric, UnmarshalFn,
};
use crate::rpc::{cstr, Status, STATUS_ERR_UNSTARTED};
use libc::{c_char, c_int, c_void, size_t};
use std::ptr;

// ---- server ----

#[no_mangle]
pub unsafe extern "C" fn evrpc_init(http_server: *mut Http) -> *mut EvrpcBase {
    server::init(http_server)
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_free(base: *mut EvrpcBase) {
    if !base.is_null() {
        // SAFETY: a live base, given up here.
        unsafe { server::free(base) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_register_rpc(
    base: *mut EvrpcBase,
    rpc: *mut Evrpc,
    cb: Option<HandlerFn>,
    cb_arg: *mut c_void,
) -> c_int {
    // SAFETY: rpc NULL or the program's struct evrpc.
    if base.is_null() || rpc.is_null() || unsafe { (*rpc).uri.is_null() } {
        return -1;
    }
    // SAFETY: a live base and a filled-in struct evrpc.
    unsafe { server::register(base, rpc, cb, cb_arg) };
    0
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_unregister_rpc(base: *mut EvrpcBase, name: *const c_char) -> c_int {
    if base.is_null() || name.is_null() {
        return -1;
    }
    // SAFETY: a live base; name a C string.
    if unsafe { server::unregister(base, cstr(name)) } {
        0
    } else {
        -1
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_register_generic(
    base: *mut EvrpcBase,
    name: *const c_char,
    callback: Option<HandlerFn>,
    cbarg: *mut c_void,
    req_new: Option<NewFn>,
    req_new_arg: *mut c_void,
    req_free: Option<DropFn>,
    req_unmarshal: Option<UnmarshalFn>,
    rpl_new: Option<NewFn>,
    rpl_new_arg: *mut c_void,
    rpl_free: Option<DropFn>,
    rpl_complete: Option<CompleteFn>,
    rpl_marshal: Option<MarshalFn>,
) -> c_int {
    if base.is_null() || name.is_null() {
        return -1;
    }
    let g = Generic {
        cb: callback,
        cb_arg: cbarg,
        req_new,
        req_new_arg,
        req_free,
        req_unmarshal,
        rpl_new,
        rpl_new_arg,
        rpl_free,
        rpl_complete,
        rpl_marshal,
    };
    // SAFETY: a live base; name a C string.
    if unsafe { server::register_generic(base, cstr(name), g) } {
        0
    } else {
        -1
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_request_done(req: *mut ReqGeneric) {
    if !req.is_null() {
        // SAFETY: a request state the program's handler got.
        unsafe { server::request_done(req) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_get_request(req: *mut ReqGeneric) -> *mut c_void {
    // SAFETY: req NULL or a live request state.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.request) }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_get_reply(req: *mut ReqGeneric) -> *mut c_void {
    // SAFETY: req NULL or a live request state.
    unsafe { req.as_ref().map_or(ptr::null_mut(), |r| r.reply) }
}

// ---- client ----

#[no_mangle]
pub unsafe extern "C" fn evrpc_pool_new(base: *mut EventBase) -> *mut Pool {
    pool::new(base)
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_pool_free(pool: *mut Pool) {
    if !pool.is_null() {
        // SAFETY: a live pool, given up here.
        unsafe { pool::free(pool) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_pool_add_connection(pool: *mut Pool, evcon: *mut Connection) {
    if !pool.is_null() && !evcon.is_null() {
        // SAFETY: a live pool and connection.
        unsafe { pool::add_connection(pool, evcon) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_pool_remove_connection(pool: *mut Pool, evcon: *mut Connection) {
    if !pool.is_null() {
        // SAFETY: a live pool.
        unsafe { pool::remove_connection(pool, evcon) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_pool_set_timeout(pool: *mut Pool, timeout_in_secs: c_int) {
    if !pool.is_null() {
        // SAFETY: a live pool.
        unsafe { pool::set_timeout(pool, timeout_in_secs) }
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_make_request_ctx(
    pool: *mut Pool,
    request: *mut c_void,
    reply: *mut c_void,
    rpcname: *const c_char,
    req_marshal: Option<MarshalFn>,
    rpl_clear: Option<ClearFn>,
    rpl_unmarshal: Option<UnmarshalFn>,
    cb: Option<ReplyCb>,
    cbarg: *mut c_void,
) -> *mut Wrapper {
    if pool.is_null() || rpcname.is_null() {
        return ptr::null_mut();
    }
    let call = Call {
        request,
        reply,
        request_marshal: req_marshal,
        reply_clear: rpl_clear,
        reply_unmarshal: rpl_unmarshal,
        cb,
        cb_arg: cbarg,
    };
    // SAFETY: a live pool; rpcname a C string.
    unsafe { pool::make_ctx(pool, cstr(rpcname), call) }.unwrap_or(ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_make_request(ctx: *mut Wrapper) -> c_int {
    if ctx.is_null() {
        return -1;
    }
    // SAFETY: a context from evrpc_make_request_ctx, handed over.
    unsafe { pool::make_request(ctx) }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_send_request_generic(
    pool: *mut Pool,
    request: *mut c_void,
    reply: *mut c_void,
    cb: Option<ReplyCb>,
    cb_arg: *mut c_void,
    rpcname: *const c_char,
    req_marshal: Option<MarshalFn>,
    rpl_clear: Option<ClearFn>,
    rpl_unmarshal: Option<UnmarshalFn>,
) -> c_int {
    // SAFETY: forwarded contract.
    let ctx = unsafe { evrpc_make_request_ctx(pool, request, reply, rpcname, req_marshal, rpl_clear, rpl_unmarshal, cb, cb_arg) };
    if ctx.is_null() {
        let mut status = Status { error: STATUS_ERR_UNSTARTED, http_req: ptr::null_mut() };
        if let Some(cb) = cb {
            // SAFETY: the program's callback with its own objects.
            unsafe { cb(&mut status, request, reply, cb_arg) };
        }
        return -1;
    }
    // SAFETY: a fresh context.
    unsafe { pool::make_request(ctx) }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_request_get_pool(ctx: *mut Wrapper) -> *mut Pool {
    // SAFETY: ctx NULL or a live context.
    unsafe { ctx.as_ref().map_or(ptr::null_mut(), |w| w.pool) }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_request_set_pool(ctx: *mut Wrapper, pool: *mut Pool) {
    // SAFETY: ctx NULL or a live context.
    if let Some(w) = unsafe { ctx.as_mut() } {
        w.pool = pool;
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_request_set_cb(ctx: *mut Wrapper, cb: Option<ReplyCb>, cb_arg: *mut c_void) {
    if !ctx.is_null() {
        // SAFETY: a live context.
        unsafe { pool::set_cb(ctx, cb, cb_arg) }
    }
}

// ---- hooks ----

#[no_mangle]
pub unsafe extern "C" fn evrpc_add_hook(
    vbase: *mut c_void,
    hook_type: HookType,
    cb: Option<HookCb>,
    cb_arg: *mut c_void,
) -> *mut c_void {
    let (Some(d), Some(cb)) = (Direction::of(hook_type), cb) else { return ptr::null_mut() };
    // SAFETY: vbase NULL or a live base or pool, both of which start with their hook set.
    match unsafe { (vbase as *mut HookSet).as_mut() } {
        Some(set) => set.add(d, cb, cb_arg),
        None => ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_remove_hook(vbase: *mut c_void, hook_type: HookType, handle: *mut c_void) -> c_int {
    let Some(d) = Direction::of(hook_type) else { return 0 };
    // SAFETY: vbase NULL or a live base or pool, both of which start with their hook set.
    match unsafe { (vbase as *mut HookSet).as_mut() } {
        Some(set) => set.remove(d, handle) as c_int,
        None => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_resume_request(vbase: *mut c_void, ctx: *mut c_void, res: HookResult) -> c_int {
    if vbase.is_null() {
        return -1;
    }
    // SAFETY: a live base or pool, both of which start with their hook set.
    if unsafe { hooks::resume(vbase as *mut HookSet, ctx, Verdict::of(res)) } {
        0
    } else {
        -1
    }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_hook_add_meta(ctx: *mut c_void, key: *const c_char, data: *const c_void, data_size: size_t) {
    if ctx.is_null() || key.is_null() || (data.is_null() && data_size > 0) {
        return;
    }
    let bytes: &[u8] = if data_size == 0 {
        &[]
    } else {
        // SAFETY: data holds data_size readable bytes (the program's contract).
        unsafe { std::slice::from_raw_parts(data as *const u8, data_size) }
    };
    // SAFETY: a live request context; key a C string.
    unsafe { hooks::add_meta(ctx, cstr(key), bytes) }
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_hook_find_meta(
    ctx: *mut c_void,
    key: *const c_char,
    data: *mut *mut c_void,
    data_size: *mut size_t,
) -> c_int {
    if ctx.is_null() || key.is_null() {
        return -1;
    }
    // SAFETY: a live request context; key a C string.
    let Some((p, n)) = (unsafe { hooks::find_meta(ctx, cstr(key)) }) else { return -1 };
    // SAFETY: the out-pointers are NULL or writable.
    unsafe {
        if let Some(d) = data.as_mut() {
            *d = p;
        }
        if let Some(s) = data_size.as_mut() {
            *s = n;
        }
    }
    0
}

#[no_mangle]
pub unsafe extern "C" fn evrpc_hook_get_connection(ctx: *mut c_void) -> *mut Connection {
    if ctx.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a live request context.
    unsafe { hooks::connection(ctx) }
}
