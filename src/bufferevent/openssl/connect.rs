//! bufferevent_socket_connect (and so _hostname, which resolves and comes here) on an SSL
//! bufferevent.

use super::io::*;
use super::*;
use crate::util::socket as sock;
use crate::util::sys::{errno, set_errno};

/// bufferevent_socket_connect on an SSL bufferevent, which libevent allows: the fd (made here
/// when there is none) is connected and becomes the SSL's; a pending handshake starts on it,
/// and a failed connect surfaces as the handshake's error. A filter's fd is its underlying
/// bufferevent's (evhttp connects an https connection built on a filter this way): the fd is
/// handed to the underlying, and the handshake's first bytes go out once it is writable.
///
/// # Safety
/// Module contract; `b` is an SSL bufferevent; sa is NULL or points to socklen readable bytes.
pub(super) unsafe fn ssl_connect(b: *mut Bev, sa: *const libc::sockaddr, socklen: c_int) -> c_int {
    // SAFETY: b is a live SSL bufferevent (contract), and so is its underlying when it has
    // one; sa is NULL or socklen readable bytes.
    unsafe {
        // Whose fd is connected: the socket flavour's own, or the filter's underlying's.
        let owner = under(b).unwrap_or(b);
        incref_and_lock(b);
        let mut result = -1;
        let mut fd = if owner == b { api::fd(&raw const (*b).public.ev_read) } else { getfd(owner) };
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
            if !had_fd && setfd(owner, fd) < 0 {
                let e = errno();
                sock::close(fd);
                set_errno(e);
                break 'work;
            }
            result = 0;
            if r == sock::CONNECT_REFUSED {
                // Refused at once: report it from the loop.
                set_errno(libc::ECONNREFUSED);
                run_eventcb(b, BEV_EVENT_ERROR, BEV_OPT_DEFER_CALLBACKS);
                disable(b, EV_WRITE | EV_READ);
            } else if owner == b {
                // Writable once connected: the handshake (or pending output) goes then. (A
                // filter's underlying writes the handshake on its own.)
                start_writing(b);
            }
        }
        decref_and_unlock(b);
        result
    }
}
