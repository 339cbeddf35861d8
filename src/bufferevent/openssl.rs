//! OpenSSL bufferevents over a socket (bufferevent_ssl.h): the bufferevent's fd carries TLS;
//! the input buffer receives what SSL_read decrypts, the output buffer is fed to SSL_write.
//!
//! The program hands us its own `SSL *`, so we must call the very libssl it uses, and
//! libevent-2.1.so.7 must not itself depend on libssl (Debian's does not). The OpenSSL
//! functions are therefore looked up at first use with `dlsym(RTLD_DEFAULT, ...)`: a program
//! that made an SSL has libssl loaded. (libevent_openssl-2.1.so.7 links libssl, as Debian's
//! does, so a program linked against it always has it.)
//!
//! Not here yet: the filter flavour (bufferevent_openssl_filter_new), which is not exported.

use super::core::*;
use super::evbuf;
use super::ratelim;
use crate::capi::event::{event_active, event_assign, event_del, event_get_fd, event_pending};
use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::log;
use crate::util::socket as sock;
use libc::{c_int, c_long, c_short, c_ulong, c_void};
use std::ptr;
use std::sync::OnceLock;

/// `SSL` (opaque).
#[repr(C)]
pub struct Ssl {
    _opaque: [u8; 0],
}

/// BUFFEREVENT_SSL_OPEN / CONNECTING / ACCEPTING.
pub const BUFFEREVENT_SSL_OPEN: c_int = 0;
pub const BUFFEREVENT_SSL_CONNECTING: c_int = 1;
pub const BUFFEREVENT_SSL_ACCEPTING: c_int = 2;

// OpenSSL's ABI-stable values.
const SSL_ERROR_SSL: c_int = 1;
const SSL_ERROR_WANT_READ: c_int = 2;
const SSL_ERROR_WANT_WRITE: c_int = 3;
const SSL_ERROR_SYSCALL: c_int = 5;
const SSL_ERROR_ZERO_RETURN: c_int = 6;
const SSL_RECEIVED_SHUTDOWN: c_int = 2;
const SSL_CTRL_MODE: c_int = 33;
const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: c_long = 2;
const BIO_C_GET_FD: c_int = 105;

/// At most this many errors are kept per bufferevent (the newest are dropped), as libevent.
const MAX_ERRORS: usize = 3;
/// Plaintext moved per SSL_read / SSL_write call.
const CHUNK: usize = 16384;

/// The OpenSSL functions we call, from the program's libssl/libcrypto.
struct Fns {
    read: unsafe extern "C" fn(*mut Ssl, *mut c_void, c_int) -> c_int,
    write: unsafe extern "C" fn(*mut Ssl, *const c_void, c_int) -> c_int,
    get_error: unsafe extern "C" fn(*const Ssl, c_int) -> c_int,
    do_handshake: unsafe extern "C" fn(*mut Ssl) -> c_int,
    set_fd: unsafe extern "C" fn(*mut Ssl, c_int) -> c_int,
    get_rbio: unsafe extern "C" fn(*const Ssl) -> *mut c_void,
    bio_ctrl: unsafe extern "C" fn(*mut c_void, c_int, c_long, *mut c_void) -> c_long,
    ctrl: unsafe extern "C" fn(*mut Ssl, c_int, c_long, *mut c_void) -> c_long,
    set_connect_state: unsafe extern "C" fn(*mut Ssl),
    set_accept_state: unsafe extern "C" fn(*mut Ssl),
    pending: unsafe extern "C" fn(*const Ssl) -> c_int,
    get_shutdown: unsafe extern "C" fn(*const Ssl) -> c_int,
    renegotiate: unsafe extern "C" fn(*mut Ssl) -> c_int,
    free: unsafe extern "C" fn(*mut Ssl),
    err_get_error: unsafe extern "C" fn() -> c_ulong,
    err_peek_error: unsafe extern "C" fn() -> c_ulong,
}

fn fns() -> Option<&'static Fns> {
    static FNS: OnceLock<Option<Fns>> = OnceLock::new();
    FNS.get_or_init(|| {
        macro_rules! sym {
            ($name:literal) => {{
                // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name; the pointer, when
                // found, is the named OpenSSL function, whose C signature the field declares.
                let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, concat!($name, "\0").as_ptr() as *const libc::c_char) };
                if p.is_null() {
                    log::warn(concat!("OpenSSL bufferevent: ", $name, " not found (is libssl loaded?)"));
                    return None;
                }
                // SAFETY: as above.
                unsafe { std::mem::transmute::<*mut c_void, _>(p) }
            }};
        }
        Some(Fns {
            read: sym!("SSL_read"),
            write: sym!("SSL_write"),
            get_error: sym!("SSL_get_error"),
            do_handshake: sym!("SSL_do_handshake"),
            set_fd: sym!("SSL_set_fd"),
            get_rbio: sym!("SSL_get_rbio"),
            bio_ctrl: sym!("BIO_ctrl"),
            ctrl: sym!("SSL_ctrl"),
            set_connect_state: sym!("SSL_set_connect_state"),
            set_accept_state: sym!("SSL_set_accept_state"),
            pending: sym!("SSL_pending"),
            get_shutdown: sym!("SSL_get_shutdown"),
            renegotiate: sym!("SSL_renegotiate"),
            free: sym!("SSL_free"),
            err_get_error: sym!("ERR_get_error"),
            err_peek_error: sym!("ERR_peek_error"),
        })
    })
    .as_ref()
}

pub struct SslState {
    ssl: *mut Ssl,
    /// A handshake (connecting, accepting or renegotiating) is under way: both events drive it.
    handshaking: bool,
    allow_dirty_shutdown: bool,
    /// Reading needs the fd writable first (SSL_read said WANT_WRITE), or the reverse.
    read_blocked_on_write: bool,
    write_blocked_on_read: bool,
    /// Length of an SSL_write to retry with the same length (OpenSSL requires it).
    last_write: usize,
    /// OpenSSL error codes, oldest first (bufferevent_get_openssl_error takes the newest).
    errors: Vec<c_ulong>,
}

pub static SSL_OPS: Ops = Ops {
    name: "ssl",
    enable: ssl_enable,
    disable: ssl_disable,
    unlink: None,
    destruct: Some(ssl_destruct),
    adj_timeouts: Some(adj_existing_timeouts),
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
    unsafe { if is_kind(b, &SSL_OPS) { Some(state(b)) } else { None } }
}

/// bufferevent_openssl_socket_new.
///
/// SAFETY: base NULL or live; ssl NULL or the program's live SSL.
pub unsafe fn socket_new(base: *mut EventBase, mut fd: c_int, ssl: *mut Ssl, st: c_int, options: c_int) -> *mut Bev {
    let Some(f) = fns() else { return ptr::null_mut() };
    if ssl.is_null() || !(BUFFEREVENT_SSL_OPEN..=BUFFEREVENT_SSL_ACCEPTING).contains(&st) {
        return ptr::null_mut();
    }
    // SAFETY: per the function contract; b is fresh.
    unsafe {
        // The program may have given the SSL its own BIO: then its fd is the one we watch.
        let bio = (f.get_rbio)(ssl);
        if bio.is_null() {
            if fd >= 0 && (f.set_fd)(ssl, fd) != 1 {
                return ptr::null_mut();
            }
        } else {
            let bio_fd = (f.bio_ctrl)(bio, BIO_C_GET_FD, 0, ptr::null_mut()) as c_int;
            if fd < 0 {
                fd = bio_fd;
            } else if bio_fd >= 0 && bio_fd != fd {
                log::warn("bufferevent_openssl_socket_new: fd differs from the SSL's BIO fd");
                return ptr::null_mut();
            }
        }
        let state = SslState {
            ssl,
            handshaking: st != BUFFEREVENT_SSL_OPEN,
            allow_dirty_shutdown: false,
            read_blocked_on_write: false,
            write_blocked_on_read: false,
            last_write: 0,
            errors: Vec::new(),
        };
        let b = alloc(base, &SSL_OPS, options, Kind::Ssl(state));
        if b.is_null() {
            return b;
        }
        (f.ctrl)(ssl, SSL_CTRL_MODE, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, ptr::null_mut());
        match st {
            BUFFEREVENT_SSL_CONNECTING => (f.set_connect_state)(ssl),
            BUFFEREVENT_SSL_ACCEPTING => (f.set_accept_state)(ssl),
            _ => {}
        }
        assign_events(b, fd);
        evbuf::evbuffer_add_cb(output(b), Some(outbuf_cb), b as *mut c_void);
        // Only we add to the input and drain the output.
        evbuf::evbuffer_freeze(input(b), evbuf::END);
        evbuf::evbuffer_freeze(output(b), evbuf::FRONT);
        if st != BUFFEREVENT_SSL_OPEN && fd >= 0 {
            start_handshake_events(b);
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

/// A handshake starts by watching both directions: the first readiness runs it.
///
/// SAFETY: b is live and locked.
unsafe fn start_handshake_events(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let p = &raw mut (*b).public;
        add_event(&mut (*p).ev_read, &(*p).timeout_read);
        add_event(&mut (*p).ev_write, &(*p).timeout_write);
    }
}

/// SAFETY: b is live and locked.
unsafe fn want_read(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let p = &raw mut (*b).public;
        if event_pending(&(*p).ev_read, EV_READ, ptr::null_mut()) == 0 {
            add_event(&mut (*p).ev_read, &(*p).timeout_read);
        }
    }
}

/// SAFETY: b is live and locked.
unsafe fn want_write(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let p = &raw mut (*b).public;
        if event_pending(&(*p).ev_write, EV_WRITE, ptr::null_mut()) == 0 {
            add_event(&mut (*p).ev_write, &(*p).timeout_write);
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

/// Data added to the output: start writing if the program wants to.
unsafe extern "C" fn outbuf_cb(_buf: *mut evbuf::Evbuffer, info: *const evbuf::CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the entry lives in b's output buffer, freed together with b.
    unsafe {
        if (*info).n_added == 0 || !writing(b) || (*state(b)).handshaking {
            return;
        }
        if event_get_fd(&(*b).public.ev_write) >= 0 {
            want_write(b);
        }
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


/// One readiness (or timeout) of ev_read (`is_read`) or ev_write.
///
/// SAFETY: b is live (its event fired).
unsafe fn on_ready(b: *mut Bev, what: c_short, is_read: bool) {
    // SAFETY: per the function contract.
    unsafe {
        if !enter(b) {
            return;
        }
        let s = state(b);
        if what == EV_TIMEOUT {
            let dir = if is_read { EV_READ } else { EV_WRITE };
            let flag = if is_read { BEV_EVENT_READING } else { BEV_EVENT_WRITING };
            disable(b, dir);
            run_eventcb(b, BEV_EVENT_TIMEOUT | flag, 0);
        } else if (*s).handshaking {
            do_handshake(b);
        } else if is_read {
            if (*s).write_blocked_on_read {
                do_write(b);
            }
            if !(*s).handshaking && (reading(b) || (*s).read_blocked_on_write) {
                do_read(b);
            }
            tidy_events(b);
        } else {
            if (*s).read_blocked_on_write {
                do_read(b);
            }
            if writing(b) || (*s).write_blocked_on_read {
                do_write(b);
            }
            tidy_events(b);
        }
        decref_and_unlock(b);
    }
}

/// After I/O: keep exactly the events something waits for.
///
/// SAFETY: b is live and locked.
unsafe fn tidy_events(b: *mut Bev) {
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        if (*s).handshaking || is_finalizing(b) || event_get_fd(&(*b).public.ev_read) < 0 {
            return;
        }
        let p = &raw mut (*b).public;
        if reading(b) || (*s).write_blocked_on_read {
            want_read(b);
        } else {
            event_del(&mut (*p).ev_read);
        }
        if (writing(b) && evbuf::len(output(b)) > 0) || (*s).read_blocked_on_write {
            want_write(b);
        } else {
            event_del(&mut (*p).ev_write);
        }
    }
}

/// SAFETY: b is live and locked.
unsafe fn do_handshake(b: *mut Bev) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        let r = (f.do_handshake)((*s).ssl);
        if r == 1 {
            (*s).handshaking = false;
            let p = &raw mut (*b).public;
            event_del(&mut (*p).ev_read);
            event_del(&mut (*p).ev_write);
            run_eventcb(b, BEV_EVENT_CONNECTED, 0);
            if !is_finalizing(b) && !(*s).handshaking {
                tidy_events(b);
                // Records decrypted along with the handshake's last message wait in SSL.
                if reading(b) && (f.pending)((*s).ssl) > 0 {
                    event_active(&mut (*p).ev_read, EV_READ as c_int, 1);
                }
            }
            return 1;
        }
        let p = &raw mut (*b).public;
        match (f.get_error)((*s).ssl, r) {
            SSL_ERROR_WANT_READ => {
                event_del(&mut (*p).ev_write);
                want_read(b);
                0
            }
            SSL_ERROR_WANT_WRITE => {
                event_del(&mut (*p).ev_read);
                want_write(b);
                0
            }
            e => {
                conn_closed(b, BEV_EVENT_READING, e, r);
                -1
            }
        }
    }
}

/// Read and decrypt what is there, within the high-water mark and the rate limit.
///
/// SAFETY: b is live and locked.
unsafe fn do_read(b: *mut Bev) {
    let Some(f) = fns() else { return };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        (*s).read_blocked_on_write = false;
        let inp = input(b);
        let mut got = 0usize;
        let mut buf = [0u8; CHUNK];
        for _ in 0..16 {
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
            let r = (f.read)((*s).ssl, buf.as_mut_ptr() as *mut c_void, room as c_int);
            if r > 0 {
                evbuf::evbuffer_unfreeze(inp, evbuf::END);
                evbuf::evbuffer_add(inp, buf.as_ptr() as *const c_void, r as usize);
                evbuf::evbuffer_freeze(inp, evbuf::END);
                ratelim::decrement_read(b, r as isize);
                got += r as usize;
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
                    conn_closed(b, BEV_EVENT_READING, e, r);
                    return;
                }
            }
            break;
        }
        if got > 0 && evbuf::len(inp) >= (*b).public.wm_read.low {
            run_readcb(b, 0);
        }
        // More plaintext already decrypted: come back from the loop for it.
        if !is_finalizing(b) && reading(b) && (f.pending)((*s).ssl) > 0 {
            event_active(&mut (*b).public.ev_read, EV_READ as c_int, 1);
        }
    }
}

/// Encrypt and send the output buffer, within the rate limit.
///
/// SAFETY: b is live and locked.
unsafe fn do_write(b: *mut Bev) {
    let Some(f) = fns() else { return };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        (*s).write_blocked_on_read = false;
        let out = output(b);
        let mut sent = 0usize;
        for _ in 0..16 {
            let have = evbuf::len(out);
            if have == 0 {
                break;
            }
            let mut n = if (*s).last_write > 0 { (*s).last_write } else { have.min(CHUNK) };
            n = n.min(have);
            let limit = ratelim::get_write_max(b);
            if limit <= 0 {
                break;
            }
            if (*s).last_write == 0 {
                n = n.min(limit as usize);
            }
            let data = evbuffer_pullup(out, n as isize);
            if data.is_null() {
                break;
            }
            let r = (f.write)((*s).ssl, data as *const c_void, n as c_int);
            if r > 0 {
                (*s).last_write = 0;
                evbuf::evbuffer_unfreeze(out, evbuf::FRONT);
                evbuffer_drain(out, r as usize);
                evbuf::evbuffer_freeze(out, evbuf::FRONT);
                ratelim::decrement_write(b, r as isize);
                sent += r as usize;
                continue;
            }
            (*s).last_write = n;
            match (f.get_error)((*s).ssl, r) {
                SSL_ERROR_WANT_WRITE => {}
                SSL_ERROR_WANT_READ => {
                    (*s).write_blocked_on_read = true;
                }
                e => {
                    conn_closed(b, BEV_EVENT_WRITING, e, r);
                    return;
                }
            }
            break;
        }
        if sent > 0 {
            trigger_nolock(b, EV_WRITE, 0);
        }
    }
}

/// The connection ended (cleanly or not) or failed: record OpenSSL's errors, stop, and tell
/// the program. A close without close_notify is an error unless dirty shutdowns are allowed.
///
/// SAFETY: b is live and locked.
unsafe fn conn_closed(b: *mut Bev, when: c_short, errcode: c_int, ret: c_int) {
    let Some(f) = fns() else { return };
    // SAFETY: per the function contract.
    unsafe {
        let s = state(b);
        let mut event = BEV_EVENT_ERROR;
        let mut dirty = false;
        match errcode {
            SSL_ERROR_ZERO_RETURN => {
                if (f.get_shutdown)((*s).ssl) & SSL_RECEIVED_SHUTDOWN != 0 {
                    event = BEV_EVENT_EOF;
                } else {
                    dirty = true;
                }
            }
            SSL_ERROR_SYSCALL => {
                if (ret == 0 || ret == -1) && (f.err_peek_error)() == 0 {
                    dirty = true;
                }
            }
            SSL_ERROR_SSL => {}
            _ => {}
        }
        loop {
            let e = (f.err_get_error)();
            if e == 0 {
                break;
            }
            if (*s).errors.len() < MAX_ERRORS {
                (*s).errors.push(e);
            }
        }
        if dirty && (*s).allow_dirty_shutdown {
            event = BEV_EVENT_EOF;
        }
        let p = &raw mut (*b).public;
        event_del(&mut (*p).ev_read);
        event_del(&mut (*p).ev_write);
        run_eventcb(b, when | event, 0);
    }
}

unsafe fn ssl_enable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        let s = state(b);
        if (*s).handshaking || event_get_fd(&(*b).public.ev_read) < 0 {
            return 0;
        }
        let p = &raw mut (*b).public;
        if event & EV_READ != 0 {
            want_read(b);
            if let Some(f) = fns() {
                if (f.pending)((*s).ssl) > 0 {
                    event_active(&mut (*p).ev_read, EV_READ as c_int, 1);
                }
            }
        }
        if event & EV_WRITE != 0 && evbuf::len(output(b)) > 0 {
            want_write(b);
        }
        0
    }
}

unsafe fn ssl_disable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        let s = state(b);
        if (*s).handshaking {
            return 0;
        }
        let p = &raw mut (*b).public;
        if event & EV_READ != 0 && !(*s).write_blocked_on_read {
            event_del(&mut (*p).ev_read);
        }
        if event & EV_WRITE != 0 && !(*s).read_blocked_on_write {
            event_del(&mut (*p).ev_write);
        }
        0
    }
}

/// With BEV_OPT_CLOSE_ON_FREE the SSL is freed and the fd closed, as libevent does.
unsafe fn ssl_destruct(b: *mut Bev) {
    // SAFETY: b is live (ops contract).
    unsafe {
        if (*b).options & BEV_OPT_CLOSE_ON_FREE == 0 {
            return;
        }
        let fd = event_get_fd(&(*b).public.ev_read);
        if fd >= 0 {
            sock::close(fd);
        }
        if let Some(f) = fns() {
            (f.free)((*state(b)).ssl);
        }
    }
}

unsafe fn ssl_flush(_b: *mut Bev, _iotype: c_short, _mode: c_int) -> c_int {
    0
}

unsafe fn ssl_ctrl(b: *mut Bev, op: Ctrl) -> Result<CtrlOut, ()> {
    // SAFETY: b is live (ops contract).
    unsafe {
        match op {
            Ctrl::GetFd => Ok(CtrlOut::Fd(event_get_fd(&(*b).public.ev_read))),
            Ctrl::SetFd(fd) => {
                let Some(f) = fns() else { return Err(()) };
                let p = &raw mut (*b).public;
                event_del(&mut (*p).ev_read);
                event_del(&mut (*p).ev_write);
                if fd >= 0 && (f.set_fd)((*state(b)).ssl, fd) != 1 {
                    return Err(());
                }
                assign_events(b, fd);
                if fd >= 0 {
                    if (*state(b)).handshaking {
                        start_handshake_events(b);
                    } else {
                        tidy_events(b);
                    }
                }
                Ok(CtrlOut::Done)
            }
            Ctrl::GetUnderlying => Err(()),
            Ctrl::CancelAll => Ok(CtrlOut::Done),
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

/// bufferevent_get_openssl_error: the newest recorded error, removed; 0 when none.
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
/// (TLS 1.3 has no renegotiation; OpenSSL refuses and the handshake completes at once).
/// 1 when it completed now, 0 when under way, -1 on failure.
///
/// SAFETY: b is live.
pub unsafe fn renegotiate(b: *mut Bev) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: per the function contract.
    unsafe {
        lock(b);
        let Some(s) = ssl_state(b) else {
            unlock(b);
            return -1;
        };
        if (f.renegotiate)((*s).ssl) < 0 {
            unlock(b);
            return -1;
        }
        (*s).handshaking = true;
        if event_get_fd(&(*b).public.ev_read) >= 0 {
            start_handshake_events(b);
        }
        incref(b);
        let r = do_handshake(b);
        decref_and_unlock(b);
        r
    }
}

extern "C" {
    fn evbuffer_pullup(buf: *mut evbuf::Evbuffer, size: isize) -> *mut u8;
    fn evbuffer_drain(buf: *mut evbuf::Evbuffer, len: usize) -> c_int;
}
