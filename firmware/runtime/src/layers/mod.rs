//! Layers: one file per layer kind, each implementing [`Layer`] — its
//! parameters as stored in an op record, their validation against the
//! blob's [`Tables`], the integer compute, and (behind the `writer`
//! feature) its `ModelBuilder` method. The op table at the end of this file
//! lists every layer once; [`OpKind`], [`Op`], the decoder, the op names and
//! the interpreter's dispatch are generated from it (`crate::ops`).
//!
//! Adding a layer: a new file here implementing [`Layer`], its `mod` line
//! and its table line below, and its test.

pub mod activation_layer;
pub mod add;
pub mod arena_io;
pub mod concat;
pub mod constant;
pub mod conv;
pub mod dense;
pub mod dense_w16;
pub mod depthwise;
pub mod div;
pub(crate) mod dot;
#[cfg(polyact_dsp)]
mod dsp;
pub mod expand;
pub mod layer_norm;
pub mod matmul;
pub mod minmax;
pub mod mul;
pub mod output_stage;
pub mod pool;
pub mod reduce;
pub mod reshape;
pub mod rmsnorm;
pub mod slice;
pub mod softmax;
pub mod tflite_softmax;
pub mod transpose;
pub mod window;

use crate::activation::Activation;
use crate::error::Error;
use crate::format::{Record, Tables, TensorInfo};

/// How much a decode checks: `Full` at load time (includes the worst-case
/// accumulator scan over all weights), `Light` on every inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Full,
    Light,
}

/// What a layer's decoder sees: the blob's tables and where the record sits.
#[derive(Clone, Copy, Debug)]
pub struct DecodeCtx<'t, 'a> {
    pub tables: &'t Tables<'a>,
    /// Index of the op in the op section (for error messages).
    pub op: usize,
    /// The record's tag (one layer type may serve several, e.g. Conv1D/Conv2D).
    pub kind: OpKind,
    pub check: Check,
}

impl<'a> DecodeCtx<'_, 'a> {
    /// An `InvalidOp` error for this op.
    pub fn bad(&self, reason: &'static str) -> Error {
        Error::InvalidOp { op: self.op, reason }
    }

    /// Whether to re-check what load already proved (accumulator ranges...).
    pub fn full(&self) -> bool {
        self.check == Check::Full
    }

    /// The tensor operand `j` of `rec` refers to.
    pub fn tensor(&self, rec: &Record<'a>, j: usize) -> Result<TensorInfo, Error> {
        self.tables.operand(rec, j)
    }

    /// Params `i` and `i + 1` as the output clamp: non-empty and inside the
    /// output type.
    pub fn clamp(&self, rec: &Record<'a>, i: usize, output: &TensorInfo) -> Result<(i32, i32), Error> {
        let clamp = (rec.param(i), rec.param(i + 1));
        if clamp.0 > clamp.1 || clamp.0 < output.dtype.min() || clamp.1 > output.dtype.max() {
            return Err(self.bad("clamp range outside the output type or empty"));
        }
        Ok(clamp)
    }

    /// The operands `a, b` and output of an elementwise layer of two
    /// same-shape tensors; `what` names the layer in the error.
    pub fn same_shape_operands(&self, rec: &Record<'a>, what: &'static str) -> Result<[TensorInfo; 3], Error> {
        let (a, b, output) = (self.tensor(rec, 0)?, self.tensor(rec, 1)?, self.tensor(rec, 2)?);
        if a.dims != output.dims || b.dims != output.dims || a.rank != output.rank || b.rank != output.rank {
            return Err(self.bad(what));
        }
        Ok([a, b, output])
    }

    /// Require exactly `nt` tensor operands and `np` params.
    pub fn expect_counts(&self, rec: &Record<'a>, nt: usize, np: usize) -> Result<(), Error> {
        rec.expect_counts(nt, np).map_err(|reason| self.bad(reason))
    }
}

/// One layer kind: decoded from its record, run on the planned arena.
pub trait Layer<'a>: Sized + Copy + core::fmt::Debug {
    /// Decode and validate a record of this layer (`cx.kind` says which tag).
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error>;

    /// Run on the arena, reading and writing the tensors at their planned
    /// offsets (see [`arena_io`]).
    fn run(&self, arena: &mut [u8]) -> Result<(), Error>;

    /// Multiply-accumulates per inference (weighted layers).
    fn macs(&self) -> usize {
        0
    }

    /// Bytes of weights, biases, gains and requantization constants.
    fn constant_bytes(&self) -> usize {
        0
    }

    /// The activation kernel the layer applies (standalone or fused), with
    /// its index in the kernel section.
    fn activation(&self) -> Option<(usize, Activation<'a>)> {
        None
    }
}

// The op table: record tag, kind, name, layer type, whether its output may
// overwrite its input in place. Tags are the blob format: never reuse one.
crate::op_table! { 'a;
    1  => Dense           "dense"            dense::Dense<'a>,                       in_place: false;
    2  => Conv1D          "conv1d"           conv::Conv<'a>,                         in_place: false;
    3  => Conv2D          "conv2d"           conv::Conv<'a>,                         in_place: false;
    4  => DepthwiseConv2D "depthwise_conv2d" depthwise::Depthwise<'a>,               in_place: false;
    5  => MaxPool         "max_pool"         pool::Pool,                             in_place: false;
    6  => AvgPool         "avg_pool"         pool::Pool,                             in_place: false;
    7  => Add             "add"              add::Add,                               in_place: false;
    8  => Reshape         "reshape"          reshape::Reshape,                       in_place: true;
    9  => Concat          "concat"           concat::Concat,                         in_place: false;
    10 => Softmax         "softmax"          softmax::Softmax,                       in_place: false;
    11 => RmsNorm         "rms_norm"         rmsnorm::RmsNorm<'a>,                   in_place: false;
    12 => Activation      "activation"       activation_layer::ActivationLayer<'a>,  in_place: true;
    13 => Mul             "mul"              mul::Mul,                               in_place: false;
    14 => Transpose       "transpose"        transpose::Transpose,                   in_place: false;
    15 => MatMul          "matmul"           matmul::MatMul,                         in_place: false;
    16 => Sub             "sub"              add::Add,                               in_place: false;
    17 => Minimum         "minimum"          minmax::MinMax,                         in_place: false;
    18 => Maximum         "maximum"          minmax::MinMax,                         in_place: false;
    19 => Constant        "constant"         constant::Constant<'a>,                 in_place: false;
    20 => LayerNorm       "layer_norm"       layer_norm::LayerNorm<'a>,              in_place: false;
    21 => ReduceSum       "reduce_sum"       reduce::Reduce,                         in_place: false;
    22 => ReduceMean      "reduce_mean"      reduce::Reduce,                         in_place: false;
    23 => ReduceMax       "reduce_max"       reduce::Reduce,                         in_place: false;
    24 => Div             "div"              div::Div,                               in_place: false;
    25 => Slice           "slice"            slice::Slice,                           in_place: false;
    26 => ReduceMin       "reduce_min"       reduce::Reduce,                         in_place: false;
    27 => DenseW16        "dense_w16"        dense_w16::DenseW16<'a>,                in_place: false;
    28 => Expand          "expand"           expand::Expand,                         in_place: false;
    29 => TfliteSoftmax   "tflite_softmax"   tflite_softmax::TfliteSoftmax,          in_place: false;
}
