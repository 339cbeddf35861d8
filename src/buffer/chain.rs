//! One block of an evbuffer's chain: where its bytes live (our own heap block, memory shared
//! with other chains or owned by the program, or a file segment) and which part of that memory
//! holds data.
//!
//! Sizes follow libevent's allocation policy (a block is the next power of two of at least
//! 1024 bytes that holds the request plus libevent's 48-byte chain header), so programs see the
//! same `iov_len`s from `evbuffer_reserve_space` and the same chain boundaries from
//! `evbuffer_peek` as with libevent.

use super::file_segment::FileSeg;
use crate::core::mem;
use libc::c_void;
use std::ptr::NonNull;
use std::sync::Arc;

/// The header libevent puts in front of every block; our blocks are sized as if it were there.
pub const CHAIN_HEADER: usize = 48;
/// Smallest block libevent allocates (header included).
pub const MIN_BUFFER_SIZE: usize = 1024;
/// Largest amount one chain may hold.
pub const CHAIN_MAX: usize = isize::MAX as usize;
/// Blocks up to this size double when the buffer grows by appending.
pub const CHAIN_MAX_AUTO_SIZE: usize = 4096;
/// A chain holding at most this much may be copied into a bigger block by expand.
pub const MAX_TO_COPY_IN_EXPAND: usize = 4096;
/// A chain holding at most this much may be moved to the start of its block.
pub const MAX_TO_REALIGN_IN_EXPAND: usize = 2048;

/// Usable size of the block allocated for a request of `size` bytes, or None when too big.
pub fn block_size(size: usize) -> Option<usize> {
    if size > CHAIN_MAX - CHAIN_HEADER {
        return None;
    }
    let total = size + CHAIN_HEADER;
    let alloc = if total < CHAIN_MAX / 2 { total.next_power_of_two().max(MIN_BUFFER_SIZE) } else { total };
    Some(alloc - CHAIN_HEADER)
}

/// A heap block from the program's allocator (event_set_mem_functions), freed on drop.
///
/// The allocation is CHAIN_HEADER bytes bigger than the usable block and the data starts
/// after that gap, as in libevent (whose chain header sits there): the program's allocator sees
/// the same request sizes, and the data gets the same alignment, which matters for large
/// copies (a 64 KB memcpy into a 64-byte-aligned destination is measurably faster).
pub struct HeapBlock {
    ptr: NonNull<u8>,
    cap: usize,
}

// SAFETY: a HeapBlock owns its allocation alone (like a Box<[u8]>); the allocator may free it
// from any thread, and shared access only hands out the pointer.
unsafe impl Send for HeapBlock {}
// SAFETY: as above; `&HeapBlock` gives no access to the bytes by itself.
unsafe impl Sync for HeapBlock {}

impl HeapBlock {
    pub fn alloc(cap: usize) -> Option<HeapBlock> {
        let total = cap.checked_add(CHAIN_HEADER)?;
        let p = NonNull::new(mem::malloc(total) as *mut u8)?;
        // SAFETY: the allocation holds CHAIN_HEADER + cap bytes.
        let ptr = unsafe { NonNull::new_unchecked(p.as_ptr().add(CHAIN_HEADER)) };
        Some(HeapBlock { ptr, cap })
    }
    #[inline]
    pub fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
    #[inline]
    pub fn cap(&self) -> usize {
        self.cap
    }
}

impl Drop for HeapBlock {
    fn drop(&mut self) {
        // SAFETY: ptr is CHAIN_HEADER bytes into the allocation made in alloc.
        let start = unsafe { self.ptr.as_ptr().sub(CHAIN_HEADER) };
        // SAFETY: start is the mem::malloc allocation made in alloc, freed once here.
        unsafe { mem::free(start as *mut c_void) };
    }
}

pub type RefCleanupFn = unsafe extern "C" fn(*const c_void, usize, *mut c_void);

/// What keeps shared, read-only bytes alive; dropping the last clone releases them.
pub enum Keep {
    /// A block that used to be one buffer's own, now also referenced by another buffer.
    Heap(#[allow(dead_code)] HeapBlock), // held for its Drop (which frees the block), never read
    /// Program memory added with evbuffer_add_reference; the cleanup runs when the last chain
    /// that can read it is gone.
    User { data: *const c_void, len: usize, cleanup: Option<RefCleanupFn>, arg: *mut c_void },
}

// SAFETY: chains in buffers of different threads share a Keep (evbuffer_add_buffer_reference
// between two locked buffers), so its count is atomic (Arc) and it must be Send + Sync. The
// bytes it keeps are only read; the program's memory stays valid until its cleanup runs (its
// promise to evbuffer_add_reference), which happens once, in the last drop, on whichever
// thread that is, as in libevent.
unsafe impl Send for Keep {}
// SAFETY: as above: shared references only read the fields.
unsafe impl Sync for Keep {}

impl Drop for Keep {
    fn drop(&mut self) {
        if let Keep::User { data, len, cleanup: Some(f), arg } = *self {
            // SAFETY: the program's cleanup callback, called once with what it gave us.
            unsafe { f(data, len, arg) };
        }
    }
}

/// Where a chain's bytes are.
pub enum Store {
    /// Ours alone: data may be appended into the free space and prepended into the misalign.
    Owned(HeapBlock),
    /// Read-only bytes starting at `base`.
    Shared { base: *const u8, keep: Arc<Keep> },
    /// Part of a file segment: bytes at `base` when the segment is in memory, or still in the
    /// file (`base` null: sent with sendfile, read in on demand).
    Seg { base: *const u8, seg: Arc<FileSeg> },
}

/// What the chain is, as far as add_buffer_reference cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Plain,
    Reference,
    Multicast,
    FileSeg,
}

pub struct Chain {
    /// Ownership of the bytes. `ptr` and `wcap` below cache what the hot paths need from it,
    /// so adding, draining and copying never look inside the enum; they change only in the
    /// constructors, `share` and `materialize`.
    pub store: Store,
    /// Start of the storage (null for file data not in memory).
    ptr: *mut u8,
    /// Writable capacity: the block size for owned chains, 0 for read-only ones.
    wcap: usize,
    /// Offset of the first data byte from the start of the storage.
    pub misalign: usize,
    /// Bytes of data.
    pub off: usize,
    /// libevent's buffer_len: block capacity for owned chains, the referenced length otherwise
    /// (only used to size the next block).
    pub blen: usize,
    pub kind: Kind,
}

impl Chain {
    /// A fresh owned chain able to hold `size` bytes.
    pub fn new(size: usize) -> Option<Chain> {
        let cap = block_size(size)?;
        let block = HeapBlock::alloc(cap)?;
        Some(Chain::from_store(Store::Owned(block), 0, 0, cap, Kind::Plain))
    }

    /// A chain over `store`, with the cached pointer and capacity filled in.
    pub fn from_store(store: Store, misalign: usize, off: usize, blen: usize, kind: Kind) -> Chain {
        let (ptr, wcap) = match &store {
            Store::Owned(b) => (b.ptr(), b.cap()),
            Store::Shared { base, .. } => (*base as *mut u8, 0),
            Store::Seg { base, .. } => (*base as *mut u8, 0),
        };
        Chain { store, ptr, wcap, misalign, off, blen, kind }
    }

    #[inline]
    pub fn is_owned(&self) -> bool {
        // Owned blocks are never empty (the smallest is 976 bytes).
        self.wcap != 0
    }

    /// Does dropping this chain run no program code (at most the allocator's free)? Then it
    /// can be dropped in the middle of an operation instead of waiting in `dead`.
    #[inline]
    pub fn drop_is_quiet(&self) -> bool {
        match &self.store {
            Store::Owned(_) => true,
            Store::Shared { keep, .. } => !matches!(**keep, Keep::User { cleanup: Some(_), .. }),
            Store::Seg { .. } => false,
        }
    }

    /// Free bytes after the data (0 for chains we may not write).
    #[inline]
    pub fn space(&self) -> usize {
        // Owned: misalign + off <= wcap. Read-only: wcap is 0, so this is 0.
        self.wcap.saturating_sub(self.misalign + self.off)
    }

    /// Start of the free space after the data (owned chains; null otherwise).
    #[inline]
    pub fn space_ptr(&self) -> *mut u8 {
        if self.wcap == 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: owned: misalign + off <= cap, inside the block.
        unsafe { self.ptr.add(self.misalign + self.off) }
    }

    /// Start of the storage (null for file data not in memory).
    #[inline]
    pub fn base(&self) -> *const u8 {
        self.ptr
    }

    /// First data byte (null for file data not in memory).
    #[inline]
    pub fn data(&self) -> *const u8 {
        let b = self.base();
        if b.is_null() {
            return b;
        }
        // SAFETY: misalign is within the storage.
        unsafe { b.add(self.misalign) }
    }

    /// Is the data readable in memory?
    #[inline]
    pub fn in_memory(&self) -> bool {
        !self.base().is_null()
    }

    /// libevent's rule for moving data back to the start of the block instead of growing.
    pub fn should_realign(&self, datlen: usize) -> bool {
        self.blen - self.off >= datlen && self.off < self.blen / 2 && self.off <= MAX_TO_REALIGN_IN_EXPAND
    }

    /// Move the data to the start of an owned block.
    pub fn align(&mut self) {
        if self.is_owned() && self.misalign != 0 {
            // SAFETY: both ranges lie in the owned block; memmove handles the overlap.
            unsafe { std::ptr::copy(self.ptr.add(self.misalign), self.ptr, self.off) };
            self.misalign = 0;
        }
    }

    /// A read-only view of `len` bytes starting `at` bytes into this chain's data, sharing
    /// the storage (None for owned chains: they are never shared without `share` first).
    pub fn view(&self, at: usize, len: usize) -> Option<Chain> {
        let store = match &self.store {
            Store::Owned(_) => return None,
            Store::Shared { base, keep } => Store::Shared { base: *base, keep: keep.clone() },
            Store::Seg { base, seg } => Store::Seg { base: *base, seg: seg.clone() },
        };
        Some(Chain::from_store(store, self.misalign + at, len, self.blen, self.kind))
    }

    /// Turn an owned chain into a shared one (read-only from now on), so other buffers can
    /// reference its bytes.
    pub fn share(&mut self) {
        if !self.is_owned() {
            return;
        }
        // SAFETY: the owned store is read out and a new one written straight back; nothing in
        // between can unwind (panics abort) or observe the moved-from field.
        unsafe {
            let Store::Owned(b) = std::ptr::read(&self.store) else { unreachable!() };
            let base = b.ptr() as *const u8;
            std::ptr::write(&mut self.store, Store::Shared { base, keep: Arc::new(Keep::Heap(b)) });
        }
        self.wcap = 0;
    }

    /// Bring file data into memory. False when the file cannot be read.
    pub fn materialize(&mut self) -> bool {
        if let Store::Seg { base, seg } = &mut self.store {
            if base.is_null() {
                match seg.contents() {
                    Some(p) => {
                        *base = p;
                        self.ptr = p as *mut u8;
                    }
                    None => return false,
                }
            }
        }
        true
    }

    /// The data as a slice (the chain must be in memory).
    ///
    /// # Safety
    /// The caller must not change or drop the chain's storage while the slice lives.
    #[inline]
    pub unsafe fn bytes<'a>(&self) -> &'a [u8] {
        let p = self.data();
        if p.is_null() || self.off == 0 {
            return &[];
        }
        // SAFETY: [data, data+off) is initialised, readable storage kept alive by the chain.
        unsafe { std::slice::from_raw_parts(p, self.off) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_sizes_follow_libevent() {
        assert_eq!(block_size(0), Some(976));
        assert_eq!(block_size(1), Some(976));
        assert_eq!(block_size(976), Some(976));
        assert_eq!(block_size(977), Some(2000));
        assert_eq!(block_size(4000), Some(4048));
        assert_eq!(block_size(4096), Some(8144));
        assert_eq!(block_size(usize::MAX), None);
        assert_eq!(block_size(CHAIN_MAX - CHAIN_HEADER + 1), None);
        assert_eq!(block_size(CHAIN_MAX / 2), Some(CHAIN_MAX / 2));
    }

    #[test]
    fn share_keeps_bytes() {
        let mut c = Chain::new(10).unwrap();
        // SAFETY: the block has room for 3 bytes.
        unsafe { std::ptr::copy_nonoverlapping(b"abc".as_ptr(), c.space_ptr(), 3) };
        c.off = 3;
        c.share();
        assert_eq!(c.space(), 0);
        let v = c.view(1, 2).unwrap();
        drop(c);
        // SAFETY: v keeps the block alive.
        assert_eq!(unsafe { v.bytes() }, b"bc");
    }
}
