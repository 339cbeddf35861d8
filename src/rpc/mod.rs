//! evrpc: remote procedure calls over evhttp (event2/rpc.h), over the http, evbuffer and event
//! layers' Rust APIs. Message types and their (un)marshalling come from code the program
//! generated from a schema; this layer only sees them as `void *` and the functions the
//! program's macros pass.
//!
//! - `hooks`: the hook lists and paused requests a server base and a client pool share, and the
//!   per-request meta data hooks exchange
//! - `server`: `struct evrpc_base`: registering RPCs on an evhttp, answering requests
//! - `pool`: `struct evrpc_pool`: client connections, the request queue, timeouts, replies
//!
//! # Pointer contract (for every `unsafe fn` in this layer)
//! - `base: *mut EvrpcBase` came from [`server::init`] and `pool: *mut Pool` from
//!   [`pool::new`], not yet freed.
//! - A request context (`ctx`) is a live [`server::ReqGeneric`] or [`pool::Wrapper`]; both
//!   start with their `*mut HookMeta`, which is how the meta data functions reach it.
//! - The function pointers a program registers are its generated message functions, called
//!   with the objects they made.
//!
//! Re-entrancy: the program's callbacks and hooks may free requests, pools and bases. Every
//! path finishes its own bookkeeping before calling out and touches nothing afterwards unless
//! the object is known to be still alive.

pub mod hooks;
pub mod pool;
pub mod server;

use libc::c_char;

/// `struct evrpc_status` (event2/rpc_struct.h), what a client callback receives.
#[repr(C)]
pub struct Status {
    pub error: libc::c_int,
    pub http_req: *mut crate::http::request::RequestC,
}

/// `EVRPC_STATUS_ERR_*`
pub const STATUS_ERR_NONE: libc::c_int = 0;
pub const STATUS_ERR_TIMEOUT: libc::c_int = 1;
pub const STATUS_ERR_BADPAYLOAD: libc::c_int = 2;
pub const STATUS_ERR_UNSTARTED: libc::c_int = 3;
pub const STATUS_ERR_HOOKABORTED: libc::c_int = 4;

/// The path an RPC is served under: "/.rpc." and its name.
pub fn uri_of(name: &[u8]) -> std::ffi::CString {
    let mut v = b"/.rpc.".to_vec();
    v.extend_from_slice(name);
    // A C name holds no NUL.
    std::ffi::CString::new(v).unwrap_or_default()
}

/// The bytes of a C string.
///
/// # Safety
/// `s` is a NUL-terminated string that outlives the answer.
pub unsafe fn cstr<'a>(s: *const c_char) -> &'a [u8] {
    // SAFETY: per the function contract.
    unsafe { std::ffi::CStr::from_ptr(s) }.to_bytes()
}
