//! Compiles the small C files in src/c/: the C-variadic entry points (printf-style functions
//! such as evbuffer_add_printf, evutil_snprintf, the internal log functions) that stable Rust
//! cannot define. Each does only the va_list part and calls into Rust.

fn main() {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir("src/c")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "c")).collect())
        .unwrap_or_default();
    files.sort();
    println!("cargo:rerun-if-changed=src/c");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    if files.is_empty() {
        return;
    }
    cc::Build::new()
        .files(&files)
        .include("event2/..")
        .flag_if_supported("-fvisibility=default")
        .warnings(true)
        .extra_warnings(true)
        .compile("levent_c");
}
