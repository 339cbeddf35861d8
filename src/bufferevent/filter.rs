//! Filtering bufferevents: a bufferevent on top of another ("underlying") one. Data the
//! underlying reads passes through the program's input filter into our input; data the
//! program writes passes through the output filter into the underlying's output. We take
//! over the underlying's callbacks and hold a reference to it for as long as we live.
//!
//! A filter returns BEV_OK (produced output), BEV_NEED_MORE (wants more input first) or
//! BEV_ERROR; the loops below keep calling it while it makes progress and there is room.
//! In BEV_NORMAL mode the filter is only called when the direction is enabled and the
//! receiving buffer is below its high mark; BEV_FLUSH / BEV_FINISHED call it regardless.

use super::core::*;
use super::watermark as wm;
use crate::buffer::api as evbuffer;
use crate::buffer::{CbEntry, CbFlags, CbInfo, Evbuffer};
use crate::core::event::*;
use libc::{c_int, c_short, c_void, ssize_t};
use std::ptr;

pub const BEV_OK: c_int = 0;
pub const BEV_NEED_MORE: c_int = 1;
pub const BEV_ERROR: c_int = 2;

/// C's `enum bufferevent_filter_result` and `enum bufferevent_flush_mode`: int-sized enums,
/// carried as their values.
pub type FilterResult = c_int;
pub type FlushMode = c_int;

pub type FilterCb = unsafe extern "C" fn(*mut Evbuffer, *mut Evbuffer, ssize_t, FlushMode, *mut c_void) -> FilterResult;
pub type FreeContextCb = unsafe extern "C" fn(*mut c_void);

pub struct FilterState {
    underlying: *mut Bufferevent,
    process_in: FilterCb,
    process_out: FilterCb,
    free_context: Option<FreeContextCb>,
    context: *mut c_void,
    /// On our input: re-run the input filter when the program drains a full input.
    inbuf_cb: *mut CbEntry,
    /// On our output: run the output filter when the program writes.
    outbuf_cb: *mut CbEntry,
}

pub static FILTER_OPS: Ops = Ops {
    name: "filter",
    enable: filter_enable,
    disable: filter_disable,
    unlink: Some(filter_unlink),
    destruct: Some(filter_destruct),
    adj_timeouts: Some(generic_adj_timeouts),
    flush: Some(filter_flush),
    ctrl: Some(filter_ctrl),
    connect: None,
};

/// The filter used when the program gives none: move everything that fits.
unsafe extern "C" fn null_filter(src: *mut Evbuffer, dst: *mut Evbuffer, lim: ssize_t, _mode: c_int, _ctx: *mut c_void) -> c_int {
    // SAFETY: both are live buffers handed to us by the filter loop. A negative limit is
    // "everything" (it converts to the largest size_t, as in libevent).
    if unsafe { evbuffer::remove_buffer(src, dst, lim as usize) } >= 0 {
        BEV_OK
    } else {
        BEV_ERROR
    }
}

/// # Safety
/// Module contract; `b` is a filter.
unsafe fn st(b: *mut Bev) -> *mut FilterState {
    // SAFETY: b is live (module contract); the kind state lives as long as b.
    unsafe {
        match &mut (*b).kind {
            Kind::Filter(s) => &mut **s,
            _ => unreachable!("filter operation on a {} bufferevent", (*b).ops.name),
        }
    }
}

/// # Safety
/// Module contract; `b` is a filter.
unsafe fn under(b: *mut Bev) -> *mut Bev {
    // SAFETY: b is a live filter (contract).
    unsafe { upcast((*st(b)).underlying) }
}

/// bufferevent_filter_new.
///
/// # Safety
/// underlying is NULL or a live bufferevent.
pub unsafe fn new(
    underlying: *mut Bufferevent,
    input_filter: Option<FilterCb>,
    output_filter: Option<FilterCb>,
    options: c_int,
    free_context: Option<FreeContextCb>,
    ctx: *mut c_void,
) -> *mut Bev {
    if underlying.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: underlying is live (contract); b is fresh and ours until returned.
    unsafe {
        let state = FilterState {
            underlying,
            process_in: input_filter.unwrap_or(null_filter),
            process_out: output_filter.unwrap_or(null_filter),
            free_context,
            context: ctx,
            inbuf_cb: ptr::null_mut(),
            outbuf_cb: ptr::null_mut(),
        };
        let b = alloc((*underlying).ev_base, &FILTER_OPS, options & !BEV_OPT_THREADSAFE, Kind::Filter(Box::new(state)));
        if b.is_null() {
            return b;
        }
        if options & BEV_OPT_THREADSAFE != 0 {
            // Share the underlying's lock (or make one for both).
            if enable_locking(b, ptr::null_mut()) < 0 {
                free(b);
                return ptr::null_mut();
            }
            (*b).options |= BEV_OPT_THREADSAFE;
        }
        let u = upcast(underlying);
        setcb(u, Some(under_readcb), Some(under_writecb), Some(under_eventcb), b as *mut c_void);
        let s = st(b);
        (*s).inbuf_cb = evbuffer::add_cb(input(b), Some(inbuf_cb), b as *mut c_void);
        evbuffer::cb_clear_flags(input(b), (*s).inbuf_cb, CbFlags::ENABLED);
        (*s).outbuf_cb = evbuffer::add_cb(output(b), Some(outbuf_cb), b as *mut c_void);
        init_generic_timeouts(b);
        incref(u);
        enable(u, EV_READ | EV_WRITE);
        // The underlying reads only while we do.
        suspend_read(u, SUSPEND_FILT_READ);
        b
    }
}

/// Is our input at its high mark (normal mode only)?
///
/// # Safety
/// Module contract.
unsafe fn readbuf_full(b: *mut Bev, mode: c_int) -> bool {
    // SAFETY: b is live (module contract).
    unsafe { mode == BEV_NORMAL && wm::read_full((*b).public.wm_read.high, evbuffer::length(input(b))) }
}

/// Is the underlying's output at its write high mark (normal mode only)?
///
/// # Safety
/// Module contract.
unsafe fn underlying_writebuf_full(b: *mut Bev, mode: c_int) -> bool {
    // SAFETY: b is live (module contract).
    unsafe {
        let u = under(b);
        mode == BEV_NORMAL && wm::read_full((*u).public.wm_write.high, evbuffer::length(output(u)))
    }
}

/// Run the input filter from the underlying's input into ours.
///
/// # Safety
/// Module contract; `b` locked and referenced.
unsafe fn process_input(b: *mut Bev, mode: c_int, processed: &mut bool) -> c_int {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        if mode == BEV_NORMAL && (enabled(b) & EV_READ == 0 || readbuf_full(b, mode)) {
            return BEV_OK;
        }
        let s = st(b);
        let uin = input(under(b));
        let mut res;
        loop {
            let limit =
                if mode == BEV_NORMAL { wm::filter_limit((*b).public.wm_read.high, evbuffer::length(input(b))) } else { -1 };
            res = ((*s).process_in)(uin, input(b), limit, mode, (*s).context);
            if res == BEV_OK {
                *processed = true;
            }
            if !(res == BEV_OK && enabled(b) & EV_READ != 0 && evbuffer::length(uin) > 0 && !readbuf_full(b, mode)) {
                break;
            }
        }
        if *processed {
            reset_generic_read_timeout(b);
        }
        res
    }
}

/// Run the output filter from our output into the underlying's.
///
/// # Safety
/// Module contract; `b` locked and referenced.
unsafe fn process_output(b: *mut Bev, mode: c_int, processed_out: &mut bool) -> c_int {
    // SAFETY: b is live (module contract), locked and referenced by the caller.
    unsafe {
        if mode == BEV_NORMAL
            && (enabled(b) & EV_WRITE == 0 || underlying_writebuf_full(b, mode) || evbuffer::length(output(b)) == 0)
        {
            return BEV_OK;
        }
        let s = st(b);
        let out = output(b);
        // Our own writes into the underlying must not re-enter through the outbuf callback.
        evbuffer::cb_clear_flags(out, (*s).outbuf_cb, CbFlags::ENABLED);
        let mut res;
        loop {
            let mut processed = false;
            loop {
                let u = under(b);
                let limit = if mode == BEV_NORMAL {
                    wm::filter_limit((*u).public.wm_write.high, evbuffer::length(output(u)))
                } else {
                    -1
                };
                res = ((*s).process_out)(out, output(u), limit, mode, (*s).context);
                if res == BEV_OK {
                    processed = true;
                    *processed_out = true;
                }
                if !(res == BEV_OK
                    && enabled(b) & EV_WRITE != 0
                    && evbuffer::length(out) > 0
                    && !underlying_writebuf_full(b, mode))
                {
                    break;
                }
            }
            if !processed {
                break;
            }
            trigger_nolock(b, EV_WRITE, 0);
            // The write callback may have written more.
            if !(res == BEV_OK && enabled(b) & EV_WRITE != 0 && evbuffer::length(out) > 0 && !underlying_writebuf_full(b, mode)) {
                break;
            }
        }
        evbuffer::cb_set_flags(out, (*s).outbuf_cb, CbFlags::ENABLED);
        if *processed_out {
            reset_generic_write_timeout(b);
        }
        res
    }
}

/// The underlying has data: filter it into our input and tell the program.
///
/// # Safety
/// Module contract; `b` locked.
unsafe fn read_nolock(b: *mut Bev) {
    // SAFETY: b is live (module contract) and locked by the caller.
    unsafe {
        if is_finalizing(b) {
            return;
        }
        let mut processed = false;
        process_input(b, BEV_NORMAL, &mut processed);
        if processed {
            trigger_nolock(b, EV_READ, 0);
            // Data stuck in the underlying because our input is full: come back when the
            // program drains it.
            if evbuffer::length(input(under(b))) > 0 && readbuf_full(b, BEV_NORMAL) {
                evbuffer::cb_set_flags(input(b), (*st(b)).inbuf_cb, CbFlags::ENABLED);
            }
        }
    }
}

unsafe extern "C" fn under_readcb(_u: *mut Bufferevent, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: we hold a reference on the underlying, and its callbacks are ours only while
    // we are alive (unlink resets them).
    unsafe {
        if !enter(b) {
            return;
        }
        read_nolock(b);
        decref_and_unlock(b);
    }
}

unsafe extern "C" fn under_writecb(_u: *mut Bufferevent, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as under_readcb.
    unsafe {
        if !enter(b) {
            return;
        }
        let mut processed = false;
        process_output(b, BEV_NORMAL, &mut processed);
        decref_and_unlock(b);
    }
}

unsafe extern "C" fn under_eventcb(_u: *mut Bufferevent, what: c_short, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as under_readcb. All we can do is pass the news on.
    unsafe {
        if !enter(b) {
            return;
        }
        run_eventcb(b, what, 0);
        decref_and_unlock(b);
    }
}

/// The program wrote to our output.
unsafe extern "C" fn outbuf_cb(_buf: *mut Evbuffer, info: *const CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: the entry lives in our output, freed with us; info is the evbuffer's.
    unsafe {
        if (*info).n_added == 0 || !enter(b) {
            return;
        }
        let mut processed = false;
        process_output(b, BEV_NORMAL, &mut processed);
        decref_and_unlock(b);
    }
}

/// The program drained our (full) input: filter what waits in the underlying.
unsafe extern "C" fn inbuf_cb(_buf: *mut Evbuffer, _info: *const CbInfo, arg: *mut c_void) {
    let b = arg as *mut Bev;
    // SAFETY: as outbuf_cb.
    unsafe {
        if !enter(b) {
            return;
        }
        if !readbuf_full(b, BEV_NORMAL) {
            evbuffer::cb_clear_flags(input(b), (*st(b)).inbuf_cb, CbFlags::ENABLED);
            if evbuffer::length(input(under(b))) > 0 {
                read_nolock(b);
            }
        }
        decref_and_unlock(b);
    }
}

unsafe fn filter_enable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        if event & EV_WRITE != 0 {
            reset_generic_write_timeout(b);
        }
        if event & EV_READ != 0 {
            reset_generic_read_timeout(b);
            unsuspend_read(under(b), SUSPEND_FILT_READ);
        }
    }
    0
}

unsafe fn filter_disable(b: *mut Bev, event: c_short) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        if event & EV_WRITE != 0 {
            del_generic_write_timeout(b);
        }
        if event & EV_READ != 0 {
            del_generic_read_timeout(b);
            suspend_read(under(b), SUSPEND_FILT_READ);
        }
    }
    0
}

/// Our last reference is gone. With BEV_OPT_CLOSE_ON_FREE the underlying goes too (we drop
/// the program's reference on it here, ours when we are finalized); otherwise it gets its
/// callbacks back (none) and reads freely again.
unsafe fn filter_unlink(b: *mut Bev) {
    // SAFETY: b is live (ops contract); we hold a reference on the underlying.
    unsafe {
        let u = under(b);
        if !u.is_null() {
            release_underlying(b, u, under_eventcb);
        }
    }
}

unsafe fn filter_destruct(b: *mut Bev) {
    // SAFETY: b is live (ops contract).
    unsafe {
        let s = st(b);
        if let Some(f) = (*s).free_context {
            f((*s).context);
        }
        if !(*s).inbuf_cb.is_null() {
            evbuffer::remove_cb_entry(input(b), (*s).inbuf_cb);
            (*s).inbuf_cb = ptr::null_mut();
        }
        if !(*s).outbuf_cb.is_null() {
            evbuffer::remove_cb_entry(output(b), (*s).outbuf_cb);
            (*s).outbuf_cb = ptr::null_mut();
        }
    }
}

/// Flush: run the filters in the given mode, then flush the underlying the same way.
/// Returns 1 when a filter produced data.
unsafe fn filter_flush(b: *mut Bev, iotype: c_short, mode: c_int) -> c_int {
    // SAFETY: b is live (ops contract).
    unsafe {
        incref_and_lock(b);
        let mut processed = false;
        if iotype & EV_READ != 0 {
            process_input(b, mode, &mut processed);
        }
        if iotype & EV_WRITE != 0 {
            process_output(b, mode, &mut processed);
        }
        flush(under(b), iotype, mode);
        decref_and_unlock(b);
        processed as c_int
    }
}

unsafe fn filter_ctrl(b: *mut Bev, op: Ctrl) -> Result<CtrlOut, ()> {
    // SAFETY: b is live (ops contract).
    unsafe {
        match op {
            Ctrl::GetUnderlying => Ok(CtrlOut::Underlying((*st(b)).underlying)),
            // The fd is the underlying's.
            Ctrl::GetFd => {
                let fd = getfd(under(b));
                if fd < 0 {
                    Err(())
                } else {
                    Ok(CtrlOut::Fd(fd))
                }
            }
            Ctrl::SetFd(fd) => {
                if setfd(under(b), fd) == 0 {
                    Ok(CtrlOut::Done)
                } else {
                    Err(())
                }
            }
            Ctrl::CancelAll => Err(()),
        }
    }
}
