//! Fuzz the ONNX importer and everything after it (calibration,
//! quantization, lowering, the blob, inspect, saturation, code generation),
//! structure-aware: the input picks a seed model and edits it
//! (`polyact_tools::fuzzing`). Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run onnx_import corpus/onnx_import`.
//! The corpus is replayed by `host-tools/tests/fuzz_corpus.rs` in CI.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| polyact_tools::fuzzing::exercise_onnx(data));
