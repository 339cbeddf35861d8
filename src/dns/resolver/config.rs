//! Configuration of a base: options, the search list, name servers given as text,
//! resolv.conf and hosts files.
//!
//! resolv.conf as 2.1.12 reads it: lines split on '\n', fields on blanks and tabs (a '\r'
//! stays part of a field); `nameserver ADDR[:PORT]` (DNS_OPTION_NAMESERVERS), `domain D`
//! and `search D…` (DNS_OPTION_SEARCH; each replaces the list and resets ndots),
//! `options name:value…` (each option only with its flag); other lines are ignored. A
//! missing file means "a resolver on this host": 127.0.0.1 (unless NO_DEFAULT) and the
//! host name's domain as the search list, and the answer 1; an unreadable one is 2; no
//! name server in the file adds 127.0.0.1 and answers 6.

use super::base::State;
use super::hosts::{self, LOCALHOST_LINES};
use super::log;
use super::options::{
    self, Parsed, Setting, DNS_OPTION_HOSTSFILE, DNS_OPTION_NAMESERVERS, DNS_OPTION_NAMESERVERS_NO_DEFAULT, DNS_OPTION_SEARCH,
};
use super::search::{SearchList, SharedSearch};
use super::sockaddr::SockAddr;
use libc::c_int;
use std::cell::RefCell;
use std::io::Read;
use std::rc::Rc;

/// The file 2.1.12 reads with DNS_OPTION_HOSTSFILE.
pub const HOSTS_FILE: &str = "/etc/hosts";
pub const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Parse-failure code of `evdns_base_nameserver_ip_add`.
pub const IP_ADD_UNPARSABLE: c_int = 4;

/// The bytes of a file up to its first NUL; Err(true) when it cannot be opened, Err(false)
/// when it cannot be read.
fn read_file(path: &std::path::Path) -> Result<Vec<u8>, bool> {
    let mut f = std::fs::File::open(path).map_err(|_| true)?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf).map_err(|_| false)?;
    if let Some(i) = buf.iter().position(|&c| c == 0) {
        buf.truncate(i);
    }
    Ok(buf)
}

fn fields(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&c| c == b' ' || c == b'\t').filter(|f| !f.is_empty())
}

impl State {
    /// The base's search list, made on first use.
    fn search_list(&mut self) -> SharedSearch {
        self.search.get_or_insert_with(|| Rc::new(RefCell::new(SearchList::default()))).clone()
    }

    /// `evdns_base_search_clear`: a fresh list (ndots back to 1); lookups under way keep
    /// the old one.
    pub fn search_clear(&mut self) {
        self.search = Some(Rc::new(RefCell::new(SearchList::default())));
    }

    pub fn search_add(&mut self, domain: &[u8]) {
        self.search_list().borrow_mut().add_first(domain);
    }

    pub fn search_ndots_set(&mut self, ndots: i32) {
        self.search_list().borrow_mut().ndots = ndots;
    }

    /// The search list from the host name's domain ("host.example.org": example.org).
    fn search_from_hostname(&mut self) {
        self.search_clear();
        let mut buf = [0u8; 256];
        // SAFETY: buf is writable for its length.
        if unsafe { libc::gethostname(buf.as_mut_ptr() as *mut libc::c_char, buf.len()) } != 0 {
            return;
        }
        let name = &buf[..buf.iter().position(|&c| c == 0).unwrap_or(buf.len())];
        if let Some(dot) = name.iter().position(|&c| c == b'.') {
            let domain = name[dot + 1..].to_vec();
            self.search_add(&domain);
        }
    }

    /// One option; `flags` say which kinds take effect. 0, or -1 for a bad value.
    pub fn set_option(&mut self, name: &[u8], val: &[u8], flags: c_int) -> c_int {
        let s = match options::parse(name, val, flags) {
            Parsed::Invalid => return -1,
            Parsed::Ignored => return 0,
            Parsed::Set(s) => s,
        };
        if flags & s.needs_flag() == 0 {
            return 0;
        }
        let text = String::from_utf8_lossy(val).into_owned();
        match s {
            Setting::Ndots(n) => {
                log::debug(|| format!("Setting ndots to {}", n));
                self.search_ndots_set(n);
            }
            // 2.1.12 does not send waiting queries when the limit grows: they go when
            // another query finishes (or on resume).
            Setting::MaxInflight(n) => {
                log::debug(|| format!("Setting maximum inflight requests to {}", n));
                self.opts.apply(s);
            }
            _ => {
                log::debug(|| match s {
                    Setting::Timeout(_) => format!("Setting timeout to {}", text),
                    Setting::GetaddrinfoAllowSkew(_) => format!("Setting getaddrinfo-allow-skew to {}", text),
                    Setting::MaxTimeouts(n) => format!("Setting maximum allowed timeouts to {}", n),
                    Setting::Attempts(n) => format!("Setting retries to {}", n),
                    Setting::RandomizeCase(_) => format!("Setting randomize-case to {}", text),
                    Setting::InitialProbeTimeout(_) => format!("Setting initial probe timeout to {}", text),
                    Setting::SoRcvbuf(_) => format!("Setting SO_RCVBUF to {}", text),
                    Setting::SoSndbuf(_) => format!("Setting SO_SNDBUF to {}", text),
                    Setting::EdnsUdpSize(n) => format!("Setting edns-udp-size to {}", n),
                    Setting::TcpIdleTimeout(_) => format!("Setting tcp-idle-timeout to {}", text),
                    Setting::UseVc => "Setting use-vc option".to_string(),
                    Setting::IgnoreTc => "Setting ignore-tc option".to_string(),
                    Setting::TcpFallback(_) => format!("Setting tcp-fallback to {}", text),
                    Setting::BindTo(_) => format!("Setting bind-to to {}", text),
                    Setting::Ndots(_) | Setting::MaxInflight(_) => String::new(),
                });
                self.opts.apply(s);
            }
        }
        0
    }

    /// `evdns_base_nameserver_ip_add`: "ADDR", "ADDR:PORT", "[V6]:PORT"; port 53 by default.
    pub fn nameserver_ip_add(&mut self, text: &[u8]) -> c_int {
        let Some(mut addr) = SockAddr::parse(text) else {
            log::log(log::WARN, || format!("Unable to parse nameserver address {}", String::from_utf8_lossy(text)));
            return IP_ADD_UNPARSABLE;
        };
        if addr.port() == 0 {
            addr.set_port(53);
        }
        self.add_server(addr)
    }

    /// `evdns_base_load_hosts`: add a file's entries (NULL: just localhost). -1 when the file
    /// cannot be read, in which case the localhost entries are added too.
    pub fn load_hosts(&mut self, path: Option<&std::path::Path>) -> c_int {
        let text = match path.map(read_file) {
            Some(Ok(t)) => t,
            other => {
                for l in LOCALHOST_LINES {
                    hosts::parse_line(l, &mut self.hosts);
                }
                return if other.is_none() { 0 } else { -1 };
            }
        };
        hosts::parse_text(&text, &mut self.hosts);
        0
    }

    fn resolv_defaults(&mut self, flags: c_int) {
        if flags & DNS_OPTION_SEARCH != 0 {
            self.search_from_hostname();
        }
        if flags & DNS_OPTION_NAMESERVERS != 0 && flags & DNS_OPTION_NAMESERVERS_NO_DEFAULT == 0 {
            self.nameserver_ip_add(b"127.0.0.1");
        }
    }

    fn resolv_conf_line(&mut self, line: &[u8], flags: c_int) {
        let mut f = fields(line);
        let Some(first) = f.next() else { return };
        match first {
            b"nameserver" if flags & DNS_OPTION_NAMESERVERS != 0 => {
                if let Some(ns) = f.next() {
                    self.nameserver_ip_add(ns);
                }
            }
            b"domain" if flags & DNS_OPTION_SEARCH != 0 => {
                if let Some(d) = f.next() {
                    self.search_clear();
                    self.search_list().borrow_mut().add_last(d);
                }
            }
            b"search" if flags & DNS_OPTION_SEARCH != 0 => {
                self.search_clear();
                let list = self.search_list();
                for d in f {
                    list.borrow_mut().add_last(d);
                }
            }
            b"options" => {
                for opt in f {
                    let (name, val) = match opt.iter().position(|&c| c == b':') {
                        Some(i) => (opt, &opt[i + 1..]),
                        None => (opt, &b""[..]),
                    };
                    self.set_option(name, val, flags);
                }
            }
            _ => {}
        }
    }

    /// `evdns_base_resolv_conf_parse`: 0, or 1 (no file), 2 (unreadable), 6 (no name server).
    pub fn resolv_conf_parse(&mut self, flags: c_int, path: Option<&std::path::Path>) -> c_int {
        if let Some(p) = path {
            log::debug(|| format!("Parsing resolv.conf file {}", p.display()));
        }
        if flags & DNS_OPTION_HOSTSFILE != 0 {
            self.load_hosts(Some(std::path::Path::new(HOSTS_FILE)));
        }
        let Some(path) = path else {
            self.resolv_defaults(flags);
            return 1;
        };
        let text = match read_file(path) {
            Ok(t) => t,
            Err(true) => {
                self.resolv_defaults(flags);
                return 1;
            }
            Err(false) => return 2,
        };
        for line in text.split(|&c| c == b'\n') {
            self.resolv_conf_line(line, flags);
        }
        let mut err = 0;
        if self.servers.is_empty() && flags & DNS_OPTION_NAMESERVERS != 0 && flags & DNS_OPTION_NAMESERVERS_NO_DEFAULT == 0 {
            self.nameserver_ip_add(b"127.0.0.1");
            err = 6;
        }
        if flags & DNS_OPTION_SEARCH != 0 && self.search.as_ref().is_none_or(|s| s.borrow().domains.is_empty()) {
            self.search_from_hostname();
        }
        err
    }
}
