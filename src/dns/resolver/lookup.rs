//! A lookup (`struct evdns_request`, the handle a resolve call returns) and the life of its
//! query: waiting for a slot, on the wire, retransmitted, moved between servers, answered.
//!
//! 2.1.12's behaviour, reproduced: a query goes out at once (inside the resolve call) when
//! fewer than `max-inflight` are out and a server exists, else it waits; a query never
//! answered is retransmitted every `timeout` to the next server round-robin, up to
//! `attempts` transmissions, then fails with DNS_ERR_TIMEOUT; SERVFAIL counts as a timeout;
//! NOTIMPL and REFUSED mark the server down and the query moves to another server (once,
//! sent when its timer runs out); any other reply ends the query (DNS_ERR_TRUNCATED for the
//! TC bit, the RCODE's error, DNS_ERR_NODATA for an empty answer, DNS_ERR_UNKNOWN for a
//! reply that cannot be read or does not carry our question) unless the search list has
//! another name to try. Replies are matched by transaction ID alone; IDs come from the
//! secure RNG. Results always reach the program from the event loop, never inside the call.

use super::base::{Due, State};
use super::deliver::{self, Outcome};
use super::errors::*;
use super::getaddrinfo::GaiRequest;
use super::log;
use super::options::PLAIN_UDP_SIZE;
use super::query;
use super::reply::{self, Asked, ReplyData, Unusable};
use super::search::{self, SearchProgress};
use super::tcp;
use crate::dns::wire::{self, TYPE_A, TYPE_AAAA, TYPE_PTR};
use crate::util::rng;
use libc::{c_char, c_int, c_void};
use std::time::Instant;

pub const QTYPE_A: u16 = TYPE_A;
pub const QTYPE_AAAA: u16 = TYPE_AAAA;
pub const QTYPE_PTR: u16 = TYPE_PTR;

/// DNS_QUERY_NO_SEARCH.
pub const DNS_QUERY_NO_SEARCH: c_int = 1;

/// `evdns_callback_type`.
pub type ResolveCallback = unsafe extern "C" fn(c_int, c_char, c_int, c_int, *mut c_void, *mut c_void);

/// Who hears a lookup's result.
#[derive(Clone, Copy)]
pub enum Notify {
    /// The program's callback, from the loop.
    User { cb: Option<ResolveCallback>, arg: *mut c_void },
    /// A name server's probe: handled inside the resolver.
    Probe(u64),
    /// One half of an evdns_getaddrinfo request, from the loop.
    Gai { req: *mut GaiRequest, v6: bool },
}

pub struct Lookup {
    pub id: u64,
    /// For cancelling through the handle alone.
    pub base: *const super::base::EvdnsBase,
    pub qtype: u16,
    pub notify: Notify,
    pub search: Option<SearchProgress>,
    /// Keep the first CNAME target (evdns_getaddrinfo with AI_CANONNAME; first query only).
    pub want_cname: bool,
    /// The query as sent (ID patched in when it goes in flight).
    pub packet: Vec<u8>,
    /// The question name as sent, for checking replies.
    pub sent_name: Vec<u8>,
    /// Set while the query is in the in-flight table.
    pub txid: Option<u16>,
    pub server: Option<u64>,
    pub tx_count: i32,
    pub reissues: i32,
    /// Sending failed for now (or it was moved to another server): send when possible.
    pub transmit_me: bool,
    pub deadline: Option<Instant>,
    /// Extension: sent over the server's TCP connection (see [`super::tcp`]).
    pub tcp: bool,
    /// Extension: a truncated answer is final (DNS_QUERY_IGNTC).
    pub ignore_tc: bool,
}

impl Lookup {
    pub fn in_flight(&self) -> bool {
        self.txid.is_some()
    }
}

/// A lookup out of the tables, and where it was.
struct Taken {
    lookup: Box<Lookup>,
    server: Option<u64>,
    was_in_flight: bool,
}

impl State {
    /// The query bytes for `name` (letter case randomized when configured) and the question
    /// name as it will be sent; None when the name cannot be sent.
    fn build_query(&self, name: &[u8], qtype: u16) -> Option<(Vec<u8>, Vec<u8>)> {
        let name = if self.opts.randomize_case {
            let mut bits = vec![0u8; name.len().div_ceil(8)];
            rng::secure_fill(&mut bits);
            query::randomize_case(name, &bits)
        } else {
            name.to_vec()
        };
        let mut packet = query::build(0, &name, qtype)?;
        let sent = query::question_name(&packet).unwrap_or_default();
        if self.opts.edns_udp_size > PLAIN_UDP_SIZE {
            query::add_edns(&mut packet, self.opts.edns_udp_size);
        }
        Some((packet, sent))
    }

    /// A new lookup, not yet submitted.
    pub fn new_lookup(&mut self, qtype: u16, name: &[u8], notify: Notify, search: Option<SearchProgress>) -> Option<u64> {
        let (packet, sent_name) = self.build_query(name, qtype)?;
        let id = self.next_lookup_id;
        self.next_lookup_id += 1;
        self.lookups.insert(
            id,
            Box::new(Lookup {
                id,
                base: self.me,
                qtype,
                notify,
                search,
                want_cname: false,
                packet,
                sent_name,
                txid: None,
                server: None,
                tx_count: 0,
                reissues: 0,
                transmit_me: false,
                deadline: None,
                tcp: self.opts.use_vc,
                ignore_tc: self.opts.ignore_tc,
            }),
        );
        Some(id)
    }

    /// The C handle of a lookup.
    pub fn handle(&mut self, id: u64) -> *mut Lookup {
        self.lookups.get_mut(&id).map_or(std::ptr::null_mut(), |b| &mut **b as *mut Lookup)
    }

    /// Start resolving `name`, through the search list unless `flags` say not to.
    pub fn start_resolve(&mut self, qtype: u16, name: &[u8], flags: c_int, notify: Notify) -> Option<u64> {
        if self.shut_down {
            return None;
        }
        let list = self.search.clone().filter(|l| flags & DNS_QUERY_NO_SEARCH == 0 && !l.borrow().domains.is_empty());
        let id = match list {
            None => self.new_lookup(qtype, name, notify, None)?,
            Some(list) => {
                let (first, index) = if search::count_dots(name) >= list.borrow().ndots {
                    (name.to_vec(), -1)
                } else {
                    let domain = list.borrow().domains[0].clone();
                    (search::qualify(name, &domain)?, 0)
                };
                let progress = SearchProgress { list, origname: name.to_vec(), index };
                self.new_lookup(qtype, &first, notify, Some(progress))?
            }
        };
        if let Some(l) = self.lookups.get_mut(&id) {
            l.tcp |= flags & tcp::DNS_QUERY_USEVC != 0;
            l.ignore_tc |= flags & tcp::DNS_QUERY_IGNTC != 0;
        }
        self.submit(id);
        Some(id)
    }

    /// Send the lookup now if a slot and a server are free, else queue it.
    pub fn submit(&mut self, id: u64) {
        let server = if self.inflight.len() < self.opts.max_inflight.max(1) as usize { self.pick_server() } else { None };
        match server {
            Some(sid) => self.put_in_flight(id, sid),
            None => self.waiting.push_back(id),
        }
    }

    /// A probe goes to its server whatever the in-flight limit (the pick only turns the
    /// ring, as creating any query does in 2.1.12).
    pub fn submit_to(&mut self, id: u64, sid: u64) {
        if self.inflight.len() < self.opts.max_inflight.max(1) as usize {
            self.pick_server();
        }
        self.put_in_flight(id, sid);
    }

    fn pick_txid(&self) -> u16 {
        loop {
            let mut b = [0u8; 2];
            rng::secure_fill(&mut b);
            let t = u16::from_ne_bytes(b);
            // 0xffff marks "no ID yet" in 2.1.12 and is never used.
            if t != 0xffff && !self.inflight.contains_key(&t) {
                return t;
            }
        }
    }

    fn put_in_flight(&mut self, id: u64, sid: u64) {
        let txid = self.pick_txid();
        let Some(l) = self.lookups.get_mut(&id) else { return };
        query::set_txid(&mut l.packet, txid);
        l.txid = Some(txid);
        l.server = Some(sid);
        self.inflight.insert(txid, id);
        if let Some(ns) = self.server_mut(sid) {
            ns.inflight += 1;
        }
        self.transmit(id);
    }

    /// Send (or resend) a lookup's query to its server and start its timeout.
    pub fn transmit(&mut self, id: u64) {
        let Some(l) = self.lookups.get_mut(&id) else { return };
        l.transmit_me = true;
        let Some(sid) = l.server else { return };
        match self.server(sid) {
            Some(ns) if !ns.choked => {}
            _ => return,
        }
        let sent = if let Some(packet) = self.lookups.get(&id).filter(|l| l.tcp).map(|l| l.packet.clone()) {
            self.tcp_send(sid, &packet).map(|()| true)
        } else {
            self.keep_reading(sid);
            let (Some(l), Some(ns)) = (self.lookups.get(&id), self.server(sid)) else { return };
            ns.send(&l.packet)
        };
        match sent {
            Ok(true) => {}
            Ok(false) => {
                self.wait_writable(sid);
                return;
            }
            // The timeout will retransmit (maybe elsewhere).
            Err(e) => self.server_failed(sid, &crate::core::log::strerror(e.raw_os_error().unwrap_or(0))),
        }
        let timeout = self.opts.timeout;
        let Some(l) = self.lookups.get_mut(&id) else { return };
        let server_ptr = self.servers.iter().find(|s| Some(s.id) == l.server).map_or(std::ptr::null(), |s| &**s as *const _);
        log::debug(|| format!("Setting timeout for request {:p}, sent to nameserver {:p}", &**l as *const Lookup, server_ptr));
        l.tx_count += 1;
        l.transmit_me = false;
        let old = l.deadline;
        let at = Instant::now() + timeout;
        l.deadline = Some(at);
        self.set_deadline(Due::Reply(id), old, Some(at));
    }

    /// Send every in-flight query marked for sending; false when there was none.
    pub fn transmit_marked(&mut self) -> bool {
        let ids: Vec<u64> = self.lookups.values().filter(|l| l.in_flight() && l.transmit_me).map(|l| l.id).collect();
        for &id in &ids {
            self.transmit(id);
        }
        !ids.is_empty()
    }

    /// Move waiting lookups in flight while there is room and a server.
    pub fn pump(&mut self) {
        if self.shut_down {
            return;
        }
        while self.inflight.len() < self.opts.max_inflight.max(1) as usize && !self.waiting.is_empty() {
            let Some(sid) = self.pick_server() else { return };
            let Some(id) = self.waiting.pop_front() else { return };
            self.put_in_flight(id, sid);
            self.transmit_marked();
        }
    }

    /// Take a lookup's query out of the tables (the lookup stays); returns where it was.
    fn unqueue(&mut self, id: u64) -> Option<(Option<u64>, bool)> {
        let l = self.lookups.get_mut(&id)?;
        let server = l.server.take();
        let old = l.deadline.take();
        let was_in_flight = match l.txid.take() {
            Some(t) => {
                self.inflight.remove(&t);
                true
            }
            None => {
                self.waiting.retain(|&w| w != id);
                false
            }
        };
        log::debug(|| format!("Removing timeout for request {:p}", &**self.lookups.get(&id).unwrap() as *const Lookup));
        self.set_deadline(Due::Reply(id), old, None);
        Some((server, was_in_flight))
    }

    fn take(&mut self, id: u64) -> Option<Taken> {
        let server = self.lookups.get(&id)?.server;
        let (_, was_in_flight) = self.unqueue(id)?;
        let mut lookup = self.lookups.remove(&id)?;
        // The search list is shared with the base: let go of it under the lock.
        lookup.search = None;
        Some(Taken { lookup, server, was_in_flight })
    }

    /// The slot a finished query held is free: let waiting lookups in.
    fn release(&mut self, server: Option<u64>, was_in_flight: bool) {
        if was_in_flight {
            if let Some(sid) = server {
                self.server_query_done(sid);
            }
        }
        self.pump();
    }

    /// Hand a finished lookup's result to whoever waits for it.
    fn deliver(&mut self, lookup: Box<Lookup>, outcome: Outcome) {
        match lookup.notify {
            Notify::Probe(sid) => {
                let id = lookup.id;
                drop(lookup);
                self.probe_result(sid, id, outcome.result);
            }
            // SAFETY: `me` is this (locked, live) base; loop_base is NULL or live.
            Notify::User { .. } | Notify::Gai { .. } => unsafe { deliver::schedule(self.loop_base(), self.me, lookup, outcome) },
        }
    }

    /// End a lookup with `outcome`.
    pub fn complete(&mut self, id: u64, outcome: Outcome) {
        let Some(t) = self.take(id) else { return };
        self.deliver(t.lookup, outcome);
        self.release(t.server, t.was_in_flight);
    }

    /// `evdns_cancel_request`: the callback still runs, with DNS_ERR_CANCEL.
    pub fn cancel(&mut self, id: u64) {
        self.complete(id, Outcome::error(DNS_ERR_CANCEL, 0, None));
    }

    /// End every lookup (evdns_base_free): with `fail`, each hears DNS_ERR_SHUTDOWN.
    pub fn end_all(&mut self, fail: bool) {
        let mut ids: Vec<u64> = self.waiting.iter().copied().collect();
        ids.extend(self.lookups.keys().filter(|id| !ids.contains(id)).copied().collect::<Vec<_>>());
        for id in ids {
            if fail {
                self.complete(id, Outcome::error(DNS_ERR_SHUTDOWN, 0, None));
            } else if let Some(t) = self.take(id) {
                drop(t.lookup);
                self.release(t.server, t.was_in_flight);
            }
        }
    }

    pub fn swap_server(&mut self, id: u64, to: u64) {
        let Some(l) = self.lookups.get_mut(&id) else { return };
        if l.server == Some(to) {
            return;
        }
        let from = l.server.replace(to);
        self.server_query_moved(from, to);
    }

    /// The query's timer ran out.
    pub fn on_timeout(&mut self, id: u64) {
        let Some(l) = self.lookups.get(&id) else { return };
        log::debug(|| format!("Request {:p} timed out", &**l as *const Lookup));
        if l.tx_count >= self.opts.attempts {
            let server = l.server;
            log::debug(|| format!("Giving up on request {:p}; tx_count=={}", &**l as *const Lookup, l.tx_count));
            self.complete(id, Outcome::error(DNS_ERR_TIMEOUT, 0, None));
            if let Some(sid) = server {
                self.server_failed(sid, "request timed out.");
            }
            return;
        }
        log::debug(|| format!("Retransmitting request {:p}; tx_count=={}", &**l as *const Lookup, l.tx_count));
        if let Some(to) = self.pick_server() {
            self.swap_server(id, to);
        }
        self.transmit(id);
        let max = self.opts.max_timeouts;
        let Some(sid) = self.lookups.get(&id).and_then(|l| l.server) else { return };
        let Some(ns) = self.server_mut(sid) else { return };
        ns.timedout += 1;
        if ns.timedout > max {
            ns.timedout = 0;
            self.server_failed(sid, "request timed out.");
        }
    }

    /// A datagram from one of our servers.
    pub fn on_reply(&mut self, packet: &[u8]) {
        self.on_reply_from(packet, false)
    }

    /// A reply from one of our servers, by datagram or over TCP.
    pub fn on_reply_from(&mut self, packet: &[u8], via_tcp: bool) {
        let Ok(h) = wire::Reader::new(packet).header() else { return };
        let Some(&id) = self.inflight.get(&h.id) else { return };
        if !h.is_response() {
            return;
        }
        let Some(l) = self.lookups.get(&id) else { return };
        let (tc, rcode) = (h.truncated(), h.rcode());
        // Extension: a truncated datagram answer asked again over TCP, when allowed.
        if tc && !via_tcp && !l.tcp && !l.ignore_tc && (self.opts.tcp_fallback || self.opts.use_vc) {
            log::debug(|| format!("Truncated answer for request {:p}: asking again over TCP", &**l as *const Lookup));
            if let Some(l) = self.lookups.get_mut(&id) {
                l.tcp = true;
            }
            self.transmit(id);
            return;
        }
        let parsed = if tc || (rcode != 0 && rcode != 3) {
            Err(Unusable)
        } else {
            let asked =
                Asked { name: &l.sent_name, qtype: l.qtype, ignore_case: self.opts.randomize_case, want_cname: l.want_cname };
            reply::parse(packet, &h, &asked)
        };
        self.handle_reply(id, tc, rcode, parsed);
    }

    fn handle_reply(&mut self, id: u64, tc: bool, rcode: u8, parsed: Result<ReplyData, Unusable>) {
        let Some(l) = self.lookups.get(&id) else { return };
        let (server, qtype, reissues, searching) = (l.server, l.qtype, l.reissues, l.search.is_some());
        if !tc && rcode == 0 {
            if let Ok(data) = &parsed {
                if data.have_answer {
                    let Some(t) = self.take(id) else { return };
                    let outcome = Outcome::answer(qtype, parsed.unwrap_or_default());
                    self.deliver(t.lookup, outcome);
                    if let Some(sid) = server {
                        self.server_answered(sid, id);
                    }
                    self.release(t.server, t.was_in_flight);
                    return;
                }
            }
        }
        let err = if tc {
            DNS_ERR_TRUNCATED
        } else if rcode != 0 {
            from_rcode(rcode)
        } else if parsed.is_ok() {
            DNS_ERR_NODATA
        } else {
            DNS_ERR_UNKNOWN
        };
        let (ttl, cname) = match parsed {
            Ok(d) => (d.ttl, d.cname),
            Err(_) => (0, None),
        };
        match err {
            DNS_ERR_NOTIMPL | DNS_ERR_REFUSED => {
                if reissues < self.opts.max_reissues {
                    if let Some(sid) = server {
                        let why = format!("Bad response {} ({})", err, err_to_string(err).to_string_lossy());
                        self.server_failed(sid, &why);
                    }
                    if self.reissue(id) {
                        return;
                    }
                }
            }
            DNS_ERR_SERVERFAILED => {
                let at = server.and_then(|s| self.server(s)).map(|s| s.addr.to_text()).unwrap_or_default();
                log::debug(|| format!("Got a SERVERFAILED from nameserver at {}; will allow the request to time out.", at));
                self.on_timeout(id);
                return;
            }
            _ => {
                if let Some(sid) = server {
                    self.server_answered(sid, id);
                }
            }
        }
        if searching && qtype != QTYPE_PTR && self.search_next(id) {
            return;
        }
        self.complete(id, Outcome::error(err, ttl, cname));
    }

    /// A server gave a usable reply to lookup `id`: it is up (and that was its probe).
    fn server_answered(&mut self, sid: u64, id: u64) {
        if let Some(ns) = self.server_mut(sid) {
            if ns.probe == Some(id) {
                ns.probe = None;
            }
        }
        self.server_up(sid);
    }

    /// Move a refused query to another server; false when there is no other.
    fn reissue(&mut self, id: u64) -> bool {
        let Some(last) = self.lookups.get(&id).map(|l| l.server) else { return false };
        if let Some(to) = self.pick_server() {
            self.swap_server(id, to);
        }
        let Some(l) = self.lookups.get_mut(&id) else { return false };
        if l.server == last {
            return false;
        }
        l.reissues += 1;
        l.tx_count = 0;
        l.transmit_me = true;
        true
    }

    /// Try the next name of the lookup's search; false when the search is over.
    fn search_next(&mut self, id: u64) -> bool {
        let Some(l) = self.lookups.get_mut(&id) else { return false };
        let qtype = l.qtype;
        let Some(progress) = l.search.as_mut() else { return false };
        let Some((name, last)) = search::next_candidate(progress) else { return false };
        let Some((packet, sent_name)) = self.build_query(&name, qtype) else { return false };
        log::debug(|| {
            if last {
                format!("Search: trying raw query {}", String::from_utf8_lossy(&name))
            } else {
                format!("Search: now trying {}", String::from_utf8_lossy(&name))
            }
        });
        let Some((server, was_in_flight)) = self.unqueue(id) else { return false };
        if let Some(l) = self.lookups.get_mut(&id) {
            if last {
                l.search = None;
            }
            l.want_cname = false;
            l.packet = packet;
            l.sent_name = sent_name;
            l.tx_count = 0;
            l.reissues = 0;
            l.transmit_me = false;
        }
        self.release(server, was_in_flight);
        self.submit(id);
        true
    }

    /// Put every in-flight query back in the waiting queue, ahead of the others
    /// (clear_nameservers_and_suspend).
    pub fn suspend_all(&mut self) {
        let in_flight: Vec<u64> = self.lookups.values().filter(|l| l.in_flight()).map(|l| l.id).collect();
        for &id in in_flight.iter().rev() {
            let Some(l) = self.lookups.get_mut(&id) else { continue };
            if let Some(t) = l.txid.take() {
                self.inflight.remove(&t);
            }
            l.server = None;
            l.tx_count = 0;
            l.reissues = 0;
            l.transmit_me = false;
            let old = l.deadline.take();
            self.set_deadline(Due::Reply(id), old, None);
            self.waiting.push_front(id);
        }
    }
}
