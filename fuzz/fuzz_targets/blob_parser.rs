//! Fuzz the blob validator and interpreter: any bytes must give `Ok` or `Err`,
//! never a panic. Run: `cargo fuzz run blob_parser` (from `fuzz/`, nightly or
//! RUSTC_BOOTSTRAP=1). The seed corpus is replayed by `tests/blob.rs` in CI.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut arena = [0u8; 1 << 16];
    let _ = polyact::exercise_blob(data, &mut arena);
});
