//! Socket helpers: flags, listen-socket options, socket pairs, the internal wake-up pipe and
//! the nonblocking connect libevent's bufferevents use. On Unix a socket is an fd; every
//! function returns 0 / -1 with errno set, like the system calls underneath.

use crate::core::log;
use crate::util::sys::syscall;
use libc::{c_int, c_void, sockaddr, socklen_t};

/// Add `bit` to the flags `fcntl(fd, get)` reads (if not yet there). Failure is logged as
/// libevent logs it.
fn add_fd_flag(fd: c_int, get: c_int, set: c_int, bit: c_int, names: (&str, &str)) -> c_int {
    // fcntl on an arbitrary fd number touches no memory; a bad fd gives EBADF.
    let flags = match syscall!(fcntl(fd, get, 0)) {
        Ok(f) => f,
        Err(_) => {
            log::warn_errno(&format!("fcntl({}, {})", fd, names.0));
            return -1;
        }
    };
    if flags & bit == 0 && syscall!(fcntl(fd, set, flags | bit)).is_err() {
        log::warn_errno(&format!("fcntl({}, {})", fd, names.1));
        return -1;
    }
    0
}

/// Set O_NONBLOCK (if not yet set). Failure is logged as libevent logs it.
pub fn make_nonblocking(fd: c_int) -> c_int {
    add_fd_flag(fd, libc::F_GETFL, libc::F_SETFL, libc::O_NONBLOCK, ("F_GETFL", "F_SETFL"))
}

/// Set FD_CLOEXEC (if not yet set). Failure is logged as libevent logs it.
pub fn make_closeonexec(fd: c_int) -> c_int {
    add_fd_flag(fd, libc::F_GETFD, libc::F_SETFD, libc::FD_CLOEXEC, ("F_GETFD", "F_SETFD"))
}

/// setsockopt with an int value of 1; the system call's own result.
fn set_int_option(fd: c_int, level: c_int, name: c_int) -> c_int {
    let one: c_int = 1;
    // SAFETY: the option value is a live local int of the size we pass.
    unsafe { libc::setsockopt(fd, level, name, &one as *const c_int as *const c_void, std::mem::size_of::<c_int>() as socklen_t) }
}

/// SO_REUSEADDR: rebind a listening port right after the previous listener closed.
pub fn make_listen_reuseable(fd: c_int) -> c_int {
    set_int_option(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR)
}

/// SO_REUSEPORT: several sockets may listen on one port.
pub fn make_listen_reuseable_port(fd: c_int) -> c_int {
    set_int_option(fd, libc::SOL_SOCKET, libc::SO_REUSEPORT)
}

/// IPV6_V6ONLY: an IPv6 listener that does not also take IPv4-mapped connections.
pub fn make_listen_ipv6only(fd: c_int) -> c_int {
    set_int_option(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY)
}

/// TCP_DEFER_ACCEPT: don't report a connection until its first data arrives.
pub fn make_tcp_listen_deferred(fd: c_int) -> c_int {
    set_int_option(fd, libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT)
}

pub fn close(fd: c_int) -> c_int {
    // SAFETY: closing an fd the caller owns (or a bad one: EBADF).
    unsafe { libc::close(fd) }
}

/// socketpair(2) as is.
pub fn socketpair(domain: c_int, ty: c_int, protocol: c_int, pair: &mut [c_int; 2]) -> c_int {
    // SAFETY: pair is a live array of two ints.
    unsafe { libc::socketpair(domain, ty, protocol, pair.as_mut_ptr()) }
}

/// The loop's internal notification channel: a nonblocking, close-on-exec pipe, or a
/// socket pair when pipes are unavailable. On failure both ends are -1.
pub fn make_internal_pipe(fds: &mut [c_int; 2]) -> c_int {
    // SAFETY: fds is a live array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } == 0 {
        return 0;
    }
    log::warn_errno("evutil_make_internal_pipe_: pipe");
    let ty = libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC;
    if socketpair(libc::AF_UNIX, ty, 0, fds) == 0 {
        return 0;
    }
    *fds = [-1, -1];
    -1
}

/// Outcome of [`connect_nonblocking`], as libevent numbers it.
pub const CONNECT_ERROR: c_int = -1;
pub const CONNECT_IN_PROGRESS: c_int = 0;
pub const CONNECT_DONE: c_int = 1;
pub const CONNECT_REFUSED: c_int = 2;

/// Start connecting `*fd` (made here, nonblocking, when `*fd` < 0) to `addr`: 1 connected,
/// 0 in progress, 2 refused at once, -1 other error (a socket made here is then closed and
/// `*fd` reset to -1).
///
/// # Safety
/// `addr` points to `addrlen` readable bytes holding a socket address.
pub unsafe fn connect_nonblocking(fd: &mut c_int, addr: *const sockaddr, addrlen: socklen_t) -> c_int {
    let mut made_here = false;
    if *fd < 0 {
        // SAFETY: addr is readable (contract); sa_family is its first field.
        let family = unsafe { (*addr).sa_family } as c_int;
        let Ok(s) = syscall!(socket(family, libc::SOCK_STREAM, 0)) else {
            *fd = -1;
            return CONNECT_ERROR;
        };
        *fd = s;
        made_here = true;
        if make_nonblocking(*fd) < 0 {
            close(*fd);
            *fd = -1;
            return CONNECT_ERROR;
        }
    }
    // SAFETY: addr holds addrlen bytes of a socket address (contract).
    let Err(e) = syscall!(connect(*fd, addr, addrlen)) else { return CONNECT_DONE };
    // EINTR reports progress, not failure: the connection goes on in the background.
    match e.raw_os_error().unwrap_or(0) {
        libc::EINTR | libc::EINPROGRESS => CONNECT_IN_PROGRESS,
        libc::ECONNREFUSED => CONNECT_REFUSED,
        _ => {
            if made_here {
                close(*fd);
                *fd = -1;
            }
            CONNECT_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_pairs() {
        let mut sv = [-1; 2];
        assert_eq!(socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, &mut sv), 0);
        assert_eq!(make_nonblocking(sv[0]), 0);
        assert_eq!(make_nonblocking(sv[0]), 0);
        assert_eq!(make_closeonexec(sv[0]), 0);
        // SAFETY: fcntl on our own fd.
        unsafe {
            assert_ne!(libc::fcntl(sv[0], libc::F_GETFL) & libc::O_NONBLOCK, 0);
            assert_ne!(libc::fcntl(sv[0], libc::F_GETFD) & libc::FD_CLOEXEC, 0);
        }
        assert_eq!(close(sv[0]), 0);
        assert_eq!(close(sv[1]), 0);
        assert_eq!(make_listen_reuseable(-1), -1);
        let mut p = [-1; 2];
        assert_eq!(make_internal_pipe(&mut p), 0);
        assert!(p[0] >= 0 && p[1] >= 0);
        close(p[0]);
        close(p[1]);
    }

    #[test]
    fn connect_refused_or_pending() {
        // Bind a listener, then connect to it: connected or in progress.
        // SAFETY: plain socket calls on our own fds and a zeroed sockaddr_in.
        unsafe {
            let l = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            let mut sin: libc::sockaddr_in = std::mem::zeroed();
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let len = std::mem::size_of::<libc::sockaddr_in>() as socklen_t;
            assert_eq!(libc::bind(l, &sin as *const _ as *const sockaddr, len), 0);
            assert_eq!(libc::listen(l, 5), 0);
            let mut got = sin;
            let mut glen = len;
            libc::getsockname(l, &mut got as *mut _ as *mut sockaddr, &mut glen);
            let mut fd = -1;
            let r = connect_nonblocking(&mut fd, &got as *const _ as *const sockaddr, len);
            assert!(r == CONNECT_DONE || r == CONNECT_IN_PROGRESS);
            assert!(fd >= 0);
            close(fd);
            close(l);
        }
    }
}
