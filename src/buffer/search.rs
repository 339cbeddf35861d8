//! Positions (`struct evbuffer_ptr`), searching, end-of-line detection and peeking.
//!
//! A position's `internal_` fields hold a hint: chain index + 1 (0: none / past the end) and
//! the offset in that chain. A hint that fits the buffer is used as is (as libevent uses its
//! chain pointer); otherwise the position is found from `pos`, so a pointer the program built
//! by hand still works and a stale one never reads outside the buffer.

use super::buffer::State;
use libc::{c_int, c_void, iovec};

pub const EVBUFFER_EOL_ANY: c_int = 0;
pub const EVBUFFER_EOL_CRLF: c_int = 1;
pub const EVBUFFER_EOL_CRLF_STRICT: c_int = 2;
pub const EVBUFFER_EOL_LF: c_int = 3;
pub const EVBUFFER_EOL_NUL: c_int = 4;
pub const EVBUFFER_PTR_SET: c_int = 0;
pub const EVBUFFER_PTR_ADD: c_int = 1;

/// `struct evbuffer_ptr` (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvbufferPtr {
    pub pos: isize,
    pub chain: *mut c_void,
    pub pos_in_chain: usize,
}

const _: () = assert!(std::mem::size_of::<EvbufferPtr>() == 24);

impl EvbufferPtr {
    pub const NOT_FOUND: EvbufferPtr = EvbufferPtr { pos: -1, chain: std::ptr::null_mut(), pos_in_chain: 0 };

    fn at(pos: usize, i: usize, o: usize) -> EvbufferPtr {
        EvbufferPtr { pos: pos as isize, chain: (i + 1) as *mut c_void, pos_in_chain: o }
    }

    fn end(pos: usize) -> EvbufferPtr {
        EvbufferPtr { pos: pos as isize, chain: std::ptr::null_mut(), pos_in_chain: 0 }
    }

    fn hint(&self) -> Option<(usize, usize)> {
        let c = self.chain as usize;
        (c != 0).then(|| (c - 1, self.pos_in_chain))
    }
}

/// Where a position falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    /// Byte `.1` of chain `.0` (always a byte that exists).
    At(usize, usize),
    /// Just past the last byte.
    End,
    /// Not in the buffer.
    Bad,
}

fn memchr(x: u8, s: &[u8]) -> Option<usize> {
    if s.is_empty() {
        return None;
    }
    // SAFETY: s is a valid slice of s.len() bytes.
    let p = unsafe { libc::memchr(s.as_ptr() as *const c_void, x as c_int, s.len()) };
    (!p.is_null()).then(|| p as usize - s.as_ptr() as usize)
}

/// First occurrence of `needle` (not empty) in `hay`.
fn memmem(hay: &[u8], needle: &[u8]) -> Option<usize> {
    // SAFETY: both are valid slices of the given lengths.
    let p = unsafe { libc::memmem(hay.as_ptr() as *const c_void, hay.len(), needle.as_ptr() as *const c_void, needle.len()) };
    (!p.is_null()).then(|| p as usize - hay.as_ptr() as usize)
}

impl State {
    /// Find `pos`, trusting the (chain, offset) hint when it fits this buffer.
    pub(crate) fn locate(&self, pos: isize, hint_chain: usize, hint_off: usize) -> Loc {
        if pos < 0 || pos as usize > self.total {
            return Loc::Bad;
        }
        if pos as usize == self.total {
            return Loc::End;
        }
        if hint_chain != 0 {
            let i = hint_chain - 1;
            if i < self.chains.len() && hint_off < self.chains[i].off {
                return Loc::At(i, hint_off);
            }
        }
        self.locate_from(0, 0, pos as usize)
    }

    /// Walk `n` bytes forward from byte `at` of chain `i`.
    pub(crate) fn locate_from(&self, mut i: usize, at: usize, n: usize) -> Loc {
        let mut left = n + at;
        while i < self.chains.len() {
            let off = self.chains[i].off;
            if left < off {
                return Loc::At(i, left);
            }
            left -= off;
            i += 1;
        }
        if left == 0 {
            Loc::End
        } else {
            Loc::Bad
        }
    }

    fn locate_ptr(&self, p: &EvbufferPtr) -> Loc {
        let (c, o) = p.hint().map_or((0, 0), |(i, o)| (i + 1, o));
        self.locate(p.pos, c, o)
    }

    /// evbuffer_ptr_set.
    pub fn ptr_set(&self, p: &mut EvbufferPtr, position: usize, how: c_int) -> c_int {
        let (target, from) = match how {
            EVBUFFER_PTR_SET => {
                p.pos = position as isize;
                (position, None)
            }
            EVBUFFER_PTR_ADD => {
                if p.pos < 0 || usize::MAX - position < p.pos as usize {
                    return -1;
                }
                let t = p.pos as usize + position;
                let from = p.hint().filter(|&(i, o)| i < self.chains.len() && o < self.chains[i].off);
                p.pos = t as isize;
                (t, from.map(|(i, o)| (i, o, position)))
            }
            _ => return -1,
        };
        let loc = if target > self.total {
            Loc::Bad
        } else {
            match from {
                Some((i, o, n)) => self.locate_from(i, o, n),
                None => self.locate_from(0, 0, target),
            }
        };
        match loc {
            Loc::At(i, o) => {
                p.chain = (i + 1) as *mut c_void;
                p.pos_in_chain = o;
                0
            }
            Loc::End => {
                p.chain = std::ptr::null_mut();
                p.pos_in_chain = 0;
                0
            }
            Loc::Bad => {
                *p = EvbufferPtr::NOT_FOUND;
                -1
            }
        }
    }

    /// Bytes of chain `i` from `at` (reading file data in); None when it cannot be read.
    fn slice_from<'a>(&mut self, i: usize, at: usize) -> Option<&'a [u8]> {
        if !self.readable(i) {
            return None;
        }
        // SAFETY: the chain is in memory; callers use the slice before changing the chain.
        let b = unsafe { self.chains[i].bytes() };
        Some(&b[at.min(b.len())..])
    }

    /// First byte from (i, at) for which `hit` says yes: (chain, offset, absolute position).
    fn scan(
        &mut self,
        mut i: usize,
        mut at: usize,
        mut pos: usize,
        hit: impl Fn(&[u8]) -> Option<usize>,
    ) -> Option<(usize, usize, usize)> {
        while i < self.chains.len() {
            let s = self.slice_from(i, at)?;
            if let Some(k) = hit(s) {
                return Some((i, at + k, pos + k));
            }
            pos += s.len();
            i += 1;
            at = 0;
        }
        None
    }

    /// Do the bytes at (i, at) start with `what`?
    fn matches_at(&mut self, mut i: usize, mut at: usize, what: &[u8]) -> bool {
        let mut done = 0;
        while done < what.len() {
            if i >= self.chains.len() {
                return false;
            }
            let Some(s) = self.slice_from(i, at) else { return false };
            let n = s.len().min(what.len() - done);
            if s[..n] != what[done..done + n] {
                return false;
            }
            done += n;
            i += 1;
            at = 0;
        }
        true
    }

    /// evbuffer_search_range (and evbuffer_search with no end).
    pub fn search_range(&mut self, what: &[u8], start: Option<&EvbufferPtr>, end: Option<&EvbufferPtr>) -> EvbufferPtr {
        if what.is_empty() {
            // An empty needle is found where the search starts.
            return match start {
                Some(p) => *p,
                None if self.chains.is_empty() => EvbufferPtr::end(0),
                None => EvbufferPtr::at(0, 0, 0),
            };
        }
        if what.len() > isize::MAX as usize {
            return EvbufferPtr::NOT_FOUND;
        }
        let (mut i, mut at, mut pos) = match start {
            None => (0, 0, 0usize),
            Some(p) => match self.locate_ptr(p) {
                Loc::At(i, o) => (i, o, p.pos as usize),
                _ => return EvbufferPtr::NOT_FOUND,
            },
        };
        // Chain by chain: matches lying inside one chain are found with the C library's
        // memmem (far fewer steps than trying every occurrence of the first byte); only the
        // last what.len() - 1 starting points of a chain can straddle into the next ones, and
        // those are tried one by one. Any match inside a chain starts before every
        // straddling candidate of that chain, so the first hit found is the first match.
        let n = what.len();
        // The match must end at or before `end`.
        let limit = match end {
            Some(e) if e.pos < 0 => return EvbufferPtr::NOT_FOUND,
            Some(e) => e.pos as usize,
            None => usize::MAX,
        };
        let first = what[0];
        while i < self.chains.len() {
            if pos.checked_add(n).is_none_or(|e| e > limit) {
                return EvbufferPtr::NOT_FOUND;
            }
            let Some(s) = self.slice_from(i, at) else { return EvbufferPtr::NOT_FOUND };
            // Inside this chain, and not past the limit.
            let room = s.len().min(limit - pos);
            if room >= n {
                if let Some(k) = memmem(&s[..room], what) {
                    return EvbufferPtr::at(pos + k, i, at + k);
                }
            }
            // Straddling: start in the last n - 1 bytes, continue into the next chains.
            let mut o = s.len().saturating_sub(n - 1);
            while let Some(k) = memchr(first, &s[o..]) {
                let cand = o + k;
                if pos + cand + n > limit {
                    return EvbufferPtr::NOT_FOUND;
                }
                if self.matches_at(i, at + cand, what) {
                    return EvbufferPtr::at(pos + cand, i, at + cand);
                }
                o = cand + 1;
            }
            pos += s.len();
            i += 1;
            at = 0;
        }
        EvbufferPtr::NOT_FOUND
    }

    /// evbuffer_search_eol: where the first line ending at or after `start` begins, and its
    /// length (0 when none is found).
    pub fn search_eol(&mut self, start: Option<&EvbufferPtr>, style: c_int) -> (EvbufferPtr, usize) {
        let (i, at, pos) = match start {
            None => (0, 0, 0usize),
            Some(p) => match self.locate_ptr(p) {
                Loc::At(i, o) => (i, o, p.pos as usize),
                _ => return (EvbufferPtr::NOT_FOUND, 0),
            },
        };
        let find = |st: &mut State, b: u8| st.scan(i, at, pos, |s| memchr(b, s));
        let found = match style {
            EVBUFFER_EOL_ANY => {
                self.scan(i, at, pos, |s| s.iter().position(|&b| b == b'\r' || b == b'\n')).map(|(ci, co, cp)| {
                    let run = self.scan(ci, co, cp, |s| s.iter().position(|&b| b != b'\r' && b != b'\n'));
                    let n = match run {
                        Some((_, _, end)) => end - cp,
                        None => self.total - cp,
                    };
                    (ci, co, cp, n)
                })
            }
            EVBUFFER_EOL_CRLF_STRICT => {
                let s = EvbufferPtr::at(pos, i, at);
                let r = self.search_range(b"\r\n", Some(&s), None);
                r.hint().map(|(ci, co)| (ci, co, r.pos as usize, 2))
            }
            EVBUFFER_EOL_CRLF => find(self, b'\n').map(|(ci, co, cp)| {
                if cp == pos {
                    return (ci, co, cp, 1);
                }
                // The byte before: in this chain, or the last byte of an earlier one.
                let prev = if co > 0 {
                    Some((ci, co - 1))
                } else {
                    (0..ci).rev().find(|&j| self.chains[j].off != 0).map(|j| (j, self.chains[j].off - 1))
                };
                match prev {
                    Some((pj, po)) if self.slice_from(pj, po).is_some_and(|s| s[0] == b'\r') => (pj, po, cp - 1, 2),
                    _ => (ci, co, cp, 1),
                }
            }),
            EVBUFFER_EOL_LF => find(self, b'\n').map(|(ci, co, cp)| (ci, co, cp, 1)),
            EVBUFFER_EOL_NUL => find(self, 0).map(|(ci, co, cp)| (ci, co, cp, 1)),
            _ => None,
        };
        match found {
            Some((ci, co, cp, n)) => (EvbufferPtr::at(cp, ci, co), n),
            None => (EvbufferPtr::NOT_FOUND, 0),
        }
    }

    /// evbuffer_peek: fill `vecs` with the chains holding `len` bytes (all if negative) from
    /// `start`; returns how many vectors that takes (or, for len < 0, how many were filled).
    pub fn peek(&mut self, len: isize, start: Option<&EvbufferPtr>, vecs: &mut [iovec]) -> c_int {
        let n_vec = vecs.len();
        let mut idx = 0usize;
        let mut so_far: isize = 0;
        let mut ci = 0;
        let mut len = len;
        if let Some(p) = start {
            let Loc::At(i, o) = self.locate_ptr(p) else { return 0 };
            if !self.readable(i) {
                return -1;
            }
            let c = &self.chains[i];
            so_far = (c.off - o) as isize;
            if n_vec > 0 {
                // SAFETY: o < off, inside the chain's data.
                vecs[0] = iovec { iov_base: unsafe { c.data().add(o) } as *mut c_void, iov_len: c.off - o };
            }
            idx = 1;
            ci = i + 1;
        }
        if n_vec == 0 && len < 0 {
            len = self.total as isize - start.map_or(0, |p| p.pos);
        }
        while ci < self.chains.len() {
            if len >= 0 && so_far >= len {
                break;
            }
            if idx < n_vec {
                if !self.readable(ci) {
                    return -1;
                }
                let c = &self.chains[ci];
                vecs[idx] = iovec { iov_base: c.data() as *mut c_void, iov_len: c.off };
            } else if len < 0 {
                break;
            }
            idx += 1;
            so_far += self.chains[ci].off as isize;
            ci += 1;
        }
        idx as c_int
    }

    /// Take the first line out (the caller drains the line ending separately, as libevent
    /// does): returns the line bytes and the length of its ending.
    pub fn take_line(&mut self, style: c_int) -> Option<(Vec<u8>, usize)> {
        if self.freeze_start {
            return None;
        }
        let (p, eol) = self.search_eol(None, style);
        if p.pos < 0 {
            return None;
        }
        let n = p.pos as usize;
        let mut line = vec![0u8; n];
        if n > 0 {
            let first = (0..self.chains.len()).find(|&i| self.chains[i].off != 0).unwrap_or(0);
            self.copy_from(first, 0, &mut line).ok()?;
            self.drain(n).ok()?;
        }
        Some((line, eol))
    }
}
