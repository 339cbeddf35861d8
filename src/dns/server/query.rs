//! A datagram arriving on a server port, read into the query the program will see.
//!
//! What libevent 2.1.12 does, found by sending it crafted packets: a packet with the QR bit
//! set (a response) is ignored, as is one with no question or with a question that cannot be
//! read whole; the opcode is not looked at (every packet is served as a standard query, and
//! the reply carries opcode 0); of the header flags only RD and CD are kept (the program sees
//! them in `flags` and they are echoed in the reply); the answer, authority and additional
//! sections of a query are not read at all, so garbage there does not matter, nor does
//! anything after the questions.
//!
//! Where we refuse more than libevent, on purpose: a packet shorter than the 12-byte header
//! is dropped (libevent 2.1.12 reads past its end and crashes on 1 to 11 bytes), and names
//! follow [`Reader::name`]'s rules, which are stricter than libevent's: a compression
//! pointer must point backwards (libevent follows forward pointers too), label types 0x40 and
//! 0x80 are refused (so does libevent), and a name may take at most 255 bytes on the wire
//! (libevent takes up to 255 characters of dotted text, 257 bytes on the wire).

use crate::dns::wire::{Question, Reader, WireError, FLAG_RD, HEADER_LEN};

/// "Checking disabled" (RFC 4035 §3.2.2), the one flag besides RD that a query keeps.
pub const FLAG_CD: u16 = 0x0010;
/// The query flags the program sees and the reply echoes.
pub const KEPT_FLAGS: u16 = FLAG_RD | FLAG_CD;

/// A query worth handing to the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub id: u16,
    /// The query's flags, masked to [`KEPT_FLAGS`].
    pub flags: u16,
    /// At least one.
    pub questions: Vec<Question>,
}

/// Why a datagram was not served (nothing is sent back for any of these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// Shorter than the header.
    Short,
    /// The QR bit is set: a response, not a query.
    Response,
    /// The header asks no question.
    NoQuestion,
    /// A question could not be read.
    Malformed(WireError),
}

/// Read a datagram as libevent's server does (see the module comment for the rules).
pub fn parse_query(packet: &[u8]) -> Result<Query, Ignored> {
    if packet.len() < HEADER_LEN {
        return Err(Ignored::Short);
    }
    let mut r = Reader::new(packet);
    let header = r.header().map_err(Ignored::Malformed)?;
    if header.is_response() {
        return Err(Ignored::Response);
    }
    if header.qdcount == 0 {
        return Err(Ignored::NoQuestion);
    }
    // No allocation is sized from the count: a count larger than the packet runs out of
    // bytes after a few questions.
    let mut questions = Vec::new();
    for _ in 0..header.qdcount {
        questions.push(Question::read(&mut r).map_err(Ignored::Malformed)?);
    }
    Ok(Query { id: header.id, flags: header.flags & KEPT_FLAGS, questions })
}

impl Ignored {
    /// For the debug log.
    pub fn describe(&self) -> String {
        match self {
            Ignored::Short => "shorter than a DNS header".to_string(),
            Ignored::Response => "a response, not a query".to_string(),
            Ignored::NoQuestion => "no question".to_string(),
            Ignored::Malformed(e) => format!("malformed question: {}", e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::wire::{Header, Writer, CLASS_INET, FLAG_QR, TYPE_A, TYPE_PTR};

    fn packet(flags: u16, qd: u16, body: &[u8]) -> Vec<u8> {
        let mut w = Writer::new(4096);
        w.header(&Header { id: 0x1234, flags, qdcount: qd, ..Default::default() }).unwrap();
        w.bytes(body).unwrap();
        w.into_bytes()
    }

    const A_B: &[u8] = b"\x01a\x01b\x00\x00\x01\x00\x01";

    #[test]
    fn a_query_keeps_rd_and_cd_only() {
        let q = parse_query(&packet(0x7fff, 1, A_B)).unwrap();
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.flags, 0x0110);
        assert_eq!(q.questions, vec![Question { name: b"a.b".to_vec(), qtype: TYPE_A, qclass: CLASS_INET }]);
        // any opcode is served as a query
        assert_eq!(parse_query(&packet(0x7800, 1, A_B)).unwrap().flags, 0);
    }

    #[test]
    fn responses_empty_and_short_packets_are_ignored() {
        assert_eq!(parse_query(&packet(FLAG_QR | FLAG_RD, 1, A_B)), Err(Ignored::Response));
        assert_eq!(parse_query(&packet(0, 0, b"junk")), Err(Ignored::NoQuestion));
        for n in 0..HEADER_LEN {
            assert_eq!(parse_query(&packet(0, 1, A_B)[..n]), Err(Ignored::Short));
        }
    }

    #[test]
    fn every_question_must_be_whole() {
        assert_eq!(parse_query(&packet(0, 2, A_B)), Err(Ignored::Malformed(WireError::Truncated)));
        assert_eq!(parse_query(&packet(0, 1, &A_B[..7])), Err(Ignored::Malformed(WireError::Truncated)));
        assert_eq!(parse_query(&packet(0, 1, b"\xc0\x0c\x00\x01\x00\x01")), Err(Ignored::Malformed(WireError::BadPointer)));
        assert_eq!(parse_query(&packet(0, 1, b"\x41a\x00\x00\x01\x00\x01")), Err(Ignored::Malformed(WireError::BadLabel)));
        assert_eq!(parse_query(&packet(0, 1, b"\x05ab")), Err(Ignored::Malformed(WireError::Truncated)));
    }

    #[test]
    fn what_follows_the_questions_is_not_read() {
        let mut body = A_B.to_vec();
        body.extend_from_slice(b"\xff\xff garbage");
        let mut p = packet(0, 1, &body);
        p[7] = 5; // ancount 5, none there
        assert_eq!(parse_query(&p).unwrap().questions.len(), 1);
    }

    #[test]
    fn names_come_back_dotted_with_their_case_and_bytes() {
        // a compressed second question, a dot inside a label, a NUL inside a label
        let body = b"\x03WwW\x01b\x00\x00\x0c\x00\x01\x01x\xc0\x0c\x00\x01\x00\x01\x03a.b\x00\x00\x01\x00\x01\x03a\x00b\x00\x00\x01\x00\x01";
        let q = parse_query(&packet(0, 4, body)).unwrap();
        let names: Vec<&[u8]> = q.questions.iter().map(|q| &q.name[..]).collect();
        assert_eq!(names, vec![&b"WwW.b"[..], b"x.WwW.b", b"a.b", b"a\0b"]);
        assert_eq!(q.questions[0].qtype, TYPE_PTR);
        // the root
        assert_eq!(parse_query(&packet(0, 1, b"\x00\x00\x01\x00\x01")).unwrap().questions[0].name, b"");
    }
}
