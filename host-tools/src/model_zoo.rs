//! The example models in `models/`: each directory holds `model.onnx`,
//! `calib.npy`, `test_x.npy`, `test_y.npy`, `float_out.npy` and `meta.json`.
//! One function takes a model through the whole flow (import, calibrate,
//! quantize, run in the runtime, compare with the float model); the tests and
//! the README table generator both use it.

use crate::ir::Graph;
use crate::lower::LowerOpts;
use crate::quantize::{calibrate, quantize, QuantOpts, Quantized, RangeMode};
use crate::{data, eval, float_eval, onnx};
use anyhow::{bail, Context, Result};
use polyact::DType;
use std::path::Path;

/// What `meta.json` says about a model.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Meta {
    pub data: String,
    pub activations: String,
    pub task: String,
    pub metric: String,
    pub float_metric: f64,
    pub parameters: usize,
    pub exporter: String,
    #[serde(default)]
    pub baseline: Option<serde_json::Value>,
    /// Dense weight width the model is quantized with (`--weight-bits`;
    /// default 8).
    #[serde(default)]
    pub weight_bits: Option<u32>,
}

/// A model taken through quantization and evaluation at one activation width.
#[derive(Clone, Debug)]
pub struct ZooResult {
    pub meta: Meta,
    pub comparison: eval::Comparison,
    pub blob_bytes: usize,
    pub weight_bytes: usize,
    pub arena_bytes: usize,
    /// Largest certified activation error over the model's kernels (LSB).
    pub max_activation_err: Option<f64>,
    /// Largest |importer float graph − PyTorch| over the stored float outputs.
    pub importer_vs_torch: f64,
}

/// The digits MLPs, one per activation family (same data, same layer sizes).
pub const DIGITS_MODELS: [&str; 7] = [
    "digits_polyrelu",
    "digits_pau",
    "digits_helu",
    "digits_hermite",
    "digits_gelu",
    "digits_polynorm",
    "digits_custom",
];

/// Issue 12's multiplicative and attention networks on digits: the tiny
/// transformers (softmax with PolyReLU or PolyNorm, Power-Softmax), SwiGLU and
/// MONet (`models/multiplicative.py`).
pub const MULTIPLICATIVE_MODELS: [&str; 5] = [
    "digits_transformer_polyrelu",
    "digits_transformer_polynorm",
    "digits_transformer_powersoftmax",
    "digits_swiglu",
    "digits_monet",
];

/// Issue 13's networks (`models/activation_nets.py`), each imported from
/// PyTorch's own input layout: MobileNetV3-style MNIST (NCHW, BatchNorm,
/// HardSwish, residual adds), version-B rational and xATLU MLPs on digits,
/// the Conv1D BasicMotions network on its NCW input, a SIREN fitting an
/// image (16-bit Dense weights), a KAN (efficient-kan style: SiLU base plus
/// cubic B-splines, the basis imported as per-channel kernels) and a FastKAN
/// (Gaussian radial basis).
pub const ACTIVATION_NETS: [&str; 7] = [
    "digits_pau_version_b",
    "digits_xatlu",
    "mnist_mobilenetv3",
    "motion_conv1d_ncw",
    "siren_image",
    "digits_kan",
    "digits_fastkan",
];

pub fn read_meta(dir: &Path) -> Result<Meta> {
    let p = dir.join("meta.json");
    let s = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    serde_json::from_str(&s).with_context(|| format!("{}: not a model description", p.display()))
}

/// Import, calibrate on `calib.npy` (min/max) and quantize at `act` with
/// the default lowering: the model in `dir` as `polyact quantize` makes it.
pub fn quantize_example(dir: &Path, act: DType) -> Result<(Graph, Quantized)> {
    quantize_file(dir, MODEL_FILE, act)
}

/// The model file of every example directory.
pub const MODEL_FILE: &str = "model.onnx";

/// The same weights written by the other PyTorch exporter, where a
/// directory has them (`models/common.py`, `both=True`).
pub const OTHER_EXPORTER_FILES: [&str; 2] = ["model.dynamo.onnx", "model.torchscript.onnx"];

/// [`quantize_example`] of the ONNX file `file` of `dir`.
pub fn quantize_file(dir: &Path, file: &str, act: DType) -> Result<(Graph, Quantized)> {
    quantize_file_with(dir, file, act, LowerOpts::default())
}

/// [`quantize_file`] with the lowering options `lower` (e.g.
/// [`LowerOpts::two_dsp_cores`], as `polyact quantize --fpga-cores`).
pub fn quantize_file_with(dir: &Path, file: &str, act: DType, lower: LowerOpts) -> Result<(Graph, Quantized)> {
    let g = onnx::import(&dir.join(file))?;
    let calib = data::read_samples(&dir.join("calib.npy"), g.tensors[g.input].len())?;
    let cal = calibrate(&g, &calib, RangeMode::MinMax, || {})?;
    let bits = read_meta(dir)?.weight_bits.unwrap_or(8);
    let q = quantize(&g, &cal, &QuantOpts { dense_weight_bits: bits, lower, ..QuantOpts::new(act) }, |_| {})?;
    Ok((g, q))
}

/// Quantize (as [`quantize_example`]) and evaluate the model in `dir`.
pub fn evaluate(dir: &Path, act: DType) -> Result<ZooResult> {
    evaluate_file(dir, MODEL_FILE, act)
}

/// [`evaluate`] of the ONNX file `file` of `dir` (another exporter's copy of
/// the same weights, compared with the same stored PyTorch outputs).
pub fn evaluate_file(dir: &Path, file: &str, act: DType) -> Result<ZooResult> {
    let meta = read_meta(dir)?;
    let onnx = dir.join(file);
    let (g, q) = quantize_file(dir, file, act)?;
    let (n_in, n_out) = (g.tensors[g.input].len(), g.tensors[g.output].len());
    let test_x = data::read_samples(&dir.join("test_x.npy"), n_in)?;
    let torch_out = data::read_samples(&dir.join("float_out.npy"), n_out)?;
    let mut importer_vs_torch = 0f64;
    for (x, want) in test_x.iter().zip(&torch_out) {
        let got = &float_eval::eval(&g, x)?[g.output];
        for (a, b) in got.iter().zip(want) {
            importer_vs_torch = importer_vs_torch.max((a - *b as f64).abs());
        }
    }
    let fl = eval::float_outputs(&onnx, &g.tensors[g.input].dims, &test_x, || {})?;
    let qu = eval::quantized_outputs(&q.blob, &test_x, || {})?;
    let (labels, targets) = match meta.task.as_str() {
        "regression" => (None, Some(data::read_samples(&dir.join("test_y.npy"), n_out)?)),
        "classification" => (Some(data::read_labels(&dir.join("test_y.npy"))?), None),
        t => bail!("{}: unknown task '{t}'", dir.display()),
    };
    let comparison = eval::compare(&fl, &qu, labels.as_deref(), targets.as_deref())?;
    let max_activation_err = q.report.layers.iter().filter_map(|l| l.activation.as_ref()?.max_err_lsb).reduce(f64::max);
    Ok(ZooResult {
        meta,
        comparison,
        blob_bytes: q.blob.len(),
        weight_bytes: q.report.layers.iter().map(|l| l.weight_bytes).sum(),
        arena_bytes: q.report.arena_bytes,
        max_activation_err,
        importer_vs_torch,
    })
}

/// The metric a model reports: accuracy, or MSE against its targets.
pub fn metric(r: &ZooResult, quantized: bool) -> f64 {
    let c = &r.comparison;
    match (quantized, r.meta.task.as_str()) {
        (false, "regression") => c.float_mse_vs_labels.unwrap_or(f64::NAN),
        (true, "regression") => c.quant_mse_vs_labels.unwrap_or(f64::NAN),
        (false, _) => c.float_accuracy.unwrap_or(f64::NAN),
        (true, _) => c.quant_accuracy.unwrap_or(f64::NAN),
    }
}
