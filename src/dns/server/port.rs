//! `struct evdns_server_port`: a UDP socket the program gave us, read whenever it is readable;
//! each query becomes a request handed to the program's callback, and each reply goes back
//! with `sendto` to the address the query came from.
//!
//! Lifetime. The port is counted: one reference for the program (until
//! `evdns_close_server_port`), one per request not yet answered or dropped (a request keeps
//! its port alive), and one for each call in progress (an event callback, a respond or drop),
//! so that closing the port or answering its last request from inside the program's callback
//! frees nothing under our feet. When the count reaches zero the events are deleted, the
//! socket is closed (as libevent does, except fd 0, which libevent also leaves open) and the
//! port freed. (libevent 2.1.12 frees the port inside the respond or drop that gives up the
//! last reference and goes on using it there and in its read loop; valgrind shows the
//! invalid reads when a program closes the port from its callback.)
//!
//! Closing. After `evdns_close_server_port` no new query is read: libevent goes on reading
//! and calling the program's callback for a port the program has closed (until its last
//! request is done), which can only surprise a program that has let go of the callback's
//! data; requests already handed out can still be answered, queued replies are still sent,
//! and the port goes when the last one is done.
//!
//! Sending. A reply that `sendto` does not take at once waits in a queue, and a second event
//! watches for the socket to be writable; replies are then sent in order, and one that fails
//! for any reason but "would block" is dropped with a warning (libevent's words). libevent
//! queues a reply only when the error is *not* EAGAIN; on EAGAIN it returns -1 and leaves the
//! request with the program, which loses the reply unless the program retries. We queue on
//! EAGAIN too (its own queue's evident purpose) and return 1, libevent's "queued" answer.
//!
//! Locking. With threading on, the port has a recursive lock from the program's callbacks
//! (libevent's `EVTHREAD_ALLOC_LOCK`); every entry point takes it, and it is held while the
//! program's callback runs, as libevent holds it. Events are deleted without waiting while
//! the lock is held (a callback in the loop thread may be waiting for that lock); the final
//! teardown happens with the lock released and waits for a callback still running elsewhere,
//! which sees the port is `dead` and returns at once.
//!
//! # Pointer contract (for every `unsafe fn` here)
//! A `*mut ServerPort` came from [`add_port`] and its count is above zero; a
//! `*mut EvdnsServerRequest` is a request this port handed to the program and that the
//! program has not yet answered or dropped.

use super::query::parse_query;
use super::reply::{Record, Section};
use super::request::{EvdnsServerRequest, Request};
use super::tcp::{self, TcpClient};
use crate::core::api::{self, DelWait};
use crate::core::base::EventBase;
use crate::core::event::{Event, EV_PERSIST, EV_READ, EV_WRITE};
use crate::core::{log, mem};
use crate::thread::{RawLock, EVTHREAD_LOCKTYPE_RECURSIVE};
use crate::util::sys::syscall;
use libc::{c_int, c_short, c_void, sockaddr, sockaddr_storage, socklen_t};
use std::collections::VecDeque;
use std::io;
use std::mem::size_of;
use std::ptr;

/// `evdns_request_callback_fn_type`.
pub type ServerRequestCb = unsafe extern "C" fn(*mut EvdnsServerRequest, *mut c_void);

/// Largest datagram read; the rest of a longer one is lost (libevent reads 1500 bytes).
const MAX_DATAGRAM: usize = 1500;

/// What `evdns_server_request_respond` did with the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responded {
    /// Sent; the request is gone.
    Sent,
    /// Waiting for the socket; the request now belongs to the port.
    Queued,
    /// Refused with this code (-1: an rcode outside 0..=15; -1/-2: a question name that
    /// cannot be written): the request is still the program's.
    Refused(c_int),
}

impl Responded {
    /// libevent's return values.
    pub fn to_c(self) -> c_int {
        match self {
            Responded::Sent => 0,
            Responded::Queued => 1,
            Responded::Refused(code) => code,
        }
    }
}

/// `struct evdns_server_port` (opaque to C).
pub struct ServerPort {
    /// EV_READ|EV_PERSIST on the socket, until the port is closed.
    read_ev: Event,
    /// EV_WRITE|EV_PERSIST on the socket, while replies wait in `pending`.
    write_ev: Event,
    fd: c_int,
    lock: RawLock,
    cb: Option<ServerRequestCb>,
    user_data: *mut c_void,
    /// See the module comment.
    pub(super) refcnt: usize,
    /// `evdns_close_server_port` was called.
    pub(super) closing: bool,
    /// A TCP port's listener (extension, see [`super::tcp`]); null for a UDP port and once
    /// the port is closed.
    listener: *mut crate::listener::Listener,
    /// A TCP port's connections, open and closed (kept for reuse until the port goes).
    pub(super) clients: Vec<*mut TcpClient>,
    event_base: *mut EventBase,
    /// The count reached zero; a callback that gets the lock now must not touch anything.
    dead: bool,
    /// Replies waiting for the socket, oldest first.
    pending: VecDeque<*mut Request>,
}

impl ServerPort {
    /// The base its events run on.
    pub(super) fn event_base(&self) -> *mut EventBase {
        self.event_base
    }
    fn lock(&self) {
        self.lock.acquire();
    }
    fn unlock(&self) {
        self.lock.release();
    }
}

/// `evdns_add_server_port_with_base`: serve queries arriving on `fd` (a non-blocking UDP
/// socket) from `base` (NULL: the current global base). NULL for flags other than 0, or when
/// the read event cannot be added (no base at all, a bad fd); the socket stays open then.
///
/// # Safety
/// `base` is NULL or a live base.
pub unsafe fn add_port(
    base: *mut EventBase,
    fd: c_int,
    flags: c_int,
    cb: Option<ServerRequestCb>,
    user_data: *mut c_void,
) -> *mut ServerPort {
    if flags != 0 {
        return ptr::null_mut();
    }
    let lock = RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
    let Some(port) = mem::new_object(ServerPort {
        read_ev: Event::zeroed(),
        write_ev: Event::zeroed(),
        fd,
        lock,
        cb,
        user_data,
        refcnt: 1,
        closing: false,
        dead: false,
        pending: VecDeque::new(),
        listener: ptr::null_mut(),
        clients: Vec::new(),
        event_base: base,
    }) else {
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
        return ptr::null_mut();
    };
    // SAFETY: port is ours and live; its events stay inside it until it is freed. The base
    // is NULL or live (contract).
    unsafe {
        let arg = port as *mut c_void;
        api::assign(&mut (*port).read_ev, base, fd, EV_READ | EV_PERSIST, Some(on_readable), arg);
        let base = (*port).read_ev.base;
        (*port).event_base = base;
        api::assign(&mut (*port).write_ev, base, fd, EV_WRITE | EV_PERSIST, Some(on_writable), arg);
        if api::add(&mut (*port).read_ev, None) < 0 {
            api::debug_unassign(&mut (*port).read_ev);
            api::debug_unassign(&mut (*port).write_ev);
            mem::free_object(port);
            lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
            return ptr::null_mut();
        }
    }
    port
}

/// `evdns_add_server_port_with_listener` (extension, see [`super::tcp`]): serve DNS over
/// TCP on the connections `lev` accepts. NULL for a NULL listener or flags other than 0.
///
/// # Safety
/// `base` is NULL or a live base; `lev` is NULL or a live listener, owned by the port from
/// now on.
pub unsafe fn add_port_with_listener(
    base: *mut EventBase,
    lev: *mut crate::listener::Listener,
    flags: c_int,
    cb: Option<ServerRequestCb>,
    user_data: *mut c_void,
) -> *mut ServerPort {
    if lev.is_null() || flags != 0 {
        return ptr::null_mut();
    }
    // SAFETY: lev is live (contract).
    let lev_base = unsafe { crate::listener::get_base(lev) };
    let base = if base.is_null() { lev_base } else { base };
    let lock = RawLock::alloc(EVTHREAD_LOCKTYPE_RECURSIVE);
    let Some(port) = mem::new_object(ServerPort {
        read_ev: Event::zeroed(),
        write_ev: Event::zeroed(),
        fd: -1,
        lock,
        cb,
        user_data,
        refcnt: 1,
        closing: false,
        dead: false,
        pending: VecDeque::new(),
        listener: lev,
        clients: Vec::new(),
        event_base: base,
    }) else {
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
        return ptr::null_mut();
    };
    // SAFETY: a fresh port; the listener is live and now the port's.
    unsafe { tcp::attach(port, lev) };
    port
}

/// `evdns_close_server_port`: drop the program's reference and stop reading (see the module
/// comment for what happens to requests still out).
///
/// # Safety
/// Module contract; the program's reference is given up here, once.
pub unsafe fn close_port(port: *mut ServerPort) {
    // SAFETY: module contract: live port.
    unsafe {
        (*port).lock();
        (*port).closing = true;
        if (*port).fd >= 0 {
            api::del_with(&mut (*port).read_ev, DelWait::NoBlock);
        }
        if !(*port).listener.is_null() {
            tcp::detach((*port).listener);
            (*port).listener = ptr::null_mut();
            for c in (*port).clients.clone() {
                tcp::close_client(c);
            }
        }
        decref_and_unlock(port);
    }
}

/// Give up one reference with the lock held; the last one tears the port down (the lock is
/// released first, see the module comment).
///
/// # Safety
/// Module contract; the caller holds the lock and the reference it gives up.
unsafe fn decref_and_unlock(port: *mut ServerPort) {
    // SAFETY: module contract: live port, lock held.
    unsafe {
        (*port).refcnt -= 1;
        if (*port).refcnt > 0 {
            (*port).unlock();
            return;
        }
        debug_assert!((*port).pending.is_empty(), "queued replies hold references");
        (*port).dead = true;
        (*port).unlock();
        if !(*port).read_ev.base.is_null() {
            api::del(&mut (*port).read_ev);
            api::del(&mut (*port).write_ev);
            api::debug_unassign(&mut (*port).read_ev);
            api::debug_unassign(&mut (*port).write_ev);
        }
        for c in std::mem::take(&mut (*port).clients) {
            tcp::free_client(c);
        }
        // libevent closes the socket it was given, but only a positive fd.
        if (*port).fd > 0 {
            crate::util::socket::close((*port).fd);
        }
        let lock = (*port).lock;
        mem::free_object(port);
        lock.free(EVTHREAD_LOCKTYPE_RECURSIVE);
    }
}

/// [`enter_callback`] for the TCP side.
///
/// # Safety
/// As [`enter_callback`].
pub(super) unsafe fn enter_callback_pub(port: *mut ServerPort) -> bool {
    // SAFETY: forwarded contract.
    unsafe { enter_callback(port) }
}

/// Give up what [`enter_callback_pub`] took.
///
/// # Safety
/// Lock and reference held.
pub(super) unsafe fn leave_callback(port: *mut ServerPort) {
    // SAFETY: forwarded contract.
    unsafe { decref_and_unlock(port) }
}

/// Take the lock and a reference for a callback from the loop; false when the port is dying.
///
/// # Safety
/// `port` is the argument its events were assigned with: live until the teardown's deletes
/// have returned, which wait for this callback.
unsafe fn enter_callback(port: *mut ServerPort) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        (*port).lock();
        if (*port).dead {
            (*port).unlock();
            return false;
        }
        (*port).refcnt += 1;
    }
    true
}

/// The socket is readable: read and serve every datagram waiting.
unsafe extern "C" fn on_readable(fd: c_int, _what: c_short, arg: *mut c_void) {
    let port = arg as *mut ServerPort;
    // SAFETY: the read event's argument is its port (see enter_callback).
    unsafe {
        if !enter_callback(port) {
            return;
        }
        let mut packet = [0u8; MAX_DATAGRAM];
        loop {
            // The program may close the port from its callback: stop reading then.
            if (*port).closing {
                break;
            }
            // SAFETY: all-zero is a valid sockaddr_storage.
            let mut peer: sockaddr_storage = std::mem::zeroed();
            let mut peer_len = size_of::<sockaddr_storage>() as socklen_t;
            let got = syscall!(recvfrom(
                fd,
                packet.as_mut_ptr() as *mut c_void,
                packet.len(),
                0,
                &mut peer as *mut sockaddr_storage as *mut sockaddr,
                &mut peer_len
            ));
            match got {
                Ok(n) => serve(port, &packet[..n as usize], &peer, peer_len),
                Err(e) if would_block(&e) => break,
                Err(e) => {
                    log::warn(&format!("Error {} ({}) while reading request.", e_text(&e), e.raw_os_error().unwrap_or(0)));
                    break;
                }
            }
        }
        decref_and_unlock(port);
    }
}

/// Replies are waiting and the socket is writable.
unsafe extern "C" fn on_writable(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let port = arg as *mut ServerPort;
    // SAFETY: the write event's argument is its port (see enter_callback).
    unsafe {
        if !enter_callback(port) {
            return;
        }
        flush(port);
        decref_and_unlock(port);
    }
}

/// One datagram: parse it and, if it is a query, hand the request to the program.
///
/// # Safety
/// Module contract; the lock is held and the caller holds a reference.
unsafe fn serve(port: *mut ServerPort, packet: &[u8], peer: &sockaddr_storage, peer_len: socklen_t) {
    // SAFETY: forwarded contract.
    unsafe { serve_from(port, packet, peer, peer_len, ptr::null_mut()) }
}

/// [`serve`] for a message from a TCP connection (`conn`, or null for a datagram).
///
/// # Safety
/// As [`serve`]; `conn` is null or one of the port's open connections.
pub(super) unsafe fn serve_from(
    port: *mut ServerPort,
    packet: &[u8],
    peer: &sockaddr_storage,
    peer_len: socklen_t,
    conn: *mut TcpClient,
) {
    let query = match parse_query(packet) {
        Ok(q) => q,
        Err(why) => {
            log::debug(&format!("evdns server: ignoring a {}-byte packet: {}", packet.len(), why.describe()));
            return;
        }
    };
    let Some(req) = Request::alloc(port, &query, peer, peer_len) else { return };
    // SAFETY: module contract; req is fresh and holds a reference from here on.
    unsafe {
        (*port).refcnt += 1;
        if !conn.is_null() {
            (*req).conn = conn;
            (*conn).requests += 1;
        }
        match (*port).cb {
            Some(cb) => cb(&mut (*req).public, (*port).user_data),
            // Nobody to answer (libevent would call NULL).
            None => free_request(port, req),
        }
    }
}

/// Free a request and drop its reference (never the last: the caller holds one).
///
/// # Safety
/// Module contract; the lock is held; `req` is not in the queue.
unsafe fn free_request(port: *mut ServerPort, req: *mut Request) {
    // SAFETY: module contract.
    unsafe {
        let conn = (*req).conn;
        if !conn.is_null() {
            (*conn).requests -= 1;
        }
        Request::free(req);
        (*port).refcnt -= 1;
    }
}

/// Try again when the socket is ready (EINTR too: nothing was sent or received).
fn would_block(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR))
}

fn e_text(e: &io::Error) -> String {
    log::strerror(e.raw_os_error().unwrap_or(0))
}

/// Send a request's built reply to where its query came from.
///
/// # Safety
/// Module contract for both; the reply is built.
unsafe fn send_reply(port: *mut ServerPort, req: *mut Request) -> io::Result<()> {
    // SAFETY: module contract: live port and request, lock held.
    let (fd, req) = unsafe { ((*port).fd, &*req) };
    let reply = req.response.as_deref().unwrap_or_default();
    if !req.conn.is_null() {
        // SAFETY: the request's connection lives as long as the port (module contract).
        unsafe { tcp::send_on(req.conn, reply) };
        return Ok(());
    }
    syscall!(sendto(
        fd,
        reply.as_ptr() as *const c_void,
        reply.len(),
        0,
        &req.peer as *const sockaddr_storage as *const sockaddr,
        req.peer_len
    ))
    .map(|_| ())
}

/// Send queued replies until the queue is empty or the socket is full.
///
/// # Safety
/// Module contract; the lock is held and the caller holds a reference.
unsafe fn flush(port: *mut ServerPort) {
    // SAFETY: module contract; queued requests are live and belong to the port.
    unsafe {
        while let Some(&req) = (*port).pending.front() {
            match send_reply(port, req) {
                Err(e) if would_block(&e) => return,
                Err(e) => log::warn(&format!(
                    "Error {} ({}) while writing response to port; dropping",
                    e_text(&e),
                    e.raw_os_error().unwrap_or(0)
                )),
                Ok(()) => {}
            }
            (*port).pending.pop_front();
            (*req).queued = false;
            free_request(port, req);
        }
        api::del_with(&mut (*port).write_ev, DelWait::NoBlock);
    }
}

/// Run `f` on a request with its port locked and a reference held for the duration.
///
/// # Safety
/// Module contract for `req`.
unsafe fn with_request<R>(req: *mut EvdnsServerRequest, f: impl FnOnce(*mut ServerPort, *mut Request) -> R) -> R {
    let req = req as *mut Request;
    // SAFETY: module contract: the public head is the first field of a live request whose
    // port it keeps alive.
    unsafe {
        let port = (*req).port;
        (*port).lock();
        (*port).refcnt += 1;
        let r = f(port, req);
        decref_and_unlock(port);
        r
    }
}

/// `evdns_server_request_respond`: build the reply with `rcode` (or reuse one built before)
/// and send it, or queue it.
///
/// # Safety
/// Module contract.
pub unsafe fn respond(req: *mut EvdnsServerRequest, rcode: c_int) -> Responded {
    // SAFETY: module contract.
    unsafe {
        with_request(req, |port, req| {
            if (*req).queued {
                // Already the port's (a program answering twice).
                return Responded::Refused(-1);
            }
            if let Err(code) = (*req).build_response(rcode) {
                return Responded::Refused(code);
            }
            match send_reply(port, req) {
                Ok(()) => {
                    free_request(port, req);
                    if !(*port).pending.is_empty() {
                        flush(port);
                    }
                    Responded::Sent
                }
                Err(_) => {
                    (*req).queued = true;
                    (*port).pending.push_back(req);
                    if (*port).pending.len() == 1 && api::add(&mut (*port).write_ev, None) < 0 {
                        log::warn("Error from libevent when adding event for DNS server");
                    }
                    Responded::Queued
                }
            }
        })
    }
}

/// `evdns_server_request_drop`: forget the request without answering.
///
/// # Safety
/// Module contract.
pub unsafe fn drop_request(req: *mut EvdnsServerRequest) {
    // SAFETY: module contract.
    unsafe {
        with_request(req, |port, req| {
            if (*req).queued {
                (*port).pending.retain(|&r| r != req);
                if (*port).pending.is_empty() {
                    api::del_with(&mut (*port).write_ev, DelWait::NoBlock);
                }
            }
            free_request(port, req);
        })
    }
}

/// `evdns_server_request_add_reply` and the helpers built on it: -1 for a bad section or
/// once the reply is built.
///
/// # Safety
/// Module contract.
pub unsafe fn add_reply(req: *mut EvdnsServerRequest, section: c_int, record: Record) -> c_int {
    // SAFETY: module contract.
    unsafe {
        with_request(req, |_, req| match Section::from_c(section) {
            Some(s) if (*req).add_record(s, record) => 0,
            _ => -1,
        })
    }
}

/// `evdns_server_request_set_flags`.
///
/// # Safety
/// Module contract.
pub unsafe fn set_flags(req: *mut EvdnsServerRequest, flags: c_int) {
    // SAFETY: module contract.
    unsafe { with_request(req, |_, req| (*req).set_flags(flags)) }
}

/// `evdns_server_request_get_requesting_addr`: copy the query's source address into `out`.
///
/// # Safety
/// Module contract.
pub unsafe fn requesting_addr(req: *mut EvdnsServerRequest, out: &mut [u8]) -> c_int {
    // SAFETY: module contract.
    unsafe { with_request(req, |_, req| (*req).requesting_addr(out)) }
}
