//! Generates the ABI checks with ctest (rust-lang/libc's FFI checker).
//!
//! ctest expands the whole library (`rustc -Zunpretty=expanded`, over a crate root written
//! below that declares the library's own modules), parses every item with syn, and writes two
//! programs' worth of tests: a C file, compiled here against our headers (event2/*.h), that
//! reports sizeof/_Alignof/offsetof and constant values, and the Rust side (OUT_DIR/abi.rs,
//! included by src/main.rs) that compares them with size_of/align_of/offset_of! and the Rust
//! values. Field types are checked by the C compiler: each field's Rust type is translated to C
//! and must be the type of the C member (-Werror).
//!
//! What is tested:
//! - the structs and unions in `TYPES`, every public field (renamed with `FIELDS` where the C
//!   member is called otherwise or sits in an anonymous struct/union), except `SKIP_FIELDS`;
//! - every public Rust constant whose C name (its own, or after `CONST_PREFIXES`) is a macro or
//!   enumerator of our headers. That set comes from the headers themselves, so a constant added
//!   later with a libevent name is checked without editing this file.

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// Rust struct/union -> the C type it must match.
const TYPES: &[(&str, &str)] = &[
    ("Event", "struct event"),
    ("EventCallback", "struct event_callback"),
    ("CallbackUnion", "__typeof__(((struct event_callback *)0)->evcb_cb_union)"),
    ("SignalPart", "struct levent_ctest_signal_part"),
    ("LockCallbacks", "struct evthread_lock_callbacks"),
    ("CondCallbacks", "struct evthread_condition_callbacks"),
    ("Bufferevent", "struct bufferevent"),
    ("Watermark", "struct event_watermark"),
    ("RequestC", "struct evhttp_request"),
    ("KeyVal", "struct evkeyval"),
    ("KeyValQ", "struct evkeyvalq"),
    ("EvbufferPtr", "struct evbuffer_ptr"),
    ("CbInfo", "struct evbuffer_cb_info"),
    ("EvdnsServerRequest", "struct evdns_server_request"),
    ("EvdnsServerQuestion", "struct evdns_server_question"),
    ("Evrpc", "struct evrpc"),
    ("ReqGeneric", "EVRPC_STRUCT(levent_ctest)"),
    ("Status", "struct evrpc_status"),
];

/// Types that only appear behind pointers in those fields (not tested themselves: opaque in C).
const POINTEES: &[(&str, &str)] = &[
    ("EventBase", "struct event_base"),
    ("Evbuffer", "struct evbuffer"),
    ("Ops", "struct bufferevent_ops"),
    ("Connection", "struct evhttp_connection"),
    ("Uri", "struct evhttp_uri"),
    ("EvrpcBase", "struct evrpc_base"),
    ("HookMeta", "struct evrpc_hook_meta"),
];

/// (Rust type, Rust field, C member designator) where the names differ.
const FIELDS: &[(&str, &str, &str)] = &[
    ("Event", "cb", "ev_evcallback"),
    ("Event", "heap_idx", "ev_timeout_pos.min_heap_idx"),
    ("Event", "fd", "ev_fd"),
    ("Event", "base", "ev_base"),
    ("Event", "io_next", "ev_.ev_io.ev_io_next.le_next"),
    ("Event", "io_prev", "ev_.ev_io.ev_io_next.le_prev"),
    ("Event", "u", "ev_.ev_io.ev_timeout"),
    ("Event", "events", "ev_events"),
    ("Event", "res", "ev_res"),
    ("Event", "timeout", "ev_timeout"),
    ("EventCallback", "active_next", "evcb_active_next.tqe_next"),
    ("EventCallback", "active_prev", "evcb_active_next.tqe_prev"),
    ("EventCallback", "flags", "evcb_flags"),
    ("EventCallback", "pri", "evcb_pri"),
    ("EventCallback", "closure", "evcb_closure"),
    ("EventCallback", "cb", "evcb_cb_union"),
    ("EventCallback", "arg", "evcb_arg"),
    ("CallbackUnion", "event", "evcb_callback"),
    ("CallbackUnion", "self_cb", "evcb_selfcb"),
    ("CallbackUnion", "ev_finalize", "evcb_evfinalize"),
    ("CallbackUnion", "cb_finalize", "evcb_cbfinalize"),
    ("SignalPart", "ncalls", "ev_ncalls"),
    ("SignalPart", "pncalls", "ev_pncalls"),
    ("RequestC", "tqe_next", "next.tqe_next"),
    ("RequestC", "tqe_prev", "next.tqe_prev"),
    ("RequestC", "type_", "type"),
    ("KeyVal", "next", "next.tqe_next"),
    ("KeyVal", "prev", "next.tqe_prev"),
    ("KeyValQ", "first", "tqh_first"),
    ("KeyValQ", "last", "tqh_last"),
    ("EvbufferPtr", "chain", "internal_.chain"),
    ("EvbufferPtr", "pos_in_chain", "internal_.pos_in_chain"),
    ("EvdnsServerQuestion", "type_", "type"),
    ("Evrpc", "tqe_next", "next.tqe_next"),
    ("Evrpc", "tqe_prev", "next.tqe_prev"),
];

/// Fields not compared at all.
const SKIP_FIELDS: &[(&str, &str)] = &[
    // The rest of the ev_timeout_pos union (its common-timeout link), which we never use;
    // heap_idx and fd around it are checked.
    ("Event", "_pos_spare"),
    // `unsigned chunked:1, userdone:1`: C bit-fields have no offsetof.
    ("RequestC", "bits"),
];

/// Fields whose offset and size are compared but not their type, and why.
const SKIP_FIELD_TYPES: &[(&str, &str)] = &[
    // Option<alias of an extern "C" fn>: ctest translates only inline fn-pointer types.
    ("CallbackUnion", "event"),
    ("CallbackUnion", "self_cb"),
    ("CallbackUnion", "ev_finalize"),
    ("CallbackUnion", "cb_finalize"),
    ("LockCallbacks", "alloc"),
    ("LockCallbacks", "free"),
    ("LockCallbacks", "lock"),
    ("LockCallbacks", "unlock"),
    ("CondCallbacks", "alloc_condition"),
    ("CondCallbacks", "free_condition"),
    ("CondCallbacks", "signal_condition"),
    ("CondCallbacks", "wait_condition"),
    ("Bufferevent", "readcb"),
    ("Bufferevent", "writecb"),
    ("Bufferevent", "errorcb"),
    ("RequestC", "cb"),
    ("RequestC", "chunk_cb"),
    ("RequestC", "header_cb"),
    ("RequestC", "error_cb"),
    ("RequestC", "on_complete_cb"),
    ("Evrpc", "request_new"),
    ("Evrpc", "request_free"),
    ("Evrpc", "request_unmarshal"),
    ("Evrpc", "reply_new"),
    ("Evrpc", "reply_free"),
    ("Evrpc", "reply_complete"),
    ("Evrpc", "reply_marshal"),
    ("Evrpc", "cb"),
    // void * in the library; the program's message type in EVRPC_STRUCT.
    ("ReqGeneric", "request"),
    ("ReqGeneric", "reply"),
    // Rust keeps the EVLIST_* bits as u16; C declares `short`.
    ("EventCallback", "flags"),
    // C enums (enum evhttp_request_kind / evhttp_cmd_type), held as c_int in Rust.
    ("RequestC", "kind"),
    ("RequestC", "type_"),
    // The union `u` (see levent_ctest.h): it is compared with ev_.ev_io.ev_timeout by place and
    // size, and its signal half by SignalPart.
    ("Event", "u"),
];

/// Rust constants that leave out the C prefix: (Rust prefix, C prefix).
const CONST_PREFIXES: &[(&str, &str)] = &[
    ("REQ_", "EVHTTP_REQ_"),
    ("KIND_", "EVHTTP_"),
    ("ERR_", "EVREQ_HTTP_"),
    ("CON_", "EVHTTP_CON_"),
    ("PROXY_REQUEST", "EVHTTP_PROXY_REQUEST"),
    ("USER_OWNED", "EVHTTP_USER_OWNED"),
    ("SERVER_LINGERING_CLOSE", "EVHTTP_SERVER_LINGERING_CLOSE"),
    ("URI_NONCONFORMANT", "EVHTTP_URI_NONCONFORMANT"),
    ("EOL_CRLF", "EVBUFFER_EOL_CRLF"),
    ("EAI_", "EVUTIL_EAI_"),
    ("STATUS_ERR_", "EVRPC_STATUS_ERR_"),
    ("TERMINATE", "EVRPC_TERMINATE"),
    ("CONTINUE", "EVRPC_CONTINUE"),
    ("PAUSE", "EVRPC_PAUSE"),
];

fn lookup<'a>(table: &'a [(&str, &str)], key: &str) -> Option<&'a str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn const_c_name(rust: &str) -> String {
    for (from, to) in CONST_PREFIXES {
        if let Some(rest) = rust.strip_prefix(from) {
            return format!("{to}{rest}");
        }
    }
    rust.to_string()
}

/// Removes C comments (keeping line structure), so that names in prose are not taken for
/// declarations.
fn strip_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut rest = src;
    loop {
        let block = rest.find("/*");
        let line = rest.find("//");
        match (block, line) {
            (Some(b), l) if l.is_none_or(|l| b < l) => {
                out.push_str(&rest[..b]);
                let end = rest[b + 2..].find("*/").map_or(rest.len(), |e| b + 2 + e + 2);
                out.extend(rest[b..end].chars().filter(|&c| c == '\n'));
                rest = &rest[end..];
            }
            (_, Some(l)) => {
                out.push_str(&rest[..l]);
                rest = &rest[l..];
                rest = &rest[rest.find('\n').unwrap_or(rest.len())..];
            }
            _ => {
                out.push_str(rest);
                return out;
            }
        }
    }
}

fn leading_ident(s: &str) -> &str {
    let s = s.trim_start();
    let n = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..n]
}

/// The object-like macros and enumerators our headers define.
fn header_constants(headers: &[PathBuf]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for h in headers {
        let text = strip_comments(&fs::read_to_string(h).unwrap());
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix('#') {
                if let Some(def) = rest.trim_start().strip_prefix("define") {
                    let name = leading_ident(def);
                    // Function-like macros are not constants.
                    if !def.trim_start()[name.len()..].starts_with('(') {
                        names.insert(name.to_string());
                    }
                }
            }
        }
        // enum [tag] { A = 1, B, ... }: a definition has its brace before any ; ( or ).
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("\n");
        let mut at = 0;
        while let Some(i) = code[at..].find("enum").map(|i| at + i) {
            at = i + 4;
            let word = |j: usize| code.as_bytes().get(j).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
            if (i > 0 && word(i - 1)) || word(i + 4) {
                continue;
            }
            let Some(open) = code[at..].find(['{', ';', '(', ')']).map(|j| at + j) else { break };
            if code.as_bytes()[open] != b'{' {
                continue;
            }
            let close = open + code[open..].find('}').unwrap();
            for item in code[open + 1..close].split(',') {
                let name = leading_ident(item);
                if !name.is_empty() {
                    names.insert(name.to_string());
                }
            }
            at = close;
        }
    }
    names
}

/// A crate root for ctest's expansion: the library's src/lib.rs with each `mod x;` pointed at
/// its file, plus the `libc` crate, which a lone `rustc` finds in the sysroot (rustc_private;
/// ctest already runs this rustc with RUSTC_BOOTSTRAP=1 for -Zunpretty).
fn crate_root(src: &Path, out: &Path) -> PathBuf {
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let mut root = String::from("#![feature(rustc_private)]\n");
    for line in lib.lines() {
        // `mod x;`, `pub mod x;`, `pub(crate) mod x;` (not inline `mod x { .. }`)
        let decl = line.trim().split_once("mod ").filter(|(vis, _)| vis.is_empty() || vis.starts_with("pub"));
        if let Some(name) = decl.and_then(|(_, r)| r.strip_suffix(';')) {
            let name = name.trim();
            let file = [src.join(format!("{name}.rs")), src.join(name).join("mod.rs")]
                .into_iter()
                .find(|p| p.exists())
                .unwrap_or_else(|| panic!("module {name} of src/lib.rs not found"));
            root.push_str(&format!("#[path = {:?}]\n", file.display().to_string()));
        }
        root.push_str(line);
        root.push('\n');
    }
    root.push_str("extern crate libc;\n");
    let path = out.join("levent_root.rs");
    fs::write(&path, root).unwrap();
    path
}

/// The library's crates.io dependencies (other than libc, which comes from the sysroot): their
/// rlibs are this build script's build-dependencies, so they are built before it runs.
const LIB_DEPS: &[&str] = &["bitflags", "parking_lot"];

/// ctest runs `$RUSTC -Zunpretty=expanded` on the crate root alone; point RUSTC at a wrapper
/// that adds `--extern` for the library's dependencies (found beside this script's own build
/// dependencies in target/…/deps), so their macros (bitflags!) and imports resolve.
fn rustc_wrapper(out: &Path) {
    let deps = out.ancestors().nth(3).unwrap().join("deps");
    let mut args = vec![format!("-L dependency={}", deps.display())];
    for name in LIB_DEPS {
        let newest = fs::read_dir(&deps)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                let f = p.file_name().unwrap().to_string_lossy();
                f.starts_with(&format!("lib{name}-")) && f.ends_with(".rlib")
            })
            .max_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok())
            .unwrap_or_else(|| panic!("no lib{name}-*.rlib in {} (is it a build-dependency?)", deps.display()));
        args.push(format!("--extern {name}={}", newest.display()));
    }
    let real = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let script = out.join("rustc-with-deps.sh");
    fs::write(&script, format!("#!/bin/sh\nexec \"{real}\" {} \"$@\"\n", args.join(" "))).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    }
    env::set_var("RUSTC", &script);
}

fn main() {
    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let top = here.parent().unwrap().to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for p in ["src", "event2", "include"] {
        println!("cargo:rerun-if-changed={}", top.join(p).display());
    }
    println!("cargo:rerun-if-changed=levent_ctest.h");

    let mut headers: Vec<PathBuf> = fs::read_dir(top.join("event2"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "h"))
        .collect();
    headers.sort();
    let c_consts = header_constants(&headers);

    let mut cfg = ctest::TestGenerator::new();
    // Our headers, never the system's event2/.
    cfg.include(&top).include(top.join("include")).include(&here);
    // As if the program's first #include were one of ours: event-config.h turns the feature
    // macros on, which decides e.g. whether <netdb.h> has EAI_ADDRFAMILY (EVUTIL_EAI_*). The
    // generated file includes <stdio.h> first, so the define has to come from the command line.
    cfg.define("_GNU_SOURCE", None);
    for h in &headers {
        cfg.header(&format!("event2/{}", h.file_name().unwrap().to_str().unwrap()));
    }
    cfg.header("levent_ctest.h");

    cfg.skip_private(true)
        .skip_fn(|_| true)
        .skip_static(|_| true)
        .skip_alias(|_| true)
        .skip_struct(|s| lookup(TYPES, s.ident()).is_none())
        .skip_union(|u| lookup(TYPES, u.ident()).is_none())
        .skip_const(move |c| !c_consts.contains(&const_c_name(c.ident())))
        .skip_struct_field(|s, f| SKIP_FIELDS.contains(&(s.ident(), f.ident())))
        .skip_struct_field_type(|s, f| SKIP_FIELD_TYPES.contains(&(s.ident(), f.ident())))
        .skip_union_field_type(|u, f| SKIP_FIELD_TYPES.contains(&(u.ident(), f.ident())))
        .rename_constant(|c| Some(const_c_name(c.ident())))
        .rename_struct_field(|s, f| {
            FIELDS.iter().find(|(t, r, _)| *t == s.ident() && *r == f.ident()).map(|(_, _, c)| c.to_string())
        })
        .rename_union_field(|u, f| {
            FIELDS.iter().find(|(t, r, _)| *t == u.ident() && *r == f.ident()).map(|(_, _, c)| c.to_string())
        })
        .rename_struct_ty(|t| lookup(TYPES, t).or_else(|| lookup(POINTEES, t)).map(str::to_string))
        .rename_union_ty(|t| lookup(TYPES, t).map(str::to_string))
        // libc's C structs, by their C names.
        .rename_type(|t| matches!(t, "timeval" | "sockaddr").then(|| format!("struct {t}")));

    rustc_wrapper(&out);
    let root = crate_root(&top.join("src"), &out);
    if let Err(e) = ctest::generate_test(&mut cfg, root, "abi.rs") {
        panic!("ctest: {e}");
    }
}
