//! The client side of a connection: connecting (from a bound local address if asked, or
//! again to the address connected before), retrying with a growing delay, the queue of
//! requests sent one after another, and what happens to a request that fails.
//!
//! The pointer contract is connection.rs's.

use super::connection::{self as conn, ConFlags, Connection, State, WriteDone};
use super::reader;
use super::request::{self as rq, RequestC};
use crate::bufferevent::core::{self as bev, BEV_EVENT_CONNECTED, BEV_EVENT_TIMEOUT};
use crate::bufferevent::socket;
use crate::core::api as ev;
use crate::core::event::{EV_READ, EV_WRITE};
use crate::core::log;
use crate::util::sys::{errno, set_errno, syscall};
use libc::{c_int, c_short, c_void, timeval};
use std::ffi::CString;
use std::ptr;

/// How long a connect may take unless the program set a timeout.
const CONNECT_TIMEOUT: timeval = timeval { tv_sec: 45, tv_usec: 0 };
/// The longest wait between retries.
const RETRY_MAX_SECS: libc::time_t = 3600;

/// The wait before retry number `attempts` (0-based): the initial delay, doubled per earlier
/// attempt, at most an hour.
fn retry_delay(initial: timeval, attempts: c_int) -> timeval {
    let mut tv = initial;
    for _ in 0..attempts {
        tv.tv_sec = tv.tv_sec.saturating_mul(2);
        tv.tv_usec *= 2;
        if tv.tv_usec >= 1_000_000 {
            tv.tv_sec += tv.tv_usec / 1_000_000;
            tv.tv_usec %= 1_000_000;
        }
        if tv.tv_sec > RETRY_MAX_SECS {
            return timeval { tv_sec: RETRY_MAX_SECS, tv_usec: 0 };
        }
    }
    tv
}

/// evhttp_make_request: queue a request; connect or send as the connection's state allows.
///
/// # Safety
/// Module contract; `req` is a request not queued anywhere, consumed (freed unless owned by
/// the program) when this fails.
pub unsafe fn make_request(evcon: *mut Connection, req: *mut RequestC, type_: c_int, uri: &[u8]) -> c_int {
    // SAFETY: req and evcon are live (contract); the reference to the request ends before
    // anything is called.
    unsafe {
        {
            let r = &mut *req;
            r.kind = rq::KIND_REQUEST;
            r.type_ = type_;
            if !rq::set_string(&mut r.uri, uri) {
                rq::free_auto(req);
                return -1;
            }
            if r.major == 0 && r.minor == 0 {
                r.major = 1;
                r.minor = 1;
            }
            r.evcon = evcon;
        }
        (*evcon).requests.push_back(req);
        if (*evcon).retry_cnt > 0 {
            // A retry is already scheduled; it will pick this request up.
            return 0;
        }
        if !(*evcon).connected() {
            let res = connect(evcon);
            if res != 0 {
                (*evcon).requests.retain(|&q| q != req);
            }
            return res;
        }
        if (*evcon).requests.front() == Some(&req) && (*evcon).state == State::Idle {
            dispatch(evcon);
        }
        0
    }
}

/// evhttp_cancel_request
///
/// # Safety
/// `req` is live.
pub unsafe fn cancel_request(req: *mut RequestC) {
    // SAFETY: req is live (contract), and so is its connection when it has one.
    unsafe {
        let evcon = (*req).evcon;
        if !evcon.is_null() {
            if (*evcon).requests.front() == Some(&req) {
                // It is on the wire: the connection has to go.
                conn::fail(evcon, rq::ERR_REQUEST_CANCEL);
                return;
            }
            (*evcon).requests.retain(|&q| q != req);
        }
        rq::free_auto(req);
    }
}

/// Write the first queued request.
///
/// # Safety
/// Module contract; `evcon` is connected.
pub unsafe fn dispatch(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract), and so is its current request.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else { return };
        (*evcon).closedetect = false;
        (*evcon).state = State::Writing;
        super::message::make_header(evcon, req);
        conn::write_buffer(evcon, WriteDone::RequestSent);
    }
}

/// The request is out: read its response.
///
/// # Safety
/// Module contract.
pub(super) unsafe fn request_sent(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract), and so is its current request.
    unsafe {
        if let Some(&req) = (*evcon).requests.front() {
            (*req).kind = rq::KIND_RESPONSE;
            reader::start_read(evcon);
        }
    }
}

/// The whole response to the current request has been read: retire the request, start the
/// next one (or watch the idle connection), then hand the response to the program.
///
/// # Safety
/// Module contract; `req` is the current request.
pub(super) unsafe fn response_read(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract). After the program's callback the request
    // is touched only if the program does not own it, and the connection only if it was to
    // be freed, as libevent does.
    unsafe {
        {
            let c = &mut *evcon;
            c.requests.pop_front();
            c.state = State::Idle;
        }
        (*req).evcon = ptr::null_mut();
        let need_close = rq::wants_close(req);
        if need_close {
            conn::reset(evcon);
        }
        let (pending, connected, autofree) = {
            let c = &*evcon;
            (!c.requests.is_empty(), c.connected(), c.autofree)
        };
        let free_evcon = if pending {
            if connected {
                dispatch(evcon);
            } else {
                connect(evcon);
            }
            false
        } else if !need_close {
            start_detectclose(evcon);
            false
        } else {
            autofree
        };
        if let Some(cb) = (*req).cb {
            cb(req, (*req).cb_arg);
        }
        if (*req).flags & rq::USER_OWNED == 0 {
            rq::free(req);
        }
        if free_evcon && (*evcon).requests.is_empty() {
            conn::free(evcon);
        }
    }
}

/// Idle client connection: watch for the server closing it.
///
/// # Safety
/// Module contract.
unsafe fn start_detectclose(evcon: *mut Connection) {
    // SAFETY: evcon and its bufferevent are live (contract).
    unsafe {
        (*evcon).closedetect = true;
        conn::set_callbacks(evcon, true, true);
        bev::enable((*evcon).bev, EV_READ);
    }
}

/// The outgoing half of `conn::fail`: the current request is dropped, the connection reset
/// (and reconnected for the next request), then the program hears of it through the error
/// callback and the request callback with NULL, with `saved_errno` in errno.
///
/// # Safety
/// Module contract; `req` is the current request.
pub(super) unsafe fn fail_request(evcon: *mut Connection, req: *mut RequestC, error: c_int, saved_errno: c_int) {
    // SAFETY: evcon and req are live (contract); the request is freed before the program
    // hears of it, so only copies of its callbacks are used afterwards.
    unsafe {
        let (error_cb, arg) = ((*req).error_cb, (*req).cb_arg);
        let cb = if error != rq::ERR_REQUEST_CANCEL { (*req).cb } else { None };
        (*evcon).requests.pop_front();
        (*req).evcon = ptr::null_mut();
        rq::free_auto(req);
        conn::reset(evcon);
        if !(*evcon).requests.is_empty() {
            connect(evcon);
        }
        set_errno(saved_errno);
        if let Some(ecb) = error_cb {
            ecb(error, arg);
        }
        if let Some(cb) = cb {
            cb(ptr::null_mut(), arg);
        }
    }
}

/// The outcome of a connect attempt.
///
/// # Safety
/// Module contract.
pub(super) unsafe fn connect_event(evcon: *mut Connection, what: c_short) {
    // SAFETY: evcon and its bufferevent are live (contract).
    unsafe {
        if what & BEV_EVENT_CONNECTED == 0 {
            if errno() == libc::ECONNREFUSED || what & BEV_EVENT_TIMEOUT != 0 {
                return connect_failed(evcon);
            }
            (*evcon).state = State::Idle;
            conn::fail(evcon, rq::ERR_EOF);
            return;
        }
        let fd = bev::getfd((*evcon).bev);
        {
            let c = &mut *evcon;
            let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            let peer = ptr::addr_of_mut!(c.peer) as *mut libc::sockaddr;
            c.have_peer = syscall!(getpeername(fd, peer, &mut len)).is_ok();
            c.retry_cnt = 0;
            c.state = State::Idle;
        }
        conn::set_callbacks(evcon, true, true);
        conn::apply_timeouts(evcon);
        dispatch(evcon);
    }
}

/// A connect failed: try again later if retries are left, else fail every queued request
/// (their callbacks get the request with response code 0).
///
/// # Safety
/// Module contract.
unsafe fn connect_failed(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract) and each queued request is live; the reference to
    // the connection ends before the first callback.
    unsafe {
        conn::reset(evcon);
        let retry = (*evcon).retry_max < 0 || (*evcon).retry_cnt < (*evcon).retry_max;
        let retry_ev = if retry { conn::lazy_event(evcon, true) } else { ptr::null_mut() };
        let queued: Vec<*mut RequestC> = {
            let c = &mut *evcon;
            if !retry_ev.is_null() {
                let tv = retry_delay(c.initial_retry, c.retry_cnt);
                ev::add(retry_ev, Some(&tv));
                c.retry_cnt += 1;
                return;
            }
            c.requests.drain(..).collect()
        };
        for req in queued {
            (*req).evcon = ptr::null_mut();
            if let Some(cb) = (*req).cb {
                cb(req, (*req).cb_arg);
            }
            rq::free_auto(req);
        }
    }
}

pub(super) unsafe extern "C" fn retry_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection owning the retry timer.
    unsafe {
        (*evcon).state = State::Disconnected;
        connect(evcon);
    }
}

/// A nonblocking socket bound to the configured local address/port, or -1.
///
/// # Safety
/// Module contract.
unsafe fn bound_socket(evcon: *mut Connection) -> c_int {
    // SAFETY: evcon is live (contract); nothing is called out while it is borrowed.
    let c = unsafe { &*evcon };
    // SAFETY (zeroed): addrinfo is plain old data; the hints are all we set.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = if c.family == libc::AF_UNSPEC { libc::AF_INET } else { c.family };
    hints.ai_socktype = libc::SOCK_STREAM;
    hints.ai_flags = libc::AI_PASSIVE | libc::AI_NUMERICHOST;
    let port = CString::new(c.bind_port.to_string()).unwrap_or_default();
    let host = c.bind_address.as_ref().map_or(ptr::null(), |a| a.as_ptr());
    let mut res: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: host is NULL or a C string, port a C string, hints and res are locals.
    if unsafe { libc::getaddrinfo(host, port.as_ptr(), &hints, &mut res) } != 0 || res.is_null() {
        return -1;
    }
    // SAFETY: getaddrinfo succeeded: res is a list we own until freeaddrinfo.
    let ai = unsafe { &*res };
    let fd = syscall!(socket(ai.ai_family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0)).unwrap_or(-1);
    let fd = if fd >= 0 && syscall!(bind(fd, ai.ai_addr, ai.ai_addrlen)).is_err() {
        log::warn_errno("evhttp_connection_connect_: bind");
        crate::util::socket::close(fd);
        -1
    } else {
        fd
    };
    // SAFETY: res came from getaddrinfo and is not used again.
    unsafe { libc::freeaddrinfo(res) };
    fd
}

/// Where `connect` goes: the address connected to before, or the configured name. The
/// pointers are into the connection.
enum Target {
    Peer(*const libc::sockaddr, c_int),
    Name(c_int, *const libc::c_char, c_int),
}

/// evhttp_connection_connect_: start connecting (a no-op when already under way).
///
/// # Safety
/// Module contract.
pub unsafe fn connect(evcon: *mut Connection) -> c_int {
    // SAFETY: evcon and its bufferevent are live (contract); the connection's fields are
    // read afresh after each call into the bufferevent layer.
    unsafe {
        if (*evcon).state == State::Connecting {
            return 0;
        }
        conn::reset(evcon);
        let (b, bind, timeout) = {
            let c = &*evcon;
            (c.bev, c.bind_address.is_some() || c.bind_port != 0, c.timeout.unwrap_or(CONNECT_TIMEOUT))
        };
        if bind {
            let fd = bound_socket(evcon);
            if fd < 0 {
                return -1;
            }
            bev::setfd(b, fd);
        }
        conn::set_callbacks(evcon, false, false);
        bev::set_timeouts(b, &timeout, &timeout);
        if bev::enable(b, EV_WRITE) < 0 {
            return -1;
        }
        let (old, target) = {
            let c = &mut *evcon;
            let old = std::mem::replace(&mut c.state, State::Connecting);
            let target = if c.flags.contains(ConFlags::REUSE_CONNECTED_ADDR) && c.have_peer {
                let len = if c.peer.ss_family as c_int == libc::AF_INET6 {
                    std::mem::size_of::<libc::sockaddr_in6>()
                } else {
                    std::mem::size_of::<libc::sockaddr_in>()
                };
                Target::Peer(ptr::addr_of!(c.peer) as *const libc::sockaddr, len as c_int)
            } else {
                Target::Name(c.family, c.address.as_ptr(), c.port as c_int)
            };
            (old, target)
        };
        let r = match target {
            Target::Peer(sa, len) => socket::connect(b, sa, len),
            Target::Name(family, host, port) => socket::connect_hostname(b, (*evcon).dns_base.cast(), family, host, port),
        };
        if r < 0 {
            (*evcon).state = old;
            log::warn_errno(&format!(
                "evhttp_connection_connect_: connection to \"{}\" failed",
                (*evcon).address.to_string_lossy()
            ));
            connect_failed(evcon);
        }
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_and_caps() {
        let two = timeval { tv_sec: 2, tv_usec: 0 };
        let secs = |n| retry_delay(two, n).tv_sec;
        assert_eq!((secs(0), secs(1), secs(2), secs(3)), (2, 4, 8, 16));
        assert_eq!(secs(20), RETRY_MAX_SECS);
        let half = retry_delay(timeval { tv_sec: 0, tv_usec: 600_000 }, 1);
        assert_eq!((half.tv_sec, half.tv_usec), (1, 200_000));
    }
}
