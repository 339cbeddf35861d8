//! Textual IP addresses the way libevent reads and writes them.
//!
//! libevent 2.1 never uses the system's inet_pton: its IPv4 reader is `sscanf("%u.%u.%u.%u")`
//! (so leading whitespace, signs and zero-padded octets pass, and octets are decimal) and its
//! IPv6 reader is hand-written with a few lenient corners (a trailing ':' after eight words,
//! a "0x" prefix on a word). Its writer prints embedded IPv4 for ::a.b.c.d / ::ffff:a.b.c.d
//! and only compresses runs of two or more zero words. Programs see all of this, so it is
//! reproduced here, as pure functions over bytes.

use super::ctype;
use super::strings::{self, scan_u32};
use libc::{c_int, sockaddr, sockaddr_in, sockaddr_in6};
use std::ffi::CString;

pub const AF_INET: i32 = libc::AF_INET;
pub const AF_INET6: i32 = libc::AF_INET6;

/// `sscanf(s, "%u.%u.%u.%u%c")` must convert exactly four numbers, each at most 255:
/// nothing (not even whitespace) may follow the last one.
pub fn parse_ipv4(s: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut i = 0usize;
    for (n, byte) in out.iter_mut().enumerate() {
        if n > 0 {
            if s.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let num = scan_u32(&s[i..])?;
        *byte = u8::try_from(num.value).ok()?;
        i += num.end;
    }
    (i == s.len()).then_some(out)
}

/// libevent's IPv6 reader: hex words separated by ':', at most one "::" gap, optionally
/// ending in a dotted IPv4 part.
pub fn parse_ipv6(s: &[u8]) -> Option<[u8; 16]> {
    let mut words = [0u16; 8];
    let mut set_words = 0usize;
    let dot = s.iter().position(|&b| b == b'.');
    // End of the hex words: the whole input, or where the trailing dotted quad begins (the
    // run of decimal digits just before the first '.').
    let end_of_words = match dot {
        Some(0) => return None,
        None => s.len(),
        Some(d) => {
            let mut e = d;
            while e > 0 && ctype::is_digit(s[e - 1]) {
                e -= 1;
            }
            let v4 = parse_ipv4(&s[e..])?;
            words[6] = u16::from_be_bytes([v4[0], v4[1]]);
            words[7] = u16::from_be_bytes([v4[2], v4[3]]);
            set_words += 2;
            e
        }
    };

    let at = |i: usize| s.get(i).copied().unwrap_or(0);
    let mut n_words = 0usize; // words read by the loop (index of the next one)
    let mut gap: Option<usize> = None;
    let mut pos = 0usize;
    while pos < end_of_words {
        if n_words > 7 {
            return None;
        }
        let c = s[pos];
        if ctype::is_xdigit(c) {
            let word = strings::strtol_hex(&s[pos..]);
            if word.end == 0 || word.end > 4 || !(0..=0xffff).contains(&word.value) {
                return None;
            }
            words[n_words] = word.value as u16;
            n_words += 1;
            set_words += 1;
            pos += word.end;
            if at(pos) != b':' && pos != end_of_words {
                return None;
            }
            pos += 1;
        } else if c == b':' && n_words > 0 && gap.is_none() {
            gap = Some(n_words);
            pos += 1;
        } else if c == b':' && n_words == 0 && at(pos + 1) == b':' && gap.is_none() {
            gap = Some(0);
            pos += 2;
        } else {
            return None;
        }
    }

    match gap {
        None if set_words != 8 => return None,
        Some(_) if set_words >= 8 => return None,
        None => {}
        Some(gap_at) => {
            // Slide the words read after the gap to the right; zeros fill the gap.
            let gap_len = 8 - set_words;
            let after_gap = n_words - gap_at;
            words.copy_within(gap_at..gap_at + after_gap, gap_at + gap_len);
            words[gap_at..gap_at + gap_len].fill(0);
        }
    }
    let mut out = [0u8; 16];
    for (i, w) in words.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&w.to_be_bytes());
    }
    Some(out)
}

/// Result of `evutil_inet_pton_scope` for IPv6: the scope index is reported even when the
/// address part then fails to parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScopedV6 {
    pub addr: Option<[u8; 16]>,
    pub scope_id: u32,
}

/// "addr%zone": the zone is an interface name (resolved by `ifindex_of`, 0 = unknown) or
/// else a decimal number with nothing after it (strtoul rules: "" reads as 0, "-1" as
/// 4294967295). A zone that is neither makes the whole text invalid.
pub fn parse_ipv6_scoped(s: &[u8], ifindex_of: impl Fn(&[u8]) -> u32) -> ScopedV6 {
    let Some(pct) = s.iter().position(|&b| b == b'%') else {
        return ScopedV6 { addr: parse_ipv6(s), scope_id: 0 };
    };
    let zone = &s[pct + 1..];
    let mut scope_id = ifindex_of(zone);
    if scope_id == 0 {
        let n = strings::strtoul(zone);
        if n.end != zone.len() {
            return ScopedV6 { addr: None, scope_id: 0 };
        }
        scope_id = n.value as u32;
    }
    ScopedV6 { addr: parse_ipv6(&s[..pct]), scope_id }
}

/// An interface's index by name (0 when there is none), for "addr%zone".
pub fn ifindex_of(name: &[u8]) -> u32 {
    match CString::new(name) {
        // SAFETY: a valid NUL-terminated name.
        Ok(c) => unsafe { libc::if_nametoindex(c.as_ptr()) },
        Err(_) => 0,
    }
}

/// `evutil_inet_pton` for AF_INET / AF_INET6 into `out` (4 or 16 bytes: the caller sized
/// it by family): 1 when the text is an address of that family, else 0 (`out` untouched).
pub fn pton(af: c_int, text: &[u8], out: &mut [u8]) -> c_int {
    let written = match af {
        AF_INET => parse_ipv4(text).map(|a| out[..4].copy_from_slice(&a)),
        AF_INET6 => parse_ipv6(text).map(|a| out[..16].copy_from_slice(&a)),
        _ => None,
    };
    written.is_some() as c_int
}

/// `evutil_inet_pton_scope` for IPv6: zones resolve through the system's interface names.
pub fn pton_scoped(text: &[u8]) -> ScopedV6 {
    parse_ipv6_scoped(text, ifindex_of)
}

/// "a.b.c.d".
pub fn format_ipv4(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

/// libevent's IPv6 text: embedded IPv4 for IPv4-mapped addresses and for IPv4-compatible
/// ones whose last two words are both non-zero; otherwise lower-case hex words with the
/// first longest run of at least two zero words written as "::".
pub fn format_ipv6(a: &[u8; 16]) -> String {
    let words: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([a[2 * i], a[2 * i + 1]]));
    if words[..5].iter().all(|&w| w == 0) {
        let v4 = format_ipv4([a[12], a[13], a[14], a[15]]);
        if words[5] == 0xffff {
            return format!("::ffff:{}", v4);
        }
        if words[5] == 0 && words[6] != 0 && words[7] != 0 {
            return format!("::{}", v4);
        }
    }

    // The first longest run of zero words, if at least two long.
    let (mut best_at, mut best_len) = (0usize, 0usize);
    let mut i = 0;
    while i < 8 {
        let run = words[i..].iter().take_while(|&&w| w == 0).count();
        if run > best_len {
            (best_at, best_len) = (i, run);
        }
        i += run.max(1);
    }
    let gap = (best_len >= 2).then_some(best_at..best_at + best_len);

    let mut out = String::with_capacity(40);
    let mut i = 0;
    while i < 8 {
        if let Some(g) = gap.as_ref().filter(|g| g.start == i) {
            out.push_str(if i == 0 { "::" } else { ":" });
            i = g.end;
            continue;
        }
        out.push_str(&format!("{:x}", words[i]));
        if i != 7 {
            out.push(':');
        }
        i += 1;
    }
    out
}

/// `evutil_inet_ntop` into `dst` (its whole capacity). IPv4 is written the way
/// evutil_snprintf writes (so the buffer's last byte is NUL too) and fails when truncated; IPv6 fails only when the text is longer than the buffer, and a text
/// exactly as long as the buffer is stored truncated by one — libevent's off-by-one, which
/// callers can see. Unknown families fail. On failure the buffer may hold a partial text.
pub fn ntop(af: i32, src: &[u8], dst: &mut [u8]) -> bool {
    if af == AF_INET && src.len() >= 4 {
        let text = format_ipv4([src[0], src[1], src[2], src[3]]);
        let would_be = strings::snprint(dst, text.as_bytes());
        return would_be < dst.len();
    }
    if af == AF_INET6 && src.len() >= 16 {
        let mut a = [0u8; 16];
        a.copy_from_slice(&src[..16]);
        let text = format_ipv6(&a);
        if text.len() > dst.len() {
            return false;
        }
        strings::strlcpy(dst, text.as_bytes());
        return true;
    }
    false
}

/// A socket address as `evutil_parse_sockaddr_port` produces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParsedAddr {
    V4 { addr: [u8; 4], port: u16 },
    V6 { addr: [u8; 16], port: u16, scope_id: u32 },
}

/// The address text inside brackets, or before the port colon, may be at most this long
/// (libevent copies it into a 128-byte buffer; longer input is refused, not overflowed).
pub const MAX_ADDR_TEXT: usize = 127;

/// Accepted: "[ipv6]:port", "[ipv6]", "ipv6" (two or more colons, no port), "ipv4:port",
/// "ipv4". The port is read with atoi (so "80abc" is 80) and must be 1..=65535 when given;
/// without one it is 0. "[ipv6]junk" is accepted as "[ipv6]": only "]:" introduces a port.
pub fn parse_sockaddr_port(s: &[u8], ifindex_of: impl Fn(&[u8]) -> u32) -> Option<ParsedAddr> {
    let first_colon = s.iter().position(|&b| b == b':');
    let (addr_text, port_text, is_v6): (&[u8], Option<&[u8]>, bool) = if s.first() == Some(&b'[') {
        let close = s.iter().position(|&b| b == b']')?;
        let inner = &s[1..close];
        if inner.len() > MAX_ADDR_TEXT {
            return None;
        }
        let port = (s.get(close + 1) == Some(&b':')).then(|| &s[close + 2..]);
        (inner, port, true)
    } else if let Some(c) = first_colon {
        if s[c + 1..].contains(&b':') {
            (s, None, true)
        } else {
            if c > MAX_ADDR_TEXT {
                return None;
            }
            (&s[..c], Some(&s[c + 1..]), false)
        }
    } else {
        (s, None, false)
    };

    let port = match port_text {
        None => 0,
        Some(p) => {
            let n = strings::atoi(p);
            u16::try_from(n).ok().filter(|&n| n != 0)?
        }
    };

    if is_v6 {
        let scoped = parse_ipv6_scoped(addr_text, ifindex_of);
        Some(ParsedAddr::V6 { addr: scoped.addr?, port, scope_id: scoped.scope_id })
    } else {
        Some(ParsedAddr::V4 { addr: parse_ipv4(addr_text)?, port })
    }
}

/// The bytes of a plain C struct.
fn as_bytes<T: Copy>(v: &T) -> &[u8] {
    // SAFETY: T is a padding-free C socket-address struct here; reading its bytes is fine.
    unsafe { std::slice::from_raw_parts(v as *const T as *const u8, std::mem::size_of::<T>()) }
}

impl ParsedAddr {
    /// The address as the bytes of its C structure (`sockaddr_in` or `sockaddr_in6`).
    pub fn to_sockaddr_bytes(&self) -> Vec<u8> {
        match *self {
            ParsedAddr::V4 { addr, port } => {
                // SAFETY: all-zero is a valid sockaddr_in.
                let mut sin: sockaddr_in = unsafe { std::mem::zeroed() };
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_port = port.to_be();
                sin.sin_addr.s_addr = u32::from_ne_bytes(addr);
                as_bytes(&sin).to_vec()
            }
            ParsedAddr::V6 { addr, port, scope_id } => {
                // SAFETY: all-zero is a valid sockaddr_in6.
                let mut sin6: sockaddr_in6 = unsafe { std::mem::zeroed() };
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_port = port.to_be();
                sin6.sin6_addr.s6_addr = addr;
                sin6.sin6_scope_id = scope_id;
                as_bytes(&sin6).to_vec()
            }
        }
    }
}

/// `evutil_parse_sockaddr_port` into `out` (the room the caller offers): the structure's
/// length, or None when the text is not an address or the room is too small (then `out` is
/// untouched). On success the whole of `out` is cleared before the address is written.
pub fn parse_sockaddr_port_into(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let bytes = parse_sockaddr_port(text, ifindex_of)?.to_sockaddr_bytes();
    if out.len() < bytes.len() {
        return None;
    }
    out.fill(0);
    out[..bytes.len()].copy_from_slice(&bytes);
    Some(bytes.len())
}

/// What `evutil_sockaddr_cmp` looks at in a socket address. Addresses and ports are kept
/// exactly as stored (network byte order), because libevent compares them that way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockaddrView {
    /// `s_addr` and `sin_port` read as native integers from their network-order bytes.
    V4 {
        s_addr: u32,
        port_raw: u16,
    },
    V6 {
        addr: [u8; 16],
        port_raw: u16,
    },
    Other {
        family: u16,
    },
}

impl SockaddrView {
    /// Read what the comparators need from `*sa`: only as many bytes as its family uses.
    ///
    /// # Safety
    /// `sa` is non-NULL and points to a socket address of its family's size.
    pub unsafe fn read(sa: *const sockaddr) -> SockaddrView {
        // SAFETY: sa_family is the first field of every socket address (contract).
        let family = unsafe { (*sa).sa_family };
        match family as c_int {
            libc::AF_INET => {
                // SAFETY: an AF_INET address is a sockaddr_in (contract); unaligned-safe read.
                let sin = unsafe { std::ptr::read_unaligned(sa as *const sockaddr_in) };
                SockaddrView::V4 { s_addr: sin.sin_addr.s_addr, port_raw: sin.sin_port }
            }
            libc::AF_INET6 => {
                // SAFETY: an AF_INET6 address is a sockaddr_in6 (contract).
                let sin6 = unsafe { std::ptr::read_unaligned(sa as *const sockaddr_in6) };
                SockaddrView::V6 { addr: sin6.sin6_addr.s6_addr, port_raw: sin6.sin6_port }
            }
            _ => SockaddrView::Other { family },
        }
    }

    pub fn family(&self) -> u16 {
        match self {
            SockaddrView::V4 { .. } => AF_INET as u16,
            SockaddrView::V6 { .. } => AF_INET6 as u16,
            SockaddrView::Other { family } => *family,
        }
    }
}

/// libevent's ordering: by family (the difference), then IPv4 by `s_addr` as a native
/// integer (-1/1), IPv6 by memcmp of the address (the byte difference), then, if asked, by
/// the difference of the raw network-order ports. Families other than IPv4/IPv6 never
/// compare equal (1).
pub fn sockaddr_cmp(a: &SockaddrView, b: &SockaddrView, include_port: bool) -> i32 {
    let by_family = a.family() as i32 - b.family() as i32;
    if by_family != 0 {
        return by_family;
    }
    let port_diff = |p1: u16, p2: u16| if include_port { p1 as i32 - p2 as i32 } else { 0 };
    match (a, b) {
        (SockaddrView::V4 { s_addr: x, port_raw: p1 }, SockaddrView::V4 { s_addr: y, port_raw: p2 }) => match x.cmp(y) {
            std::cmp::Ordering::Less => -1,
            std::cmp::Ordering::Greater => 1,
            std::cmp::Ordering::Equal => port_diff(*p1, *p2),
        },
        (SockaddrView::V6 { addr: x, port_raw: p1 }, SockaddrView::V6 { addr: y, port_raw: p2 }) => {
            match x.iter().zip(y.iter()).find(|(p, q)| p != q) {
                Some((p, q)) => *p as i32 - *q as i32,
                None => port_diff(*p1, *p2),
            }
        }
        _ => 1,
    }
}

/// 0.0.0.0, 127/8, 169.254/16 (link-local) and 224/4 (multicast).
pub fn v4_is_local(a: [u8; 4]) -> bool {
    a == [0, 0, 0, 0] || a[0] == 127 || (a[0] == 169 && a[1] == 254) || (a[0] >> 4) == 0xe
}

/// First eight bytes zero (unspecified, loopback, IPv4-compatible/mapped), fc00::/7 (unique
/// local), fe80::/10 (link-local), fec0::/10 (site-local), ff00::/8 (multicast).
pub fn v6_is_local(a: &[u8; 16]) -> bool {
    a[..8].iter().all(|&b| b == 0)
        || (a[0] & 0xfe) == 0xfc
        || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        || (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        || a[0] == 0xff
}

/// 127/8 or ::1.
pub fn is_loopback(sa: &SockaddrView) -> bool {
    match sa {
        SockaddrView::V4 { s_addr, .. } => s_addr.to_ne_bytes()[0] == 127,
        SockaddrView::V6 { addr, .. } => {
            let mut lo = [0u8; 16];
            lo[15] = 1;
            *addr == lo
        }
        SockaddrView::Other { .. } => false,
    }
}

/// "1.2.3.4:80", "[::1]:80", or "<addr with socktype N>" for other families.
pub fn format_sockaddr_port(sa: &SockaddrView) -> String {
    match sa {
        SockaddrView::V4 { s_addr, port_raw } => {
            format!("{}:{}", format_ipv4(s_addr.to_ne_bytes()), u16::from_be(*port_raw))
        }
        SockaddrView::V6 { addr, port_raw } => format!("[{}]:{}", format_ipv6(addr), u16::from_be(*port_raw)),
        SockaddrView::Other { family } => format!("<addr with socktype {}>", family),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v6(s: &str) -> Option<String> {
        parse_ipv6(s.as_bytes()).map(|a| a.iter().map(|b| format!("{:02x}", b)).collect())
    }
    fn hex16(h: &str) -> [u8; 16] {
        std::array::from_fn(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
    }
    fn no_if(_: &[u8]) -> u32 {
        0
    }
    fn lo_is_1(n: &[u8]) -> u32 {
        (n == b"lo") as u32
    }

    #[test]
    fn ipv4_scanf_semantics() {
        let p = |s: &str| parse_ipv4(s.as_bytes());
        assert_eq!(p("1.2.3.4"), Some([1, 2, 3, 4]));
        assert_eq!(p("01.02.03.010"), Some([1, 2, 3, 10]));
        assert_eq!(p(" 1.2.3.4"), Some([1, 2, 3, 4]));
        assert_eq!(p("1. 2.3.4"), Some([1, 2, 3, 4]));
        assert_eq!(p("+1.2.3.4"), Some([1, 2, 3, 4]));
        assert_eq!(p("1.2.3.-0"), Some([1, 2, 3, 0]));
        assert_eq!(p("4294967297.0.0.0"), Some([1, 0, 0, 0]));
        assert_eq!(p("-4294967295.0.0.0"), Some([1, 0, 0, 0]));
        for bad in ["1.2.3.4 ", "1 .2.3.4", "-1.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5", "0x1.2.3.4", "", "1.2.3.4\n"] {
            assert_eq!(p(bad), None, "{bad:?}");
        }
        assert_eq!(p("18446744073709551617.1.1.1"), None);
    }

    #[test]
    fn ipv6_reader() {
        assert_eq!(v6("::").unwrap(), "0".repeat(32));
        assert_eq!(v6("::1").unwrap(), format!("{}01", "0".repeat(30)));
        assert_eq!(v6("1:2:3:4:5:6:7:8").unwrap(), "00010002000300040005000600070008");
        assert_eq!(v6("1:2:3:4:5:6:7:8:").unwrap(), "00010002000300040005000600070008");
        assert_eq!(v6("1:2:3:4:5:6:7::").unwrap(), "00010002000300040005000600070000");
        assert_eq!(v6("::ffff:1.2.3.4").unwrap(), "00000000000000000000ffff01020304");
        assert_eq!(v6("1::2:1.2.3.4").unwrap(), "00010000000000000000000201020304");
        assert_eq!(v6("1:2:3:4:5:6:1.2.3.4").unwrap(), "00010002000300040005000601020304");
        assert_eq!(v6("0xff::").unwrap(), "00ff0000000000000000000000000000");
        assert_eq!(v6("::1. 2.3.4").unwrap(), "00000000000000000000000001020304");
        assert_eq!(v6("ABCD:EF01::").unwrap(), "abcdef01000000000000000000000000");
        assert_eq!(v6("::0:0:0:0:0:0:0").unwrap(), "0".repeat(32));
        for bad in [
            "1:2:3:4:5:6:7:8:9",
            "1.2.3.4",
            "1:2:3:4:5:1.2.3.4",
            "0x::",
            "12345::",
            ":1::",
            "1:::2",
            ":::",
            " ::1",
            "::1 ",
            "fe80::1%lo",
            "::ab1.2.3.4",
            "::ffff:256.1.1.1",
            ".1.2.3.4",
            "1::2::3",
            "::g",
            "1:2",
            "::01234",
            "1::2:3:4:5:6:7:8",
            "1:2:3:4::5:6:7:8",
            "::0:0:0:0:0:0:0:0",
            "",
            ":",
            "::a.1.2.3",
        ] {
            assert_eq!(v6(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn scoped() {
        let p = |s: &str| parse_ipv6_scoped(s.as_bytes(), lo_is_1);
        assert_eq!(p("fe80::1%lo").scope_id, 1);
        assert!(p("fe80::1%lo").addr.is_some());
        assert_eq!(p("fe80::1%99").scope_id, 99);
        assert_eq!(p("fe80::1%bogus"), ScopedV6 { addr: None, scope_id: 0 });
        assert_eq!(p("fe80::1%").scope_id, 0);
        assert!(p("fe80::1%").addr.is_some());
        assert_eq!(p("fe80::1%1x"), ScopedV6 { addr: None, scope_id: 0 });
        assert_eq!(p("1.2.3.4%1"), ScopedV6 { addr: None, scope_id: 1 });
        assert_eq!(p("fe80::1%-1").scope_id, u32::MAX);
    }

    #[test]
    fn ipv6_writer() {
        let f = |h: &str| format_ipv6(&hex16(h));
        assert_eq!(f("00000000000000000000000000000000"), "::");
        assert_eq!(f("00000000000000000000000000000001"), "::1");
        assert_eq!(f("00000000000000000000ffff01020304"), "::ffff:1.2.3.4");
        assert_eq!(f("00000000000000000000000001020304"), "::1.2.3.4");
        assert_eq!(f("00000000000000000000000000000100"), "::100");
        assert_eq!(f("00000000000000000000000000010000"), "::1:0");
        assert_eq!(f("00000000000000000000000000010001"), "::0.1.0.1");
        assert_eq!(f("00000000000000000000ffff00000000"), "::ffff:0.0.0.0");
        assert_eq!(f("00010000000000020000000000000003"), "1:0:0:2::3");
        assert_eq!(f("00010000000000000002000000000000"), "1::2:0:0:0");
        assert_eq!(f("00010000000200030004000500060007"), "1:0:2:3:4:5:6:7");
        assert_eq!(f("00010002000300040005000600070000"), "1:2:3:4:5:6:7:0");
        assert_eq!(f("00010002000300040005000600000000"), "1:2:3:4:5:6::");
        assert_eq!(f("00000001000200030004000500060007"), "0:1:2:3:4:5:6:7");
        assert_eq!(f("00000000000000000001ffff01020304"), "::1:ffff:102:304");
        assert_eq!(f("fe800000000000000000000000000001"), "fe80::1");
        assert_eq!(f("ABCD0000000000000000000000000000"), "abcd::");
        assert_eq!(f("000000000000000000000000ffff0000"), "::ffff:0");
    }

    #[test]
    fn ntop_buffers() {
        let mut b = [b'Z'; 16];
        assert!(!ntop(AF_INET, &[1, 2, 3, 4], &mut b[..7]));
        assert_eq!(&b[..7], b"1.2.3.\0");
        assert!(ntop(AF_INET, &[1, 2, 3, 4], &mut b[..8]));
        assert_eq!(&b[..8], b"1.2.3.4\0");
        let mut w = [b'Z'; 12];
        assert!(ntop(AF_INET, &[1, 2, 3, 4], &mut w));
        assert_eq!(&w, b"1.2.3.4\0ZZZ\0");
        assert!(!ntop(AF_INET, &[1, 2, 3, 4], &mut []));
        let lo = hex16("00000000000000000000000000000001");
        let mut c = [b'Z'; 8];
        assert!(!ntop(AF_INET6, &lo, &mut c[..2]));
        assert_eq!(c, [b'Z'; 8]);
        assert!(ntop(AF_INET6, &lo, &mut c[..3]));
        assert_eq!(&c[..3], b"::\0");
        assert!(ntop(AF_INET6, &lo, &mut c[..4]));
        assert_eq!(&c[..4], b"::1\0");
        assert!(!ntop(libc::AF_UNIX, &lo, &mut c));
    }

    #[test]
    fn sockaddr_port_forms() {
        let p = |s: &str| parse_sockaddr_port(s.as_bytes(), lo_is_1);
        assert_eq!(p("1.2.3.4"), Some(ParsedAddr::V4 { addr: [1, 2, 3, 4], port: 0 }));
        assert_eq!(p("1.2.3.4:80"), Some(ParsedAddr::V4 { addr: [1, 2, 3, 4], port: 80 }));
        assert_eq!(p("1.2.3.4:80abc"), Some(ParsedAddr::V4 { addr: [1, 2, 3, 4], port: 80 }));
        assert_eq!(p("1.2.3.4:4294967376"), Some(ParsedAddr::V4 { addr: [1, 2, 3, 4], port: 80 }));
        assert_eq!(p("1.2.3.4:65535"), Some(ParsedAddr::V4 { addr: [1, 2, 3, 4], port: 65535 }));
        let lo = hex16("00000000000000000000000000000001");
        assert_eq!(p("[::1]:80"), Some(ParsedAddr::V6 { addr: lo, port: 80, scope_id: 0 }));
        assert_eq!(p("[::1]"), Some(ParsedAddr::V6 { addr: lo, port: 0, scope_id: 0 }));
        assert_eq!(p("[::1]80"), Some(ParsedAddr::V6 { addr: lo, port: 0, scope_id: 0 }));
        assert_eq!(p("::1"), Some(ParsedAddr::V6 { addr: lo, port: 0, scope_id: 0 }));
        assert!(matches!(p("[fe80::1%lo]:99"), Some(ParsedAddr::V6 { port: 99, scope_id: 1, .. })));
        for bad in [
            "[::1",
            "1.2.3.4:",
            "1.2.3.4:0",
            "1.2.3.4:65536",
            "1.2.3.4:-1",
            "1.2.3.4:99999999999999999999",
            "[::1]:",
            "[1.2.3.4]:80",
            "1.2.3.4:80:90",
            ":80",
            "",
            "[]",
            "[]:80",
            "1.2.3.4 :80",
            "[ ::1]:80",
            "1.2.3.4]:80",
        ] {
            assert_eq!(p(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sockaddr_port_lengths() {
        // 127 characters before the colon are fine, 128 are refused.
        let ok = format!("{}1.2.3.4:80", " ".repeat(120));
        assert!(parse_sockaddr_port(ok.as_bytes(), no_if).is_some());
        let long = format!("{}1.2.3.4:80", " ".repeat(121));
        assert!(parse_sockaddr_port(long.as_bytes(), no_if).is_none());
        // Same inside brackets (a numeric zone pads the text).
        let ok6 = format!("[::1%{}1]:80", "0".repeat(122));
        assert!(parse_sockaddr_port(ok6.as_bytes(), no_if).is_some());
        let long6 = format!("[::1%{}1]:80", "0".repeat(123));
        assert!(parse_sockaddr_port(long6.as_bytes(), no_if).is_none());
        let huge = "1".repeat(100_000);
        assert!(parse_sockaddr_port(huge.as_bytes(), no_if).is_none());
    }

    #[test]
    fn compare() {
        let v4 = |a: [u8; 4], p: u16| SockaddrView::V4 { s_addr: u32::from_ne_bytes(a), port_raw: p.to_be() };
        // s_addr compared as a native (little-endian) integer: the last octet weighs most.
        assert_eq!(sockaddr_cmp(&v4([1, 0, 0, 2], 0), &v4([2, 0, 0, 1], 0), true), 1);
        assert_eq!(sockaddr_cmp(&v4([1, 0, 0, 2], 80), &v4([1, 0, 0, 2], 81), true), -256);
        assert_eq!(sockaddr_cmp(&v4([1, 0, 0, 2], 80), &v4([1, 0, 0, 2], 81), false), 0);
        let mut x = [0u8; 16];
        let mut y = [0u8; 16];
        x[3] = 0x10;
        y[3] = 0x03;
        let v6 = |a: [u8; 16], p: u16| SockaddrView::V6 { addr: a, port_raw: p.to_be() };
        assert_eq!(sockaddr_cmp(&v6(x, 0), &v6(y, 0), true), 13);
        assert_eq!(sockaddr_cmp(&v4([0; 4], 0), &v6(y, 0), true), -8);
        let u = SockaddrView::Other { family: 1 };
        assert_eq!(sockaddr_cmp(&u, &u, true), 1);
        y = x;
        assert_eq!(sockaddr_cmp(&v6(x, 8080), &v6(y, 1), true), 36639);
    }

    #[test]
    fn locality() {
        assert!(v4_is_local([0, 0, 0, 0]) && v4_is_local([127, 255, 255, 255]) && v4_is_local([169, 254, 1, 1]));
        assert!(v4_is_local([224, 0, 0, 1]) && v4_is_local([239, 255, 255, 255]));
        assert!(!v4_is_local([240, 0, 0, 0]) && !v4_is_local([169, 255, 0, 0]) && !v4_is_local([10, 0, 0, 1]));
        let p = |s: &str| parse_ipv6(s.as_bytes()).unwrap();
        for l in ["::", "::1", "::ffff:1.2.3.4", "fc00::", "fd00::1", "fe80::1", "febf::", "fec0::", "feff::", "ff02::1"] {
            assert!(v6_is_local(&p(l)), "{l}");
        }
        for g in ["2001:db8::1", "0:0:0:1::", "fb00::"] {
            assert!(!v6_is_local(&p(g)), "{g}");
        }
        assert!(is_loopback(&SockaddrView::V4 { s_addr: u32::from_ne_bytes([127, 0, 1, 1]), port_raw: 0 }));
        assert!(!is_loopback(&SockaddrView::V4 { s_addr: u32::from_ne_bytes([1, 2, 3, 4]), port_raw: 0 }));
    }

    #[test]
    fn format_with_port() {
        let v4 = SockaddrView::V4 { s_addr: u32::from_ne_bytes([1, 2, 3, 4]), port_raw: 80u16.to_be() };
        assert_eq!(format_sockaddr_port(&v4), "1.2.3.4:80");
        let v6 = SockaddrView::V6 { addr: hex16("00000000000000000000000000000001"), port_raw: 8080u16.to_be() };
        assert_eq!(format_sockaddr_port(&v6), "[::1]:8080");
        assert_eq!(format_sockaddr_port(&SockaddrView::Other { family: 12345 }), "<addr with socktype 12345>");
    }
}
