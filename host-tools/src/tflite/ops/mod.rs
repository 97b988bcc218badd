//! The TFLite operator table: every builtin operator the importer maps onto
//! polyact layers, listed once in the `OPS` table of its family's file,
//! with whether polyact's result is TFLite's bit for bit.

pub mod activation;
pub mod conv;
pub mod elementwise;
pub mod fully_connected;
pub mod pool;
pub mod quantize;
pub mod shape;
pub mod softmax;

use super::graph::Graph;
use super::schema::Operator;
use anyhow::{bail, Result};
use polyact::writer::requant_params;
use polyact::{DType, Quant};

/// Whether polyact's integer result equals TFLite's reference kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// The same integer semantics (checked against TFLite's interpreter in
    /// `host-tools/tests/tflite_import.rs`).
    BitExact,
    /// polyact's own rounding (correctly rounded tables, its requantized
    /// add): a result may differ from TFLite's by rounding.
    Rounding(&'static str),
}

/// How one builtin operator is imported.
pub struct OpImport {
    pub code: i32,
    pub name: &'static str,
    pub run: fn(&mut Graph, &Operator) -> Result<()>,
    pub agreement: Agreement,
}

const FAMILIES: &[&[OpImport]] = &[
    fully_connected::OPS,
    conv::OPS,
    pool::OPS,
    softmax::OPS,
    shape::OPS,
    activation::OPS,
    elementwise::OPS,
    quantize::OPS,
];

/// Every operator the importer knows.
pub fn table() -> impl Iterator<Item = &'static OpImport> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The importer of builtin code `code`.
pub fn lookup(code: i32) -> Option<&'static OpImport> {
    table().find(|o| o.code == code)
}

/// The operators imported, for error messages.
pub fn supported() -> String {
    table().map(|o| o.name).collect::<Vec<_>>().join(", ")
}

/// TFLite `ActivationFunctionType` codes.
const ACT_NONE: i8 = 0;
const ACT_RELU: i8 = 1;
const ACT_RELU_N1_TO_1: i8 = 2;
const ACT_RELU6: i8 = 3;

/// TFLite's `CalculateActivationRangeQuantized`: the output clamp of a
/// fused activation (`zero_point + round(f / scale)` in float, limited to
/// the type).
pub fn fused_clamp(g: &Graph, act: i8, out: (DType, Quant)) -> Result<Option<(i32, i32)>> {
    let (dt, q) = out;
    let level = |f: f32| q.zero_point + (f / q.scale).round() as i32;
    let (lo, hi) = match act {
        ACT_NONE => return Ok(None),
        ACT_RELU => (level(0.0), dt.max()),
        ACT_RELU6 => (level(0.0), level(6.0)),
        ACT_RELU_N1_TO_1 => (level(-1.0), level(1.0)),
        a => bail!(
            "operator {}: fused activation {a} (TANH / SIGN_BIT) is not supported; only NONE, RELU, RELU_N1_TO_1, RELU6",
            g.op_index
        ),
    };
    Ok(Some((lo.max(dt.min()), hi.min(dt.max()))))
}

/// `(multiplier, shift)` of a real rescale factor, or a clear error.
pub fn rescale(g: &Graph, real: f64) -> Result<(i32, i32)> {
    match requant_params(real) {
        Some(p) => Ok(p),
        None => bail!("operator {}: rescale factor {real:e} is not representable as multiplier and shift", g.op_index),
    }
}

/// TFLite's `Padding`: SAME = 0, VALID = 1.
pub const PADDING_SAME: i8 = 0;
pub const PADDING_VALID: i8 = 1;

/// TFLite's output size and `(before, after)` padding of one spatial axis
/// (`ComputeOutSize`, `ComputePaddingWithOffset`: SAME puts the odd pixel
/// after).
pub fn pad_axis(
    g: &Graph,
    padding: i8,
    input: usize,
    k: usize,
    stride: usize,
    dil: usize,
) -> Result<(usize, [usize; 2])> {
    if k == 0 || stride == 0 || dil == 0 {
        bail!("operator {}: window {k}, stride {stride} and dilation {dil} must be positive", g.op_index);
    }
    let eff = (k - 1) * dil + 1;
    let out = match padding {
        PADDING_SAME => input.div_ceil(stride),
        PADDING_VALID if input >= eff => (input - eff) / stride + 1,
        PADDING_VALID => {
            bail!("operator {}: window {eff} is larger than the input {input} (VALID padding)", g.op_index)
        }
        p => bail!("operator {}: padding {p} is neither SAME nor VALID", g.op_index),
    };
    let total = ((out - 1) * stride + eff).saturating_sub(input);
    Ok((out, [total / 2, total - total / 2]))
}

/// A strictly positive `i32` option as `usize`.
pub fn positive(g: &Graph, what: &str, v: i32) -> Result<usize> {
    match usize::try_from(v) {
        Ok(v) if v > 0 => Ok(v),
        _ => bail!("operator {}: {what} {v} must be positive", g.op_index),
    }
}
