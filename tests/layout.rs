//! Layout check in the spirit of ctest: the Rust `#[repr(C)]` types the library uses for
//! C-visible memory must match our C headers field by field. A C program compiled against
//! event2/ prints sizeof/offsetof; we compare with Rust's size_of/offset_of.

use levent::core::event::{Event, EventCallback};
use levent::thread::{CondCallbacks, LockCallbacks};
use std::mem::{offset_of, size_of};
use std::process::Command;

const C_SRC: &str = r#"
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/thread.h>
#include <stddef.h>
#include <stdio.h>
#define P(name, v) printf("%s %zu\n", name, (size_t)(v))
int main(void) {
    P("event.size", sizeof(struct event));
    P("event.ev_evcallback", offsetof(struct event, ev_evcallback));
    P("event.ev_timeout_pos", offsetof(struct event, ev_timeout_pos));
    P("event.ev_fd", offsetof(struct event, ev_fd));
    P("event.ev_base", offsetof(struct event, ev_base));
    P("event.ev_", offsetof(struct event, ev_));
    P("event.ev_events", offsetof(struct event, ev_events));
    P("event.ev_res", offsetof(struct event, ev_res));
    P("event.ev_timeout", offsetof(struct event, ev_timeout));
    P("event.ev_ncalls", offsetof(struct event, ev_.ev_signal.ev_ncalls));
    P("event.ev_pncalls", offsetof(struct event, ev_.ev_signal.ev_pncalls));
    P("event_callback.size", sizeof(struct event_callback));
    P("event_callback.evcb_flags", offsetof(struct event_callback, evcb_flags));
    P("event_callback.evcb_pri", offsetof(struct event_callback, evcb_pri));
    P("event_callback.evcb_closure", offsetof(struct event_callback, evcb_closure));
    P("event_callback.evcb_cb_union", offsetof(struct event_callback, evcb_cb_union));
    P("event_callback.evcb_arg", offsetof(struct event_callback, evcb_arg));
    P("lock_cbs.size", sizeof(struct evthread_lock_callbacks));
    P("lock_cbs.alloc", offsetof(struct evthread_lock_callbacks, alloc));
    P("lock_cbs.unlock", offsetof(struct evthread_lock_callbacks, unlock));
    P("cond_cbs.size", sizeof(struct evthread_condition_callbacks));
    P("cond_cbs.wait_condition", offsetof(struct evthread_condition_callbacks, wait_condition));
    return 0;
}
"#;

fn c_layout() -> Vec<(String, usize)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = std::env::temp_dir().join(format!("levent-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("probe.c");
    let bin = dir.join("probe");
    std::fs::write(&src, C_SRC).unwrap();
    let st = Command::new("cc")
        .args(["-I", root, "-I", &format!("{}/include", root)])
        .arg(&src)
        .arg("-o")
        .arg(&bin)
        .status()
        .expect("cc runs");
    assert!(st.success(), "probe compiles against our headers");
    let out = Command::new(&bin).output().expect("probe runs");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (k.to_owned(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn rust_types_match_our_headers() {
    let rust: Vec<(&str, usize)> = vec![
        ("event.size", size_of::<Event>()),
        ("event.ev_evcallback", offset_of!(Event, cb)),
        ("event.ev_timeout_pos", offset_of!(Event, heap_idx)),
        ("event.ev_fd", offset_of!(Event, fd)),
        ("event.ev_base", offset_of!(Event, base)),
        ("event.ev_", offset_of!(Event, io_next)),
        ("event.ev_events", offset_of!(Event, events)),
        ("event.ev_res", offset_of!(Event, res)),
        ("event.ev_timeout", offset_of!(Event, timeout)),
        ("event.ev_ncalls", offset_of!(Event, u)),
        ("event.ev_pncalls", offset_of!(Event, u) + 8),
        ("event_callback.size", size_of::<EventCallback>()),
        ("event_callback.evcb_flags", offset_of!(EventCallback, flags)),
        ("event_callback.evcb_pri", offset_of!(EventCallback, pri)),
        ("event_callback.evcb_closure", offset_of!(EventCallback, closure)),
        ("event_callback.evcb_cb_union", offset_of!(EventCallback, cb)),
        ("event_callback.evcb_arg", offset_of!(EventCallback, arg)),
        ("lock_cbs.size", size_of::<LockCallbacks>()),
        ("lock_cbs.alloc", offset_of!(LockCallbacks, alloc)),
        ("lock_cbs.unlock", offset_of!(LockCallbacks, unlock)),
        ("cond_cbs.size", size_of::<CondCallbacks>()),
        ("cond_cbs.wait_condition", offset_of!(CondCallbacks, wait_condition)),
    ];
    let c = c_layout();
    assert_eq!(c.len(), rust.len());
    for ((ck, cv), (rk, rv)) in c.iter().zip(rust.iter()) {
        assert_eq!(ck, rk);
        assert_eq!(cv, rv, "{}: C says {}, Rust says {}", ck, cv, rv);
    }
}
