//! The resolver's tunables (`evdns_base_set_option`, the `options` line of resolv.conf) and
//! how 2.1.12 reads their values.
//!
//! An option name matches with or without its trailing colon, and a longer name matches by
//! prefix ("ndots:5" is "ndots:"); unknown names are accepted and ignored. The value is
//! checked before the resolv.conf flags are: a bad value is -1 even when the flags would
//! have ignored the option (bind-to is the exception: its flag is looked at first).

use super::sockaddr::SockAddr;
use crate::util::strings;
use std::time::Duration;

/// `DNS_OPTION_*` bits of `evdns_base_resolv_conf_parse`.
pub const DNS_OPTION_SEARCH: i32 = 1;
pub const DNS_OPTION_NAMESERVERS: i32 = 2;
pub const DNS_OPTION_MISC: i32 = 4;
pub const DNS_OPTION_HOSTSFILE: i32 = 8;
pub const DNS_OPTIONS_ALL: i32 = 15;
pub const DNS_OPTION_NAMESERVERS_NO_DEFAULT: i32 = 16;

/// The classic DNS UDP payload limit; `edns-udp-size:` is clipped to this and 65535.
pub const PLAIN_UDP_SIZE: u16 = 512;

/// Longest probe back-off and the initial probe timeout's cap (seconds).
pub const MAX_PROBE_TIMEOUT_SECS: u64 = 3600;

#[derive(Clone, Copy)]
pub struct Options {
    /// How long to wait for a reply before retransmitting (`timeout:`).
    pub timeout: Duration,
    /// Transmissions of one query before giving up with a timeout (`attempts:`).
    pub attempts: i32,
    /// Consecutive timeouts after which a name server is considered down (`max-timeouts:`).
    pub max_timeouts: i32,
    /// Queries on the wire at once; the rest wait (`max-inflight:`).
    pub max_inflight: i32,
    /// Send names with random letter case and check the reply's question (`randomize-case:`).
    pub randomize_case: bool,
    /// How long evdns_getaddrinfo waits for the second family once one answered.
    pub getaddrinfo_allow_skew: Duration,
    /// First wait before probing a name server that went down.
    pub initial_probe_timeout: Duration,
    /// Local address for name server sockets (`bind-to:`), not used for loopback servers.
    pub bind_to: Option<SockAddr>,
    pub so_rcvbuf: i32,
    pub so_sndbuf: i32,
    /// How many times a query refused by a server (NOTIMPL, REFUSED) moves to another one.
    pub max_reissues: i32,
    /// Extension (libevent 2.2's `edns-udp-size:`): above 512, queries carry an EDNS0 OPT
    /// record announcing this UDP payload size, and replies that long are read. 512 (the
    /// default) sends plain 2.1.12 queries.
    pub edns_udp_size: u16,
    /// Extension: TCP (see [`super::tcp`]).
    pub tcp_idle_timeout: Duration,
    pub use_vc: bool,
    pub ignore_tc: bool,
    pub tcp_fallback: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(5),
            attempts: 3,
            max_timeouts: 3,
            max_inflight: 64,
            randomize_case: true,
            getaddrinfo_allow_skew: Duration::from_secs(3),
            initial_probe_timeout: Duration::from_secs(10),
            bind_to: None,
            so_rcvbuf: 0,
            so_sndbuf: 0,
            max_reissues: 1,
            edns_udp_size: PLAIN_UDP_SIZE,
            tcp_idle_timeout: super::tcp::DEFAULT_TCP_IDLE,
            use_vc: false,
            ignore_tc: false,
            tcp_fallback: false,
        }
    }
}

/// One option with a value that passed its checks.
#[derive(Clone, Copy)]
pub enum Setting {
    Ndots(i32),
    Timeout(Duration),
    GetaddrinfoAllowSkew(Duration),
    MaxTimeouts(i32),
    MaxInflight(i32),
    Attempts(i32),
    RandomizeCase(bool),
    BindTo(SockAddr),
    InitialProbeTimeout(Duration),
    SoRcvbuf(i32),
    SoSndbuf(i32),
    /// Extension (libevent 2.2): EDNS0 with this UDP payload size.
    EdnsUdpSize(u16),
    /// Extension (libevent 2.2): how long an unused TCP connection stays open.
    TcpIdleTimeout(Duration),
    /// Extension (libevent 2.2's `use-vc`): every query over TCP.
    UseVc,
    /// Extension (libevent 2.2's `ignore-tc`): never retry a truncated answer over TCP.
    IgnoreTc,
    /// Extension (ours): retry truncated UDP answers over TCP (2.2 always does; off by
    /// default so that 2.1.12 programs keep getting DNS_ERR_TRUNCATED).
    TcpFallback(bool),
}

impl Setting {
    /// The resolv.conf flag without which the setting is accepted but has no effect.
    pub fn needs_flag(&self) -> i32 {
        match self {
            Setting::Ndots(_) => DNS_OPTION_SEARCH,
            Setting::BindTo(_) => DNS_OPTION_NAMESERVERS,
            _ => DNS_OPTION_MISC,
        }
    }
}

/// What became of an option.
pub enum Parsed {
    Set(Setting),
    /// Not an option we know, or bind-to without DNS_OPTION_NAMESERVERS: accepted, no effect.
    Ignored,
    /// A bad value: -1.
    Invalid,
}

/// libevent's option-name test: the name as given may lack the table's trailing colon, and
/// anything longer only has to start with the table's name.
fn matches(given: &[u8], table: &[u8]) -> bool {
    if given.len() == table.len() || given.len() + 1 == table.len() {
        table.starts_with(given)
    } else if given.len() > table.len() {
        given.starts_with(table)
    } else {
        false
    }
}

/// A decimal int, nothing after it (strtol rules: leading blanks and a sign pass, "" is 0);
/// -1 doubles as the error value, as in libevent.
fn int_value(val: &[u8]) -> Option<i32> {
    let n = strings::strtol(val);
    if n.end != val.len() && !(n.end == 0 && val.is_empty()) {
        return None;
    }
    let v = n.value as i32;
    (v != -1).then_some(v)
}

/// Seconds as a C double (strtod: blanks, sign, decimals, exponents, hex), at least one
/// millisecond; split into seconds and microseconds the way a C cast truncates them.
fn duration_value(val: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(val).ok()?;
    let d = parse_c_double(text)?;
    if d.is_nan() || d < 0.0 {
        return None;
    }
    let secs = d.trunc();
    let usecs = ((d - secs) * 1_000_000.0) as u32;
    let secs = if secs > i32::MAX as f64 { i32::MAX as u64 } else { secs as u64 };
    if secs == 0 && usecs < 1000 {
        return None;
    }
    Some(Duration::new(secs, usecs * 1000))
}

/// strtod over the whole string: leading blanks allowed, nothing after the number.
fn parse_c_double(text: &str) -> Option<f64> {
    let t = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.is_empty() {
        // strtod converts nothing: the value is 0 and endptr is the start ("" ends there).
        return if text.is_empty() { Some(0.0) } else { None };
    }
    let (neg, body) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let v = if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        parse_hex_float(hex)?
    } else {
        let lower = body.to_ascii_lowercase();
        if lower == "inf" || lower == "infinity" {
            f64::INFINITY
        } else if lower == "nan" {
            f64::NAN
        } else if body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
            && body.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
        {
            body.parse::<f64>().ok()?
        } else {
            return None;
        }
    };
    Some(if neg { -v } else { v })
}

/// The hex digits (with an optional fraction and binary exponent) after "0x".
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

/// Options that take no value (extensions: `use-vc`, `ignore-tc`), for which a NULL value
/// is accepted.
pub fn takes_no_value(name: &[u8]) -> bool {
    matches(name, b"use-vc") || matches(name, b"ignore-tc")
}

/// Read one option. `flags` are the resolv.conf flags in force (all of them for
/// `evdns_base_set_option`).
pub fn parse(name: &[u8], val: &[u8], flags: i32) -> Parsed {
    use Parsed::*;
    let int = |v: Option<i32>, f: fn(i32) -> Setting| v.map_or(Invalid, |n| Set(f(n)));
    let clipped = |lo: i32, hi: i32| int_value(val).map(|n| n.clamp(lo, hi));
    if matches(name, b"ndots:") {
        int(int_value(val), Setting::Ndots)
    } else if matches(name, b"timeout:") {
        duration_value(val).map_or(Invalid, |d| Set(Setting::Timeout(d)))
    } else if matches(name, b"getaddrinfo-allow-skew:") {
        duration_value(val).map_or(Invalid, |d| Set(Setting::GetaddrinfoAllowSkew(d)))
    } else if matches(name, b"max-timeouts:") {
        int(clipped(1, 255), Setting::MaxTimeouts)
    } else if matches(name, b"max-inflight:") {
        int(clipped(1, 65000), Setting::MaxInflight)
    } else if matches(name, b"attempts:") {
        int(int_value(val).map(|n| n.min(255)), Setting::Attempts)
    } else if matches(name, b"randomize-case:") {
        int(int_value(val), |n| Setting::RandomizeCase(n != 0))
    } else if matches(name, b"bind-to:") {
        if flags & DNS_OPTION_NAMESERVERS == 0 {
            return Ignored;
        }
        SockAddr::parse(val).map_or(Invalid, |a| Set(Setting::BindTo(a)))
    } else if matches(name, b"initial-probe-timeout:") {
        duration_value(val).map_or(Invalid, |d| {
            let capped =
                if d.as_secs() > MAX_PROBE_TIMEOUT_SECS { Duration::new(MAX_PROBE_TIMEOUT_SECS, d.subsec_nanos()) } else { d };
            Set(Setting::InitialProbeTimeout(capped))
        })
    } else if matches(name, b"so-rcvbuf:") {
        int(int_value(val), Setting::SoRcvbuf)
    } else if matches(name, b"so-sndbuf:") {
        int(int_value(val), Setting::SoSndbuf)
    } else if matches(name, b"tcp-idle-timeout:") {
        duration_value(val).map_or(Invalid, |d| Set(Setting::TcpIdleTimeout(d)))
    } else if matches(name, b"tcp-fallback:") {
        int(int_value(val), |n| Setting::TcpFallback(n != 0))
    } else if matches(name, b"use-vc") || matches(name, b"ignore-tc") {
        // No value: NULL or "" (libevent 2.2).
        if !val.is_empty() {
            Invalid
        } else if matches(name, b"use-vc") {
            Set(Setting::UseVc)
        } else {
            Set(Setting::IgnoreTc)
        }
    } else if matches(name, b"edns-udp-size:") {
        clipped(i32::from(PLAIN_UDP_SIZE), 65535).map_or(Invalid, |n| Set(Setting::EdnsUdpSize(n as u16)))
    } else {
        Ignored
    }
}

impl Options {
    /// Store a setting other than ndots (which belongs to the search list).
    pub fn apply(&mut self, s: Setting) {
        match s {
            Setting::Ndots(_) => {}
            Setting::Timeout(d) => self.timeout = d,
            Setting::GetaddrinfoAllowSkew(d) => self.getaddrinfo_allow_skew = d,
            Setting::MaxTimeouts(n) => self.max_timeouts = n,
            Setting::MaxInflight(n) => self.max_inflight = n,
            Setting::Attempts(n) => self.attempts = n,
            Setting::RandomizeCase(b) => self.randomize_case = b,
            Setting::BindTo(a) => self.bind_to = Some(a),
            Setting::InitialProbeTimeout(d) => self.initial_probe_timeout = d,
            Setting::SoRcvbuf(n) => self.so_rcvbuf = n,
            Setting::SoSndbuf(n) => self.so_sndbuf = n,
            Setting::EdnsUdpSize(n) => self.edns_udp_size = n,
            Setting::TcpIdleTimeout(d) => self.tcp_idle_timeout = d,
            Setting::UseVc => self.use_vc = true,
            Setting::IgnoreTc => self.ignore_tc = true,
            Setting::TcpFallback(b) => self.tcp_fallback = b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, val: &str) -> i32 {
        match parse(name.as_bytes(), val.as_bytes(), DNS_OPTIONS_ALL) {
            Parsed::Invalid => -1,
            _ => 0,
        }
    }

    #[test]
    fn names_match_like_libevent() {
        assert!(matches(b"ndots", b"ndots:"));
        assert!(matches(b"ndots:", b"ndots:"));
        assert!(matches(b"ndots:5", b"ndots:"));
        assert!(!matches(b"ndotsx", b"ndots:"));
        assert!(!matches(b"ndot", b"ndots:"));
        assert_eq!(result("ndotsx", "foo"), 0);
        assert_eq!(result("", "foo"), 0);
    }

    #[test]
    fn integer_values() {
        for (v, want) in [
            ("0", 0),
            ("1", 0),
            ("-1", -1),
            ("-2", 0),
            ("70000", 0),
            (" 5", 0),
            ("5 ", -1),
            ("", 0),
            ("foo", -1),
            ("0.5", -1),
            ("0x10", -1),
        ] {
            assert_eq!(result("ndots", v), want, "ndots {:?}", v);
            assert_eq!(result("attempts:", v), want, "attempts {:?}", v);
        }
        match parse(b"max-inflight", b"0", DNS_OPTIONS_ALL) {
            Parsed::Set(Setting::MaxInflight(n)) => assert_eq!(n, 1),
            _ => panic!(),
        }
        match parse(b"attempts", b"300", DNS_OPTIONS_ALL) {
            Parsed::Set(Setting::Attempts(n)) => assert_eq!(n, 255),
            _ => panic!(),
        }
    }

    #[test]
    fn duration_values() {
        for (v, want) in [
            ("0", -1),
            ("1", 0),
            ("-1", -1),
            ("", -1),
            ("foo", -1),
            ("0.5", 0),
            ("0.001", 0),
            ("0.0009", -1),
            ("1.5e1", 0),
            ("0x10", 0),
            (" 5", 0),
            ("5 ", -1),
            ("3.14", 0),
        ] {
            assert_eq!(result("timeout", v), want, "timeout {:?}", v);
        }
        assert_eq!(duration_value(b"0.2"), Some(Duration::from_millis(200)));
        assert_eq!(duration_value(b"0x10"), Some(Duration::from_secs(16)));
        match parse(b"initial-probe-timeout:", b"4000.5", DNS_OPTIONS_ALL) {
            Parsed::Set(Setting::InitialProbeTimeout(d)) => assert_eq!(d, Duration::from_millis(3_600_500)),
            _ => panic!(),
        }
    }

    #[test]
    fn bind_to_values_and_flags() {
        for (v, want) in [
            ("8.8.8.8:80", 0),
            ("1.2.3.4", 0),
            ("::1:82", 0),
            ("3::4", 0),
            ("[::1]:5", 0),
            ("3.14", -1),
            ("foo", -1),
            ("", -1),
            ("1.2.3.4:0", -1),
        ] {
            assert_eq!(result("bind-to", v), want, "bind-to {:?}", v);
        }
        assert!(matches!(parse(b"bind-to", b"foo", DNS_OPTION_MISC), Parsed::Ignored));
        assert!(matches!(parse(b"ndots", b"foo", DNS_OPTION_MISC), Parsed::Invalid));
    }
}
