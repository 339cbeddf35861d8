//! epoll(7), with interest changes coalesced per fd (libevent's changelist idea, libev's
//! fdchanges) in every mode: changes between non-empty interests (a bufferevent's write
//! interest coming and going while it reads) are worked out just before each wait, from what
//! the kernel has and what is wanted then, so those that cancel out cost no `epoll_ctl`.
//!
//! Removal is lazy when only read interest goes (the fd is usually about to be closed, and the
//! kernel then forgets it for free); write interest, which would fire at once, goes before the
//! wait. A lazily kept registration that fires is removed then. So a one-shot event that fired
//! and is not re-added, or an event deleted before its fd is closed, costs nothing.
//!
//! Interest coming back from nothing, and the first add of an event since event_assign /
//! event_set / event_new, go to the kernel at once as an ADD (EEXIST: the same file is still
//! registered, nothing more to say): the fd may have been closed and its number reused, which
//! only the kernel knows (libevent's changelist makes the same choice for a delete then add),
//! and event_add still reports the kernel's refusal (a regular file, a bad fd) as -1. An
//! edge-triggered ADD that meets EEXIST is a MOD, which re-arms the edge as libevent's delete
//! and add do.
//!
//! fds closed behind our back: each registration carries a generation number beside the fd.
//! A report that no longer matches (an old file still open through a dup, after its fd number
//! was closed or reused) cannot be removed by fd any more, so the whole epoll set is rebuilt
//! from what is wanted — rare, and it keeps dup'd fds correct where libevent's changelist mode
//! documents them as unsafe.

use super::{Backend, Features, Interest};
use crate::core::clock;
use crate::core::event::{Ev, EV_CLOSED, EV_ET, EV_READ, EV_WRITE};
use crate::core::log;
use crate::thread::RawLock;
use crate::util::sys::{self, syscall};
use libc::{c_int, epoll_event};
use std::io;

const INITIAL_EVENTS: usize = 32;
const MAX_EVENTS: usize = 4096;
/// Linux misbehaves with very long epoll timeouts on old kernels; libevent caps at 35 minutes.
const MAX_TIMEOUT_MS: i32 = 35 * 60 * 1000;

/// The bits that make a registration; EV_ET only qualifies them.
const RW: Interest = Interest::READ.union(Interest::WRITE).union(Interest::CLOSED);
const KEPT: Interest = RW.union(Interest::ET);

/// epoll_event bits for each low byte of an interest (READ, WRITE, CLOSED, ET all live there).
const MASKS: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as i16;
        let mut m = 0u32;
        if b & Ev::READ.bits() != 0 {
            m |= libc::EPOLLIN as u32;
        }
        if b & Ev::WRITE.bits() != 0 {
            m |= libc::EPOLLOUT as u32;
        }
        if b & Ev::CLOSED.bits() != 0 {
            m |= libc::EPOLLRDHUP as u32;
        }
        if b & Ev::ET.bits() != 0 {
            m |= libc::EPOLLET as u32;
        }
        t[i] = m;
        i += 1;
    }
    t
};
const _: () = assert!(
    MASKS[(EV_READ | EV_WRITE | EV_CLOSED | EV_ET) as u8 as usize]
        == (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32
);

#[derive(Clone, Copy, Default)]
struct FdState {
    /// What the kernel has registered for this fd (as far as we know).
    kernel: Interest,
    /// What the core wants now.
    want: Interest,
    /// Generation of the current registration, carried in the event's data beside the fd.
    gen: u32,
    /// On `queue`, to be settled before the next wait.
    queued: bool,
}

pub struct Epoll {
    epfd: c_int,
    events: Vec<epoll_event>,
    fds: Vec<FdState>,
    /// fds whose `want` moved away from `kernel` since the last wait.
    queue: Vec<c_int>,
}

impl Epoll {
    pub fn new(_changelist: bool) -> Option<Self> {
        let epfd = Self::create()?;
        Some(Epoll { epfd, events: vec![epoll_event { events: 0, u64: 0 }; INITIAL_EVENTS], fds: Vec::new(), queue: Vec::new() })
    }

    fn create() -> Option<c_int> {
        match syscall!(epoll_create1(libc::EPOLL_CLOEXEC)) {
            Ok(fd) => Some(fd),
            Err(e) => {
                if e.raw_os_error() != Some(libc::ENOSYS) {
                    log::warn_errno("epoll_create");
                }
                None
            }
        }
    }

    /// The epoll bits for an interest: one table load (every interest bit is in the low byte).
    #[inline]
    fn mask(interest: Interest) -> u32 {
        MASKS[(interest.bits() & 0xff) as u8 as usize]
    }

    /// One epoll_ctl; the error is errno's value (read only on failure).
    #[inline]
    fn ctl(&self, op: c_int, fd: c_int, interest: Interest, gen: u32) -> Result<(), c_int> {
        let mut ev = epoll_event { events: Self::mask(interest), u64: (fd as u32 as u64) | ((gen as u64) << 32) };
        // SAFETY: epoll_ctl reads our local epoll_event.
        if unsafe { libc::epoll_ctl(self.epfd, op, fd, &mut ev) } == 0 {
            return Ok(());
        }
        // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
        Err(unsafe { *libc::__errno_location() })
    }

    /// Register `want` for `fd` afresh: ADD; when the kernel already has this very file
    /// (EEXIST), MOD unless it already has `want` under the current generation.
    #[inline]
    fn add(&mut self, fd: c_int, want: Interest) -> Result<(), c_int> {
        let st = self.fds[fd as usize];
        let gen = st.gen.wrapping_add(1);
        match self.ctl(libc::EPOLL_CTL_ADD, fd, want, gen) {
            Ok(()) => {
                self.fds[fd as usize].gen = gen;
                Ok(())
            }
            Err(libc::EEXIST) if st.kernel == want && !want.contains(Ev::ET) => Ok(()),
            Err(libc::EEXIST) => {
                self.fds[fd as usize].gen = gen;
                self.ctl(libc::EPOLL_CTL_MOD, fd, want, gen)
            }
            Err(e) => Err(e),
        }
    }

    /// Change `fd`'s registration to `want` (non-empty): MOD, or ADD when the kernel no
    /// longer has it (the fd was closed and its number reused).
    fn modify(&mut self, fd: c_int, want: Interest) -> Result<(), c_int> {
        let gen = self.fds[fd as usize].gen;
        match self.ctl(libc::EPOLL_CTL_MOD, fd, want, gen) {
            Err(libc::ENOENT) => self.add(fd, want),
            r => r,
        }
    }

    /// Bring the kernel to `want` for `fd` now. On failure a warning has been logged, errno
    /// still holds the cause, and `kernel` says what the kernel has.
    /// `fresh`: the file behind `fd` may be new, so ADD first (EEXIST says it is not).
    fn apply(&mut self, fd: c_int, want: Interest, fresh: bool) -> io::Result<()> {
        let kernel = self.fds[fd as usize].kernel;
        let (r, what) = if !want.intersects(RW) {
            let r = self.ctl(libc::EPOLL_CTL_DEL, fd, Interest::empty(), 0);
            self.fds[fd as usize].kernel = Interest::empty();
            // Closed (or never really there): the kernel already forgot it.
            if matches!(r, Ok(()) | Err(libc::ENOENT | libc::EBADF | libc::EPERM)) {
                return Ok(());
            }
            (r, "DEL")
        } else if !kernel.intersects(RW) || fresh {
            (self.add(fd, want), "ADD")
        } else {
            (self.modify(fd, want), "MOD")
        };
        match r {
            Ok(()) => {
                self.fds[fd as usize].kernel = want;
                Ok(())
            }
            Err(e) => self.failed(fd, what, e),
        }
    }

    /// An epoll_ctl that failed: nothing is known to be registered any more (so the next want
    /// ADDs); the warning names the operation.
    #[cold]
    #[inline(never)]
    fn failed(&mut self, fd: c_int, what: &str, e: c_int) -> io::Result<()> {
        self.fds[fd as usize].kernel = Interest::empty();
        log::warn_errno(&format!("Epoll {} on fd {} failed", what, fd));
        Err(io::Error::from_raw_os_error(e))
    }

    /// `apply(fd, want, true)` for a non-empty `want`, the path of every first add: one ADD,
    /// and the common answers (done, or EEXIST for the very registration we have) handled
    /// without leaving the caller.
    #[inline]
    fn register(&mut self, fd: c_int, want: Interest) -> io::Result<()> {
        let u = fd as usize;
        let st = self.fds[u];
        let gen = st.gen.wrapping_add(1);
        match self.ctl(libc::EPOLL_CTL_ADD, fd, want, gen) {
            Ok(()) => {
                let st = &mut self.fds[u];
                st.gen = gen;
                st.kernel = want;
                Ok(())
            }
            Err(libc::EEXIST) if st.kernel == want && !want.contains(Ev::ET) => Ok(()),
            Err(e) => self.register_slow(fd, want, gen, e),
        }
    }

    /// The rest of `register`: EEXIST for another interest (or an edge to re-arm) is a MOD
    /// under the new generation; anything else failed.
    #[cold]
    #[inline(never)]
    fn register_slow(&mut self, fd: c_int, want: Interest, gen: u32, e: c_int) -> io::Result<()> {
        let r = if e == libc::EEXIST {
            self.fds[fd as usize].gen = gen;
            self.ctl(libc::EPOLL_CTL_MOD, fd, want, gen)
        } else {
            Err(e)
        };
        match r {
            Ok(()) => {
                self.fds[fd as usize].kernel = want;
                Ok(())
            }
            Err(e) => self.failed(fd, "ADD", e),
        }
    }

    /// Room for fd `u`: geometric, so fds opened in rising order do not each pay for a resize.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, u: usize) {
        self.fds.resize((u + 1).max(self.fds.len() * 2).max(64), FdState::default());
    }

    /// Settle every queued fd before a wait.
    #[inline(never)]
    fn flush(&mut self) {
        let mut queue = std::mem::take(&mut self.queue);
        for &fd in &queue {
            let st = &mut self.fds[fd as usize];
            st.queued = false;
            let (kernel, want) = (st.kernel, st.want);
            if kernel == want || (!want.intersects(RW) && !kernel.contains(Ev::WRITE)) {
                // Nothing to say, or a read-only registration nobody wants: kept until it
                // fires or the fd is closed.
                continue;
            }
            // Errors were logged; the event stays added, as in libevent's changelist mode.
            let _ = self.apply(fd, want, false);
        }
        queue.clear();
        self.queue = queue;
    }

    /// A report we cannot remove by fd (a file that lives on through a dup after its fd was
    /// closed or reused): start over with a fresh epoll set holding exactly what is wanted.
    fn rebuild(&mut self) {
        let Some(epfd) = Self::create() else { return };
        // The new set takes the old one's number (dup3 closes the old set): a fresh number
        // could be one the program closed and means to dup2 onto (libevent's dup_fd test).
        if syscall!(dup3(epfd, self.epfd, libc::O_CLOEXEC)).is_ok() {
            // epfd is ours, now duplicated; a failure leaves nothing to undo.
            let _ = syscall!(close(epfd));
        } else {
            // The old set is ours and closed once; a failure leaves nothing to undo.
            let _ = syscall!(close(self.epfd));
            self.epfd = epfd;
        }
        self.queue.clear();
        for fd in 0..self.fds.len() {
            let st = &mut self.fds[fd];
            st.queued = false;
            st.kernel = Interest::empty();
            let want = st.want;
            if want.intersects(RW) {
                let _ = self.apply(fd as c_int, want, true);
            }
        }
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // epfd is ours and closed once; a failure leaves nothing to undo.
        let _ = syscall!(close(self.epfd));
    }
}

impl Backend for Epoll {
    fn name(&self) -> &'static str {
        "epoll"
    }

    fn features(&self) -> Features {
        super::features_of("epoll")
    }

    fn need_reinit(&self) -> bool {
        true
    }

    fn change(&mut self, fd: c_int, old: Interest, new: Interest, fresh: bool) -> io::Result<()> {
        let u = fd as u32 as usize;
        if u >= self.fds.len() {
            if fd < 0 {
                return Err(io::Error::from_raw_os_error(libc::EBADF));
            }
            self.grow(u);
        }
        // Plain bit tests: this is the hot path of every event_add and event_del.
        let (newb, oldb) = (new.bits() & KEPT.bits(), old.bits());
        let rw = RW.bits();
        let st = &mut self.fds[u];
        st.want = Interest::from_bits_retain(newb);
        let kernelb = st.kernel.bits();
        // Interest coming back after it went to nothing, or the first add since an
        // event_assign: the number may name another file by now (closed and reopened), so the
        // kernel is asked at once (ADD; EEXIST says it is the same file), and event_add
        // reports a refusal as libevent does.
        if newb & rw != 0 && (kernelb & rw == 0 || fresh || oldb & rw == 0) {
            if let Err(e) = self.register(fd, Interest::from_bits_retain(newb)) {
                self.fds[u].want = old & KEPT;
                return Err(e);
            }
            return Ok(());
        }
        // Read interest going to nothing is left registered (see the module doc): no need to
        // visit it before the wait.
        let lazy = newb & rw == 0 && kernelb & Ev::WRITE.bits() == 0;
        if kernelb != newb && !lazy && !st.queued {
            st.queued = true;
            self.queue.push(fd);
        }
        Ok(())
    }

    fn dispatch(&mut self, timeout: Option<i64>, ready: &mut Vec<(c_int, Ev)>, lock: RawLock) -> io::Result<()> {
        if !self.queue.is_empty() {
            self.flush();
        }
        let ms = match timeout {
            None => -1,
            Some(us) => clock::micros_to_millis_ceil(us).min(MAX_TIMEOUT_MS),
        };
        // Other threads' changes while we wait only touch `fds` and `queue` (under the lock);
        // the wait touches only epfd and the events buffer.
        let (epfd, buf, cap) = (self.epfd, self.events.as_mut_ptr(), self.events.len() as i32);
        lock.release();
        // SAFETY: buf has cap writable entries and nobody else uses the events buffer meanwhile.
        let r = syscall!(epoll_wait(epfd, buf, cap, ms));
        lock.acquire();
        let n = match r {
            Ok(n) => n as usize,
            Err(e) if sys::is_interrupted(&e) => return Ok(()),
            Err(e) => {
                log::warn_errno("epoll_wait");
                return Err(e);
            }
        };
        let mut stale = false;
        for i in 0..n {
            let ev = self.events[i];
            let what = ev.events;
            let fd = ev.u64 as u32 as c_int;
            let gen = (ev.u64 >> 32) as u32;
            let Some(st) = self.fds.get(fd as usize) else {
                stale = true;
                continue;
            };
            if st.gen != gen {
                stale = true;
                continue;
            }
            if !st.want.intersects(RW) {
                // A lazily kept registration fired: remove it now. If the fd no longer leads
                // to that file, only a rebuild can.
                let r = self.ctl(libc::EPOLL_CTL_DEL, fd, Interest::empty(), 0);
                self.fds[fd as usize].kernel = Interest::empty();
                if matches!(r, Err(libc::ENOENT | libc::EBADF)) {
                    stale = true;
                }
                continue;
            }
            let mut res = Ev::empty();
            let hup_only = what & libc::EPOLLHUP as u32 != 0 && what & libc::EPOLLRDHUP as u32 == 0;
            if what & libc::EPOLLERR as u32 != 0 || hup_only {
                res = Ev::READ | Ev::WRITE;
            } else {
                res.set(Ev::READ, what & libc::EPOLLIN as u32 != 0);
                res.set(Ev::WRITE, what & libc::EPOLLOUT as u32 != 0);
                res.set(Ev::CLOSED, what & libc::EPOLLRDHUP as u32 != 0);
            }
            if !res.is_empty() {
                // EV_ET rides along so edge-triggered events see it in their `what`.
                ready.push((fd, res | Ev::ET));
            }
        }
        if stale {
            self.rebuild();
        }
        if n == self.events.len() && n < MAX_EVENTS {
            let grown = (n * 2).min(MAX_EVENTS);
            self.events.resize(grown, epoll_event { events: 0, u64: 0 });
        }
        Ok(())
    }
}
