//! Reading one HTTP message off a connection: the first line, the headers, the body (by
//! length, chunked, or until the close) and the trailer, as the bytes arrive. A whole request
//! goes to the server's routing; a whole response goes back to the client side
//! (`client::response_read`).
//!
//! The pointer contract is connection.rs's.

use super::connection::{self as conn, Connection, State, WriteDone};
use super::parse::{self, BodyLength};
use super::request::{self as rq, RequestC};
use crate::buffer::{api as buf, Evbuffer};
use crate::bufferevent::core::{self as bev, Bufferevent};
use crate::core::api as ev;
use crate::core::event::{EV_READ, EV_WRITE};
use libc::{c_int, c_short, c_void};
use std::ptr;

/// Start (or continue) reading a message: the first line of the next request on a server,
/// the response on a client.
///
/// # Safety
/// Module contract.
pub unsafe fn start_read(evcon: *mut Connection) {
    // SAFETY: evcon and its bufferevent are live (contract); the state is written before
    // anything can call back.
    unsafe {
        let b = (*evcon).bev;
        bev::disable(b, EV_WRITE);
        bev::enable(b, EV_READ);
        (*evcon).state = State::ReadingFirstline;
        conn::set_callbacks(evcon, true, true);
        // Bytes already buffered (a pipelined request) are handled from the loop, not from
        // inside whatever callback brought us here.
        if buf::length(conn::input(evcon)) > 0 {
            let e = conn::lazy_event(evcon, false);
            if !e.is_null() {
                ev::active(e, EV_READ as c_int, 1);
            }
        }
    }
}

/// Buffered bytes to look at from the loop: through the read callback, when the connection
/// has one installed (while a message is being written there is none: what arrives waits).
pub(super) unsafe extern "C" fn read_more_cb(_fd: c_int, _what: c_short, arg: *mut c_void) {
    // SAFETY: arg is the live connection that owns this event; its bufferevent is live.
    unsafe {
        let b = bev::downcast((*(arg as *mut Connection)).bev);
        if let Some(cb) = (*b).readcb {
            cb(b, arg)
        }
    }
}

pub(super) unsafe extern "C" fn read_cb(_bev: *mut Bufferevent, arg: *mut c_void) {
    let evcon = arg as *mut Connection;
    // SAFETY: arg is the live connection these callbacks were registered for; its current
    // request is live.
    unsafe {
        let (state, incoming) = ((*evcon).state, (*evcon).incoming);
        let Some(&req) = (*evcon).requests.front() else {
            if state == State::Idle && !incoming {
                // Data nobody asked for on an idle client connection: drop the connection.
                conn::reset(evcon);
            }
            return;
        };
        match state {
            State::ReadingFirstline => read_firstline(evcon, req),
            State::ReadingHeaders => read_headers(evcon, req),
            State::ReadingBody => read_body(evcon, req),
            State::ReadingTrailer => read_trailer(evcon, req),
            State::Idle if !incoming => conn::reset(evcon),
            _ => {}
        }
    }
}

/// # Safety
/// Module contract; `req` is the current request.
unsafe fn read_firstline(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract).
    unsafe {
        match parse::firstline(req, conn::input(evcon)) {
            parse::ALL_DATA_READ => {
                (*evcon).state = State::ReadingHeaders;
                read_headers(evcon, req)
            }
            parse::MORE_DATA_EXPECTED => {}
            _ => conn::fail(evcon, rq::ERR_INVALID_HEADER),
        }
    }
}

/// # Safety
/// Module contract; `req` is the current request.
unsafe fn read_headers(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract); after the header callback the request is
    // still ours unless it says so (a negative answer).
    unsafe {
        match parse::headers(req, conn::input(evcon)) {
            parse::ALL_DATA_READ => {}
            parse::MORE_DATA_EXPECTED => return,
            _ => return conn::fail(evcon, rq::ERR_INVALID_HEADER),
        }
        // Lengths and codings a proxy in front of us could read differently are refused.
        if !parse::validate_length_and_encoding(req) {
            return conn::fail(evcon, rq::ERR_INVALID_HEADER);
        }
        if let Some(hcb) = (*req).header_cb {
            if hcb(req, (*req).cb_arg) < 0 {
                return conn::fail(evcon, rq::ERR_EOF);
            }
        }
        if (*req).kind == rq::KIND_REQUEST {
            get_body(evcon, req)
        } else if (*req).response_code == 100 {
            // "100 Continue": now the body (held back if we asked to be told), then the real
            // response.
            buf::add_buffer(conn::output(evcon), (*req).output_buffer);
            (*evcon).state = State::Writing;
            conn::write_buffer(evcon, WriteDone::RequestSent)
        } else if !rq::response_needs_body(&*req) {
            done(evcon)
        } else {
            get_body(evcon, req)
        }
    }
}

/// Work out how the body is delimited, answer "Expect: 100-continue", and read what is there.
///
/// # Safety
/// Module contract; `req` is the current request.
unsafe fn get_body(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract). The reference to the request lives only
    // while no call leaves this layer.
    unsafe {
        let is_request = (*req).kind == rq::KIND_REQUEST;
        if is_request && !rq::method_may_have_body((*req).type_) {
            return done(evcon);
        }
        (*evcon).state = State::ReadingBody;
        {
            let r = &mut *req;
            // The chunked bit was set from the headers by validate_length_and_encoding.
            if r.chunked() {
                r.ntoread = -1;
            } else {
                if is_request && rq::header(r.input_headers, "Content-Length").is_none() {
                    // A request without a length has no body.
                    return done(evcon);
                }
                match parse::body_length(r) {
                    None => return conn::fail(evcon, rq::ERR_INVALID_HEADER),
                    Some(BodyLength::Length(n)) => r.ntoread = n,
                    Some(BodyLength::UntilClose) => r.ntoread = -1,
                }
                if is_request && r.ntoread < 1 {
                    // A request without a length has no body.
                    return done(evcon);
                }
            }
        }
        if is_request && !(*req).version_before(1, 1) {
            if let Some(expect) = rq::header((*req).input_headers, "Expect") {
                if !expect.eq_ignore_ascii_case(b"100-continue") {
                    super::message::send_error(req, 417, ptr::null());
                    return;
                }
                let (chunked, ntoread) = ((*req).chunked(), (*req).ntoread);
                if !chunked && ntoread as u64 > (*evcon).max_body_size as u64 {
                    // Too big: no "100 Continue".
                    return too_long(evcon, req);
                }
                if buf::length(conn::input(evcon)) == 0 {
                    let line = format!("HTTP/{}.{} 100 Continue\r\n\r\n", (*req).major, (*req).minor);
                    buf::add(conn::output(evcon), line.as_bytes());
                    (*evcon).write_done = WriteDone::Nothing;
                    bev::enable((*evcon).bev, EV_WRITE);
                }
            }
        }
        read_body(evcon, req)
    }
}

/// Run the chunk callback over what has been read into the request's input buffer. Returns
/// false when the program cancelled (freed) the request from inside it.
///
/// # Safety
/// `req` is live.
unsafe fn deliver_chunk(req: *mut RequestC) -> bool {
    // SAFETY: req is live (contract); REQ_DEFER_FREE keeps it allocated across the callback,
    // which may only mark it for freeing.
    unsafe {
        let Some(ccb) = (*req).chunk_cb else { return true };
        if buf::length((*req).input_buffer) == 0 {
            return true;
        }
        (*req).flags |= rq::REQ_DEFER_FREE;
        ccb(req, (*req).cb_arg);
        let ib = (*req).input_buffer;
        buf::drain(ib, buf::length(ib));
        (*req).flags &= !rq::REQ_DEFER_FREE;
        (*req).flags & rq::REQ_NEEDS_FREE == 0
    }
}

/// Chunked transfer coding: move whole chunks into the request's input buffer.
///
/// # Safety
/// Module contract; `req` is the current request; `input` is the connection's input buffer.
unsafe fn read_chunks(evcon: *mut Connection, req: *mut RequestC, input: *mut Evbuffer) -> c_int {
    // SAFETY: evcon, req and input are live (contract); the request's fields are read and
    // written around the buffer calls, never borrowed across one.
    unsafe {
        let max = (*evcon).max_body_size as u64;
        while buf::length(input) > 0 {
            if (*req).ntoread < 0 {
                let Some(line) = parse::next_chunk_line(input) else { return parse::MORE_DATA_EXPECTED };
                let Some(n) = parse::chunk_size(&line) else { return parse::DATA_CORRUPTED };
                // The body size counts a chunk from its size line on, as libevent's does.
                let Some(total) = (*req).body_size.checked_add(n as usize) else { return parse::DATA_CORRUPTED };
                if total as u64 > max {
                    return parse::DATA_TOO_LONG;
                }
                (*req).body_size = total;
                (*req).ntoread = n;
                if n == 0 {
                    return parse::ALL_DATA_READ;
                }
                continue;
            }
            let n = (*req).ntoread;
            if n as u64 > buf::length(input) as u64 {
                return parse::MORE_DATA_EXPECTED;
            }
            buf::remove_buffer(input, (*req).input_buffer, n as usize);
            (*req).ntoread = -1;
            if !deliver_chunk(req) {
                return parse::REQUEST_CANCELED;
            }
        }
        parse::MORE_DATA_EXPECTED
    }
}

/// # Safety
/// Module contract; `req` is the current request.
unsafe fn read_body(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract); the request's fields are read and written
    // around the buffer calls, never borrowed across one.
    unsafe {
        let input = conn::input(evcon);
        let chunked = (*req).chunked();
        if chunked {
            match read_chunks(evcon, req, input) {
                parse::ALL_DATA_READ => {
                    (*evcon).state = State::ReadingTrailer;
                    return read_trailer(evcon, req);
                }
                // A malformed chunk is reported as too long, as libevent does.
                parse::DATA_TOO_LONG | parse::DATA_CORRUPTED => return conn::fail(evcon, rq::ERR_DATA_TOO_LONG),
                parse::REQUEST_CANCELED => {
                    rq::free_auto(req);
                    return;
                }
                _ => return,
            }
        }
        let ntoread = (*req).ntoread;
        let available = buf::length(input);
        if ntoread < 0 {
            // Until the peer closes.
            (*req).body_size += available;
            buf::add_buffer((*req).input_buffer, input);
        } else if (*req).chunk_cb.is_some() || available as u64 >= ntoread as u64 {
            let n = (available as u64).min(ntoread as u64) as usize;
            (*req).ntoread -= n as i64;
            (*req).body_size += n;
            buf::remove_buffer(input, (*req).input_buffer, n);
        }
        let max = (*evcon).max_body_size as u64;
        let (body_size, ntoread) = ((*req).body_size as u64, (*req).ntoread);
        if body_size > max || (ntoread >= 0 && ntoread as u64 > max) {
            return too_long(evcon, req);
        }
        if !deliver_chunk(req) {
            rq::free(req);
            return;
        }
        if (*req).ntoread == 0 {
            bev::disable((*evcon).bev, EV_READ);
            done(evcon);
        }
    }
}

/// The body is larger than allowed. With lingering close on, the rest of it is read and
/// thrown away first (as it arrives), so that the 413 is not lost to a reset from closing
/// with unread data; otherwise the 413 goes out at once.
///
/// # Safety
/// Module contract; `req` is the current request.
unsafe fn too_long(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract); the request's fields are read and written
    // around the buffer calls, never borrowed across one.
    unsafe {
        if !(*evcon).flags.contains(conn::ConFlags::LINGERING_CLOSE) {
            return conn::fail(evcon, rq::ERR_DATA_TOO_LONG);
        }
        let input = conn::input(evcon);
        let n = (buf::length(input) as u64).min((*req).ntoread as u64) as usize;
        (*req).ntoread -= n as i64;
        (*req).body_size += n;
        buf::drain(input, n);
        if (*req).ntoread == 0 {
            conn::fail(evcon, rq::ERR_DATA_TOO_LONG);
        }
    }
}

/// # Safety
/// Module contract; `req` is the current request.
unsafe fn read_trailer(evcon: *mut Connection, req: *mut RequestC) {
    // SAFETY: evcon and req are live (contract); the scratch list is ours and freed before
    // anything else runs.
    unsafe {
        // Trailer fields are read and thrown away (Debian's CVE-2026-63379 fix): merged into
        // the headers they could override what a proxy in front of us already decided on.
        let scratch = rq::headers_new();
        if scratch.is_null() {
            return conn::fail(evcon, rq::ERR_DATA_TOO_LONG);
        }
        let r = parse::headers_into(req, conn::input(evcon), scratch);
        rq::headers_free(scratch);
        match r {
            parse::ALL_DATA_READ => {
                bev::disable((*evcon).bev, EV_READ);
                done(evcon)
            }
            parse::MORE_DATA_EXPECTED => {}
            _ => conn::fail(evcon, rq::ERR_DATA_TOO_LONG),
        }
    }
}

/// A whole message has been read: on a server, the request goes to the program, which must
/// reply; on a client, the response goes back to the client side.
///
/// # Safety
/// Module contract.
pub(super) unsafe fn done(evcon: *mut Connection) {
    // SAFETY: evcon is live (contract), and so is its current request.
    unsafe {
        let Some(&req) = (*evcon).requests.front() else { return };
        if !(*evcon).incoming {
            return super::client::response_read(evcon, req);
        }
        (*evcon).state = State::Writing;
        (*(req as *mut rq::Request)).delivered = true;
        if let Some(cb) = (*req).cb {
            cb(req, (*req).cb_arg);
        }
    }
}
