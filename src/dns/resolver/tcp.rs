//! DNS over TCP (an extension: libevent 2.2's `DNS_QUERY_USEVC` / `DNS_QUERY_IGNTC`, options
//! `use-vc`, `ignore-tc`, `tcp-idle-timeout:`; 2.1.12 only speaks UDP).
//!
//! A name server gets one TCP connection, opened (non-blocking) by the first query that
//! needs it and shared by every TCP query to that server. Each message travels with a
//! two-byte length in front (RFC 1035 §4.2.2). Replies go through the same matching as
//! datagrams ([`State::on_reply`]: transaction ID, question), so a TCP query times out,
//! is retransmitted and fails exactly as a UDP one does; a retransmission reopens the
//! connection if it was lost. The connection is closed after `tcp-idle-timeout:` (5 s by
//! default) with no TCP query outstanding on it, or when the server closes it or errs.
//!
//! Which queries use TCP: those made with `DNS_QUERY_USEVC` (or on a base with `use-vc`),
//! and, when the base allows it (`tcp-fallback:1`, or `use-vc`), those whose UDP answer came
//! back truncated, unless made with `DNS_QUERY_IGNTC` (or on a base with `ignore-tc`). By
//! default a truncated answer fails with DNS_ERR_TRUNCATED, exactly as in 2.1.12, so a
//! program written for 2.1.12 sees no TCP at all.
//!
//! The connection's events live in a box owned by the name server until the server itself
//! is destroyed (a closed connection keeps them, unadded, for the next one), so a callback
//! running in another thread never sees them freed; callbacks find the server again by id
//! under the base lock, as the UDP ones do.

use super::base::{Due, State};
use super::log;
use super::nameserver::Nameserver;
use crate::core::api;
use crate::core::event::{Event, EV_PERSIST, EV_READ, EV_WRITE};
use crate::syscall;
use libc::{c_int, c_short, c_void};
use std::time::{Duration, Instant};

/// `tcp-idle-timeout:`'s default.
pub const DEFAULT_TCP_IDLE: Duration = Duration::from_secs(5);

/// Query flag: send over TCP from the start (libevent 2.2's value).
pub const DNS_QUERY_USEVC: c_int = 0x02;
/// Query flag: never retry a truncated answer over TCP (libevent 2.2's value).
pub const DNS_QUERY_IGNTC: c_int = 0x04;

/// A name server's TCP connection.
pub struct TcpConn {
    /// -1 while closed.
    fd: c_int,
    /// Frames waiting to be written (including a partly written one at the front).
    out: Vec<u8>,
    /// Bytes read that do not yet make a whole frame.
    input: Vec<u8>,
    read_ev: Event,
    write_ev: Event,
    writing: bool,
    /// When the connection counts as idle (last activity + `tcp-idle-timeout:`): the
    /// base's `Due::TcpIdle` deadline.
    pub idle_at: Option<Instant>,
}

impl TcpConn {
    pub fn events(&mut self) -> [*mut Event; 2] {
        [&mut self.read_ev as *mut Event, &mut self.write_ev as *mut Event]
    }
    pub fn is_open(&self) -> bool {
        self.fd >= 0
    }
    /// Delete the events (without waiting) and close the socket.
    pub fn close(&mut self) {
        if self.fd < 0 {
            return;
        }
        // SAFETY: our own events, assigned when the socket was opened; callbacks re-check
        // the connection under the base lock.
        unsafe {
            api::del_with(&mut self.read_ev, api::DelWait::NoBlock);
            api::del_with(&mut self.write_ev, api::DelWait::NoBlock);
        }
        let _ = syscall!(close(self.fd));
        self.fd = -1;
        self.writing = false;
        self.out.clear();
        self.input.clear();
    }
}

unsafe extern "C" fn tcp_readable(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let ns = arg as *const Nameserver;
    // SAFETY: the server's events (the TCP ones included) are deleted, waiting for their
    // callbacks, before the server is freed; its base outlives it.
    let base = unsafe { &*(*ns).base_ptr() };
    let mut st = base.lock();
    // SAFETY: as above; the id is never written after creation.
    let sid = unsafe { (*ns).id };
    if !st.shut_down {
        st.tcp_read(sid);
    }
}

unsafe extern "C" fn tcp_writable(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let ns = arg as *const Nameserver;
    // SAFETY: as in `tcp_readable`.
    let base = unsafe { &*(*ns).base_ptr() };
    let mut st = base.lock();
    // SAFETY: as in `tcp_readable`.
    let sid = unsafe { (*ns).id };
    if !st.shut_down {
        st.tcp_flush(sid);
    }
}

impl State {
    /// Queue a query on the server's TCP connection, opening it if needed. Err when no
    /// connection can be made (the query's timeout then retransmits it).
    pub fn tcp_send(&mut self, sid: u64, packet: &[u8]) -> Result<(), std::io::Error> {
        let eb = self.loop_base();
        let Some(ns) = self.server_mut(sid) else { return Err(std::io::Error::from_raw_os_error(libc::ENOENT)) };
        let arg = ns as *mut Nameserver as *mut c_void;
        let addr = ns.addr;
        let conn = ns.tcp.get_or_insert_with(|| {
            Box::new(TcpConn {
                fd: -1,
                out: Vec::new(),
                input: Vec::new(),
                read_ev: Event::zeroed(),
                write_ev: Event::zeroed(),
                writing: false,
                idle_at: None,
            })
        });
        if conn.fd < 0 {
            let fd = syscall!(socket(addr.family(), libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0))?;
            match syscall!(connect(fd, addr.as_ptr(), addr.socklen())) {
                Ok(_) => {}
                Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
                Err(e) => {
                    let _ = syscall!(close(fd));
                    return Err(e);
                }
            }
            // SAFETY: the events live in the boxed connection, which lives as long as the
            // server; the callbacks get the server (stable in its box) as their argument.
            let ok = unsafe {
                api::assign(&mut conn.read_ev, eb, fd, EV_READ | EV_PERSIST, Some(tcp_readable), arg) == 0
                    && api::assign(&mut conn.write_ev, eb, fd, EV_WRITE | EV_PERSIST, Some(tcp_writable), arg) == 0
                    && api::add(&mut conn.read_ev, None) == 0
            };
            if !ok {
                let _ = syscall!(close(fd));
                return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
            }
            conn.fd = fd;
            log::debug(|| format!("Opened a TCP connection to nameserver {}", addr.to_text()));
        }
        let Ok(len) = u16::try_from(packet.len()) else { return Err(std::io::Error::from_raw_os_error(libc::EMSGSIZE)) };
        conn.out.extend_from_slice(&len.to_be_bytes());
        conn.out.extend_from_slice(packet);
        if !conn.writing {
            // SAFETY: assigned above (or for an earlier connection on this box).
            unsafe { api::add(&mut conn.write_ev, None) };
            conn.writing = true;
        }
        self.tcp_touch(sid);
        Ok(())
    }

    /// Note activity and (re)arm the idle deadline.
    fn tcp_touch(&mut self, sid: u64) {
        let idle = self.opts.tcp_idle_timeout;
        let Some(conn) = self.server_mut(sid).and_then(|ns| ns.tcp.as_mut()) else { return };
        let at = Instant::now() + idle;
        let old = conn.idle_at.replace(at);
        self.set_deadline(Due::TcpIdle(sid), old, Some(at));
    }

    /// The idle deadline passed: close the connection unless a TCP query still waits on it.
    pub fn tcp_idle(&mut self, sid: u64) {
        let busy = self.lookups.values().any(|l| l.tcp && l.in_flight() && l.server == Some(sid));
        if busy {
            self.tcp_touch(sid);
            return;
        }
        if let Some(conn) = self.server_mut(sid).and_then(|ns| ns.tcp.as_mut()) {
            if conn.is_open() {
                conn.close();
                log::debug(|| "Closed an idle TCP connection to a nameserver".to_string());
            }
        }
    }

    /// Drop the connection (the server closed it or it failed).
    fn tcp_lost(&mut self, sid: u64, why: &str) {
        let Some(ns) = self.server_mut(sid) else { return };
        let text = ns.addr.to_text();
        let Some(conn) = ns.tcp.as_mut() else { return };
        conn.close();
        let old = conn.idle_at.take();
        self.set_deadline(Due::TcpIdle(sid), old, None);
        log::log(log::WARN, || format!("TCP connection to nameserver {} closed: {}", text, why));
    }

    /// Write what is queued.
    pub fn tcp_flush(&mut self, sid: u64) {
        let Some(conn) = self.server_mut(sid).and_then(|ns| ns.tcp.as_mut()) else { return };
        if conn.fd < 0 {
            return;
        }
        while !conn.out.is_empty() {
            match syscall!(send(conn.fd, conn.out.as_ptr() as *const c_void, conn.out.len(), libc::MSG_NOSIGNAL)) {
                Ok(n) => {
                    conn.out.drain(..n as usize);
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) => return,
                Err(e) => {
                    let why = crate::core::log::strerror(e.raw_os_error().unwrap_or(0));
                    self.tcp_lost(sid, &why);
                    return;
                }
            }
        }
        // SAFETY: assigned with the connection.
        unsafe { api::del_with(&mut conn.write_ev, api::DelWait::NoBlock) };
        conn.writing = false;
    }

    /// Read what has arrived and handle every whole reply.
    pub fn tcp_read(&mut self, sid: u64) {
        let mut buf = [0u8; 4096];
        let mut frames = Vec::new();
        let mut lost = None;
        {
            let Some(conn) = self.server_mut(sid).and_then(|ns| ns.tcp.as_mut()) else { return };
            if conn.fd < 0 {
                return;
            }
            loop {
                match syscall!(recv(conn.fd, buf.as_mut_ptr() as *mut c_void, buf.len(), 0)) {
                    Ok(0) => {
                        lost = Some("closed by the server".to_string());
                        break;
                    }
                    Ok(n) => conn.input.extend_from_slice(&buf[..n as usize]),
                    Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) => break,
                    Err(e) => {
                        lost = Some(crate::core::log::strerror(e.raw_os_error().unwrap_or(0)));
                        break;
                    }
                }
            }
            while conn.input.len() >= 2 {
                let len = usize::from(u16::from_be_bytes([conn.input[0], conn.input[1]]));
                if conn.input.len() < 2 + len {
                    break;
                }
                frames.push(conn.input[2..2 + len].to_vec());
                conn.input.drain(..2 + len);
            }
        }
        if !frames.is_empty() {
            if let Some(ns) = self.server_mut(sid) {
                ns.timedout = 0;
            }
            self.tcp_touch(sid);
        }
        for f in frames {
            self.on_reply_from(&f, true);
        }
        if let Some(why) = lost {
            self.tcp_lost(sid, &why);
        }
    }
}
