//! Unit tests: libevent's layouts in a few known cases, the API layer (callbacks, freezing,
//! references), and a differential test that applies random operation sequences to a buffer
//! and to a plain Vec<u8> model, comparing after every step.

use super::api;
use super::buffer::State;
use super::callbacks::{CbFlags, CbInfo};
use super::search::*;
use libc::{c_void, iovec};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn bytes_below(&mut self, n: usize) -> Vec<u8> {
        let k = self.below(n);
        self.bytes(k)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        // A small alphabet with line endings, so searches and lines find things.
        const A: &[u8] = b"abc\r\n\0xyz";
        (0..n).map(|_| A[self.below(A.len())]).collect()
    }
}

fn iov() -> iovec {
    iovec { iov_base: std::ptr::null_mut(), iov_len: 0 }
}

fn chain_lens(s: &mut State) -> Vec<usize> {
    let mut v = [iov(); 64];
    let n = s.peek(-1, None, &mut v) as usize;
    v[..n.min(64)].iter().map(|x| x.iov_len).collect()
}

#[test]
fn layouts_match_libevent() {
    let mut s = State::new();
    let big = vec![b'x'; 2000];
    for _ in 0..10 {
        s.add(&big[..1000]).unwrap();
    }
    assert_eq!(chain_lens(&mut s), vec![2000, 4048, 3952]);
    let mut v = [iov(); 3];
    assert_eq!(s.reserve_space(5000, &mut v), Ok(2));
    assert_eq!((v[0].iov_len, v[1].iov_len), (96, 8144));

    let mut s = State::new();
    let mut v = [iov(); 1];
    assert_eq!(s.reserve_space(1, &mut v), Ok(1));
    assert_eq!(v[0].iov_len, 976);

    // A commit into the second of two reserved chains leaves an empty chain in front.
    let mut s = State::new();
    s.expand(100).unwrap();
    let mut v = [iov(); 2];
    assert_eq!(s.reserve_space(3000, &mut v), Ok(2));
    assert_eq!((v[0].iov_len, v[1].iov_len), (976, 4048));
    v[0].iov_len = 0;
    v[1].iov_len = 3;
    // SAFETY: reserved space.
    unsafe { std::ptr::copy_nonoverlapping(b"xyz".as_ptr(), v[1].iov_base as *mut u8, 3) };
    s.commit_space(&v).unwrap();
    s.check();
    assert_eq!(chain_lens(&mut s), vec![0, 3]);
    s.add(b"123").unwrap();
    assert_eq!(chain_lens(&mut s), vec![0, 6]);
    let p = s.pullup(-1).unwrap();
    // SAFETY: pullup gives 6 contiguous bytes.
    assert_eq!(unsafe { std::slice::from_raw_parts(p, 6) }, b"xyz123");
    assert_eq!(chain_lens(&mut s), vec![6]);
    s.check();
}

#[test]
fn commit_single_vector_after_multi_reserve() {
    let mut s = State::new();
    s.add(&[0u8; 900]).unwrap();
    let mut v = [iov(); 2];
    assert_eq!(s.reserve_space(3000, &mut v), Ok(2));
    assert_eq!((v[0].iov_len, v[1].iov_len), (76, 4048));
    let mut one = [iov(); 1];
    assert_eq!(s.reserve_space(100, &mut one), Ok(1));
    assert_eq!(one[0].iov_len, 4048);
    one[0].iov_len = 5;
    s.commit_space(&one).unwrap();
    assert_eq!(chain_lens(&mut s), vec![900, 5]);
    // Wrong pointer or too long: refused, nothing changes.
    let mut bad = [iov(); 1];
    s.reserve_space(10, &mut bad).unwrap();
    bad[0].iov_len += 1;
    assert!(s.commit_space(&bad).is_err());
    bad[0].iov_len = 1;
    bad[0].iov_base = (bad[0].iov_base as *mut u8).wrapping_add(1) as *mut c_void;
    assert!(s.commit_space(&bad).is_err());
    assert_eq!(s.total, 905);
    s.check();
}

#[test]
fn bad_sizes_are_refused() {
    let mut s = State::new();
    s.add(b"abc").unwrap();
    let mut v = [iov(); 2];
    assert!(s.reserve_space(-1, &mut v[..1]).is_err());
    assert!(s.reserve_space(-1, &mut v).is_err());
    assert!(s.expand(usize::MAX).is_err());
    assert!(s.expand(usize::MAX / 2).is_err());
    assert_eq!(s.reserve_space(0, &mut v), Ok(0));
    assert_eq!(s.to_vec(), b"abc");
    assert_eq!(s.copyout_from(Some((-1, 0, 0)), &mut [0u8; 4]), -1);
    assert_eq!(s.copyout_from(Some((4, 0, 0)), &mut [0u8; 4]), -1);
    assert_eq!(s.copyout_from(Some((3, 0, 0)), &mut [0u8; 4]), 0);
    s.check();
}

#[test]
fn freezing() {
    let mut s = State::new();
    s.add(b"hello").unwrap();
    s.freeze_start = true;
    assert!(s.drain(1).is_err());
    assert_eq!(s.copyout_from(None, &mut [0u8; 2]), -1);
    assert_eq!(s.copyout_from(None, &mut []), 0);
    assert!(s.prepend(b"x").is_err());
    assert!(s.prepend(b"").is_ok());
    assert!(s.add(b"!").is_ok());
    assert!(s.pullup(-1).is_some());
    s.freeze_start = false;
    s.freeze_end = true;
    assert!(s.add(b"x").is_err());
    assert!(s.add(b"").is_err());
    assert!(s.prepend(b">").is_ok());
    let mut v = [iov(); 1];
    assert!(s.reserve_space(10, &mut v).is_err());
    assert!(s.expand(10).is_ok());
    assert_eq!(s.to_vec(), b">hello!");
    let mut other = State::new();
    other.add(b"zz").unwrap();
    assert!(s.add_buffer(&mut other).is_err());
    assert_eq!(other.to_vec(), b"zz");
}

#[test]
fn positions_and_searches() {
    let mut s = State::new();
    s.add(b"abc").unwrap();
    s.add_reference(b"defabc".as_ptr() as *const c_void, 6, None, std::ptr::null_mut()).unwrap();
    let mut p = EvbufferPtr::NOT_FOUND;
    assert_eq!(s.ptr_set(&mut p, 4, EVBUFFER_PTR_SET), 0);
    assert_eq!(p.pos, 4);
    assert_eq!(s.ptr_set(&mut p, 5, EVBUFFER_PTR_ADD), 0);
    assert_eq!(p.pos, 9);
    assert!(p.chain.is_null());
    assert_eq!(s.ptr_set(&mut p, 1, EVBUFFER_PTR_ADD), -1);
    assert_eq!(p, EvbufferPtr::NOT_FOUND);
    assert_eq!(s.ptr_set(&mut p, 1, EVBUFFER_PTR_ADD), -1);
    assert_eq!(s.search_range(b"ca", None, None).pos, -1);
    assert_eq!(s.search_range(b"cd", None, None).pos, 2);
    let mut st = EvbufferPtr::NOT_FOUND;
    s.ptr_set(&mut st, 1, EVBUFFER_PTR_SET);
    assert_eq!(s.search_range(b"abc", Some(&st), None).pos, 6);
    let mut end = EvbufferPtr::NOT_FOUND;
    s.ptr_set(&mut end, 8, EVBUFFER_PTR_SET);
    assert_eq!(s.search_range(b"abc", Some(&st), Some(&end)).pos, -1);
    s.ptr_set(&mut end, 9, EVBUFFER_PTR_SET);
    assert_eq!(s.search_range(b"abc", Some(&st), Some(&end)).pos, 6);
    // An empty needle is found where the search starts.
    assert_eq!(s.search_range(b"", Some(&st), None).pos, 1);
    // A hand-made position (no hint) works from pos.
    let hand = EvbufferPtr { pos: 3, chain: std::ptr::null_mut(), pos_in_chain: 0 };
    assert_eq!(s.search_range(b"f", Some(&hand), None).pos, 5);
    let mut out = [0u8; 4];
    assert_eq!(s.copyout_from(Some((2, 0, 0)), &mut out), 4);
    assert_eq!(&out, b"cdef");
}

#[test]
fn eol_styles() {
    let data = b"a\r\r\nb\n\rc\r\n\r\nd\0e\n\0";
    let expect: [&[&[u8]]; 5] = [
        &[b"a", b"b", b"c", b"d\0e"],
        &[b"a\r", b"b", b"\rc", b"", b"d\0e"],
        &[b"a\r", b"b\n\rc", b""],
        &[b"a\r\r", b"b", b"\rc\r", b"\r", b"d\0e"],
        &[b"a\r\r\nb\n\rc\r\n\r\nd", b"e\n"],
    ];
    for (style, want) in expect.iter().enumerate() {
        // Split the data across many chains to cross boundaries.
        let mut s = State::new();
        for (k, b) in data.iter().enumerate() {
            if k % 3 == 0 {
                s.add_reference(b as *const u8 as *const c_void, 1, None, std::ptr::null_mut()).unwrap();
            } else {
                s.add(std::slice::from_ref(b)).unwrap();
            }
        }
        let mut got: Vec<Vec<u8>> = Vec::new();
        while let Some((line, eol)) = s.take_line(style as i32) {
            s.drain(eol).unwrap();
            got.push(line);
        }
        let want: Vec<Vec<u8>> = want.iter().map(|x| x.to_vec()).collect();
        assert_eq!(got, want, "style {}", style);
    }
    let mut s = State::new();
    s.add(b"abc").unwrap();
    assert_eq!(s.search_eol(None, 9).0.pos, -1);
}

// ---- API layer: callbacks, references ----

static CLEANUPS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn count_cleanup(_d: *const c_void, _l: usize, _a: *mut c_void) {
    CLEANUPS.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn record_cb(_b: *mut api::Evbuffer, info: *const CbInfo, arg: *mut c_void) {
    // SAFETY: arg is the test's Vec; info is valid during the call.
    unsafe { (*(arg as *mut Vec<CbInfo>)).push(*info) };
}

#[test]
fn callbacks_and_references() {
    // SAFETY: test-owned buffers and callback arguments that outlive them.
    unsafe {
        let b = api::new();
        let c = api::new();
        let mut seen: Vec<CbInfo> = Vec::new();
        let e = api::add_cb(b, Some(record_cb), &mut seen as *mut _ as *mut c_void);
        assert_eq!(api::add(b, b"hello"), 0);
        assert_eq!(api::drain(b, 2), 0);
        api::cb_clear_flags(b, e, CbFlags::ENABLED);
        assert_eq!(api::add(b, b"!"), 0);
        api::cb_set_flags(b, e, CbFlags::ENABLED);
        assert_eq!(api::drain(b, 0), 0);
        assert_eq!(
            seen,
            vec![CbInfo { orig_size: 0, n_added: 5, n_deleted: 0 }, CbInfo { orig_size: 5, n_added: 0, n_deleted: 2 }]
        );
        let before = CLEANUPS.load(Ordering::SeqCst);
        static DATA: &[u8] = b"referenced";
        assert_eq!(
            api::add_reference(b, DATA.as_ptr() as *const c_void, DATA.len(), Some(count_cleanup), std::ptr::null_mut()),
            0
        );
        assert_eq!(api::add_buffer_reference(c, b), 0);
        assert_eq!(api::drain(b, usize::MAX), 0);
        assert_eq!(CLEANUPS.load(Ordering::SeqCst), before, "c still reads it");
        let mut out = vec![0u8; 14];
        assert_eq!(api::remove(c, &mut out), 14);
        assert_eq!(&out, b"llo!referenced");
        assert_eq!(CLEANUPS.load(Ordering::SeqCst), before + 1);
        assert_eq!(api::remove_cb_entry(b, e), 0);
        assert_eq!(api::remove_cb_entry(b, e), -1);
        api::free(b);
        api::free(c);
    }
}

// ---- differential test ----

fn model_eol(v: &[u8], style: i32) -> Option<(usize, usize)> {
    let find = |x: u8| v.iter().position(|&b| b == x);
    match style {
        EVBUFFER_EOL_ANY => {
            let i = v.iter().position(|&b| b == b'\r' || b == b'\n')?;
            let n = v[i..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            Some((i, n))
        }
        EVBUFFER_EOL_CRLF => {
            let i = find(b'\n')?;
            if i > 0 && v[i - 1] == b'\r' {
                Some((i - 1, 2))
            } else {
                Some((i, 1))
            }
        }
        EVBUFFER_EOL_CRLF_STRICT => v.windows(2).position(|w| w == b"\r\n").map(|i| (i, 2)),
        EVBUFFER_EOL_LF => find(b'\n').map(|i| (i, 1)),
        EVBUFFER_EOL_NUL => find(0).map(|i| (i, 1)),
        _ => None,
    }
}

fn model_find(v: &[u8], what: &[u8], from: usize) -> isize {
    if what.is_empty() {
        return from as isize;
    }
    if from > v.len() {
        return -1;
    }
    v[from..].windows(what.len()).position(|w| w == what).map_or(-1, |i| (i + from) as isize)
}

thread_local! {
    /// Memory the test's references point into: freed when the test's thread ends, after every
    /// buffer of the test is gone (so a leak checker sees no leak).
    static REFERENCED: std::cell::RefCell<Vec<Box<[u8]>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Referenced memory for the test, alive as long as any chain of the test may read it.
fn leak(v: Vec<u8>) -> &'static [u8] {
    let b = v.into_boxed_slice();
    // SAFETY: the boxed slice's heap memory never moves and is freed only when the thread's
    // REFERENCED list is destroyed, after the test function (and its buffers) returned.
    let r: &'static [u8] = unsafe { std::slice::from_raw_parts(b.as_ptr(), b.len()) };
    REFERENCED.with(|l| l.borrow_mut().push(b));
    r
}

fn step(rng: &mut Rng, s: &mut State, m: &mut Vec<u8>, s2: &mut State, m2: &mut Vec<u8>) {
    let len = m.len();
    match rng.below(18) {
        0 | 1 => {
            let n = [0, 1, 7, 100, 900, 3000, 5000][rng.below(7)];
            let d = rng.bytes(n);
            s.add(&d).unwrap();
            m.extend_from_slice(&d);
        }
        2 => {
            let d = rng.bytes_below(1500);
            s.prepend(&d).unwrap();
            m.splice(0..0, d);
        }
        3 => {
            let n = rng.below(len + 10);
            s.drain(n).unwrap();
            m.drain(..n.min(len));
        }
        4 => {
            let mut out = vec![0u8; rng.below(len + 10)];
            let n = s.remove(&mut out);
            assert_eq!(n as usize, out.len().min(len));
            assert_eq!(&out[..n as usize], &m[..n as usize]);
            m.drain(..n as usize);
        }
        5 => {
            let nvec = 1 + rng.below(4);
            let size = rng.below(6000) as isize;
            let mut v = vec![iov(); nvec];
            let n = s.reserve_space(size, &mut v).unwrap();
            let total: usize = v[..n].iter().map(|x| x.iov_len).sum();
            assert!(total >= size as usize);
            // Commit a random prefix of each vector.
            let mut committed = Vec::new();
            for x in v[..n].iter_mut() {
                let k = rng.below(x.iov_len + 1);
                let d = rng.bytes(k);
                // SAFETY: reserved space of at least k bytes.
                unsafe { std::ptr::copy_nonoverlapping(d.as_ptr(), x.iov_base as *mut u8, k) };
                x.iov_len = k;
                committed.extend_from_slice(&d);
            }
            if rng.below(4) == 0 {
                // Sometimes give up the reservation instead.
                return;
            }
            s.commit_space(&v[..n]).unwrap();
            m.extend_from_slice(&committed);
        }
        6 => {
            let n = if rng.below(3) == 0 { -1 } else { rng.below(len + 2) as isize };
            let r = s.pullup(n);
            let want = if n < 0 { len } else { n as usize };
            if want == 0 || want > len {
                assert!(r.is_none());
            } else {
                // SAFETY: pullup makes `want` bytes contiguous.
                let got = unsafe { std::slice::from_raw_parts(r.unwrap(), want) };
                assert_eq!(got, &m[..want]);
            }
        }
        7 => {
            let from = rng.below(len + 1);
            let what: Vec<u8> = if len > 0 && rng.below(2) == 0 {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(6)).min(len);
                m[a..b].to_vec()
            } else {
                let k = 1 + rng.below(3);
                rng.bytes(k)
            };
            let mut p = EvbufferPtr::NOT_FOUND;
            assert_eq!(s.ptr_set(&mut p, from, EVBUFFER_PTR_SET), 0);
            let r = s.search_range(&what, Some(&p), None);
            assert_eq!(r.pos, model_find(m, &what, from), "search {:?} from {}", what, from);
            if r.pos >= 0 {
                let mut out = vec![0u8; what.len()];
                assert_eq!(s.copyout_from(Some((r.pos, r.chain as usize, r.pos_in_chain)), &mut out), what.len() as isize);
                assert_eq!(out, what);
            }
        }
        8 => {
            let style = rng.below(5) as i32;
            let r = s.search_eol(None, style);
            match model_eol(m, style) {
                Some((i, n)) => assert_eq!((r.0.pos, r.1), (i as isize, n)),
                None => assert_eq!((r.0.pos, r.1), (-1, 0)),
            }
            if rng.below(2) == 0 {
                if let Some((line, eol)) = s.take_line(style) {
                    let (i, n) = model_eol(m, style).unwrap();
                    assert_eq!(line, &m[..i]);
                    s.drain(eol).unwrap();
                    m.drain(..i + n);
                }
            }
        }
        9 => {
            let mut v = [iov(); 64];
            let n = s.peek(-1, None, &mut v);
            if n < 64 {
                let mut all = Vec::new();
                for x in &v[..n as usize] {
                    // SAFETY: peek describes readable data.
                    all.extend_from_slice(unsafe { std::slice::from_raw_parts(x.iov_base as *const u8, x.iov_len) });
                }
                assert_eq!(&all, m);
            }
            let need = s.peek(-1, None, &mut []);
            assert!(need >= 0);
        }
        10 => {
            // Move everything of s2 to s (or back).
            if rng.below(2) == 0 {
                s.add_buffer(s2).unwrap();
                m.append(m2);
            } else {
                s2.add_buffer(s).unwrap();
                m2.append(m);
            }
        }
        11 => {
            let n = rng.below(len + 10);
            let (moved, _) = s.remove_buffer(s2, n).unwrap();
            assert_eq!(moved, n.min(len));
            m2.extend(m.drain(..moved));
        }
        12 => {
            s.prepend_buffer(s2).unwrap();
            let mut t = std::mem::take(m2);
            t.append(m);
            *m = t;
        }
        13 => {
            let d = leak(rng.bytes_below(3000));
            s.add_reference(d.as_ptr() as *const c_void, d.len(), None, std::ptr::null_mut()).unwrap();
            m.extend_from_slice(d);
        }
        14 => {
            if s2.add_buffer_reference(s).is_ok() {
                m2.extend_from_slice(m);
            }
        }
        15 => {
            s.expand(rng.below(5000)).unwrap();
        }
        16 => {
            let from = rng.below(len + 1);
            let mut p = EvbufferPtr::NOT_FOUND;
            s.ptr_set(&mut p, 0, EVBUFFER_PTR_SET);
            assert_eq!(s.ptr_set(&mut p, from, EVBUFFER_PTR_ADD), 0);
            let mut out = vec![0u8; rng.below(len + 5)];
            let n = s.copyout_from(Some((p.pos, p.chain as usize, p.pos_in_chain)), &mut out);
            let want = out.len().min(len - from);
            assert_eq!(n as usize, want);
            assert_eq!(&out[..want], &m[from..from + want]);
            let mut v = [iov(); 8];
            let k = s.peek(want as isize, Some(&p), &mut v);
            if want > 0 && (k as usize) <= v.len() {
                let mut all = Vec::new();
                for x in &v[..k as usize] {
                    // SAFETY: peek describes readable data.
                    all.extend_from_slice(unsafe { std::slice::from_raw_parts(x.iov_base as *const u8, x.iov_len) });
                }
                assert!(all.len() >= want);
                assert_eq!(&all[..want], &m[from..from + want]);
            }
        }
        _ => {
            let d = rng.bytes_below(200);
            s2.add(&d).unwrap();
            m2.extend_from_slice(&d);
        }
    }
}

#[test]
fn differential_against_vec_model() {
    for seed in 1..=60u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let (mut s, mut s2) = (State::new(), State::new());
        let (mut m, mut m2) = (Vec::new(), Vec::new());
        for i in 0..400 {
            step(&mut rng, &mut s, &mut m, &mut s2, &mut m2);
            s.check();
            s2.check();
            assert_eq!(s.total, m.len(), "seed {} step {}", seed, i);
            assert_eq!(s.to_vec(), m, "seed {} step {}", seed, i);
            assert_eq!(s2.to_vec(), m2, "seed {} step {}", seed, i);
            s.dead.clear();
            s2.dead.clear();
        }
    }
}
/// The buffer header weighs what libevent's `struct evbuffer` does (136 bytes, a 144-byte
/// malloc chunk): servers hold two per connection.
#[test]
fn header_is_as_small_as_libevents() {
    assert!(std::mem::size_of::<super::api::Evbuffer>() <= 136);
}
