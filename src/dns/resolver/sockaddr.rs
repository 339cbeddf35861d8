//! A socket address kept by value (a name server's, the bind-to address), with the few
//! operations the resolver needs: the family, the port, libevent's comparisons and texts.

use crate::util::inet::{self, ParsedAddr, SockaddrView};
use libc::{sa_family_t, sockaddr, sockaddr_in, sockaddr_in6, sockaddr_storage, socklen_t};
use std::mem::size_of;

#[derive(Clone, Copy)]
pub struct SockAddr {
    storage: sockaddr_storage,
    len: socklen_t,
}

impl SockAddr {
    /// Copy `len` bytes of a program's address; None when they do not fit a
    /// `sockaddr_storage` or do not even hold the family.
    ///
    /// # Safety
    /// `sa` points to `len` readable bytes.
    pub unsafe fn from_raw(sa: *const sockaddr, len: socklen_t) -> Option<SockAddr> {
        let n = len as usize;
        if n > size_of::<sockaddr_storage>() || n < size_of::<sa_family_t>() {
            return None;
        }
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut storage: sockaddr_storage = unsafe { std::mem::zeroed() };
        // SAFETY: sa has n readable bytes (contract); storage has room for n (checked above).
        unsafe { std::ptr::copy_nonoverlapping(sa as *const u8, &mut storage as *mut _ as *mut u8, n) };
        Some(SockAddr { storage, len })
    }

    pub fn v4(addr: [u8; 4], port: u16) -> SockAddr {
        // SAFETY: all-zero is a valid sockaddr_in.
        let mut sin: sockaddr_in = unsafe { std::mem::zeroed() };
        sin.sin_family = libc::AF_INET as sa_family_t;
        sin.sin_port = port.to_be();
        sin.sin_addr.s_addr = u32::from_ne_bytes(addr);
        Self::from_value(&sin)
    }

    pub fn v6(addr: [u8; 16], port: u16, scope_id: u32) -> SockAddr {
        // SAFETY: all-zero is a valid sockaddr_in6.
        let mut sin6: sockaddr_in6 = unsafe { std::mem::zeroed() };
        sin6.sin6_family = libc::AF_INET6 as sa_family_t;
        sin6.sin6_port = port.to_be();
        sin6.sin6_addr.s6_addr = addr;
        sin6.sin6_scope_id = scope_id;
        Self::from_value(&sin6)
    }

    pub fn from_parsed(p: ParsedAddr) -> SockAddr {
        match p {
            ParsedAddr::V4 { addr, port } => Self::v4(addr, port),
            ParsedAddr::V6 { addr, port, scope_id } => Self::v6(addr, port, scope_id),
        }
    }

    fn from_value<T: Copy>(v: &T) -> SockAddr {
        debug_assert!(size_of::<T>() <= size_of::<sockaddr_storage>());
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut storage: sockaddr_storage = unsafe { std::mem::zeroed() };
        // SAFETY: T (a sockaddr_in/in6) fits the storage; both are plain C data.
        unsafe { std::ptr::copy_nonoverlapping(v as *const T as *const u8, &mut storage as *mut _ as *mut u8, size_of::<T>()) };
        SockAddr { storage, len: size_of::<T>() as socklen_t }
    }

    /// The address as the text form of `evutil_parse_sockaddr_port` ("1.2.3.4:53",
    /// "[::1]:53", "::1"); ports left 0 when not given.
    pub fn parse(text: &[u8]) -> Option<SockAddr> {
        inet::parse_sockaddr_port(text, ifindex_of).map(Self::from_parsed)
    }

    pub fn as_ptr(&self) -> *const sockaddr {
        &self.storage as *const sockaddr_storage as *const sockaddr
    }
    pub fn socklen(&self) -> socklen_t {
        self.len
    }
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: the storage is plain bytes and len never exceeds its size.
        unsafe { std::slice::from_raw_parts(self.as_ptr() as *const u8, self.len as usize) }
    }
    pub fn family(&self) -> i32 {
        self.storage.ss_family as i32
    }

    /// The port (host order) of an IPv4/IPv6 address; 0 for other families.
    pub fn port(&self) -> u16 {
        match self.view() {
            SockaddrView::V4 { port_raw, .. } | SockaddrView::V6 { port_raw, .. } => u16::from_be(port_raw),
            SockaddrView::Other { .. } => 0,
        }
    }

    pub fn set_port(&mut self, port: u16) {
        let be = port.to_be();
        let off = std::mem::offset_of!(sockaddr_in, sin_port);
        debug_assert_eq!(off, std::mem::offset_of!(sockaddr_in6, sin6_port));
        if matches!(self.family(), libc::AF_INET | libc::AF_INET6) && self.len as usize >= off + 2 {
            // SAFETY: the port field lies inside the storage (checked against len above).
            unsafe { std::ptr::write_unaligned((&mut self.storage as *mut _ as *mut u8).add(off) as *mut u16, be) };
        }
    }

    /// What `evutil_sockaddr_cmp` looks at. A short address (fewer bytes than its family's
    /// struct) is read as if zero-filled, which is what the stored copy holds.
    pub fn view(&self) -> SockaddrView {
        match self.family() {
            libc::AF_INET => {
                // SAFETY: the storage is large enough and zero-filled past len.
                let sin = unsafe { &*(self.as_ptr() as *const sockaddr_in) };
                SockaddrView::V4 { s_addr: sin.sin_addr.s_addr, port_raw: sin.sin_port }
            }
            libc::AF_INET6 => {
                // SAFETY: as above.
                let sin6 = unsafe { &*(self.as_ptr() as *const sockaddr_in6) };
                SockaddrView::V6 { addr: sin6.sin6_addr.s6_addr, port_raw: sin6.sin6_port }
            }
            f => SockaddrView::Other { family: f as u16 },
        }
    }

    /// Same family, address and port (libevent's duplicate test for name servers).
    pub fn same_with_port(&self, other: &SockAddr) -> bool {
        inet::sockaddr_cmp(&self.view(), &other.view(), true) == 0
    }

    /// Same family and address, any port: how 2.1.12 matches a reply's source to its name
    /// server.
    pub fn same_host(&self, other: &SockAddr) -> bool {
        inet::sockaddr_cmp(&self.view(), &other.view(), false) == 0
    }

    pub fn is_loopback(&self) -> bool {
        inet::is_loopback(&self.view())
    }

    /// "1.2.3.4:53" / "[::1]:53", as libevent's messages print addresses.
    pub fn to_text(&self) -> String {
        inet::format_sockaddr_port(&self.view())
    }
}

/// The interface index of a zone name ("fe80::1%lo"), 0 when there is none.
pub fn ifindex_of(name: &[u8]) -> u32 {
    let Ok(c) = std::ffi::CString::new(name) else { return 0 };
    // SAFETY: c is a NUL-terminated string.
    unsafe { libc::if_nametoindex(c.as_ptr()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_ports_and_compare() {
        let a = SockAddr::parse(b"10.0.0.1").unwrap();
        assert_eq!(a.port(), 0);
        let mut b = SockAddr::parse(b"10.0.0.1:53").unwrap();
        assert!(a.same_host(&b));
        assert!(!a.same_with_port(&b));
        b.set_port(0);
        assert!(a.same_with_port(&b));
        let c = SockAddr::parse(b"[::1]:5353").unwrap();
        assert_eq!(c.family(), libc::AF_INET6);
        assert_eq!(c.to_text(), "[::1]:5353");
        assert!(c.is_loopback());
        assert!(!a.same_host(&c));
        assert_eq!(SockAddr::v4([127, 0, 0, 1], 53).to_text(), "127.0.0.1:53");
        assert!(SockAddr::parse(b"foo").is_none());
        assert!(SockAddr::parse(b"1.2.3.4:0").is_none());
    }
}
