//! The C half of the rpcgen_unmarshal target: shop.gen.c (what our generator writes for
//! tests-c/rpc/gen/shop.rpc) and its harness tests-c/rpc/gen/fuzz_shop.c, compiled with gcc's
//! SanitizerCoverage hooks (basic blocks through c/trace_pc.c, comparisons straight to
//! libFuzzer), against the repository's own headers. The evtag and evbuffer functions they
//! call are the levent crate's C entry points, linked from its rlib.
fn main() {
    let gen = "../tests-c/rpc/gen";
    for f in ["shop.gen.c", "shop.gen.h", "fuzz_shop.c"] {
        println!("cargo:rerun-if-changed={gen}/{f}");
    }
    println!("cargo:rerun-if-changed=c/trace_pc.c");
    cc::Build::new()
        .file(format!("{gen}/shop.gen.c"))
        .file(format!("{gen}/fuzz_shop.c"))
        .include("..")
        .include(gen)
        .flag("-fsanitize-coverage=trace-pc,trace-cmp")
        .warnings(false)
        .opt_level(1)
        .compile("shopfuzz");
    // libFuzzer defines __sanitizer_cov_trace_pc itself (to say the hook is deprecated and
    // stop), so the calls gcc planted are renamed to the hook in c/trace_pc.c.
    let lib = format!("{}/libshopfuzz.a", std::env::var("OUT_DIR").unwrap());
    let ok = std::process::Command::new("objcopy")
        .args(["--redefine-sym", "__sanitizer_cov_trace_pc=levent_fuzz_trace_pc", &lib])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "objcopy --redefine-sym on {lib} failed (binutils is needed)");
    cc::Build::new().file("c/trace_pc.c").opt_level(2).compile("tracepc");
}
