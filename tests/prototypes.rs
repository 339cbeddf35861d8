//! Every extern "C" function we export, written out by cbindgen as a C prototype, must
//! compile together with our public headers: C rejects a redeclaration with a different
//! signature, so a Rust export that drifts from event2/*.h is caught here.

use std::process::Command;

#[test]
fn exports_agree_with_headers() {
    let root = env!("CARGO_MANIFEST_DIR");
    let dir = std::env::temp_dir().join(format!("levent-protos-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = cbindgen::Config::from_file(format!("{}/cbindgen.toml", root)).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new().with_crate(root).with_config(cfg).generate().expect("cbindgen parses the crate");
    let hdr = dir.join("exports.h");
    bindings.write_to_file(&hdr);
    // cbindgen leaves `Option<Alias>` for nullable function-pointer aliases; in C that is the
    // alias itself (same ABI: a pointer that may be NULL).
    let text = unwrap_options(&std::fs::read_to_string(&hdr).unwrap());
    // The public headers first; then our exports, which must match them.
    let src = dir.join("check.c");
    std::fs::write(
        &src,
        format!(
            "#include <event.h>\n#include <evhttp.h>\n#include <evdns.h>\n#include <evrpc.h>\n\
             #include <event2/thread.h>\n#include <event2/listener.h>\n#include <event2/bufferevent_ssl.h>\n\
             #include <stdio.h>\n#include <stdint.h>\n#include <stdbool.h>\n\
             struct evutil_weakrand_state;\n{}\n",
            text
        ),
    )
    .unwrap();
    let out = Command::new("cc")
        .args(["-c", "-std=gnu11", "-Werror=incompatible-pointer-types", "-Wno-builtin-declaration-mismatch"])
        .args(["-I", root, "-I", &format!("{}/include", root)])
        .arg(&src)
        .arg("-o")
        .arg(dir.join("check.o"))
        .output()
        .expect("cc runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "exports disagree with headers:\n{}", String::from_utf8_lossy(&out.stderr));
}

fn unwrap_options(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("Option<") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "Option<".len()..];
        let end = after.find('>').expect("closing >");
        out.push_str(&after[..end]);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}
