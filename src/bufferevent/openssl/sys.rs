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

/// The OpenSSL functions we call, from the program's libssl/libcrypto.
pub(super) struct Fns {
    pub(super) read: unsafe extern "C" fn(*mut Ssl, *mut c_void, c_int) -> c_int,
    pub(super) write: unsafe extern "C" fn(*mut Ssl, *const c_void, c_int) -> c_int,
    pub(super) get_error: unsafe extern "C" fn(*const Ssl, c_int) -> c_int,
    pub(super) do_handshake: unsafe extern "C" fn(*mut Ssl) -> c_int,
    pub(super) set_fd: unsafe extern "C" fn(*mut Ssl, c_int) -> c_int,
    pub(super) get_wbio: unsafe extern "C" fn(*const Ssl) -> *mut Bio,
    pub(super) set_bio: unsafe extern "C" fn(*mut Ssl, *mut Bio, *mut Bio),
    pub(super) ctrl: unsafe extern "C" fn(*mut Ssl, c_int, c_long, *mut c_void) -> c_long,
    pub(super) set_connect_state: unsafe extern "C" fn(*mut Ssl),
    pub(super) set_accept_state: unsafe extern "C" fn(*mut Ssl),
    pub(super) pending: unsafe extern "C" fn(*const Ssl) -> c_int,
    pub(super) get_shutdown: unsafe extern "C" fn(*const Ssl) -> c_int,
    pub(super) renegotiate: unsafe extern "C" fn(*mut Ssl) -> c_int,
    pub(super) free: unsafe extern "C" fn(*mut Ssl),
    pub(super) err_get_error: unsafe extern "C" fn() -> c_ulong,
    pub(super) err_peek_error: unsafe extern "C" fn() -> c_ulong,
    pub(super) err_clear_error: unsafe extern "C" fn(),
    pub(super) bio_ctrl: unsafe extern "C" fn(*mut Bio, c_int, c_long, *mut c_void) -> c_long,
    pub(super) bio_new: unsafe extern "C" fn(*const BioMethod) -> *mut Bio,
    pub(super) bio_set_data: unsafe extern "C" fn(*mut Bio, *mut c_void),
    pub(super) bio_get_data: unsafe extern "C" fn(*mut Bio) -> *mut c_void,
    pub(super) bio_set_init: unsafe extern "C" fn(*mut Bio, c_int),
    pub(super) bio_set_shutdown: unsafe extern "C" fn(*mut Bio, c_int),
    pub(super) bio_get_shutdown: unsafe extern "C" fn(*mut Bio) -> c_int,
    pub(super) bio_set_flags: unsafe extern "C" fn(*mut Bio, c_int),
    pub(super) bio_clear_flags: unsafe extern "C" fn(*mut Bio, c_int),
    pub(super) meth_new: unsafe extern "C" fn(c_int, *const c_char) -> *mut BioMethod,
    pub(super) meth_set_write: unsafe extern "C" fn(*mut BioMethod, BioWrite) -> c_int,
    pub(super) meth_set_read: unsafe extern "C" fn(*mut BioMethod, BioRead) -> c_int,
    pub(super) meth_set_puts: unsafe extern "C" fn(*mut BioMethod, BioPuts) -> c_int,
    pub(super) meth_set_ctrl: unsafe extern "C" fn(*mut BioMethod, BioCtrl) -> c_int,
    pub(super) meth_set_create: unsafe extern "C" fn(*mut BioMethod, BioCreate) -> c_int,
    pub(super) meth_set_destroy: unsafe extern "C" fn(*mut BioMethod, BioCreate) -> c_int,
}

pub(super) type BioWrite = unsafe extern "C" fn(*mut Bio, *const c_char, c_int) -> c_int;
pub(super) type BioRead = unsafe extern "C" fn(*mut Bio, *mut c_char, c_int) -> c_int;
pub(super) type BioPuts = unsafe extern "C" fn(*mut Bio, *const c_char) -> c_int;
pub(super) type BioCtrl = unsafe extern "C" fn(*mut Bio, c_int, c_long, *mut c_void) -> c_long;
pub(super) type BioCreate = unsafe extern "C" fn(*mut Bio) -> c_int;

pub(super) fn fns() -> Option<&'static Fns> {
    static FNS: OnceLock<Option<Fns>> = OnceLock::new();
    FNS.get_or_init(|| {
        macro_rules! sym {
            ($name:literal) => {{
                // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name.
                let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, concat!($name, "\0").as_ptr() as *const c_char) };
                if p.is_null() {
                    log::warn(concat!("OpenSSL bufferevent: ", $name, " not found (is libssl loaded?)"));
                    return None;
                }
                // SAFETY: the pointer is the named OpenSSL function, whose C signature the
                // field it is stored in declares (OpenSSL 1.1 / 3 ABI).
                unsafe { std::mem::transmute::<*mut c_void, _>(p) }
            }};
        }
        Some(Fns {
            read: sym!("SSL_read"),
            write: sym!("SSL_write"),
            get_error: sym!("SSL_get_error"),
            do_handshake: sym!("SSL_do_handshake"),
            set_fd: sym!("SSL_set_fd"),
            get_wbio: sym!("SSL_get_wbio"),
            set_bio: sym!("SSL_set_bio"),
            ctrl: sym!("SSL_ctrl"),
            set_connect_state: sym!("SSL_set_connect_state"),
            set_accept_state: sym!("SSL_set_accept_state"),
            pending: sym!("SSL_pending"),
            get_shutdown: sym!("SSL_get_shutdown"),
            renegotiate: sym!("SSL_renegotiate"),
            free: sym!("SSL_free"),
            err_get_error: sym!("ERR_get_error"),
            err_peek_error: sym!("ERR_peek_error"),
            err_clear_error: sym!("ERR_clear_error"),
            bio_ctrl: sym!("BIO_ctrl"),
            bio_new: sym!("BIO_new"),
            bio_set_data: sym!("BIO_set_data"),
            bio_get_data: sym!("BIO_get_data"),
            bio_set_init: sym!("BIO_set_init"),
            bio_set_shutdown: sym!("BIO_set_shutdown"),
            bio_get_shutdown: sym!("BIO_get_shutdown"),
            bio_set_flags: sym!("BIO_set_flags"),
            bio_clear_flags: sym!("BIO_clear_flags"),
            meth_new: sym!("BIO_meth_new"),
            meth_set_write: sym!("BIO_meth_set_write"),
            meth_set_read: sym!("BIO_meth_set_read"),
            meth_set_puts: sym!("BIO_meth_set_puts"),
            meth_set_ctrl: sym!("BIO_meth_set_ctrl"),
            meth_set_create: sym!("BIO_meth_set_create"),
            meth_set_destroy: sym!("BIO_meth_set_destroy"),
        })
    })
    .as_ref()
}
