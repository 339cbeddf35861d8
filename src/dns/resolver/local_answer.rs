//! The part of evdns_getaddrinfo that needs no query (libevent's
//! `evutil_getaddrinfo_common_` and its hosts lookup): hints filled in, the service turned
//! into a port, and answers for no host, numeric hosts and hosts-file names, built as
//! libevent builds them.
//!
//! Observed in 2.1.12 and reproduced: nodes carry only AI_LIBEVENT_ALLOCATED in ai_flags
//! (the hints' flags are not copied); no socket type or protocol means a TCP node and a UDP
//! node per address; a missing host gives 127.0.0.1 and ::1 (0.0.0.0 and :: with
//! AI_PASSIVE), IPv4 first; a numeric IPv6 host may carry a zone ("fe80::1%lo"); a numeric
//! host of the other family than asked for is looked up in DNS; a hosts-file answer gives
//! the port to the first node of each address only (its UDP twin keeps port 0), lists the
//! entries in file order, and answers "found, nothing" (result 0, no list) when the name is
//! there but only in the other family.

use super::hosts::{self, HostEntry};
use super::sockaddr::{ifindex_of, SockAddr};
use crate::util::addrinfo::{self as evutil_ai, EAI_FAMILY, EAI_MEMORY, EAI_NONAME};
use crate::util::inet;
use crate::util::strings;
use libc::{addrinfo, c_int};
use std::ffi::CString;
use std::ptr;

pub const AI_PASSIVE: c_int = libc::AI_PASSIVE;
pub const AI_CANONNAME: c_int = libc::AI_CANONNAME;
pub const AI_NUMERICHOST: c_int = libc::AI_NUMERICHOST;
pub const AI_ADDRCONFIG: c_int = libc::AI_ADDRCONFIG;
pub const AI_NUMERICSERV: c_int = libc::AI_NUMERICSERV;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hints {
    pub family: c_int,
    pub socktype: c_int,
    pub protocol: c_int,
    pub flags: c_int,
}

impl Hints {
    /// The program's hints, or none (any family, no flags).
    pub fn from_c(h: Option<&addrinfo>) -> Hints {
        match h {
            Some(h) => Hints { family: h.ai_family, socktype: h.ai_socktype, protocol: h.ai_protocol, flags: h.ai_flags },
            None => Hints { family: libc::AF_UNSPEC, socktype: 0, protocol: 0, flags: 0 },
        }
    }

    /// A socket type implies its protocol and the other way round.
    pub fn infer_protocols(&mut self) {
        if self.protocol == 0 && self.socktype != 0 {
            match self.socktype {
                libc::SOCK_DGRAM => self.protocol = libc::IPPROTO_UDP,
                libc::SOCK_STREAM => self.protocol = libc::IPPROTO_TCP,
                _ => {}
            }
        }
        if self.socktype == 0 && self.protocol != 0 {
            match self.protocol {
                libc::IPPROTO_UDP => self.socktype = libc::SOCK_DGRAM,
                libc::IPPROTO_TCP | libc::IPPROTO_SCTP => self.socktype = libc::SOCK_STREAM,
                _ => {}
            }
        }
    }

    /// With AI_ADDRCONFIG and no family, keep to the one family this host has addresses of.
    pub fn adjust_for_addrconfig(&mut self) {
        if self.flags & AI_ADDRCONFIG == 0 || self.family != libc::AF_UNSPEC {
            return;
        }
        match interface_families() {
            (true, false) => self.family = libc::AF_INET,
            (false, true) => self.family = libc::AF_INET6,
            _ => {}
        }
    }
}

/// Whether the host has a non-local IPv4 / IPv6 address (looked at once, as libevent does).
fn interface_families() -> (bool, bool) {
    static FAMILIES: std::sync::OnceLock<(bool, bool)> = std::sync::OnceLock::new();
    *FAMILIES.get_or_init(|| {
        let mut v4 = false;
        let mut v6 = false;
        let mut list: *mut libc::ifaddrs = ptr::null_mut();
        // SAFETY: getifaddrs fills `list` with a list we free below.
        if unsafe { libc::getifaddrs(&mut list) } != 0 {
            return (false, false);
        }
        let mut p = list;
        while !p.is_null() {
            // SAFETY: a node of the list getifaddrs returned.
            let ifa = unsafe { &*p };
            if !ifa.ifa_addr.is_null() {
                // SAFETY: ifa_addr points to a socket address of its family.
                match unsafe { (*ifa.ifa_addr).sa_family } as c_int {
                    libc::AF_INET => {
                        // SAFETY: an AF_INET address is a sockaddr_in.
                        let a = unsafe { (*(ifa.ifa_addr as *const libc::sockaddr_in)).sin_addr.s_addr };
                        v4 |= !inet::v4_is_local(a.to_ne_bytes());
                    }
                    libc::AF_INET6 => {
                        // SAFETY: an AF_INET6 address is a sockaddr_in6.
                        let a = unsafe { (*(ifa.ifa_addr as *const libc::sockaddr_in6)).sin6_addr.s6_addr };
                        v6 |= !inet::v6_is_local(&a);
                    }
                    _ => {}
                }
            }
            p = ifa.ifa_next;
        }
        // SAFETY: the list from getifaddrs, freed once.
        unsafe { libc::freeifaddrs(list) };
        (v4, v6)
    })
}

/// The protocol's name for getservbyname ("tcp", "udp", …), if it has one.
fn protocol_name(proto: c_int) -> Option<CString> {
    match proto {
        0 => None,
        libc::IPPROTO_TCP => Some(c"tcp".into()),
        libc::IPPROTO_UDP => Some(c"udp".into()),
        libc::IPPROTO_SCTP => Some(c"sctp".into()),
        p => {
            // SAFETY: getprotobynumber returns NULL or a static entry.
            let e = unsafe { libc::getprotobynumber(p) };
            // SAFETY: a non-NULL entry has a NUL-terminated name.
            (!e.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr((*e).p_name) }.to_owned())
        }
    }
}

/// The port a service names: a decimal number 0-65535, or (without AI_NUMERICSERV) a
/// services-database name for the hints' protocol.
pub fn service_port(serv: &[u8], hints: &Hints) -> Option<u16> {
    let n = strings::strtol(serv);
    if !serv.is_empty() && n.end == serv.len() && (0..=65535).contains(&n.value) {
        return Some(n.value as u16);
    }
    if hints.flags & AI_NUMERICSERV != 0 {
        return None;
    }
    let name = CString::new(serv).ok()?;
    let proto = protocol_name(hints.protocol);
    // SAFETY: NUL-terminated strings (the protocol may be NULL); the entry is static.
    let ent = unsafe { libc::getservbyname(name.as_ptr(), proto.as_ref().map_or(ptr::null(), |p| p.as_ptr())) };
    // SAFETY: a non-NULL entry from getservbyname.
    (!ent.is_null()).then(|| u16::from_be(unsafe { (*ent).s_port } as u16))
}

/// List nodes for one address: a TCP and a UDP node when the hints name neither.
pub fn nodes_for(sa: &SockAddr, hints: &Hints) -> Result<*mut addrinfo, c_int> {
    let one = |socktype: c_int, protocol: c_int| {
        evutil_ai::new_addrinfo_node(sa.bytes(), sa.family(), socktype, protocol, 0, None).ok_or(EAI_MEMORY)
    };
    if hints.socktype == 0 && hints.protocol == 0 {
        let tcp = one(libc::SOCK_STREAM, libc::IPPROTO_TCP)?;
        match one(libc::SOCK_DGRAM, libc::IPPROTO_UDP) {
            // SAFETY: two fresh lists of ours.
            Ok(udp) => Ok(unsafe { evutil_ai::append(tcp, udp) }),
            Err(e) => {
                // SAFETY: our fresh node, not handed out.
                unsafe { evutil_ai::freeaddrinfo(tcp) };
                Err(e)
            }
        }
    } else {
        one(hints.socktype, hints.protocol)
    }
}

/// Append `tail` to `head` (either may be NULL).
///
/// # Safety
/// Both are NULL or lists of ours that share no nodes.
pub unsafe fn join(head: *mut addrinfo, tail: *mut addrinfo) -> *mut addrinfo {
    // SAFETY: per the contract.
    unsafe { evutil_ai::append(head, tail) }
}

/// What to do with a request before any query.
pub enum Local {
    /// Answer now: an EVUTIL_EAI_* code and a list (NULL on error).
    Answer(c_int, *mut addrinfo),
    /// Look the name up, giving results this port.
    Resolve(u16),
}

fn answer(r: Result<*mut addrinfo, c_int>) -> Local {
    match r {
        Ok(l) => Local::Answer(0, l),
        Err(e) => Local::Answer(e, ptr::null_mut()),
    }
}

/// `evutil_getaddrinfo_common_`. `hints` are completed (protocols inferred) on the way.
pub fn answer_without_dns(node: Option<&[u8]>, serv: Option<&[u8]>, hints: &mut Hints) -> Local {
    if node.is_none() && serv.is_none() {
        return Local::Answer(EAI_NONAME, ptr::null_mut());
    }
    if ![libc::AF_UNSPEC, libc::AF_INET, libc::AF_INET6].contains(&hints.family) {
        return Local::Answer(EAI_FAMILY, ptr::null_mut());
    }
    hints.infer_protocols();
    let port = match serv {
        None => 0,
        Some(s) => match service_port(s, hints) {
            Some(p) => p,
            None => return Local::Answer(EAI_NONAME, ptr::null_mut()),
        },
    };
    let Some(node) = node else {
        let passive = hints.flags & AI_PASSIVE != 0;
        let mut list = ptr::null_mut();
        if hints.family != libc::AF_INET6 {
            let a = if passive { [0, 0, 0, 0] } else { [127, 0, 0, 1] };
            match nodes_for(&SockAddr::v4(a, port), hints) {
                Ok(l) => list = l,
                Err(e) => return Local::Answer(e, ptr::null_mut()),
            }
        }
        if hints.family != libc::AF_INET {
            let mut a = [0u8; 16];
            if !passive {
                a[15] = 1;
            }
            match nodes_for(&SockAddr::v6(a, port, 0), hints) {
                // SAFETY: two fresh lists of ours.
                Ok(l) => list = unsafe { join(list, l) },
                Err(e) => {
                    // SAFETY: our list, not handed out.
                    unsafe { evutil_ai::freeaddrinfo(list) };
                    return Local::Answer(e, ptr::null_mut());
                }
            }
        }
        return Local::Answer(0, list);
    };
    if hints.family != libc::AF_INET {
        let v6 = inet::parse_ipv6_scoped(node, ifindex_of);
        if let Some(a) = v6.addr {
            return answer(nodes_for(&SockAddr::v6(a, port, v6.scope_id), hints));
        }
    }
    if hints.family != libc::AF_INET6 {
        if let Some(a) = inet::parse_ipv4(node) {
            return answer(nodes_for(&SockAddr::v4(a, port), hints));
        }
    }
    if hints.flags & AI_NUMERICHOST != 0 {
        return Local::Answer(EAI_NONAME, ptr::null_mut());
    }
    Local::Resolve(port)
}

/// The hosts-file answer for `node`, if the file names it (the list may then be empty).
pub fn from_hosts(db: &[HostEntry], node: &[u8], hints: &Hints, port: u16) -> Option<Result<*mut addrinfo, c_int>> {
    let mut found = false;
    let mut list = ptr::null_mut();
    for e in hosts::find(db, node) {
        found = true;
        let fam = e.addr.family();
        if (fam == libc::AF_INET && hints.family == libc::AF_INET6) || (fam == libc::AF_INET6 && hints.family == libc::AF_INET) {
            continue;
        }
        match nodes_for(&e.addr, hints) {
            Ok(n) => {
                // SAFETY: n is a fresh node of ours whose address is a copy of e.addr.
                unsafe { set_node_port(n, port) };
                // SAFETY: two fresh lists of ours.
                list = unsafe { join(list, n) };
            }
            Err(err) => {
                // SAFETY: our list, not handed out.
                unsafe { evutil_ai::freeaddrinfo(list) };
                return Some(Err(err));
            }
        }
    }
    found.then_some(Ok(list))
}

/// Write `port` into one node's address.
///
/// # Safety
/// `n` is a node of ours with an IPv4 or IPv6 address.
pub unsafe fn set_node_port(n: *mut addrinfo, port: u16) {
    // SAFETY: per the contract; sin_port and sin6_port share their offset.
    unsafe {
        let sin = (*n).ai_addr as *mut libc::sockaddr_in;
        (*sin).sin_port = port.to_be();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(list: *mut addrinfo) -> Vec<String> {
        let mut out = Vec::new();
        let mut p = list;
        while !p.is_null() {
            // SAFETY: a list of ours.
            let ai = unsafe { &*p };
            // SAFETY: ai_addr holds ai_addrlen bytes.
            let sa = unsafe { SockAddr::from_raw(ai.ai_addr, ai.ai_addrlen) }.unwrap();
            out.push(format!("{}/{}/{} {}", ai.ai_family, ai.ai_socktype, ai.ai_protocol, sa.to_text()));
            p = ai.ai_next;
        }
        // SAFETY: our list, released once.
        unsafe { evutil_ai::freeaddrinfo(list) };
        out
    }

    fn run(node: Option<&str>, serv: Option<&str>, mut h: Hints) -> Result<Vec<String>, c_int> {
        match answer_without_dns(node.map(str::as_bytes), serv.map(str::as_bytes), &mut h) {
            Local::Answer(0, l) => Ok(describe(l)),
            Local::Answer(e, _) => Err(e),
            Local::Resolve(p) => Err(1000 + p as c_int),
        }
    }

    const ANY: Hints = Hints { family: 0, socktype: 0, protocol: 0, flags: 0 };

    #[test]
    fn numeric_and_missing_hosts() {
        assert_eq!(run(Some("1.2.3.4"), Some("80"), ANY).unwrap(), ["2/1/6 1.2.3.4:80", "2/2/17 1.2.3.4:80"]);
        assert_eq!(
            run(None, Some("80"), ANY).unwrap(),
            ["2/1/6 127.0.0.1:80", "2/2/17 127.0.0.1:80", "10/1/6 [::1]:80", "10/2/17 [::1]:80"]
        );
        let passive = Hints { flags: AI_PASSIVE, socktype: libc::SOCK_STREAM, ..ANY };
        assert_eq!(run(None, Some("9"), passive).unwrap(), ["2/1/6 0.0.0.0:9", "10/1/6 [::]:9"]);
        assert_eq!(run(None, None, ANY), Err(EAI_NONAME));
        assert_eq!(run(Some("1.2.3.4"), Some("80"), Hints { family: libc::AF_UNIX, ..ANY }), Err(EAI_FAMILY));
        assert_eq!(run(Some("1.2.3.4"), Some("80x"), ANY), Err(EAI_NONAME));
        assert_eq!(run(Some("1.2.3.4"), Some("70000"), ANY), Err(EAI_NONAME));
        assert_eq!(run(Some("1.2.3.4"), Some("-1"), ANY), Err(EAI_NONAME));
        let udp = Hints { protocol: libc::IPPROTO_UDP, ..ANY };
        assert_eq!(run(Some("::1"), Some("53"), udp).unwrap(), ["10/2/17 [::1]:53"]);
        let v6 = Hints { family: libc::AF_INET6, ..ANY };
        assert_eq!(run(Some("1.2.3.4"), Some("80"), v6), Err(1080));
        assert_eq!(run(Some("www"), Some("80"), Hints { flags: AI_NUMERICHOST, ..ANY }), Err(EAI_NONAME));
        assert_eq!(run(Some("www"), None, ANY), Err(1000));
    }

    #[test]
    fn hosts_answers() {
        let mut db = Vec::new();
        hosts::parse_text(b"127.0.0.1 localhost\n::1 localhost\n10.0.0.4 v4only\n", &mut db);
        let h = from_hosts(&db, b"LocalHost", &ANY, 80).unwrap().unwrap();
        assert_eq!(describe(h), ["2/1/6 127.0.0.1:80", "2/2/17 127.0.0.1:0", "10/1/6 [::1]:80", "10/2/17 [::1]:0"]);
        let v6 = Hints { family: libc::AF_INET6, socktype: libc::SOCK_STREAM, ..ANY };
        assert!(from_hosts(&db, b"v4only", &v6, 80).unwrap().unwrap().is_null());
        assert!(from_hosts(&db, b"other", &v6, 80).is_none());
    }
}
