//! The OpenSSL bufferevents when the process has no libssl loaded (a program that reaches our
//! constructors without ever having made a real SSL): they must not call anything, log one
//! warning through the program's log callback and return NULL. Debian's libevent_openssl
//! always links libssl, so this is a Rust test of ours, in its own process (the log callback
//! is global).

use levent::capi::bufferevent::{bufferevent_free, bufferevent_socket_new};
use levent::capi::bufferevent_ssl::*;
use levent::capi::event::{event_base_free, event_base_new, event_set_log_callback};
use libc::{c_char, c_int, c_void};
use std::ffi::CStr;
use std::sync::Mutex;

static LOGGED: Mutex<Vec<(c_int, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn on_log(severity: c_int, msg: *const c_char) {
    // SAFETY: the library passes a NUL-terminated message.
    let s = unsafe { CStr::from_ptr(msg) }.to_string_lossy().into_owned();
    LOGGED.lock().unwrap().push((severity, s));
}

#[test]
fn constructors_refuse_without_libssl() {
    // SAFETY: dlsym on RTLD_DEFAULT with a NUL-terminated name.
    if !unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"SSL_read".as_ptr()) }.is_null() {
        eprintln!("skip: libssl is loaded in this process");
        return;
    }
    // Never dereferenced: without libssl nothing may touch it.
    let fake_ssl = 0x10 as *mut c_void as *mut _;
    // SAFETY: plain calls of our C entry points with a live base and bufferevent; the fake
    // SSL must not be used, which is what is tested.
    unsafe {
        event_set_log_callback(Some(on_log));
        let base = event_base_new();
        assert!(!base.is_null());
        assert!(bufferevent_openssl_socket_new(base, -1, fake_ssl, 1, 0).is_null());
        let under = bufferevent_socket_new(base, -1, 0);
        assert!(!under.is_null());
        assert!(bufferevent_openssl_filter_new(base, under, fake_ssl, 2, 0).is_null());
        // A plain bufferevent is still not an SSL one.
        assert!(bufferevent_openssl_get_ssl(under).is_null());
        assert_eq!(bufferevent_get_openssl_error(under), 0);
        bufferevent_free(under);
        event_base_free(base);
        event_set_log_callback(None);
    }
    let logged = LOGGED.lock().unwrap();
    // The lookup is made (and reported) once.
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0].0, 2, "EVENT_LOG_WARN");
    assert!(logged[0].1.contains("SSL_read"), "{}", logged[0].1);
}
