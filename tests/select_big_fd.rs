//! select(2) above FD_SETSIZE: libevent's select backend aborts there (glibc's fd_set check);
//! ours sizes its bitmaps itself. Debian's library cannot pass this, so it is a Rust test of
//! ours rather than a tests-c case.

use levent::capi::event::*;
use levent::core::config::EventConfig;
use levent::core::event::{Event, EV_READ};
use libc::{c_int, c_short, c_void};
use std::ffi::CStr;
use std::sync::atomic::{AtomicI32, Ordering};

static FIRED: AtomicI32 = AtomicI32::new(0);

unsafe extern "C" fn on_read(fd: c_int, what: c_short, _arg: *mut c_void) {
    assert_eq!(what, EV_READ);
    let mut b = 0u8;
    // SAFETY: fd is the test's socket; one byte into a local.
    assert_eq!(unsafe { libc::read(fd, &mut b as *mut u8 as *mut c_void, 1) }, 1);
    FIRED.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn select_handles_fds_above_fd_setsize() {
    // SAFETY: libc calls on the test's own fds and limits, and the C API with a base, event
    // and config this test makes and frees.
    unsafe {
        let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
        if rl.rlim_max < 2100 {
            eprintln!("skip: RLIMIT_NOFILE hard limit {} too low", rl.rlim_max);
            return;
        }
        rl.rlim_cur = rl.rlim_cur.max(2100);
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &rl), 0);

        let cfg = event_config_new();
        for m in [c"epoll", c"poll"] {
            assert_eq!(event_config_avoid_method(cfg, m.as_ptr()), 0);
        }
        let base = event_base_new_with_config(cfg as *const EventConfig);
        event_config_free(cfg);
        assert!(!base.is_null());
        assert_eq!(CStr::from_ptr(event_base_get_method(base)).to_str().unwrap(), "select");

        let mut sv = [0; 2];
        assert_eq!(libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, sv.as_mut_ptr()), 0);
        let big = 2000;
        assert_eq!(libc::dup2(sv[0], big), big);
        let ev: *mut Event = event_new(base, big, EV_READ, Some(on_read), std::ptr::null_mut());
        assert_eq!(event_add(ev, std::ptr::null()), 0);
        assert_eq!(libc::write(sv[1], b"x".as_ptr() as *const c_void, 1), 1);
        assert_eq!(event_base_loop(base, 1 /* EVLOOP_ONCE */), 0);
        assert_eq!(FIRED.load(Ordering::Relaxed), 1);
        event_free(ev);
        event_base_free(base);
        libc::close(big);
        libc::close(sv[0]);
        libc::close(sv[1]);
    }
}
