//! event2/util.h, plus the internal evutil_* / EVUTIL_*_ / event_mm_* helpers libevent's own
//! test programs import. Each shim checks pointers (NULL or out-of-range input gets the
//! function's error value instead of a crash), turns C memory into slices and values, and
//! calls `crate::util`. evutil_snprintf / evutil_vsnprintf are C (src/c/util_printf.c).

#![allow(clippy::missing_safety_doc)] // C entry points: the contract is libevent's header documentation; each shim checks its pointers

use crate::core::mem;
use crate::util::addrinfo;
use crate::util::ctype;
use crate::util::inet::{self, SockaddrView};
use crate::util::rng::{self, WeakRandState};
use crate::util::socket;
use crate::util::strings;
use crate::util::sys::set_errno;
use crate::util::time::{self, MonotonicTimer};
use libc::{addrinfo as AddrInfo, c_char, c_int, c_uint, c_void, in6_addr, in_addr, size_t, sockaddr, timeval};
use std::ffi::CStr;
use std::ptr;

/// The bytes of a C string (before its NUL); None for NULL.
///
/// # Safety
/// `s` is NULL or NUL-terminated.
unsafe fn c_bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    if s.is_null() {
        return None;
    }
    // SAFETY: s is non-NULL and NUL-terminated (contract).
    Some(unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// A writable byte view of a caller's buffer; empty for NULL or zero length.
///
/// # Safety
/// `p` is NULL or valid for `len` bytes of writing.
unsafe fn out_buf<'a>(p: *mut c_char, len: usize) -> &'a mut [u8] {
    if p.is_null() || len == 0 {
        return &mut [];
    }
    // SAFETY: p is non-NULL and valid for len bytes of writing (contract).
    unsafe { std::slice::from_raw_parts_mut(p as *mut u8, len) }
}

// ---- monotonic timers ----

#[no_mangle]
pub extern "C" fn evutil_monotonic_timer_new() -> *mut MonotonicTimer {
    mem::new_object(MonotonicTimer::new()).unwrap_or(ptr::null_mut())
}

#[no_mangle]
pub unsafe extern "C" fn evutil_monotonic_timer_free(timer: *mut MonotonicTimer) {
    // SAFETY: timer is NULL or came from evutil_monotonic_timer_new and is given up here.
    unsafe { mem::free_object(timer) };
}

#[no_mangle]
pub unsafe extern "C" fn evutil_configure_monotonic_time(timer: *mut MonotonicTimer, flags: c_int) -> c_int {
    // SAFETY: timer is NULL or a live timer (ours, or one laid out like libevent's).
    match unsafe { timer.as_mut() } {
        Some(t) => t.configure(flags),
        None => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_configure_monotonic_time_(timer: *mut MonotonicTimer, flags: c_int) -> c_int {
    // SAFETY: the same entry point under libevent's internal name.
    unsafe { evutil_configure_monotonic_time(timer, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_gettime_monotonic(timer: *mut MonotonicTimer, tp: *mut timeval) -> c_int {
    // SAFETY: timer is NULL or a live timer; tp is NULL or writable.
    let (Some(t), false) = (unsafe { timer.as_mut() }, tp.is_null()) else {
        return -1;
    };
    match t.now() {
        Some(now) => {
            // SAFETY: tp checked non-NULL above.
            unsafe { *tp = now };
            0
        }
        None => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_gettime_monotonic_(timer: *mut MonotonicTimer, tp: *mut timeval) -> c_int {
    // SAFETY: the same entry point under libevent's internal name.
    unsafe { evutil_gettime_monotonic(timer, tp) }
}

// ---- sockets ----

#[no_mangle]
pub unsafe extern "C" fn evutil_socketpair(domain: c_int, ty: c_int, protocol: c_int, sv: *mut c_int) -> c_int {
    if sv.is_null() {
        set_errno(libc::EFAULT);
        return -1;
    }
    // SAFETY: sv points to two ints (the prototype's `evutil_socket_t[2]`).
    let pair = unsafe { &mut *(sv as *mut [c_int; 2]) };
    socket::socketpair(domain, ty, protocol, pair)
}

#[no_mangle]
pub extern "C" fn evutil_make_socket_nonblocking(fd: c_int) -> c_int {
    socket::make_nonblocking(fd)
}

#[no_mangle]
pub extern "C" fn evutil_make_socket_closeonexec(fd: c_int) -> c_int {
    socket::make_closeonexec(fd)
}

#[no_mangle]
pub extern "C" fn evutil_make_listen_socket_reuseable(fd: c_int) -> c_int {
    socket::make_listen_reuseable(fd)
}

#[no_mangle]
pub extern "C" fn evutil_make_listen_socket_reuseable_port(fd: c_int) -> c_int {
    socket::make_listen_reuseable_port(fd)
}

#[no_mangle]
pub extern "C" fn evutil_make_listen_socket_ipv6only(fd: c_int) -> c_int {
    socket::make_listen_ipv6only(fd)
}

#[no_mangle]
pub extern "C" fn evutil_make_tcp_listen_socket_deferred(fd: c_int) -> c_int {
    socket::make_tcp_listen_deferred(fd)
}

#[no_mangle]
pub extern "C" fn evutil_closesocket(fd: c_int) -> c_int {
    socket::close(fd)
}

#[no_mangle]
pub unsafe extern "C" fn evutil_make_internal_pipe_(fds: *mut c_int) -> c_int {
    if fds.is_null() {
        return -1;
    }
    // SAFETY: fds points to two ints.
    socket::make_internal_pipe(unsafe { &mut *(fds as *mut [c_int; 2]) })
}

#[no_mangle]
pub unsafe extern "C" fn evutil_socket_connect_(fd_ptr: *mut c_int, sa: *const sockaddr, socklen: c_int) -> c_int {
    if fd_ptr.is_null() || sa.is_null() || socklen < 0 {
        return -1;
    }
    // SAFETY: fd_ptr is a live int; sa holds socklen bytes (the caller's promise, as in C).
    unsafe { socket::connect_nonblocking(&mut *fd_ptr, sa, socklen as libc::socklen_t) }
}

// ---- numbers and strings ----

#[no_mangle]
pub unsafe extern "C" fn evutil_strtoll(s: *const c_char, endptr: *mut *mut c_char, base: c_int) -> i64 {
    if s.is_null() {
        if !endptr.is_null() {
            // SAFETY: endptr is writable when non-NULL.
            unsafe { *endptr = ptr::null_mut() };
        }
        return 0;
    }
    // SAFETY: s is a C string; endptr is NULL or writable.
    unsafe { libc::strtoll(s, endptr, base) }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_ascii_strcasecmp(s1: *const c_char, s2: *const c_char) -> c_int {
    // SAFETY: the arguments are NULL or C strings.
    match unsafe { (c_bytes(s1), c_bytes(s2)) } {
        (Some(a), Some(b)) => strings::ascii_casecmp(a, b, None),
        // NULL sorts before any string (libevent would crash).
        (None, None) => 0,
        (None, Some(_)) => -1,
        (Some(_), None) => 1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_ascii_strncasecmp(s1: *const c_char, s2: *const c_char, n: size_t) -> c_int {
    if n == 0 {
        return 0;
    }
    // Only the first n bytes may be read: the strings need not be terminated within n.
    let bounded = |s: *const c_char| -> Option<&[u8]> {
        if s.is_null() {
            return None;
        }
        // SAFETY: s is readable up to its NUL or n bytes, whichever comes first.
        Some(unsafe { std::slice::from_raw_parts(s as *const u8, libc::strnlen(s, n)) })
    };
    match (bounded(s1), bounded(s2)) {
        (Some(a), Some(b)) => strings::ascii_casecmp(a, b, Some(n)),
        (None, None) => 0,
        (None, Some(_)) => -1,
        (Some(_), None) => 1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn event_strlcpy_(dst: *mut c_char, src: *const c_char, size: size_t) -> size_t {
    // SAFETY: src is NULL or a C string.
    let Some(src) = (unsafe { c_bytes(src) }) else {
        return 0;
    };
    // SAFETY: dst is NULL or holds `size` bytes.
    strings::strlcpy(unsafe { out_buf(dst, size) }, src)
}

#[no_mangle]
pub unsafe extern "C" fn evutil_rtrim_lws_(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    // SAFETY: s is a writable C string: its strlen bytes are ours to change.
    strings::rtrim_lws(unsafe { std::slice::from_raw_parts_mut(s as *mut u8, libc::strlen(s)) });
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISALPHA_(c: c_char) -> c_int {
    ctype::is_alpha(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISALNUM_(c: c_char) -> c_int {
    ctype::is_alnum(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISSPACE_(c: c_char) -> c_int {
    ctype::is_space(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISDIGIT_(c: c_char) -> c_int {
    ctype::is_digit(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISXDIGIT_(c: c_char) -> c_int {
    ctype::is_xdigit(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISPRINT_(c: c_char) -> c_int {
    ctype::is_print(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISLOWER_(c: c_char) -> c_int {
    ctype::is_lower(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_ISUPPER_(c: c_char) -> c_int {
    ctype::is_upper(c as u8) as c_int
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_TOLOWER_(c: c_char) -> c_char {
    ctype::to_lower(c as u8) as c_char
}

#[no_mangle]
#[allow(non_snake_case)] // libevent's exported name
pub extern "C" fn EVUTIL_TOUPPER_(c: c_char) -> c_char {
    ctype::to_upper(c as u8) as c_char
}

// ---- addresses ----

#[no_mangle]
pub unsafe extern "C" fn evutil_inet_ntop(af: c_int, src: *const c_void, dst: *mut c_char, len: size_t) -> *const c_char {
    let src_len = match af {
        libc::AF_INET => 4,
        libc::AF_INET6 => 16,
        _ => return ptr::null(),
    };
    if src.is_null() || dst.is_null() {
        return ptr::null();
    }
    // SAFETY: src holds an address of the family's size; dst holds len bytes.
    let (src, out) = unsafe { (std::slice::from_raw_parts(src as *const u8, src_len), out_buf(dst, len)) };
    if inet::ntop(af, src, out) {
        dst
    } else {
        ptr::null()
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int {
    if af != libc::AF_INET && af != libc::AF_INET6 {
        return -1;
    }
    // SAFETY: src is NULL or a C string.
    let Some(text) = (unsafe { c_bytes(src) }) else {
        return 0;
    };
    if dst.is_null() {
        return 0;
    }
    let size = if af == libc::AF_INET { 4 } else { 16 };
    // SAFETY: dst holds an address of the family's size (the program's contract, as in C).
    inet::pton(af, text, unsafe { std::slice::from_raw_parts_mut(dst as *mut u8, size) })
}

#[no_mangle]
pub unsafe extern "C" fn evutil_inet_pton_scope(af: c_int, src: *const c_char, dst: *mut c_void, indexp: *mut c_uint) -> c_int {
    // SAFETY: indexp is NULL or writable.
    let set_index = |i: u32| unsafe {
        if !indexp.is_null() {
            *indexp = i;
        }
    };
    set_index(0);
    if af != libc::AF_INET6 {
        // SAFETY: src and dst as the program passed them: evutil_inet_pton's contract.
        return unsafe { evutil_inet_pton(af, src, dst) };
    }
    // SAFETY: src is NULL or a C string.
    let Some(text) = (unsafe { c_bytes(src) }) else {
        return 0;
    };
    let scoped = inet::pton_scoped(text);
    set_index(scoped.scope_id);
    match scoped.addr {
        Some(a) if !dst.is_null() => {
            // SAFETY: dst holds a 16-byte in6_addr.
            unsafe { ptr::copy_nonoverlapping(a.as_ptr(), dst as *mut u8, 16) };
            1
        }
        _ => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_parse_sockaddr_port(s: *const c_char, out: *mut sockaddr, outlen: *mut c_int) -> c_int {
    if out.is_null() || outlen.is_null() {
        return -1;
    }
    // SAFETY: s is NULL or a C string.
    let Some(text) = (unsafe { c_bytes(s) }) else {
        return -1;
    };
    // SAFETY: outlen is a live int.
    let room = unsafe { *outlen };
    if room < 0 {
        return -1;
    }
    // SAFETY: out holds `room` writable bytes (the caller's promise, as in C).
    let out_bytes = unsafe { std::slice::from_raw_parts_mut(out as *mut u8, room as usize) };
    match inet::parse_sockaddr_port_into(text, out_bytes) {
        Some(n) => {
            // SAFETY: outlen is a live int (read above).
            unsafe { *outlen = n as c_int };
            0
        }
        None => -1,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_sockaddr_cmp(sa1: *const sockaddr, sa2: *const sockaddr, include_port: c_int) -> c_int {
    match (sa1.is_null(), sa2.is_null()) {
        (true, true) => return 0,
        (true, false) => return -1,
        (false, true) => return 1,
        (false, false) => {}
    }
    // SAFETY: both are non-NULL socket addresses.
    let (a, b) = unsafe { (SockaddrView::read(sa1), SockaddrView::read(sa2)) };
    inet::sockaddr_cmp(&a, &b, include_port != 0)
}

#[no_mangle]
pub unsafe extern "C" fn evutil_sockaddr_is_loopback_(sa: *const sockaddr) -> c_int {
    if sa.is_null() {
        return 0;
    }
    // SAFETY: sa is a non-NULL socket address.
    inet::is_loopback(&unsafe { SockaddrView::read(sa) }) as c_int
}

#[no_mangle]
pub unsafe extern "C" fn evutil_v4addr_is_local_(a: *const in_addr) -> c_int {
    // SAFETY: a is NULL or a live in_addr.
    match unsafe { a.as_ref() } {
        Some(a) => inet::v4_is_local(a.s_addr.to_ne_bytes()) as c_int,
        None => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_v6addr_is_local_(a: *const in6_addr) -> c_int {
    // SAFETY: a is NULL or a live in6_addr.
    match unsafe { a.as_ref() } {
        Some(a) => inet::v6_is_local(&a.s6_addr) as c_int,
        None => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_format_sockaddr_port_(sa: *const sockaddr, out: *mut c_char, outlen: size_t) -> *const c_char {
    if sa.is_null() {
        return out;
    }
    // SAFETY: sa is a non-NULL socket address.
    let text = inet::format_sockaddr_port(&unsafe { SockaddrView::read(sa) });
    // SAFETY: out is NULL or holds outlen bytes.
    strings::snprint(unsafe { out_buf(out, outlen) }, text.as_bytes());
    out
}

// ---- getaddrinfo ----

#[no_mangle]
pub unsafe extern "C" fn evutil_getaddrinfo(
    node: *const c_char,
    serv: *const c_char,
    hints: *const AddrInfo,
    res: *mut *mut AddrInfo,
) -> c_int {
    if res.is_null() {
        set_errno(libc::EINVAL);
        return addrinfo::EAI_SYSTEM;
    }
    // SAFETY: hints is NULL or a live addrinfo; node/serv are NULL or C strings; res is
    // writable.
    unsafe { addrinfo::lookup(node, serv, hints.as_ref(), res) }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_freeaddrinfo(ai: *mut AddrInfo) {
    // SAFETY: ai is NULL or a list from evutil_getaddrinfo (or built by our resolver).
    unsafe { addrinfo::freeaddrinfo(ai) }
}

#[no_mangle]
pub extern "C" fn evutil_gai_strerror(err: c_int) -> *const c_char {
    addrinfo::gai_strerror(err)
}

// ---- randomness ----

#[no_mangle]
pub unsafe extern "C" fn evutil_secure_rng_get_bytes(buf: *mut c_void, n: size_t) {
    // SAFETY: buf is NULL or holds n writable bytes.
    rng::secure_fill(unsafe { out_buf(buf as *mut c_char, n) });
}

/// The kernel generator needs no warming up: always ready (0).
#[no_mangle]
pub extern "C" fn evutil_secure_rng_init() -> c_int {
    0
}

/// The generator is the kernel's, never a device file: refused (-1), as Debian's libevent
/// (built on the C library's arc4random) refuses it.
#[no_mangle]
pub extern "C" fn evutil_secure_rng_set_urandom_device_file(_fname: *mut c_char) -> c_int {
    -1
}

/// The kernel pool is seeded by the kernel; bytes offered by the program add nothing to it
/// and are deliberately ignored (the C library's arc4random that Debian's libevent uses
/// takes no additions either).
#[no_mangle]
pub extern "C" fn evutil_secure_rng_add_bytes(_dat: *const c_char, _datlen: size_t) {}

#[no_mangle]
pub unsafe extern "C" fn evutil_weakrand_seed_(state: *mut WeakRandState, seed: u32) -> u32 {
    // SAFETY: state is NULL or a live 4-byte state.
    match unsafe { state.as_mut() } {
        Some(s) => s.seed(seed),
        None => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_weakrand_(state: *mut WeakRandState) -> i32 {
    // SAFETY: state is NULL or a live state.
    match unsafe { state.as_mut() } {
        Some(s) => s.next_value(),
        None => 0,
    }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_weakrand_range_(state: *mut WeakRandState, top: i32) -> i32 {
    // SAFETY: state is NULL or a live state.
    match unsafe { state.as_mut() } {
        Some(s) => s.range(top),
        None => 0,
    }
}

// ---- time ----

#[no_mangle]
pub unsafe extern "C" fn evutil_date_rfc1123(date: *mut c_char, datelen: size_t, tm: *const libc::tm) -> c_int {
    if date.is_null() {
        return if datelen == 0 { 0 } else { -1 };
    }
    // SAFETY: date holds datelen bytes; tm is NULL or a live struct tm.
    unsafe { time::date_rfc1123(out_buf(date, datelen), tm.as_ref()) as c_int }
}

#[no_mangle]
pub unsafe extern "C" fn evutil_usleep_(tv: *const timeval) {
    // SAFETY: tv is NULL or a live timeval.
    if let Some(tv) = unsafe { tv.as_ref() } {
        time::sleep_for(tv);
    }
}

// ---- the library's allocator (event_set_mem_functions) ----

#[no_mangle]
pub extern "C" fn event_mm_malloc_(size: size_t) -> *mut c_void {
    mem::malloc(size)
}

#[no_mangle]
pub extern "C" fn event_mm_calloc_(count: size_t, size: size_t) -> *mut c_void {
    if count == 0 || size == 0 {
        return ptr::null_mut();
    }
    let p = mem::calloc(count, size);
    if p.is_null() {
        set_errno(libc::ENOMEM);
    }
    p
}

#[no_mangle]
pub unsafe extern "C" fn event_mm_realloc_(p: *mut c_void, size: size_t) -> *mut c_void {
    // SAFETY: p is NULL or from event_mm_malloc_ and friends (the caller's contract, as in C).
    unsafe { mem::realloc(p, size) }
}

#[no_mangle]
pub unsafe extern "C" fn event_mm_strdup_(s: *const c_char) -> *mut c_char {
    // SAFETY: s is NULL or a C string.
    let Some(bytes) = (unsafe { c_bytes(s) }) else {
        set_errno(libc::EINVAL);
        return ptr::null_mut();
    };
    let copy = mem::strdup_bytes(bytes);
    if copy.is_null() {
        set_errno(libc::ENOMEM);
    }
    copy
}

#[no_mangle]
pub unsafe extern "C" fn event_mm_free_(p: *mut c_void) {
    // SAFETY: p is NULL or from event_mm_malloc_ and friends, given up (the caller's contract).
    unsafe { mem::free(p) }
}
