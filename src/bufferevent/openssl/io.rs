//! Driving SSL: the handshake, reading (SSL_read into the input buffer), writing (the output
//! buffer into SSL_write), the end of the connection, and the callbacks that start all this
//! (the socket flavour's events, the underlying's callbacks, the kick).

use super::sys::*;
use super::*;
use crate::buffer::{CbInfo, Evbuffer};
use crate::bufferevent::ratelim;
use crate::core::log;
use libc::c_short;

/// At most this many errors are kept per bufferevent (later ones are dropped), as libevent.
const MAX_ERRORS: usize = 3;
/// Plaintext moved per SSL_read / SSL_write call.
const CHUNK: usize = 16384;
/// SSL_read / SSL_write calls per wake-up before giving the loop back.
const ROUNDS: usize = 16;

/// Socket flavour: a handshake starts by watching the directions the program has enabled
/// (by default only writing, which is enough: the first step says what it needs next). As in
/// libevent, a program that enables neither holds the handshake back until it does.
///
/// # Safety
/// Module contract; `b` locked.
pub(super) unsafe fn start_handshake_events(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let p = &raw mut (*b).public;
        if reading(b) {
            add_event(&raw mut (*p).ev_read, (*p).timeout_read);
        }
        if writing(b) {
            add_event(&raw mut (*p).ev_write, (*p).timeout_write);
        }
    }
}

/// Have the loop call us back soon (kick_cb).
///
/// # Safety
/// Module contract.
pub(super) unsafe fn kick(b: *mut Bev) {
    // SAFETY: b is live (module contract).
    unsafe {
        if !is_finalizing(b) {
            api::active((*state(b)).kick, EV_READ as c_int, 1);
        }
    }
}

/// Incoming bytes wanted: the socket's read event, or the underlying reading.
///
/// # Safety
/// Module contract; `b` locked.
pub(super) unsafe fn start_reading(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if let Some(u) = under(b) {
            unsuspend_read(u, SUSPEND_FILT_READ);
            return;
        }
        let p = &raw mut (*b).public;
        if api::fd(&raw const (*p).ev_read) >= 0 && api::pending(&raw const (*p).ev_read, EV_READ, None) == 0 {
            add_event(&raw mut (*p).ev_read, (*p).timeout_read);
        }
    }
}

/// # Safety
/// Module contract; `b` locked.
pub(super) unsafe fn stop_reading(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if let Some(u) = under(b) {
            suspend_read(u, SUSPEND_FILT_READ);
        } else {
            api::del(&raw mut (*b).public.ev_read);
        }
    }
}

/// Socket flavour: wait for the fd to be writable. (The filter flavour writes into the
/// underlying's output at once; its write callback tells us when there is room again.)
///
/// # Safety
/// Module contract; `b` locked.
pub(super) unsafe fn start_writing(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if under(b).is_some() {
            return;
        }
        let p = &raw mut (*b).public;
        if api::fd(&raw const (*p).ev_write) >= 0 && api::pending(&raw const (*p).ev_write, EV_WRITE, None) == 0 {
            add_event(&raw mut (*p).ev_write, (*p).timeout_write);
        }
    }
}

/// # Safety
/// Module contract; `b` locked.
pub(super) unsafe fn stop_writing(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if under(b).is_none() {
            api::del(&raw mut (*b).public.ev_write);
        }
    }
}

/// Is the program reading (enabled, not suspended)?
///
/// # Safety
/// Module contract.
pub(super) unsafe fn reading(b: *mut Bev) -> bool {
    // SAFETY: b is live (module contract).
    unsafe { enabled(b) & EV_READ != 0 && (*b).read_suspended == 0 }
}

/// # Safety
/// Module contract.
pub(super) unsafe fn writing(b: *mut Bev) -> bool {
    // SAFETY: b is live (module contract).
    unsafe { enabled(b) & EV_WRITE != 0 && (*b).write_suspended == 0 }
}

/// Data added to the output: write it if the program wants to (the socket flavour when the
/// fd is writable, the filter flavour at once, into the underlying's output).
pub(super) unsafe extern "C" fn outbuf_cb(_buf: *mut Evbuffer, info: *const CbInfo, arg: *mut c_void) {
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

pub(super) unsafe extern "C" fn ssl_readcb(_fd: c_int, what: c_short, arg: *mut c_void) {
    // SAFETY: ev_read lives in b and is deleted before b is released; enter() holds a
    // reference for the duration.
    unsafe { on_ready(arg as *mut Bev, what, true) }
}

pub(super) unsafe extern "C" fn ssl_writecb(_fd: c_int, what: c_short, arg: *mut c_void) {
    // SAFETY: as ssl_readcb.
    unsafe { on_ready(arg as *mut Bev, what, false) }
}

pub(super) unsafe extern "C" fn kick_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the kick event lives in b's state and is deleted before b is released.
    unsafe {
        if !enter(b) {
            return;
        }
        progress(b, true);
        if !(*state(b)).handshaking && !is_finalizing(b) && writing(b) && evbuffer::length(output(b)) > 0 {
            progress(b, false);
        }
        decref_and_unlock(b);
    }
}

/// Filter flavour: the underlying read ciphertext.
pub(super) unsafe extern "C" fn under_readcb(_u: *mut Bufferevent, arg: *mut c_void) {
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
pub(super) unsafe extern "C" fn under_writecb(_u: *mut Bufferevent, arg: *mut c_void) {
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
pub(super) unsafe extern "C" fn under_eventcb(_u: *mut Bufferevent, what: c_short, arg: *mut c_void) {
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
/// # Safety
/// Module contract (its event fired, so it is not finalized: its events are deleted first).
pub(super) unsafe fn on_ready(b: *mut Bev, what: c_short, is_read: bool) {
    // SAFETY: b is live (contract); enter() locks it and holds a reference for the duration.
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
/// # Safety
/// Module contract; `b` locked and referenced.
pub(super) unsafe fn progress(b: *mut Bev, read_side: bool) {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
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
/// # Safety
/// Module contract; `b` locked.
pub(super) unsafe fn tidy(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
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
        if api::fd(&raw const (*b).public.ev_read) < 0 {
            return;
        }
        if reading(b) || (*s).write_blocked_on_read {
            start_reading(b);
        } else {
            stop_reading(b);
        }
        if (writing(b) && evbuffer::length(output(b)) > 0) || (*s).read_blocked_on_write {
            start_writing(b);
        } else {
            stop_writing(b);
        }
    }
}

/// 1 when the handshake completed, 0 when it waits for I/O, -1 when it failed (reported).
///
/// # Safety
/// Module contract; `b` locked and referenced.
pub(super) unsafe fn do_handshake(b: *mut Bev) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: b is live (module contract), locked and referenced by the caller.
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
/// # Safety
/// Module contract; `b` locked and referenced.
pub(super) unsafe fn do_read(b: *mut Bev) -> bool {
    let Some(f) = fns() else { return false };
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        let s = state(b);
        (*s).read_blocked_on_write = false;
        let inp = input(b);
        let mut got = 0usize;
        let mut buf = [0u8; CHUNK];
        let mut more = false;
        for round in 0..ROUNDS {
            let mut room = CHUNK as isize;
            if let Some(r) = crate::bufferevent::watermark::read_room((*b).public.wm_read.high, evbuffer::length(inp)) {
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
                evbuffer::add(inp, &buf[..r as usize]);
                ratelim::decrement_read(b, r as isize);
                got += r as usize;
                more = round + 1 == ROUNDS;
                // The socket flavour goes back to the socket only when it is readable again
                // (as libevent): what the program does with this first (disable reading, say)
                // must come before we see whatever follows, the peer's close included.
                if under(b).is_none() && (f.pending)((*s).ssl) <= 0 {
                    more = false;
                    break;
                }
                continue;
            }
            match (f.get_error)((*s).ssl, r) {
                SSL_ERROR_WANT_READ => {}
                SSL_ERROR_WANT_WRITE => {
                    (*s).read_blocked_on_write = true;
                }
                e => {
                    if got > 0 && evbuffer::length(inp) >= (*b).public.wm_read.low {
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
            if evbuffer::length(inp) >= (*b).public.wm_read.low {
                run_readcb(b, 0);
            }
        }
        // More plaintext already inside SSL, or ciphertext already read by the underlying,
        // or we stopped only to let the loop breathe: come back for it.
        if got > 0 && !is_finalizing(b) && reading(b) {
            let queued = under(b).is_some_and(|u| evbuffer::length(input(u)) > 0);
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
/// # Safety
/// Module contract; `b` locked and referenced.
pub(super) unsafe fn do_write(b: *mut Bev) -> bool {
    let Some(f) = fns() else { return false };
    // SAFETY: b is live (module contract), locked and referenced by the caller.
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
            let have = evbuffer::length(out);
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
            let data = evbuffer::pullup(out, n as isize);
            if data.is_null() {
                break;
            }
            // SSL_get_error reads the thread's error queue: anything stale there (a refused
            // SSL_renegotiate, the program's own calls) would turn a retry into a failure.
            (f.err_clear_error)();
            let r = (f.write)((*s).ssl, data as *const c_void, n as c_int);
            if r > 0 {
                (*s).last_write = 0;
                evbuffer::drain(out, r as usize);
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
                if evbuffer::length(out) > 0 {
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
            if !blocked && under(b).is_some() && !is_finalizing(b) && evbuffer::length(out) > 0 {
                kick(b);
            }
        }
        true
    }
}

/// The connection ended (cleanly or not) or failed: queue the errors, stop, and tell the
/// program. An end without close_notify is an error unless dirty shutdowns are allowed.
///
/// # Safety
/// Module contract; `b` locked and referenced.
pub(super) unsafe fn conn_closed(b: *mut Bev, when: c_short, errcode: c_int, ret: c_int) {
    let Some(f) = fns() else { return };
    // SAFETY: b is live (module contract), locked and referenced by the caller.
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
