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

use super::core::*;
use super::evbuf;
use super::ratelim;
use crate::capi::event::{event_active, event_assign, event_debug_unassign, event_del, event_get_fd, event_pending};
use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::log;
use crate::util::socket as sock;
use libc::{c_char, c_int, c_long, c_short, c_ulong, c_void};
use std::ptr;
use std::sync::OnceLock;

/// `SSL` (opaque).
#[repr(C)]
pub struct Ssl {
    _opaque: [u8; 0],
}

/// `BIO` and `BIO_METHOD` (opaque).
type Bio = c_void;
type BioMethod = c_void;

/// BUFFEREVENT_SSL_OPEN / CONNECTING / ACCEPTING.
pub const BUFFEREVENT_SSL_OPEN: c_int = 0;
pub const BUFFEREVENT_SSL_CONNECTING: c_int = 1;
pub const BUFFEREVENT_SSL_ACCEPTING: c_int = 2;

// OpenSSL's ABI-stable values.
const SSL_ERROR_SSL: c_int = 1;
const SSL_ERROR_WANT_READ: c_int = 2;
const SSL_ERROR_WANT_WRITE: c_int = 3;
const SSL_ERROR_WANT_X509_LOOKUP: c_int = 4;
const SSL_ERROR_SYSCALL: c_int = 5;
const SSL_ERROR_ZERO_RETURN: c_int = 6;
const SSL_RECEIVED_SHUTDOWN: c_int = 2;
const SSL_CTRL_MODE: c_int = 33;
const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: c_long = 2;
const BIO_C_GET_FD: c_int = 105;
const BIO_CTRL_GET_CLOSE: c_int = 8;
const BIO_CTRL_SET_CLOSE: c_int = 9;
const BIO_CTRL_PENDING: c_int = 10;
const BIO_CTRL_FLUSH: c_int = 11;
const BIO_CTRL_DUP: c_int = 12;
const BIO_CTRL_WPENDING: c_int = 13;
const BIO_FLAGS_READ: c_int = 0x01;
const BIO_FLAGS_WRITE: c_int = 0x02;
const BIO_FLAGS_RWS: c_int = 0x07;
const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
/// The BIO type number libevent gives its bufferevent BIO (a source/sink BIO).
const BIO_TYPE_BUFFEREVENT: c_int = 57 | 0x0400;

/// At most this many errors are kept per bufferevent (later ones are dropped), as libevent.
const MAX_ERRORS: usize = 3;
/// Plaintext moved per SSL_read / SSL_write call.
const CHUNK: usize = 16384;
/// SSL_read / SSL_write calls per wake-up before giving the loop back.
const ROUNDS: usize = 16;

/// The OpenSSL functions we call, from the program's libssl/libcrypto.
struct Fns {
    read: unsafe extern "C" fn(*mut Ssl, *mut c_void, c_int) -> c_int,
    write: unsafe extern "C" fn(*mut Ssl, *const c_void, c_int) -> c_int,
    get_error: unsafe extern "C" fn(*const Ssl, c_int) -> c_int,
    do_handshake: unsafe extern "C" fn(*mut Ssl) -> c_int,
    set_fd: unsafe extern "C" fn(*mut Ssl, c_int) -> c_int,
    get_wbio: unsafe extern "C" fn(*const Ssl) -> *mut Bio,
    set_bio: unsafe extern "C" fn(*mut Ssl, *mut Bio, *mut Bio),
    ctrl: unsafe extern "C" fn(*mut Ssl, c_int, c_long, *mut c_void) -> c_long,
    set_connect_state: unsafe extern "C" fn(*mut Ssl),
    set_accept_state: unsafe extern "C" fn(*mut Ssl),
    pending: unsafe extern "C" fn(*const Ssl) -> c_int,
    get_shutdown: unsafe extern "C" fn(*const Ssl) -> c_int,
    renegotiate: unsafe extern "C" fn(*mut Ssl) -> c_int,
    free: unsafe extern "C" fn(*mut Ssl),
    err_get_error: unsafe extern "C" fn() -> c_ulong,
    err_peek_error: unsafe extern "C" fn() -> c_ulong,
    err_clear_error: unsafe extern "C" fn(),
    bio_ctrl: unsafe extern "C" fn(*mut Bio, c_int, c_long, *mut c_void) -> c_long,
    bio_new: unsafe extern "C" fn(*const BioMethod) -> *mut Bio,
    bio_set_data: unsafe extern "C" fn(*mut Bio, *mut c_void),
    bio_get_data: unsafe extern "C" fn(*mut Bio) -> *mut c_void,
    bio_set_init: unsafe extern "C" fn(*mut Bio, c_int),
    bio_set_shutdown: unsafe extern "C" fn(*mut Bio, c_int),
    bio_get_shutdown: unsafe extern "C" fn(*mut Bio) -> c_int,
    bio_set_flags: unsafe extern "C" fn(*mut Bio, c_int),
    bio_clear_flags: unsafe extern "C" fn(*mut Bio, c_int),
    meth_new: unsafe extern "C" fn(c_int, *const c_char) -> *mut BioMethod,
    meth_set_write: unsafe extern "C" fn(*mut BioMethod, BioWrite) -> c_int,
    meth_set_read: unsafe extern "C" fn(*mut BioMethod, BioRead) -> c_int,
    meth_set_puts: unsafe extern "C" fn(*mut BioMethod, BioPuts) -> c_int,
    meth_set_ctrl: unsafe extern "C" fn(*mut BioMethod, BioCtrl) -> c_int,
    meth_set_create: unsafe extern "C" fn(*mut BioMethod, BioCreate) -> c_int,
    meth_set_destroy: unsafe extern "C" fn(*mut BioMethod, BioCreate) -> c_int,
}

type BioWrite = unsafe extern "C" fn(*mut Bio, *const c_char, c_int) -> c_int;
type BioRead = unsafe extern "C" fn(*mut Bio, *mut c_char, c_int) -> c_int;
type BioPuts = unsafe extern "C" fn(*mut Bio, *const c_char) -> c_int;
type BioCtrl = unsafe extern "C" fn(*mut Bio, c_int, c_long, *mut c_void) -> c_long;
type BioCreate = unsafe extern "C" fn(*mut Bio) -> c_int;

fn fns() -> Option<&'static Fns> {
    static FNS: OnceLock<Option<Fns>> = OnceLock::new();
    FNS.get_or_init(|| {
        macro_rules! sym {
            ($name:literal) => {{
                // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
                let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, concat!($name, "\0").as_ptr() as *const c_char) };
                if p.is_null() {
                    log::warn(concat!("OpenSSL bufferevent: ", $name, " not found (is libssl loaded?)"));
                    return None;
                }
                // SAFETY: the pointer is the named OpenSSL function, whose C signature the
                // field it is stored in declares (OpenSSL 1.1 / 3 ABI).
                unsafe { std::mem::transmute::<*mut c_void, _>(p) }
            }};
        }
        Some(Fns {
            read: sym!("SSL_read"),
            write: sym!("SSL_write"),
            get_error: sym!("SSL_get_error"),
            do_handshake: sym!("SSL_do_handshake"),
            set_fd: sym!("SSL_set_fd"),
            get_wbio: sym!("SSL_get_wbio"),
            set_bio: sym!("SSL_set_bio"),
            ctrl: sym!("SSL_ctrl"),
            set_connect_state: sym!("SSL_set_connect_state"),
            set_accept_state: sym!("SSL_set_accept_state"),
            pending: sym!("SSL_pending"),
            get_shutdown: sym!("SSL_get_shutdown"),
            renegotiate: sym!("SSL_renegotiate"),
            free: sym!("SSL_free"),
            err_get_error: sym!("ERR_get_error"),
            err_peek_error: sym!("ERR_peek_error"),
            err_clear_error: sym!("ERR_clear_error"),
            bio_ctrl: sym!("BIO_ctrl"),
            bio_new: sym!("BIO_new"),
            bio_set_data: sym!("BIO_set_data"),
            bio_get_data: sym!("BIO_get_data"),
            bio_set_init: sym!("BIO_set_init"),
            bio_set_shutdown: sym!("BIO_set_shutdown"),
            bio_get_shutdown: sym!("BIO_get_shutdown"),
            bio_set_flags: sym!("BIO_set_flags"),
            bio_clear_flags: sym!("BIO_clear_flags"),
            meth_new: sym!("BIO_meth_new"),
            meth_set_write: sym!("BIO_meth_set_write"),
            meth_set_read: sym!("BIO_meth_set_read"),
            meth_set_puts: sym!("BIO_meth_set_puts"),
            meth_set_ctrl: sym!("BIO_meth_set_ctrl"),
            meth_set_create: sym!("BIO_meth_set_create"),
            meth_set_destroy: sym!("BIO_meth_set_destroy"),
        })
    })
    .as_ref()
}

pub struct SslState {
    ssl: *mut Ssl,
    /// The filter flavour's bufferevent underneath (we hold a reference); NULL for sockets.
    underlying: *mut Bufferevent,
    /// A handshake (connecting, accepting or renegotiating) is under way: both directions
    /// drive it.
    handshaking: bool,
    allow_dirty_shutdown: bool,
    /// Reading needs the transport writable first (SSL_read said WANT_WRITE), or the reverse.
    read_blocked_on_write: bool,
    write_blocked_on_read: bool,
    /// Length of an SSL_write to retry with the same length (OpenSSL requires it).
    last_write: usize,
    /// Queued errors, oldest first (bufferevent_get_openssl_error takes the newest).
    errors: Vec<c_ulong>,
    /// The last bufferevent_socket_connect_hostname lookup's error.
    dns_error: c_int,
    /// "Come back from the loop": an event activated by hand when more work is waiting that
    /// no fd will announce (plaintext decrypted inside SSL, ciphertext already sitting in the
    /// underlying's input, the filter flavour's first handshake step).
    kick: Box<Event>,
}

pub static SSL_OPS: Ops = Ops {
    name: "ssl",
    enable: ssl_enable,
    disable: ssl_disable,
    unlink: Some(ssl_unlink),
    destruct: Some(ssl_destruct),
    adj_timeouts: Some(ssl_adj_timeouts),
    flush: Some(ssl_flush),
    ctrl: Some(ssl_ctrl),
};

/// SAFETY: b is live and an SSL bufferevent.
unsafe fn state(b: *mut Bev) -> *mut SslState {
    // SAFETY: per the function contract.
    unsafe {
        match &mut (*b).kind {
            Kind::Ssl(s) => s,
            _ => unreachable!("ssl operation on a {} bufferevent", (*b).ops.name),
        }
    }
}

/// The SSL state of `b`, if it is an SSL bufferevent.
///
/// SAFETY: b is live.
unsafe fn ssl_state(b: *mut Bev) -> Option<*mut SslState> {
    // SAFETY: per the function contract.
    unsafe {
        if is_kind(b, &SSL_OPS) {
            Some(state(b))
        } else {
            None
        }
    }
}

/// The underlying bufferevent of a filter-flavour b, else None.
///
/// SAFETY: b is live and an SSL bufferevent.
unsafe fn under(b: *mut Bev) -> Option<*mut Bev> {
    // SAFETY: per the function contract.
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
        allow_dirty_shutdown: false,
        read_blocked_on_write: false,
        write_blocked_on_read: false,
        last_write: 0,
        errors: Vec::new(),
        dns_error: 0,
        kick: Box::new(Event::zeroed()),
    }
}

/// What both constructors do once the object exists.
///
/// SAFETY: b is fresh and live; its SSL is set up with its transport.
unsafe fn finish_setup(b: *mut Bev, f: &Fns, st: c_int) {
    // SAFETY: per the function contract; the kick event lives in b's state, which stays put
    // until b is freed (it is deleted in unlink, before).
    unsafe {
        let s = state(b);
        (f.ctrl)((*s).ssl, SSL_CTRL_MODE, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, ptr::null_mut());
        match st {
            BUFFEREVENT_SSL_CONNECTING => (f.set_connect_state)((*s).ssl),
            BUFFEREVENT_SSL_ACCEPTING => (f.set_accept_state)((*s).ssl),
            _ => {}
        }
        event_assign(&mut *(*s).kick, (*b).public.ev_base, -1, EV_FINALIZE, Some(kick_cb), b as *mut c_void);
        evbuf::evbuffer_add_cb(output(b), Some(outbuf_cb), b as *mut c_void);
    }
}

/// bufferevent_openssl_socket_new. The SSL may already have a BIO with an fd: then that fd
/// is ours (and must agree with `fd` if one is given), and the BIO no longer closes it (we do,
/// with BEV_OPT_CLOSE_ON_FREE). Otherwise a given fd becomes the SSL's.
///
/// SAFETY: base NULL or live; ssl NULL or the program's live SSL.
pub unsafe fn socket_new(base: *mut EventBase, mut fd: c_int, ssl: *mut Ssl, st: c_int, options: c_int) -> *mut Bev {
    let Some(f) = fns() else { return ptr::null_mut() };
    if ssl.is_null() || !(BUFFEREVENT_SSL_OPEN..=BUFFEREVENT_SSL_ACCEPTING).contains(&st) {
        return ptr::null_mut();
    }
    // SAFETY: per the function contract; b is fresh.
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
        let b = alloc(base, &SSL_OPS, options, Kind::Ssl(new_state(ssl, ptr::null_mut(), st)));
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
/// SAFETY: base NULL or live; underlying NULL or live; ssl NULL or the program's live SSL.
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
    // SAFETY: per the function contract; b is fresh.
    unsafe {
        let bio = new_bufferevent_bio(f, underlying);
        if bio.is_null() {
            return ptr::null_mut();
        }
        (f.set_bio)(ssl, bio, bio);
        let b = alloc(base, &SSL_OPS, options & !BEV_OPT_THREADSAFE, Kind::Ssl(new_state(ssl, underlying, st)));
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

/// SAFETY: b is live.
unsafe fn assign_events(b: *mut Bev, fd: c_int) {
    // SAFETY: per the function contract; the events live inside b.
    unsafe {
        let base = (*b).public.ev_base;
        let arg = b as *mut c_void;
        event_assign(&mut (*b).public.ev_read, base, fd, EV_READ | EV_PERSIST | EV_FINALIZE, Some(ssl_readcb), arg);
        event_assign(&mut (*b).public.ev_write, base, fd, EV_WRITE | EV_PERSIST | EV_FINALIZE, Some(ssl_writecb), arg);
    }
}

/// Socket flavour: a handshake starts by watching the directions the program has enabled
/// (by default only writing, which is enough: the first step says what it needs next). As in
/// libevent, a program that enables neither holds the handshake back until it does.
///
/// SAFETY: b is live and locked.
unsafe fn start_handshake_events(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let p = &raw mut (*b).public;
        if reading(b) {
            add_event(&mut (*p).ev_read, &(*p).timeout_read);
        }
        if writing(b) {
            add_event(&mut (*p).ev_write, &(*p).timeout_write);
        }
    }
}

/// Have the loop call us back soon (kick_cb).
///
/// SAFETY: b is live.
unsafe fn kick(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        if !is_finalizing(b) {
            event_active(&mut *(*state(b)).kick, EV_READ as c_int, 1);
        }
    }
}

/// Incoming bytes wanted: the socket's read event, or the underlying reading.
///
/// SAFETY: b is live and locked.
unsafe fn start_reading(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        if let Some(u) = under(b) {
            unsuspend_read(u, SUSPEND_FILT_READ);
            return;
        }
        let p = &raw mut (*b).public;
        if event_get_fd(&(*p).ev_read) >= 0 && event_pending(&(*p).ev_read, EV_READ, ptr::null_mut()) == 0 {
            add_event(&mut (*p).ev_read, &(*p).timeout_read);
        }
    }
}

/// SAFETY: b is live and locked.
unsafe fn stop_reading(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        if let Some(u) = under(b) {
            suspend_read(u, SUSPEND_FILT_READ);
        } else {
            event_del(&mut (*b).public.ev_read);
        }
    }
}

/// Socket flavour: wait for the fd to be writable. (The filter flavour writes into the
/// underlying's output at once; its write callback tells us when there is room again.)
///
/// SAFETY: b is live and locked.
unsafe fn start_writing(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        if under(b).is_some() {
            return;
        }
        let p = &raw mut (*b).public;
        if event_get_fd(&(*p).ev_write) >= 0 && event_pending(&(*p).ev_write, EV_WRITE, ptr::null_mut()) == 0 {
            add_event(&mut (*p).ev_write, &(*p).timeout_write);
        }
    }
}

/// SAFETY: b is live and locked.
unsafe fn stop_writing(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        if under(b).is_none() {
            event_del(&mut (*b).public.ev_write);
        }
    }
}

/// Is the program reading (enabled, not suspended)?
///
/// SAFETY: b is live.
unsafe fn reading(b: *mut Bev) -> bool {
    // SAFETY: per the function contract.
    unsafe { enabled(b) & EV_READ != 0 && (*b).read_suspended == 0 }
}

/// SAFETY: b is live.
unsafe fn writing(b: *mut Bev) -> bool {
    // SAFETY: per the function contract.
    unsafe { enabled(b) & EV_WRITE != 0 && (*b).write_suspended == 0 }
}

/// Data added to the output: write it if the program wants to (the socket flavour when the
/// fd is writable, the filter flavour at once, into the underlying's output).
unsafe extern "C" fn outbuf_cb(_buf: *mut evbuf::Evbuffer, info: *const evbuf::CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the entry lives in b's output buffer, freed together with b.
    unsafe {
        if (*info).n_added == 0 || !enter(b) {
            return;
        }
        let s = state(b);
        if !(*s).handshaking && writing(b) {
            if under(b).is_some() {
                if do_write(b) {
                    tidy(b);
                }
            } else {
                start_writing(b);
            }
        }
        decref_and_unlock(b);
    }
}

unsafe extern "C" fn ssl_readcb(_fd: c_int, what: c_short, arg: *mut c_void) {
    // SAFETY: ev_read lives in b and is deleted before b is released; enter() holds a
    // reference for the duration.
    unsafe { on_ready(arg as *mut Bev, what, true) }
}

unsafe extern "C" fn ssl_writecb(_fd: c_int, what: c_short, arg: *mut c_void) {
    // SAFETY: as ssl_readcb.
    unsafe { on_ready(arg as *mut Bev, what, false) }
}

unsafe extern "C" fn kick_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the kick event lives in b's state and is deleted before b is released.
    unsafe {
        if !enter(b) {
            return;
        }
        progress(b, true);
        if !(*state(b)).handshaking && !is_finalizing(b) && writing(b) && evbuf::len(output(b)) > 0 {
            progress(b, false);
        }
        decref_and_unlock(b);
    }
}

/// Filter flavour: the underlying read ciphertext.
unsafe extern "C" fn under_readcb(_u: *mut Bufferevent, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: we hold a reference on the underlying, and its callbacks are ours only while
    // we are alive (unlink resets them).
    unsafe {
        if enter(b) {
            progress(b, true);
            decref_and_unlock(b);
        }
    }
}

/// Filter flavour: the underlying's output drained (to its low-water mark).
unsafe extern "C" fn under_writecb(_u: *mut Bufferevent, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as under_readcb.
    unsafe {
        if enter(b) {
            progress(b, false);
            decref_and_unlock(b);
        }
    }
}

/// Filter flavour: news from the underlying. Its EOF is a dirty shutdown (a close_notify
/// would have ended things first); errors and timeouts pass on as they are; its CONNECTED
/// is not ours to report (the handshake's is).
unsafe extern "C" fn under_eventcb(_u: *mut Bufferevent, what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as under_readcb.
    unsafe {
        if !enter(b) {
            return;
        }
        let event = if what & BEV_EVENT_EOF != 0 {
            if (*state(b)).allow_dirty_shutdown {
                BEV_EVENT_EOF
            } else {
                BEV_EVENT_ERROR
            }
        } else if what & (BEV_EVENT_TIMEOUT | BEV_EVENT_ERROR) != 0 {
            what
        } else {
            0
        };
        if event != 0 {
            run_eventcb(b, event, 0);
        }
        decref_and_unlock(b);
    }
}

/// One readiness (or timeout) of the socket flavour's ev_read (`is_read`) or ev_write.
///
/// SAFETY: b is live (its event fired).
unsafe fn on_ready(b: *mut Bev, what: c_short, is_read: bool) {
    // SAFETY: per the function contract.
    unsafe {
        if !enter(b) {
            return;
        }
        if what == EV_TIMEOUT {
            // Unlike a plain socket bufferevent, libevent's SSL one leaves the direction
            // enabled: the (persistent) event keeps timing out until the program acts.
            let flag = if is_read { BEV_EVENT_READING } else { BEV_EVENT_WRITING };
            run_eventcb(b, BEV_EVENT_TIMEOUT | flag, 0);
        } else {
            progress(b, is_read);
        }
        decref_and_unlock(b);
    }
}

/// The transport can move bytes in (`read_side`) or out: drive the handshake, or read and
/// write what the program and OpenSSL want.
///
/// SAFETY: b is live, locked, referenced.
unsafe fn progress(b: *mut Bev, read_side: bool) {
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        if (*s).handshaking {
            do_handshake(b);
            return;
        }
        // After a failure or the end (conn_closed) both directions stay stopped until the
        // program enables one again, as libevent: no tidy(), which would re-arm them and
        // report the same end over and over.
        if read_side {
            if (*s).write_blocked_on_read && !do_write(b) {
                return;
            }
            if !is_finalizing(b) && !(*s).handshaking && (reading(b) || (*s).read_blocked_on_write) && !do_read(b) {
                return;
            }
        } else {
            if (*s).read_blocked_on_write && !do_read(b) {
                return;
            }
            if !is_finalizing(b) && !(*s).handshaking && (writing(b) || (*s).write_blocked_on_read) && !do_write(b) {
                return;
            }
        }
        tidy(b);
    }
}

/// After I/O: keep exactly the interest something waits for.
///
/// SAFETY: b is live and locked.
unsafe fn tidy(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        if (*s).handshaking || is_finalizing(b) {
            return;
        }
        if let Some(u) = under(b) {
            if reading(b) || (*s).write_blocked_on_read {
                unsuspend_read(u, SUSPEND_FILT_READ);
            } else {
                suspend_read(u, SUSPEND_FILT_READ);
            }
            return;
        }
        if event_get_fd(&(*b).public.ev_read) < 0 {
            return;
        }
        if reading(b) || (*s).write_blocked_on_read {
            start_reading(b);
        } else {
            stop_reading(b);
        }
        if (writing(b) && evbuf::len(output(b)) > 0) || (*s).read_blocked_on_write {
            start_writing(b);
        } else {
            stop_writing(b);
        }
    }
}

/// 1 when the handshake completed, 0 when it waits for I/O, -1 when it failed (reported).
///
/// SAFETY: b is live, locked, referenced.
unsafe fn do_handshake(b: *mut Bev) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        // SSL_get_error reads the thread's error queue: anything stale there (a refused
        // SSL_renegotiate, the program's own calls) would turn a retry into a failure.
        (f.err_clear_error)();
        let r = (f.do_handshake)((*s).ssl);
        if r == 1 {
            (*s).handshaking = false;
            if under(b).is_none() {
                stop_reading(b);
                stop_writing(b);
            }
            tidy(b);
            run_eventcb(b, BEV_EVENT_CONNECTED, 0);
            // Application data may have come with the handshake's last flight (decrypted
            // inside SSL, or still in the underlying's input), and the program may have
            // written before the handshake ended: pick both up from the loop.
            if !is_finalizing(b) && !(*s).handshaking {
                kick(b);
            }
            return 1;
        }
        match (f.get_error)((*s).ssl, r) {
            SSL_ERROR_WANT_READ => {
                if under(b).is_none() {
                    stop_writing(b);
                }
                start_reading(b);
                0
            }
            SSL_ERROR_WANT_WRITE => {
                if under(b).is_none() {
                    stop_reading(b);
                }
                start_writing(b);
                0
            }
            e => {
                conn_closed(b, BEV_EVENT_READING, e, r);
                -1
            }
        }
    }
}

/// Read and decrypt what is there, within the high-water mark and the rate limit. False when
/// the connection ended or failed (reported, both directions stopped).
///
/// SAFETY: b is live, locked, referenced.
unsafe fn do_read(b: *mut Bev) -> bool {
    let Some(f) = fns() else { return false };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        (*s).read_blocked_on_write = false;
        let inp = input(b);
        let mut got = 0usize;
        let mut buf = [0u8; CHUNK];
        let mut more = false;
        for round in 0..ROUNDS {
            let mut room = CHUNK as isize;
            if let Some(r) = super::watermark::read_room((*b).public.wm_read.high, evbuf::len(inp)) {
                if r <= 0 {
                    suspend_read(b, SUSPEND_WM);
                    break;
                }
                room = room.min(r);
            }
            room = room.min(ratelim::get_read_max(b));
            if room <= 0 {
                break;
            }
            // SSL_get_error reads the thread's error queue: anything stale there (a refused
            // SSL_renegotiate, the program's own calls) would turn a retry into a failure.
            (f.err_clear_error)();
            let r = (f.read)((*s).ssl, buf.as_mut_ptr() as *mut c_void, room as c_int);
            if r > 0 {
                evbuf::evbuffer_add(inp, buf.as_ptr() as *const c_void, r as usize);
                ratelim::decrement_read(b, r as isize);
                got += r as usize;
                more = round + 1 == ROUNDS;
                continue;
            }
            match (f.get_error)((*s).ssl, r) {
                SSL_ERROR_WANT_READ => {}
                SSL_ERROR_WANT_WRITE => {
                    (*s).read_blocked_on_write = true;
                }
                e => {
                    if got > 0 && evbuf::len(inp) >= (*b).public.wm_read.low {
                        run_readcb(b, 0);
                    }
                    if !is_finalizing(b) {
                        conn_closed(b, BEV_EVENT_READING, e, r);
                    }
                    return false;
                }
            }
            break;
        }
        if got > 0 {
            if under(b).is_some() {
                reset_generic_read_timeout(b);
            }
            if evbuf::len(inp) >= (*b).public.wm_read.low {
                run_readcb(b, 0);
            }
        }
        // More plaintext already inside SSL, or ciphertext already read by the underlying,
        // or we stopped only to let the loop breathe: come back for it.
        if got > 0 && !is_finalizing(b) && reading(b) {
            let queued = under(b).is_some_and(|u| evbuf::len(input(u)) > 0);
            if more || queued || (f.pending)((*s).ssl) > 0 {
                kick(b);
            }
        }
        true
    }
}

/// Encrypt and send the output buffer, within the rate limit. False when the connection
/// failed (reported, both directions stopped).
///
/// SAFETY: b is live, locked, referenced.
unsafe fn do_write(b: *mut Bev) -> bool {
    let Some(f) = fns() else { return false };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        (*s).write_blocked_on_read = false;
        let out = output(b);
        let mut sent = 0usize;
        let mut blocked = false;
        // The filter flavour writes into memory (the underlying's output): all of it at once,
        // as libevent does, so the program's write callback comes as soon as it is taken.
        let rounds = if under(b).is_some() { usize::MAX } else { ROUNDS };
        for _ in 0..rounds {
            let have = evbuf::len(out);
            if have == 0 {
                break;
            }
            let limit = ratelim::get_write_max(b);
            if limit <= 0 {
                blocked = true;
                break;
            }
            // A retried write must have the same length; a new one is limited by the rate.
            let n = if (*s).last_write > 0 { (*s).last_write.min(have) } else { have.min(CHUNK).min(limit as usize) };
            let data = evbuffer_pullup(out, n as isize);
            if data.is_null() {
                break;
            }
            // SSL_get_error reads the thread's error queue: anything stale there (a refused
            // SSL_renegotiate, the program's own calls) would turn a retry into a failure.
            (f.err_clear_error)();
            let r = (f.write)((*s).ssl, data as *const c_void, n as c_int);
            if r > 0 {
                (*s).last_write = 0;
                evbuffer_drain(out, r as usize);
                ratelim::decrement_write(b, r as isize);
                sent += r as usize;
                continue;
            }
            (*s).last_write = n;
            blocked = true;
            match (f.get_error)((*s).ssl, r) {
                SSL_ERROR_WANT_WRITE => {}
                SSL_ERROR_WANT_READ => {
                    (*s).write_blocked_on_read = true;
                }
                e => {
                    conn_closed(b, BEV_EVENT_WRITING, e, r);
                    return false;
                }
            }
            break;
        }
        if sent > 0 {
            if under(b).is_some() {
                if evbuf::len(out) > 0 {
                    reset_generic_write_timeout(b);
                } else {
                    del_generic_write_timeout(b);
                }
            }
            // From the loop, as libevent does: a write callback that writes more would
            // otherwise recurse through outbuf_cb (the filter flavour writes at once),
            // as deep as the program keeps writing.
            trigger_nolock(b, EV_WRITE, BEV_TRIG_DEFER_CALLBACKS);
            // The filter flavour has no fd to say "writable" again: if we stopped only to
            // let the loop breathe, come back.
            if !blocked && under(b).is_some() && !is_finalizing(b) && evbuf::len(out) > 0 {
                kick(b);
            }
        }
        true
    }
}

/// The connection ended (cleanly or not) or failed: queue the errors, stop, and tell the
/// program. An end without close_notify is an error unless dirty shutdowns are allowed.
///
/// SAFETY: b is live, locked, referenced.
unsafe fn conn_closed(b: *mut Bev, when: c_short, errcode: c_int, ret: c_int) {
    let Some(f) = fns() else { return };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        let mut event = BEV_EVENT_ERROR;
        let mut dirty = false;
        // The queue gets the SSL_ERROR_* code itself first (for the codes that are failures),
        // then OpenSSL's error stack, as libevent does: programs see the stack's newest
        // entry first and the code last.
        let put = |e: c_ulong| {
            if (*s).errors.len() < MAX_ERRORS {
                (*s).errors.push(e);
            }
        };
        match errcode {
            SSL_ERROR_ZERO_RETURN => {
                if (f.get_shutdown)((*s).ssl) & SSL_RECEIVED_SHUTDOWN != 0 {
                    event = BEV_EVENT_EOF;
                } else {
                    dirty = true;
                }
            }
            SSL_ERROR_SYSCALL => {
                // Closed or reset under us with nothing on the error stack: a dirty shutdown.
                // (OpenSSL 3 reports a bare EOF as SSL_ERROR_SSL, which is not one.)
                if (ret == 0 || ret == -1) && (f.err_peek_error)() == 0 {
                    dirty = true;
                }
                put(errcode as c_ulong);
            }
            SSL_ERROR_SSL | SSL_ERROR_WANT_X509_LOOKUP => put(errcode as c_ulong),
            _ => log::warn(&format!("BUG: Unexpected OpenSSL error code {errcode}")),
        }
        loop {
            let e = (f.err_get_error)();
            if e == 0 {
                break;
            }
            put(e);
        }
        if dirty && (*s).allow_dirty_shutdown {
            event = BEV_EVENT_EOF;
        }
        // The socket flavour stops reading. The filter flavour leaves its underlying reading,
        // as libevent 2.1.12 does: each further chunk from the peer is reported again, and
        // the underlying's own end (EOF or error) follows as another event.
        if under(b).is_none() {
            stop_reading(b);
        }
        stop_writing(b);
        run_eventcb(b, when | event, 0);
    }
}

unsafe fn ssl_enable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live and locked (ops contract).
    unsafe {
        let s = state(b);
        let filter = under(b).is_some();
        if filter {
            if event & EV_READ != 0 {
                reset_generic_read_timeout(b);
            }
            if event & EV_WRITE != 0 && evbuf::len(output(b)) > 0 {
                reset_generic_write_timeout(b);
            }
        }
        let p = &raw mut (*b).public;
        if (*s).handshaking {
            // The socket flavour's handshake follows the program's directions, as libevent.
            if !filter && event_get_fd(&(*p).ev_read) >= 0 {
                if event & EV_READ != 0 {
                    add_event(&mut (*p).ev_read, &(*p).timeout_read);
                }
                if event & EV_WRITE != 0 {
                    add_event(&mut (*p).ev_write, &(*p).timeout_write);
                }
            }
            return 0;
        }
        if filter || event_get_fd(&(*p).ev_read) >= 0 {
            if event & EV_READ != 0 {
                start_reading(b);
            }
            if event & EV_WRITE != 0 && evbuf::len(output(b)) > 0 {
                start_writing(b);
            }
            // Plaintext or ciphertext may already be waiting, or (filter) output to write.
            let queued = under(b).is_some_and(|u| evbuf::len(input(u)) > 0);
            if let Some(f) = fns() {
                if (event & EV_READ != 0 && (queued || (f.pending)((*s).ssl) > 0))
                    || (filter && event & EV_WRITE != 0 && evbuf::len(output(b)) > 0)
                {
                    kick(b);
                }
            }
        }
        0
    }
}

unsafe fn ssl_disable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live and locked (ops contract).
    unsafe {
        let s = state(b);
        let filter = under(b).is_some();
        if filter {
            if event & EV_READ != 0 {
                del_generic_read_timeout(b);
            }
            if event & EV_WRITE != 0 {
                del_generic_write_timeout(b);
            }
        }
        if (*s).handshaking {
            if !filter {
                if event & EV_READ != 0 {
                    event_del(&mut (*b).public.ev_read);
                }
                if event & EV_WRITE != 0 {
                    event_del(&mut (*b).public.ev_write);
                }
            }
            return 0;
        }
        if event & EV_READ != 0 && !(*s).write_blocked_on_read {
            stop_reading(b);
        }
        if event & EV_WRITE != 0 && !(*s).read_blocked_on_write {
            stop_writing(b);
        }
        0
    }
}

unsafe fn ssl_adj_timeouts(b: *mut Bev) -> c_int {
    // SAFETY: b is live and locked (ops contract).
    unsafe {
        if under(b).is_some() {
            generic_adj_timeouts(b)
        } else {
            adj_existing_timeouts(b)
        }
    }
}

/// The last reference is gone: no more kicks. A filter's underlying goes too with
/// BEV_OPT_CLOSE_ON_FREE (the program's reference on it; ours goes at finalization),
/// otherwise it gets its callbacks back (none) and reads freely again.
unsafe fn ssl_unlink(b: *mut Bev) {
    // SAFETY: b is live and locked (ops contract); we hold a reference on the underlying.
    unsafe {
        let kick: *mut Event = &mut *(*state(b)).kick;
        if (*kick).cb.flags & EVLIST_INIT != 0 {
            event_del(kick);
        }
        let Some(u) = under(b) else { return };
        if (*b).options & BEV_OPT_CLOSE_ON_FREE != 0 {
            free(u);
        } else {
            let ours: Option<EventCb> = Some(under_eventcb);
            if (*u).public.errorcb.map(|f| f as usize) == ours.map(|f| f as usize) {
                setcb(u, None, None, None, ptr::null_mut());
            }
            unsuspend_read(u, SUSPEND_FILT_READ);
        }
    }
}

/// With BEV_OPT_CLOSE_ON_FREE the SSL is freed, and the socket flavour's fd closed, as
/// libevent does.
unsafe fn ssl_destruct(b: *mut Bev) {
    // SAFETY: b is live (ops contract); nothing of ours can run any more.
    unsafe {
        let s = state(b);
        let kick: *mut Event = &mut *(*s).kick;
        if (*kick).cb.flags & EVLIST_INIT != 0 {
            event_debug_unassign(kick);
        }
        if (*b).options & BEV_OPT_CLOSE_ON_FREE == 0 {
            return;
        }
        if (*s).underlying.is_null() {
            let fd = event_get_fd(&(*b).public.ev_read);
            if fd >= 0 {
                sock::close(fd);
            }
        }
        if let Some(f) = fns() {
            (f.free)((*s).ssl);
        }
    }
}

unsafe fn ssl_flush(_b: *mut Bev, _iotype: c_short, _mode: c_int) -> c_int {
    0
}

unsafe fn ssl_ctrl(b: *mut Bev, op: Ctrl) -> Result<CtrlOut, ()> {
    // SAFETY: b is live and locked (ops contract).
    unsafe {
        let s = state(b);
        if let Some(u) = under(b) {
            return match op {
                Ctrl::GetUnderlying => Ok(CtrlOut::Underlying((*s).underlying)),
                // The fd is the underlying's.
                Ctrl::GetFd => Ok(CtrlOut::Fd(getfd(u))),
                Ctrl::SetFd(fd) => {
                    if setfd(u, fd) == 0 {
                        Ok(CtrlOut::Done)
                    } else {
                        Err(())
                    }
                }
                Ctrl::CancelAll => Err(()),
            };
        }
        match op {
            Ctrl::GetFd => Ok(CtrlOut::Fd(event_get_fd(&(*b).public.ev_read))),
            Ctrl::SetFd(fd) => {
                let Some(f) = fns() else { return Err(()) };
                let p = &raw mut (*b).public;
                event_del(&mut (*p).ev_read);
                event_del(&mut (*p).ev_write);
                if fd >= 0 && (f.set_fd)((*s).ssl, fd) != 1 {
                    return Err(());
                }
                assign_events(b, fd);
                if fd >= 0 {
                    if (*s).handshaking {
                        start_handshake_events(b);
                    } else {
                        tidy(b);
                    }
                }
                Ok(CtrlOut::Done)
            }
            Ctrl::GetUnderlying => Err(()),
            Ctrl::CancelAll => Err(()),
        }
    }
}

/// bufferevent_openssl_get_ssl: NULL for other kinds.
///
/// SAFETY: b is live.
pub unsafe fn get_ssl(b: *mut Bev) -> *mut Ssl {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = ssl_state(b).map_or(ptr::null_mut(), |s| (*s).ssl);
        unlock(b);
        r
    }
}

/// bufferevent_get_openssl_error: the newest queued error, removed; 0 when none.
///
/// SAFETY: b is live.
pub unsafe fn take_error(b: *mut Bev) -> c_ulong {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = ssl_state(b).and_then(|s| (*s).errors.pop()).unwrap_or(0);
        unlock(b);
        r
    }
}

/// SAFETY: b is live.
pub unsafe fn get_allow_dirty_shutdown(b: *mut Bev) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let r = ssl_state(b).map_or(-1, |s| (*s).allow_dirty_shutdown as c_int);
        unlock(b);
        r
    }
}

/// SAFETY: b is live.
pub unsafe fn set_allow_dirty_shutdown(b: *mut Bev, allow: c_int) {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        if let Some(s) = ssl_state(b) {
            (*s).allow_dirty_shutdown = allow != 0;
        }
        unlock(b);
    }
}

/// bufferevent_ssl_renegotiate: ask OpenSSL for a new handshake and drive it like the first
/// (TLS 1.3 has none: OpenSSL accepts the request and the handshake is complete at once,
/// which reports BEV_EVENT_CONNECTED again, as libevent does). The socket flavour tries at
/// once: 1 when done, 0 when under way, -1 on failure; the filter flavour goes on when the
/// underlying next reads or drains (0).
///
/// SAFETY: b is live.
pub unsafe fn renegotiate(b: *mut Bev) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: per the function contract.
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
                    if event_get_fd(&(*b).public.ev_read) >= 0 {
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

// ---- bufferevent_socket_connect / _hostname on the socket flavour ----

/// bufferevent_socket_connect on a socket-flavour SSL bufferevent, which libevent allows:
/// the fd (made here when there is none) is connected and becomes the SSL's; a pending
/// handshake starts on it, and a failed connect surfaces as the handshake's error. The
/// filter flavour has no socket of its own (connect its underlying bufferevent): -1.
///
/// SAFETY: b is live and an SSL bufferevent; sa is NULL or points to socklen readable bytes.
pub unsafe fn socket_connect(b: *mut Bev, sa: *const libc::sockaddr, socklen: c_int) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        if under(b).is_some() {
            log::warn("bufferevent_socket_connect: an SSL filter has no socket of its own");
            return -1;
        }
        incref_and_lock(b);
        let mut result = -1;
        let mut fd = event_get_fd(&(*b).public.ev_read);
        let had_fd = fd >= 0;
        'work: {
            if fd < 0 && sa.is_null() {
                break 'work;
            }
            let mut r = sock::CONNECT_IN_PROGRESS;
            if !sa.is_null() {
                r = sock::connect_nonblocking(&mut fd, sa, socklen as libc::socklen_t);
                if r == sock::CONNECT_ERROR {
                    break 'work;
                }
            }
            if !had_fd && setfd(b, fd) < 0 {
                let e = errno();
                sock::close(fd);
                set_errno(e);
                break 'work;
            }
            result = 0;
            match r {
                sock::CONNECT_REFUSED => {
                    // Refused at once: report it from the loop.
                    set_errno(libc::ECONNREFUSED);
                    run_eventcb(b, BEV_EVENT_ERROR, BEV_OPT_DEFER_CALLBACKS);
                    disable(b, EV_WRITE | EV_READ);
                }
                // Writable once connected: the handshake (or pending output) goes then.
                _ => start_writing(b),
            }
        }
        decref_and_unlock(b);
        result
    }
}

/// bufferevent_socket_connect_hostname on a socket-flavour SSL bufferevent: resolve
/// (through `dns_base` when there is one, else blocking), then connect to the first
/// address. 0 once the attempt is made; a failed lookup is reported as BEV_EVENT_ERROR with
/// the error kept for bufferevent_socket_get_dns_error.
///
/// SAFETY: b is live and an SSL bufferevent; dns_base is NULL or a live evdns base;
/// hostname is NULL or a C string.
pub unsafe fn socket_connect_hostname(
    b: *mut Bev,
    dns_base: *mut crate::dns::resolver::EvdnsBase,
    family: c_int,
    hostname: *const c_char,
    port: c_int,
) -> c_int {
    if family != libc::AF_INET && family != libc::AF_INET6 && family != libc::AF_UNSPEC {
        return -1;
    }
    if !(1..=65535).contains(&port) {
        return -1;
    }
    // SAFETY: per the function contract.
    unsafe {
        let mut hints: libc::addrinfo = std::mem::zeroed();
        hints.ai_family = family;
        hints.ai_protocol = libc::IPPROTO_TCP;
        hints.ai_socktype = libc::SOCK_STREAM;
        let Ok(portbuf) = std::ffi::CString::new(port.to_string()) else { return -1 };
        incref_and_lock(b);
        (*state(b)).dns_error = 0;
        if !dns_base.is_null() {
            crate::dns::resolver::api::getaddrinfo_async(
                dns_base,
                hostname,
                portbuf.as_ptr(),
                &hints,
                lookup_answered,
                b as *mut c_void,
            );
            unlock(b);
            return 0;
        }
        let mut ai: *mut libc::addrinfo = ptr::null_mut();
        let err = crate::capi::util::evutil_getaddrinfo(hostname, portbuf.as_ptr(), &hints, &mut ai);
        lookup_done(b, err, ai);
        0
    }
}

/// The end of a lookup: connect or report. The caller holds the lock and the lookup's
/// reference; both are given up here.
///
/// SAFETY: b is live, locked, and holds the lookup's reference; ai is the result.
unsafe fn lookup_done(b: *mut Bev, err: c_int, ai: *mut libc::addrinfo) {
    // SAFETY: per the function contract.
    unsafe {
        if err == crate::util::addrinfo::EAI_CANCEL {
            (*state(b)).dns_error = err;
        } else if err != 0 || ai.is_null() {
            (*state(b)).dns_error = if err != 0 { err } else { libc::EAI_FAIL };
            run_eventcb(b, BEV_EVENT_ERROR, 0);
        } else if socket_connect(b, (*ai).ai_addr, (*ai).ai_addrlen as c_int) < 0 {
            run_eventcb(b, BEV_EVENT_ERROR, 0);
        }
        if !ai.is_null() {
            crate::capi::util::evutil_freeaddrinfo(ai);
        }
        decref_and_unlock(b);
    }
}

/// The evdns answer to socket_connect_hostname's lookup.
unsafe extern "C" fn lookup_answered(err: c_int, ai: *mut libc::addrinfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: arg is the bufferevent that asked; it holds a reference until lookup_done.
    unsafe {
        lock(b);
        lookup_done(b, err, ai);
    }
}

/// The last lookup's error (bufferevent_socket_get_dns_error).
///
/// SAFETY: b is live and an SSL bufferevent.
pub unsafe fn dns_error(b: *mut Bev) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let e = (*state(b)).dns_error;
        unlock(b);
        e
    }
}

// ---- the filter flavour's BIO: reads the underlying's input, writes its output ----

/// The BIO_METHOD, made once (an address, so that it can sit in a static).
fn bio_method(f: &Fns) -> *mut BioMethod {
    static METHOD: OnceLock<usize> = OnceLock::new();
    *METHOD.get_or_init(|| {
        // SAFETY: OpenSSL's BIO_meth_* API with our callbacks, which match its signatures.
        unsafe {
            let m = (f.meth_new)(BIO_TYPE_BUFFEREVENT, c"bufferevent".as_ptr());
            if !m.is_null() {
                (f.meth_set_write)(m, bio_write);
                (f.meth_set_read)(m, bio_read);
                (f.meth_set_puts)(m, bio_puts);
                (f.meth_set_ctrl)(m, bio_ctrl);
                (f.meth_set_create)(m, bio_create);
                (f.meth_set_destroy)(m, bio_destroy);
            }
            m as usize
        }
    }) as *mut BioMethod
}

/// A BIO on `underlying`'s buffers that does not own it.
///
/// SAFETY: underlying is live.
unsafe fn new_bufferevent_bio(f: &Fns, underlying: *mut Bufferevent) -> *mut Bio {
    let m = bio_method(f);
    if m.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a fresh BIO of our method.
    unsafe {
        let bio = (f.bio_new)(m);
        if !bio.is_null() {
            (f.bio_set_data)(bio, underlying as *mut c_void);
            (f.bio_set_shutdown)(bio, 0);
            (f.bio_set_init)(bio, 1);
        }
        bio
    }
}

/// The underlying bufferevent behind one of our BIOs (NULL before init).
///
/// SAFETY: bio is one of our BIOs.
unsafe fn bio_under(f: &Fns, bio: *mut Bio) -> *mut Bufferevent {
    // SAFETY: per the function contract.
    unsafe { (f.bio_get_data)(bio) as *mut Bufferevent }
}

/// Append to the underlying's output, up to its write high-water mark ("retry" when full).
unsafe extern "C" fn bio_write(bio: *mut Bio, data: *const c_char, len: c_int) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: OpenSSL calls us with one of our BIOs and len readable bytes at data; the
    // underlying outlives the SSL's use of the BIO (we hold a reference on it).
    unsafe {
        (f.bio_clear_flags)(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
        let u = bio_under(f, bio);
        if u.is_null() || data.is_null() || len < 0 {
            return -1;
        }
        let out = (*u).output;
        let mut n = len as usize;
        let high = (*u).wm_write.high;
        if high != 0 {
            let have = evbuf::len(out);
            if have >= high {
                (f.bio_set_flags)(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
                return -1;
            }
            n = n.min(high - have);
        }
        if evbuf::evbuffer_add(out, data as *const c_void, n) < 0 {
            return -1;
        }
        n as c_int
    }
}

/// Take from the underlying's input ("retry" when it is empty).
unsafe extern "C" fn bio_read(bio: *mut Bio, out: *mut c_char, len: c_int) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: as bio_write; out has room for len bytes.
    unsafe {
        (f.bio_clear_flags)(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
        let u = bio_under(f, bio);
        if u.is_null() || out.is_null() || len <= 0 {
            return if u.is_null() { -1 } else { 0 };
        }
        let inp = (*u).input;
        if evbuf::len(inp) == 0 {
            (f.bio_set_flags)(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
            return -1;
        }
        evbuf::evbuffer_remove(inp, out as *mut c_void, len as usize)
    }
}

unsafe extern "C" fn bio_puts(bio: *mut Bio, s: *const c_char) -> c_int {
    if s.is_null() {
        return -1;
    }
    // SAFETY: s is a NUL-terminated string (BIO_puts contract).
    let n = unsafe { libc::strlen(s) };
    // SAFETY: as bio_write.
    unsafe { bio_write(bio, s, n.min(c_int::MAX as usize) as c_int) }
}

unsafe extern "C" fn bio_ctrl(bio: *mut Bio, cmd: c_int, num: c_long, _ptr: *mut c_void) -> c_long {
    let Some(f) = fns() else { return 0 };
    // SAFETY: as bio_write.
    unsafe {
        let u = bio_under(f, bio);
        match cmd {
            BIO_CTRL_GET_CLOSE => (f.bio_get_shutdown)(bio) as c_long,
            BIO_CTRL_SET_CLOSE => {
                (f.bio_set_shutdown)(bio, num as c_int);
                1
            }
            BIO_CTRL_PENDING => (!u.is_null() && evbuf::len((*u).input) != 0) as c_long,
            BIO_CTRL_WPENDING => (!u.is_null() && evbuf::len((*u).output) != 0) as c_long,
            BIO_CTRL_DUP | BIO_CTRL_FLUSH => 1,
            _ => 0,
        }
    }
}

unsafe extern "C" fn bio_create(bio: *mut Bio) -> c_int {
    let Some(f) = fns() else { return 0 };
    // SAFETY: a BIO OpenSSL is making with our method.
    unsafe {
        (f.bio_set_init)(bio, 0);
        (f.bio_set_data)(bio, ptr::null_mut());
    }
    1
}

/// Our BIOs never own the underlying bufferevent (the bufferevent's options decide).
unsafe extern "C" fn bio_destroy(bio: *mut Bio) -> c_int {
    if bio.is_null() {
        0
    } else {
        1
    }
}

extern "C" {
    fn evbuffer_pullup(buf: *mut evbuf::Evbuffer, size: isize) -> *mut u8;
    fn evbuffer_drain(buf: *mut evbuf::Evbuffer, len: usize) -> c_int;
}
