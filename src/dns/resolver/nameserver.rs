//! Name servers: one non-blocking UDP socket each (unconnected: queries go out with sendto,
//! replies are accepted from the server's address on any port, as 2.1.12 does), kept in a
//! ring that round-robin walks, marked down after failures and probed back up.
//!
//! 2.1.12's rules, reproduced: a new server goes right after the ring's head (so with A then
//! B then C added, the ring reads A, C, B); picking returns the head and advances it,
//! skipping servers that are down unless all are; a server is down after a query times out
//! for good, after more than `max-timeouts` retransmissions went to it in a row, after a
//! send error, or after it answered NOTIMPL/REFUSED; a down server is probed ("google.com",
//! type A) after `initial-probe-timeout`, then at three times the previous wait each time a
//! probe fails (at most an hour); any usable reply from it brings it back.

use super::base::{Due, EvdnsBase, State};
use super::errors::{DNS_ERR_NONE, DNS_ERR_NOTEXIST};
use super::log;
use super::lookup::{Notify, QTYPE_A};
use super::options::MAX_PROBE_TIMEOUT_SECS;
use super::sockaddr::SockAddr;
use super::tcp::TcpConn;
use crate::core::api;
use crate::core::event::{Event, EV_PERSIST, EV_READ, EV_WRITE};
use crate::syscall;
use libc::{c_int, c_short, c_void, sockaddr_storage, socklen_t};
use std::time::{Duration, Instant};

pub struct Nameserver {
    pub id: u64,
    pub addr: SockAddr,
    fd: c_int,
    pub up: bool,
    /// Probes sent while down (1 once it failed).
    pub failed_times: u32,
    /// Retransmissions sent to it since it last answered.
    pub timedout: i32,
    /// Lookups on the wire through it.
    pub inflight: usize,
    /// The socket said EAGAIN: wait for writability before sending again.
    pub choked: bool,
    /// The probe lookup in progress, if any.
    pub probe: Option<u64>,
    pub probe_at: Option<Instant>,
    read_ev: Event,
    write_ev: Event,
    reading: bool,
    writing: bool,
    base: *const EvdnsBase,
    /// The TCP connection (extension), once a query needed one.
    pub tcp: Option<Box<TcpConn>>,
}

/// Why a name server could not be added (evdns_nameserver_add_impl's return values).
pub const ADD_ERR_SOCKET: c_int = 1;
pub const ADD_ERR_SETUP: c_int = 2;
pub const ADD_ERR_DUPLICATE: c_int = 3;

impl Nameserver {
    /// Raw pointers to the events, for a blocking delete outside the base lock.
    pub fn events(&mut self) -> Vec<*mut Event> {
        let mut v = vec![&mut self.read_ev as *mut Event, &mut self.write_ev as *mut Event];
        if let Some(conn) = self.tcp.as_mut() {
            v.extend(conn.events());
        }
        v
    }

    /// The base, for the callbacks.
    pub fn base_ptr(&self) -> *const EvdnsBase {
        self.base
    }

    /// Close the sockets once their events are gone.
    pub fn close(&mut self) {
        if self.fd >= 0 {
            let _ = syscall!(close(self.fd));
            self.fd = -1;
        }
        if let Some(conn) = self.tcp.as_mut() {
            conn.close();
        }
    }

    fn set_reading(&mut self, on: bool) {
        if on != self.reading {
            Self::toggle(&mut self.read_ev, on);
            self.reading = on;
        }
    }

    fn set_writing(&mut self, on: bool) {
        if on != self.writing {
            Self::toggle(&mut self.write_ev, on);
            self.writing = on;
        }
    }

    /// Add or delete one of our own events.
    fn toggle(ev: &mut Event, on: bool) {
        let ev = ev as *mut Event;
        // SAFETY: our own event, assigned at creation; the server outlives it (deleted with a
        // wait before the server is freed). No wait here: a running callback re-checks state.
        unsafe {
            if on {
                api::add(ev, None);
            } else {
                api::del_with(ev, api::DelWait::NoBlock);
            }
        }
    }

    /// Send a query. Ok(true): sent; Ok(false): try again when writable; Err: failed.
    pub fn send(&self, packet: &[u8]) -> Result<bool, std::io::Error> {
        let r =
            syscall!(sendto(self.fd, packet.as_ptr() as *const c_void, packet.len(), 0, self.addr.as_ptr(), self.addr.socklen()));
        match r {
            Ok(n) if n as usize == packet.len() => Ok(true),
            Ok(_) => Ok(false),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

unsafe extern "C" fn readable(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let ns = arg as *const Nameserver;
    // SAFETY: the server's events are deleted, waiting for this callback, before it is
    // freed; its base outlives it.
    let base = unsafe { &*(*ns).base };
    let mut st = base.lock();
    // SAFETY: as above; the id is never written after creation.
    let sid = unsafe { (*ns).id };
    if st.shut_down || st.server(sid).is_none() {
        return;
    }
    st.read_replies(sid);
}

unsafe extern "C" fn writable(_fd: c_int, _what: c_short, arg: *mut c_void) {
    let ns = arg as *const Nameserver;
    // SAFETY: as in `readable`.
    let base = unsafe { &*(*ns).base };
    let mut st = base.lock();
    // SAFETY: as in `readable`.
    let sid = unsafe { (*ns).id };
    if st.shut_down || st.server(sid).is_none() {
        return;
    }
    if let Some(ns) = st.server_mut(sid) {
        ns.choked = false;
    }
    if !st.transmit_marked() {
        if let Some(ns) = st.server_mut(sid) {
            ns.set_writing(false);
        }
    }
}

impl State {
    pub fn server(&self, id: u64) -> Option<&Nameserver> {
        self.servers.iter().find(|s| s.id == id).map(|b| &**b)
    }
    pub fn server_mut(&mut self, id: u64) -> Option<&mut Nameserver> {
        self.servers.iter_mut().find(|s| s.id == id).map(|b| &mut **b)
    }

    /// `evdns_nameserver_add_impl_`: 0, or one of the ADD_ERR_* codes (or libevent's
    /// `-SO_RCVBUF` / `-SO_SNDBUF` when those options cannot be applied).
    pub fn add_server(&mut self, addr: SockAddr) -> c_int {
        if self.servers.iter().any(|s| s.addr.same_with_port(&addr)) {
            return ADD_ERR_DUPLICATE;
        }
        let fd = match syscall!(socket(addr.family(), libc::SOCK_DGRAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0)) {
            Ok(fd) => fd,
            Err(_) => return ADD_ERR_SOCKET,
        };
        let fail = |err: c_int| {
            log::log(log::WARN, || format!("Unable to add nameserver {}: error {}", addr.to_text(), err));
            let _ = syscall!(close(fd));
            err
        };
        if let Some(local) = self.opts.bind_to {
            if !addr.is_loopback() && syscall!(bind(fd, local.as_ptr(), local.socklen())).is_err() {
                log::log(log::WARN, || "Couldn't bind to outgoing address".to_string());
                return fail(ADD_ERR_SETUP);
            }
        }
        for (opt, value, name) in
            [(libc::SO_RCVBUF, self.opts.so_rcvbuf, "SO_RCVBUF"), (libc::SO_SNDBUF, self.opts.so_sndbuf, "SO_SNDBUF")]
        {
            if value != 0 {
                let len = std::mem::size_of::<c_int>() as socklen_t;
                if syscall!(setsockopt(fd, libc::SOL_SOCKET, opt, &value as *const c_int as *const c_void, len)).is_err() {
                    log::log(log::WARN, || format!("Couldn't set {} to {}", name, value));
                    return fail(-opt);
                }
            }
        }
        let id = self.next_server_id;
        self.next_server_id += 1;
        let mut ns = Box::new(Nameserver {
            id,
            addr,
            fd,
            up: true,
            failed_times: 0,
            timedout: 0,
            inflight: 0,
            choked: false,
            probe: None,
            probe_at: None,
            read_ev: Event::zeroed(),
            write_ev: Event::zeroed(),
            reading: false,
            writing: false,
            base: self.me,
            tcp: None,
        });
        let arg = &mut *ns as *mut Nameserver as *mut c_void;
        let eb = self.loop_base();
        // SAFETY: the events live in the boxed server (stable address) and are deleted before
        // it is freed; the callbacks get the server as their argument.
        let ok = unsafe {
            api::assign(&mut ns.read_ev, eb, fd, EV_READ | EV_PERSIST, Some(readable), arg) == 0
                && api::assign(&mut ns.write_ev, eb, fd, EV_WRITE | EV_PERSIST, Some(writable), arg) == 0
        };
        if !ok {
            return fail(ADD_ERR_SETUP);
        }
        if !self.disable_when_inactive {
            // SAFETY: the event was just assigned.
            if unsafe { api::add(&mut ns.read_ev, None) } < 0 {
                return fail(ADD_ERR_SETUP);
            }
            ns.reading = true;
        }
        log::debug(|| format!("Added nameserver {} as {:p}", addr.to_text(), &*ns));
        // Right after the head of the ring.
        if self.servers.is_empty() {
            self.servers.push(ns);
            self.head = 0;
        } else {
            self.servers.insert(self.head + 1, ns);
        }
        self.good += 1;
        0
    }

    /// The next server round-robin: the head (advancing it) if it is up, else the next one
    /// that is; when none is up, the one after the head.
    pub fn pick_server(&mut self) -> Option<u64> {
        let n = self.servers.len();
        if n == 0 {
            return None;
        }
        if self.good == 0 {
            self.head = (self.head + 1) % n;
            return Some(self.servers[self.head].id);
        }
        for _ in 0..n {
            let s = &self.servers[self.head];
            self.head = (self.head + 1) % n;
            if s.up {
                return Some(s.id);
            }
        }
        // Unreachable while `good` counts an up server; stay usable anyway.
        Some(self.servers[self.head].id)
    }

    /// The idx-th server counting from the head (as evdns_base_get_nameserver_addr counts).
    pub fn server_at(&self, idx: usize) -> Option<&Nameserver> {
        let n = self.servers.len();
        (idx < n).then(|| &*self.servers[(self.head + idx) % n])
    }

    /// Read every waiting datagram from a server's socket.
    fn read_replies(&mut self, sid: u64) {
        // 2.1.12 reads 1500 bytes; with EDNS0 (extension) as much as was announced.
        let mut small = [0u8; 1500];
        let mut large = Vec::new();
        let announced = usize::from(self.opts.edns_udp_size);
        let packet: &mut [u8] = if announced <= small.len() {
            &mut small
        } else {
            large.resize(announced, 0);
            &mut large
        };
        loop {
            let Some((fd, addr)) = self.server(sid).map(|ns| (ns.fd, ns.addr)) else { return };
            // SAFETY: all-zero is a valid sockaddr_storage.
            let mut from: sockaddr_storage = unsafe { std::mem::zeroed() };
            let mut fromlen = std::mem::size_of::<sockaddr_storage>() as socklen_t;
            let r = syscall!(recvfrom(
                fd,
                packet.as_mut_ptr() as *mut c_void,
                packet.len(),
                0,
                &mut from as *mut sockaddr_storage as *mut libc::sockaddr,
                &mut fromlen
            ));
            let n = match r {
                Ok(n) => n as usize,
                Err(e) => {
                    if !matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EINTR)) {
                        self.server_failed(sid, &crate::core::log::strerror(e.raw_os_error().unwrap_or(0)));
                    }
                    return;
                }
            };
            // SAFETY: recvfrom filled `fromlen` bytes (at most the storage's size).
            let from = unsafe { SockAddr::from_raw(&from as *const sockaddr_storage as *const libc::sockaddr, fromlen) };
            let same = from.as_ref().is_some_and(|f| f.same_host(&addr));
            if !same {
                let text = from.map_or_else(|| "?".to_string(), |f| f.to_text());
                log::log(log::WARN, || format!("Address mismatch on received DNS packet.  Apparent source was {}", text));
                return;
            }
            if let Some(ns) = self.server_mut(sid) {
                ns.timedout = 0;
            }
            self.on_reply(&packet[..n]);
        }
    }

    /// Make sure replies are read while the server has queries out (disable-when-inactive
    /// bases read only then).
    pub fn keep_reading(&mut self, sid: u64) {
        if let Some(ns) = self.server_mut(sid) {
            if ns.inflight > 0 {
                ns.set_reading(true);
            }
        }
    }

    /// A send would block: resend the marked queries when the socket is writable.
    pub fn wait_writable(&mut self, sid: u64) {
        if let Some(ns) = self.server_mut(sid) {
            ns.choked = true;
            ns.set_writing(true);
        }
    }

    /// One less query out through `sid`. With disable-when-inactive, an idle server neither
    /// reads nor keeps its probe timer (2.1.12 drops it then too).
    pub fn server_query_done(&mut self, sid: u64) {
        let dwi = self.disable_when_inactive;
        let Some(ns) = self.server_mut(sid) else { return };
        ns.inflight = ns.inflight.saturating_sub(1);
        if dwi && ns.inflight == 0 {
            ns.set_reading(false);
            let old = ns.probe_at.take();
            self.set_deadline(Due::Probe(sid), old, None);
        }
    }

    /// Move a lookup's slot from one server to another.
    pub fn server_query_moved(&mut self, from: Option<u64>, to: u64) {
        if let Some(ns) = self.server_mut(to) {
            ns.inflight += 1;
        }
        if let Some(f) = from {
            self.server_query_done(f);
        }
    }

    /// `nameserver_failed`: mark a server down, schedule its first probe and move queries not
    /// sent yet to servers that are up.
    pub fn server_failed(&mut self, sid: u64, why: &str) {
        let probe_wait = self.opts.initial_probe_timeout;
        let Some(ns) = self.server_mut(sid) else { return };
        if !ns.up {
            return;
        }
        let text = ns.addr.to_text();
        ns.up = false;
        ns.failed_times = 1;
        let old = ns.probe_at;
        let at = Instant::now() + probe_wait;
        ns.probe_at = Some(at);
        log::log(log::MSG, || format!("Nameserver {} has failed: {}", text, why));
        self.good -= 1;
        if self.good == 0 {
            log::log(log::MSG, || "All nameservers have failed".to_string());
        }
        self.set_deadline(Due::Probe(sid), old, Some(at));
        if self.good == 0 {
            return;
        }
        let unsent: Vec<u64> =
            self.lookups.values().filter(|l| l.in_flight() && l.server == Some(sid) && l.tx_count == 0).map(|l| l.id).collect();
        for id in unsent {
            if let Some(to) = self.pick_server() {
                self.swap_server(id, to);
            }
        }
    }

    /// `nameserver_up`: a usable reply came.
    pub fn server_up(&mut self, sid: u64) {
        let Some(ns) = self.server_mut(sid) else { return };
        if ns.up {
            return;
        }
        let text = ns.addr.to_text();
        let old = ns.probe_at.take();
        let probe = ns.probe.take();
        ns.up = true;
        ns.failed_times = 0;
        ns.timedout = 0;
        log::log(log::MSG, || format!("Nameserver {} is back up", text));
        self.set_deadline(Due::Probe(sid), old, None);
        self.good += 1;
        if let Some(p) = probe {
            self.cancel(p);
        }
    }

    /// A probe failed: wait longer before the next one.
    fn probe_failed(&mut self, sid: u64) {
        let initial = self.opts.initial_probe_timeout;
        let Some(ns) = self.server_mut(sid) else { return };
        let old = ns.probe_at.take();
        if ns.up {
            self.set_deadline(Due::Probe(sid), old, None);
            return;
        }
        let mut wait = initial;
        for _ in 0..ns.failed_times {
            if wait.as_secs() >= MAX_PROBE_TIMEOUT_SECS {
                break;
            }
            wait *= 3;
        }
        if wait.as_secs() > MAX_PROBE_TIMEOUT_SECS {
            wait = Duration::from_secs(MAX_PROBE_TIMEOUT_SECS);
        }
        ns.failed_times += 1;
        let at = Instant::now() + wait;
        ns.probe_at = Some(at);
        self.set_deadline(Due::Probe(sid), old, Some(at));
    }

    /// The probe timer fired: ask the server about google.com.
    pub fn send_probe(&mut self, sid: u64) {
        let Some(ns) = self.server(sid) else { return };
        let text = ns.addr.to_text();
        log::debug(|| format!("Sending probe to {}", text));
        let Some(id) = self.new_lookup(QTYPE_A, b"google.com", Notify::Probe(sid), None) else { return };
        if let Some(ns) = self.server_mut(sid) {
            ns.probe = Some(id);
        }
        self.submit_to(id, sid);
    }

    /// What a probe lookup's result means for its server.
    pub fn probe_result(&mut self, sid: u64, id: u64, result: c_int) {
        if result == super::errors::DNS_ERR_CANCEL {
            return;
        }
        if let Some(ns) = self.server_mut(sid) {
            if ns.probe == Some(id) {
                ns.probe = None;
            }
        }
        if result == DNS_ERR_NONE || result == DNS_ERR_NOTEXIST {
            self.server_up(sid);
        } else {
            self.probe_failed(sid);
        }
    }

    /// Take every server out (clear_nameservers_and_suspend, evdns_base_free): their
    /// events must then be deleted, waiting, outside the lock, before they are dropped.
    pub fn detach_servers(&mut self) -> Vec<Box<Nameserver>> {
        let servers = std::mem::take(&mut self.servers);
        for ns in &servers {
            self.set_deadline(Due::Probe(ns.id), ns.probe_at, None);
        }
        self.head = 0;
        self.good = 0;
        servers
    }
}

/// Delete a detached server's events (waiting for a callback running in another thread),
/// close its socket and free it. Call without the base lock.
pub fn destroy(mut ns: Box<Nameserver>) {
    for ev in ns.events() {
        // SAFETY: the events belong to the detached server; deleting an unadded or
        // unassigned-but-zeroed event is a no-op returning -1 (base NULL) or 0.
        unsafe {
            if !(*ev).base.is_null() {
                api::del(ev);
            }
        }
    }
    ns.close();
}
