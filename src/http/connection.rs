//! `struct evhttp_connection`: one TCP connection carrying HTTP messages, either accepted by a
//! server (incoming) or made by the program to talk to a server (outgoing). It drives a
//! bufferevent through the states of reading a message and writing one.
//!
//! This file holds the object itself: making and freeing it, its bufferevent callbacks,
//! writing, closing and failing. Reading a message is `reader.rs`; the client side
//! (connecting, retrying, the request queue) is `client.rs`.
//!
//! # Pointer contract (for every `unsafe fn` here, in `reader.rs` and in `client.rs`)
//! - `evcon: *mut Connection` is a live connection from [`new`] or [`new_incoming`], not yet
//!   freed.
//! - `req: *mut RequestC` is a live request; "the current request" is the front of
//!   `evcon.requests`.
//!
//! Re-entrancy: the program's callbacks may free the request, the connection or the server,
//! and a call into the bufferevent layer may run our own callbacks. So no reference into a
//! connection or request is held across such a call; every path finishes its own
//! bookkeeping before calling out, and touches nothing afterwards unless libevent does too.

use super::request::{self as rq, RequestC};
use super::{client, reader};
use crate::buffer::{api as buf, Evbuffer};
use crate::bufferevent::core::{
    self as bev, Bev, Bufferevent, BEV_EVENT_CONNECTED, BEV_EVENT_EOF, BEV_EVENT_ERROR, BEV_EVENT_READING, BEV_EVENT_TIMEOUT,
    BEV_EVENT_WRITING, BEV_OPT_CLOSE_ON_FREE, BEV_TRIG_DEFER_CALLBACKS, BEV_TRIG_IGNORE_WATERMARKS,
};
use crate::bufferevent::socket;
use crate::core::api as ev;
use crate::core::base::EventBase;
use crate::core::event::{Event, EV_READ, EV_WRITE};
use crate::core::{log, mem};
use crate::util::sys::{errno, syscall};
use libc::{c_char, c_int, c_short, c_void, timeval};
use std::collections::VecDeque;
use std::ffi::{CStr, CString};
use std::ptr;

/// Defaults libevent uses when the program sets no timeout.
const READ_TIMEOUT: timeval = timeval { tv_sec: 50, tv_usec: 0 };
const WRITE_TIMEOUT: timeval = timeval { tv_sec: 50, tv_usec: 0 };
/// The first retry comes this long after a failed connect unless the program says otherwise.
pub const INITIAL_RETRY: timeval = timeval { tv_sec: 2, tv_usec: 0 };

/// C's opaque `struct evdns_base`, as evhttp keeps it: host names resolve through it
/// (`bufferevent_socket_connect_hostname`), or through evutil_getaddrinfo when it is NULL.
pub type EvdnsBase = c_void;

/// The C names and values (checked against the headers by ctest/).
pub const CON_REUSE_CONNECTED_ADDR: c_int = 0x0008;
pub const CON_READ_ON_WRITE_ERROR: c_int = 0x0010;
pub const CON_LINGERING_CLOSE: c_int = 0x0020;

bitflags::bitflags! {
    /// `EVHTTP_CON_*` (event2/http.h): what a program may set on a connection.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct ConFlags: c_int {
        const REUSE_CONNECTED_ADDR = CON_REUSE_CONNECTED_ADDR;
        const READ_ON_WRITE_ERROR = CON_READ_ON_WRITE_ERROR;
        const LINGERING_CLOSE = CON_LINGERING_CLOSE;
    }
}

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
    pub bev: *mut Bev,
    /// We close the fd ourselves (the bufferevent was not made with BEV_OPT_CLOSE_ON_FREE).
    pub own_fd: bool,
    pub address: CString,
    pub port: u16,
    pub bind_address: Option<CString>,
    pub bind_port: u16,
    pub family: c_int,
    pub flags: ConFlags,
    pub incoming: bool,
    pub closedetect: bool,
    /// READ_ON_WRITE_ERROR: a failed write already switched us to reading the response.
    pub reading_error: bool,
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
    pub(super) retry_ev: *mut Event,
    pub(super) read_more_ev: *mut Event,
    pub closecb: Option<ConnCb>,
    pub closecb_arg: *mut c_void,
    pub write_done: WriteDone,
    pub peer: libc::sockaddr_storage,
    pub have_peer: bool,
}

impl Connection {
    /// The connection is up (not disconnected, not still connecting).
    pub fn connected(&self) -> bool {
        !matches!(self.state, State::Disconnected | State::Connecting)
    }

    /// evhttp_connection_set_flags: refused (false) on a server's connection.
    pub fn set_flags(&mut self, flags: ConFlags) -> bool {
        if self.incoming {
            return false;
        }
        self.flags = flags;
        true
    }

    /// Remote address as "host", port (evhttp_connection_get_peer).
    pub fn peer(&self) -> (*const c_char, u16) {
        (self.address.as_ptr(), self.port)
    }

    /// The peer's socket address once known (evhttp_connection_get_addr).
    pub fn peer_addr(&self) -> Option<*const libc::sockaddr> {
        self.have_peer.then_some(&self.peer as *const libc::sockaddr_storage as *const libc::sockaddr)
    }
}

/// A new connection object around `b` (made here when NULL). Nothing is connected yet.
///
/// # Safety
/// `base` is live; `b` is NULL or a live bufferevent, owned by the connection from now on.
pub unsafe fn new(base: *mut EventBase, dns_base: *mut EvdnsBase, b: *mut Bev, address: &[u8], port: u16) -> *mut Connection {
    let (b, own_fd) = if b.is_null() {
        // SAFETY: base is live (contract).
        (unsafe { socket::new(base, -1, 0) }, true)
    } else {
        // SAFETY: b is a live bufferevent (contract).
        (b, unsafe { (*b).options } & BEV_OPT_CLOSE_ON_FREE == 0)
    };
    if b.is_null() {
        log::warn("evhttp_connection_base_new: bufferevent_socket_new failed");
        return ptr::null_mut();
    }
    let Ok(address) = CString::new(address) else {
        // SAFETY: b is ours (made here or handed over).
        unsafe { bev::free(b) };
        return ptr::null_mut();
    };
    let c = Connection {
        base,
        dns_base,
        bev: b,
        own_fd,
        address,
        port,
        bind_address: None,
        bind_port: 0,
        family: libc::AF_UNSPEC,
        flags: ConFlags::empty(),
        incoming: false,
        closedetect: false,
        reading_error: false,
        autofree: false,
        state: State::Disconnected,
        requests: VecDeque::new(),
        server: ptr::null_mut(),
        max_headers_size: usize::MAX,
        max_body_size: usize::MAX,
        timeout: None,
        retry_max: 0,
        retry_cnt: 0,
        initial_retry: INITIAL_RETRY,
        retry_ev: ptr::null_mut(),
        read_more_ev: ptr::null_mut(),
        closecb: None,
        closecb_arg: ptr::null_mut(),
        write_done: WriteDone::Nothing,
        // SAFETY (zeroed): sockaddr_storage is plain old data.
        peer: unsafe { std::mem::zeroed() },
        have_peer: false,
    };
    let Some(evcon) = mem::new_object(c) else {
        // SAFETY: as above.
        unsafe { bev::free(b) };
        return ptr::null_mut();
    };
    let arg = evcon as *mut c_void;
    // SAFETY: evcon is ours and not yet shared; the callbacks are removed in `free` before
    // the memory goes.
    unsafe {
        bev::setcb(b, None, None, Some(event_cb), arg);
        apply_timeouts(evcon);
    }
    evcon
}

/// The read and write timeouts the connection runs with (libevent's 50 s unless set).
///
/// # Safety
/// Module contract.
pub unsafe fn apply_timeouts(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract).
    let (b, timeout) = unsafe { ((*evcon).bev, (*evcon).timeout) };
    let (r, w) = timeout.map_or((READ_TIMEOUT, WRITE_TIMEOUT), |t| (t, t));
    // SAFETY: the connection's live bufferevent; the timevals are locals.
    unsafe { bev::set_timeouts(b, &r, &w) };
}

/// evhttp_connection_set_timeout(_tv): None is libevent's default.
///
/// # Safety
/// Module contract.
pub unsafe fn set_timeout(evcon: *mut Connection, timeout: Option<timeval>) {
    // SAFETY: evcon is live (contract); no call out while the field is written.
    unsafe { (*evcon).timeout = timeout };
    // SAFETY: as above.
    unsafe { apply_timeouts(evcon) };
}

/// evhttp_connection_set_base: move the connection (and its bufferevent) to `base`.
///
/// # Safety
/// Module contract; `base` is live.
pub unsafe fn set_base(evcon: *mut Connection, base: *mut EventBase) {
    // SAFETY: evcon is live (contract); its bufferevent is live while it is.
    unsafe {
        (*evcon).base = base;
        socket::base_set(base, (*evcon).bev);
    }
}

/// The bufferevent's input buffer.
///
/// # Safety
/// Module contract.
pub(super) unsafe fn input(evcon: *mut Connection) -> *mut Evbuffer {
    // SAFETY: evcon and its bufferevent are live (contract).
    unsafe { bev::input((*evcon).bev).cast() }
}

/// The bufferevent's output buffer.
///
/// # Safety
/// Module contract.
pub unsafe fn output(evcon: *mut Connection) -> *mut Evbuffer {
    // SAFETY: evcon and its bufferevent are live (contract).
    unsafe { bev::output((*evcon).bev).cast() }
}

/// Empty a buffer.
///
/// # Safety
/// `b` is a live evbuffer.
unsafe fn drain_all(b: *mut Evbuffer) {
    // SAFETY: b is live (contract).
    unsafe { buf::drain(b, buf::length(b)) };
}

/// Close the socket and forget any half-read or half-written message.
///
/// # Safety
/// Module contract.
pub unsafe fn reset(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract). The close callback may free it; libevent carries on
    // regardless, and so do we.
    unsafe {
        let b = (*evcon).bev;
        bev::disable(b, EV_READ | EV_WRITE);
        let fd = bev::getfd(b);
        if fd >= 0 {
            if (*evcon).connected() {
                if let Some(cb) = (*evcon).closecb {
                    cb(evcon, (*evcon).closecb_arg);
                }
            }
            let _ = syscall!(shutdown(fd, libc::SHUT_WR));
            bev::setfd(b, -1);
            crate::util::socket::close(fd);
        }
        drain_all(input(evcon));
        drain_all(output(evcon));
        (*evcon).state = State::Disconnected;
        (*evcon).closedetect = false;
        (*evcon).reading_error = false;
    }
}

/// evhttp_connection_free: close, release every request still queued, tell the close callback.
///
/// # Safety
/// Module contract; `evcon` is not used afterwards.
pub unsafe fn free(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract) and freed last; each request on its queue is live.
    unsafe {
        let b = (*evcon).bev;
        let fd = bev::getfd(b);
        if fd >= 0 && (*evcon).connected() {
            if let Some(cb) = (*evcon).closecb {
                cb(evcon, (*evcon).closecb_arg);
            }
        }
        let server = (*evcon).server;
        if !server.is_null() {
            super::server::forget_connection(server, evcon);
        }
        while let Some(req) = (*evcon).requests.pop_front() {
            (*req).evcon = ptr::null_mut();
            rq::free_auto(req);
        }
        ev::free((*evcon).retry_ev);
        ev::free((*evcon).read_more_ev);
        bev::free(b);
        if fd >= 0 {
            let _ = syscall!(shutdown(fd, libc::SHUT_WR));
            if (*evcon).own_fd {
                crate::util::socket::close(fd);
            }
        }
        mem::free_object(evcon);
    }
}

/// (Re)install our bufferevent callbacks: `read` says whether the read callback is wanted.
///
/// # Safety
/// Module contract.
pub(super) unsafe fn set_callbacks(evcon: *mut Connection, read: bool, write: bool) {
    let readcb = read.then_some(reader::read_cb as bev::DataCb);
    let writecb = write.then_some(write_cb as bev::DataCb);
    // SAFETY: evcon and its bufferevent are live (contract); the callbacks get evcon back.
    unsafe { bev::setcb((*evcon).bev, readcb, writecb, Some(event_cb), evcon as *mut c_void) };
}

/// Send what is in the output buffer, then do `done`. Reading stays on only to notice a close.
///
/// # Safety
/// Module contract.
pub unsafe fn write_buffer(evcon: *mut Connection, done: WriteDone) {
    // SAFETY: evcon is live (contract); the field is written before any call out.
    unsafe {
        (*evcon).write_done = done;
        set_callbacks(evcon, false, true);
        let b = (*evcon).bev;
        // A server's response is written at once (most fit in the socket buffer): then no
        // write event is registered and waited for, and `done` still runs from the loop, as
        // after a write event. A client's request waits for writability as in libevent: how
        // much of a large body is out before the server answers decides whether the client
        // sees the answer or a failed write (libevent's http/data_length_constraints).
        let server_side = !matches!(done, WriteDone::RequestSent);
        if server_side && socket::write_now(b) {
            bev::enable(b, EV_READ);
            bev::trigger(b, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
        } else {
            bev::enable(b, EV_READ | EV_WRITE);
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
                client::request_sent(evcon)
            }
            WriteDone::User(cb, cbarg) => cb(evcon, cbarg),
        }
    }
}

pub(super) unsafe extern "C" fn event_cb(_bev: *mut Bufferevent, what: c_short, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection these callbacks were registered for; its current
    // request is live.
    unsafe {
        match (*evcon).state {
            State::Connecting => return client::connect_event(evcon, what),
            State::ReadingBody => {
                if let Some(&req) = (*evcon).requests.front() {
                    if !(*req).chunked() && (*req).ntoread < 0 && what == (BEV_EVENT_READING | BEV_EVENT_EOF) {
                        // The body ran until the close: that is the end of it.
                        return reader::done(evcon);
                    }
                }
            }
            _ => {}
        }
        if (*evcon).closedetect {
            (*evcon).closedetect = false;
            reset(evcon);
            let c = &*evcon;
            let done_with = c.requests.is_empty() && !c.incoming && c.autofree;
            if done_with {
                free(evcon);
            }
            return;
        }
        if what & BEV_EVENT_TIMEOUT != 0 {
            fail(evcon, rq::ERR_TIMEOUT)
        } else if what & (BEV_EVENT_EOF | BEV_EVENT_ERROR) != 0 {
            if (*evcon).flags.contains(ConFlags::READ_ON_WRITE_ERROR) {
                if what & BEV_EVENT_WRITING != 0 {
                    return read_on_write_error(evcon);
                }
                if what & BEV_EVENT_READING != 0 && buf::length(input(evcon)) > 0 {
                    // What came before the end is still to be read (by the read callback,
                    // if one is installed).
                    let e = lazy_event(evcon, false);
                    if !e.is_null() {
                        ev::active(e, EV_READ as c_int, 1);
                        return;
                    }
                }
            }
            fail(evcon, rq::ERR_EOF)
        } else if what != BEV_EVENT_CONNECTED {
            fail(evcon, rq::ERR_BUFFER_ERROR)
        }
    }
}

/// EVHTTP_CON_READ_ON_WRITE_ERROR: the server may have answered (413, 417, 400 …) and closed
/// before taking the whole request. Drop what is left to send and read its response; a
/// second failure while doing that fails the request.
///
/// # Safety
/// Module contract.
unsafe fn read_on_write_error(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract), and so is its current request.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else { return fail(evcon, rq::ERR_EOF) };
        if (*evcon).reading_error {
            (*evcon).reading_error = false;
            return fail(evcon, rq::ERR_EOF);
        }
        (*req).kind = rq::KIND_RESPONSE;
        buf::drain_all_through_freeze(output(evcon));
        reader::start_read(evcon);
        (*evcon).reading_error = true;
    }
}

/// evhttp_connection_fail_: the current request failed with `error`.
///
/// # Safety
/// Module contract.
pub unsafe fn fail(evcon: *mut Connection, error: c_int) {
    let saved_errno = errno();
    // SAFETY: evcon is live (contract), and so is its current request.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else {
            reset(evcon);
            return;
        };
        bev::disable((*evcon).bev, EV_READ | EV_WRITE);
        if (*evcon).incoming {
            if !incoming_fail(evcon, req, error) {
                free(evcon);
            }
            return;
        }
        client::fail_request(evcon, req, error, saved_errno);
    }
}

/// A server-side failure. Network trouble just ends the connection (false); an HTTP-level
/// problem is answered with an error page (true: the reply closes the connection).
///
/// # Safety
/// Module contract; `req` is the current request.
unsafe fn incoming_fail(evcon: *mut Connection, req: *mut RequestC, error: c_int) -> bool {
    // SAFETY: evcon and req are live (contract); the request callback is the last thing
    // done with them.
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
                let r = &mut *req;
                mem::free(r.uri as *mut c_void);
                r.uri = ptr::null_mut();
                super::uri::free_raw(r.uri_elems);
                r.uri_elems = ptr::null_mut();
                if error == rq::ERR_DATA_TOO_LONG {
                    r.response_code = 413;
                }
                if let Some(cb) = r.cb {
                    let arg = r.cb_arg;
                    cb(req, arg);
                }
                true
            }
        }
    }
}

/// The numeric host and port of a socket address ("", 0 when it has none).
///
/// # Safety
/// `sa` points to `salen` readable bytes.
unsafe fn numeric_name(sa: *const libc::sockaddr, salen: c_int) -> (Vec<u8>, u16) {
    let mut host = [0 as c_char; 64];
    let mut serv = [0 as c_char; 16];
    // SAFETY: sa/salen per the contract; host and serv are local buffers of the sizes given.
    let r = unsafe {
        libc::getnameinfo(
            sa,
            salen as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            serv.as_mut_ptr(),
            serv.len() as libc::socklen_t,
            libc::NI_NUMERICHOST | libc::NI_NUMERICSERV,
        )
    };
    if r != 0 {
        return (Vec::new(), 0);
    }
    // SAFETY: getnameinfo succeeded, so both buffers hold NUL-terminated strings.
    let (host, serv) = unsafe { (CStr::from_ptr(host.as_ptr()), CStr::from_ptr(serv.as_ptr())) };
    (host.to_bytes().to_vec(), serv.to_str().ok().and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// Server side: wrap an accepted socket.
///
/// # Safety
/// `http` is a live server; `b` is NULL or a live bufferevent handed over; `sa` points to
/// `salen` bytes; `fd` is the accepted socket.
pub unsafe fn new_incoming(
    http: *mut super::server::Http,
    b: *mut Bev,
    fd: c_int,
    sa: *const libc::sockaddr,
    salen: c_int,
) -> *mut Connection {
    // The peer's address, kept whole however long it is (an AF_UNIX one is 110 bytes: the
    // copy CVE-2026-63388 overflowed in libevent). As in libevent, an AF_UNIX path's first
    // byte is cleared before it is named and kept, so it reads as "localhost", port 0.
    // SAFETY: sockaddr_storage is plain bytes; all zeros is a valid value.
    let mut peer: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let n = (salen.max(0) as usize).min(std::mem::size_of::<libc::sockaddr_storage>());
    // SAFETY: sa holds salen bytes (contract) and peer has room for n of them.
    unsafe { ptr::copy_nonoverlapping(sa as *const u8, &mut peer as *mut libc::sockaddr_storage as *mut u8, n) };
    let path_at = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    if peer.ss_family == libc::AF_UNIX as libc::sa_family_t && n > path_at {
        // SAFETY: an AF_UNIX address at least path_at + 1 bytes long lies in peer.
        unsafe { (*(&mut peer as *mut libc::sockaddr_storage as *mut libc::sockaddr_un)).sun_path[0] = 0 };
    }
    // SAFETY: peer holds n meaningful bytes.
    let (host, port) = unsafe { numeric_name(&peer as *const libc::sockaddr_storage as *const libc::sockaddr, n as c_int) };
    // SAFETY: http is live (contract); nothing is called while the reference lives.
    let (base, max_headers_size, max_body_size, timeout, lingering) = unsafe {
        let h = &*http;
        (h.base, h.max_headers_size, h.max_body_size, h.timeout, h.flags.contains(super::server::ServerFlags::LINGERING_CLOSE))
    };
    // SAFETY: base is the server's live base; b per the contract.
    let evcon = unsafe { new(base, ptr::null_mut(), b, &host, port) };
    if evcon.is_null() {
        return evcon;
    }
    // SAFETY: evcon is fresh and ours; the reference ends before the bufferevent is called.
    let b = unsafe {
        let c = &mut *evcon;
        c.incoming = true;
        c.server = http;
        c.max_headers_size = max_headers_size;
        c.max_body_size = max_body_size;
        c.timeout = timeout;
        if lingering {
            c.flags |= ConFlags::LINGERING_CLOSE;
        }
        c.peer = peer;
        c.have_peer = true;
        c.bev
    };
    // SAFETY: the connection's live bufferevent; evcon is live.
    unsafe {
        bev::setfd(b, fd);
        (*evcon).state = State::Idle;
        apply_timeouts(evcon);
    }
    evcon
}

/// Server side: a fresh request object to read the next request into.
///
/// # Safety
/// Module contract; `evcon` is incoming.
pub unsafe fn associate_new_request(evcon: *mut Connection) -> bool {
    // SAFETY: evcon is live (contract).
    let (server, port) = unsafe { ((*evcon).server, (*evcon).port) };
    let req = rq::new(Some(super::server::handle_request), server as *mut c_void);
    if req.is_null() {
        return false;
    }
    // SAFETY: req is fresh and ours; evcon is live; nothing is called while they are borrowed.
    unsafe {
        let r = &mut *req;
        r.evcon = evcon;
        r.flags |= rq::REQ_OWN_CONNECTION;
        r.kind = rq::KIND_REQUEST;
        r.remote_port = port;
        if !rq::set_string(&mut r.remote_host, (*evcon).address.as_bytes()) {
            rq::free(req);
            return false;
        }
        (*evcon).requests.push_back(req);
        reader::start_read(evcon);
    }
    true
}

/// The connection's retry timer or its "read what is buffered" event, made on first use:
/// most connections never need either, and 10,000 idle ones would carry 2.5 MB of them. NULL
/// (logged) when there is no memory; callers then act as if the event were not there.
///
/// # Safety
/// Module contract.
pub(super) unsafe fn lazy_event(evcon: *mut Connection, retry: bool) -> *mut Event {
    // SAFETY: evcon is live (contract); its base outlives it; the event is freed in `free`.
    unsafe {
        let slot = if retry { &mut (*evcon).retry_ev } else { &mut (*evcon).read_more_ev };
        if slot.is_null() {
            let cb = if retry { client::retry_cb } else { reader::read_more_cb };
            *slot = ev::new((*evcon).base, -1, 0, Some(cb), evcon as *mut c_void);
            if slot.is_null() {
                log::warn("evhttp: no memory for a connection event");
            }
        }
        *slot
    }
}
