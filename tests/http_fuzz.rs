//! The bodies of the HTTP fuzz targets (fuzz/fuzz_targets/http_*.rs include this file), and
//! their seed corpora (fuzz/corpus/<target>/) replayed on every `cargo test`, so an input
//! that once failed stays fixed once it is added there.
//!
//! - [`http_request`]: bytes arriving at an evhttp server, in pieces, through a bufferevent
//!   pair (the server's connection is made by `server::serve_accepted` with the pair's end as
//!   its bufferevent). Every request the program's callback sees is checked (parsed URI and
//!   headers consistent, body as long as the headers said) and answered in one of four ways.
//! - [`http_response`]: an evhttp client connection on a pair end with up to three queued
//!   requests, the bytes the fuzzer chose arriving as the server's answer, in pieces; every
//!   request gets its callback at most once, and a response's body is as long as its framing.
//! - [`http_uri`]: `Uri::parse` with each flag set, then join and parse again (same parts),
//!   the setters taking back every part the parser produced; percent-coding round trips,
//!   query strings, HTML escaping, header lists.
//!
//! The first two inputs start with two control bytes (options, then a seed for the piece
//! sizes: 0 feeds everything at once); the rest is the byte stream. Callbacks run inside the
//! library, so they record a broken expectation instead of panicking there; the target
//! panics once control is back.

#![allow(dead_code)] // each fuzz target uses one of the functions

use levent::buffer::{api as buf, handle as bufh};
use levent::bufferevent::core::{self as bev, Bev, Bufferevent, BEV_FINISHED};
use levent::bufferevent::pair;
use levent::core::api as ev;
use levent::core::base::EventBase;
use levent::core::config::EventConfig;
use levent::core::dispatch::{run_loop, EVLOOP_NONBLOCK};
use levent::core::event::{EV_READ, EV_WRITE};
use levent::http::connection::{self as conn, State};
use levent::http::headers::{self, KeyValQ};
use levent::http::request::{self as rq, RequestC};
use levent::http::uri::{self, Uri, URI_NONCONFORMANT};
use levent::http::{client, message, server};
use libc::{c_char, c_int, c_void};
use std::cell::RefCell;
use std::ffi::CStr;
use std::ptr;

thread_local! {
    /// Expectations broken inside callbacks, reported when control is back in the target.
    static BROKEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn broken(what: String) {
    BROKEN.with(|b| b.borrow_mut().push(what));
}

macro_rules! expect {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            broken(format!($($fmt)+));
        }
    };
}

fn take_broken() {
    let v = BROKEN.with(|b| std::mem::take(&mut *b.borrow_mut()));
    assert!(v.is_empty(), "{}", v.join("\n"));
}

unsafe extern "C" fn quiet_log(_severity: c_int, _msg: *const c_char) {}

/// A fresh base, freed on drop.
struct Base(*mut EventBase);

impl Base {
    fn new() -> Base {
        levent::core::log::set_log_cb(Some(quiet_log));
        Base(EventBase::new(&EventConfig::default()).expect("a base"))
    }

    /// Run the loop without blocking until nothing is active (bounded).
    fn settle(&self) {
        for _ in 0..1000 {
            // SAFETY: a live base, used by this thread only.
            unsafe {
                run_loop(self.0, EVLOOP_NONBLOCK);
                if ev::num_events(self.0, ev::EVENT_BASE_COUNT_ACTIVE) == 0 {
                    return;
                }
            }
        }
        broken("the loop never went quiet".into());
    }
}

impl Drop for Base {
    fn drop(&mut self) {
        // SAFETY: everything made on the base was freed before.
        unsafe { ev::free_base(self.0, true) };
    }
}

/// Piece sizes from a seed: xorshift, 1..=64 bytes (0: one piece).
struct Pieces(u32);

impl Pieces {
    fn next(&mut self, left: usize) -> usize {
        if self.0 == 0 {
            return left;
        }
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        (1 + (self.0 % 64) as usize).min(left)
    }
}

/// Everything buffered in a bufferevent's input, removed.
///
/// # Safety
/// `b` is live.
unsafe fn drain_input(b: *mut Bev, into: &mut Vec<u8>) {
    // SAFETY: b is live (contract).
    unsafe {
        let input = bev::input(b);
        let n = buf::length(input);
        let mut v = vec![0u8; n];
        let got = buf::remove(input, &mut v);
        v.truncate(got.max(0) as usize);
        into.extend_from_slice(&v);
    }
}

/// A header list as the library left it: walked, each name found again, nothing that
/// would end a line inside a name or value, header names without ':' (query keys may).
///
/// # Safety
/// `q` is a live list.
unsafe fn check_headers(q: *const KeyValQ, what: &str) {
    // SAFETY: q is live (contract) and not changed while walked.
    unsafe {
        let all: Vec<(Vec<u8>, Vec<u8>)> = headers::iter(q).map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
        expect!(headers::count(q) == all.len(), "{what}: count {} for {} headers", headers::count(q), all.len());
        for (k, v) in &all {
            expect!(!k.contains(&b'\n') && !v.contains(&b'\n'), "{what}: LF in {k:?}: {v:?}");
            expect!(what == "query" || !k.contains(&b':'), "{what}: ':' in the name {k:?}");
            let first = all.iter().find(|(k2, _)| k2.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_slice());
            expect!(headers::find(q, k) == first, "{what}: lookup of {k:?} is not the first such header");
        }
    }
}

/// Content-Length as the reader takes it (digits only here; anything else is not checked).
fn plain_length(v: &[u8]) -> Option<usize> {
    if v.is_empty() || v.len() > 15 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

// ---------------------------------------------------------------------------------------
// http_request
// ---------------------------------------------------------------------------------------

struct ServerRun {
    /// 0 reply 200 with a body; 1 a chunked reply; 2 an error page; 3 200 with "Connection: close".
    reply_mode: u8,
    pair_end: *mut Bev,
    requests: usize,
}

unsafe extern "C" fn server_bev(_base: *mut EventBase, arg: *mut c_void) -> *mut Bufferevent {
    // SAFETY: arg is the run's state, alive for the whole run; the end is handed over once.
    unsafe {
        let run = &mut *(arg as *mut ServerRun);
        let b = std::mem::replace(&mut run.pair_end, ptr::null_mut());
        bev::downcast(b)
    }
}

unsafe extern "C" fn server_cb(req: *mut RequestC, arg: *mut c_void) {
    // SAFETY: a live request handed to the program's callback; arg is the run's state.
    unsafe {
        let run = &mut *(arg as *mut ServerRun);
        run.requests += 1;
        let r = &*req;
        expect!(r.kind == rq::KIND_REQUEST, "request kind {}", r.kind);
        expect!(r.type_ != 0 && r.type_ & (r.type_ - 1) == 0, "method {:#x}", r.type_);
        expect!(r.major <= 1, "version {}.{}", r.major, r.minor);
        expect!(!r.uri.is_null() && !r.uri_elems.is_null(), "a request without its URI");
        // A CONNECT target is authority-form (host:port), parsed as such, not as a URI.
        if !r.uri.is_null() && !r.uri_elems.is_null() && r.type_ != rq::REQ_CONNECT {
            let text = CStr::from_ptr(r.uri).to_bytes();
            let again = Uri::parse(text, URI_NONCONFORMANT);
            expect!(again.as_ref() == Some(&*r.uri_elems), "{text:?} parses differently again");
            let parsed = &*r.uri_elems;
            let _ = uri::decode(parsed.path().unwrap_or(b"/"), false);
            let _ = uri::html_escape(text);
            let q = rq::headers_new();
            if headers::fill_from_uri_query(q, Some(text)) {
                check_headers(q, "query");
            }
            rq::headers_free(q);
        }
        check_headers(r.input_headers, "request headers");
        let host = rq::host(req);
        if !host.is_null() {
            let _ = CStr::from_ptr(host).to_bytes().len();
        }
        let body = buf::length(r.input_buffer);
        expect!(body == r.body_size, "body of {} bytes, body_size {}", body, r.body_size);
        if !r.chunked() {
            if let Some(n) = rq::header(r.input_headers, "Content-Length").and_then(plain_length) {
                if rq::method_may_have_body(r.type_) {
                    expect!(body == n, "Content-Length {n} but {body} bytes of body");
                }
            }
        }
        match run.reply_mode {
            0 => {
                let b = bufh::new();
                buf::add(b, b"hello");
                message::send_reply(req, 200, ptr::null(), b);
                bufh::free(b);
            }
            1 => {
                message::reply_start(req, 200, ptr::null());
                let b = bufh::new();
                buf::add(b, b"part");
                message::reply_chunk(req, b, None, ptr::null_mut());
                bufh::free(b);
                message::reply_end(req);
            }
            2 => message::send_error(req, 400, ptr::null()),
            _ => {
                rq::add_header(r.output_headers, "Connection", b"close");
                message::send_reply(req, 200, ptr::null(), ptr::null_mut());
            }
        }
    }
}

/// http_request: options byte (bit 0 small header limit, 1 small body limit, 2 lingering
/// close, 3 every method allowed, 4-5 reply mode, 6 an alias, 7 EOF at the end), piece seed,
/// then the stream the server reads.
pub fn http_request(data: &[u8]) {
    serve(data);
}

/// http_request's run: how many requests reached the program, and what the server answered.
fn serve(data: &[u8]) -> (usize, Vec<u8>) {
    let [opts, seed, stream @ ..] = data else { return (0, Vec::new()) };
    let base = Base::new();
    // SAFETY: everything below is made on this thread's base, used only here, and freed
    // before the base; the run state outlives every callback that gets it.
    unsafe {
        let Some([srv, cli]) = pair::new(base.0, 0) else { panic!("a pair") };
        let mut run = ServerRun { reply_mode: (opts >> 4) & 3, pair_end: srv, requests: 0 };
        let arg = &mut run as *mut ServerRun as *mut c_void;
        let http = server::new(base.0);
        {
            let h = &mut *http;
            if opts & 1 != 0 {
                h.max_headers_size = 256;
            }
            if opts & 2 != 0 {
                h.max_body_size = 64;
            }
            if opts & 4 != 0 {
                h.flags |= server::ServerFlags::LINGERING_CLOSE;
            }
            if opts & 8 != 0 {
                h.allowed_methods = 0xffff;
            }
            if opts & 64 != 0 {
                h.add_alias(c"alias.example");
            }
            h.gencb = Some(server_cb);
            h.gencb_arg = arg;
            h.bevcb = Some(server_bev);
            h.bevcb_arg = arg;
        }
        let mut sin: libc::sockaddr_in = std::mem::zeroed();
        sin.sin_family = libc::AF_INET as libc::sa_family_t;
        sin.sin_addr.s_addr = u32::from_be_bytes([127, 0, 0, 1]).to_be();
        sin.sin_port = 4242u16.to_be();
        let salen = std::mem::size_of::<libc::sockaddr_in>() as c_int;
        server::serve_accepted(http, -1, &sin as *const _ as *const libc::sockaddr, salen);
        bev::enable(cli, EV_READ | EV_WRITE);
        let mut pieces = Pieces(u32::from(*seed));
        let mut answer = Vec::new();
        let mut at = 0;
        while at < stream.len() {
            let n = pieces.next(stream.len() - at);
            bev::write(cli, &stream[at..at + n]);
            at += n;
            base.settle();
            drain_input(cli, &mut answer);
        }
        if opts & 128 != 0 {
            bev::flush(cli, EV_WRITE, BEV_FINISHED);
            base.settle();
            drain_input(cli, &mut answer);
        }
        take_broken();
        assert!(answer.is_empty() || answer.starts_with(b"HTTP/"), "the server answered {:?}", String::from_utf8_lossy(&answer));
        server::free(http);
        bev::free(cli);
        if !run.pair_end.is_null() {
            bev::free(run.pair_end);
        }
        (run.requests, answer)
    }
}

// ---------------------------------------------------------------------------------------
// http_response
// ---------------------------------------------------------------------------------------

struct ClientRun {
    /// Callbacks per request (index by slot).
    calls: [u32; 3],
    errors: u32,
    chunk_cb: bool,
    headers_refused: bool,
}

struct Slot {
    run: *mut ClientRun,
    index: usize,
}

unsafe extern "C" fn response_cb(req: *mut RequestC, arg: *mut c_void) {
    // SAFETY: arg is a slot of the run, alive for the whole run; req is NULL or live.
    unsafe {
        let slot = &*(arg as *mut Slot);
        let run = &mut *slot.run;
        run.calls[slot.index] += 1;
        if req.is_null() {
            return;
        }
        let r = &*req;
        check_headers(r.input_headers, "response headers");
        if r.response_code == 0 || r.kind != rq::KIND_RESPONSE {
            return;
        }
        expect!(r.major <= 1, "version {}.{}", r.major, r.minor);
        let body = buf::length(r.input_buffer);
        if !run.chunk_cb {
            expect!(body == r.body_size, "body of {} bytes, body_size {}", body, r.body_size);
            let chunked = r.chunked();
            if let (false, Some(n)) = (chunked, rq::header(r.input_headers, "Content-Length").and_then(plain_length)) {
                if rq::response_needs_body(r) {
                    expect!(body == n, "Content-Length {n} but {body} bytes of body");
                }
            }
        }
    }
}

unsafe extern "C" fn chunk_cb(req: *mut RequestC, _arg: *mut c_void) {
    // SAFETY: a live request in the middle of its body.
    unsafe { expect!(buf::length((*req).input_buffer) > 0, "an empty chunk delivered") };
}

unsafe extern "C" fn header_cb(req: *mut RequestC, arg: *mut c_void) -> c_int {
    // SAFETY: a live request whose headers are read; arg is a slot of the run.
    unsafe {
        check_headers((*req).input_headers, "headers at the header callback");
        let run = &*(*(arg as *mut Slot)).run;
        if run.headers_refused {
            -1
        } else {
            0
        }
    }
}

unsafe extern "C" fn error_cb(_error: c_int, arg: *mut c_void) {
    // SAFETY: arg is a slot of the run.
    unsafe { (*(*(arg as *mut Slot)).run).errors += 1 };
}

/// http_response: options byte (bits 0-1 how many requests, 2 chunk callback, 3 header
/// callback, 4 the header callback refuses, 5-6 method GET/HEAD/POST/PUT, 7 EOF at the end),
/// piece seed, then the stream the client reads.
pub fn http_response(data: &[u8]) {
    ask(data);
}

/// http_response's run: the callbacks each request had, and what the client sent.
fn ask(data: &[u8]) -> ([u32; 3], Vec<u8>) {
    let [opts, seed, stream @ ..] = data else { return ([0; 3], Vec::new()) };
    let base = Base::new();
    // SAFETY: as in http_request.
    unsafe {
        let Some([cli, srv]) = pair::new(base.0, 0) else { panic!("a pair") };
        let mut run = ClientRun { calls: [0; 3], errors: 0, chunk_cb: opts & 4 != 0, headers_refused: opts & 16 != 0 };
        let runp = &mut run as *mut ClientRun;
        let mut slots: Vec<Slot> = (0..3).map(|index| Slot { run: runp, index }).collect();
        let evcon = conn::new(base.0, ptr::null_mut(), cli, b"127.0.0.1", 80);
        assert!(!evcon.is_null());
        // The pair is already "connected".
        (*evcon).state = State::Idle;
        let method = [rq::REQ_GET, rq::REQ_HEAD, rq::REQ_POST, rq::REQ_PUT][usize::from((opts >> 5) & 3)];
        let nreq = usize::from(opts & 3).max(1);
        for slot in slots.iter_mut().take(nreq) {
            let req = rq::new(Some(response_cb), slot as *mut Slot as *mut c_void);
            (*req).error_cb = Some(error_cb);
            if opts & 4 != 0 {
                (*req).chunk_cb = Some(chunk_cb);
            }
            if opts & 8 != 0 {
                (*req).header_cb = Some(header_cb);
            }
            rq::add_header((*req).output_headers, "Host", b"fuzz.example");
            if method == rq::REQ_POST || method == rq::REQ_PUT {
                buf::add((*req).output_buffer, b"body");
            }
            client::make_request(evcon, req, method, b"/fuzz?a=1");
        }
        bev::enable(srv, EV_READ | EV_WRITE);
        base.settle();
        let mut sent = Vec::new();
        drain_input(srv, &mut sent);
        let mut pieces = Pieces(u32::from(*seed));
        let mut at = 0;
        while at < stream.len() {
            let n = pieces.next(stream.len() - at);
            bev::write(srv, &stream[at..at + n]);
            at += n;
            base.settle();
            drain_input(srv, &mut sent);
        }
        if opts & 128 != 0 {
            bev::flush(srv, EV_WRITE, BEV_FINISHED);
            base.settle();
        }
        take_broken();
        for (i, &n) in run.calls.iter().enumerate() {
            assert!(n <= 1, "request {i} had its callback {n} times");
        }
        conn::free(evcon);
        bev::free(srv);
        take_broken();
        for (i, &n) in run.calls.iter().enumerate() {
            assert!(n <= 1, "request {i} had its callback {n} times");
        }
        (run.calls, sent)
    }
}

// ---------------------------------------------------------------------------------------
// http_uri
// ---------------------------------------------------------------------------------------

fn uri_round_trip(data: &[u8], flags: u32) {
    let Some(u) = Uri::parse(data, flags) else { return };
    assert_eq!(u.flags(), flags);
    let joined = u.join().expect("a parsed URI joins");
    let again = Uri::parse(&joined, flags).unwrap_or_else(|| panic!("{:?} joined as {:?}, which does not parse", data, joined));
    assert_eq!(again, u, "{:?} joined as {:?}", data, joined);
    assert_eq!(again.join().as_deref(), Some(&joined[..]));
    // The setters take back every part the parser produced.
    let mut w = Uri::new();
    w.set_flags(flags);
    assert!(w.set_scheme(u.scheme()).is_ok(), "scheme {:?}", u.scheme());
    assert!(w.set_userinfo(u.userinfo()).is_ok(), "userinfo {:?}", u.userinfo());
    assert!(w.set_host(u.host()).is_ok(), "host {:?}", u.host());
    assert!(w.set_port(u.port()).is_ok(), "port {}", u.port());
    assert!(w.set_path(u.path()).is_ok(), "path {:?}", u.path());
    assert!(w.set_query(u.query()).is_ok(), "query {:?}", u.query());
    assert!(w.set_fragment(u.fragment()).is_ok(), "fragment {:?}", u.fragment());
    assert_eq!(w, u);
    // The strict grammar is a subset of the lenient one.
    if flags & URI_NONCONFORMANT == 0 {
        let lenient = Uri::parse(data, flags | URI_NONCONFORMANT).expect("strict URIs parse leniently");
        assert_eq!(lenient.join(), Some(joined));
    }
}

/// http_uri.
pub fn http_uri(data: &[u8]) {
    for flags in [0, URI_NONCONFORMANT, 0x10, 0x10 | URI_NONCONFORMANT] {
        uri_round_trip(data, flags);
    }
    for plus in [false, true] {
        let e = uri::encode(data, plus);
        assert!(e.iter().all(|&c| uri::is_unreserved(c) || c == b'%' || (plus && c == b'+')));
        assert_eq!(uri::decode(&e, plus), data);
        let d = uri::decode(data, plus);
        assert!(d.len() <= data.len());
    }
    for ctl in [-1, 0, 1, 2] {
        let d = uri::decode_ctl(data, ctl);
        assert!(d.len() <= data.len());
        if !data.contains(&b'%') && !data.contains(&b'+') {
            assert_eq!(d, data);
        }
    }
    let h = uri::html_escape(data);
    assert!(!h.iter().any(|c| b"<>\"'".contains(c)));
    assert!(h.len() >= data.len());
    if let Ok(pairs) = uri::parse_query(data) {
        for (k, _) in &pairs {
            assert!(!k.is_empty() && !k.contains(&b'&') && !k.contains(&b'=') && !k.contains(&0));
        }
        // SAFETY: a list of our own, freed before returning.
        unsafe {
            let q = rq::headers_new();
            assert!(headers::fill_from_query(q, Some(data)));
            let got: Vec<(Vec<u8>, Vec<u8>)> = headers::iter(q).map(|(k, v)| (k.to_vec(), v.to_vec())).collect();
            // C strings: a value stops at a decoded NUL.
            let want: Vec<(Vec<u8>, Vec<u8>)> =
                pairs.iter().map(|(k, v)| (k.clone(), v.split(|&b| b == 0).next().unwrap().to_vec())).collect();
            assert_eq!(got, want);
            rq::headers_free(q);
        }
    }
    // Header lists: added when no CR/LF, found again, removed.
    let (k, v) = data.split_at(data.iter().position(|&b| b == b':').unwrap_or(data.len()));
    let k: Vec<u8> = k.iter().copied().take_while(|&b| b != 0).collect();
    let v: Vec<u8> = v.iter().copied().skip(1).take_while(|&b| b != 0).collect();
    // SAFETY: a list of our own, freed before returning.
    unsafe {
        let q = rq::headers_new();
        let added = headers::add(q, &k, &v);
        assert_eq!(added, headers::key_is_valid(&k) && headers::value_is_valid(&v));
        if added {
            assert_eq!(headers::find(q, &k), Some(&v[..]));
            assert!(headers::remove(q, &k));
            assert_eq!(headers::count(q), 0);
        }
        rq::headers_free(q);
    }
}

// ---------------------------------------------------------------------------------------
// Corpus replay
// ---------------------------------------------------------------------------------------

pub fn replay(target: &str, f: fn(&[u8])) {
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

/// The harnesses themselves work: requests reach the program and are answered; responses
/// reach the client's callbacks.
#[test]
fn http_fuzz_harness_reaches_the_callbacks() {
    let (n, answer) = serve(b"\x00\x05GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nok");
    assert_eq!(n, 2);
    assert!(answer.starts_with(b"HTTP/1.1 200 OK\r\n"), "{:?}", String::from_utf8_lossy(&answer));
    assert_eq!(answer.windows(8).filter(|w| w == b"HTTP/1.1").count(), 2);
    let (calls, sent) = ask(b"\x02\x03HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 204 No Content\r\n\r\n");
    assert_eq!(calls, [1, 1, 0]);
    assert!(sent.starts_with(b"GET /fuzz?a=1 HTTP/1.1\r\n"), "{:?}", String::from_utf8_lossy(&sent));
}

#[test]
fn http_request_corpus() {
    replay("http_request", http_request);
}

#[test]
fn http_response_corpus() {
    replay("http_response", http_response);
}

#[test]
fn http_uri_corpus() {
    replay("http_uri", http_uri);
}
