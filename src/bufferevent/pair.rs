//! Bufferevent pairs: two bufferevents wired back to back in memory. What one writes lands
//! in the other's input as soon as the writer has writing enabled and the reader has reading
//! enabled (and room below its high-water mark). Callbacks are always deferred (libevent
//! forces BEV_OPT_DEFER_CALLBACKS), and with BEV_OPT_THREADSAFE both ends share one lock.

use super::core::*;
use crate::buffer::api as evbuffer;
use crate::buffer::{CbInfo, Evbuffer};
use crate::core::base::EventBase;
use crate::core::event::*;
use libc::{c_int, c_short, c_void};
use std::ptr;

pub struct PairState {
    /// The other end; NULL once either end is gone.
    partner: *mut Bev,
}

pub static PAIR_OPS: Ops = Ops {
    name: "pair_elt",
    enable: pair_enable,
    disable: pair_disable,
    unlink: Some(pair_unlink),
    destruct: None,
    adj_timeouts: Some(generic_adj_timeouts),
    flush: Some(pair_flush),
    ctrl: None,
    connect: None,
};

/// # Safety
/// Module contract; `b` is a pair end.
unsafe fn partner(b: *mut Bev) -> *mut Bev {
    // SAFETY: b is live (module contract).
    unsafe {
        match &(*b).kind {
            Kind::Pair(s) => s.partner,
            _ => ptr::null_mut(),
        }
    }
}

/// # Safety
/// Module contract; `b` is a pair end.
unsafe fn set_partner(b: *mut Bev, p: *mut Bev) {
    // SAFETY: b is live (module contract).
    unsafe {
        if let Kind::Pair(s) = &mut (*b).kind {
            s.partner = p;
        }
    }
}

/// # Safety
/// `base` is NULL or live.
unsafe fn elt_new(base: *mut EventBase, options: c_int) -> *mut Bev {
    // SAFETY: base is NULL or live (contract); b is fresh and ours until returned.
    unsafe {
        let b = alloc(base, &PAIR_OPS, options, Kind::Pair(PairState { partner: ptr::null_mut() }));
        if b.is_null() {
            return b;
        }
        evbuffer::add_cb(output(b), Some(outbuf_cb), b as *mut c_void);
        init_generic_timeouts(b);
        b
    }
}

/// bufferevent_pair_new. Returns both ends, or None.
///
/// # Safety
/// `base` is NULL or live.
pub unsafe fn new(base: *mut EventBase, options: c_int) -> Option<[*mut Bev; 2]> {
    let options = options | BEV_OPT_DEFER_CALLBACKS;
    // SAFETY: base is NULL or live (contract); b1 and b2 are fresh and ours until returned.
    unsafe {
        let b1 = elt_new(base, options);
        if b1.is_null() {
            return None;
        }
        // The second end gets the first one's lock rather than its own.
        let b2 = elt_new(base, options & !BEV_OPT_THREADSAFE);
        if b2.is_null() {
            free(b1);
            return None;
        }
        if options & BEV_OPT_THREADSAFE != 0 {
            enable_locking(b2, shared_lock(b1));
        }
        set_partner(b1, b2);
        set_partner(b2, b1);
        // Only the pair moves data into inputs and out of outputs.
        for b in [b1, b2] {
            evbuffer::freeze(input(b), END);
            evbuffer::freeze(output(b), FRONT);
        }
        Some([b1, b2])
    }
}

/// bufferevent_pair_get_partner: NULL for other kinds and once the partner is freed.
///
/// # Safety
/// Module contract.
pub unsafe fn get_partner(b: *mut Bev) -> *mut Bev {
    // SAFETY: b is live (module contract).
    unsafe {
        if !is_kind(b, &PAIR_OPS) {
            return ptr::null_mut();
        }
        incref_and_lock(b);
        let p = partner(b);
        decref_and_unlock(b);
        p
    }
}

/// Should data move from src to dst now?
///
/// # Safety
/// Module contract, for both ends.
unsafe fn wants_to_talk(src: *mut Bev, dst: *mut Bev) -> bool {
    // SAFETY: src and dst are live (module contract).
    unsafe {
        enabled(src) & EV_WRITE != 0
            && enabled(dst) & EV_READ != 0
            && (*dst).read_suspended == 0
            && evbuffer::length(output(src)) > 0
    }
}

/// Move src's output into dst's input (as much as dst's high mark allows, unless
/// `ignore_wm`), then run the callbacks that are due.
///
/// # Safety
/// Module contract for both ends, locked (they share the lock when threadsafe).
unsafe fn transfer(src: *mut Bev, dst: *mut Bev, ignore_wm: bool) {
    // SAFETY: src and dst are live and locked (contract); their buffers are live (buffer
    // contract).
    unsafe {
        let (sout, dinp) = (output(src), input(dst));
        evbuffer::unfreeze(sout, FRONT);
        evbuffer::unfreeze(dinp, END);
        let high = (*dst).public.wm_read.high;
        let dlen = evbuffer::length(dinp);
        let moved = if high != 0 && dlen < high {
            let n = high - dlen;
            evbuffer::remove_buffer(sout, dinp, n);
            Some(n)
        } else if high != 0 && !ignore_wm {
            None
        } else {
            let n = evbuffer::length(sout);
            evbuffer::add_buffer(dinp, sout);
            Some(n)
        };
        if let Some(n) = moved {
            if n != 0 {
                reset_generic_read_timeout(dst);
                if evbuffer::length(output(dst)) > 0 {
                    reset_generic_write_timeout(dst);
                } else {
                    del_generic_write_timeout(dst);
                }
            }
            trigger_nolock(dst, EV_READ, 0);
            trigger_nolock(src, EV_WRITE, 0);
        }
        evbuffer::freeze(sout, FRONT);
        evbuffer::freeze(dinp, END);
    }
}

/// The program wrote: hand it over if the other end is reading.
unsafe extern "C" fn outbuf_cb(_buf: *mut Evbuffer, info: *const CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the entry lives in b's output, freed with b; info is the evbuffer's.
    unsafe {
        incref_and_lock(b);
        let p = partner(b);
        if (*info).n_added > (*info).n_deleted && !p.is_null() && wants_to_talk(b, p) {
            transfer(b, p, false);
        }
        decref_and_unlock(b);
    }
}

unsafe fn pair_enable(b: *mut Bev, events: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        incref_and_lock(b);
        if events & EV_READ != 0 {
            reset_generic_read_timeout(b);
        }
        if events & EV_WRITE != 0 && evbuffer::length(output(b)) > 0 {
            reset_generic_write_timeout(b);
        }
        let p = partner(b);
        // Starting to read: is the other end holding data for us?
        if events & EV_READ != 0 && !p.is_null() && wants_to_talk(p, b) {
            transfer(p, b, false);
        }
        // Starting to write: is the other end reading?
        if events & EV_WRITE != 0 && !p.is_null() && wants_to_talk(b, p) {
            transfer(b, p, false);
        }
        decref_and_unlock(b);
        0
    }
}

unsafe fn pair_disable(b: *mut Bev, events: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        if events & EV_READ != 0 {
            del_generic_read_timeout(b);
        }
        if events & EV_WRITE != 0 {
            del_generic_write_timeout(b);
        }
    }
    0
}

/// The last reference to one end is gone: the other end becomes partnerless.
unsafe fn pair_unlink(b: *mut Bev) {
    // SAFETY: b is live (ops contract); the partner is live while linked.
    unsafe {
        let p = partner(b);
        if !p.is_null() {
            set_partner(p, ptr::null_mut());
            set_partner(b, ptr::null_mut());
        }
    }
}

/// BEV_FLUSH moves everything regardless of the high mark; BEV_FINISHED also tells the other
/// end about the end of data (EOF plus the direction, named as libevent names it).
unsafe fn pair_flush(b: *mut Bev, iotype: c_short, mode: c_int) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        let p = partner(b);
        if p.is_null() {
            return -1;
        }
        if mode == BEV_NORMAL {
            return 0;
        }
        incref_and_lock(b);
        if iotype & EV_READ != 0 {
            transfer(p, b, true);
        }
        if iotype & EV_WRITE != 0 {
            transfer(b, p, true);
        }
        if mode == BEV_FINISHED {
            let mut what = BEV_EVENT_EOF;
            if iotype & EV_READ != 0 {
                what |= BEV_EVENT_WRITING;
            }
            if iotype & EV_WRITE != 0 {
                what |= BEV_EVENT_READING;
            }
            run_eventcb(p, what, 0);
        }
        decref_and_unlock(b);
        0
    }
}
