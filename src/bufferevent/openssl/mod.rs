//! OpenSSL bufferevents (bufferevent_ssl.h): TLS between the program's buffers and either a
//! socket (the "socket" flavour: SSL reads and writes the fd itself, driven by ev_read and
//! ev_write) or another bufferevent (the "filter" flavour: SSL reads and writes that
//! bufferevent's evbuffers through a BIO of ours). The input buffer receives what SSL_read
//! decrypts; the output buffer is fed to SSL_write.
//!
//! The program hands us its own `SSL *`, so we must call the very libssl it uses, and
//! libevent-2.1.so.7 must not itself depend on libssl (Debian's does not). The OpenSSL
//! functions are therefore looked up at first use with `dlsym(RTLD_DEFAULT, ...)`: a program
//! that made an SSL has libssl loaded. (libevent_openssl-2.1.so.7 links libssl, as Debian's
//! does, so a program linked against it always has it.) If one is missing, the constructors
//! log a warning and return NULL.
//!
//! State: `handshaking` while SSL_do_handshake has not succeeded (connecting, accepting or
//! renegotiating); both directions then drive the handshake. Afterwards reading and writing
//! follow the program's enable/suspend state, except that OpenSSL may need the other
//! direction first (`read_blocked_on_write` / `write_blocked_on_read`). A write that OpenSSL
//! could not finish is retried with the same length, as OpenSSL requires (the buffer may
//! move: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER is set, as libevent does).
//!
//! - `sys.rs`: the OpenSSL symbol table (dlsym) and constants;
//! - `io.rs`: driving SSL: the handshake, reading, writing, the end of the connection;
//! - `ops.rs`: the bufferevent ops (enable, disable, timeouts, unlink, teardown, fd);
//! - `connect.rs`: bufferevent_socket_connect on the socket flavour;
//! - `bio.rs`: the filter flavour's BIO over the underlying bufferevent's buffers.
//!
//! Safety: the bufferevent modules' pointer contract (core.rs) holds here, and inside this
//! module `b` is always an SSL bufferevent (the public entry points check the kind; the rest
//! is reached only through SSL_OPS and our own callbacks). The kind state is reached through a
//! raw pointer wherever program callbacks can run in between, and as a typed `&mut SslState`
//! (`with_state`) in the short getters and setters.

mod bio;
mod connect;
mod io;
mod ops;
mod sys;

use super::core::*;
use crate::buffer::api as evbuffer;
use crate::core::api;
use crate::core::base::EventBase;
use crate::core::event::*;
use bio::new_bufferevent_bio;
use io::{
    do_handshake, kick, kick_cb, outbuf_cb, ssl_readcb, ssl_writecb, start_handshake_events, under_eventcb, under_readcb,
    under_writecb,
};
use libc::{c_int, c_long, c_ulong, c_void};
pub use ops::SSL_OPS;
use std::ptr;
pub use sys::Ssl;
use sys::*;

/// BUFFEREVENT_SSL_OPEN / CONNECTING / ACCEPTING.
pub const BUFFEREVENT_SSL_OPEN: c_int = 0;
pub const BUFFEREVENT_SSL_CONNECTING: c_int = 1;
pub const BUFFEREVENT_SSL_ACCEPTING: c_int = 2;

pub struct SslState {
    ssl: *mut Ssl,
    /// The filter flavour's bufferevent underneath (we hold a reference); NULL for sockets.
    underlying: *mut Bufferevent,
    /// A handshake (connecting, accepting or renegotiating) is under way: both directions
    /// drive it.
    handshaking: bool,
    /// The state the bufferevent was made in (BUFFEREVENT_SSL_*): a new fd starts a
    /// connection over from there.
    initial: c_int,
    allow_dirty_shutdown: bool,
    /// Reading needs the transport writable first (SSL_read said WANT_WRITE), or the reverse.
    read_blocked_on_write: bool,
    write_blocked_on_read: bool,
    /// Length of an SSL_write to retry with the same length (OpenSSL requires it).
    last_write: usize,
    /// Queued errors, oldest first (bufferevent_get_openssl_error takes the newest).
    errors: Vec<c_ulong>,
    /// "Come back from the loop": an event activated by hand when more work is waiting that
    /// no fd will announce (plaintext decrypted inside SSL, ciphertext already sitting in the
    /// underlying's input, the filter flavour's first handshake step). Its own allocation,
    /// held as a raw pointer: the base links the event into its lists, so no borrow of the
    /// state may claim it.
    kick: *mut Event,
}

impl Drop for SslState {
    fn drop(&mut self) {
        // SAFETY: kick came from Box::into_raw in new_state and is freed only here; by now
        // the event is deleted and unassigned (unlink, destruct), so nothing refers to it.
        drop(unsafe { Box::from_raw(self.kick) });
    }
}

/// # Safety
/// Module contract; `b` is an SSL bufferevent.
unsafe fn state(b: *mut Bev) -> *mut SslState {
    // SAFETY: b is live (module contract); the kind state lives as long as b.
    unsafe {
        match &mut (*b).kind {
            Kind::Ssl(s) => &mut **s,
            _ => unreachable!("ssl operation on a {} bufferevent", (*b).ops.name),
        }
    }
}

/// The SSL state of `b`, if it is an SSL bufferevent.
///
/// # Safety
/// Module contract.
unsafe fn ssl_state(b: *mut Bev) -> Option<*mut SslState> {
    // SAFETY: b is live (module contract).
    unsafe {
        if is_kind(b, &SSL_OPS) {
            Some(state(b))
        } else {
            None
        }
    }
}

/// Run `f` on `b`'s SSL state with `b` locked; None for other kinds. No program code runs in
/// `f`, so its typed borrow is the only way into the state for its length.
///
/// # Safety
/// Module contract.
unsafe fn with_state<R>(b: *mut Bev, f: impl FnOnce(&mut SslState) -> R) -> Option<R> {
    // SAFETY: b is live (module contract) and locked around the borrow, which covers the kind
    // state only (the kick event is a separate allocation).
    unsafe {
        lock(b);
        let r = ssl_state(b).map(|s| f(&mut *s));
        unlock(b);
        r
    }
}

/// The underlying bufferevent of a filter-flavour b, else None.
///
/// # Safety
/// Module contract; `b` is an SSL bufferevent.
unsafe fn under(b: *mut Bev) -> Option<*mut Bev> {
    // SAFETY: b is a live SSL bufferevent (contract).
    unsafe {
        let u = (*state(b)).underlying;
        if u.is_null() {
            None
        } else {
            Some(upcast(u))
        }
    }
}

fn new_state(ssl: *mut Ssl, underlying: *mut Bufferevent, st: c_int) -> SslState {
    SslState {
        ssl,
        underlying,
        handshaking: st != BUFFEREVENT_SSL_OPEN,
        initial: st,
        allow_dirty_shutdown: false,
        read_blocked_on_write: false,
        write_blocked_on_read: false,
        last_write: 0,
        errors: Vec::new(),
        kick: Box::into_raw(Box::new(Event::zeroed())),
    }
}

/// What both constructors do once the object exists.
///
/// # Safety
/// `b` is fresh, live and ours; its SSL is set up with its transport.
unsafe fn finish_setup(b: *mut Bev, f: &Fns, st: c_int) {
    // SAFETY: b is fresh and live, its SSL the program's (contract); the kick event lives in b's state, which stays put
    // until b is freed (it is deleted in unlink, before).
    unsafe {
        let s = state(b);
        (f.ctrl)((*s).ssl, SSL_CTRL_MODE, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, ptr::null_mut());
        match st {
            BUFFEREVENT_SSL_CONNECTING => (f.set_connect_state)((*s).ssl),
            BUFFEREVENT_SSL_ACCEPTING => (f.set_accept_state)((*s).ssl),
            _ => {}
        }
        api::assign((*s).kick, (*b).public.ev_base, -1, EV_FINALIZE, Some(kick_cb), b as *mut c_void);
        evbuffer::add_cb(output(b), Some(outbuf_cb), b as *mut c_void);
    }
}

/// bufferevent_openssl_socket_new. The SSL may already have a BIO with an fd: then that fd
/// is ours (and must agree with `fd` if one is given), and the BIO no longer closes it (we do,
/// with BEV_OPT_CLOSE_ON_FREE). Otherwise a given fd becomes the SSL's.
///
/// # Safety
/// base NULL or live; ssl NULL or the program's live SSL.
pub unsafe fn socket_new(base: *mut EventBase, mut fd: c_int, ssl: *mut Ssl, st: c_int, options: c_int) -> *mut Bev {
    let Some(f) = fns() else { return ptr::null_mut() };
    if ssl.is_null() || !(BUFFEREVENT_SSL_OPEN..=BUFFEREVENT_SSL_ACCEPTING).contains(&st) {
        return ptr::null_mut();
    }
    // SAFETY: base is NULL or live, ssl the program's live SSL (contract); b is fresh and ours
    // until returned.
    unsafe {
        let bio = (f.get_wbio)(ssl);
        let have_fd = if bio.is_null() { -1 } else { (f.bio_ctrl)(bio, BIO_C_GET_FD, 0, ptr::null_mut()) };
        if have_fd >= 0 {
            if fd < 0 {
                fd = have_fd as c_int;
            } else if have_fd != fd as c_long {
                // Two different fds: a mistake of the program's; refused silently, as libevent.
                return ptr::null_mut();
            }
            (f.bio_ctrl)(bio, BIO_CTRL_SET_CLOSE, 0, ptr::null_mut());
        } else if fd >= 0 && (f.set_fd)(ssl, fd) != 1 {
            return ptr::null_mut();
        }
        let b = alloc(base, &SSL_OPS, options, Kind::Ssl(Box::new(new_state(ssl, ptr::null_mut(), st))));
        if b.is_null() {
            return b;
        }
        finish_setup(b, f, st);
        assign_events(b, fd);
        if st != BUFFEREVENT_SSL_OPEN && fd >= 0 {
            start_handshake_events(b);
        }
        b
    }
}

/// bufferevent_openssl_filter_new: TLS over `underlying`, whose callbacks become ours and
/// which we keep a reference on.
///
/// # Safety
/// base NULL or live; underlying NULL or live; ssl NULL or the program's live SSL.
pub unsafe fn filter_new(
    base: *mut EventBase,
    underlying: *mut Bufferevent,
    ssl: *mut Ssl,
    st: c_int,
    options: c_int,
) -> *mut Bev {
    let Some(f) = fns() else { return ptr::null_mut() };
    if underlying.is_null() || ssl.is_null() || !(BUFFEREVENT_SSL_OPEN..=BUFFEREVENT_SSL_ACCEPTING).contains(&st) {
        return ptr::null_mut();
    }
    // SAFETY: base NULL or live, underlying live, ssl the program's (contract); b is fresh
    // and ours until returned.
    unsafe {
        let bio = new_bufferevent_bio(f, underlying);
        if bio.is_null() {
            return ptr::null_mut();
        }
        (f.set_bio)(ssl, bio, bio);
        let b = alloc(base, &SSL_OPS, options & !BEV_OPT_THREADSAFE, Kind::Ssl(Box::new(new_state(ssl, underlying, st))));
        if b.is_null() {
            return b;
        }
        if options & BEV_OPT_THREADSAFE != 0 {
            // Share the underlying's lock (or make one for both).
            if enable_locking(b, ptr::null_mut()) < 0 {
                // Not ours yet: free must neither free the SSL nor the underlying.
                (*b).options &= !BEV_OPT_CLOSE_ON_FREE;
                (*state(b)).underlying = ptr::null_mut();
                free(b);
                return ptr::null_mut();
            }
            (*b).options |= BEV_OPT_THREADSAFE;
        }
        finish_setup(b, f, st);
        init_generic_timeouts(b);
        let u = upcast(underlying);
        incref(u);
        setcb(u, Some(under_readcb), Some(under_writecb), Some(under_eventcb), b as *mut c_void);
        // Everything the underlying reads is ciphertext for us, however little.
        setwatermark(u, EV_READ, 0, 0);
        enable(u, EV_READ | EV_WRITE);
        if st == BUFFEREVENT_SSL_OPEN {
            // The underlying reads only while we do.
            suspend_read(u, SUSPEND_FILT_READ);
        } else {
            // The client's first handshake message: from the loop.
            kick(b);
        }
        b
    }
}

/// # Safety
/// Module contract.
unsafe fn assign_events(b: *mut Bev, fd: c_int) {
    // SAFETY: b is live (module contract); the events live inside b.
    unsafe {
        let base = (*b).public.ev_base;
        let arg = b as *mut c_void;
        api::assign(&raw mut (*b).public.ev_read, base, fd, EV_READ | EV_PERSIST | EV_FINALIZE, Some(ssl_readcb), arg);
        api::assign(&raw mut (*b).public.ev_write, base, fd, EV_WRITE | EV_PERSIST | EV_FINALIZE, Some(ssl_writecb), arg);
    }
}

/// bufferevent_openssl_get_ssl: NULL for other kinds.
///
/// # Safety
/// Module contract.
pub unsafe fn get_ssl(b: *mut Bev) -> *mut Ssl {
    // SAFETY: b is live (module contract).
    unsafe { with_state(b, |s| s.ssl) }.unwrap_or(ptr::null_mut())
}

/// bufferevent_get_openssl_error: the newest queued error, removed; 0 when none.
///
/// # Safety
/// Module contract.
pub unsafe fn take_error(b: *mut Bev) -> c_ulong {
    // SAFETY: b is live (module contract).
    unsafe { with_state(b, |s| s.errors.pop()) }.flatten().unwrap_or(0)
}

/// bufferevent_openssl_get_allow_dirty_shutdown: -1 for other kinds.
///
/// # Safety
/// Module contract.
pub unsafe fn get_allow_dirty_shutdown(b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe { with_state(b, |s| s.allow_dirty_shutdown as c_int) }.unwrap_or(-1)
}

/// bufferevent_openssl_set_allow_dirty_shutdown (nothing for other kinds).
///
/// # Safety
/// Module contract.
pub unsafe fn set_allow_dirty_shutdown(b: *mut Bev, allow: c_int) {
    // SAFETY: b is live (module contract).
    unsafe { with_state(b, |s| s.allow_dirty_shutdown = allow != 0) };
}

/// bufferevent_ssl_renegotiate: ask OpenSSL for a new handshake and drive it like the first
/// (TLS 1.3 has none: OpenSSL accepts the request and the handshake is complete at once,
/// which reports BEV_EVENT_CONNECTED again, as libevent does). The socket flavour tries at
/// once: 1 when done, 0 when under way, -1 on failure; the filter flavour goes on when the
/// underlying next reads or drains (0).
///
/// # Safety
/// Module contract.
pub unsafe fn renegotiate(b: *mut Bev) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: b is live (module contract).
    unsafe {
        incref_and_lock(b);
        let r = match ssl_state(b) {
            None => -1,
            Some(s) if (f.renegotiate)((*s).ssl) < 0 => -1,
            Some(s) => {
                (*s).handshaking = true;
                if under(b).is_some() {
                    0
                } else {
                    if api::fd(&raw const (*b).public.ev_read) >= 0 {
                        start_handshake_events(b);
                    }
                    do_handshake(b)
                }
            }
        };
        decref_and_unlock(b);
        r
    }
}
