//! Server ports on a listener (`evdns_add_server_port_with_listener`, an extension beyond
//! 2.1.12 with libevent 2.2's signature): DNS over TCP.
//!
//! The port takes the listener's callback; each accepted connection becomes a [`TcpClient`]
//! that reads messages framed by a two-byte length (RFC 1035 §4.2.2), hands each query to
//! the program exactly as a datagram's (same parsing, same request struct), and writes each
//! reply back on the connection it came from, with its length in front. A reply over TCP is
//! not cut to 512 bytes: it may use the whole 65535, and only a reply longer than that is
//! cut (after its last whole record, with TC set).
//!
//! Lifetime: every open connection holds a reference on the port, and every request read
//! from it holds one on the connection (its reply needs the socket). A connection closes
//! when the client closes it or on an error; a reply for a closed connection is dropped.
//! `evdns_close_server_port` frees the listener (as 2.2 does) and closes every connection.
//! A closed connection's memory (and its events, unadded) stays with the port for reuse by
//! a later connection and is freed with the port, so a callback never meets freed events.
//!
//! Everything here runs under the port's lock (see [`super::port`]).

use super::port::{enter_callback_pub as enter_callback, leave_callback, serve_from, ServerPort};
use crate::core::api::{self, DelWait};
use crate::core::event::{Event, EV_PERSIST, EV_READ, EV_WRITE};
use crate::core::log;
use crate::listener::{self, Listener};
use crate::util::sys::syscall;
use libc::{c_int, c_short, c_void, sockaddr, sockaddr_storage, socklen_t};
use std::ptr;

/// Largest message with a two-byte length.
pub const MAX_TCP_MESSAGE: usize = 65535;

pub struct TcpClient {
    pub port: *mut ServerPort,
    fd: c_int,
    read_ev: Event,
    write_ev: Event,
    writing: bool,
    input: Vec<u8>,
    out: Vec<u8>,
    pub peer: sockaddr_storage,
    pub peer_len: socklen_t,
    /// Requests read from this connection and not yet answered or dropped.
    pub requests: usize,
}

impl TcpClient {
    pub fn is_open(&self) -> bool {
        self.fd >= 0
    }
}

/// The listener accepted a connection.
unsafe extern "C" fn on_accept(_lev: *mut Listener, fd: c_int, addr: *mut sockaddr, len: c_int, arg: *mut c_void) {
    let port = arg as *mut ServerPort;
    // SAFETY: the listener's argument is its port, alive while the listener is (the port
    // frees the listener before it goes).
    unsafe {
        if !enter_callback(port) {
            let _ = syscall!(close(fd));
            return;
        }
        if (*port).closing {
            let _ = syscall!(close(fd));
        } else {
            open_client(port, fd, addr, len);
        }
        leave_callback(port);
    }
}

/// Set up a connection (reusing a closed one's memory when there is one).
///
/// # Safety
/// Port lock held, live port; `addr` is NULL or `len` readable bytes.
unsafe fn open_client(port: *mut ServerPort, fd: c_int, addr: *const sockaddr, len: c_int) {
    // SAFETY: per the function contract; clients belong to the port.
    unsafe {
        let reuse = (*port).clients.iter().copied().find(|&c| !(*c).is_open() && (*c).requests == 0);
        let client = match reuse {
            Some(c) => c,
            None => {
                let c = Box::into_raw(Box::new(TcpClient {
                    port,
                    fd: -1,
                    read_ev: Event::zeroed(),
                    write_ev: Event::zeroed(),
                    writing: false,
                    input: Vec::new(),
                    out: Vec::new(),
                    peer: std::mem::zeroed(),
                    peer_len: 0,
                    requests: 0,
                }));
                (*port).clients.push(c);
                c
            }
        };
        let c = &mut *client;
        c.input.clear();
        c.out.clear();
        c.writing = false;
        c.peer = std::mem::zeroed();
        let n = usize::try_from(len).unwrap_or(0).min(std::mem::size_of::<sockaddr_storage>());
        if !addr.is_null() && n > 0 {
            ptr::copy_nonoverlapping(addr as *const u8, &mut c.peer as *mut sockaddr_storage as *mut u8, n);
        }
        c.peer_len = n as socklen_t;
        let base = (*port).event_base();
        let arg = client as *mut c_void;
        let _ = syscall!(fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK));
        if api::assign(&mut c.read_ev, base, fd, EV_READ | EV_PERSIST, Some(on_client_readable), arg) != 0
            || api::assign(&mut c.write_ev, base, fd, EV_WRITE | EV_PERSIST, Some(on_client_writable), arg) != 0
            || api::add(&mut c.read_ev, None) != 0
        {
            log::warn("evdns server: cannot watch an accepted connection; closing it");
            let _ = syscall!(close(fd));
            return;
        }
        c.fd = fd;
        (*port).refcnt += 1;
    }
}

/// Close a connection (its requests may still be answered; their replies are dropped).
///
/// # Safety
/// Port lock held; `client` belongs to the live port.
pub unsafe fn close_client(client: *mut TcpClient) {
    // SAFETY: per the function contract.
    unsafe {
        let c = &mut *client;
        if c.fd < 0 {
            return;
        }
        api::del_with(&mut c.read_ev, DelWait::NoBlock);
        api::del_with(&mut c.write_ev, DelWait::NoBlock);
        let _ = syscall!(close(c.fd));
        c.fd = -1;
        c.writing = false;
        c.out.clear();
        c.input.clear();
        // The open connection's reference (never the last: the caller holds one).
        (*c.port).refcnt -= 1;
    }
}

/// Free a connection's memory at the port's teardown (its events were deleted when it
/// closed; `wait` deletes them again, waiting for a callback still running elsewhere).
///
/// # Safety
/// The port is being torn down, its lock released; `client` is one of its clients, closed.
pub unsafe fn free_client(client: *mut TcpClient) {
    // SAFETY: per the function contract.
    unsafe {
        let c = &mut *client;
        if !c.read_ev.base.is_null() {
            api::del(&mut c.read_ev);
            api::del(&mut c.write_ev);
            api::debug_unassign(&mut c.read_ev);
            api::debug_unassign(&mut c.write_ev);
        }
        drop(Box::from_raw(client));
    }
}

unsafe extern "C" fn on_client_readable(fd: c_int, _what: c_short, arg: *mut c_void) {
    let client = arg as *mut TcpClient;
    // SAFETY: a client's memory lives as long as its port, and its events are deleted
    // (waiting) before either goes.
    unsafe {
        let port = (*client).port;
        if !enter_callback(port) {
            return;
        }
        if (*client).is_open() {
            read_client(client, fd);
        }
        leave_callback(port);
    }
}

/// Read what has arrived and serve each whole query.
///
/// # Safety
/// Port lock and a reference held; the client is open.
unsafe fn read_client(client: *mut TcpClient, fd: c_int) {
    // SAFETY: per the function contract.
    unsafe {
        let port = (*client).port;
        let mut buf = [0u8; 4096];
        let mut closed = false;
        loop {
            match syscall!(recv(fd, buf.as_mut_ptr() as *mut c_void, buf.len(), 0)) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => (*client).input.extend_from_slice(&buf[..n as usize]),
                Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) => break,
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        loop {
            // The program may close the port or the client may go from inside its callback.
            if (*port).closing || !(*client).is_open() {
                break;
            }
            let c = &mut *client;
            if c.input.len() < 2 {
                break;
            }
            let len = usize::from(u16::from_be_bytes([c.input[0], c.input[1]]));
            if c.input.len() < 2 + len {
                break;
            }
            let message: Vec<u8> = c.input.drain(..2 + len).skip(2).collect();
            let (peer, peer_len) = (c.peer, c.peer_len);
            serve_from(port, &message, &peer, peer_len, client);
        }
        if closed {
            close_client(client);
        }
    }
}

unsafe extern "C" fn on_client_writable(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let client = arg as *mut TcpClient;
    // SAFETY: as in on_client_readable.
    unsafe {
        let port = (*client).port;
        if !enter_callback(port) {
            return;
        }
        if (*client).is_open() {
            flush_client(client);
        }
        leave_callback(port);
    }
}

/// Queue a reply (its length in front) and write what the socket takes.
///
/// # Safety
/// Port lock held; the client belongs to the live port.
pub unsafe fn send_on(client: *mut TcpClient, reply: &[u8]) {
    // SAFETY: per the function contract.
    unsafe {
        let c = &mut *client;
        if !c.is_open() {
            return; // the client went away: nobody to answer
        }
        let len = reply.len().min(MAX_TCP_MESSAGE) as u16;
        c.out.extend_from_slice(&len.to_be_bytes());
        c.out.extend_from_slice(&reply[..usize::from(len)]);
        flush_client(client);
    }
}

/// # Safety
/// Port lock held; the client is open.
unsafe fn flush_client(client: *mut TcpClient) {
    // SAFETY: per the function contract.
    unsafe {
        let c = &mut *client;
        while !c.out.is_empty() {
            match syscall!(send(c.fd, c.out.as_ptr() as *const c_void, c.out.len(), libc::MSG_NOSIGNAL)) {
                Ok(n) => {
                    c.out.drain(..n as usize);
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EINTR)) => {
                    if !c.writing {
                        api::add(&mut c.write_ev, None);
                        c.writing = true;
                    }
                    return;
                }
                Err(e) => {
                    log::warn(&format!(
                        "Error {} while writing a response on a TCP connection; closing it",
                        log::strerror(e.raw_os_error().unwrap_or(0))
                    ));
                    close_client(client);
                    return;
                }
            }
        }
        if c.writing {
            api::del_with(&mut c.write_ev, DelWait::NoBlock);
            c.writing = false;
        }
    }
}

/// Hand the listener's connections to `port`.
///
/// # Safety
/// `lev` is a live listener now owned by the port; `port` is fresh.
pub unsafe fn attach(port: *mut ServerPort, lev: *mut Listener) {
    // SAFETY: per the function contract.
    unsafe { listener::set_cb(lev, Some(on_accept), port as *mut c_void) }
}

/// Stop accepting: free the listener (the port owns it). The lock is held.
///
/// # Safety
/// `lev` is the port's listener, not yet freed.
pub unsafe fn detach(lev: *mut Listener) {
    // SAFETY: per the function contract.
    unsafe { listener::free(lev) }
}
