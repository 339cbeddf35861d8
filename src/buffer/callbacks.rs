//! Change callbacks: the entries (`struct evbuffer_cb_entry`, opaque to programs) and the
//! deferred-callback record. Running them is in api.rs, where no borrow of the buffer is held
//! while program code runs.

use super::api::Evbuffer;
use crate::core::base::EventBase;
use crate::core::event::EventCallback;
use crate::core::mem;
use libc::c_void;

pub const EVBUFFER_CB_ENABLED: u32 = 1;
/// Run immediately even when the buffer's callbacks are deferred (libevent's internal
/// EVBUFFER_CB_NODEFER, which programs can also set).
pub const EVBUFFER_CB_NODEFER: u32 = 2;
/// Flags programs may not change.
pub const EVBUFFER_CB_INTERNAL_FLAGS: u32 = 0xffff_0000;

bitflags::bitflags! {
    /// A change callback's flags (`evbuffer_cb_set_flags` / `_clear_flags` take the u32).
    /// Other bits a program sets are kept, as libevent keeps them.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct CbFlags: u32 {
        /// The callback runs.
        const ENABLED = EVBUFFER_CB_ENABLED;
        /// It runs at once even when the buffer's callbacks are deferred.
        const NODEFER = EVBUFFER_CB_NODEFER;
        /// libevent's own bits, which programs may not change.
        const INTERNAL = EVBUFFER_CB_INTERNAL_FLAGS;
    }
}

/// `struct evbuffer_cb_info`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CbInfo {
    pub orig_size: usize,
    pub n_added: usize,
    pub n_deleted: usize,
}

pub type CbFunc = unsafe extern "C" fn(*mut Evbuffer, *const CbInfo, *mut c_void);
/// The old evbuffer_setcb callback: length before and after.
pub type ObsoleteCbFunc = unsafe extern "C" fn(*mut Evbuffer, usize, usize, *mut c_void);

#[derive(Clone, Copy)]
pub enum CbKind {
    Func(Option<CbFunc>),
    Obsolete(ObsoleteCbFunc),
}

pub struct CbEntry {
    pub kind: CbKind,
    pub arg: *mut c_void,
    pub flags: CbFlags,
    /// Removed while callbacks were running: skipped, freed when they are done.
    pub removed: bool,
    /// The next older entry of the buffer's list, or, once removed during a run, the next
    /// entry in the graveyard (an entry is on one of the two at a time).
    next: *mut CbEntry,
}

/// The buffer's deferred callback: queued on `base`, runs the callbacks from its loop.
#[repr(C)]
pub struct Deferred {
    pub ev: EventCallback,
    pub base: *mut EventBase,
}

pub struct Callbacks {
    /// The newest entry; each links to the next older one (libevent keeps a list with inserts
    /// at the head, and callbacks run newest first). A list through the entries rather than a
    /// Vec: every buffer carries this, and a bufferevent's buffer holds one entry.
    head: *mut CbEntry,
    /// How many callback runs are in progress on this buffer.
    pub running: u32,
    /// Entries removed during a run, linked through `next` (almost always empty).
    graveyard: *mut CbEntry,
    pub deferred: Option<Box<Deferred>>,
}

impl Default for Callbacks {
    fn default() -> Self {
        Callbacks { head: std::ptr::null_mut(), running: 0, graveyard: std::ptr::null_mut(), deferred: None }
    }
}

/// The entries of a list, newest first.
pub(super) struct Entries(*mut CbEntry);

impl Iterator for Entries {
    type Item = *mut CbEntry;
    fn next(&mut self) -> Option<*mut CbEntry> {
        let e = self.0;
        if e.is_null() {
            return None;
        }
        // SAFETY: listed entries are live, and the list is not changed while iterating (the
        // iterator is only used under the buffer's lock, with no program code in between).
        self.0 = unsafe { (*e).next };
        Some(e)
    }
}

impl Callbacks {
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    /// The entries, newest first.
    pub(super) fn entries(&self) -> Entries {
        Entries(self.head)
    }

    pub fn add(&mut self, kind: CbKind, arg: *mut c_void) -> *mut CbEntry {
        let Some(e) = mem::new_object(CbEntry { kind, arg, flags: CbFlags::ENABLED, removed: false, next: self.head }) else {
            return std::ptr::null_mut();
        };
        self.head = e;
        e
    }

    fn release(&mut self, e: *mut CbEntry) {
        // SAFETY: e is one of our live entries, just unlinked.
        unsafe { (*e).removed = true };
        if self.running > 0 {
            // SAFETY: e is live and unlinked from the list; it joins the graveyard alone.
            unsafe { (*e).next = self.graveyard };
            self.graveyard = e;
        } else {
            // SAFETY: came from mem::new_object and is no longer listed.
            unsafe { mem::free_object(e) };
        }
    }

    /// Remove an entry; false when it is not one of ours.
    pub fn remove(&mut self, e: *mut CbEntry) -> bool {
        let mut link: *mut *mut CbEntry = &mut self.head;
        // SAFETY: `link` points at the head field or at the `next` field of a listed (live)
        // entry; the list is ours alone while we hold `&mut self`.
        unsafe {
            while !(*link).is_null() {
                if *link == e {
                    *link = (**link).next;
                    self.release(e);
                    return true;
                }
                link = &mut (**link).next;
            }
        }
        false
    }

    /// Remove the newest entry with this function and argument.
    pub fn remove_func(&mut self, f: Option<CbFunc>, arg: *mut c_void) -> bool {
        let want = f.map(|f| f as usize);
        let found = self.entries().find(|&e| {
            // SAFETY: listed entries are live.
            let (kind, a) = unsafe { ((*e).kind, (*e).arg) };
            matches!(kind, CbKind::Func(g) if g.map(|g| g as usize) == want) && a == arg
        });
        match found {
            Some(e) => self.remove(e),
            None => false,
        }
    }

    pub fn remove_all(&mut self) {
        let mut e = std::mem::replace(&mut self.head, std::ptr::null_mut());
        while !e.is_null() {
            // SAFETY: e was listed, so it is live; its link is read before release reuses it.
            let next = unsafe { (*e).next };
            self.release(e);
            e = next;
        }
    }

    /// Free what was removed during callback runs (none in progress any more).
    pub fn bury(&mut self) {
        let mut e = std::mem::replace(&mut self.graveyard, std::ptr::null_mut());
        while !e.is_null() {
            // SAFETY: unlinked entries from mem::new_object, each in the graveyard once; no
            // run refers to them now.
            unsafe {
                let next = (*e).next;
                mem::free_object(e);
                e = next;
            }
        }
    }

    pub fn contains(&self, e: *mut CbEntry) -> bool {
        self.entries().any(|x| x == e)
    }
}
