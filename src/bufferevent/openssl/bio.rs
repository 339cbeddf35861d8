//! The filter flavour's BIO: OpenSSL reads the underlying bufferevent's input and writes its
//! output through it.

use super::sys::*;
use super::*;
use libc::{c_char, c_long};
use std::sync::OnceLock;

// ---- the filter flavour's BIO: reads the underlying's input, writes its output ----

/// The BIO_METHOD, made once (an address, so that it can sit in a static).
pub(super) fn bio_method(f: &Fns) -> *mut BioMethod {
    static METHOD: OnceLock<usize> = OnceLock::new();
    *METHOD.get_or_init(|| {
        // SAFETY: OpenSSL's BIO_meth_* API with our callbacks, which match its signatures.
        unsafe {
            let m = (f.meth_new)(BIO_TYPE_BUFFEREVENT, c"bufferevent".as_ptr());
            if !m.is_null() {
                (f.meth_set_write)(m, bio_write);
                (f.meth_set_read)(m, bio_read);
                (f.meth_set_puts)(m, bio_puts);
                (f.meth_set_ctrl)(m, bio_ctrl);
                (f.meth_set_create)(m, bio_create);
                (f.meth_set_destroy)(m, bio_destroy);
            }
            m as usize
        }
    }) as *mut BioMethod
}

/// A BIO on `underlying`'s buffers that does not own it.
///
/// # Safety
/// underlying is live.
pub(super) unsafe fn new_bufferevent_bio(f: &Fns, underlying: *mut Bufferevent) -> *mut Bio {
    let m = bio_method(f);
    if m.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: a fresh BIO of our method.
    unsafe {
        let bio = (f.bio_new)(m);
        if !bio.is_null() {
            (f.bio_set_data)(bio, underlying as *mut c_void);
            (f.bio_set_shutdown)(bio, 0);
            (f.bio_set_init)(bio, 1);
        }
        bio
    }
}

/// The underlying bufferevent behind one of our BIOs (NULL before init).
///
/// # Safety
/// bio is one of our BIOs.
pub(super) unsafe fn bio_under(f: &Fns, bio: *mut Bio) -> *mut Bufferevent {
    // SAFETY: bio is one of ours (contract), whose data is the underlying bufferevent or NULL.
    unsafe { (f.bio_get_data)(bio) as *mut Bufferevent }
}

/// Append to the underlying's output, up to its write high-water mark ("retry" when full).
pub(super) unsafe extern "C" fn bio_write(bio: *mut Bio, data: *const c_char, len: c_int) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: OpenSSL calls us with one of our BIOs and len readable bytes at data; the
    // underlying outlives the SSL's use of the BIO (we hold a reference on it).
    unsafe {
        (f.bio_clear_flags)(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
        let u = bio_under(f, bio);
        if u.is_null() || data.is_null() || len < 0 {
            return -1;
        }
        let out = (*u).output;
        let mut n = len as usize;
        let high = (*u).wm_write.high;
        if high != 0 {
            let have = evbuffer::length(out);
            if have >= high {
                (f.bio_set_flags)(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
                return -1;
            }
            n = n.min(high - have);
        }
        if evbuffer::add(out, std::slice::from_raw_parts(data as *const u8, n)) < 0 {
            return -1;
        }
        n as c_int
    }
}

/// Take from the underlying's input ("retry" when it is empty).
pub(super) unsafe extern "C" fn bio_read(bio: *mut Bio, out: *mut c_char, len: c_int) -> c_int {
    let Some(f) = fns() else { return -1 };
    // SAFETY: as bio_write; out has room for len bytes.
    unsafe {
        (f.bio_clear_flags)(bio, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
        let u = bio_under(f, bio);
        if u.is_null() || out.is_null() || len <= 0 {
            return if u.is_null() { -1 } else { 0 };
        }
        let inp = (*u).input;
        if evbuffer::length(inp) == 0 {
            (f.bio_set_flags)(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
            return -1;
        }
        // Never a slice past what will be written: the program's memory may be uninitialised.
        let n = (len as usize).min(evbuffer::length(inp));
        evbuffer::remove(inp, std::slice::from_raw_parts_mut(out as *mut u8, n)) as c_int
    }
}

pub(super) unsafe extern "C" fn bio_puts(bio: *mut Bio, s: *const c_char) -> c_int {
    if s.is_null() {
        return -1;
    }
    // SAFETY: s is a NUL-terminated string (BIO_puts contract).
    let n = unsafe { libc::strlen(s) };
    // SAFETY: as bio_write.
    unsafe { bio_write(bio, s, n.min(c_int::MAX as usize) as c_int) }
}

pub(super) unsafe extern "C" fn bio_ctrl(bio: *mut Bio, cmd: c_int, num: c_long, _ptr: *mut c_void) -> c_long {
    let Some(f) = fns() else { return 0 };
    // SAFETY: as bio_write.
    unsafe {
        let u = bio_under(f, bio);
        match cmd {
            BIO_CTRL_GET_CLOSE => (f.bio_get_shutdown)(bio) as c_long,
            BIO_CTRL_SET_CLOSE => {
                (f.bio_set_shutdown)(bio, num as c_int);
                1
            }
            BIO_CTRL_PENDING => (!u.is_null() && evbuffer::length((*u).input) != 0) as c_long,
            BIO_CTRL_WPENDING => (!u.is_null() && evbuffer::length((*u).output) != 0) as c_long,
            BIO_CTRL_DUP | BIO_CTRL_FLUSH => 1,
            _ => 0,
        }
    }
}

pub(super) unsafe extern "C" fn bio_create(bio: *mut Bio) -> c_int {
    let Some(f) = fns() else { return 0 };
    // SAFETY: a BIO OpenSSL is making with our method.
    unsafe {
        (f.bio_set_init)(bio, 0);
        (f.bio_set_data)(bio, ptr::null_mut());
    }
    1
}

/// Our BIOs never own the underlying bufferevent (the bufferevent's options decide).
pub(super) unsafe extern "C" fn bio_destroy(bio: *mut Bio) -> c_int {
    if bio.is_null() {
        0
    } else {
        1
    }
}
