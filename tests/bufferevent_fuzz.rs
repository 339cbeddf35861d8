//! The body of the `bufferevent_filter` fuzz target (fuzz/fuzz_targets/bufferevent_filter.rs
//! includes this file), and its seed corpus (fuzz/corpus/bufferevent_filter/) replayed on
//! every `cargo test`.
//!
//! A filtering bufferevent on one end of a pair, with input and output filters of our own
//! (each XORs the bytes with a key, so a byte that skipped a filter shows; each moves at most
//! a chosen number of bytes per call and may ask for more before it moves anything), or the
//! library's null filter. The fuzzer's bytes are a program of writes on either side, reads,
//! flushes in each mode, watermarks, enable/disable and loop runs. At the end everything is
//! enabled and flushed: what each side read must be exactly what the other side wrote, in
//! order, through the filter; the context is freed exactly once with the filter.

#![allow(dead_code)]

use levent::buffer::api as buf;
use levent::buffer::Evbuffer;
use levent::bufferevent::core::{self as bev, Bev, BEV_EVENT_ERROR, BEV_FINISHED, BEV_FLUSH, BEV_NORMAL};
use levent::bufferevent::filter::{self, BEV_ERROR, BEV_NEED_MORE, BEV_OK};
use levent::bufferevent::pair;
use levent::core::api as ev;
use levent::core::base::EventBase;
use levent::core::config::EventConfig;
use levent::core::dispatch::{run_loop, EVLOOP_NONBLOCK};
use levent::core::event::{EV_READ, EV_WRITE};
use libc::{c_char, c_int, c_short, c_void, ssize_t};
use std::cell::Cell;

thread_local! {
    static FREED: Cell<u32> = const { Cell::new(0) };
    static ERRORS: Cell<u32> = const { Cell::new(0) };
}

unsafe extern "C" fn quiet_log(_severity: c_int, _msg: *const c_char) {}

/// One direction's filter.
struct Dir {
    key: u8,
    /// Bytes moved per call at most (1..).
    per_call: usize,
    /// In normal mode, wait for this many bytes before moving any.
    need: usize,
}

struct Ctx {
    input: Dir,
    output: Dir,
}

unsafe fn run_filter(src: *mut Evbuffer, dst: *mut Evbuffer, lim: ssize_t, mode: c_int, d: &Dir) -> c_int {
    // SAFETY: the filter loop hands us two live buffers.
    unsafe {
        let avail = buf::length(src);
        if avail == 0 || (mode == BEV_NORMAL && avail < d.need) {
            return BEV_NEED_MORE;
        }
        let mut n = avail.min(d.per_call);
        if lim >= 0 {
            n = n.min(lim as usize);
        }
        if n == 0 {
            return BEV_NEED_MORE;
        }
        let mut v = vec![0u8; n];
        if buf::remove(src, &mut v) != n as isize {
            return BEV_ERROR;
        }
        for b in &mut v {
            *b ^= d.key;
        }
        if buf::add(dst, &v) != 0 {
            return BEV_ERROR;
        }
        BEV_OK
    }
}

unsafe extern "C" fn in_filter(src: *mut Evbuffer, dst: *mut Evbuffer, lim: ssize_t, mode: c_int, ctx: *mut c_void) -> c_int {
    // SAFETY: ctx is the Ctx given to filter::new, alive until free_ctx.
    unsafe { run_filter(src, dst, lim, mode, &(*(ctx as *const Ctx)).input) }
}

unsafe extern "C" fn out_filter(src: *mut Evbuffer, dst: *mut Evbuffer, lim: ssize_t, mode: c_int, ctx: *mut c_void) -> c_int {
    // SAFETY: as in_filter.
    unsafe { run_filter(src, dst, lim, mode, &(*(ctx as *const Ctx)).output) }
}

unsafe extern "C" fn free_ctx(ctx: *mut c_void) {
    // SAFETY: the Box leaked when the filter was made; the library frees it once.
    drop(unsafe { Box::from_raw(ctx as *mut Ctx) });
    FREED.with(|f| f.set(f.get() + 1));
}

unsafe extern "C" fn event_cb(_b: *mut levent::bufferevent::core::Bufferevent, what: c_short, _arg: *mut c_void) {
    if what & BEV_EVENT_ERROR != 0 {
        ERRORS.with(|e| e.set(e.get() + 1));
    }
}

fn settle(base: *mut EventBase) {
    for _ in 0..1000 {
        // SAFETY: a live base, used by this thread only.
        unsafe {
            run_loop(base, EVLOOP_NONBLOCK);
            if ev::num_events(base, ev::EVENT_BASE_COUNT_ACTIVE) == 0 {
                return;
            }
        }
    }
    panic!("the loop never went quiet");
}

/// Read everything buffered in `b`'s input.
///
/// # Safety
/// `b` is live.
unsafe fn read_all(b: *mut Bev, into: &mut Vec<u8>, at_most: usize) {
    let mut v = vec![0u8; at_most];
    // SAFETY: b is live (contract).
    let n = unsafe { bev::read(b, &mut v) };
    assert!(n >= 0);
    into.extend_from_slice(&v[..n as usize]);
}

/// The next byte of the program (0 once it ran out).
struct Prog<'a>(&'a [u8]);

impl Prog<'_> {
    fn byte(&mut self) -> u8 {
        let Some((&b, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        b
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, rest) = self.0.split_at(n);
        self.0 = rest;
        a
    }
}

fn dir(p: &mut Prog) -> Dir {
    let key = p.byte();
    let per_call = 1 + usize::from(p.byte() % 64);
    let need = usize::from(p.byte() % 8);
    Dir { key, per_call, need }
}

/// bufferevent_filter.
pub fn bufferevent_filter(data: &[u8]) {
    let mut p = Prog(data);
    let which = p.byte();
    let ctx = Box::new(Ctx { input: dir(&mut p), output: dir(&mut p) });
    // The null filter stands for a direction when asked: no change to the bytes then.
    let in_key = if which & 1 != 0 { ctx.input.key } else { 0 };
    let out_key = if which & 2 != 0 { ctx.output.key } else { 0 };
    levent::core::log::set_log_cb(Some(quiet_log));
    FREED.with(|f| f.set(0));
    ERRORS.with(|e| e.set(0));
    let base = EventBase::new(&EventConfig::default()).expect("a base");
    let (mut to_f, mut to_b, mut got_f, mut got_b) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // SAFETY: everything is made on this base, used by this thread only and freed before it.
    unsafe {
        let [a, b] = pair::new(base, 0).expect("a pair");
        let f = filter::new(
            bev::downcast(a),
            (which & 1 != 0).then_some(in_filter as filter::FilterCb),
            (which & 2 != 0).then_some(out_filter as filter::FilterCb),
            0,
            Some(free_ctx),
            Box::into_raw(ctx) as *mut c_void,
        );
        assert!(!f.is_null());
        bev::setcb(f, None, None, Some(event_cb), std::ptr::null_mut());
        bev::setcb(b, None, None, Some(event_cb), std::ptr::null_mut());
        bev::enable(f, EV_READ | EV_WRITE);
        bev::enable(b, EV_READ | EV_WRITE);
        let mut steps = 0;
        while !p.0.is_empty() && steps < 200 {
            steps += 1;
            let op = p.byte();
            let n = usize::from(p.byte());
            let mode = [BEV_NORMAL, BEV_FLUSH, BEV_FINISHED][n % 3];
            match op % 12 {
                0 => {
                    let d = p.take(n).to_vec();
                    bev::write(f, &d);
                    to_f.extend_from_slice(&d);
                }
                1 => {
                    let d = p.take(n).to_vec();
                    bev::write(b, &d);
                    to_b.extend_from_slice(&d);
                }
                2 => settle(base),
                3 => read_all(f, &mut got_f, n),
                4 => read_all(b, &mut got_b, n),
                5 => {
                    bev::flush(f, EV_WRITE, mode);
                }
                6 => {
                    bev::flush(f, EV_READ, mode);
                }
                7 => bev::setwatermark(f, EV_READ, 0, n),
                8 => bev::setwatermark(a, EV_WRITE, 0, n),
                9 => {
                    let what = if n & 1 != 0 { EV_READ } else { EV_WRITE };
                    if n & 2 != 0 {
                        bev::enable(f, what);
                    } else {
                        bev::disable(f, what);
                    }
                }
                10 => {
                    bev::flush(b, EV_WRITE, mode);
                }
                _ => bev::setwatermark(f, EV_WRITE, n, 0),
            }
        }
        // Everything on, no limits, flushed both ways; then the rest is read.
        bev::setwatermark(f, EV_READ | EV_WRITE, 0, 0);
        bev::setwatermark(a, EV_READ | EV_WRITE, 0, 0);
        bev::enable(f, EV_READ | EV_WRITE);
        bev::enable(b, EV_READ | EV_WRITE);
        for _ in 0..2 {
            bev::flush(f, EV_READ | EV_WRITE, BEV_FLUSH);
            bev::flush(b, EV_WRITE, BEV_FLUSH);
            settle(base);
            bev::flush(f, EV_READ, BEV_FLUSH);
            read_all(f, &mut got_f, 1 << 20);
            read_all(b, &mut got_b, 1 << 20);
        }
        assert_eq!(ERRORS.with(|e| e.get()), 0, "an error event");
        let want_b: Vec<u8> = to_f.iter().map(|x| x ^ out_key).collect();
        let want_f: Vec<u8> = to_b.iter().map(|x| x ^ in_key).collect();
        assert_eq!(got_b, want_b, "written through the filter, read on the pair's other end");
        assert_eq!(got_f, want_f, "written on the pair's other end, read through the filter");
        bev::free(f);
        bev::free(a);
        bev::free(b);
        settle(base);
        ev::free_base(base, true);
    }
    assert_eq!(FREED.with(|f| f.get()), 1, "the filter context freed once");
}

#[test]
fn bufferevent_filter_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bufferevent_filter");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {}", dir.display(), e)) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let r = std::panic::catch_unwind(|| bufferevent_filter(&data));
        assert!(r.is_ok(), "bufferevent_filter fails on {}", path.display());
        n += 1;
    }
    assert!(n > 0, "no seeds in {}", dir.display());
}
