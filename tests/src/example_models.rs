//! The example models of `models/`, quantized as the CLI does, and the real
//! inputs every target is run on.

use polyact::DType;
use polyact_tools::{data, model_zoo};
use std::path::{Path, PathBuf};

/// Inputs per differential run.
pub const N: usize = 1000;

/// `models/<name>`.
pub fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models").join(name)
}

/// The example `name` quantized with `act` activations, and `N` real test
/// inputs: the test set, cycled with a deterministic perturbation so repeats
/// are not identical.
pub fn quantized(name: &str, act: DType) -> (Vec<u8>, Vec<Vec<f32>>) {
    let d = dir(name);
    let (g, q) = model_zoo::quantize_example(&d, act).unwrap();
    let n_in = g.tensors[g.input].len();
    let test = data::read_samples(&d.join("test_x.npy"), n_in).unwrap();
    let inputs = (0..N)
        .map(|i| {
            test[i % test.len()]
                .iter()
                .enumerate()
                .map(|(k, &v)| v * (1.0 + 0.02 * (((i / test.len()) * 31 + k) % 7) as f32 - 0.06))
                .collect()
        })
        .collect();
    (q.blob, inputs)
}
