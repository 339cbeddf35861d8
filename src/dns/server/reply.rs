//! The reply a server port sends, byte for byte as libevent 2.1.12 builds it.
//!
//! Everything here was read off the packets Debian's libevent sends (tests-c/dns/server_*.c
//! keep those comparisons running):
//! - the header: the query's ID; the flags are the request's `flags` (RD and CD from the
//!   query plus whatever `evdns_server_request_set_flags` added) with QR and the rcode or-ed
//!   in; the four counts are the number of questions and of records added to each section;
//! - the questions are written again from the request's question structs (so a program that
//!   rewrites a name in place, as libevent's own tests do, has it echoed rewritten);
//! - then the answer, authority and additional records, each section in the order the
//!   records were added;
//! - names are compressed against every name written before them (questions, record names,
//!   names inside CNAME/PTR/NS data), but only on an exact, case-sensitive match of the
//!   remaining dotted text: `www.example.com` after `www.Example.com` shares only `com`, and
//!   `a.b.` (trailing dot) does not match `a.b`. At most 128 suffixes are remembered. The text
//!   is cut at each dot as it stands, so an empty label (`a..b`, a trailing dot, the empty
//!   name) is written as a zero byte, and a name whose last label is empty gets no second
//!   terminating zero;
//! - when the reply grows past 512 bytes, or holds a label over 63 bytes or a name over 255
//!   characters, what is sent is the first 512 bytes with TC set and the counts unchanged
//!   (the last record is simply cut). When a bad name comes before byte 512, libevent sends
//!   whatever its buffer held after the part it had written (uninitialised stack memory); we
//!   send zeros there;
//! - a *question* name that cannot be written (it does not fit in the 1500 bytes, e.g. once
//!   the compression table is full and names compressed in the query are written out whole,
//!   or a program rewrote it in place) means no reply at all: respond returns -2 (-1 for a
//!   label over 63 bytes). A name whose labels reach the buffer's last byte does not fit
//!   (its terminating zero would not): that is CVE-2026-63387, tests-c/dns/cve_2026_63387.c.

use crate::dns::wire::{
    reverse_name_v4, WireError, Writer, CLASS_INET, FLAG_QR, FLAG_TC, HEADER_LEN, MAX_LABEL, MAX_UDP_SIZE, TYPE_A, TYPE_AAAA,
    TYPE_CNAME, TYPE_PTR,
};

/// How much of a reply is built before giving up (all of it past 512 bytes is cut anyway).
pub const BUILD_LIMIT: usize = 1500;
/// Longest name text accepted when writing (libevent measures the dotted text, not the wire).
pub const MAX_NAME_TEXT: usize = 255;
/// How many name suffixes the compression table remembers.
pub const TABLE_SIZE: usize = 128;

/// The three record sections, numbered as `EVDNS_*_SECTION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Answer = 0,
    Authority = 1,
    Additional = 2,
}

impl Section {
    pub fn from_c(section: i32) -> Option<Section> {
        match section {
            0 => Some(Section::Answer),
            1 => Some(Section::Authority),
            2 => Some(Section::Additional),
            _ => None,
        }
    }
}

/// A record's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RData {
    /// No data given: written with length 0.
    Empty,
    /// Raw bytes, written as they are.
    Bytes(Vec<u8>),
    /// A name (CNAME, PTR, NS …), written compressed; the length is what it took.
    Name(Vec<u8>),
}

/// One record added by the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: Vec<u8>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub data: RData,
}

impl Record {
    fn answer(name: &[u8], rtype: u16, ttl: i32, data: RData) -> Record {
        Record { name: name.to_vec(), rtype, class: CLASS_INET, ttl: ttl as u32, data }
    }
    /// `evdns_server_request_add_a_reply`: one record holding every address (libevent does
    /// not split them into one record each).
    pub fn a(name: &[u8], addrs: RData, ttl: i32) -> Record {
        Record::answer(name, TYPE_A, ttl, addrs)
    }
    /// `evdns_server_request_add_aaaa_reply`, likewise.
    pub fn aaaa(name: &[u8], addrs: RData, ttl: i32) -> Record {
        Record::answer(name, TYPE_AAAA, ttl, addrs)
    }
    /// `evdns_server_request_add_ptr_reply` for an IPv4 address (its bytes in network order).
    pub fn ptr_v4(addr: [u8; 4], host: RData, ttl: i32) -> Record {
        Record::answer(reverse_name_v4(addr).as_bytes(), TYPE_PTR, ttl, host)
    }
    /// `evdns_server_request_add_ptr_reply` for a name already in in-addr.arpa form.
    pub fn ptr(name: &[u8], host: RData, ttl: i32) -> Record {
        Record::answer(name, TYPE_PTR, ttl, host)
    }
    /// `evdns_server_request_add_cname_reply`.
    pub fn cname(name: &[u8], target: RData, ttl: i32) -> Record {
        Record::answer(name, TYPE_CNAME, ttl, target)
    }
}

/// A question as the reply echoes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EchoedQuestion<'a> {
    pub name: &'a [u8],
    pub qtype: u16,
    pub qclass: u16,
}

/// Everything a reply is made of.
#[derive(Debug, Clone, Copy)]
pub struct ReplyParts<'a> {
    pub id: u16,
    /// The request's flags (the low 16 bits of the C `int`).
    pub flags: u16,
    /// 0..=15.
    pub rcode: u8,
    pub questions: &'a [EchoedQuestion<'a>],
    /// Answer, authority, additional.
    pub sections: [&'a [Record]; 3],
}

/// Why a name could not be written. In a record the reply is cut to 512 bytes either way;
/// in a question the reply is not made at all (see [`QuestionUnwritable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unwritable {
    NoSpace,
    /// Longer than 255 characters.
    TooLong,
    /// A label over 63 bytes.
    BadLabel,
}

/// A question's name could not be written (it does not fit in the 1500 bytes, the labels
/// reaching the last byte included (CVE-2026-63387), or it is malformed): libevent then sends
/// nothing and `evdns_server_request_respond` returns this code (-1 for a label over 63
/// bytes, -2 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionUnwritable(pub i32);

impl From<WireError> for Unwritable {
    fn from(_: WireError) -> Self {
        // The writer's only failure is running out of room.
        Unwritable::NoSpace
    }
}

/// The compression table: the exact dotted text of each suffix written so far, and where.
#[derive(Default)]
struct SuffixTable {
    entries: Vec<(Vec<u8>, u16)>,
}

impl SuffixTable {
    fn find(&self, suffix: &[u8]) -> Option<u16> {
        self.entries.iter().find(|(s, _)| s == suffix).map(|&(_, at)| at)
    }
    fn remember(&mut self, suffix: &[u8], at: usize) {
        // A pointer holds 14 bits of offset; the 1500-byte buffer never needs more.
        if self.entries.len() < TABLE_SIZE && at < 0x4000 {
            self.entries.push((suffix.to_vec(), at as u16));
        }
    }
}

/// Writes names the way libevent does (see the module comment).
struct NameWriter {
    w: Writer,
    table: SuffixTable,
}

impl NameWriter {
    fn name(&mut self, name: &[u8]) -> Result<(), Unwritable> {
        if name.len() > MAX_NAME_TEXT {
            return Err(Unwritable::TooLong);
        }
        let mut rest = name;
        loop {
            if let Some(at) = self.table.find(rest) {
                self.w.u16(0xc000 | at)?;
                return Ok(());
            }
            let (label, next) = match rest.iter().position(|&c| c == b'.') {
                Some(dot) => (&rest[..dot], Some(&rest[dot + 1..])),
                None => (rest, None),
            };
            if label.len() > MAX_LABEL {
                return Err(Unwritable::BadLabel);
            }
            self.table.remember(rest, self.w.len());
            self.w.u8(label.len() as u8)?;
            self.w.bytes(label)?;
            match next {
                Some(next) => rest = next,
                None if label.is_empty() => return Ok(()), // its length byte was the terminator
                None => return Ok(self.w.u8(0)?),
            }
        }
    }

    fn record(&mut self, r: &Record) -> Result<(), Unwritable> {
        self.name(&r.name)?;
        self.w.u16(r.rtype)?;
        self.w.u16(r.class)?;
        self.w.u32(r.ttl)?;
        match &r.data {
            RData::Empty => self.w.u16(0)?,
            RData::Bytes(b) => {
                self.w.u16(b.len() as u16)?;
                self.w.bytes(b)?;
            }
            RData::Name(n) => {
                let len_at = self.w.len();
                self.w.u16(0)?;
                self.name(n)?;
                let len = self.w.len() - len_at - 2;
                self.w.patch_u16(len_at, len as u16);
            }
        }
        Ok(())
    }
}

/// The reply's bytes: at most 512, TC set when cut (see the module comment).
pub fn build_reply(parts: &ReplyParts<'_>) -> Result<Vec<u8>, QuestionUnwritable> {
    build_reply_for(parts, false)
}

/// [`build_reply`], or for a TCP connection (extension): up to 65535 bytes, and a reply
/// that does not fit is cut after its last whole record, with TC set.
pub fn build_reply_for(parts: &ReplyParts<'_>, tcp: bool) -> Result<Vec<u8>, QuestionUnwritable> {
    let limit = if tcp { super::tcp::MAX_TCP_MESSAGE } else { BUILD_LIMIT };
    let mut nw = NameWriter { w: Writer::new(limit), table: SuffixTable::default() };
    let mut whole = 0usize;
    let flags = parts.flags | FLAG_QR | u16::from(parts.rcode & 0x0f);
    // Outer error: cut the reply; inner error: no reply.
    let body = (|| -> Result<Result<(), QuestionUnwritable>, Unwritable> {
        nw.w.header(&crate::dns::wire::Header {
            id: parts.id,
            flags,
            qdcount: parts.questions.len() as u16,
            ancount: parts.sections[0].len() as u16,
            nscount: parts.sections[1].len() as u16,
            arcount: parts.sections[2].len() as u16,
        })?;
        for q in parts.questions {
            match nw.name(q.name) {
                Ok(()) => {}
                Err(Unwritable::BadLabel) => return Ok(Err(QuestionUnwritable(-1))),
                Err(_) => return Ok(Err(QuestionUnwritable(-2))),
            }
            nw.w.u16(q.qtype)?;
            nw.w.u16(q.qclass)?;
        }
        whole = nw.w.len();
        for section in parts.sections {
            for r in section {
                nw.record(r)?;
                whole = nw.w.len();
            }
        }
        Ok(Ok(()))
    })();
    if let Ok(Err(e)) = body {
        return Err(e);
    }
    let mut out = nw.w.into_bytes();
    if tcp {
        if body.is_err() {
            out.truncate(whole.max(HEADER_LEN));
            out[2] |= (FLAG_TC >> 8) as u8;
        }
        return Ok(out);
    }
    if body.is_err() || out.len() > MAX_UDP_SIZE {
        out.resize(MAX_UDP_SIZE, 0);
        out[2] |= (FLAG_TC >> 8) as u8;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn rec(name: &str, rtype: u16, ttl: u32, data: RData) -> Record {
        Record { name: name.as_bytes().to_vec(), rtype, class: 1, ttl, data }
    }

    fn bytes(b: &[u8]) -> RData {
        RData::Bytes(b.to_vec())
    }

    fn reply(flags: u16, rcode: u8, qname: &str, qtype: u16, sections: [&[Record]; 3]) -> Vec<u8> {
        let q = [EchoedQuestion { name: qname.as_bytes(), qtype, qclass: 1 }];
        build_reply(&ReplyParts { id: 0x1234, flags, rcode, questions: &q, sections }).unwrap()
    }

    // The expected bytes below are what Debian's libevent 2.1.12 sent for the same calls.

    #[test]
    fn an_a_record_points_back_at_the_question() {
        let ans = [rec("www.example.com", 1, 300, bytes(&[1, 2, 3, 4]))];
        assert_eq!(
            reply(0x0100, 0, "www.example.com", 1, [&ans, &[], &[]]),
            hex("12348100000100010000000003777777076578616d706c6503636f6d0000010001c00c000100010000012c000401020304")
        );
    }

    #[test]
    fn flags_and_rcode_are_or_ed_into_the_header() {
        assert_eq!(reply(0x0110, 3, "a.b", 1, [&[], &[], &[]]), hex("123481130001000000000000016101620000010001"));
        assert_eq!(reply(0xffff, 0, "a.b", 1, [&[], &[], &[]]), hex("1234ffff0001000000000000016101620000010001"));
    }

    #[test]
    fn compression_is_case_sensitive() {
        let ans = [rec("www.example.com", 1, 5, bytes(&[1, 2, 3, 4]))];
        assert_eq!(
            reply(0x0100, 0, "www.Example.com", 1, [&ans, &[], &[]]),
            hex("12348100000100010000000003777777074578616d706c6503636f6d000001000103777777076578616d706c65c0180001000100000005000401020304")
        );
    }

    #[test]
    fn names_in_data_are_compressed_and_remembered() {
        let ans = [rec("www.Example.com", 1, 5, bytes(&[1, 2, 3, 4]))];
        let auth = [rec("Example.com", 2, 6, RData::Name(b"ns.example.com".to_vec()))];
        let add = [rec("ns.example.com", 1, 7, bytes(&[5, 6, 7, 8]))];
        assert_eq!(
            reply(0x0100, 0, "www.Example.com", 1, [&ans, &auth, &add]),
            hex(concat!(
                "12348100000100010001000103777777074578616d706c6503636f6d0000010001",
                "c00c0001000100000005000401020304",
                "c0100002000100000006000d026e73076578616d706c65c018",
                "c03d0001000100000007000405060708"
            ))
        );
    }

    #[test]
    fn sections_keep_the_order_records_were_added_in() {
        let ans = [rec("x.a", 1, 1, bytes(&[3])), rec("x.a", 1, 1, bytes(&[4]))];
        let auth = [rec("y.a", 1, 1, bytes(&[2]))];
        let add = [rec("z.a", 1, 1, bytes(&[1]))];
        assert_eq!(
            reply(0x0100, 0, "www.Example.com", 1, [&ans, &auth, &add]),
            hex(concat!(
                "12348100000100020001000103777777074578616d706c6503636f6d0000010001",
                "01780161000001000100000001000103c02100010001000000010001040179c0230001000100000001000102017ac0230001000100000001000101"
            ))
        );
    }

    #[test]
    fn trailing_dots_and_empty_names_as_libevent_writes_them() {
        let ans = [
            rec("a.b.", 1, 1, bytes(&[1])),
            rec("c.", 1, 1, bytes(&[1])),
            rec("", 1, 1, bytes(&[1])),
            rec(".", 1, 1, bytes(&[1])),
        ];
        assert_eq!(
            reply(0, 0, "a.b", 1, [&ans, &[], &[]]),
            hex(concat!(
                "123480000001000400000000016101620000010001",
                "016101620000010001000000010001010163c0190001000100000001000101c019000100010000000100010100c0190001000100000001000101"
            ))
        );
        let ans = [rec(".", 1, 1, bytes(&[1])), rec("", 1, 1, bytes(&[1])), rec("x.", 1, 1, bytes(&[1]))];
        assert_eq!(
            reply(0, 0, "a.b", 1, [&ans, &[], &[]]),
            hex(concat!(
                "123480000001000300000000016101620000010001",
                "00000001000100000001000101c01600010001000000010001010178c0160001000100000001000101"
            ))
        );
        // empty labels inside a name, in a record name and in data
        let ans = [rec("x..y", 1, 1, bytes(&[1]))];
        assert_eq!(
            reply(0, 0, "a.b", 1, [&ans, &[], &[]]),
            hex("1234800000010001000000000161016200000100010178000179000001000100000001000101")
        );
        let ans = [rec("x", 1, 1, RData::Name(b"a..b".to_vec()))];
        assert_eq!(
            reply(0, 0, "a.b", 1, [&ans, &[], &[]]),
            hex("12348000000100010000000001610162000001000101780000010001000000010005016100c00e")
        );
    }

    #[test]
    fn empty_data_and_a_whole_name_pointer() {
        let ans = [rec("x", 1, 1, RData::Empty)];
        assert_eq!(
            reply(0, 0, "a.b", 1, [&ans, &[], &[]]),
            hex("12348000000100010000000001610162000001000101780000010001000000010000")
        );
        let ans = [rec("b", 1, 1, RData::Name(b"b".to_vec()))];
        assert_eq!(
            reply(0, 0, "a.b", 1, [&ans, &[], &[]]),
            hex("123480000001000100000000016101620000010001c00e00010001000000010002c00e")
        );
    }

    #[test]
    fn questions_compress_against_each_other() {
        let q = [
            EchoedQuestion { name: b"a.b.c", qtype: 1, qclass: 1 },
            EchoedQuestion { name: b"x.a.b.c", qtype: 1, qclass: 1 },
            EchoedQuestion { name: b"A.b.c", qtype: 1, qclass: 1 },
        ];
        let r =
            build_reply(&ReplyParts { id: 0x1234, flags: 0x100, rcode: 0, questions: &q, sections: [&[], &[], &[]] }).unwrap();
        assert_eq!(r, hex("12348100000300000000000001610162016300000100010178c00c000100010141c00e00010001"));
    }

    #[test]
    fn the_table_remembers_128_suffixes() {
        // question a.b: 2 entries; 125 single-letter labels: 125 more; z.k.l: the 128th is
        // "z.k.l", so "k.l" is written out again but "z.k.l" compresses.
        let long = vec!["y"; 125].join(".");
        let ans = [
            rec(&long, 1, 1, bytes(&[1])),
            rec("z.k.l", 1, 1, bytes(&[2])),
            rec("k.l", 1, 1, bytes(&[3])),
            rec("z.k.l", 1, 1, bytes(&[4])),
        ];
        let r = reply(0, 0, "a.b", 1, [&ans, &[], &[]]);
        let tail = hex("017a016b016c000001000100000001000102016b016c000001000100000001000103c11b0001000100000001000104");
        assert_eq!(r.len(), 330);
        assert!(r.ends_with(&tail));
    }

    #[test]
    fn over_512_bytes_is_cut_at_512_with_tc_and_the_counts_kept() {
        for n in [40u32, 100] {
            let ans: Vec<Record> = (0..n).map(|i| rec("a.b", 1, 1, bytes(&i.to_be_bytes()))).collect();
            let r = reply(0, 0, "a.b", 1, [&ans, &[], &[]]);
            assert_eq!(r.len(), 512);
            assert_eq!(&r[..12], &hex(&format!("12348200000100{:02x}00000000", n))[..]);
            // whole records up to the cut: 21 bytes of header and question, 16 per record
            assert_eq!(&r[21 + 16 * 29..21 + 16 * 30], &hex("c00c000100010000000100040000001d")[..]);
            assert_eq!(&r[21 + 16 * 30..], &hex("c00c000100010000000100")[..]);
        }
    }

    #[test]
    fn a_bad_name_sends_512_bytes_with_tc() {
        let ans = [rec(&"x".repeat(64), 1, 1, bytes(&[1]))];
        let r = reply(0, 0, "a.b", 1, [&ans, &[], &[]]);
        assert_eq!(r.len(), 512);
        assert_eq!(&r[..21], &hex("123482000001000100000000016101620000010001")[..]);
        assert!(r[21..].iter().all(|&b| b == 0), "zeros where libevent leaves stack garbage");
        let too_long = [vec!["x".repeat(63); 4].join("."), "x".to_string()].join(".");
        assert_eq!(too_long.len(), 257);
        let ans = [rec(&too_long, 1, 1, bytes(&[1]))];
        assert_eq!(reply(0, 0, "a.b", 1, [&ans, &[], &[]]).len(), 512);
        // 255 characters still go out (257 bytes on the wire, as libevent writes them)
        let ans = [rec(&too_long[..255], 1, 1, bytes(&[1]))];
        assert_eq!(reply(0, 0, "a.b", 1, [&ans, &[], &[]]).len(), 289);
    }

    #[test]
    fn the_helpers_records() {
        let ptr = Record::ptr_v4([255, 0, 10, 200], RData::Name(b"h".to_vec()), 1);
        assert_eq!(ptr.name, b"200.10.0.255.in-addr.arpa");
        assert_eq!((ptr.rtype, ptr.class, ptr.ttl), (12, 1, 1));
        assert_eq!(
            reply(0x100, 0, "4.3.2.1.in-addr.arpa", 12, [&[ptr], &[], &[]]),
            hex(concat!(
                "123481000001000100000000013401330132013107696e2d61646472046172706100000c0001",
                "03323030023130013003323535c014000c0001000000010003016800"
            ))
        );
        assert_eq!(Record::a(b"x", RData::Empty, -1).ttl, 0xffff_ffff);
        assert_eq!(Record::aaaa(b"x", RData::Empty, 1).rtype, 28);
        assert_eq!(Record::cname(b"x", RData::Empty, 1).rtype, 5);
    }

    #[test]
    fn data_too_big_for_the_buffer() {
        let ans = [rec("x", 1, 1, RData::Bytes(vec![0xab; 2000]))];
        let r = reply(0, 0, "a.b", 1, [&ans, &[], &[]]);
        assert_eq!(r.len(), 512);
        assert_eq!(r[2], 0x82);
        // the record's header (length 0x07d0) was written before the data did not fit
        assert_eq!(&r[21..34], &hex("017800000100010000000107d0")[..]);
        assert!(r[34..].iter().all(|&b| b == 0));
    }
}
