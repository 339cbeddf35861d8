//! One query being served: `struct evdns_server_request` as C programs read it
//! (event2/dns_struct.h), at the head of our private request.
//!
//! The program gets a pointer to the public head and reads `flags`, `nquestions` and
//! `questions[i]->{type, class, name}`; some programs write to them too (libevent's own tests
//! lower-case a question's name in place), and the reply echoes the questions from this
//! memory, so it is the real state. The private part after the head holds where the query
//! came from and the records added so far. The request, the question array and each
//! question (its name allocated past the end of the struct, NUL-terminated) come from the
//! program's allocator, as libevent's do.
//!
//! # Pointer contract (for every `unsafe fn` here)
//! A `*mut Request` came from [`Request::alloc`], has not been freed, and the caller holds
//! its port's lock.

use super::query::Query;
use super::reply::{build_reply_for, EchoedQuestion, Record, ReplyParts, Section};
use super::ServerPort;
use crate::core::mem;
use libc::{c_char, c_int, c_void, sockaddr_storage, socklen_t};
use std::ffi::CStr;
use std::mem::{offset_of, size_of};
use std::ptr;

/// `struct evdns_server_request`.
#[repr(C)]
pub struct EvdnsServerRequest {
    pub flags: c_int,
    pub nquestions: c_int,
    pub questions: *mut *mut EvdnsServerQuestion,
}

/// `struct evdns_server_question`; `name` is really as long as the name plus its NUL.
#[repr(C)]
pub struct EvdnsServerQuestion {
    pub type_: c_int,
    pub dns_question_class: c_int,
    pub name: [c_char; 1],
}

/// The flags `evdns_server_request_set_flags` replaces: EVDNS_FLAGS_AA and EVDNS_FLAGS_RD
/// (which, despite its name, is the RA bit's position in the header).
pub const SETTABLE_FLAGS: c_int = 0x0400 | 0x0080;

/// The private request; `public` must stay first so the program's pointer is ours.
#[repr(C)]
pub struct Request {
    pub public: EvdnsServerRequest,
    pub port: *mut ServerPort,
    pub id: u16,
    pub peer: sockaddr_storage,
    pub peer_len: socklen_t,
    /// The question array as allocated (the program may repoint `public.questions`).
    questions: *mut *mut EvdnsServerQuestion,
    question_count: usize,
    sections: [Vec<Record>; 3],
    /// The reply, once built; kept while it waits in the port's queue.
    pub response: Option<Vec<u8>>,
    /// In the port's queue of replies waiting for the socket to be writable.
    pub queued: bool,
    /// The TCP connection the query came on (extension); null for a datagram.
    pub conn: *mut super::tcp::TcpClient,
}

/// Free a question array of `n` entries (entries may be NULL) from the program's allocator.
///
/// # Safety
/// `qs` is NULL or an array of `n` pointers from `mem::malloc`, each NULL or from `mem::malloc`.
unsafe fn free_questions(qs: *mut *mut EvdnsServerQuestion, n: usize) {
    if qs.is_null() {
        return;
    }
    for i in 0..n {
        // SAFETY: i < n, inside the array (function contract).
        mem::free(unsafe { *qs.add(i) } as *mut c_void);
    }
    mem::free(qs as *mut c_void);
}

impl Request {
    /// A request for `query` from `peer`, in the program's memory; None when out of memory.
    pub fn alloc(port: *mut ServerPort, query: &Query, peer: &sockaddr_storage, peer_len: socklen_t) -> Option<*mut Request> {
        let n = query.questions.len();
        let qs = mem::calloc(n, size_of::<*mut EvdnsServerQuestion>()) as *mut *mut EvdnsServerQuestion;
        if qs.is_null() {
            return None;
        }
        for (i, q) in query.questions.iter().enumerate() {
            let at = offset_of!(EvdnsServerQuestion, name);
            let p = mem::malloc(at + q.name.len() + 1) as *mut u8;
            if p.is_null() {
                // SAFETY: qs holds n entries, the ones not yet filled still NULL (calloc).
                unsafe { free_questions(qs, n) };
                return None;
            }
            // SAFETY: p has room for the struct's two ints and the name plus its NUL; malloc
            // aligns for int; qs has n entries and i < n.
            unsafe {
                let question = p as *mut EvdnsServerQuestion;
                (*question).type_ = c_int::from(q.qtype);
                (*question).dns_question_class = c_int::from(q.qclass);
                ptr::copy_nonoverlapping(q.name.as_ptr(), p.add(at), q.name.len());
                *p.add(at + q.name.len()) = 0;
                *qs.add(i) = question;
            }
        }
        let req = mem::new_object(Request {
            public: EvdnsServerRequest { flags: c_int::from(query.flags), nquestions: n as c_int, questions: qs },
            port,
            id: query.id,
            peer: *peer,
            peer_len,
            questions: qs,
            question_count: n,
            sections: [Vec::new(), Vec::new(), Vec::new()],
            response: None,
            queued: false,
            conn: ptr::null_mut(),
        });
        if req.is_none() {
            // SAFETY: qs and every entry were allocated above.
            unsafe { free_questions(qs, n) };
        }
        req
    }

    /// Release the request and its questions (the port's reference is the caller's business).
    ///
    /// # Safety
    /// Module contract; `req` is not used afterwards.
    pub unsafe fn free(req: *mut Request) {
        // SAFETY: module contract: a live request whose arrays we allocated.
        unsafe {
            free_questions((*req).questions, (*req).question_count);
            mem::free_object(req);
        }
    }

    /// `evdns_server_request_add_reply`: false (refused) once the reply is built.
    pub fn add_record(&mut self, section: Section, record: Record) -> bool {
        if self.response.is_some() {
            return false;
        }
        self.sections[section as usize].push(record);
        true
    }

    /// `evdns_server_request_set_flags`: AA and "RD" are replaced, any other bit is added.
    pub fn set_flags(&mut self, flags: c_int) {
        self.public.flags = (self.public.flags & !SETTABLE_FLAGS) | flags;
    }

    /// `evdns_server_request_get_requesting_addr`: the address length, or -1 when `out` is
    /// too small for it.
    pub fn requesting_addr(&self, out: &mut [u8]) -> c_int {
        let len = self.peer_len as usize;
        if out.len() < len {
            return -1;
        }
        // SAFETY: peer is a plain sockaddr_storage and peer_len never exceeds its size.
        let peer = unsafe { std::slice::from_raw_parts(&self.peer as *const sockaddr_storage as *const u8, len) };
        out[..len].copy_from_slice(peer);
        len as c_int
    }

    /// Build the reply (once; a reply already built is kept as it is). False for an rcode
    /// outside 0..=15, which libevent refuses, leaving the request to the program.
    ///
    /// # Safety
    /// Module contract; the question structs the program sees are still ours (it may have
    /// rewritten their contents, not freed them).
    pub unsafe fn build_response(&mut self, rcode: c_int) -> Result<(), c_int> {
        if self.response.is_some() {
            return Ok(());
        }
        let Ok(rcode) = u8::try_from(rcode) else { return Err(-1) };
        if rcode > 15 {
            return Err(-1);
        }
        // SAFETY: forwarded contract.
        let questions = unsafe { self.echoed_questions() };
        let [answer, authority, additional] = &self.sections;
        let parts = ReplyParts {
            id: self.id,
            flags: self.public.flags as u16,
            rcode,
            questions: &questions,
            sections: [answer, authority, additional],
        };
        self.response = Some(build_reply_for(&parts, !self.conn.is_null()).map_err(|e| e.0)?);
        Ok(())
    }

    /// The questions as the program's structs now hold them.
    ///
    /// # Safety
    /// See [`Request::build_response`].
    unsafe fn echoed_questions(&self) -> Vec<EchoedQuestion<'_>> {
        let qs = self.public.questions;
        if qs.is_null() {
            return Vec::new();
        }
        let n = (self.public.nquestions.max(0) as usize).min(self.question_count);
        (0..n)
            .filter_map(|i| {
                // SAFETY: i is inside both the program's count and ours; each entry is a
                // question struct with a NUL-terminated name (contract).
                unsafe {
                    let q = *qs.add(i);
                    let q = q.as_ref()?;
                    let name = CStr::from_ptr(q.name.as_ptr()).to_bytes();
                    Some(EchoedQuestion { name, qtype: q.type_ as u16, qclass: q.dns_question_class as u16 })
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::server::reply::RData;
    use crate::dns::wire::Question;

    fn query() -> Query {
        Query {
            id: 0x1234,
            flags: 0x0100,
            questions: vec![
                Question { name: b"www.example.com".to_vec(), qtype: 1, qclass: 1 },
                Question { name: b"x".to_vec(), qtype: 28, qclass: 3 },
            ],
        }
    }

    fn peer() -> (sockaddr_storage, socklen_t) {
        // SAFETY: all-zero is a valid sockaddr_storage.
        let mut ss: sockaddr_storage = unsafe { std::mem::zeroed() };
        ss.ss_family = libc::AF_INET as libc::sa_family_t;
        (ss, size_of::<libc::sockaddr_in>() as socklen_t)
    }

    #[test]
    fn the_public_head_is_what_c_reads() {
        assert_eq!(size_of::<EvdnsServerRequest>(), 16);
        assert_eq!(offset_of!(EvdnsServerQuestion, name), 8);
        assert_eq!(offset_of!(Request, public), 0);
        let (ss, len) = peer();
        let req = Request::alloc(ptr::null_mut(), &query(), &ss, len).unwrap();
        // SAFETY: a fresh request; the questions were filled by alloc.
        unsafe {
            let r = &mut *req;
            assert_eq!(r.public.flags, 0x100);
            assert_eq!(r.public.nquestions, 2);
            let q1 = &**r.public.questions.add(1);
            assert_eq!((q1.type_, q1.dns_question_class), (28, 3));
            assert_eq!(CStr::from_ptr((**r.public.questions).name.as_ptr()).to_bytes(), b"www.example.com");
            Request::free(req);
        }
    }

    #[test]
    fn flags_records_and_the_reply() {
        let (ss, len) = peer();
        let req = Request::alloc(ptr::null_mut(), &query(), &ss, len).unwrap();
        // SAFETY: a fresh request used by this thread only.
        unsafe {
            let r = &mut *req;
            r.set_flags(0x400);
            assert_eq!(r.public.flags, 0x500);
            r.set_flags(0x80);
            assert_eq!(r.public.flags, 0x180, "AA is replaced, not kept");
            let rec = Record { name: b"x".to_vec(), rtype: 1, class: 1, ttl: 1, data: RData::Empty };
            assert!(r.add_record(Section::Answer, rec.clone()));
            assert!(r.build_response(16).is_err());
            assert!(r.build_response(-1).is_err());
            assert!(r.response.is_none(), "a refused rcode builds nothing");
            // the program rewrites the first question's name in place: the echo follows
            *(**r.public.questions).name.as_mut_ptr() = b'W' as c_char;
            assert!(r.build_response(3).is_ok());
            let out = r.response.as_ref().unwrap();
            assert_eq!(&out[2..4], &[0x81, 0x83]);
            assert_eq!(&out[12..16], b"\x03Www");
            assert!(!r.add_record(Section::Answer, rec), "no records after the reply is built");
            Request::free(req);
        }
    }

    #[test]
    fn requesting_addr_needs_room() {
        let (ss, len) = peer();
        let req = Request::alloc(ptr::null_mut(), &query(), &ss, len).unwrap();
        // SAFETY: a fresh request used by this thread only.
        unsafe {
            let mut buf = [0xaau8; 128];
            assert_eq!((*req).requesting_addr(&mut buf[..15]), -1);
            assert_eq!(buf[0], 0xaa);
            assert_eq!((*req).requesting_addr(&mut buf[..16]), 16);
            assert_eq!(buf[0..2], (libc::AF_INET as u16).to_ne_bytes());
            Request::free(req);
        }
    }
}
