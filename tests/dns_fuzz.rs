//! The bodies of the DNS fuzz targets (fuzz/fuzz_targets/dns_wire.rs and dns_server_query.rs
//! include this file), and their seed corpora (fuzz/corpus/<target>/) replayed on every
//! `cargo test`, so an input that once failed stays fixed once it is added there.
//!
//! - [`wire_message`]: `wire::Message::parse` on arbitrary bytes; for every message that
//!   parses, each record's data is read as a name (what the resolver does for CNAME/PTR/NS)
//!   and every name is written again with `wire::Writer` and must read back the same.
//! - [`server_query`]: what a server port does with a datagram: `parse_query`, the request as
//!   C sees it (in the program's memory), a reply echoing the questions with a record per
//!   question, and that reply read back with `Message::parse`.

#![allow(dead_code)] // each fuzz target uses one of the two functions

use levent::dns::server::query::{parse_query, KEPT_FLAGS};
use levent::dns::server::reply::{RData, Record, Section};
use levent::dns::server::request::Request;
use levent::dns::wire::{self, Message, Reader, Writer, FLAG_TC, MAX_UDP_SIZE};
use std::ffi::CStr;

/// The dotted text a name reads back as after `Writer::name` (which drops one trailing dot).
fn as_written(name: &[u8]) -> Vec<u8> {
    wire::labels(name).map(|l| l.join(&b"."[..])).unwrap_or_default()
}

/// dns_wire.
pub fn wire_message(data: &[u8]) {
    let Ok(m) = Message::parse(data) else { return };
    let mut names: Vec<Vec<u8>> = m.questions.iter().map(|q| q.name.clone()).collect();
    for r in m.answers.iter().chain(&m.authority).chain(&m.additional) {
        assert_eq!(&data[r.rdata_at..r.rdata_at + r.rdata.len()], r.rdata);
        names.push(r.name.clone());
        if let Ok(n) = r.rdata_name(data) {
            assert!(n.len() <= wire::MAX_NAME_WIRE);
            names.push(n);
        }
    }
    let mut w = Writer::new(1 << 16);
    let mut written = Vec::new();
    for n in &names {
        if w.name(n).is_ok() {
            written.push(as_written(n));
        }
    }
    let bytes = w.into_bytes();
    let mut r = Reader::new(&bytes);
    for n in written {
        let back = r.name().expect("a name the writer wrote reads back");
        // Compression shares an earlier spelling of the same name in another case.
        assert!(back.eq_ignore_ascii_case(&n), "{:?} read back as {:?}", n, back);
    }
    assert_eq!(r.remaining(), 0);
}

/// A name the reply writes and reads back unchanged: no NUL (C cuts the name there) and no
/// empty label (libevent writes those as a zero byte, ending the name early).
fn plain(name: &[u8]) -> bool {
    !name.contains(&0) && wire::labels(name).is_ok_and(|l| l.join(&b"."[..]) == name)
}

/// dns_server_query.
pub fn server_query(data: &[u8]) {
    let Ok(query) = parse_query(data) else { return };
    assert!(!query.questions.is_empty());
    assert_eq!(query.flags & !KEPT_FLAGS, 0);
    // SAFETY: all-zero is a valid sockaddr_storage.
    let peer: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let req = Request::alloc(std::ptr::null_mut(), &query, &peer, 16).expect("memory");
    // SAFETY: a fresh request, used by this thread only, freed once at the end; its port is
    // never touched by these calls.
    unsafe {
        let r = &mut *req;
        assert_eq!(r.public.nquestions as usize, query.questions.len());
        for (i, q) in query.questions.iter().enumerate() {
            let c = &**r.public.questions.add(i);
            let seen = CStr::from_ptr(c.name.as_ptr()).to_bytes();
            assert_eq!(seen, q.name.split(|&b| b == 0).next().unwrap());
            assert_eq!((c.type_, c.dns_question_class), (q.qtype.into(), q.qclass.into()));
            let name = seen.to_vec();
            let data = if i % 2 == 0 { RData::Name(name.clone()) } else { RData::Bytes(vec![1, 2, 3, 4]) };
            assert!(r.add_record(Section::Answer, Record { name, rtype: q.qtype, class: q.qclass, ttl: 60, data }));
        }
        r.set_flags(0x0400);
        if let Err(code) = r.build_response(c_int_from(query.id)) {
            // Questions that expand past the 1500-byte buffer (compressed in the query, not
            // in the reply once the compression table is full): no reply, as libevent.
            assert_eq!(code, -2);
            Request::free(req);
            return;
        }
        let reply = r.response.clone().unwrap();
        Request::free(req);

        assert!(reply.len() <= MAX_UDP_SIZE);
        assert_eq!(reply[..2], query.id.to_be_bytes());
        let flags = u16::from_be_bytes([reply[2], reply[3]]);
        assert_eq!(flags & !FLAG_TC, 0x8000 | 0x0400 | query.flags | (query.id % 16));
        let names_plain = query.questions.iter().all(|q| plain(&q.name));
        if flags & FLAG_TC == 0 && names_plain {
            let m = Message::parse(&reply).expect("our reply parses");
            assert_eq!(m.questions, query.questions);
            assert_eq!(m.answers.len(), query.questions.len());
            for (i, a) in m.answers.iter().enumerate() {
                assert_eq!(a.name, query.questions[i].name);
                if i % 2 == 0 {
                    assert_eq!(a.rdata_name(&reply).unwrap(), query.questions[i].name);
                }
            }
        }
    }
}

/// An rcode from the query's id (0..=15), so the fuzzer reaches every one.
fn c_int_from(id: u16) -> libc::c_int {
    libc::c_int::from(id % 16)
}

fn replay(target: &str, f: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {}", dir.display(), e)) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| f(&data));
        assert!(r.is_ok(), "{} fails on {}", target, path.display());
        n += 1;
    }
    assert!(n > 0, "no seeds in {}", dir.display());
}

#[test]
fn dns_wire_corpus() {
    replay("dns_wire", wire_message);
}

#[test]
fn dns_server_query_corpus() {
    replay("dns_server_query", server_query);
}
