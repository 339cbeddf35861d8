//! Arbitrary bytes into the unmarshal functions our generator wrote for
//! tests-c/rpc/gen/shop.rpc: the harness is C (tests-c/rpc/gen/fuzz_shop.c, compiled in by
//! fuzz/build.rs), aborting on any broken rule; check_rpcgen.sh replays
//! fuzz/corpus/rpcgen_unmarshal through the same harness under AddressSanitizer.
#![no_main]

// The generated code calls evbuffer_* and evtag_*: the library's C entry points.
extern crate levent;

use libfuzzer_sys::fuzz_target;

extern "C" {
    fn shop_fuzz_one(data: *const u8, size: usize) -> libc::c_int;
}

fuzz_target!(|data: &[u8]| {
    // SAFETY: the harness reads exactly `size` bytes from `data`, a live slice.
    unsafe {
        shop_fuzz_one(data.as_ptr(), data.len());
    }
});
