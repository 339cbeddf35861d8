//! The query packet a lookup sends: header (ID, RD, one question), the name, type, class IN.
//!
//! The name is encoded the way 2.1.12 encodes it, not by the strict rules of
//! [`wire::labels`](crate::dns::wire::labels): every dot ends a label, so an empty label
//! ("a..b", ".") becomes a zero byte in the middle of the name (the server then sees a
//! shorter name and some odd type), a trailing dot needs no extra terminator, and the only
//! refusals are a label over 63 bytes and a name of 256 characters or more. Letter case may
//! be randomized (RFC draft "0x20"): each letter's case is one random bit, and the reply
//! must echo the name as sent.

use crate::dns::wire::{self, CLASS_INET, FLAG_RD, HEADER_LEN, MAX_LABEL};

/// Names of this many characters or more are refused.
pub const MAX_NAME_CHARS: usize = 256;

/// The query for `name`, or None when the name cannot be sent.
pub fn build(txid: u16, name: &[u8], qtype: u16) -> Option<Vec<u8>> {
    if name.len() >= MAX_NAME_CHARS {
        return None;
    }
    let mut p = Vec::with_capacity(HEADER_LEN + name.len() + 6);
    for v in [txid, FLAG_RD, 1, 0, 0, 0] {
        p.extend_from_slice(&v.to_be_bytes());
    }
    for label in name.split(|&c| c == b'.') {
        if label.len() > MAX_LABEL {
            return None;
        }
        p.push(label.len() as u8);
        p.extend_from_slice(label);
    }
    if p.last() != Some(&0) || p.len() == HEADER_LEN {
        p.push(0);
    }
    p.extend_from_slice(&qtype.to_be_bytes());
    p.extend_from_slice(&CLASS_INET.to_be_bytes());
    Some(p)
}

/// Add an EDNS0 OPT record (RFC 6891) announcing `udp_size` to a built query: the root
/// name, type 41, the size in the class field, extended rcode/version/flags 0, no options.
/// (Extension: libevent 2.2's `edns-udp-size:`; 2.1.12 never sends one.)
pub fn add_edns(packet: &mut Vec<u8>, udp_size: u16) {
    packet[10..12].copy_from_slice(&1u16.to_be_bytes());
    packet.push(0);
    packet.extend_from_slice(&TYPE_OPT.to_be_bytes());
    packet.extend_from_slice(&udp_size.to_be_bytes());
    packet.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
}

/// The OPT pseudo-record's type.
pub const TYPE_OPT: u16 = 41;

/// Write a new transaction ID into a built query.
pub fn set_txid(packet: &mut [u8], txid: u16) {
    packet[..2].copy_from_slice(&txid.to_be_bytes());
}

/// `name` with each letter's case taken from one bit of `bits` (bit i of byte i/8 set:
/// lower case), the way the query is sent when randomize-case is on.
pub fn randomize_case(name: &[u8], bits: &[u8]) -> Vec<u8> {
    name.iter()
        .enumerate()
        .map(|(i, &c)| {
            if !c.is_ascii_alphabetic() {
                c
            } else if bits.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0) {
                c | 0x20
            } else {
                c & !0x20
            }
        })
        .collect()
}

/// The question name of a query we built, as the reply check reads it back.
pub fn question_name(packet: &[u8]) -> Option<Vec<u8>> {
    wire::Reader::at(packet, HEADER_LEN).name_within(super::reply::MAX_NAME_WIRE_READ).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(name: &str) -> Vec<u8> {
        build(0x1234, name.as_bytes(), 1).map(|p| p[HEADER_LEN..p.len() - 4].to_vec()).unwrap_or_default()
    }

    #[test]
    fn names_encode_like_libevent() {
        let q = build(0x1234, b"www.example.com", 28).unwrap();
        assert_eq!(&q[..12], b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(&q[12..], b"\x03www\x07example\x03com\x00\x00\x1c\x00\x01");
        assert_eq!(body(""), b"\x00");
        assert_eq!(body("a."), b"\x01a\x00");
        assert_eq!(body("."), b"\x00\x00");
        assert_eq!(body("a..b"), b"\x01a\x00\x01b\x00");
        assert!(build(1, &[b'x'; 64], 1).is_none());
        assert!(build(1, &[b'x'; 63], 1).is_some());
        let mut long = Vec::new();
        while long.len() < 255 {
            long.extend_from_slice(b"abcdefghi.");
        }
        long.truncate(255);
        assert!(build(1, &long, 1).is_some());
        long.push(b'x');
        assert!(build(1, &long, 1).is_none());
        assert_eq!(question_name(&build(1, b"a.B", 1).unwrap()).unwrap(), b"a.B");
    }

    #[test]
    fn edns_opt_record() {
        let mut p = build(7, b"a.b", 1).unwrap();
        add_edns(&mut p, 4096);
        let mut want = vec![0, 7, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1];
        want.extend_from_slice(&[1, b'a', 1, b'b', 0, 0, 1, 0, 1]);
        want.extend_from_slice(&[0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(p, want);
    }

    #[test]
    fn case_bits() {
        assert_eq!(randomize_case(b"ab-cd", &[0b0000_0001]), b"aB-CD");
        assert_eq!(randomize_case(b"ABCDEFGHIJ", &[0xff, 0x02]), b"abcdefghIj");
        let mut q = build(7, b"x", 1).unwrap();
        set_txid(&mut q, 0xbeef);
        assert_eq!(&q[..2], b"\xbe\xef");
    }
}
