//! Reading a reply to one of our queries, with 2.1.12's rules for what counts.
//!
//! Every question in the reply is read and one must carry our name (exactly, or ignoring
//! case when the case was randomized); the answer section is read record by record: A/AAAA
//! records of the asked type (class IN) add their addresses (several per record if the
//! data holds several; at most [`MAX_ADDRS`] in all) and lower the TTL, the first PTR ends
//! the reading, the first CNAME is kept when the caller wants the canonical name, the rest
//! are skipped. Owner names are not compared with the question (a CNAME chain's A records
//! count). Without an answer, SOA records in the authority section give the TTL of the
//! negative answer (RFC 2308: the smaller of the record's TTL and the SOA minimum). The
//! additional section is never read. Names must fit the buffers 2.1.12 reads them into:
//! 255 characters for owner names, 63 for PTR and CNAME targets.
//!
//! Skipping a record's data does not check that the data is there; running off the end
//! only fails at the next read, as in 2.1.12 (so a short last record that is skipped passes).
//! Unlike 2.1.12, compression pointers must point backwards and the reserved label types
//! are refused (see [`wire`]): such names fail to read.

use crate::dns::wire::{self, Header, CLASS_INET, HEADER_LEN, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_PTR, TYPE_SOA};

/// Addresses kept from one reply.
pub const MAX_ADDRS: usize = 32;
/// Owner and question names: 255 characters.
pub const MAX_NAME_WIRE_READ: usize = 257;
/// PTR and CNAME targets: 63 characters.
pub const MAX_TARGET_CHARS: usize = 63;

/// The useful part of a reply.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReplyData {
    /// Addresses (4 or 16 bytes each) for A/AAAA lookups.
    pub addrs: Vec<u8>,
    /// The PTR target for reverse lookups.
    pub ptr: Option<Vec<u8>>,
    /// The first CNAME target, when asked for.
    pub cname: Option<Vec<u8>>,
    /// Lowest TTL of what was used; 0 when nothing gave one.
    pub ttl: u32,
    pub have_answer: bool,
}

/// The packet is malformed or does not answer our question.
#[derive(Debug, PartialEq, Eq)]
pub struct Unusable;

/// A cursor that, like 2.1.12's, may be moved past the end by skipping; reads fail there.
struct Cursor<'a> {
    p: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], Unusable> {
        let end = self.pos.checked_add(n).ok_or(Unusable)?;
        let b = self.p.get(self.pos..end).ok_or(Unusable)?;
        self.pos = end;
        Ok(b)
    }
    fn u16(&mut self) -> Result<u16, Unusable> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, Unusable> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
    }
    fn name(&mut self, max_chars: usize) -> Result<Vec<u8>, Unusable> {
        if self.pos > self.p.len() {
            return Err(Unusable);
        }
        let mut r = wire::Reader::at(self.p, self.pos);
        let n = r.name_within(MAX_NAME_WIRE_READ).map_err(|_| Unusable)?;
        if n.len() > max_chars {
            return Err(Unusable);
        }
        self.pos = r.pos();
        Ok(n)
    }
}

/// What one lookup asked.
pub struct Asked<'a> {
    pub name: &'a [u8],
    pub qtype: u16,
    pub ignore_case: bool,
    pub want_cname: bool,
}

/// Read `packet` (whose header is `h`) as the answer to `asked`.
pub fn parse(packet: &[u8], h: &Header, asked: &Asked<'_>) -> Result<ReplyData, Unusable> {
    let mut c = Cursor { p: packet, pos: HEADER_LEN };
    let mut matched = false;
    for _ in 0..h.qdcount {
        let name = c.name(255)?;
        c.bytes(4)?;
        let same = if asked.ignore_case { name.eq_ignore_ascii_case(asked.name) } else { name == asked.name };
        matched |= same;
    }
    if !matched {
        return Err(Unusable);
    }

    let mut out = ReplyData::default();
    let mut ttl = u32::MAX;
    let width = match asked.qtype {
        TYPE_A => 4,
        TYPE_AAAA => 16,
        _ => 0,
    };
    for _ in 0..h.ancount {
        c.name(255)?;
        let rtype = c.u16()?;
        let class = c.u16()?;
        let rttl = c.u32()?;
        let len = c.u16()? as usize;
        match rtype {
            TYPE_A | TYPE_AAAA if class == CLASS_INET => {
                if rtype != asked.qtype {
                    c.skip(len);
                    continue;
                }
                if !len.is_multiple_of(width) {
                    return Err(Unusable);
                }
                let have = out.addrs.len() / width;
                let take = (MAX_ADDRS - have).min(len / width);
                ttl = ttl.min(rttl);
                let data = c.bytes(take * width)?;
                out.addrs.extend_from_slice(data);
                out.have_answer = true;
                if have + take == MAX_ADDRS {
                    break;
                }
            }
            TYPE_PTR if class == CLASS_INET => {
                if asked.qtype != TYPE_PTR {
                    c.skip(len);
                    continue;
                }
                out.ptr = Some(c.name(MAX_TARGET_CHARS)?);
                ttl = ttl.min(rttl);
                out.have_answer = true;
                break;
            }
            TYPE_CNAME => {
                if !asked.want_cname || out.cname.is_some() {
                    c.skip(len);
                    continue;
                }
                // The cursor stays after the name, wherever the record's data ends.
                out.cname = Some(c.name(MAX_TARGET_CHARS)?);
            }
            _ => c.skip(len),
        }
    }

    if !out.have_answer {
        for _ in 0..h.nscount {
            c.name(255)?;
            let rtype = c.u16()?;
            let class = c.u16()?;
            let rttl = c.u32()?;
            let len = c.u16()? as usize;
            if rtype == TYPE_SOA && class == CLASS_INET {
                c.name(255)?;
                c.name(255)?;
                c.bytes(16)?; // serial, refresh, retry, expire
                let minimum = c.u32()?;
                ttl = ttl.min(rttl).min(minimum);
            } else {
                c.skip(len);
            }
        }
    }
    out.ttl = if ttl == u32::MAX { 0 } else { ttl };
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::wire::{Reader, Writer, FLAG_QR};

    fn reply(q: &[u8], an: u16, ns: u16, body: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut w = Writer::new(4096);
        w.header(&Header { id: 1, flags: FLAG_QR, qdcount: 1, ancount: an, nscount: ns, arcount: 0 }).unwrap();
        w.name(q).unwrap();
        w.u16(TYPE_A).unwrap();
        w.u16(CLASS_INET).unwrap();
        body(&mut w);
        w.into_bytes()
    }
    fn rr(w: &mut Writer, name: &[u8], t: u16, ttl: u32, data: &[u8]) {
        w.name(name).unwrap();
        w.u16(t).unwrap();
        w.u16(CLASS_INET).unwrap();
        w.u32(ttl).unwrap();
        w.u16(data.len() as u16).unwrap();
        w.bytes(data).unwrap();
    }
    fn run(p: &[u8], qtype: u16, want_cname: bool) -> Result<ReplyData, Unusable> {
        let h = Reader::new(p).header().unwrap();
        parse(p, &h, &Asked { name: b"host.example", qtype, ignore_case: true, want_cname })
    }

    #[test]
    fn addresses_ttls_and_caps() {
        let p = reply(b"HOST.example", 3, 0, |w| {
            rr(w, b"host.example", TYPE_A, 300, &[1, 1, 1, 1]);
            rr(w, b"host.example", TYPE_A, 100, &[2, 2, 2, 2, 3, 3, 3, 3]);
            rr(w, b"host.example", TYPE_AAAA, 5, &[0; 16]);
        });
        let r = run(&p, TYPE_A, false).unwrap();
        assert_eq!(r.addrs, [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
        assert_eq!(r.ttl, 100);
        let r = run(&p, TYPE_AAAA, false).unwrap();
        assert_eq!(r.addrs.len(), 16);
        assert_eq!(r.ttl, 5);
        let many = reply(b"host.example", 40, 0, |w| {
            for i in 0..40u8 {
                rr(w, b"host.example", TYPE_A, 60, &[10, 0, 0, i]);
            }
        });
        assert_eq!(run(&many, TYPE_A, false).unwrap().addrs.len(), 4 * MAX_ADDRS);
        let odd = reply(b"host.example", 1, 0, |w| rr(w, b"host.example", TYPE_A, 60, &[1, 2, 3, 4, 5]));
        assert_eq!(run(&odd, TYPE_A, false), Err(Unusable));
    }

    #[test]
    fn question_must_match() {
        let p = reply(b"other.example", 1, 0, |w| rr(w, b"host.example", TYPE_A, 1, &[1, 1, 1, 1]));
        assert_eq!(run(&p, TYPE_A, false), Err(Unusable));
        let h = Reader::new(&p).header().unwrap();
        let exact = Asked { name: b"HOST.example", qtype: TYPE_A, ignore_case: false, want_cname: false };
        let p2 = reply(b"host.example", 0, 0, |_| {});
        assert_eq!(parse(&p2, &h, &exact), Err(Unusable));
    }

    #[test]
    fn cname_ptr_and_negative_ttl() {
        let p = reply(b"host.example", 2, 0, |w| {
            let mut t = Writer::new(512);
            t.name(b"canon.example").unwrap();
            rr(w, b"host.example", TYPE_CNAME, 10, &t.into_bytes());
            rr(w, b"canon.example", TYPE_A, 20, &[9, 9, 9, 9]);
        });
        let r = run(&p, TYPE_A, true).unwrap();
        assert_eq!(r.cname.as_deref(), Some(&b"canon.example"[..]));
        assert_eq!(r.ttl, 20);
        assert_eq!(run(&p, TYPE_A, false).unwrap().cname, None);
        let long = reply(b"host.example", 1, 0, |w| {
            let mut t = Writer::new(512);
            t.name(&[b'c'; 63]).unwrap();
            t.name(b"x").unwrap();
            let mut data = t.into_bytes();
            data.truncate(64);
            data.extend_from_slice(b"\x01x\x00");
            rr(w, b"host.example", TYPE_CNAME, 10, &data);
        });
        assert_eq!(run(&long, TYPE_A, true), Err(Unusable));
        assert!(run(&long, TYPE_A, false).is_ok());
        let soa = reply(b"host.example", 0, 1, |w| {
            let mut t = Writer::new(512);
            t.name(b"ns.example").unwrap();
            t.name(b"admin.example").unwrap();
            for v in [1u32, 2, 3, 4, 600] {
                t.u32(v).unwrap();
            }
            rr(w, b"example", TYPE_SOA, 40, &t.into_bytes());
        });
        let r = run(&soa, TYPE_A, false).unwrap();
        assert!(!r.have_answer);
        assert_eq!(r.ttl, 40);
        let empty = reply(b"host.example", 0, 0, |_| {});
        assert_eq!(run(&empty, TYPE_A, false).unwrap(), ReplyData::default());
    }

    #[test]
    fn hostile_shapes() {
        // more answers announced than present
        let p = reply(b"host.example", 5, 0, |w| rr(w, b"host.example", TYPE_A, 1, &[1, 1, 1, 1]));
        assert_eq!(run(&p, TYPE_A, false), Err(Unusable));
        // a skipped last record whose data is missing passes
        let mut p = reply(b"host.example", 1, 0, |w| rr(w, b"host.example", TYPE_AAAA, 1, &[0; 16]));
        p.truncate(p.len() - 8);
        assert_eq!(run(&p, TYPE_A, false).unwrap(), ReplyData::default());
        // a pointer loop in an owner name
        let mut p = reply(b"host.example", 1, 0, |_| {});
        let at = p.len();
        p.extend_from_slice(&[0xc0 | (at >> 8) as u8, at as u8, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
        assert_eq!(run(&p, TYPE_A, false), Err(Unusable));
        // no question at all
        let mut p = reply(b"host.example", 0, 0, |_| {});
        p[5] = 0;
        p.truncate(12);
        assert_eq!(run(&p, TYPE_A, false), Err(Unusable));
    }
}
