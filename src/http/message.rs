//! Writing HTTP messages: the header block of a request or a response, replies whole or in
//! chunks, error pages, and what happens once a reply has gone out.
//!
//! # Pointer contract (for every `unsafe fn` in this module)
//! - `req: *mut RequestC` is a live request; `evcon: *mut Connection` a live connection.
//! - `reason` is NULL (the standard phrase) or a C string; `databuf` is NULL or a live
//!   evbuffer; `q: *mut KeyValQ` is a well-formed header list.
//!
//! Writing may run the connection's callbacks (and through them the program's): after such
//! a call nothing here touches the request unless libevent does too.

use super::connection::{self as conn, Connection, WriteDone};
use super::headers::KeyValQ;
use super::request::{self as rq, RequestC};
use crate::buffer::{api as buf, Evbuffer};
use libc::{c_char, c_int, c_void};
use std::ffi::CStr;
use std::ptr;

/// Append bytes to a buffer.
///
/// # Safety
/// `b` is a live evbuffer.
unsafe fn add(b: *mut Evbuffer, bytes: &[u8]) {
    // SAFETY: b is live (contract); bytes is a valid slice.
    unsafe { buf::add(b, bytes) };
}

/// # Safety
/// `p` is NULL or a C string.
unsafe fn cstr<'a>(p: *const c_char) -> &'a [u8] {
    // SAFETY: p is a NUL-terminated string (contract), outliving the slice as the caller uses it.
    if p.is_null() {
        b""
    } else {
        unsafe { CStr::from_ptr(p).to_bytes() }
    }
}

/// `n` in decimal, written at the end of `out`.
fn decimal(out: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &out[i..];
        }
    }
}

/// A signed `n` in decimal (status codes and versions are C ints).
fn push_int(head: &mut Head, n: c_int) {
    if (0..10).contains(&n) {
        // Versions: one digit, the common case.
        head.push(&[b'0' + n as u8]);
        return;
    }
    let mut digits = [0u8; 20];
    if n < 0 {
        head.push(b"-");
    }
    head.push(decimal(&mut digits, n.unsigned_abs() as u64));
}

/// The head of a message being composed: a stack buffer, handed to the output evbuffer when
/// it fills and at the end, so that a response head costs no allocation.
struct Head {
    out: *mut Evbuffer,
    len: usize,
    /// Not zeroed: only the first `len` bytes, all written by `push`, are ever read.
    buf: std::mem::MaybeUninit<[u8; HEAD_BUF]>,
}

const HEAD_BUF: usize = 1024;

impl Head {
    fn new(out: *mut Evbuffer) -> Head {
        Head { out, len: 0, buf: std::mem::MaybeUninit::uninit() }
    }
    fn push(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > HEAD_BUF {
            self.flush();
            if bytes.len() > HEAD_BUF {
                // SAFETY: out is the live connection's output (make_header's contract).
                unsafe { add(self.out, bytes) };
                return;
            }
        }
        // SAFETY: len + bytes.len() <= HEAD_BUF (checked above), so the copy stays inside buf.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), (self.buf.as_mut_ptr() as *mut u8).add(self.len), bytes.len()) };
        self.len += bytes.len();
    }
    fn flush(&mut self) {
        if self.len > 0 {
            // SAFETY: the first len bytes of buf were written by push; out as in push.
            unsafe { add(self.out, std::slice::from_raw_parts(self.buf.as_ptr() as *const u8, self.len)) };
            self.len = 0;
        }
    }
}

/// Add "Date" unless the program set one.
///
/// # Safety
/// Module contract.
unsafe fn maybe_add_date(q: *mut KeyValQ) {
    // SAFETY: q is a live header list (contract).
    unsafe {
        if rq::header(q, "Date").is_none() {
            crate::util::time::with_http_date_now(|date| rq::add_header(q, "Date", date));
        }
    }
}

/// Add "Content-Length" unless either it or "Transfer-Encoding" is there.
///
/// # Safety
/// Module contract.
unsafe fn maybe_add_content_length(q: *mut KeyValQ, len: usize) {
    // SAFETY: q is a live header list (contract).
    unsafe {
        if rq::header(q, "Transfer-Encoding").is_none() && rq::header(q, "Content-Length").is_none() {
            let mut digits = [0u8; 20];
            rq::add_header(q, "Content-Length", decimal(&mut digits, len as u64));
        }
    }
}

/// evhttp_make_header: the first line and headers into the connection's output, then the
/// body the request holds.
///
/// # Safety
/// `evcon` and `req` are live.
pub unsafe fn make_header(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract). The head is composed while only the
    // request's own header lists are touched, and written out once the reference is gone.
    unsafe {
        let out = conn::output(evcon);
        let server = (*evcon).server;
        let body = (*req).output_buffer;
        let mut head = Head::new(out);
        {
            let r = &*req;
            let oh = r.output_headers;
            if r.kind == rq::KIND_REQUEST {
                rq::remove_header(oh, "Proxy-Connection");
                let method = rq::method_name(r.type_).unwrap_or("GET");
                head.push(method.as_bytes());
                head.push(b" ");
                head.push(cstr(r.uri));
                head.push(b" HTTP/");
                push_int(&mut head, r.major.into());
                head.push(b".");
                push_int(&mut head, r.minor.into());
                head.push(b"\r\n");
                if (r.type_ == rq::REQ_POST || r.type_ == rq::REQ_PUT) && rq::header(oh, "Content-Length").is_none() {
                    let mut digits = [0u8; 20];
                    rq::add_header(oh, "Content-Length", decimal(&mut digits, buf::length(body) as u64));
                }
            } else {
                let keepalive = rq::is_connection_keepalive(r.input_headers);
                let needs_body = rq::response_needs_body(r);
                head.push(b"HTTP/");
                push_int(&mut head, r.major.into());
                head.push(b".");
                push_int(&mut head, r.minor.into());
                head.push(b" ");
                push_int(&mut head, r.response_code);
                head.push(b" ");
                head.push(cstr(r.response_code_line));
                head.push(b"\r\n");
                if r.major == 1 {
                    if r.minor >= 1 {
                        maybe_add_date(oh);
                    }
                    if r.minor == 0 && keepalive {
                        rq::add_header(oh, "Connection", b"keep-alive");
                    }
                    if (r.minor >= 1 || keepalive) && needs_body {
                        maybe_add_content_length(oh, buf::length(body));
                    }
                }
                if needs_body && rq::header(oh, "Content-Type").is_none() {
                    if let Some(content_type) = server.as_ref().map(|s| s.default_content_type).filter(|p| !p.is_null()) {
                        rq::add_header(oh, "Content-Type", cstr(content_type));
                    }
                }
                if rq::is_connection_close(r.flags, r.input_headers) {
                    rq::remove_header(oh, "Connection");
                    if r.flags & rq::PROXY_REQUEST == 0 {
                        rq::add_header(oh, "Connection", b"close");
                    }
                    rq::remove_header(oh, "Proxy-Connection");
                }
            }
            let mut e = (*oh).first;
            while !e.is_null() {
                for part in [cstr((*e).key), b": ", cstr((*e).value), b"\r\n"] {
                    head.push(part);
                }
                e = (*e).next;
            }
        }
        head.push(b"\r\n");
        head.flush();
        // A request that asks "Expect: 100-continue" keeps its body until the server says so.
        if buf::length(body) > 0 && !rq::expects_continue(req, (*req).output_headers) {
            buf::add_buffer(out, body);
        }
    }
}

/// Set the status code and reason (the standard phrase when reason is NULL).
///
/// # Safety
/// Module contract.
pub unsafe fn response_code(req: *mut RequestC, code: c_int, reason: *const c_char) {
    // SAFETY: req is live (contract) and nothing is called while it is borrowed; reason is
    // NULL or a C string.
    unsafe {
        let r = &mut *req;
        r.kind = rq::KIND_RESPONSE;
        r.response_code = code;
        let text: &[u8] = if reason.is_null() { rq::reason_phrase(code).as_bytes() } else { cstr(reason) };
        rq::set_string(&mut r.response_code_line, text);
    }
}

/// evhttp_send_reply
///
/// # Safety
/// Module contract.
pub unsafe fn send_reply(req: *mut RequestC, code: c_int, reason: *const c_char, databuf: *mut Evbuffer) {
    // SAFETY: req, reason and databuf as the module contract says.
    unsafe {
        response_code(req, code, reason);
        send(req, databuf);
    }
}

/// # Safety
/// Module contract.
unsafe fn send(req: *mut RequestC, databuf: *mut Evbuffer) {
    // SAFETY: req is live (contract), and so is its connection while it has one; databuf is NULL
    // or live. Nothing touches the request after the write is under way.
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() {
            // The connection went away while the program held the request.
            rq::free(req);
            return;
        }
        (*req).set_userdone(true);
        if !databuf.is_null() {
            buf::add_buffer((*req).output_buffer, databuf);
        }
        make_header(evcon, req);
        conn::write_buffer(evcon, WriteDone::SendDone);
    }
}

/// A small HTML page as the reply, closing the connection afterwards.
///
/// # Safety
/// Module contract.
unsafe fn send_page(req: *mut RequestC, code: c_int, reason: *const c_char, body: &[u8]) {
    // SAFETY: req is live (contract); page is ours until freed after `send` took its bytes.
    unsafe {
        let page = buf::new();
        if page.is_null() {
            let evcon = (*req).evcon;
            if !evcon.is_null() {
                conn::free(evcon);
            }
            return;
        }
        // libevent answers a page as HTTP/1.1 unless the request had a nonzero major and
        // minor version (an HTTP/1.0 request gets an HTTP/1.1 error page).
        if (*req).major == 0 || (*req).minor == 0 {
            (*req).major = 1;
            (*req).minor = 1;
        }
        let oh = (*req).output_headers;
        rq::remove_header(oh, "Connection");
        response_code(req, code, reason);
        rq::add_header(oh, "Content-Type", b"text/html");
        rq::add_header(oh, "Connection", b"close");
        add(page, body);
        send(req, page);
        buf::free(page);
    }
}

/// evhttp_send_error: a standard error page.
///
/// # Safety
/// Module contract.
pub unsafe fn send_error(req: *mut RequestC, code: c_int, reason: *const c_char) {
    // SAFETY: req is live (contract); reason is NULL or a C string.
    unsafe {
        let text = if reason.is_null() { rq::reason_phrase(code).as_bytes().to_vec() } else { cstr(reason).to_vec() };
        let t = String::from_utf8_lossy(&text);
        let page = format!("<HTML><HEAD>\n<TITLE>{code} {t}</TITLE>\n</HEAD><BODY>\n<H1>{t}</H1>\n</BODY></HTML>\n");
        let r = std::ffi::CString::new(text).unwrap_or_default();
        send_page(req, code, r.as_ptr(), page.as_bytes());
    }
}

/// The 404 page naming the (escaped) URI.
///
/// # Safety
/// Module contract.
pub unsafe fn send_not_found(req: *mut RequestC) {
    // SAFETY: req is live (contract); its uri is NULL or a C string.
    unsafe {
        let esc = super::uri::html_escape(cstr((*req).uri));
        let page = format!(
            "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL {} was not found on this server.</p></body></html>\n",
            String::from_utf8_lossy(&esc)
        );
        send_page(req, 404, c"Not Found".as_ptr(), page.as_bytes());
    }
}

/// evhttp_send_reply_start: headers now, body in chunks later.
///
/// # Safety
/// Module contract.
pub unsafe fn reply_start(req: *mut RequestC, code: c_int, reason: *const c_char) {
    // SAFETY: req is live (contract), and so is its connection while it has one; the
    // reference to the request ends before the header is written.
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() {
            return;
        }
        response_code(req, code, reason);
        {
            let r = &mut *req;
            let chunked =
                rq::header(r.output_headers, "Content-Length").is_none() && !r.version_before(1, 1) && rq::response_needs_body(r);
            if chunked {
                rq::add_header(r.output_headers, "Transfer-Encoding", b"chunked");
            }
            r.set_chunked(chunked);
        }
        make_header(evcon, req);
        conn::write_buffer(evcon, WriteDone::Nothing);
    }
}

/// evhttp_send_reply_chunk_with_cb
///
/// # Safety
/// Module contract.
pub unsafe fn reply_chunk(req: *mut RequestC, databuf: *mut Evbuffer, cb: Option<conn::ConnCb>, arg: *mut c_void) {
    // SAFETY: req is live (contract), and so is its connection; databuf is NULL or live.
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() || databuf.is_null() {
            return;
        }
        let len = buf::length(databuf);
        if len == 0 {
            return;
        }
        let out = conn::output(evcon);
        if (*req).chunked() {
            add(out, format!("{:x}\r\n", len).as_bytes());
        }
        buf::add_buffer(out, databuf);
        if (*req).chunked() {
            add(out, b"\r\n");
        }
        conn::write_buffer(evcon, cb.map_or(WriteDone::Nothing, |f| WriteDone::User(f, arg)));
    }
}

/// evhttp_send_reply_end
///
/// # Safety
/// Module contract.
pub unsafe fn reply_end(req: *mut RequestC) {
    // SAFETY: req is live (contract), and so is its connection while it has one; as in
    // libevent, the chunked flag is cleared once the final write is queued (it completes
    // from the loop, which is when the request is retired).
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() {
            rq::free(req);
            return;
        }
        (*req).set_userdone(true);
        if (*req).chunked() {
            add(conn::output(evcon), b"0\r\n\r\n");
            conn::write_buffer(evcon, WriteDone::SendDone);
            (*req).set_chunked(false);
        } else if buf::length(conn::output(evcon)) == 0 {
            send_done(evcon);
        } else {
            (*evcon).write_done = WriteDone::SendDone;
        }
    }
}

/// The reply is out: retire the request, then close or wait for the next one.
///
/// # Safety
/// `evcon` is live, incoming, with a current request.
pub unsafe fn send_done(evcon: *mut Connection) {
    // SAFETY: evcon and its current request are live (contract); the request is ours to free
    // unless the program owns it, after its completion callback.
    unsafe {
        let Some(req) = (*evcon).requests.pop_front() else { return };
        let need_close =
            ((*req).version_before(1, 1) && !rq::is_connection_keepalive((*req).input_headers)) || rq::wants_close(req);
        (*req).evcon = ptr::null_mut();
        (*evcon).state = conn::State::Idle;
        if let Some(cb) = (*req).on_complete_cb {
            cb(req, (*req).on_complete_cb_arg);
        }
        if need_close || !conn::associate_new_request(evcon) {
            conn::free(evcon);
        }
        rq::free_auto(req);
    }
}
