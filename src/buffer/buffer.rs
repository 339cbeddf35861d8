//! The evbuffer's state and its core operations: a queue of chains (see chain.rs) with
//! libevent's placement rules, so that chain boundaries, free space and `iov_len`s come out as
//! libevent's do.
//!
//! Everything here is plain logic on `&mut State`: no program code runs inside these methods.
//! Chains let go are dropped at once when that only frees memory; those whose drop may run
//! program code (a reference or file-segment cleanup callback) are parked in `dead` and
//! dropped by the API layer once no borrow is alive. Change callbacks are likewise run by the
//! API layer (api.rs) after the operation.

use super::callbacks::Callbacks;
use super::chain::*;
use super::file_segment::FileSeg;
use libc::{c_void, iovec};
use std::collections::VecDeque;
use std::sync::Arc;

pub const EVBUFFER_FLAG_DRAINS_TO_FD: u64 = 1;

bitflags::bitflags! {
    /// The buffer's flags (`evbuffer_set_flags` / `_clear_flags`). Bits libevent does not
    /// define are kept as the program set them, as libevent keeps them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct BufferFlags: u64 {
        /// The buffer is written to a socket: file segments may go out with sendfile.
        const DRAINS_TO_FD = EVBUFFER_FLAG_DRAINS_TO_FD;
    }
}

/// The operation was refused (frozen end, bad sizes, no memory); nothing changed.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Refused;

pub type Res<T = ()> = Result<T, Refused>;

/// Let a chain go: dropped now when that runs no program code, otherwise parked in `dead`
/// (a reference's or file segment's cleanup must run after the operation, with no borrow
/// of the buffer alive).
#[inline]
fn let_go(dead: &mut Parked, c: Chain) {
    if c.drop_is_quiet() {
        drop(c);
    } else {
        dead.push(c);
    }
}

/// Chains let go by the current operation whose drop may run program code, dropped after it.
/// Boxed, and made on first use: every buffer carries one and it is nearly always empty.
#[derive(Default)]
#[allow(clippy::box_collection)] // the point: 8 bytes in every buffer instead of a 24-byte Vec
pub struct Parked(Option<Box<Vec<Chain>>>);

impl Parked {
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|v| v.is_empty())
    }
    pub fn push(&mut self, c: Chain) {
        self.0.get_or_insert_with(Default::default).push(c);
    }
    /// Drop the parked chains, front to back (as libevent frees chains), keeping the storage.
    pub fn clear(&mut self) {
        if let Some(v) = self.0.as_mut() {
            v.clear();
        }
    }
    /// Nothing was ever parked here (no storage to keep).
    pub fn is_unallocated(&self) -> bool {
        self.0.is_none()
    }
}

pub struct State {
    pub(crate) chains: VecDeque<Chain>,
    /// Index of the last chain holding data; 0 when no chain does. Chains after it are empty
    /// reserved space.
    pub(crate) lwd: usize,
    pub total: usize,
    /// Bytes added / removed since the callbacks last ran.
    pub n_add: usize,
    pub n_del: usize,
    pub freeze_start: bool,
    pub freeze_end: bool,
    pub flags: BufferFlags,
    /// Chains let go by the current operation, dropped after it.
    pub(crate) dead: Parked,
    /// The chain evbuffer_add_vprintf is formatting into.
    pub(crate) printf_chain: u32,
    pub(crate) cbs: Callbacks,
    /// References: the program's (evbuffer_new), each running operation, a queued deferred
    /// callback, and whatever internal users take.
    /// 32 bits, packed beside the flags: each count is a live owner or a running (nested)
    /// operation, never anywhere near 2^32.
    pub(crate) refcnt: u32,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    pub fn new() -> State {
        State {
            chains: VecDeque::new(),
            lwd: 0,
            total: 0,
            n_add: 0,
            n_del: 0,
            freeze_start: false,
            freeze_end: false,
            flags: BufferFlags::empty(),
            dead: Parked::default(),
            printf_chain: 0,
            cbs: Callbacks::default(),
            refcnt: 1,
        }
    }

    // ---- chain list primitives ----

    /// Let go of every chain (libevent's ZERO_CHAIN after freeing them).
    pub(crate) fn clear_chains(&mut self) {
        if self.chains.is_empty() {
            // Cheap exit: an empty drain of the queue is not free.
            self.lwd = 0;
            self.total = 0;
            return;
        }
        // Front to back, as libevent frees them (popping is cheaper than a Drain iterator).
        while let Some(c) = self.chains.pop_front() {
            let_go(&mut self.dead, c);
        }
        self.lwd = 0;
        self.total = 0;
    }

    /// Does the buffer keep chain-queue storage while holding no chain?
    #[inline(always)]
    pub(crate) fn holds_empty_queue(&self) -> bool {
        self.chains.is_empty() && self.chains.capacity() != 0
    }

    /// An empty buffer gives its chain-queue storage back, as a libevent buffer with no chains
    /// holds no memory beyond itself: idle connections by the thousand cost only their headers.
    #[inline]
    pub(crate) fn release_empty_queue(&mut self) {
        if self.holds_empty_queue() {
            self.chains = VecDeque::new();
        }
    }

    /// Free the empty chains after the last one with data (all of them if none has data).
    pub(crate) fn free_trailing_empty(&mut self) {
        let mut i = self.lwd;
        while i < self.chains.len() && self.chains[i].off != 0 {
            i += 1;
        }
        if i < self.chains.len() {
            for c in self.chains.drain(i..) {
                let_go(&mut self.dead, c);
            }
        }
    }

    /// Append a chain after the data, replacing any reserved empty chains. Returns its index.
    pub(crate) fn insert(&mut self, c: Chain) -> usize {
        let off = c.off;
        if self.chains.is_empty() {
            if self.chains.capacity() == 0 {
                // Most buffers hold one chain at a time (a read, then a drain): room for one,
                // not the four a first push_back would make.
                self.chains.reserve_exact(1);
            }
            self.chains.push_back(c);
            self.lwd = 0;
        } else {
            self.free_trailing_empty();
            self.chains.push_back(c);
            if off != 0 {
                self.lwd = self.chains.len() - 1;
            }
        }
        self.total += off;
        self.chains.len() - 1
    }

    fn insert_new(&mut self, size: usize) -> Option<usize> {
        let c = Chain::new(size)?;
        Some(self.insert(c))
    }

    /// Move `lwd` to the last chain that holds data.
    pub(crate) fn advance_lwd(&mut self) {
        if self.chains.is_empty() {
            return;
        }
        let mut i = self.lwd + 1;
        while i < self.chains.len() {
            if self.chains[i].off != 0 {
                self.lwd = i;
            }
            i += 1;
        }
    }

    // ---- making room ----

    /// Make sure one chain at the end has `datlen` contiguous free bytes; returns it.
    pub(crate) fn expand_singlechain(&mut self, datlen: usize) -> Option<usize> {
        if self.chains.is_empty() {
            return self.insert_new(datlen);
        }
        let mut i = self.lwd;
        if self.chains[i].space() == 0 {
            i += 1;
        }
        if i >= self.chains.len() || !self.chains[i].is_owned() {
            return self.insert_new(datlen);
        }
        let c = &mut self.chains[i];
        if c.space() >= datlen {
            return Some(i);
        }
        if c.off == 0 {
            return self.insert_new(datlen);
        }
        if c.should_realign(datlen) {
            c.align();
            return Some(i);
        }
        if c.space() < c.blen / 8 || c.off > MAX_TO_COPY_IN_EXPAND || datlen >= CHAIN_MAX - c.off {
            // Not worth growing this one: use the next chain if it is big enough.
            if i + 1 < self.chains.len() && self.chains[i + 1].space() >= datlen {
                return Some(i + 1);
            }
            return self.insert_new(datlen);
        }
        // Copy the data into a block big enough for it and the request.
        let mut n = Chain::new(c.off + datlen)?;
        // SAFETY: the new block holds at least off bytes; the old data is readable.
        unsafe { std::ptr::copy_nonoverlapping(c.data(), n.space_ptr(), c.off) };
        n.off = c.off;
        let old = std::mem::replace(&mut self.chains[i], n);
        let_go(&mut self.dead, old);
        Some(i)
    }

    /// Make sure the last `n` chains (n >= 2) together have `datlen` free bytes.
    pub(crate) fn expand_fast(&mut self, datlen: usize, n: usize) -> Res {
        let last_writable = self.chains.back().is_some_and(|c| c.is_owned());
        if !last_writable {
            let c = Chain::new(datlen).ok_or(Refused)?;
            self.insert(c);
            return Ok(());
        }
        let mut used = 0;
        let mut avail = 0usize;
        let mut i = self.lwd;
        while i < self.chains.len() {
            let c = &mut self.chains[i];
            if c.off != 0 {
                let s = c.space();
                if s != 0 {
                    avail += s;
                    used += 1;
                }
            } else {
                c.misalign = 0;
                avail += c.space();
                used += 1;
            }
            if avail >= datlen {
                return Ok(());
            }
            if used == n {
                break;
            }
            i += 1;
        }
        if used < n {
            let c = Chain::new(datlen - avail).ok_or(Refused)?;
            self.chains.push_back(c);
            return Ok(());
        }
        // The first n chains with room are too small: replace the empty ones at the end by one
        // chain that is big enough.
        let keep;
        if self.chains[self.lwd].off == 0 {
            avail = 0;
            keep = self.lwd;
        } else {
            avail = self.chains[self.lwd].space();
            keep = self.lwd + 1;
        }
        for c in self.chains.drain(keep..) {
            let_go(&mut self.dead, c);
        }
        let c = Chain::new(datlen - avail).ok_or(Refused)?;
        self.chains.push_back(c);
        if keep == self.lwd {
            self.lwd = self.chains.len() - 1;
        }
        Ok(())
    }

    /// Describe the free space from the first chain with room: up to `vecs.len()` vectors
    /// covering `howmuch` bytes (`exact`: the last one is cut to size). Returns the first
    /// chain's index and the number of vectors.
    pub(crate) fn setup_vecs(&self, howmuch: usize, vecs: &mut [iovec], exact: bool) -> (usize, usize) {
        if self.chains.is_empty() {
            return (0, 0);
        }
        let mut first = self.lwd;
        if self.chains[first].space() == 0 {
            first += 1;
        }
        let mut so_far = 0usize;
        let mut n = 0;
        let mut c = first;
        while n < vecs.len() && so_far < howmuch && c < self.chains.len() {
            let ch = &self.chains[c];
            let mut avail = ch.space();
            if exact && avail > howmuch - so_far {
                avail = howmuch - so_far;
            }
            vecs[n] = iovec { iov_base: ch.space_ptr() as *mut c_void, iov_len: avail };
            so_far += avail;
            n += 1;
            c += 1;
        }
        (first, n)
    }

    pub fn expand(&mut self, datlen: usize) -> Res {
        self.expand_singlechain(datlen).map(|_| ()).ok_or(Refused)
    }

    pub fn reserve_space(&mut self, size: isize, vecs: &mut [iovec]) -> Res<usize> {
        if self.freeze_end || vecs.is_empty() {
            return Err(Refused);
        }
        if vecs.len() == 1 {
            let i = self.expand_singlechain(size as usize).ok_or(Refused)?;
            let c = &self.chains[i];
            vecs[0] = iovec { iov_base: c.space_ptr() as *mut c_void, iov_len: c.space() };
            return Ok(1);
        }
        self.expand_fast(size as usize, vecs.len())?;
        if size < 0 {
            return Err(Refused);
        }
        Ok(self.setup_vecs(size as usize, vecs, false).1)
    }

    pub fn commit_space(&mut self, vecs: &[iovec]) -> Res {
        if self.freeze_end {
            return Err(Refused);
        }
        if vecs.is_empty() {
            return Ok(());
        }
        if self.chains.is_empty() {
            return Err(Refused);
        }
        let fits = |c: &Chain, v: &iovec| c.is_owned() && v.iov_base as *mut u8 == c.space_ptr() && v.iov_len <= c.space();
        // As one slice (free when the queue has not wrapped): plain indexing below.
        let lwd = self.lwd;
        let chains = self.chains.make_contiguous();
        let first = if vecs.len() == 1 {
            // One vector: it may describe any chain with room at the end (expand can hand out
            // the chain after the last one with data).
            match chains[lwd..].iter().position(|c| fits(c, &vecs[0])) {
                Some(k) => lwd + k,
                None => return Err(Refused),
            }
        } else if chains[lwd].space() == 0 {
            lwd + 1
        } else {
            lwd
        };
        let Some(targets) = chains.get_mut(first..first + vecs.len()) else { return Err(Refused) };
        if !targets.iter().zip(vecs).all(|(c, v)| fits(c, v)) {
            return Err(Refused);
        }
        let mut added = 0;
        for (k, (c, v)) in targets.iter_mut().zip(vecs).enumerate() {
            c.off += v.iov_len;
            added += v.iov_len;
            if v.iov_len != 0 {
                self.lwd = first + k;
            }
        }
        self.total += added;
        self.n_add += added;
        Ok(())
    }

    // ---- adding ----

    /// evbuffer_add's fast path for a buffer without callbacks: copy into the last chain's
    /// room if it has enough. False: nothing done, take the full path. The callback counts
    /// are not kept (nobody reads them; the full path resets them without callbacks).
    #[inline(always)]
    pub fn add_in_place(&mut self, data: &[u8]) -> bool {
        if self.freeze_end {
            return false;
        }
        match self.chains.get_mut(self.lwd) {
            Some(c) if c.is_owned() && c.space() >= data.len() => {
                // SAFETY: owned chain with room for data.len() bytes after its data; data is
                // the program's, a separate buffer.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), c.space_ptr(), data.len()) };
                c.off += data.len();
                self.total += data.len();
                true
            }
            _ => false,
        }
    }

    #[inline(always)]
    pub fn add(&mut self, data: &[u8]) -> Res {
        let datlen = data.len();
        // The common case, inlined into the entry point: the last chain with data has room.
        if !self.freeze_end {
            if let Some(c) = self.chains.get_mut(self.lwd) {
                if c.is_owned() && c.space() >= datlen {
                    // SAFETY: the chain is owned, with room for datlen bytes after its data;
                    // data is the program's, a separate buffer.
                    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), c.space_ptr(), datlen) };
                    c.off += datlen;
                    self.total += datlen;
                    self.n_add += datlen;
                    return Ok(());
                }
            }
        }
        self.add_slow(data)
    }

    #[inline(never)]
    fn add_slow(&mut self, data: &[u8]) -> Res {
        let datlen = data.len();
        if self.freeze_end || datlen > usize::MAX - self.total {
            return Err(Refused);
        }
        let idx = if self.chains.is_empty() { self.insert_new(datlen).ok_or(Refused)? } else { self.lwd };
        let c = &mut self.chains[idx];
        let mut remain = 0;
        if c.is_owned() {
            remain = c.space();
            if remain >= datlen || c.should_realign(datlen) {
                if remain < datlen {
                    c.align();
                }
                // SAFETY: the chain has room for datlen bytes after its data; data is a
                // separate buffer (the program's).
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), c.space_ptr(), datlen) };
                c.off += datlen;
                self.total += datlen;
                self.n_add += datlen;
                return Ok(());
            }
        }
        let mut to_alloc = c.blen;
        if to_alloc <= CHAIN_MAX_AUTO_SIZE / 2 {
            to_alloc <<= 1;
        }
        if datlen > to_alloc {
            to_alloc = datlen;
        }
        let mut n = Chain::new(to_alloc).ok_or(Refused)?;
        if remain != 0 {
            // SAFETY: remain bytes of room in c; data holds at least remain bytes.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), c.space_ptr(), remain) };
            c.off += remain;
            self.total += remain;
            self.n_add += remain;
        }
        let rest = &data[remain..];
        // SAFETY: the new chain was sized for at least datlen bytes.
        unsafe { std::ptr::copy_nonoverlapping(rest.as_ptr(), n.space_ptr(), rest.len()) };
        n.off = rest.len();
        self.n_add += rest.len();
        self.insert(n);
        Ok(())
    }

    pub fn prepend(&mut self, data: &[u8]) -> Res {
        let mut datlen = data.len();
        if datlen == 0 {
            return Ok(());
        }
        if self.freeze_start || datlen > usize::MAX - self.total {
            return Err(Refused);
        }
        if self.chains.is_empty() {
            self.insert_new(datlen).ok_or(Refused)?;
        }
        let c = &mut self.chains[0];
        if c.is_owned() {
            if c.off == 0 {
                c.misalign = c.blen;
            }
            if c.misalign >= datlen {
                c.misalign -= datlen;
                // SAFETY: [misalign, misalign+datlen) was free space in front of the data.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), (c.base() as *mut u8).add(c.misalign), datlen) };
                c.off += datlen;
                self.total += datlen;
                self.n_add += datlen;
                return Ok(());
            }
        }
        // The rest goes into a new chain in front; allocate it before touching anything.
        let m = if c.is_owned() { c.misalign } else { 0 };
        let mut n = Chain::new(datlen - m).ok_or(Refused)?;
        let c = &mut self.chains[0];
        if m != 0 {
            // SAFETY: the first m bytes of the block are free; the tail of data fits there.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr().add(datlen - m), c.base() as *mut u8, m) };
            c.off += m;
            c.misalign = 0;
            self.total += m;
            self.n_add += m;
            datlen -= m;
        }
        let first_has_data = c.off != 0;
        n.misalign = n.blen - datlen;
        n.off = datlen;
        // SAFETY: the new block has datlen bytes at misalign.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), (n.base() as *mut u8).add(n.misalign), datlen) };
        self.chains.push_front(n);
        if self.lwd != 0 || first_has_data {
            self.lwd += 1;
        }
        self.total += datlen;
        self.n_add += datlen;
        Ok(())
    }

    /// evbuffer_add_reference: the program's memory, read in place; `cleanup` runs once when
    /// no chain can read it any more (not at all when refused).
    pub fn add_reference(&mut self, data: *const c_void, len: usize, cleanup: Option<RefCleanupFn>, arg: *mut c_void) -> Res {
        if self.freeze_end || len > usize::MAX - self.total {
            return Err(Refused);
        }
        let keep = Arc::new(Keep::User { data, len, cleanup, arg });
        let c = Chain::from_store(Store::Shared { base: data as *const u8, keep }, 0, len, len, Kind::Reference);
        self.insert(c);
        self.n_add += len;
        Ok(())
    }

    pub fn add_file_segment(&mut self, seg: &Arc<FileSeg>, offset: i64, length: i64) -> Res {
        let sendfile = self.flags.contains(BufferFlags::DRAINS_TO_FD) && seg.can_sendfile;
        let base = if sendfile { std::ptr::null() } else { seg.contents().ok_or(Refused)? };
        if self.freeze_end || offset < 0 {
            return Err(Refused);
        }
        let length = if length < 0 {
            if offset > seg.length {
                return Err(Refused);
            }
            seg.length - offset
        } else {
            length
        };
        if offset.checked_add(length).is_none_or(|end| end > seg.length) {
            return Err(Refused);
        }
        let len = length as usize;
        if len > usize::MAX - self.total {
            return Err(Refused);
        }
        let c = Chain::from_store(Store::Seg { base, seg: seg.clone() }, offset as usize, len, len, Kind::FileSeg);
        self.insert(c);
        self.n_add += len;
        Ok(())
    }

    // ---- removing ----

    #[inline(always)]
    pub fn drain(&mut self, len: usize) -> Res {
        // The common case, inlined: the first chain keeps some of its data.
        if !self.freeze_start {
            if let Some(c) = self.chains.front_mut() {
                if len < c.off {
                    c.misalign += len;
                    c.off -= len;
                    self.total -= len;
                    self.n_del += len;
                    return Ok(());
                }
            }
        }
        self.drain_slow(len)
    }

    #[inline(never)]
    fn drain_slow(&mut self, len: usize) -> Res {
        let old = self.total;
        if old == 0 {
            return Ok(());
        }
        if self.freeze_start {
            return Err(Refused);
        }
        let len = len.min(old);
        if len == old {
            self.clear_chains();
        } else {
            self.total -= len;
            let mut remaining = len;
            while let Some(c) = self.chains.front() {
                if remaining < c.off {
                    break;
                }
                remaining -= c.off;
                let c = self.chains.pop_front().expect("front exists");
                let_go(&mut self.dead, c);
                self.lwd = self.lwd.saturating_sub(1);
            }
            let c = &mut self.chains[0];
            c.misalign += remaining;
            c.off -= remaining;
        }
        self.n_del += len;
        Ok(())
    }

    /// Make sure chain `i` is readable in memory.
    pub(crate) fn readable(&mut self, i: usize) -> bool {
        self.chains[i].materialize()
    }

    /// Copy `out.len()` bytes starting `at` bytes into chain `i`. The range must exist.
    pub(crate) fn copy_from(&mut self, mut i: usize, mut at: usize, out: &mut [u8]) -> Res {
        let mut done = 0;
        while done < out.len() {
            if !self.readable(i) {
                return Err(Refused);
            }
            let c = &self.chains[i];
            let n = (c.off - at).min(out.len() - done);
            // SAFETY: the chain is in memory and holds off bytes; the slice ends before the
            // chain changes.
            let src = unsafe { c.bytes() };
            out[done..done + n].copy_from_slice(&src[at..at + n]);
            done += n;
            i += 1;
            at = 0;
        }
        Ok(())
    }

    /// evbuffer_copyout_from. `pos`: where to start (None: at the front).
    #[inline(always)]
    pub fn copyout_from(&mut self, pos: Option<(isize, usize, usize)>, out: &mut [u8]) -> isize {
        // The common case, inlined: from the front, all within the first chain, in memory.
        if pos.is_none() && !self.freeze_start {
            if let Some(c) = self.chains.front() {
                let n = out.len().min(self.total);
                if n <= c.off && !c.data().is_null() {
                    // SAFETY: the chain's data is in memory and holds at least n bytes; out is
                    // the program's buffer, separate from ours.
                    unsafe { std::ptr::copy_nonoverlapping(c.data(), out.as_mut_ptr(), n) };
                    return n as isize;
                }
            }
        }
        self.copyout_slow(pos, out)
    }

    #[inline(never)]
    fn copyout_slow(&mut self, pos: Option<(isize, usize, usize)>, out: &mut [u8]) -> isize {
        let (start, datlen) = match pos {
            None => (None, out.len().min(self.total)),
            Some((p, hint_chain, hint_off)) => {
                if p < 0 || out.len() > (isize::MAX - p) as usize || p as usize > self.total {
                    return -1;
                }
                (Some((p, hint_chain, hint_off)), out.len().min(self.total - p as usize))
            }
        };
        if datlen == 0 {
            return 0;
        }
        if self.freeze_start {
            return -1;
        }
        let (i, at) = match start {
            None => (0, 0),
            Some((p, hc, ho)) => match self.locate(p, hc, ho) {
                super::search::Loc::At(i, at) => (i, at),
                _ => return -1,
            },
        };
        match self.copy_from(i, at, &mut out[..datlen]) {
            Ok(()) => datlen as isize,
            Err(_) => -1,
        }
    }

    /// evbuffer_remove: copy out, then drain what was copied.
    pub fn remove(&mut self, out: &mut [u8]) -> isize {
        let n = self.copyout_from(None, out);
        if n > 0 && self.drain(n as usize).is_err() {
            return -1;
        }
        n
    }

    /// Make the first `size` bytes (all if negative) contiguous; a pointer to them.
    pub fn pullup(&mut self, size: isize) -> Option<*mut u8> {
        let size = if size < 0 { self.total } else { size as usize };
        if size == 0 || size > self.total {
            return None;
        }
        if self.chains[0].off >= size {
            if !self.readable(0) {
                return None;
            }
            return Some(self.chains[0].data() as *mut u8);
        }
        // How many chains are copied whole, and bring them all into memory first.
        let mut k = 0;
        let mut left = size;
        while k < self.chains.len() && left >= self.chains[k].off {
            left -= self.chains[k].off;
            k += 1;
        }
        for i in 0..k.min(self.chains.len()) {
            if !self.readable(i) {
                return None;
            }
        }
        if k < self.chains.len() && left != 0 && !self.readable(k) {
            return None;
        }
        let c0 = &self.chains[0];
        let in_place = c0.is_owned() && c0.blen - c0.misalign >= size;
        let (mut dst, first_src, new_front) = if in_place {
            (c0.space_ptr(), 1, None)
        } else {
            let n = Chain::new(size)?;
            (n.space_ptr(), 0, Some(n))
        };
        // Copy whole chains [first_src, k), then `left` bytes of chain k.
        for i in first_src..k {
            let c = &self.chains[i];
            // SAFETY: source chain in memory with off bytes; dst has room for size bytes in
            // total and we copy exactly size - (bytes already in place).
            unsafe {
                std::ptr::copy_nonoverlapping(c.data(), dst, c.off);
                dst = dst.add(c.off);
            }
        }
        if k < self.chains.len() && left != 0 {
            let c = &mut self.chains[k];
            // SAFETY: as above, chain k holds more than left bytes.
            unsafe { std::ptr::copy_nonoverlapping(c.data(), dst, left) };
            c.misalign += left;
            c.off -= left;
        }
        let removed = k - first_src;
        let lwd_removed = self.lwd >= first_src && self.lwd < k;
        for c in self.chains.drain(first_src..k) {
            let_go(&mut self.dead, c);
        }
        match new_front {
            Some(mut n) => {
                n.off = size;
                self.chains.push_front(n);
            }
            None => self.chains[0].off = size,
        }
        if lwd_removed {
            self.lwd = 0;
        } else if self.lwd >= k {
            self.lwd = self.lwd - removed + usize::from(!in_place);
        }
        Some(self.chains[0].data() as *mut u8)
    }

    // ---- moving between buffers ----

    /// Move every chain of `inb` to the end of `self` (libevent's APPEND/COPY).
    fn take_all_from(&mut self, inb: &mut State) {
        if self.total == 0 {
            self.clear_chains();
            // Swap rather than take, so both keep an allocated queue.
            std::mem::swap(&mut self.chains, &mut inb.chains);
            self.lwd = inb.lwd;
        } else {
            self.free_trailing_empty();
            let base = self.chains.len();
            self.chains.append(&mut inb.chains);
            self.lwd = base + inb.lwd;
        }
        self.total += inb.total;
        inb.lwd = 0;
        inb.total = 0;
    }

    /// evbuffer_add_buffer (the two are different buffers).
    pub fn add_buffer(&mut self, inb: &mut State) -> Res {
        let n = inb.total;
        if n == 0 {
            return Ok(());
        }
        if self.freeze_end || inb.freeze_start || n > usize::MAX - self.total {
            return Err(Refused);
        }
        self.take_all_from(inb);
        inb.n_del += n;
        self.n_add += n;
        Ok(())
    }

    /// evbuffer_prepend_buffer (different buffers).
    pub fn prepend_buffer(&mut self, inb: &mut State) -> Res {
        let n = inb.total;
        if n == 0 {
            return Ok(());
        }
        if self.freeze_start || inb.freeze_start || n > usize::MAX - self.total {
            return Err(Refused);
        }
        if self.total == 0 {
            self.take_all_from(inb);
        } else {
            inb.free_trailing_empty();
            let k = inb.chains.len();
            while let Some(c) = inb.chains.pop_back() {
                self.chains.push_front(c);
            }
            self.lwd += k;
            self.total += n;
            inb.lwd = 0;
            inb.total = 0;
        }
        inb.n_del += n;
        self.n_add += n;
        Ok(())
    }

    /// evbuffer_remove_buffer: move up to `datlen` bytes from `self` to `dst`. Whole chains
    /// move without copying; of a partly moved chain, our own memory is copied and shared
    /// memory (references, file segments) is shared. Returns the bytes moved; whether
    /// everything moved (the callbacks then run source first).
    pub fn remove_buffer(&mut self, dst: &mut State, datlen: usize) -> Res<(usize, bool)> {
        if datlen == 0 {
            return Ok((0, false));
        }
        if dst.freeze_end || self.freeze_start {
            return Err(Refused);
        }
        if datlen >= self.total {
            let n = self.total;
            dst.add_buffer(self)?;
            return Ok((n, true));
        }
        if datlen > usize::MAX - dst.total {
            return Err(Refused);
        }
        // The partial chain's bytes, when ours, are copied: get the room first.
        let mut k = 0;
        let mut left = datlen;
        while self.chains[k].off <= left {
            left -= self.chains[k].off;
            k += 1;
        }
        let moved = datlen - left;
        if k > 0 {
            dst.free_trailing_empty();
            if dst.chains.is_empty() {
                dst.lwd = 0;
            }
            dst.chains.extend(self.chains.drain(..k));
            dst.advance_lwd();
            dst.total += moved;
            dst.n_add += moved;
            self.lwd -= k;
        }
        if left != 0 {
            let copied = self.chains[0].is_owned() && {
                let c = &self.chains[0];
                // SAFETY: the chain is ours and holds more than left bytes; dst is another
                // buffer, so the bytes stay put while dst copies them.
                let bytes = unsafe { std::slice::from_raw_parts(c.data(), left) };
                dst.add(bytes).is_ok()
            };
            if !copied {
                // Shared memory (or no memory for a copy): share the bytes instead.
                self.chains[0].share();
                let v = self.chains[0].view(0, left).expect("shared chain");
                dst.insert(v);
                dst.n_add += left;
            }
            let c = &mut self.chains[0];
            c.misalign += left;
            c.off -= left;
        }
        self.total -= datlen;
        self.n_del += datlen;
        Ok((datlen, false))
    }

    /// evbuffer_add_buffer_reference: `self` gets read-only views of `inb`'s data, which stays
    /// in `inb` too. Buffers holding file segments or other references cannot be referenced.
    pub fn add_buffer_reference(&mut self, inb: &mut State) -> Res {
        let n = inb.total;
        if n == 0 {
            return Ok(());
        }
        if self.freeze_end || n > usize::MAX - self.total {
            return Err(Refused);
        }
        if inb.chains.iter().any(|c| matches!(c.kind, Kind::FileSeg | Kind::Multicast)) {
            return Err(Refused);
        }
        self.free_trailing_empty();
        for c in inb.chains.iter_mut() {
            if c.off == 0 {
                continue;
            }
            c.share();
            let mut v = c.view(0, c.off).expect("shared now");
            v.kind = Kind::Multicast;
            self.chains.push_back(v);
        }
        self.lwd = self.chains.len() - 1;
        self.total += n;
        self.n_add += n;
        Ok(())
    }

    // ---- printf support ----

    /// Room for `want` bytes of formatted text in one chain.
    pub fn printf_space(&mut self, want: usize) -> Res<(*mut u8, usize)> {
        if self.freeze_end {
            return Err(Refused);
        }
        let i = self.expand_singlechain(want).ok_or(Refused)?;
        // Stored in 32 bits (the header stays small); no buffer has 2^32 chains.
        self.printf_chain = u32::try_from(i).map_err(|_| Refused)?;
        let c = &self.chains[i];
        Ok((c.space_ptr(), c.space()))
    }

    /// Commit `n` formatted bytes written at the space printf_space returned.
    pub fn printf_commit(&mut self, n: usize) -> Res {
        let c = self.chains.get_mut(self.printf_chain as usize).ok_or(Refused)?;
        if n > c.space() || n > usize::MAX - self.total {
            return Err(Refused);
        }
        c.off += n;
        self.total += n;
        self.n_add += n;
        self.advance_lwd();
        Ok(())
    }

    // ---- inspection (for tests and internal users) ----

    /// The data as one vector (copies; file data is read in).
    pub fn to_vec(&mut self) -> Vec<u8> {
        let mut v = vec![0u8; self.total];
        if self.total != 0 {
            let first = (0..self.chains.len()).find(|&i| self.chains[i].off != 0).unwrap_or(0);
            let _ = self.copy_from(first, 0, &mut v);
        }
        v
    }

    /// Check the invariants (tests).
    #[cfg(test)]
    pub fn check(&self) {
        let sum: usize = self.chains.iter().map(|c| c.off).sum();
        assert_eq!(sum, self.total, "total");
        if self.chains.is_empty() {
            assert_eq!(self.lwd, 0);
            return;
        }
        assert!(self.lwd < self.chains.len(), "lwd in range");
        for (i, c) in self.chains.iter().enumerate() {
            if i > self.lwd {
                assert_eq!(c.off, 0, "chain {} after lwd {} has data", i, self.lwd);
            }
            if c.is_owned() {
                assert!(c.misalign + c.off <= c.blen);
            }
        }
        if self.total != 0 {
            assert!(self.chains[self.lwd].off != 0, "lwd chain has data");
        }
    }
}
