//! `struct evhttp_connection`: one TCP connection carrying HTTP messages, either accepted by a
//! server (incoming) or made by the program to talk to a server (outgoing). It drives a
//! bufferevent through the states of reading a message and writing one.
//!
//! Re-entrancy: the program's request callbacks may free the request, the connection or the
//! server. Every path below finishes its own bookkeeping before calling out, and touches
//! nothing afterwards unless libevent does too.

use super::ffi::*;
use super::parse::{self, BodyLength};
use super::request::{self as rq, RequestC};
use crate::core::mem;
use libc::{c_char, c_int, c_short, c_void, timeval};
use std::collections::VecDeque;
use std::ffi::CString;
use std::ptr;

const EV_READ: c_short = 0x02;
const EV_WRITE: c_short = 0x04;
const BEV_EVENT_READING: c_short = 0x01;
const BEV_EVENT_EOF: c_short = 0x10;
const BEV_EVENT_ERROR: c_short = 0x20;
const BEV_EVENT_TIMEOUT: c_short = 0x40;
const BEV_EVENT_CONNECTED: c_short = 0x80;
const BEV_OPT_CLOSE_ON_FREE: c_int = 0x01;

/// Defaults libevent uses when the program sets no timeout.
const READ_TIMEOUT: timeval = timeval { tv_sec: 50, tv_usec: 0 };
const WRITE_TIMEOUT: timeval = timeval { tv_sec: 50, tv_usec: 0 };
const CONNECT_TIMEOUT: timeval = timeval { tv_sec: 45, tv_usec: 0 };

/// Public connection flags (event2/http.h).
pub const CON_REUSE_CONNECTED_ADDR: c_int = 0x0008;
pub const CON_READ_ON_WRITE_ERROR: c_int = 0x0010;
pub const CON_LINGERING_CLOSE: c_int = 0x0020;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Disconnected,
    Connecting,
    Idle,
    ReadingFirstline,
    ReadingHeaders,
    ReadingBody,
    ReadingTrailer,
    Writing,
}

pub type ConnCb = unsafe extern "C" fn(*mut Connection, *mut c_void);

/// What to do once everything queued for writing has gone out.
#[derive(Clone, Copy)]
pub enum WriteDone {
    Nothing,
    /// Server: the reply is complete.
    SendDone,
    /// Client: the request is sent; read the response.
    RequestSent,
    /// evhttp_send_reply_chunk_with_cb
    User(ConnCb, *mut c_void),
}

pub struct Connection {
    pub base: *mut EventBase,
    pub dns_base: *mut EvdnsBase,
    pub bev: *mut Bufferevent,
    /// We close the fd ourselves (the bufferevent was not made with BEV_OPT_CLOSE_ON_FREE).
    pub own_fd: bool,
    pub address: CString,
    pub port: u16,
    pub bind_address: Option<CString>,
    pub bind_port: u16,
    pub family: c_int,
    pub flags: c_int,
    pub incoming: bool,
    pub closedetect: bool,
    pub autofree: bool,
    pub state: State,
    pub requests: VecDeque<*mut RequestC>,
    pub server: *mut super::server::Http,
    pub max_headers_size: usize,
    pub max_body_size: usize,
    pub timeout: Option<timeval>,
    pub retry_max: c_int,
    pub retry_cnt: c_int,
    pub initial_retry: timeval,
    retry_ev: *mut Event,
    read_more_ev: *mut Event,
    pub closecb: Option<ConnCb>,
    pub closecb_arg: *mut c_void,
    pub write_done: WriteDone,
    pub peer: libc::sockaddr_storage,
    pub have_peer: bool,
}

/// A new connection object around `bev` (made here when NULL). Nothing is connected yet.
///
/// SAFETY: base is live; bev is NULL or a live bufferevent now owned by the connection.
pub unsafe fn new(
    base: *mut EventBase,
    dns_base: *mut EvdnsBase,
    bev: *mut Bufferevent,
    address: &[u8],
    port: u16,
) -> *mut Connection {
    // SAFETY: per the function contract.
    unsafe {
        let mut own_fd = true;
        let bev = if bev.is_null() {
            bufferevent_socket_new(base, -1, 0)
        } else {
            own_fd = (*crate::bufferevent::core::upcast(bev)).options & BEV_OPT_CLOSE_ON_FREE == 0;
            bev
        };
        if bev.is_null() {
            crate::core::log::warn("evhttp_connection_base_new: bufferevent_socket_new failed");
            return ptr::null_mut();
        }
        let Ok(address) = CString::new(address) else {
            bufferevent_free(bev);
            return ptr::null_mut();
        };
        let c = Connection {
            base,
            dns_base,
            bev,
            own_fd,
            address,
            port,
            bind_address: None,
            bind_port: 0,
            family: libc::AF_UNSPEC,
            flags: 0,
            incoming: false,
            closedetect: false,
            autofree: false,
            state: State::Disconnected,
            requests: VecDeque::new(),
            server: ptr::null_mut(),
            max_headers_size: usize::MAX,
            max_body_size: usize::MAX,
            timeout: None,
            retry_max: 0,
            retry_cnt: 0,
            initial_retry: timeval { tv_sec: 2, tv_usec: 0 },
            retry_ev: ptr::null_mut(),
            read_more_ev: ptr::null_mut(),
            closecb: None,
            closecb_arg: ptr::null_mut(),
            write_done: WriteDone::Nothing,
            peer: std::mem::zeroed(),
            have_peer: false,
        };
        let Some(evcon) = mem::new_object(c) else {
            bufferevent_free(bev);
            return ptr::null_mut();
        };
        (*evcon).retry_ev = event_new(base, -1, 0, Some(retry_cb), evcon as *mut c_void);
        (*evcon).read_more_ev = event_new(base, -1, 0, Some(read_more_cb), evcon as *mut c_void);
        if (*evcon).retry_ev.is_null() || (*evcon).read_more_ev.is_null() {
            free(evcon);
            return ptr::null_mut();
        }
        bufferevent_setcb(bev, None, None, Some(event_cb), evcon as *mut c_void);
        apply_timeouts(evcon);
        evcon
    }
}

/// The connection is up (not disconnected, not still connecting).
pub fn connected(c: &Connection) -> bool {
    !matches!(c.state, State::Disconnected | State::Connecting)
}

/// SAFETY: evcon is live.
pub unsafe fn apply_timeouts(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        match (*evcon).timeout {
            Some(t) => bufferevent_set_timeouts((*evcon).bev, &t, &t),
            None => bufferevent_set_timeouts((*evcon).bev, &READ_TIMEOUT, &WRITE_TIMEOUT),
        };
    }
}

/// SAFETY: evcon is live.
unsafe fn input(evcon: *mut Connection) -> *mut Evbuffer {
    // SAFETY: per the function contract.
    unsafe { bufferevent_get_input((*evcon).bev) }
}

/// SAFETY: evcon is live.
pub unsafe fn output(evcon: *mut Connection) -> *mut Evbuffer {
    // SAFETY: per the function contract.
    unsafe { bufferevent_get_output((*evcon).bev) }
}

/// Close the socket and forget any half-read or half-written message.
///
/// SAFETY: evcon is live.
pub unsafe fn reset(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        let bev = (*evcon).bev;
        bufferevent_disable(bev, EV_READ | EV_WRITE);
        let fd = bufferevent_getfd(bev);
        if fd >= 0 {
            if connected(&*evcon) {
                if let Some(cb) = (*evcon).closecb {
                    cb(evcon, (*evcon).closecb_arg);
                }
            }
            libc::shutdown(fd, libc::SHUT_WR);
            bufferevent_setfd(bev, -1);
            libc::close(fd);
        }
        let i = input(evcon);
        evbuffer_drain(i, evbuffer_get_length(i));
        let o = output(evcon);
        evbuffer_drain(o, evbuffer_get_length(o));
        (*evcon).state = State::Disconnected;
        (*evcon).closedetect = false;
    }
}

/// evhttp_connection_free: close, release every request still queued, tell the close callback.
///
/// SAFETY: evcon is live and not used afterwards.
pub unsafe fn free(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        let bev = (*evcon).bev;
        let fd = bufferevent_getfd(bev);
        if fd >= 0 && connected(&*evcon) {
            if let Some(cb) = (*evcon).closecb {
                cb(evcon, (*evcon).closecb_arg);
            }
        }
        if !(*evcon).server.is_null() {
            super::server::forget_connection((*evcon).server, evcon);
        }
        while let Some(req) = (*evcon).requests.pop_front() {
            (*req).evcon = ptr::null_mut();
            rq::free_auto(req);
        }
        if !(*evcon).retry_ev.is_null() {
            event_free((*evcon).retry_ev);
        }
        if !(*evcon).read_more_ev.is_null() {
            event_free((*evcon).read_more_ev);
        }
        bufferevent_free(bev);
        if fd >= 0 {
            libc::shutdown(fd, libc::SHUT_WR);
            if (*evcon).own_fd {
                libc::close(fd);
            }
        }
        mem::free_object(evcon);
    }
}

/// Start (or continue) reading a message: the first line of the next request on a server,
/// the response on a client.
///
/// SAFETY: evcon is live.
pub unsafe fn start_read(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        let bev = (*evcon).bev;
        bufferevent_disable(bev, EV_WRITE);
        bufferevent_enable(bev, EV_READ);
        (*evcon).state = State::ReadingFirstline;
        bufferevent_setcb(bev, Some(read_cb), Some(write_cb), Some(event_cb), evcon as *mut c_void);
        // Bytes already buffered (a pipelined request) are handled from the loop, not from
        // inside whatever callback brought us here.
        if evbuffer_get_length(input(evcon)) > 0 {
            event_active((*evcon).read_more_ev, EV_READ as c_int, 1);
        }
    }
}

/// Send what is in the output buffer, then do `done`. Reading stays on only to notice a close.
///
/// SAFETY: evcon is live.
pub unsafe fn write_buffer(evcon: *mut Connection, done: WriteDone) {
    // SAFETY: per the function contract.
    unsafe {
        (*evcon).write_done = done;
        let bev = (*evcon).bev;
        bufferevent_setcb(bev, None, Some(write_cb), Some(event_cb), evcon as *mut c_void);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    }
}

unsafe extern "C" fn read_more_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    // SAFETY: arg is the live connection that owns this event.
    unsafe {
        let evcon = arg as *mut Connection;
        read_cb((*evcon).bev, arg)
    }
}

unsafe extern "C" fn read_cb(_bev: *mut Bufferevent, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection these callbacks were registered for.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else {
            if (*evcon).state == State::Idle && !(*evcon).incoming {
                // Data nobody asked for on an idle client connection: drop the connection.
                reset(evcon);
            }
            return;
        };
        match (*evcon).state {
            State::ReadingFirstline => read_firstline(evcon, req),
            State::ReadingHeaders => read_headers(evcon, req),
            State::ReadingBody => read_body(evcon, req),
            State::ReadingTrailer => read_trailer(evcon, req),
            State::Idle if !(*evcon).incoming => reset(evcon),
            _ => {}
        }
    }
}

unsafe fn read_firstline(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req (its current request) are live.
    unsafe {
        match parse::firstline(req, input(evcon)) {
            parse::ALL_DATA_READ => {
                (*evcon).state = State::ReadingHeaders;
                read_headers(evcon, req)
            }
            parse::MORE_DATA_EXPECTED => {}
            _ => fail(evcon, rq::ERR_INVALID_HEADER),
        }
    }
}

unsafe fn read_headers(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req (its current request) are live.
    unsafe {
        match parse::headers(req, input(evcon)) {
            parse::ALL_DATA_READ => {}
            parse::MORE_DATA_EXPECTED => return,
            _ => return fail(evcon, rq::ERR_INVALID_HEADER),
        }
        if let Some(hcb) = (*req).header_cb {
            if hcb(req, (*req).cb_arg) < 0 {
                return fail(evcon, rq::ERR_EOF);
            }
        }
        if (*req).kind == rq::KIND_REQUEST {
            get_body(evcon, req)
        } else if (*req).response_code == 100 {
            // "100 Continue": the real response follows.
            start_read(evcon)
        } else if !rq::response_needs_body(&*req) {
            done(evcon)
        } else {
            get_body(evcon, req)
        }
    }
}

unsafe fn get_body(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req (its current request) are live.
    unsafe {
        let r = &mut *req;
        if r.kind == rq::KIND_REQUEST && !rq::method_may_have_body(r.type_) {
            return done(evcon);
        }
        (*evcon).state = State::ReadingBody;
        let te = rq::header(r.input_headers, "Transfer-Encoding");
        if matches!(te, Some(v) if v.eq_ignore_ascii_case(b"chunked")) {
            r.set_chunked(true);
            r.ntoread = -1;
        } else {
            r.set_chunked(false);
            if r.kind == rq::KIND_REQUEST && rq::header(r.input_headers, "Content-Length").is_none() {
                // A request without a length has no body.
                return done(evcon);
            }
            match parse::body_length(req) {
                None => return fail(evcon, rq::ERR_INVALID_HEADER),
                Some(BodyLength::Length(n)) => r.ntoread = n,
                Some(BodyLength::UntilClose) => r.ntoread = -1,
            }
            if r.kind == rq::KIND_REQUEST && r.ntoread < 1 {
                // A request without a length has no body.
                return done(evcon);
            }
        }
        if r.kind == rq::KIND_REQUEST && !r.version_before(1, 1) {
            if let Some(expect) = rq::header(r.input_headers, "Expect") {
                if !expect.eq_ignore_ascii_case(b"100-continue") {
                    super::message::send_error(req, 417, ptr::null());
                    return;
                }
                if !r.chunked() && r.ntoread as u64 > (*evcon).max_body_size as u64 {
                    return fail(evcon, rq::ERR_DATA_TOO_LONG);
                }
                if evbuffer_get_length(input(evcon)) == 0 {
                    let line = format!("HTTP/{}.{} 100 Continue\r\n\r\n", r.major, r.minor);
                    evbuffer_add(output(evcon), line.as_ptr() as *const c_void, line.len());
                    (*evcon).write_done = WriteDone::Nothing;
                    bufferevent_enable((*evcon).bev, EV_WRITE);
                }
            }
        }
        read_body(evcon, req)
    }
}

/// Run the chunk callback over what has been read into the request's input buffer. Returns
/// false when the program cancelled (freed) the request from inside it.
///
/// SAFETY: req is live.
unsafe fn deliver_chunk(req: *mut RequestC) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        let Some(ccb) = (*req).chunk_cb else { return true };
        if evbuffer_get_length((*req).input_buffer) == 0 {
            return true;
        }
        (*req).flags |= rq::REQ_DEFER_FREE;
        ccb(req, (*req).cb_arg);
        let ib = (*req).input_buffer;
        evbuffer_drain(ib, evbuffer_get_length(ib));
        (*req).flags &= !rq::REQ_DEFER_FREE;
        (*req).flags & rq::REQ_NEEDS_FREE == 0
    }
}

/// Chunked transfer coding: move whole chunks into the request's input buffer.
///
/// SAFETY: evcon and req are live.
unsafe fn read_chunks(evcon: *mut Connection, req: *mut RequestC, buf: *mut Evbuffer) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        while evbuffer_get_length(buf) > 0 {
            let r = &mut *req;
            if r.ntoread < 0 {
                let Some(line) = parse::next_chunk_line(buf) else { return parse::MORE_DATA_EXPECTED };
                let Some(n) = parse::chunk_size(&line) else { return parse::DATA_CORRUPTED };
                if (r.body_size as u64).saturating_add(n as u64) > (*evcon).max_body_size as u64 {
                    return parse::DATA_TOO_LONG;
                }
                r.ntoread = n;
                if n == 0 {
                    return parse::ALL_DATA_READ;
                }
                continue;
            }
            if r.ntoread as u64 > evbuffer_get_length(buf) as u64 {
                return parse::MORE_DATA_EXPECTED;
            }
            evbuffer_remove_buffer(buf, r.input_buffer, r.ntoread as usize);
            r.body_size += r.ntoread as usize;
            r.ntoread = -1;
            if !deliver_chunk(req) {
                return parse::REQUEST_CANCELED;
            }
        }
        parse::MORE_DATA_EXPECTED
    }
}

unsafe fn read_body(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req (its current request) are live.
    unsafe {
        let buf = input(evcon);
        let r = &mut *req;
        if r.chunked() {
            match read_chunks(evcon, req, buf) {
                parse::ALL_DATA_READ => {
                    (*evcon).state = State::ReadingTrailer;
                    return read_trailer(evcon, req);
                }
                parse::DATA_TOO_LONG => return fail(evcon, rq::ERR_DATA_TOO_LONG),
                parse::DATA_CORRUPTED => return fail(evcon, rq::ERR_INVALID_HEADER),
                parse::REQUEST_CANCELED => {
                    rq::free_auto(req);
                    return;
                }
                _ => return,
            }
        } else if r.ntoread < 0 {
            // Until the peer closes.
            r.body_size += evbuffer_get_length(buf);
            evbuffer_add_buffer(r.input_buffer, buf);
        } else if r.chunk_cb.is_some() || evbuffer_get_length(buf) as u64 >= r.ntoread as u64 {
            let n = (evbuffer_get_length(buf) as u64).min(r.ntoread as u64) as usize;
            r.ntoread -= n as i64;
            r.body_size += n;
            evbuffer_remove_buffer(buf, r.input_buffer, n);
        }
        let max = (*evcon).max_body_size as u64;
        if r.body_size as u64 > max || (!r.chunked() && r.ntoread >= 0 && r.ntoread as u64 > max) {
            return fail(evcon, rq::ERR_DATA_TOO_LONG);
        }
        if !deliver_chunk(req) {
            rq::free(req);
            return;
        }
        if r.ntoread == 0 {
            bufferevent_disable((*evcon).bev, EV_READ);
            done(evcon);
        }
    }
}

unsafe fn read_trailer(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req (its current request) are live.
    unsafe {
        match parse::headers(req, input(evcon)) {
            parse::ALL_DATA_READ => done(evcon),
            parse::MORE_DATA_EXPECTED => {}
            _ => fail(evcon, rq::ERR_INVALID_HEADER),
        }
    }
}

/// A whole message has been read: on a client, the response is handed over and the request
/// retired; on a server, the request goes to the program, which must reply.
///
/// SAFETY: evcon is live with a current request.
unsafe fn done(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else { return };
        let outgoing = !(*evcon).incoming;
        let mut free_evcon = false;
        if outgoing {
            (*evcon).requests.pop_front();
            (*req).evcon = ptr::null_mut();
            (*evcon).state = State::Idle;
            let need_close = rq::wants_close(req);
            if need_close {
                reset(evcon);
            }
            if !(*evcon).requests.is_empty() {
                if !connected(&*evcon) {
                    connect(evcon);
                } else {
                    dispatch(evcon);
                }
            } else if !need_close {
                start_detectclose(evcon);
            } else if (*evcon).autofree {
                free_evcon = true;
            }
        } else {
            (*evcon).state = State::Writing;
            (*(req as *mut rq::Request)).delivered = true;
        }
        if let Some(cb) = (*req).cb {
            cb(req, (*req).cb_arg);
        }
        if outgoing && (*req).flags & rq::USER_OWNED == 0 {
            rq::free(req);
        }
        if free_evcon && (*evcon).requests.is_empty() {
            free(evcon);
        }
    }
}

/// Idle client connection: watch for the server closing it.
///
/// SAFETY: evcon is live.
unsafe fn start_detectclose(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        (*evcon).closedetect = true;
        bufferevent_setcb((*evcon).bev, Some(read_cb), Some(write_cb), Some(event_cb), evcon as *mut c_void);
        bufferevent_enable((*evcon).bev, EV_READ);
    }
}

/// evhttp_connection_fail_: the current request failed with `error`.
///
/// SAFETY: evcon is live.
pub unsafe fn fail(evcon: *mut Connection, error: c_int) {
    // SAFETY: per the function contract.
    unsafe {
        let saved_errno = *libc::__errno_location();
        let Some(&req) = (*evcon).requests.front() else {
            reset(evcon);
            return;
        };
        bufferevent_disable((*evcon).bev, EV_READ | EV_WRITE);
        if (*evcon).incoming {
            if !incoming_fail(evcon, req, error) {
                free(evcon);
            }
            return;
        }
        let error_cb = (*req).error_cb;
        let arg = (*req).cb_arg;
        let cb = if error != rq::ERR_REQUEST_CANCEL { (*req).cb } else { None };
        (*evcon).requests.pop_front();
        (*req).evcon = ptr::null_mut();
        rq::free_auto(req);
        reset(evcon);
        if !(*evcon).requests.is_empty() {
            connect(evcon);
        }
        *libc::__errno_location() = saved_errno;
        if let Some(ecb) = error_cb {
            ecb(error, arg);
        }
        if let Some(cb) = cb {
            cb(ptr::null_mut(), arg);
        }
    }
}

/// A server-side failure. Network trouble just ends the connection (false); an HTTP-level
/// problem is answered with an error page (true: the reply closes the connection).
///
/// SAFETY: evcon and req are live.
unsafe fn incoming_fail(evcon: *mut Connection, req: *mut RequestC, error: c_int) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        match error {
            rq::ERR_TIMEOUT | rq::ERR_EOF => {
                if (*(req as *mut rq::Request)).delivered && !(*req).userdone() {
                    // The program still holds it and may reply later: it is no longer ours.
                    (*evcon).requests.pop_front();
                    (*req).evcon = ptr::null_mut();
                }
                false
            }
            _ => {
                mem::free((*req).uri as *mut c_void);
                (*req).uri = ptr::null_mut();
                if !(*req).uri_elems.is_null() {
                    evhttp_uri_free((*req).uri_elems);
                    (*req).uri_elems = ptr::null_mut();
                }
                if error == rq::ERR_DATA_TOO_LONG {
                    (*req).response_code = 413;
                }
                if let Some(cb) = (*req).cb {
                    cb(req, (*req).cb_arg);
                }
                true
            }
        }
    }
}

unsafe extern "C" fn write_cb(_bev: *mut Bufferevent, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection these callbacks were registered for.
    unsafe {
        match (*evcon).write_done {
            WriteDone::Nothing => {}
            WriteDone::SendDone => {
                (*evcon).write_done = WriteDone::Nothing;
                super::message::send_done(evcon)
            }
            WriteDone::RequestSent => {
                (*evcon).write_done = WriteDone::Nothing;
                if let Some(&req) = (*evcon).requests.front() {
                    (*req).kind = rq::KIND_RESPONSE;
                    start_read(evcon);
                }
            }
            WriteDone::User(cb, cbarg) => cb(evcon, cbarg),
        }
    }
}

unsafe extern "C" fn event_cb(_bev: *mut Bufferevent, what: c_short, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection these callbacks were registered for.
    unsafe {
        match (*evcon).state {
            State::Connecting => return connect_event(evcon, what),
            State::ReadingBody => {
                if let Some(&req) = (*evcon).requests.front() {
                    if !(*req).chunked() && (*req).ntoread < 0 && what == (BEV_EVENT_READING | BEV_EVENT_EOF) {
                        // The body ran until the close: that is the end of it.
                        return done(evcon);
                    }
                }
            }
            _ => {}
        }
        if (*evcon).closedetect {
            (*evcon).closedetect = false;
            reset(evcon);
            if (*evcon).requests.is_empty() && !(*evcon).incoming && (*evcon).autofree {
                free(evcon);
            }
            return;
        }
        if what & BEV_EVENT_TIMEOUT != 0 {
            fail(evcon, rq::ERR_TIMEOUT)
        } else if what & (BEV_EVENT_EOF | BEV_EVENT_ERROR) != 0 {
            fail(evcon, rq::ERR_EOF)
        } else if what != BEV_EVENT_CONNECTED {
            fail(evcon, rq::ERR_BUFFER_ERROR)
        }
    }
}

/// The outcome of a connect attempt.
///
/// SAFETY: evcon is live.
unsafe fn connect_event(evcon: *mut Connection, what: c_short) {
    // SAFETY: per the function contract.
    unsafe {
        if what & BEV_EVENT_CONNECTED == 0 {
            let e = *libc::__errno_location();
            if e == libc::ECONNREFUSED || what & BEV_EVENT_TIMEOUT != 0 {
                return connect_failed(evcon);
            }
            (*evcon).state = State::Idle;
            if what & BEV_EVENT_TIMEOUT != 0 {
                fail(evcon, rq::ERR_TIMEOUT)
            } else {
                fail(evcon, rq::ERR_EOF)
            }
            return;
        }
        let fd = bufferevent_getfd((*evcon).bev);
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        (*evcon).have_peer = libc::getpeername(fd, &mut (*evcon).peer as *mut _ as *mut libc::sockaddr, &mut len) == 0;
        (*evcon).retry_cnt = 0;
        (*evcon).state = State::Idle;
        bufferevent_setcb((*evcon).bev, Some(read_cb), Some(write_cb), Some(event_cb), evcon as *mut c_void);
        apply_timeouts(evcon);
        dispatch(evcon);
    }
}

/// A connect failed: try again later if retries are left, else fail every queued request
/// (their callbacks get the request with response code 0).
///
/// SAFETY: evcon is live.
unsafe fn connect_failed(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        reset(evcon);
        let c = &mut *evcon;
        if c.retry_max < 0 || c.retry_cnt < c.retry_max {
            let mut tv = c.initial_retry;
            for _ in 0..c.retry_cnt {
                tv.tv_sec = tv.tv_sec.saturating_mul(2);
                tv.tv_usec *= 2;
                if tv.tv_usec >= 1_000_000 {
                    tv.tv_sec += tv.tv_usec / 1_000_000;
                    tv.tv_usec %= 1_000_000;
                }
                if tv.tv_sec > 3600 {
                    tv = timeval { tv_sec: 3600, tv_usec: 0 };
                    break;
                }
            }
            event_add(c.retry_ev, &tv);
            c.retry_cnt += 1;
            return;
        }
        let queued: Vec<*mut RequestC> = c.requests.drain(..).collect();
        for req in queued {
            (*req).evcon = ptr::null_mut();
            if let Some(cb) = (*req).cb {
                cb(req, (*req).cb_arg);
            }
            rq::free_auto(req);
        }
    }
}

unsafe extern "C" fn retry_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection owning the retry timer.
    unsafe {
        (*evcon).state = State::Disconnected;
        connect(evcon);
    }
}

/// Make a nonblocking socket bound to the configured local address/port.
///
/// SAFETY: evcon is live.
unsafe fn bound_socket(evcon: *mut Connection) -> c_int {
    // SAFETY: per the function contract; the addrinfo list is freed before return.
    unsafe {
        let c = &*evcon;
        let mut hints: libc::addrinfo = std::mem::zeroed();
        hints.ai_family = if c.family == libc::AF_UNSPEC { libc::AF_INET } else { c.family };
        hints.ai_socktype = libc::SOCK_STREAM;
        hints.ai_flags = libc::AI_PASSIVE | libc::AI_NUMERICHOST;
        let port = CString::new(c.bind_port.to_string()).unwrap_or_default();
        let host = c.bind_address.as_ref().map_or(ptr::null(), |a| a.as_ptr());
        let mut res: *mut libc::addrinfo = ptr::null_mut();
        if libc::getaddrinfo(host, port.as_ptr(), &hints, &mut res) != 0 || res.is_null() {
            return -1;
        }
        let fd = libc::socket((*res).ai_family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0);
        if fd >= 0 && libc::bind(fd, (*res).ai_addr, (*res).ai_addrlen) != 0 {
            crate::core::log::warn_errno("evhttp_connection_connect_: bind");
            libc::close(fd);
            libc::freeaddrinfo(res);
            return -1;
        }
        libc::freeaddrinfo(res);
        fd
    }
}

/// evhttp_connection_connect_: start connecting (a no-op when already under way).
///
/// SAFETY: evcon is live.
pub unsafe fn connect(evcon: *mut Connection) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
        if (*evcon).state == State::Connecting {
            return 0;
        }
        reset(evcon);
        let bev = (*evcon).bev;
        if (*evcon).bind_address.is_some() || (*evcon).bind_port != 0 {
            let fd = bound_socket(evcon);
            if fd < 0 {
                return -1;
            }
            bufferevent_setfd(bev, fd);
        }
        bufferevent_setcb(bev, None, None, Some(event_cb), evcon as *mut c_void);
        match (*evcon).timeout {
            Some(t) => bufferevent_set_timeouts(bev, &t, &t),
            None => bufferevent_set_timeouts(bev, &CONNECT_TIMEOUT, &CONNECT_TIMEOUT),
        };
        if bufferevent_enable(bev, EV_WRITE) < 0 {
            return -1;
        }
        let old = (*evcon).state;
        (*evcon).state = State::Connecting;
        let r = if (*evcon).flags & CON_REUSE_CONNECTED_ADDR != 0 && (*evcon).have_peer {
            let len = if (*evcon).peer.ss_family as c_int == libc::AF_INET6 {
                std::mem::size_of::<libc::sockaddr_in6>()
            } else {
                std::mem::size_of::<libc::sockaddr_in>()
            };
            bufferevent_socket_connect(bev, &(*evcon).peer as *const _ as *mut libc::sockaddr, len as c_int)
        } else {
            bufferevent_socket_connect_hostname(
                bev,
                (*evcon).dns_base,
                (*evcon).family,
                (*evcon).address.as_ptr(),
                (*evcon).port as c_int,
            )
        };
        if r < 0 {
            (*evcon).state = old;
            crate::core::log::warn_errno(&format!(
                "evhttp_connection_connect_: connection to \"{}\" failed",
                (*evcon).address.to_string_lossy()
            ));
            connect_failed(evcon);
        }
        0
    }
}

/// Client: write the first queued request.
///
/// SAFETY: evcon is live and connected.
pub unsafe fn dispatch(evcon: *mut Connection) {
    // SAFETY: per the function contract.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else { return };
        (*evcon).closedetect = false;
        (*evcon).state = State::Writing;
        super::message::make_header(evcon, req);
        write_buffer(evcon, WriteDone::RequestSent);
    }
}

/// evhttp_make_request: queue a request; connect or send as the connection's state allows.
///
/// SAFETY: evcon and req are live; uri is a C string.
pub unsafe fn make_request(evcon: *mut Connection, req: *mut RequestC, type_: c_int, uri: &[u8]) -> c_int {
    // SAFETY: per the function contract.
    unsafe {
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
        (*evcon).requests.push_back(req);
        if (*evcon).retry_cnt > 0 {
            // A retry is already scheduled; it will pick this request up.
            return 0;
        }
        if !connected(&*evcon) {
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
/// SAFETY: req is live.
pub unsafe fn cancel_request(req: *mut RequestC) {
    // SAFETY: per the function contract.
    unsafe {
        let evcon = (*req).evcon;
        if !evcon.is_null() {
            if (*evcon).requests.front() == Some(&req) {
                // It is on the wire: the connection has to go.
                fail(evcon, rq::ERR_REQUEST_CANCEL);
                return;
            }
            (*evcon).requests.retain(|&q| q != req);
        }
        rq::free_auto(req);
    }
}

/// Server side: wrap an accepted socket.
///
/// SAFETY: http is live; sa points to salen bytes; fd is the accepted socket.
pub unsafe fn new_incoming(
    http: *mut super::server::Http,
    bev: *mut Bufferevent,
    fd: c_int,
    sa: *const libc::sockaddr,
    salen: c_int,
) -> *mut Connection {
    // SAFETY: per the function contract.
    unsafe {
        let mut host = [0 as c_char; 64];
        let mut serv = [0 as c_char; 16];
        let (mut host_s, mut port) = (b"".to_vec(), 0u16);
        if libc::getnameinfo(
            sa,
            salen as libc::socklen_t,
            host.as_mut_ptr(),
            64,
            serv.as_mut_ptr(),
            16,
            libc::NI_NUMERICHOST | libc::NI_NUMERICSERV,
        ) == 0
        {
            host_s = std::ffi::CStr::from_ptr(host.as_ptr()).to_bytes().to_vec();
            port = std::ffi::CStr::from_ptr(serv.as_ptr()).to_str().ok().and_then(|s| s.parse().ok()).unwrap_or(0);
        }
        let evcon = new((*http).base, ptr::null_mut(), bev, &host_s, port);
        if evcon.is_null() {
            return evcon;
        }
        let c = &mut *evcon;
        c.incoming = true;
        c.server = http;
        c.max_headers_size = (*http).max_headers_size;
        c.max_body_size = (*http).max_body_size;
        c.timeout = (*http).timeout;
        if (*http).flags & super::server::SERVER_LINGERING_CLOSE != 0 {
            c.flags |= CON_LINGERING_CLOSE;
        }
        let n = (salen as usize).min(std::mem::size_of::<libc::sockaddr_storage>());
        ptr::copy_nonoverlapping(sa as *const u8, &mut c.peer as *mut _ as *mut u8, n);
        c.have_peer = true;
        bufferevent_setfd(c.bev, fd);
        c.state = State::Idle;
        apply_timeouts(evcon);
        evcon
    }
}

/// Server side: a fresh request object to read the next request into.
///
/// SAFETY: evcon is live and incoming.
pub unsafe fn associate_new_request(evcon: *mut Connection) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        let req = rq::new(Some(super::server::handle_request), (*evcon).server as *mut c_void);
        if req.is_null() {
            return false;
        }
        let r = &mut *req;
        r.evcon = evcon;
        r.flags |= rq::REQ_OWN_CONNECTION;
        r.kind = rq::KIND_REQUEST;
        r.remote_port = (*evcon).port;
        if !rq::set_string(&mut r.remote_host, (*evcon).address.as_bytes()) {
            rq::free(req);
            return false;
        }
        (*evcon).requests.push_back(req);
        start_read(evcon);
        true
    }
}

/// Remote address as "host", port (evhttp_connection_get_peer).
pub fn peer(c: &Connection) -> (*const c_char, u16) {
    (c.address.as_ptr(), c.port)
}
