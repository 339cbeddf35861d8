//! Socket bufferevents: ev_read / ev_write watch the fd; readable data goes into the input
//! buffer (up to the read high-water mark and the rate limit), the output buffer is written
//! out while it has data. Also non-blocking connect and the "connected" event.
//!
//! `connect` and `connect_hostname` (bufferevent_socket_connect / _hostname) serve every kind
//! with a socket of its own: they go through the kind's `Ops::connect` entry, so the name
//! lookup is written once, here, whatever the kind.

use super::core::*;
use super::ratelim;
use crate::buffer::api as evbuffer;
use crate::buffer::{BufferFlags, CbInfo, Evbuffer};
use crate::core::api;
use crate::core::base::EventBase;
use crate::core::event::*;
use crate::core::log;
use crate::util::addrinfo;
use crate::util::socket as sock;
use crate::util::sys::{errno, set_errno};
use libc::{c_char, c_int, c_short, c_void, sockaddr, socklen_t};
use std::ptr;

pub struct SocketState {
    /// A non-blocking connect is in progress: the next writability reports its outcome.
    connecting: bool,
}

pub static SOCKET_OPS: Ops = Ops {
    name: "socket",
    enable: socket_enable,
    disable: socket_disable,
    unlink: None,
    destruct: Some(socket_destruct),
    adj_timeouts: Some(adj_existing_timeouts),
    flush: Some(socket_flush),
    ctrl: Some(socket_ctrl),
    connect: Some(socket_connect),
};

/// # Safety
/// Module contract; `b` is a socket bufferevent.
unsafe fn state(b: *mut Bev) -> *mut SocketState {
    // SAFETY: b is live (module contract); the kind state lives as long as b.
    unsafe {
        match &mut (*b).kind {
            Kind::Socket(s) => s,
            _ => unreachable!("socket operation on a {} bufferevent", (*b).ops.name),
        }
    }
}

/// Errors after which a read or write is simply tried again later.
fn rw_retriable(err: c_int) -> bool {
    err == libc::EINTR || err == libc::EAGAIN || err == libc::EWOULDBLOCK
}

/// Has the connect on `fd` finished? 1 yes, 0 still in progress, -1 failed (errno set to
/// the connect error).
fn finished_connecting(fd: c_int) -> c_int {
    let mut e: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as socklen_t;
    // SAFETY: e and len are live locals of the sizes passed.
    if unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_ERROR, &mut e as *mut c_int as *mut c_void, &mut len) } < 0 {
        return -1;
    }
    if e != 0 {
        if e == libc::EINTR || e == libc::EINPROGRESS {
            return 0;
        }
        set_errno(e);
        return -1;
    }
    1
}

/// bufferevent_socket_new. The fd (may be -1) is used as is: the program makes it
/// non-blocking.
///
/// # Safety
/// base is NULL or a live base.
pub unsafe fn new(base: *mut EventBase, fd: c_int, options: c_int) -> *mut Bev {
    // SAFETY: base is NULL or live (contract); b is fresh and ours until returned.
    unsafe {
        let b = alloc(base, &SOCKET_OPS, options, Kind::Socket(SocketState { connecting: false }));
        if b.is_null() {
            return b;
        }
        let outp = output(b);
        evbuffer::set_flags(outp, BufferFlags::DRAINS_TO_FD);
        assign_events(b, fd);
        evbuffer::add_cb(outp, Some(outbuf_cb), b as *mut c_void);
        // The program may add to the output and drain the input; only we add to the input
        // and drain the output.
        evbuffer::freeze(input(b), END);
        evbuffer::freeze(outp, FRONT);
        b
    }
}

/// # Safety
/// Module contract.
unsafe fn assign_events(b: *mut Bev, fd: c_int) {
    // SAFETY: b is live (module contract); the events live inside b.
    unsafe {
        let base = (*b).public.ev_base;
        let arg = b as *mut c_void;
        api::assign(&raw mut (*b).public.ev_read, base, fd, EV_READ | EV_PERSIST | EV_FINALIZE, Some(readcb), arg);
        api::assign(&raw mut (*b).public.ev_write, base, fd, EV_WRITE | EV_PERSIST | EV_FINALIZE, Some(writecb), arg);
    }
}

/// Data added to the output: start writing if the program wants to and we are not already.
unsafe extern "C" fn outbuf_cb(_buf: *mut Evbuffer, info: *const CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the entry lives in b's output buffer, freed together with b; info is the
    // evbuffer's.
    unsafe {
        if (*info).n_added == 0 || enabled(b) & EV_WRITE == 0 || (*b).write_suspended != 0 {
            return;
        }
        let p = &raw mut (*b).public;
        if api::pending(&raw const (*p).ev_write, EV_WRITE, None) == 0 {
            add_event(&raw mut (*p).ev_write, (*p).timeout_write);
        }
    }
}

unsafe extern "C" fn readcb(fd: c_int, what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: ev_read lives in b and is deleted before b is released; enter() takes a
    // reference for the duration.
    unsafe {
        if !enter(b) {
            return;
        }
        let mut ev_what = BEV_EVENT_READING;
        let mut failed = false;
        let mut err = 0;
        let inp = input(b);
        'work: {
            if what == EV_TIMEOUT {
                ev_what |= BEV_EVENT_TIMEOUT;
                failed = true;
                break 'work;
            }
            // Never read past the high-water mark.
            let mut howmuch: isize = -1;
            if let Some(room) = super::watermark::read_room((*b).public.wm_read.high, evbuffer::length(inp)) {
                if room <= 0 {
                    suspend_read(b, SUSPEND_WM);
                    break 'work;
                }
                howmuch = room;
            }
            let readmax = ratelim::get_read_max(b);
            if howmuch < 0 || howmuch > readmax {
                howmuch = readmax;
            }
            if (*b).read_suspended != 0 {
                break 'work;
            }
            evbuffer::unfreeze(inp, END);
            let res = evbuffer::read(inp, fd, howmuch.min(c_int::MAX as isize) as c_int);
            err = errno();
            evbuffer::freeze(inp, END);
            if res < 0 {
                if rw_retriable(err) {
                    break 'work;
                }
                ev_what |= BEV_EVENT_ERROR;
                failed = true;
                break 'work;
            }
            if res == 0 {
                ev_what |= BEV_EVENT_EOF;
                failed = true;
                break 'work;
            }
            ratelim::decrement_read(b, res as isize);
            if evbuffer::length(inp) >= (*b).public.wm_read.low {
                run_readcb(b, 0);
            }
        }
        if failed {
            disable(b, EV_READ);
            set_errno(err);
            run_eventcb(b, ev_what, 0);
        }
        decref_and_unlock(b);
    }
}

unsafe extern "C" fn writecb(fd: c_int, what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as readcb.
    unsafe {
        if !enter(b) {
            return;
        }
        let mut ev_what = BEV_EVENT_WRITING;
        let mut failed = false;
        let mut err = 0;
        let mut connected = false;
        let outp = output(b);
        let p = &raw mut (*b).public;
        'work: {
            // Only a pure timeout counts: with EV_WRITE too, the fd became writable in time.
            if what == EV_TIMEOUT {
                ev_what |= BEV_EVENT_TIMEOUT;
                failed = true;
                break 'work;
            }
            let st = state(b);
            if (*st).connecting {
                let c = finished_connecting(fd);
                if c == 0 {
                    break 'work;
                }
                (*st).connecting = false;
                if c < 0 {
                    let e = errno();
                    api::del(&raw mut (*p).ev_write);
                    api::del(&raw mut (*p).ev_read);
                    set_errno(e);
                    run_eventcb(b, BEV_EVENT_ERROR, 0);
                    break 'work;
                }
                connected = true;
                run_eventcb(b, BEV_EVENT_CONNECTED, 0);
                if enabled(b) & EV_WRITE == 0 || (*b).write_suspended != 0 {
                    api::del(&raw mut (*p).ev_write);
                    break 'work;
                }
            }
            let atmost = ratelim::get_write_max(b);
            if (*b).write_suspended != 0 {
                break 'work;
            }
            let mut res = 0;
            if evbuffer::length(outp) > 0 {
                evbuffer::unfreeze(outp, FRONT);
                res = evbuffer::write_atmost(outp, fd, atmost);
                err = errno();
                evbuffer::freeze(outp, FRONT);
                if res < 0 {
                    if rw_retriable(err) {
                        if evbuffer::length(outp) == 0 {
                            api::del(&raw mut (*p).ev_write);
                        }
                        break 'work;
                    }
                    ev_what |= BEV_EVENT_ERROR;
                    failed = true;
                    break 'work;
                }
                if res == 0 {
                    ev_what |= BEV_EVENT_EOF;
                    failed = true;
                    break 'work;
                }
                ratelim::decrement_write(b, res as isize);
            }
            if evbuffer::length(outp) == 0 {
                api::del(&raw mut (*p).ev_write);
            }
            // The write callback: after writing, or on plain writability (not on the
            // writability that only reported a finished connect).
            if res != 0 || !connected {
                trigger_nolock(b, EV_WRITE, 0);
            }
        }
        if failed {
            disable(b, EV_WRITE);
            set_errno(err);
            run_eventcb(b, ev_what, 0);
        }
        decref_and_unlock(b);
    }
}

/// Write the output buffer to the socket now, instead of waiting for writability: most
/// writes (an HTTP response, a request on a kept-alive connection) fit in the socket buffer,
/// and then neither the write event's registration nor the wait for it is needed. True when
/// the output is empty afterwards. Only for a connected socket bufferevent without rate
/// limits whose writing is not suspended; false otherwise, and on EAGAIN or an error (the
/// write event, once enabled, meets the error again and reports it the usual way).
///
/// # Safety
/// Module contract.
pub unsafe fn write_now(b: *mut Bev) -> bool {
    // SAFETY: b is live (module contract); its state is read under its lock (enter), and the
    // reference taken by enter keeps it while we write.
    unsafe {
        if !ptr::eq((*b).ops, &SOCKET_OPS) || (*b).rate.is_some() || !enter(b) {
            return false;
        }
        let fd = api::fd(&raw const (*b).public.ev_read);
        let outp = output(b);
        let mut empty = false;
        if fd >= 0 && !(*state(b)).connecting && (*b).write_suspended == 0 && evbuffer::length(outp) > 0 {
            let err = errno();
            evbuffer::unfreeze(outp, FRONT);
            let _ = evbuffer::write_atmost(outp, fd, -1);
            evbuffer::freeze(outp, FRONT);
            // A failed attempt leaves errno as it was: the write event reports what it meets.
            set_errno(err);
            empty = evbuffer::length(outp) == 0;
        }
        decref_and_unlock(b);
        empty
    }
}

unsafe fn socket_enable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        let p = &raw mut (*b).public;
        if event & EV_READ != 0 && add_event(&raw mut (*p).ev_read, (*p).timeout_read) == -1 {
            return -1;
        }
        if event & EV_WRITE != 0 && add_event(&raw mut (*p).ev_write, (*p).timeout_write) == -1 {
            return -1;
        }
        0
    }
}

unsafe fn socket_disable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        let p = &raw mut (*b).public;
        if event & EV_READ != 0 && api::del(&raw mut (*p).ev_read) == -1 {
            return -1;
        }
        // A connect in progress keeps watching for writability.
        if event & EV_WRITE != 0 && !(*state(b)).connecting && api::del(&raw mut (*p).ev_write) == -1 {
            return -1;
        }
        0
    }
}

unsafe fn socket_destruct(b: *mut Bev) {
    // SAFETY: b is live (ops contract).
    unsafe {
        let fd = api::fd(&raw const (*b).public.ev_read);
        if (*b).options & BEV_OPT_CLOSE_ON_FREE != 0 && fd >= 0 {
            sock::close(fd);
        }
    }
}

/// Sockets have nothing buffered below the output buffer.
unsafe fn socket_flush(_b: *mut Bev, _iotype: c_short, _mode: c_int) -> c_int {
    0
}

unsafe fn socket_ctrl(b: *mut Bev, op: Ctrl) -> Result<CtrlOut, ()> {
    // SAFETY: b is live (ops contract).
    unsafe {
        match op {
            Ctrl::SetFd(fd) => {
                setfd_locked(b, fd);
                Ok(CtrlOut::Done)
            }
            Ctrl::GetFd => Ok(CtrlOut::Fd(api::fd(&raw const (*b).public.ev_read))),
            Ctrl::GetUnderlying => Err(()),
            // Host-name lookups finish before bufferevent_socket_connect_hostname returns:
            // nothing is ever pending.
            Ctrl::CancelAll => Ok(CtrlOut::Done),
        }
    }
}

/// Watch another fd: events re-made on it, buffers open to the program again, reading and
/// writing restarted as enabled.
///
/// # Safety
/// Module contract; `b` locked.
unsafe fn setfd_locked(b: *mut Bev, fd: c_int) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        let p = &raw mut (*b).public;
        api::del(&raw mut (*p).ev_read);
        api::del(&raw mut (*p).ev_write);
        evbuffer::unfreeze(input(b), END);
        evbuffer::unfreeze(output(b), FRONT);
        assign_events(b, fd);
        if fd >= 0 {
            enable(b, enabled(b));
        }
    }
}

/// bufferevent_socket_connect: connect the bufferevent's own socket to `sa` (with a NULL
/// `sa`, wait for a connect the program started itself), through its kind's connect entry.
/// 0 when the connect is under way (the outcome comes as BEV_EVENT_CONNECTED or
/// BEV_EVENT_ERROR), -1 on failure or for a kind with no socket of its own (pairs, filters).
///
/// # Safety
/// Module contract; sa is NULL or points to socklen readable bytes.
pub unsafe fn connect(b: *mut Bev, sa: *const sockaddr, socklen: c_int) -> c_int {
    // SAFETY: b is live (module contract).
    let (ops, name) = unsafe { ((*b).ops.connect, (*b).ops.name) };
    match ops {
        // SAFETY: b is live and of the entry's kind; sa as our contract says, which is the entry's.
        Some(f) => unsafe { f(b, sa, socklen) },
        None => {
            log::warn(&format!("bufferevent_socket_connect: not a socket bufferevent ({name})"));
            -1
        }
    }
}

/// The socket kind's connect: the fd (made here when there is none) is connected and watched
/// for the outcome.
///
/// # Safety
/// Module contract; `b` is a socket bufferevent; sa is NULL or points to socklen readable bytes.
unsafe fn socket_connect(b: *mut Bev, sa: *const sockaddr, socklen: c_int) -> c_int {
    // SAFETY: b is a live socket bufferevent; sa is NULL or socklen readable bytes (contract).
    unsafe {
        incref_and_lock(b);
        let mut result = -1;
        let mut fd = getfd(b);
        let mut ownfd = false;
        'work: {
            if fd < 0 {
                if sa.is_null() {
                    break 'work;
                }
                fd = libc::socket((*sa).sa_family as c_int, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0);
                if fd < 0 {
                    break 'work;
                }
                ownfd = true;
            }
            let mut r = sock::CONNECT_IN_PROGRESS;
            if !sa.is_null() {
                r = sock::connect_nonblocking(&mut fd, sa, socklen as socklen_t);
                if r < 0 {
                    if ownfd {
                        let e = errno();
                        sock::close(fd);
                        set_errno(e);
                    }
                    break 'work;
                }
            }
            setfd(b, fd);
            match r {
                sock::CONNECT_IN_PROGRESS => {
                    if socket_enable(b, EV_WRITE) == 0 {
                        (*state(b)).connecting = true;
                        result = 0;
                    }
                }
                sock::CONNECT_DONE => {
                    // Connected at once (AF_UNIX): the write event still reports it.
                    result = 0;
                    (*state(b)).connecting = true;
                    trigger_nolock(b, EV_WRITE, BEV_OPT_DEFER_CALLBACKS);
                }
                _ => {
                    // Refused at once: report it from the loop.
                    result = 0;
                    set_errno(libc::ECONNREFUSED);
                    run_eventcb(b, BEV_EVENT_ERROR, BEV_OPT_DEFER_CALLBACKS);
                    disable(b, EV_WRITE | EV_READ);
                }
            }
        }
        decref_and_unlock(b);
        result
    }
}

/// bufferevent_socket_connect_hostname: resolve (through `dns_base` like evdns_getaddrinfo
/// when there is one, else blocking, as libevent does without an evdns base), then connect to
/// the first address through the kind's connect entry. Returns 0 once the attempt is made; a
/// failed lookup is reported as BEV_EVENT_ERROR with bufferevent_socket_get_dns_error telling
/// why. As in libevent, nothing is read or written while the name is looked up.
///
/// # Safety
/// Module contract; `dns_base` is NULL or a live evdns base; hostname is NULL or a C string.
pub unsafe fn connect_hostname(
    b: *mut Bev,
    dns_base: *mut crate::dns::resolver::EvdnsBase,
    family: c_int,
    hostname: *const c_char,
    port: c_int,
) -> c_int {
    if family != libc::AF_INET && family != libc::AF_INET6 && family != libc::AF_UNSPEC {
        return -1;
    }
    if !(1..=65535).contains(&port) {
        return -1;
    }
    // SAFETY: b is live (module contract).
    let (ops, name) = unsafe { ((*b).ops.connect, (*b).ops.name) };
    if ops.is_none() {
        log::warn(&format!("bufferevent_socket_connect_hostname: not a socket bufferevent ({name})"));
        return -1;
    }
    // SAFETY: addrinfo is plain C data; all-zero is valid (null pointers, 0 ints).
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = family;
    hints.ai_protocol = libc::IPPROTO_TCP;
    hints.ai_socktype = libc::SOCK_STREAM;
    let port = format!("{port}\0");
    // SAFETY: b is live (module contract), hostname NULL or a C string, port a C string; the
    // lookup's reference keeps b alive until lookup_done has run; dns_base is NULL or live.
    unsafe {
        lock(b);
        (*b).dns_error = 0;
        suspend_write(b, SUSPEND_LOOKUP);
        suspend_read(b, SUSPEND_LOOKUP);
        incref(b);
        if !dns_base.is_null() {
            crate::dns::resolver::api::getaddrinfo_async(
                dns_base,
                hostname,
                port.as_ptr() as *const c_char,
                &hints,
                lookup_answered,
                b as *mut c_void,
            );
            unlock(b);
            return 0;
        }
        let hints = addrinfo::system_hints(Some(&hints));
        let mut ai: *mut libc::addrinfo = ptr::null_mut();
        let err = addrinfo::getaddrinfo(hostname, port.as_ptr() as *const c_char, &hints, &mut ai);
        lookup_done(b, err, ai);
        unlock(b);
    }
    0
}

/// The evdns answer to connect_hostname's lookup.
unsafe extern "C" fn lookup_answered(err: c_int, ai: *mut libc::addrinfo, arg: *mut c_void) {
    // SAFETY: arg is the bufferevent connect_hostname passed; it holds a reference until here.
    unsafe { lookup_done(arg as *mut Bev, err, ai) }
}

/// The end of a lookup: connect to the result or report the failure; the result is freed.
///
/// # Safety
/// Module contract; `b` holds the reference connect_hostname took; ai is NULL or the result.
unsafe fn lookup_done(b: *mut Bev, err: c_int, ai: *mut libc::addrinfo) {
    // SAFETY: b is live (the lookup's reference, dropped here); ai is NULL or getaddrinfo's
    // list, freed once, at the end.
    unsafe {
        lock(b);
        unsuspend_write(b, SUSPEND_LOOKUP);
        unsuspend_read(b, SUSPEND_LOOKUP);
        if err == crate::util::addrinfo::EAI_CANCEL {
            // Cancelled: no event, as libevent.
            (*b).dns_error = err;
            decref_and_unlock(b);
            return;
        }
        if err != 0 || ai.is_null() {
            (*b).dns_error = if err != 0 { err } else { libc::EAI_FAIL };
            run_eventcb(b, BEV_EVENT_ERROR, 0);
        } else if connect(b, (*ai).ai_addr, (*ai).ai_addrlen as c_int) < 0 {
            run_eventcb(b, BEV_EVENT_ERROR, 0);
        }
        decref_and_unlock(b);
        addrinfo::freeaddrinfo(ai);
    }
}

/// bufferevent_socket_get_dns_error: the last lookup's error (EVUTIL_EAI_*); 0 when it
/// worked, and for kinds that never look names up.
///
/// # Safety
/// Module contract.
pub unsafe fn get_dns_error(b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let e = (*b).dns_error;
        unlock(b);
        e
    }
}

/// bufferevent_priority_set: socket bufferevents only.
///
/// # Safety
/// Module contract.
pub unsafe fn priority_set(b: *mut Bev, pri: c_int) -> c_int {
    // SAFETY: b is live (module contract).
    unsafe {
        lock(b);
        let mut r = -1;
        if is_kind(b, &SOCKET_OPS)
            && api::priority_set(&raw mut (*b).public.ev_read, pri) == 0
            && api::priority_set(&raw mut (*b).public.ev_write, pri) == 0
        {
            set_deferred_priority(b, pri);
            r = 0;
        }
        unlock(b);
        r
    }
}

/// bufferevent_base_set: move a socket bufferevent to another base (its events must not
/// be pending).
///
/// # Safety
/// Module contract; base is NULL or live.
pub unsafe fn base_set(base: *mut EventBase, b: *mut Bev) -> c_int {
    // SAFETY: b is live (module contract); base is NULL or live (refused by api::base_set).
    unsafe {
        lock(b);
        let mut r = -1;
        if is_kind(b, &SOCKET_OPS) {
            (*b).public.ev_base = base;
            r = api::base_set(base, &raw mut (*b).public.ev_read);
            if r != -1 {
                r = api::base_set(base, &raw mut (*b).public.ev_write);
            }
        }
        unlock(b);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retriable_errors() {
        assert!(rw_retriable(libc::EAGAIN));
        assert!(rw_retriable(libc::EINTR));
        assert!(!rw_retriable(libc::ECONNRESET));
        assert!(!rw_retriable(libc::EPIPE));
    }

    #[test]
    fn connect_state_of_a_fresh_socket() {
        // A connected socket pair reports "finished".
        let mut sv = [-1; 2];
        assert_eq!(sock::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, &mut sv), 0);
        assert_eq!(finished_connecting(sv[0]), 1);
        sock::close(sv[0]);
        sock::close(sv[1]);
        // A bad fd fails.
        assert_eq!(finished_connecting(-1), -1);
    }
}
