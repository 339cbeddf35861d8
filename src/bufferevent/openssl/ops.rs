//! The SSL kind's bufferevent ops: enabling and disabling directions, timeouts, unlinking
//! and teardown, fd control.

use super::io::*;
use super::sys::*;
use super::*;
use crate::util::socket as sock;
use libc::c_short;

/// The SSL kind, both flavours (socket and filter).
pub static SSL_OPS: Ops = Ops {
    name: "ssl",
    enable: ssl_enable,
    disable: ssl_disable,
    unlink: Some(ssl_unlink),
    destruct: Some(ssl_destruct),
    adj_timeouts: Some(ssl_adj_timeouts),
    flush: Some(ssl_flush),
    ctrl: Some(ssl_ctrl),
    connect: Some(super::connect::ssl_connect),
};

unsafe fn ssl_enable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live and locked (ops contract).
    unsafe {
        let s = state(b);
        let filter = under(b).is_some();
        if filter {
            if event & EV_READ != 0 {
                reset_generic_read_timeout(b);
            }
            if event & EV_WRITE != 0 && evbuffer::length(output(b)) > 0 {
                reset_generic_write_timeout(b);
            }
        }
        let p = &raw mut (*b).public;
        if (*s).handshaking {
            // The socket flavour's handshake follows the program's directions, as libevent.
            if !filter && api::fd(&raw const (*p).ev_read) >= 0 {
                if event & EV_READ != 0 {
                    add_event(&raw mut (*p).ev_read, (*p).timeout_read);
                }
                if event & EV_WRITE != 0 {
                    add_event(&raw mut (*p).ev_write, (*p).timeout_write);
                }
            }
            return 0;
        }
        if filter || api::fd(&raw const (*p).ev_read) >= 0 {
            if event & EV_READ != 0 {
                start_reading(b);
            }
            if event & EV_WRITE != 0 && evbuffer::length(output(b)) > 0 {
                start_writing(b);
            }
            // Plaintext or ciphertext may already be waiting, or (filter) output to write.
            let queued = under(b).is_some_and(|u| evbuffer::length(input(u)) > 0);
            if let Some(f) = fns() {
                if (event & EV_READ != 0 && (queued || (f.pending)((*s).ssl) > 0))
                    || (filter && event & EV_WRITE != 0 && evbuffer::length(output(b)) > 0)
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
                    api::del(&raw mut (*b).public.ev_read);
                }
                if event & EV_WRITE != 0 {
                    api::del(&raw mut (*b).public.ev_write);
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
        let kick = (*state(b)).kick;
        if (*kick).cb.flags & EVLIST_INIT != 0 {
            api::del(kick);
        }
        if let Some(u) = under(b) {
            release_underlying(b, u, under_eventcb);
        }
    }
}

/// With BEV_OPT_CLOSE_ON_FREE the SSL is freed, and the socket flavour's fd closed, as
/// libevent does.
unsafe fn ssl_destruct(b: *mut Bev) {
    // SAFETY: b is live (ops contract); nothing of ours can run any more.
    unsafe {
        let s = state(b);
        let kick = (*s).kick;
        if (*kick).cb.flags & EVLIST_INIT != 0 {
            api::debug_unassign(kick);
        }
        if (*b).options & BEV_OPT_CLOSE_ON_FREE == 0 {
            return;
        }
        if (*s).underlying.is_null() {
            let fd = api::fd(&raw const (*b).public.ev_read);
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
                // libevent keeps the underlying's fd when told -1 (and reports success);
                // a real fd goes to the underlying.
                Ctrl::SetFd(fd) if fd < 0 => Ok(CtrlOut::Done),
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
            Ctrl::GetFd => Ok(CtrlOut::Fd(api::fd(&raw const (*b).public.ev_read))),
            Ctrl::SetFd(fd) => {
                let Some(f) = fns() else { return Err(()) };
                let p = &raw mut (*b).public;
                api::del(&raw mut (*p).ev_read);
                api::del(&raw mut (*p).ev_write);
                if fd >= 0 && (f.set_fd)((*s).ssl, fd) != 1 {
                    return Err(());
                }
                // A new transport is a new connection: one made connecting or accepting
                // shakes hands again on it (evhttp reconnecting after "Connection: close").
                let initial = (*s).initial;
                if initial != BUFFEREVENT_SSL_OPEN {
                    if (f.clear)((*s).ssl) != 1 {
                        return Err(());
                    }
                    if initial == BUFFEREVENT_SSL_CONNECTING {
                        (f.set_connect_state)((*s).ssl);
                    } else {
                        (f.set_accept_state)((*s).ssl);
                    }
                    (*s).handshaking = true;
                    (*s).read_blocked_on_write = false;
                    (*s).write_blocked_on_read = false;
                    (*s).last_write = 0;
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
