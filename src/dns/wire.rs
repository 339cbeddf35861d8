//! The DNS wire format (RFC 1035 §4): reading and writing messages, names with compression.
//!
//! Everything that touches packet bytes is here, in safe Rust, so the hostile-input rules are
//! written once: every read is bounds-checked and fails with a [`WireError`] instead of reading
//! past the packet; a compression pointer must point strictly before the label that holds it
//! (which rules out loops) and at most [`MAX_POINTER_JUMPS`] are followed; a name is at most
//! 255 bytes on the wire and a label at most 63. A name that breaks a rule is refused, never
//! truncated. Names are kept as dotted bytes (`b"www.example.com"`), with no trailing dot and
//! the root as the empty name.

use std::fmt;

pub const TYPE_A: u16 = 1;
pub const TYPE_NS: u16 = 2;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_SOA: u16 = 6;
pub const TYPE_PTR: u16 = 12;
pub const TYPE_MX: u16 = 15;
pub const TYPE_TXT: u16 = 16;
pub const TYPE_AAAA: u16 = 28;
pub const CLASS_INET: u16 = 1;

/// Header flag bits (the 16-bit word after the ID).
pub const FLAG_QR: u16 = 0x8000;
pub const FLAG_AA: u16 = 0x0400;
pub const FLAG_TC: u16 = 0x0200;
pub const FLAG_RD: u16 = 0x0100;
pub const FLAG_RA: u16 = 0x0080;
pub const OPCODE_MASK: u16 = 0x7800;
pub const RCODE_MASK: u16 = 0x000f;

pub const HEADER_LEN: usize = 12;
/// Longest name on the wire, length octets and the root's zero included (RFC 1035 §2.3.4).
pub const MAX_NAME_WIRE: usize = 255;
pub const MAX_LABEL: usize = 63;
/// More jumps than a legal 255-byte name could need means a crafted packet.
pub const MAX_POINTER_JUMPS: usize = 127;
/// The classic UDP payload limit; longer replies are truncated and flagged TC.
pub const MAX_UDP_SIZE: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// A read ran past the end of the packet.
    Truncated,
    /// A compression pointer pointing at or after its own label, or outside the packet.
    BadPointer,
    /// Too many compression jumps.
    PointerLoop,
    /// A label longer than 63 bytes, or a reserved label type (0x40, 0x80).
    BadLabel,
    /// A name longer than 255 bytes on the wire.
    NameTooLong,
    /// A name to encode with an empty label (`a..b`, a leading dot) or a label over 63 bytes.
    BadName,
    /// The message would not fit the size limit.
    NoSpace,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            WireError::Truncated => "truncated packet",
            WireError::BadPointer => "bad compression pointer",
            WireError::PointerLoop => "compression pointer loop",
            WireError::BadLabel => "bad label",
            WireError::NameTooLong => "name too long",
            WireError::BadName => "malformed name",
            WireError::NoSpace => "message too large",
        };
        f.write_str(s)
    }
}

/// (Not named `Result`: cbindgen, which reads the whole crate for tests/prototypes.rs, mistakes
/// a one-parameter `Result` alias for std's.)
pub type WireResult<T> = std::result::Result<T, WireError>;

/// The fixed 12-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    pub id: u16,
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    pub fn rcode(&self) -> u8 {
        (self.flags & RCODE_MASK) as u8
    }
    pub fn is_response(&self) -> bool {
        self.flags & FLAG_QR != 0
    }
    pub fn truncated(&self) -> bool {
        self.flags & FLAG_TC != 0
    }
}

/// A cursor over a packet: every read checks the bounds.
#[derive(Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    /// A cursor at `pos` of the packet (a name inside a record's data, whose pointers may
    /// lead anywhere before it). Reads past the end fail as usual.
    pub fn at(buf: &'a [u8], pos: usize) -> Self {
        Reader { buf, pos }
    }
    pub fn pos(&self) -> usize {
        self.pos
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    pub fn u8(&mut self) -> WireResult<u8> {
        let b = *self.buf.get(self.pos).ok_or(WireError::Truncated)?;
        self.pos += 1;
        Ok(b)
    }
    pub fn u16(&mut self) -> WireResult<u16> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub fn u32(&mut self) -> WireResult<u32> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn bytes(&mut self, n: usize) -> WireResult<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(WireError::Truncated)?;
        let s = self.buf.get(self.pos..end).ok_or(WireError::Truncated)?;
        self.pos = end;
        Ok(s)
    }
    pub fn header(&mut self) -> WireResult<Header> {
        Ok(Header {
            id: self.u16()?,
            flags: self.u16()?,
            qdcount: self.u16()?,
            ancount: self.u16()?,
            nscount: self.u16()?,
            arcount: self.u16()?,
        })
    }

    /// A (possibly compressed) name, as dotted bytes; the cursor ends after the name's first
    /// run of labels (after the first pointer, if any).
    pub fn name(&mut self) -> WireResult<Vec<u8>> {
        self.name_within(MAX_NAME_WIRE)
    }

    /// [`name`](Self::name) with another limit on the name's wire length. The resolver
    /// reads names of up to 255 *characters* (257 bytes on the wire), as 2.1.12 does, so
    /// that an answer to any name it may ask about can be read back.
    pub fn name_within(&mut self, max_wire: usize) -> WireResult<Vec<u8>> {
        let mut out = Vec::with_capacity(64);
        let mut wire_len = 0usize;
        let mut at = self.pos;
        let mut resume: Option<usize> = None;
        let mut jumps = 0usize;
        loop {
            let label_start = at;
            let len = *self.buf.get(at).ok_or(WireError::Truncated)? as usize;
            at += 1;
            match len & 0xc0 {
                0x00 => {}
                0xc0 => {
                    let lo = *self.buf.get(at).ok_or(WireError::Truncated)? as usize;
                    at += 1;
                    let target = ((len & 0x3f) << 8) | lo;
                    // Strictly backwards: a pointer can never lead to itself or onwards,
                    // so every chain of pointers ends.
                    if target >= label_start {
                        return Err(WireError::BadPointer);
                    }
                    jumps += 1;
                    if jumps > MAX_POINTER_JUMPS {
                        return Err(WireError::PointerLoop);
                    }
                    resume.get_or_insert(at);
                    at = target;
                    continue;
                }
                _ => return Err(WireError::BadLabel),
            }
            wire_len += 1 + len;
            if wire_len > max_wire {
                return Err(WireError::NameTooLong);
            }
            if len == 0 {
                break;
            }
            let label = self.buf.get(at..at + len).ok_or(WireError::Truncated)?;
            at += len;
            if !out.is_empty() {
                out.push(b'.');
            }
            out.extend_from_slice(label);
        }
        self.pos = resume.unwrap_or(at);
        Ok(out)
    }

    /// Skip a name without building it (still fully checked).
    pub fn skip_name(&mut self) -> WireResult<()> {
        self.name().map(|_| ())
    }
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: Vec<u8>,
    pub qtype: u16,
    pub qclass: u16,
}

impl Question {
    pub fn read(r: &mut Reader<'_>) -> WireResult<Self> {
        Ok(Question { name: r.name()?, qtype: r.u16()?, qclass: r.u16()? })
    }
}

/// One resource record; `rdata` is the raw data and `rdata_at` its offset in the packet (for
/// names inside the data, which may point anywhere before it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub name: Vec<u8>,
    pub rtype: u16,
    pub class: u16,
    pub ttl: u32,
    pub rdata: &'a [u8],
    pub rdata_at: usize,
}

impl<'a> Record<'a> {
    pub fn read(r: &mut Reader<'a>) -> WireResult<Self> {
        let name = r.name()?;
        let rtype = r.u16()?;
        let class = r.u16()?;
        let ttl = r.u32()?;
        let len = r.u16()? as usize;
        let rdata_at = r.pos();
        let rdata = r.bytes(len)?;
        Ok(Record { name, rtype, class, ttl, rdata, rdata_at })
    }

    /// The name held in the data (CNAME, PTR, NS), read against the whole packet so that
    /// compression pointers resolve; it must end inside the record's data.
    pub fn rdata_name(&self, packet: &'a [u8]) -> WireResult<Vec<u8>> {
        let mut r = Reader { buf: packet, pos: self.rdata_at };
        let name = r.name()?;
        if r.pos() > self.rdata_at + self.rdata.len() {
            return Err(WireError::Truncated);
        }
        Ok(name)
    }
}

/// A whole message, every section read and checked.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub header: Header,
    pub questions: Vec<Question>,
    pub answers: Vec<Record<'a>>,
    pub authority: Vec<Record<'a>>,
    pub additional: Vec<Record<'a>>,
}

impl<'a> Message<'a> {
    /// Parse a packet. Counts larger than the packet can hold fail with `Truncated` when the
    /// bytes run out (no allocation is sized from a count).
    pub fn parse(packet: &'a [u8]) -> WireResult<Self> {
        let mut r = Reader::new(packet);
        let header = r.header()?;
        let mut questions = Vec::new();
        for _ in 0..header.qdcount {
            questions.push(Question::read(&mut r)?);
        }
        let section = |n: u16, r: &mut Reader<'a>| -> WireResult<Vec<Record<'a>>> {
            let mut v = Vec::new();
            for _ in 0..n {
                v.push(Record::read(r)?);
            }
            Ok(v)
        };
        let answers = section(header.ancount, &mut r)?;
        let authority = section(header.nscount, &mut r)?;
        let additional = section(header.arcount, &mut r)?;
        Ok(Message { header, questions, answers, authority, additional })
    }
}

/// The labels of a dotted name: each 1..=63 bytes, at most 255 bytes on the wire. A single
/// trailing dot is allowed (`example.com.`); `""` and `"."` are the root.
pub fn labels(name: &[u8]) -> WireResult<Vec<&[u8]>> {
    let name = name.strip_suffix(b".").unwrap_or(name);
    if name.is_empty() {
        return Ok(Vec::new());
    }
    let mut wire = 1usize;
    let mut out = Vec::new();
    for label in name.split(|&c| c == b'.') {
        if label.is_empty() || label.len() > MAX_LABEL {
            return Err(WireError::BadName);
        }
        wire += 1 + label.len();
        if wire > MAX_NAME_WIRE {
            return Err(WireError::NameTooLong);
        }
        out.push(label);
    }
    Ok(out)
}

/// Builds a message, compressing names against the ones already written and refusing to grow
/// past `limit` bytes.
pub struct Writer {
    buf: Vec<u8>,
    limit: usize,
    /// (lower-cased name suffix, offset of its first label) for compression.
    suffixes: Vec<(Vec<u8>, u16)>,
}

impl Writer {
    pub fn new(limit: usize) -> Self {
        Writer { buf: Vec::with_capacity(limit.min(MAX_UDP_SIZE)), limit, suffixes: Vec::new() }
    }
    pub fn len(&self) -> usize {
        self.buf.len()
    }
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
    fn room(&self, n: usize) -> WireResult<()> {
        if self.buf.len() + n > self.limit {
            Err(WireError::NoSpace)
        } else {
            Ok(())
        }
    }
    pub fn u8(&mut self, v: u8) -> WireResult<()> {
        self.room(1)?;
        self.buf.push(v);
        Ok(())
    }
    pub fn u16(&mut self, v: u16) -> WireResult<()> {
        self.bytes(&v.to_be_bytes())
    }
    pub fn u32(&mut self, v: u32) -> WireResult<()> {
        self.bytes(&v.to_be_bytes())
    }
    pub fn bytes(&mut self, b: &[u8]) -> WireResult<()> {
        self.room(b.len())?;
        self.buf.extend_from_slice(b);
        Ok(())
    }
    pub fn header(&mut self, h: &Header) -> WireResult<()> {
        for v in [h.id, h.flags, h.qdcount, h.ancount, h.nscount, h.arcount] {
            self.u16(v)?;
        }
        Ok(())
    }
    /// Overwrite a 16-bit field already written (counts, flags).
    pub fn patch_u16(&mut self, at: usize, v: u16) {
        self.buf[at..at + 2].copy_from_slice(&v.to_be_bytes());
    }

    /// A name, ending in a pointer to an earlier copy of its longest known suffix. On
    /// `NoSpace` nothing of the name is left written.
    pub fn name(&mut self, name: &[u8]) -> WireResult<()> {
        let labels = labels(name)?;
        let mark = self.buf.len();
        let known = self.suffixes.len();
        let r = self.name_labels(&labels);
        if r.is_err() {
            self.buf.truncate(mark);
            self.suffixes.truncate(known);
        }
        r
    }

    fn name_labels(&mut self, labels: &[&[u8]]) -> WireResult<()> {
        for i in 0..labels.len() {
            let suffix = lowercase_join(&labels[i..]);
            if let Some(&(_, off)) = self.suffixes.iter().find(|(s, _)| *s == suffix) {
                return self.u16(0xc000 | off);
            }
            let here = self.buf.len();
            self.u8(labels[i].len() as u8)?;
            self.bytes(labels[i])?;
            if here < 0x4000 {
                self.suffixes.push((suffix, here as u16));
            }
        }
        self.u8(0)
    }
}

fn lowercase_join(labels: &[&[u8]]) -> Vec<u8> {
    let mut v = labels.join(&b"."[..]);
    v.make_ascii_lowercase();
    v
}

/// The name a reverse lookup asks for: `4.3.2.1.in-addr.arpa` for 1.2.3.4.
pub fn reverse_name_v4(addr: [u8; 4]) -> String {
    format!("{}.{}.{}.{}.in-addr.arpa", addr[3], addr[2], addr[1], addr[0])
}

/// `b.a.9.8…ip6.arpa`: one label per nibble, lowest first.
pub fn reverse_name_v6(addr: [u8; 16]) -> String {
    let mut s = String::with_capacity(72);
    for b in addr.iter().rev() {
        s.push(char::from_digit((b & 0xf) as u32, 16).unwrap());
        s.push('.');
        s.push(char::from_digit((b >> 4) as u32, 16).unwrap());
        s.push('.');
    }
    s.push_str("ip6.arpa");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(id: u16, name: &[u8], qtype: u16) -> Vec<u8> {
        let mut w = Writer::new(512);
        w.header(&Header { id, flags: FLAG_RD, qdcount: 1, ..Default::default() }).unwrap();
        w.name(name).unwrap();
        w.u16(qtype).unwrap();
        w.u16(CLASS_INET).unwrap();
        w.into_bytes()
    }

    #[test]
    fn query_round_trip() {
        let q = query(0x1234, b"www.Example.com", TYPE_A);
        assert_eq!(&q[12..], b"\x03www\x07Example\x03com\x00\x00\x01\x00\x01");
        let m = Message::parse(&q).unwrap();
        assert_eq!(m.header.id, 0x1234);
        assert_eq!(m.questions, vec![Question { name: b"www.Example.com".to_vec(), qtype: TYPE_A, qclass: CLASS_INET }]);
    }

    #[test]
    fn names_compress_case_insensitively() {
        let mut w = Writer::new(512);
        w.header(&Header::default()).unwrap();
        w.name(b"a.example.com").unwrap();
        let before = w.len();
        w.name(b"b.EXAMPLE.com").unwrap();
        // "b" label then a pointer to "example.com" at offset 14
        assert_eq!(&w.buf[before..], b"\x01b\xc0\x0e");
        let mut r = Reader::new(&w.buf);
        r.header().unwrap();
        assert_eq!(r.name().unwrap(), b"a.example.com");
        assert_eq!(r.name().unwrap(), b"b.example.com");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn hostile_names_are_refused() {
        let mut p = vec![0u8; 12];
        // pointer to itself
        p.extend_from_slice(&[0xc0, 12]);
        assert_eq!(Reader { buf: &p, pos: 12 }.name(), Err(WireError::BadPointer));
        // pointer forward
        let p2 = [&[0u8; 12][..], &[0xc0, 14, 0]].concat();
        assert_eq!(Reader { buf: &p2, pos: 12 }.name(), Err(WireError::BadPointer));
        // label running past the end
        let p3 = [&[0u8; 12][..], &[5, b'a', b'b']].concat();
        assert_eq!(Reader { buf: &p3, pos: 12 }.name(), Err(WireError::Truncated));
        // reserved label type
        let p4 = [&[0u8; 12][..], &[0x40, 0]].concat();
        assert_eq!(Reader { buf: &p4, pos: 12 }.name(), Err(WireError::BadLabel));
        // a name over 255 bytes built from back pointers to long labels
        let mut p5 = vec![0u8; 12];
        let mut prev = None;
        for _ in 0..6 {
            let here = p5.len();
            p5.push(63);
            p5.extend(std::iter::repeat_n(b'x', 63));
            match prev {
                Some(off) => p5.extend_from_slice(&[0xc0 | (off >> 8) as u8, off as u8]),
                None => p5.push(0),
            }
            prev = Some(here);
        }
        let last = prev.unwrap();
        assert_eq!(Reader { buf: &p5, pos: last }.name(), Err(WireError::NameTooLong));
        // nothing at all
        assert_eq!(Reader { buf: &[], pos: 0 }.name(), Err(WireError::Truncated));
    }

    #[test]
    fn longer_names_within_a_larger_limit() {
        // 4 labels of 63 and one of 1: 4*64 + 2 + 1 = 259 bytes on the wire, 255 characters
        let mut p = vec![0u8; 12];
        for _ in 0..4 {
            p.push(63);
            p.extend(std::iter::repeat_n(b'x', 63));
        }
        p.extend_from_slice(&[1, b'y', 0]);
        assert_eq!(Reader::at(&p, 12).name(), Err(WireError::NameTooLong));
        assert_eq!(Reader::at(&p, 12).name_within(257), Err(WireError::NameTooLong));
        assert_eq!(Reader::at(&p, 12).name_within(259).unwrap().len(), 4 * 64 + 1);
    }

    #[test]
    fn counts_larger_than_the_packet_fail_cleanly() {
        let mut q = query(1, b"a.b", TYPE_A);
        q[6] = 0xff; // ancount = 0xff00
        assert_eq!(Message::parse(&q).unwrap_err(), WireError::Truncated);
        assert_eq!(Message::parse(&q[..11]).unwrap_err(), WireError::Truncated);
    }

    #[test]
    fn label_rules_for_encoding() {
        assert!(labels(b"").unwrap().is_empty());
        assert!(labels(b".").unwrap().is_empty());
        assert_eq!(labels(b"a.b.").unwrap(), vec![&b"a"[..], &b"b"[..]]);
        assert_eq!(labels(b"a..b"), Err(WireError::BadName));
        assert_eq!(labels(b".a"), Err(WireError::BadName));
        let long = vec![b'x'; 64];
        assert_eq!(labels(&long), Err(WireError::BadName));
        let many = [&b"x".repeat(63)[..], b".", &b"x".repeat(63), b".", &b"x".repeat(63), b".", &b"x".repeat(63)].concat();
        assert_eq!(labels(&many), Err(WireError::NameTooLong));
        let fits = [&b"x".repeat(63)[..], b".", &b"x".repeat(63), b".", &b"x".repeat(63), b".", &b"x".repeat(61)].concat();
        assert_eq!(labels(&fits).unwrap().len(), 4);
    }

    #[test]
    fn writer_respects_its_limit() {
        let mut w = Writer::new(20);
        w.header(&Header::default()).unwrap();
        assert_eq!(w.name(b"abcdefgh.ij"), Err(WireError::NoSpace));
        assert_eq!(w.len(), 12, "a name that does not fit leaves nothing behind");
        w.name(b"abc").unwrap();
        assert_eq!(w.len(), 17);
    }

    #[test]
    fn rdata_names_resolve_pointers_and_stay_inside() {
        let mut w = Writer::new(512);
        w.header(&Header { ancount: 1, ..Default::default() }).unwrap();
        w.name(b"host.example").unwrap();
        w.u16(TYPE_CNAME).unwrap();
        w.u16(CLASS_INET).unwrap();
        w.u32(300).unwrap();
        let len_at = w.len();
        w.u16(0).unwrap();
        let start = w.len();
        w.name(b"alias.example").unwrap();
        let n = (w.len() - start) as u16;
        w.patch_u16(len_at, n);
        let p = w.into_bytes();
        let m = Message::parse(&p).unwrap();
        assert_eq!(m.answers[0].ttl, 300);
        assert_eq!(m.answers[0].rdata_name(&p).unwrap(), b"alias.example");
    }

    #[test]
    fn reverse_names() {
        assert_eq!(reverse_name_v4([127, 0, 0, 1]), "1.0.0.127.in-addr.arpa");
        let mut a = [0u8; 16];
        a[15] = 1;
        a[0] = 0x20;
        a[1] = 0x01;
        let r = reverse_name_v6(a);
        assert!(r.starts_with("1.0.0.0."));
        assert!(r.ends_with(".1.0.0.2.ip6.arpa"));
    }
}
