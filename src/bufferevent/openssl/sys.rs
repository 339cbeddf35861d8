//! The libssl/libcrypto symbol table: the few OpenSSL types, the ABI-stable constants we
//! use, and the functions, found at first use with `dlsym(RTLD_DEFAULT, …)` in the libssl the
//! program itself loaded.

use crate::core::log;
use libc::{c_char, c_int, c_long, c_ulong, c_void};
use std::sync::OnceLock;

/// `SSL` (opaque).
#[repr(C)]
pub struct Ssl {
    _opaque: [u8; 0],
}

/// `BIO` and `BIO_METHOD` (opaque).
pub(super) type Bio = c_void;
pub(super) type BioMethod = c_void;

// OpenSSL's ABI-stable values.
pub(super) const SSL_ERROR_SSL: c_int = 1;
pub(super) const SSL_ERROR_WANT_READ: c_int = 2;
pub(super) const SSL_ERROR_WANT_WRITE: c_int = 3;
pub(super) const SSL_ERROR_WANT_X509_LOOKUP: c_int = 4;
pub(super) const SSL_ERROR_SYSCALL: c_int = 5;
pub(super) const SSL_ERROR_ZERO_RETURN: c_int = 6;
pub(super) const SSL_RECEIVED_SHUTDOWN: c_int = 2;
pub(super) const SSL_CTRL_MODE: c_int = 33;
pub(super) const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: c_long = 2;
pub(super) const BIO_C_GET_FD: c_int = 105;
pub(super) const BIO_CTRL_GET_CLOSE: c_int = 8;
pub(super) const BIO_CTRL_SET_CLOSE: c_int = 9;
pub(super) const BIO_CTRL_PENDING: c_int = 10;
pub(super) const BIO_CTRL_FLUSH: c_int = 11;
pub(super) const BIO_CTRL_DUP: c_int = 12;
pub(super) const BIO_CTRL_WPENDING: c_int = 13;
pub(super) const BIO_FLAGS_READ: c_int = 0x01;
pub(super) const BIO_FLAGS_WRITE: c_int = 0x02;
pub(super) const BIO_FLAGS_RWS: c_int = 0x07;
pub(super) const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
/// The BIO type number libevent gives its bufferevent BIO (a source/sink BIO).
pub(super) const BIO_TYPE_BUFFEREVENT: c_int = 57 | 0x0400;

pub(super) type BioWrite = unsafe extern "C" fn(*mut Bio, *const c_char, c_int) -> c_int;
pub(super) type BioRead = unsafe extern "C" fn(*mut Bio, *mut c_char, c_int) -> c_int;
pub(super) type BioPuts = unsafe extern "C" fn(*mut Bio, *const c_char) -> c_int;
pub(super) type BioCtrl = unsafe extern "C" fn(*mut Bio, c_int, c_long, *mut c_void) -> c_long;
pub(super) type BioCreate = unsafe extern "C" fn(*mut Bio) -> c_int;

/// One table, two uses: the `Fns` struct (a field per function, typed with its C signature)
/// and the loader that fills it with `dlsym`, converting each address to exactly that type.
macro_rules! libssl_functions {
    ($( $field:ident = $name:literal : fn($($arg:ty),*) $(-> $ret:ty)?; )*) => {
        /// The OpenSSL functions we call, from the program's libssl/libcrypto.
        pub(super) struct Fns {
            $( pub(super) $field: unsafe extern "C" fn($($arg),*) $(-> $ret)?, )*
        }

        /// Every function of the table, or None (with a warning) when one is missing.
        fn load() -> Option<Fns> {
            Some(Fns {
                $( $field: {
                    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
                    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, concat!($name, "\0").as_ptr() as *const c_char) };
                    if p.is_null() {
                        log::warn(concat!("OpenSSL bufferevent: ", $name, " not found (is libssl loaded?)"));
                        return None;
                    }
                    // SAFETY: p is the address of the OpenSSL function named, whose C signature
                    // (OpenSSL 1.1 / 3 ABI) is the one the table gives it.
                    unsafe { std::mem::transmute::<*mut c_void, unsafe extern "C" fn($($arg),*) $(-> $ret)?>(p) }
                }, )*
            })
        }
    };
}

libssl_functions! {
    read = "SSL_read": fn(*mut Ssl, *mut c_void, c_int) -> c_int;
    write = "SSL_write": fn(*mut Ssl, *const c_void, c_int) -> c_int;
    get_error = "SSL_get_error": fn(*const Ssl, c_int) -> c_int;
    do_handshake = "SSL_do_handshake": fn(*mut Ssl) -> c_int;
    set_fd = "SSL_set_fd": fn(*mut Ssl, c_int) -> c_int;
    get_wbio = "SSL_get_wbio": fn(*const Ssl) -> *mut Bio;
    set_bio = "SSL_set_bio": fn(*mut Ssl, *mut Bio, *mut Bio);
    ctrl = "SSL_ctrl": fn(*mut Ssl, c_int, c_long, *mut c_void) -> c_long;
    set_connect_state = "SSL_set_connect_state": fn(*mut Ssl);
    set_accept_state = "SSL_set_accept_state": fn(*mut Ssl);
    clear = "SSL_clear": fn(*mut Ssl) -> c_int;
    pending = "SSL_pending": fn(*const Ssl) -> c_int;
    get_shutdown = "SSL_get_shutdown": fn(*const Ssl) -> c_int;
    renegotiate = "SSL_renegotiate": fn(*mut Ssl) -> c_int;
    free = "SSL_free": fn(*mut Ssl);
    err_get_error = "ERR_get_error": fn() -> c_ulong;
    err_peek_error = "ERR_peek_error": fn() -> c_ulong;
    err_clear_error = "ERR_clear_error": fn();
    bio_ctrl = "BIO_ctrl": fn(*mut Bio, c_int, c_long, *mut c_void) -> c_long;
    bio_new = "BIO_new": fn(*const BioMethod) -> *mut Bio;
    bio_set_data = "BIO_set_data": fn(*mut Bio, *mut c_void);
    bio_get_data = "BIO_get_data": fn(*mut Bio) -> *mut c_void;
    bio_set_init = "BIO_set_init": fn(*mut Bio, c_int);
    bio_set_shutdown = "BIO_set_shutdown": fn(*mut Bio, c_int);
    bio_get_shutdown = "BIO_get_shutdown": fn(*mut Bio) -> c_int;
    bio_set_flags = "BIO_set_flags": fn(*mut Bio, c_int);
    bio_clear_flags = "BIO_clear_flags": fn(*mut Bio, c_int);
    meth_new = "BIO_meth_new": fn(c_int, *const c_char) -> *mut BioMethod;
    meth_set_write = "BIO_meth_set_write": fn(*mut BioMethod, BioWrite) -> c_int;
    meth_set_read = "BIO_meth_set_read": fn(*mut BioMethod, BioRead) -> c_int;
    meth_set_puts = "BIO_meth_set_puts": fn(*mut BioMethod, BioPuts) -> c_int;
    meth_set_ctrl = "BIO_meth_set_ctrl": fn(*mut BioMethod, BioCtrl) -> c_int;
    meth_set_create = "BIO_meth_set_create": fn(*mut BioMethod, BioCreate) -> c_int;
    meth_set_destroy = "BIO_meth_set_destroy": fn(*mut BioMethod, BioCreate) -> c_int;
}

/// The table, looked up once (None for good when a function is missing).
pub(super) fn fns() -> Option<&'static Fns> {
    static FNS: OnceLock<Option<Fns>> = OnceLock::new();
    FNS.get_or_init(load).as_ref()
}
