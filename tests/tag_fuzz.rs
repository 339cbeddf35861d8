//! The body of the `evtag_unmarshal` fuzz target (fuzz/fuzz_targets/evtag_unmarshal.rs includes
//! this file), and its seed corpus (fuzz/corpus/evtag_unmarshal/) replayed on every
//! `cargo test`, so an input that once failed stays fixed once it is added there.
//!
//! [`unmarshal_script`]: the input is a script and a payload. Byte 0 says how many script bytes
//! follow (1..=8) and byte 1 where the payload is split in two (so records straddle the
//! buffer's chains). Each script byte picks one of the evtag readers of `levent::tag` (the
//! typed API under the C entry points) and a tag or length for it; the script runs in a loop
//! until the buffer is empty or 64 steps are done. After every step:
//! - the buffer never grew, and the peeks left it as it was;
//! - what a reader says it took matches what left the buffer (consume takes exactly the
//!   record peek_length measured; unmarshal moves exactly the payload length into its
//!   destination, and the source lost the header too);
//! - integers fit the width asked for, tags and integers took at most 5 and 9 bytes, and a
//!   value read back marshals and reads back the same;
//! - a string read is no longer than the bytes it took.
//!
//! Reading outside the buffer would be a panic (slices) or, in the C-facing buffer code, a
//! crash: libFuzzer reports both.

#![allow(dead_code)]

use levent::buffer::api;
use levent::core::mem;
use levent::tag::evbuffer::{self as ev, INT32_NIBBLES, INT64_NIBBLES};
use levent::tag::{decode_int, decode_tag, encode_int, encode_tag};
use std::ffi::CStr;

const MAX_STEPS: usize = 64;

/// The first bytes of `buf`, copied out without draining.
///
/// # Safety
/// `buf` is a live buffer.
unsafe fn front(buf: *mut api::Evbuffer, n: usize) -> Vec<u8> {
    // SAFETY: buf is live (caller); the copy goes into a vector of the size asked for.
    unsafe {
        let mut v = vec![0u8; api::length(buf).min(n)];
        let got = api::copyout_from(buf, None, &mut v);
        assert_eq!(got, v.len() as isize);
        v
    }
}

/// The byte-string decoders on a slice: whatever they accept lies inside it and reads back.
fn slices(data: &[u8]) {
    if let Some((t, used)) = decode_tag(data) {
        assert!((1..=5).contains(&used) && used <= data.len());
        let mut b = [0u8; 5];
        let n = encode_tag(t, &mut b);
        assert_eq!(decode_tag(&b[..n]), Some((t, n)));
    }
    for nibbles in [INT32_NIBBLES, INT64_NIBBLES] {
        if let Some((v, used)) = decode_int(data, nibbles) {
            assert!((1..=9).contains(&used) && used <= data.len());
            assert!(nibbles == INT64_NIBBLES || v <= u32::MAX as u64);
            let mut b = [0u8; 9];
            let n = encode_int(v, &mut b);
            assert!(n <= used, "the shortest encoding of {v:#x} is no longer than one read");
            assert_eq!(decode_int(&b[..n], nibbles), Some((v, n)));
        }
    }
}

/// evtag_unmarshal.
pub fn unmarshal_script(data: &[u8]) {
    slices(data);
    if data.len() < 2 {
        return;
    }
    let nscript = (data[0] as usize % 8 + 1).min(data.len() - 2);
    if nscript == 0 {
        return;
    }
    let script = &data[2..2 + nscript];
    let payload = &data[2 + nscript..];
    let split = (data[1] as usize).min(payload.len());
    // SAFETY: the buffers come from api::new and are freed at the end; nothing else holds them.
    unsafe {
        let buf = api::new();
        let dst = api::new();
        assert!(!buf.is_null() && !dst.is_null());
        assert_eq!(api::add(buf, &payload[..split]), 0);
        assert_eq!(api::add(buf, &payload[split..]), 0);
        for step in 0..MAX_STEPS {
            let before = api::length(buf);
            if before == 0 {
                break;
            }
            let op = script[step % script.len()];
            let tag = (op >> 4) as u32; // small tags, so the fuzzer meets the ones it wrote
            let head = front(buf, 16);
            one_step(buf, dst, op & 0xf, tag, &head);
            let after = api::length(buf);
            assert!(after <= before, "op {:#x} grew the buffer from {before} to {after}", op & 0xf);
        }
        api::free(buf);
        api::free(dst);
    }
}

/// # Safety
/// `buf` and `dst` are live buffers.
unsafe fn one_step(buf: *mut api::Evbuffer, dst: *mut api::Evbuffer, op: u8, tag: u32, head: &[u8]) {
    // SAFETY: buf and dst are live (caller); strings returned are freed once with the
    // allocator that made them.
    unsafe {
        let before = api::length(buf);
        let taken = || before - api::length(buf);
        match op {
            0 => {
                let p = ev::peek_tag(buf);
                assert_eq!(taken(), 0);
                assert_eq!(p, decode_tag(head));
            }
            1 => {
                let (l, p) = (ev::peek_length(buf), ev::payload_length(buf));
                assert_eq!(taken(), 0);
                assert_eq!(l.is_some(), p.is_some());
                if let (Some(l), Some(p)) = (l, p) {
                    assert!(l > p && l - p <= 5 + 9);
                }
            }
            2 => {
                let want = ev::peek_length(buf).filter(|&l| l <= before);
                if ev::consume(buf).is_some() {
                    assert_eq!(Some(taken()), want);
                }
            }
            3 | 4 => {
                let nibbles = if op == 3 { INT32_NIBBLES } else { INT64_NIBBLES };
                match ev::take_int(buf, nibbles) {
                    Some(v) => {
                        assert!((1..=9).contains(&taken()));
                        assert!(op == 4 || v <= u32::MAX as u64);
                        assert_eq!(decode_int(head, nibbles).map(|(v, _)| v), Some(v));
                    }
                    None => assert_eq!(taken(), 0),
                }
            }
            5 | 6 => {
                let nibbles = if op == 5 { INT32_NIBBLES } else { INT64_NIBBLES };
                let r = ev::unmarshal_int(buf, tag, nibbles);
                if let Some(used) = r.used {
                    let v = r.value.expect("a value with its length");
                    assert!(used <= 9 && used < taken());
                    assert!(op == 6 || v <= u32::MAX as u64);
                    let again = api::new();
                    ev::marshal_int(again, tag, v);
                    assert_eq!(ev::unmarshal_int(again, tag, nibbles).value, Some(v));
                    assert_eq!(api::length(again), 0);
                    api::free(again);
                }
            }
            7 => {
                let had = api::length(dst);
                let mut t = u32::MAX;
                match ev::unmarshal(buf, Some(&mut t), dst) {
                    Some(len) => {
                        assert_eq!(api::length(dst), had + len);
                        assert!(taken() > len && taken() - len <= 5 + 9);
                        assert_eq!(Some(t), decode_tag(head).map(|(t, _)| t));
                    }
                    None => assert_eq!(api::length(dst), had),
                }
                let n = api::length(dst);
                api::drain(dst, n);
            }
            8 => {
                let len = (tag as usize) % 9;
                let mut out = [0u8; 8];
                if ev::unmarshal_fixed(buf, tag, Some(&mut out[..len]), len) {
                    assert!(taken() > len);
                }
                let _ = ev::unmarshal_fixed(buf, tag, None, len);
            }
            9 => {
                if let Some(s) = ev::unmarshal_string(buf, tag) {
                    assert!(!s.is_null());
                    let n = CStr::from_ptr(s).to_bytes().len();
                    assert!(n < taken());
                    mem::free(s.cast());
                }
            }
            10 => {
                let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
                if ev::unmarshal_timeval(buf, tag, &mut tv) {
                    assert!(taken() >= 4);
                    assert!(tv.tv_sec >= 0 && tv.tv_sec <= u32::MAX as libc::time_t);
                    assert!(tv.tv_usec >= 0 && tv.tv_usec <= u32::MAX as libc::suseconds_t);
                }
            }
            11 => {
                let (t, len) = ev::unmarshal_header(buf);
                if t.is_some() {
                    assert!(taken() >= 1);
                    assert_eq!(t, decode_tag(head).map(|(t, _)| t));
                }
                if let Some(len) = len {
                    assert!(t.is_some() && len <= api::length(buf) && len <= i32::MAX as usize);
                }
            }
            12 => {
                if let Some((t, used)) = ev::take_tag(buf) {
                    assert_eq!(taken(), used);
                    assert_eq!(decode_tag(head), Some((t, used)));
                } else {
                    assert_eq!(taken(), 0);
                }
            }
            13 => {
                if let Some((_, len)) = ev::take_header(buf) {
                    assert!(len <= api::length(buf));
                }
            }
            _ => {
                // A reader that fails drains at most what it read; drop a byte so the script
                // moves on from a record no reader takes.
                api::drain(buf, 1);
                assert_eq!(taken(), 1);
            }
        }
    }
}

#[test]
fn evtag_unmarshal_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/evtag_unmarshal");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {}", dir.display(), e)) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| unmarshal_script(&data));
        assert!(r.is_ok(), "evtag_unmarshal fails on {}", path.display());
        n += 1;
    }
    assert!(n > 0, "no seeds in {}", dir.display());
}
