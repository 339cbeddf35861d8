//! Hooks: the program's functions run on a request's HTTP message as it comes in (`INPUT`) or
//! goes out (`OUTPUT`), on a server base or a client pool. A hook answers carry on, abort, or
//! pause; a paused request waits in its owner's list until `evrpc_resume_request`.
//!
//! Both `struct evrpc_base` and `struct evrpc_pool` start with a [`HookSet`], so the `void *`
//! the hook functions take can be either. Request contexts (server and client) start with
//! their `*mut HookMeta`: the key/value pairs hooks attach and the connection the request
//! travels on.

use crate::buffer::Evbuffer;
use crate::http::connection::Connection;
use crate::http::request::RequestC;
use libc::{c_int, c_void};
use std::ffi::CString;

/// A hook as the program gives it: (ctx, HTTP request, the message body, its argument).
pub type HookCb = unsafe extern "C" fn(*mut c_void, *mut RequestC, *mut Evbuffer, *mut c_void) -> c_int;

/// C's `enum EVRPC_HOOK_TYPE` and `enum EVRPC_HOOK_RESULT`.
pub type HookType = c_int;
pub type HookResult = c_int;

/// enum EVRPC_HOOK_TYPE
pub const INPUT: c_int = 0;
pub const OUTPUT: c_int = 1;

/// enum EVRPC_HOOK_RESULT
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    Terminate,
    Continue,
    Pause,
}

pub const TERMINATE: c_int = -1;
pub const CONTINUE: c_int = 0;
pub const PAUSE: c_int = 1;

impl Verdict {
    /// A hook's answer; anything unknown counts as abort.
    pub fn of(v: c_int) -> Verdict {
        match v {
            CONTINUE => Verdict::Continue,
            PAUSE => Verdict::Pause,
            _ => Verdict::Terminate,
        }
    }
}

/// Which list a hook goes in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    Input,
    Output,
}

impl Direction {
    pub fn of(v: c_int) -> Option<Direction> {
        match v {
            INPUT => Some(Direction::Input),
            OUTPUT => Some(Direction::Output),
            _ => None,
        }
    }
}

pub struct Hook {
    cb: HookCb,
    arg: *mut c_void,
}

/// What continues a paused request: the step after the hooks, given the final verdict.
pub(crate) type Resume = unsafe fn(*mut c_void, Verdict);

struct Paused {
    ctx: *mut c_void,
    resume: Resume,
}

/// The head of both `struct evrpc_base` and `struct evrpc_pool`. Hooks are boxed: a hook's
/// address is the handle the program gets back, so it must not move when the list grows.
#[derive(Default)]
#[allow(clippy::vec_box)]
pub struct HookSet {
    input: Vec<Box<Hook>>,
    output: Vec<Box<Hook>>,
    paused: Vec<Paused>,
}

impl HookSet {
    #[allow(clippy::vec_box)]
    fn list(&mut self, d: Direction) -> &mut Vec<Box<Hook>> {
        match d {
            Direction::Input => &mut self.input,
            Direction::Output => &mut self.output,
        }
    }

    /// evrpc_add_hook: the handle identifies the hook for [`HookSet::remove`].
    pub fn add(&mut self, d: Direction, cb: HookCb, arg: *mut c_void) -> *mut c_void {
        let hook = Box::new(Hook { cb, arg });
        let handle = &*hook as *const Hook as *mut c_void;
        self.list(d).push(hook);
        handle
    }

    /// evrpc_remove_hook: whether the hook was there.
    pub fn remove(&mut self, d: Direction, handle: *mut c_void) -> bool {
        let list = self.list(d);
        match list.iter().position(|h| &**h as *const Hook as *mut c_void == handle) {
            Some(i) => {
                list.remove(i);
                true
            }
            None => false,
        }
    }

    pub fn has(&self, d: Direction) -> bool {
        match d {
            Direction::Input => !self.input.is_empty(),
            Direction::Output => !self.output.is_empty(),
        }
    }

    /// Forget every paused request (their owner is going away).
    pub fn take_paused(&mut self) -> Vec<*mut c_void> {
        self.paused.drain(..).map(|p| p.ctx).collect()
    }
}

/// Run the hooks of one direction in order until one does not say carry on.
///
/// # Safety
/// `set` is a live hook set; `ctx`, `req` and `body` are what the hooks are promised.
pub unsafe fn run(set: *mut HookSet, d: Direction, ctx: *mut c_void, req: *mut RequestC, body: *mut Evbuffer) -> Verdict {
    // A hook may add or remove hooks: run over a copy of the list as it was.
    // SAFETY: set is live (contract); the borrow ends before any hook runs.
    let hooks: Vec<(HookCb, *mut c_void)> = unsafe { (*set).list(d).iter().map(|h| (h.cb, h.arg)).collect() };
    for (cb, arg) in hooks {
        // SAFETY: the program's hook with its own argument (contract).
        let v = Verdict::of(unsafe { cb(ctx, req, body, arg) });
        if v != Verdict::Continue {
            return v;
        }
    }
    Verdict::Continue
}

/// Park `ctx` until the program resumes it.
///
/// # Safety
/// `set` is a live hook set.
pub unsafe fn pause(set: *mut HookSet, ctx: *mut c_void, resume: Resume) {
    // SAFETY: set is live (contract).
    unsafe { (*set).paused.push(Paused { ctx, resume }) };
}

/// evrpc_resume_request: false when `ctx` is not paused here.
///
/// # Safety
/// `set` is a live hook set.
pub unsafe fn resume(set: *mut HookSet, ctx: *mut c_void, v: Verdict) -> bool {
    // SAFETY: set is live (contract); the record leaves the list before the request goes on.
    let p = unsafe {
        let paused = &mut (*set).paused;
        let Some(i) = paused.iter().position(|p| p.ctx == ctx) else { return false };
        paused.remove(i)
    };
    // SAFETY: the continuation registered for this context, which is still live (paused
    // requests are freed only by their owner, which also forgets them).
    unsafe { (p.resume)(p.ctx, v) };
    true
}

/// Per-request meta data.
pub struct HookMeta {
    entries: Vec<(CString, Vec<u8>)>,
    evcon: *mut Connection,
}

/// The context's meta data, made on first use.
///
/// # Safety
/// `ctx` is a live request context (module doc: it starts with its `*mut HookMeta`).
unsafe fn meta_of(ctx: *mut c_void) -> *mut HookMeta {
    let slot = ctx as *mut *mut HookMeta;
    // SAFETY: per the contract, the first field of ctx is the meta pointer.
    unsafe {
        if (*slot).is_null() {
            *slot = Box::into_raw(Box::new(HookMeta { entries: Vec::new(), evcon: std::ptr::null_mut() }));
        }
        *slot
    }
}

/// Note the connection a request travels on.
///
/// # Safety
/// As [`meta_of`].
pub unsafe fn associate(ctx: *mut c_void, evcon: *mut Connection) {
    // SAFETY: per the contract.
    unsafe { (*meta_of(ctx)).evcon = evcon };
}

/// evrpc_hook_add_meta: a copy of `data` under `key`.
///
/// # Safety
/// As [`meta_of`].
pub unsafe fn add_meta(ctx: *mut c_void, key: &[u8], data: &[u8]) {
    let key = CString::new(key).unwrap_or_default();
    // SAFETY: per the contract.
    unsafe { (*meta_of(ctx)).entries.push((key, data.to_vec())) };
}

/// evrpc_hook_find_meta: the first value stored under `key`.
///
/// # Safety
/// As [`meta_of`]; the answer lives as long as the context.
pub unsafe fn find_meta(ctx: *mut c_void, key: &[u8]) -> Option<(*mut c_void, usize)> {
    // SAFETY: per the contract, the first field of ctx is the meta pointer (NULL or ours).
    let meta = unsafe { (*(ctx as *mut *mut HookMeta)).as_mut()? };
    let (_, v) = meta.entries.iter_mut().find(|(k, _)| k.as_bytes() == key)?;
    Some((v.as_mut_ptr() as *mut c_void, v.len()))
}

/// evrpc_hook_get_connection
///
/// # Safety
/// As [`meta_of`].
pub unsafe fn connection(ctx: *mut c_void) -> *mut Connection {
    // SAFETY: per the contract.
    unsafe { (*(ctx as *mut *mut HookMeta)).as_ref().map_or(std::ptr::null_mut(), |m| m.evcon) }
}

/// Release a context's meta data.
///
/// # Safety
/// `meta` is NULL or came from [`meta_of`] and is not used afterwards.
pub unsafe fn free_meta(meta: *mut HookMeta) {
    if !meta.is_null() {
        // SAFETY: made by Box::into_raw in meta_of (contract).
        drop(unsafe { Box::from_raw(meta) });
    }
}
