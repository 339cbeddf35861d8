//! Writing HTTP messages: the header block of a request or a response, replies whole or in
//! chunks, error pages, and what happens once a reply has gone out.

use super::connection::{self as conn, Connection, WriteDone};
use super::ffi::*;
use super::request::{self as rq, RequestC};
use libc::{c_char, c_int, c_void};
use std::ffi::CStr;
use std::ptr;

/// SAFETY: buf is live.
unsafe fn add(buf: *mut Evbuffer, bytes: &[u8]) {
    // SAFETY: per the function contract; bytes is a valid slice.
    unsafe { evbuffer_add(buf, bytes.as_ptr() as *const c_void, bytes.len()) };
}

/// SAFETY: p is NULL or a C string.
unsafe fn cstr<'a>(p: *const c_char) -> &'a [u8] {
    // SAFETY: per the function contract.
    if p.is_null() {
        b""
    } else {
        unsafe { CStr::from_ptr(p).to_bytes() }
    }
}

/// Add "Date" unless the program set one.
///
/// SAFETY: q is a live header list.
unsafe fn maybe_add_date(q: *mut KeyValQ) {
    // SAFETY: per the function contract; tm is filled by gmtime_r before use.
    unsafe {
        if rq::header(q, "Date").is_some() {
            return;
        }
        let now = libc::time(ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::gmtime_r(&now, &mut tm);
        let mut date = [0 as c_char; 50];
        if crate::capi::util::evutil_date_rfc1123(date.as_mut_ptr(), date.len(), &tm) > 0 {
            rq::add_header(q, "Date", cstr(date.as_ptr()));
        }
    }
}

/// Add "Content-Length" unless either it or "Transfer-Encoding" is there.
///
/// SAFETY: q is a live header list.
unsafe fn maybe_add_content_length(q: *mut KeyValQ, len: usize) {
    // SAFETY: per the function contract.
    unsafe {
        if rq::header(q, "Transfer-Encoding").is_none() && rq::header(q, "Content-Length").is_none() {
            rq::add_header(q, "Content-Length", len.to_string().as_bytes());
        }
    }
}

/// evhttp_make_header: the first line and headers into the connection's output, then the
/// body the request holds.
///
/// SAFETY: evcon and req are live.
pub unsafe fn make_header(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: per the function contract.
    unsafe {
        let out = conn::output(evcon);
        let r = &mut *req;
        let oh = r.output_headers;
        if r.kind == rq::KIND_REQUEST {
            rq::remove_header(oh, "Proxy-Connection");
            let method = rq::method_name(r.type_).unwrap_or("GET");
            add(out, format!("{} ", method).as_bytes());
            add(out, cstr(r.uri));
            add(out, format!(" HTTP/{}.{}\r\n", r.major, r.minor).as_bytes());
            if (r.type_ == rq::REQ_POST || r.type_ == rq::REQ_PUT) && rq::header(oh, "Content-Length").is_none() {
                rq::add_header(oh, "Content-Length", evbuffer_get_length(r.output_buffer).to_string().as_bytes());
            }
        } else {
            let keepalive = rq::is_connection_keepalive(r.input_headers);
            add(out, format!("HTTP/{}.{} {} ", r.major, r.minor, r.response_code).as_bytes());
            add(out, cstr(r.response_code_line));
            add(out, b"\r\n");
            if r.major == 1 {
                if r.minor >= 1 {
                    maybe_add_date(oh);
                }
                if r.minor == 0 && keepalive {
                    rq::add_header(oh, "Connection", b"keep-alive");
                }
                if (r.minor >= 1 || keepalive) && rq::response_needs_body(r) {
                    maybe_add_content_length(oh, evbuffer_get_length(r.output_buffer));
                }
            }
            if rq::response_needs_body(r) && rq::header(oh, "Content-Type").is_none() {
                let server = (*evcon).server;
                if !server.is_null() && !(*server).default_content_type.is_null() {
                    rq::add_header(oh, "Content-Type", cstr((*server).default_content_type));
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
            add(out, cstr((*e).key));
            add(out, b": ");
            add(out, cstr((*e).value));
            add(out, b"\r\n");
            e = (*e).next;
        }
        add(out, b"\r\n");
        if evbuffer_get_length(r.output_buffer) > 0 {
            evbuffer_add_buffer(out, r.output_buffer);
        }
    }
}

/// Set the status code and reason (the standard phrase when reason is NULL).
///
/// SAFETY: req is live; reason is NULL or a C string.
pub unsafe fn response_code(req: *mut RequestC, code: c_int, reason: *const c_char) {
    // SAFETY: per the function contract.
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
/// SAFETY: req is live; reason NULL or a C string; databuf NULL or live.
pub unsafe fn send_reply(req: *mut RequestC, code: c_int, reason: *const c_char, databuf: *mut Evbuffer) {
    // SAFETY: per the function contract.
    unsafe {
        response_code(req, code, reason);
        send(req, databuf);
    }
}

/// SAFETY: req is live; databuf NULL or live.
unsafe fn send(req: *mut RequestC, databuf: *mut Evbuffer) {
    // SAFETY: per the function contract.
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() {
            // The connection went away while the program held the request.
            rq::free(req);
            return;
        }
        (*req).set_userdone(true);
        if !databuf.is_null() {
            evbuffer_add_buffer((*req).output_buffer, databuf);
        }
        make_header(evcon, req);
        conn::write_buffer(evcon, WriteDone::SendDone);
    }
}

/// A small HTML page as the reply, closing the connection afterwards.
///
/// SAFETY: req is live.
unsafe fn send_page(req: *mut RequestC, code: c_int, reason: *const c_char, body: &[u8]) {
    // SAFETY: per the function contract.
    unsafe {
        let buf = evbuffer_new();
        if buf.is_null() {
            let evcon = (*req).evcon;
            if !evcon.is_null() {
                conn::free(evcon);
            }
            return;
        }
        let oh = (*req).output_headers;
        rq::remove_header(oh, "Connection");
        response_code(req, code, reason);
        rq::add_header(oh, "Content-Type", b"text/html");
        rq::add_header(oh, "Connection", b"close");
        add(buf, body);
        send(req, buf);
        evbuffer_free(buf);
    }
}

/// evhttp_send_error: a standard error page.
///
/// SAFETY: req is live; reason NULL or a C string.
pub unsafe fn send_error(req: *mut RequestC, code: c_int, reason: *const c_char) {
    // SAFETY: per the function contract.
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
/// SAFETY: req is live.
pub unsafe fn send_not_found(req: *mut RequestC) {
    // SAFETY: per the function contract.
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
/// SAFETY: req is live; reason NULL or a C string.
pub unsafe fn reply_start(req: *mut RequestC, code: c_int, reason: *const c_char) {
    // SAFETY: per the function contract.
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() {
            return;
        }
        response_code(req, code, reason);
        let r = &mut *req;
        if rq::header(r.output_headers, "Content-Length").is_none() && !r.version_before(1, 1) && rq::response_needs_body(r) {
            rq::add_header(r.output_headers, "Transfer-Encoding", b"chunked");
            r.set_chunked(true);
        } else {
            r.set_chunked(false);
        }
        make_header(evcon, req);
        conn::write_buffer(evcon, WriteDone::Nothing);
    }
}

/// evhttp_send_reply_chunk_with_cb
///
/// SAFETY: req is live; databuf NULL or live.
pub unsafe fn reply_chunk(req: *mut RequestC, databuf: *mut Evbuffer, cb: Option<conn::ConnCb>, arg: *mut c_void) {
    // SAFETY: per the function contract.
    unsafe {
        let evcon = (*req).evcon;
        if evcon.is_null() || databuf.is_null() {
            return;
        }
        let len = evbuffer_get_length(databuf);
        if len == 0 {
            return;
        }
        let out = conn::output(evcon);
        if (*req).chunked() {
            add(out, format!("{:x}\r\n", len).as_bytes());
        }
        evbuffer_add_buffer(out, databuf);
        if (*req).chunked() {
            add(out, b"\r\n");
        }
        conn::write_buffer(evcon, cb.map_or(WriteDone::Nothing, |f| WriteDone::User(f, arg)));
    }
}

/// evhttp_send_reply_end
///
/// SAFETY: req is live.
pub unsafe fn reply_end(req: *mut RequestC) {
    // SAFETY: per the function contract.
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
        } else if evbuffer_get_length(conn::output(evcon)) == 0 {
            send_done(evcon);
        } else {
            (*evcon).write_done = WriteDone::SendDone;
        }
    }
}

/// The reply is out: retire the request, then close or wait for the next one.
///
/// SAFETY: evcon is live, incoming, with a current request.
pub unsafe fn send_done(evcon: *mut Connection) {
    // SAFETY: per the function contract.
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
