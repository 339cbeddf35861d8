//! Differential test of the evbuffer: a seeded xorshift generator drives long random sequences
//! of operations through the exported C entry points (the same ones programs call) on two
//! buffers, and the same operations on two plain `Vec<u8>` models. After every step the
//! lengths and the full contents must agree, and peek's iovecs must cover exactly the bytes in
//! order. Chain-structure bugs (wrong misalign after prepend, lost bytes at a chain boundary,
//! stale reserved space, a reference released too early) show up as a content mismatch with
//! the seed and step printed, so a failure can be replayed.

use levent::buffer::search::EvbufferPtr;
use levent::buffer::Evbuffer;
use levent::capi::buffer::*;
use libc::{c_void, iovec};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The choices: a seeded xorshift64* stream, or (for the fuzz target, fuzz/) the fuzzer's
/// input bytes first, then the stream.
pub struct Rng {
    x: u64,
    input: Vec<u8>,
    pos: usize,
}
impl Rng {
    pub fn seeded(seed: u64) -> Rng {
        Rng { x: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, input: Vec::new(), pos: 0 }
    }
    pub fn from_bytes(data: &[u8]) -> Rng {
        Rng { x: 0x2545_F491_4F6C_DD1D, input: data.to_vec(), pos: 0 }
    }
    pub fn exhausted(&self) -> bool {
        self.pos >= self.input.len()
    }
    fn next(&mut self) -> u64 {
        if self.pos < self.input.len() {
            let end = (self.pos + 4).min(self.input.len());
            let mut v = 0u64;
            for &byte in &self.input[self.pos..end] {
                v = (v << 8) | byte as u64;
            }
            self.pos = end;
            // Spread the fuzzer's bytes over all 64 bits the callers slice up.
            return v.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ v;
        }
        // xorshift64*
        let mut x = self.x;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.x = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    /// Mostly small sizes, sometimes a block-crossing one, rarely a big one.
    fn size(&mut self) -> usize {
        match self.below(20) {
            0 => self.below(70_000),
            1..=3 => self.below(5000),
            _ => self.below(300),
        }
    }
    /// Bytes rich in line terminators and the letters searches look for.
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        const ALPHA: &[u8] = b"ab\r\n\0xyz";
        (0..n)
            .map(|_| {
                let r = self.next();
                if r.is_multiple_of(4) {
                    ALPHA[(r >> 8) as usize % ALPHA.len()]
                } else {
                    (r >> 16) as u8
                }
            })
            .collect()
    }
}

static CLEANUPS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn ref_cleanup(_data: *const c_void, _len: usize, arg: *mut c_void) {
    // SAFETY: arg is the Box<Vec<u8>> leaked in add_reference below; this runs exactly once.
    drop(unsafe { Box::from_raw(arg as *mut Vec<u8>) });
    CLEANUPS.fetch_add(1, Ordering::SeqCst);
}

fn contents(b: *mut Evbuffer) -> Vec<u8> {
    // SAFETY: b is a live buffer; the vector has room for its whole length.
    unsafe {
        let n = evbuffer_get_length(b);
        let mut v = vec![0u8; n];
        let got = evbuffer_copyout(b, v.as_mut_ptr() as *mut c_void, n);
        assert_eq!(got, n as isize);
        v
    }
}

/// peek over the whole buffer: the iovecs, concatenated, must be the model.
fn peek_all(b: *mut Evbuffer) -> Vec<u8> {
    // SAFETY: b is live; the iovecs point into it and are read before any change.
    unsafe {
        let n = evbuffer_peek(b, -1, std::ptr::null_mut(), std::ptr::null_mut(), 0);
        assert!(n >= 0);
        let mut v = vec![iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; n as usize];
        assert_eq!(evbuffer_peek(b, -1, std::ptr::null_mut(), v.as_mut_ptr(), n), n);
        let mut out = Vec::new();
        for io in &v {
            out.extend_from_slice(std::slice::from_raw_parts(io.iov_base as *const u8, io.iov_len));
        }
        out
    }
}

/// The model's answer to readln: (line, bytes drained) or None.
fn model_eol(m: &[u8], style: i32) -> Option<(usize, usize)> {
    match style {
        0 => {
            let i = m.iter().position(|&c| c == b'\r' || c == b'\n')?;
            let run = m[i..].iter().take_while(|&&c| c == b'\r' || c == b'\n').count();
            Some((i, run))
        }
        1 => {
            let i = m.iter().position(|&c| c == b'\n')?;
            if i > 0 && m[i - 1] == b'\r' {
                Some((i - 1, 2))
            } else {
                Some((i, 1))
            }
        }
        2 => m.windows(2).position(|w| w == b"\r\n").map(|i| (i, 2)),
        3 => m.iter().position(|&c| c == b'\n').map(|i| (i, 1)),
        4 => m.iter().position(|&c| c == 0).map(|i| (i, 1)),
        _ => unreachable!(),
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return (from <= hay.len()).then_some(from);
    }
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|i| i + from)
}

fn run(seed: u64, steps: usize) {
    run_with(Rng::seeded(seed), seed, steps);
}

/// Apply `steps` random operations (or, with `steps` 0, as many as the rng's input bytes
/// choose) to two buffers and their models, comparing after every step.
pub fn run_with(mut r: Rng, seed: u64, steps: usize) {
    let bufs = [evbuffer_new(), evbuffer_new()];
    let mut models: [Vec<u8>; 2] = [Vec::new(), Vec::new()];
    let mut refs_added = 0usize;
    // May the buffer hold chains from evbuffer_add_buffer_reference? (over-approximation:
    // set when such bytes arrive, cleared when the buffer is empty)
    let mut multicast = [false; 2];
    let cleanups_before = CLEANUPS.load(Ordering::SeqCst);

    let mut step = 0usize;
    while if steps == 0 { !r.exhausted() } else { step < steps } {
        step += 1;
        let w = r.below(2);
        let (b, o) = (bufs[w], bufs[1 - w]);
        let op = r.below(19);
        let ctx = format!("seed {seed} step {step} op {op} buf {w}");
        // SAFETY (whole block): both buffers are live; every pointer handed over points to a
        // local vector with at least the length passed.
        unsafe {
            match op {
                0 | 1 => {
                    let d = {
                        let n = r.size();
                        r.bytes(n)
                    };
                    assert_eq!(evbuffer_add(b, d.as_ptr() as *const c_void, d.len()), 0, "{ctx}");
                    models[w].extend_from_slice(&d);
                }
                2 => {
                    let d = {
                        let n = r.size();
                        r.bytes(n)
                    };
                    assert_eq!(evbuffer_prepend(b, d.as_ptr() as *const c_void, d.len()), 0, "{ctx}");
                    models[w].splice(0..0, d);
                }
                3 => {
                    let n = r.below(models[w].len() + 10);
                    assert_eq!(evbuffer_drain(b, n), 0, "{ctx}");
                    models[w].drain(..n.min(models[w].len()));
                }
                4 => {
                    let n = r.below(models[w].len() + 10);
                    let mut out = vec![0u8; n];
                    let got = evbuffer_remove(b, out.as_mut_ptr() as *mut c_void, n);
                    let k = n.min(models[w].len());
                    assert_eq!(got as usize, k, "{ctx}");
                    assert!(out[..k] == models[w][..k], "{ctx}");
                    models[w].drain(..k);
                }
                5 => {
                    // copyout / copyout_from at a random position: nothing changes.
                    let at = r.below(models[w].len() + 1);
                    let n = r.below(models[w].len() + 10);
                    let mut out = vec![0u8; n];
                    let mut p = EvbufferPtr::NOT_FOUND;
                    assert_eq!(evbuffer_ptr_set(b, &mut p, at, 0), 0, "{ctx}");
                    let got = evbuffer_copyout_from(b, &p, out.as_mut_ptr() as *mut c_void, n);
                    let k = n.min(models[w].len() - at);
                    assert_eq!(got as usize, k, "{ctx}");
                    assert!(out[..k] == models[w][at..at + k], "{ctx}");
                    // Past the end is refused.
                    assert_eq!(evbuffer_ptr_set(b, &mut p, models[w].len() + 1, 0), -1, "{ctx}");
                }
                6 => {
                    assert_eq!(evbuffer_add_buffer(b, o), 0, "{ctx}");
                    multicast[w] |= multicast[1 - w];
                    let moved = std::mem::take(&mut models[1 - w]);
                    models[w].extend_from_slice(&moved);
                }
                7 => {
                    assert_eq!(evbuffer_prepend_buffer(b, o), 0, "{ctx}");
                    multicast[w] |= multicast[1 - w];
                    let mut moved = std::mem::take(&mut models[1 - w]);
                    moved.extend_from_slice(&models[w]);
                    models[w] = moved;
                }
                8 => {
                    let n = r.below(models[w].len() + 10);
                    let got = evbuffer_remove_buffer(b, o, n);
                    multicast[1 - w] |= multicast[w];
                    let k = n.min(models[w].len());
                    assert_eq!(got as usize, k, "{ctx}");
                    let moved: Vec<u8> = models[w].drain(..k).collect();
                    models[1 - w].extend_from_slice(&moved);
                }
                9 | 10 => {
                    // reserve with 1 or 2 vectors, fill, commit a prefix of each.
                    let nvec = 1 + r.below(2);
                    let want = r.size().max(1);
                    let mut v = [iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }; 2];
                    let got = evbuffer_reserve_space(b, want as isize, v.as_mut_ptr(), nvec as i32);
                    assert!(got >= 1 && got as usize <= nvec, "{ctx}: reserve gave {got}");
                    let total: usize = v[..got as usize].iter().map(|x| x.iov_len).sum();
                    assert!(total >= want, "{ctx}: reserved {total} < {want}");
                    let mut added = Vec::new();
                    for x in v[..got as usize].iter_mut() {
                        let fill = r.bytes(x.iov_len);
                        std::ptr::copy_nonoverlapping(fill.as_ptr(), x.iov_base as *mut u8, fill.len());
                        x.iov_len = r.below(x.iov_len + 1);
                        added.extend_from_slice(&fill[..x.iov_len]);
                    }
                    if r.below(8) == 0 {
                        // Committing more than the space is refused and changes nothing.
                        let mut bad = v;
                        bad[got as usize - 1].iov_len = usize::MAX / 2;
                        assert_eq!(evbuffer_commit_space(b, bad.as_mut_ptr(), got), -1, "{ctx}");
                    }
                    assert_eq!(evbuffer_commit_space(b, v.as_mut_ptr(), got), 0, "{ctx}");
                    models[w].extend_from_slice(&added);
                }
                11 => {
                    let n = r.below(models[w].len() + 2);
                    let size = if r.below(4) == 0 { -1 } else { n as isize };
                    let p = evbuffer_pullup(b, size);
                    let k = if size < 0 { models[w].len() } else { n };
                    if k == 0 || k > models[w].len() {
                        assert!(p.is_null(), "{ctx}");
                    } else {
                        assert!(!p.is_null(), "{ctx}");
                        assert!(std::slice::from_raw_parts(p, k) == &models[w][..k], "{ctx}");
                        assert!(evbuffer_get_contiguous_space(b) >= k, "{ctx}");
                    }
                }
                12 => {
                    let style = r.below(5) as i32;
                    let mut n = 7usize;
                    let s = evbuffer_readln(b, &mut n, style);
                    match model_eol(&models[w], style) {
                        None => {
                            assert!(s.is_null(), "{ctx}: style {style}");
                            assert_eq!(n, 0, "{ctx}");
                        }
                        Some((line, drain)) => {
                            assert!(!s.is_null(), "{ctx}: style {style} expected a line");
                            assert_eq!(n, line, "{ctx}: style {style}");
                            let got = std::slice::from_raw_parts(s as *const u8, n + 1);
                            assert!(got[..n] == models[w][..line] && got[n] == 0, "{ctx}");
                            libc::free(s as *mut c_void);
                            models[w].drain(..line + drain);
                        }
                    }
                }
                13 | 14 => {
                    // search for a piece of the buffer (or random bytes) from a random start,
                    // optionally bounded by search_range's end.
                    let m = &models[w];
                    let needle = if !m.is_empty() && r.below(4) != 0 {
                        let at = r.below(m.len());
                        let len = 1 + r.below((m.len() - at).min(40));
                        m[at..at + len].to_vec()
                    } else {
                        {
                            let n = 1 + r.below(3);
                            r.bytes(n)
                        }
                    };
                    let from = r.below(m.len() + 1);
                    let mut start = EvbufferPtr::NOT_FOUND;
                    assert_eq!(evbuffer_ptr_set(b, &mut start, from, 0), 0, "{ctx}");
                    if op == 13 {
                        let p = evbuffer_search(b, needle.as_ptr() as *const _, needle.len(), &start);
                        let want = find(m, &needle, from).map_or(-1, |i| i as isize);
                        assert_eq!(p.pos, want, "{ctx}");
                    } else {
                        let end_at = from + r.below(m.len() - from + 1);
                        let mut end = EvbufferPtr::NOT_FOUND;
                        assert_eq!(evbuffer_ptr_set(b, &mut end, end_at, 0), 0, "{ctx}");
                        let p = evbuffer_search_range(b, needle.as_ptr() as *const _, needle.len(), &start, &end);
                        let want = find(&m[..end_at], &needle, from).map_or(-1, |i| i as isize);
                        assert_eq!(p.pos, want, "{ctx}");
                    }
                }
                15 => {
                    // search_eol agrees with the model's terminator position and length.
                    let style = r.below(5) as i32;
                    let mut eol = 99usize;
                    let p = evbuffer_search_eol(b, std::ptr::null_mut(), &mut eol, style);
                    match model_eol(&models[w], style) {
                        None => {
                            assert_eq!(p.pos, -1, "{ctx}");
                            assert_eq!(eol, 0, "{ctx}");
                        }
                        Some((line, drain)) => {
                            assert_eq!(p.pos, line as isize, "{ctx}: style {style}");
                            assert_eq!(eol, drain, "{ctx}: style {style}");
                        }
                    }
                }
                16 => {
                    let d = Box::new({
                        let n = r.size();
                        r.bytes(n)
                    });
                    let (ptr, len) = (d.as_ptr(), d.len());
                    models[w].extend_from_slice(&d);
                    let arg = Box::into_raw(d) as *mut c_void;
                    assert_eq!(evbuffer_add_reference(b, ptr as *const c_void, len, Some(ref_cleanup), arg), 0, "{ctx}");
                    refs_added += 1;
                }
                17 => {
                    // libevent refuses to reference bytes that are themselves a reference of
                    // another buffer's; the model only knows which buffer may hold such bytes.
                    let got = evbuffer_add_buffer_reference(b, o);
                    if got == 0 {
                        let copy = models[1 - w].clone();
                        models[w].extend_from_slice(&copy);
                        if !copy.is_empty() {
                            multicast[w] = true;
                        }
                    } else {
                        assert_eq!(got, -1, "{ctx}");
                        assert!(multicast[1 - w] && !models[1 - w].is_empty(), "{ctx}: refused without cause");
                    }
                }
                18 => {
                    // printf through the C helper's path: a %s of random printable text.
                    let n = r.size();
                    let text: Vec<u8> = (0..n).map(|_| b'!' + r.below(90) as u8).collect();
                    let cs = std::ffi::CString::new(text.clone()).unwrap();
                    let got = evbuffer_add_printf(b, c"%s".as_ptr(), cs.as_ptr());
                    assert_eq!(got, n as i32, "{ctx}");
                    models[w].extend_from_slice(&text);
                }
                _ => unreachable!(),
            }
        }
        // Keep the buffers from growing without bound.
        for (i, m) in models.iter_mut().enumerate() {
            if m.len() > 400_000 {
                // SAFETY: live buffer.
                assert_eq!(unsafe { evbuffer_drain(bufs[i], 300_000) }, 0);
                m.drain(..300_000);
            }
        }
        for i in 0..2 {
            if models[i].is_empty() {
                multicast[i] = false;
            }
            // SAFETY: live buffer.
            let len = unsafe { evbuffer_get_length(bufs[i]) };
            assert_eq!(len, models[i].len(), "{ctx}: length of buffer {i}");
            assert!(contents(bufs[i]) == models[i], "{ctx}: contents of buffer {i}");
            // SAFETY: live buffer.
            assert!(unsafe { evbuffer_get_contiguous_space(bufs[i]) } <= len, "{ctx}");
            if step.is_multiple_of(16) {
                assert!(peek_all(bufs[i]) == models[i], "{ctx}: peek of buffer {i}");
            }
        }
    }
    for b in bufs {
        // SAFETY: live buffers, freed once.
        unsafe { evbuffer_free(b) };
    }
    // Every reference's cleanup ran, once, once no buffer could read it any more.
    assert_eq!(CLEANUPS.load(Ordering::SeqCst) - cleanups_before, refs_added, "seed {seed}");
}

#[allow(improper_ctypes)] // Evbuffer is opaque to C; only its pointer crosses
extern "C" {
    fn evbuffer_add_printf(buf: *mut Evbuffer, fmt: *const libc::c_char, ...) -> libc::c_int;
}

#[test]
fn evbuffer_matches_vec_model() {
    // LEVENT_MODEL_SEEDS / LEVENT_MODEL_STEPS widen the run (e.g. overnight); the default is a
    // few seconds in release mode.
    let seeds: u64 = std::env::var("LEVENT_MODEL_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(40);
    let steps: usize = std::env::var("LEVENT_MODEL_STEPS").ok().and_then(|s| s.parse().ok()).unwrap_or(5000);
    for seed in 1..=seeds {
        run(seed, steps);
    }
}
