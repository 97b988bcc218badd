//! Fuzz the `.npy` reader: any bytes give samples, labels or an error, and
//! never an allocation the file does not hold. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run npy_reader corpus/npy_reader`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| polyact_tools::fuzzing::exercise_npy(data));
