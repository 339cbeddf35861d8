//! Ours against Debian's libevent, evtag call by call: the input is read as evtag_unmarshal
//! reads it (tests/tag_fuzz.rs: byte 0 the script length, byte 1 the split, script bytes
//! picking a call and a tag, the payload), and the script runs through libevent's C entry
//! points twice: ours (the levent crate's exports, linked in and instrumented) and Debian's
//! libevent-2.1.so.7, opened with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) so its calls stay inside
//! it. Every return value, every output variable (also what a failing call writes) and the
//! buffer's length after each call must be the same; the first difference panics.
//! tests-c/probe/check_tag_corpus.sh replays the corpora the same way with two C builds.
#![no_main]

use levent::buffer::Evbuffer;
use levent::capi::{buffer as ob, tag as ot};
use libc::{c_char, c_int, c_void, timeval};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const MARK: u32 = 0xa5a5_a5a5;

/// The calls the script makes, over one library's buffer type.
struct Api<B> {
    new: unsafe extern "C" fn() -> *mut B,
    free: unsafe extern "C" fn(*mut B),
    add: unsafe extern "C" fn(*mut B, *const c_void, usize) -> c_int,
    length: unsafe extern "C" fn(*const B) -> usize,
    drain: unsafe extern "C" fn(*mut B, usize) -> c_int,
    peek: unsafe extern "C" fn(*mut B, *mut u32) -> c_int,
    peek_length: unsafe extern "C" fn(*mut B, *mut u32) -> c_int,
    payload_length: unsafe extern "C" fn(*mut B, *mut u32) -> c_int,
    consume: unsafe extern "C" fn(*mut B) -> c_int,
    decode_int: unsafe extern "C" fn(*mut u32, *mut B) -> c_int,
    decode_int64: unsafe extern "C" fn(*mut u64, *mut B) -> c_int,
    decode_tag: unsafe extern "C" fn(*mut u32, *mut B) -> c_int,
    unmarshal_int: unsafe extern "C" fn(*mut B, u32, *mut u32) -> c_int,
    unmarshal_int64: unsafe extern "C" fn(*mut B, u32, *mut u64) -> c_int,
    unmarshal: unsafe extern "C" fn(*mut B, *mut u32, *mut B) -> c_int,
    unmarshal_fixed: unsafe extern "C" fn(*mut B, u32, *mut c_void, usize) -> c_int,
    unmarshal_string: unsafe extern "C" fn(*mut B, u32, *mut *mut c_char) -> c_int,
    unmarshal_timeval: unsafe extern "C" fn(*mut B, u32, *mut timeval) -> c_int,
    unmarshal_header: unsafe extern "C" fn(*mut B, *mut u32) -> c_int,
}

fn ours() -> Api<Evbuffer> {
    Api {
        new: ob::evbuffer_new,
        free: ob::evbuffer_free,
        add: ob::evbuffer_add,
        length: ob::evbuffer_get_length,
        drain: ob::evbuffer_drain,
        peek: ot::evtag_peek,
        peek_length: ot::evtag_peek_length,
        payload_length: ot::evtag_payload_length,
        consume: ot::evtag_consume,
        decode_int: ot::evtag_decode_int,
        decode_int64: ot::evtag_decode_int64,
        decode_tag: ot::evtag_decode_tag,
        unmarshal_int: ot::evtag_unmarshal_int,
        unmarshal_int64: ot::evtag_unmarshal_int64,
        unmarshal: ot::evtag_unmarshal,
        unmarshal_fixed: ot::evtag_unmarshal_fixed,
        unmarshal_string: ot::evtag_unmarshal_string,
        unmarshal_timeval: ot::evtag_unmarshal_timeval,
        unmarshal_header: ot::evtag_unmarshal_header,
    }
}

/// Debian's library, or None when it is not installed (the target then checks nothing).
fn debian() -> Option<&'static Api<c_void>> {
    static API: OnceLock<Option<Api<c_void>>> = OnceLock::new();
    API.get_or_init(|| {
        // SAFETY: dlopen/dlsym with NUL-terminated names; each symbol is transmuted to the
        // signature libevent's headers give it (the same as ours, with void for the buffer).
        unsafe {
            let h = libc::dlopen(c"libevent-2.1.so.7".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND);
            if h.is_null() {
                return None;
            }
            macro_rules! sym {
                ($name:literal) => {{
                    let p = libc::dlsym(h, concat!($name, "\0").as_ptr() as *const c_char);
                    assert!(!p.is_null(), "Debian's libevent has no {}", $name);
                    std::mem::transmute::<*mut c_void, _>(p)
                }};
            }
            Some(Api {
                new: sym!("evbuffer_new"),
                free: sym!("evbuffer_free"),
                add: sym!("evbuffer_add"),
                length: sym!("evbuffer_get_length"),
                drain: sym!("evbuffer_drain"),
                peek: sym!("evtag_peek"),
                peek_length: sym!("evtag_peek_length"),
                payload_length: sym!("evtag_payload_length"),
                consume: sym!("evtag_consume"),
                decode_int: sym!("evtag_decode_int"),
                decode_int64: sym!("evtag_decode_int64"),
                decode_tag: sym!("evtag_decode_tag"),
                unmarshal_int: sym!("evtag_unmarshal_int"),
                unmarshal_int64: sym!("evtag_unmarshal_int64"),
                unmarshal: sym!("evtag_unmarshal"),
                unmarshal_fixed: sym!("evtag_unmarshal_fixed"),
                unmarshal_string: sym!("evtag_unmarshal_string"),
                unmarshal_timeval: sym!("evtag_unmarshal_timeval"),
                unmarshal_header: sym!("evtag_unmarshal_header"),
            })
        }
    })
    .as_ref()
}

/// Everything the script's calls answer, in order.
fn run<B>(api: &Api<B>, data: &[u8]) -> Vec<i128> {
    let mut out = Vec::new();
    if data.len() < 2 {
        return out;
    }
    let nscript = (data[0] as usize % 8 + 1).min(data.len() - 2);
    if nscript == 0 {
        return out;
    }
    let script = &data[2..2 + nscript];
    let payload = &data[2 + nscript..];
    let split = (data[1] as usize).min(payload.len());
    // SAFETY: the buffers are this library's own, made here and freed at the end; every
    // output pointer is a local of the right type; strings returned are freed with free(3),
    // the allocator both libraries use by default.
    unsafe {
        let buf = (api.new)();
        let dst = (api.new)();
        (api.add)(buf, payload.as_ptr().cast(), split);
        (api.add)(buf, payload[split..].as_ptr().cast(), payload.len() - split);
        for step in 0..64 {
            if (api.length)(buf) == 0 {
                break;
            }
            let op = script[step % nscript];
            let tag = (op >> 4) as u32;
            let (mut t, mut u) = (MARK, MARK);
            let mut big = ((MARK as u64) << 32) | MARK as u64;
            out.push((op & 0xf) as i128);
            match op & 0xf {
                0 => out.extend([(api.peek)(buf, &mut t) as i128, t as i128]),
                1 | 13 => {
                    out.extend([(api.peek_length)(buf, &mut t) as i128, t as i128]);
                    out.extend([(api.payload_length)(buf, &mut u) as i128, u as i128]);
                }
                2 => out.push((api.consume)(buf) as i128),
                3 => out.extend([(api.decode_int)(&mut u, buf) as i128, u as i128]),
                4 => out.extend([(api.decode_int64)(&mut big, buf) as i128, big as i128]),
                5 => out.extend([(api.unmarshal_int)(buf, tag, &mut u) as i128, u as i128]),
                6 => out.extend([(api.unmarshal_int64)(buf, tag, &mut big) as i128, big as i128]),
                7 => {
                    out.extend([(api.unmarshal)(buf, &mut t, dst) as i128, t as i128, (api.length)(dst) as i128]);
                    (api.drain)(dst, (api.length)(dst));
                }
                8 => {
                    let mut fixed = [0x5au8; 8];
                    let len = tag as usize % 9;
                    out.push((api.unmarshal_fixed)(buf, tag, fixed.as_mut_ptr().cast(), len) as i128);
                    out.push(u64::from_le_bytes(fixed) as i128);
                }
                9 => {
                    let mut s: *mut c_char = 1 as *mut c_char;
                    let r = (api.unmarshal_string)(buf, tag, &mut s);
                    out.push(r as i128);
                    if r == 0 {
                        out.push(std::ffi::CStr::from_ptr(s).to_bytes().len() as i128);
                        libc::free(s.cast());
                    } else {
                        out.push(if s as usize == 1 {
                            -1
                        } else if s.is_null() {
                            -2
                        } else {
                            -3
                        });
                    }
                }
                10 => {
                    let mut tv = timeval { tv_sec: MARK as libc::time_t, tv_usec: MARK as libc::suseconds_t };
                    out.extend([(api.unmarshal_timeval)(buf, tag, &mut tv) as i128, tv.tv_sec as i128, tv.tv_usec as i128]);
                }
                11 => out.extend([(api.unmarshal_header)(buf, &mut t) as i128, t as i128]),
                12 => out.extend([(api.decode_tag)(&mut t, buf) as i128, t as i128]),
                _ => {
                    (api.drain)(buf, 1);
                }
            }
            out.push((api.length)(buf) as i128);
        }
        (api.free)(buf);
        (api.free)(dst);
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some(theirs) = debian() else { return };
    let a = run(&ours(), data);
    let b = run(theirs, data);
    assert_eq!(a, b, "ours (left) and Debian's (right) differ");
});
