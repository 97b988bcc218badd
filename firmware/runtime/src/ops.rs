//! Operator records: tags, and decoding a record into a typed, validated layer.
//!
//! Every op record lists its tensors as `inputs..., output`.

use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::kernels::add::Add;
use crate::kernels::concat::Concat;
use crate::kernels::conv::{Conv, Depthwise};
use crate::kernels::dense::Dense;
use crate::kernels::pool::{Pool, PoolKind};
use crate::kernels::rmsnorm::RmsNorm;
use crate::kernels::softmax::Softmax;
use crate::kernels::Activation;
use crate::model::Model;

/// Record tags of operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum OpKind {
    Dense = 1,
    Conv1D = 2,
    Conv2D = 3,
    DepthwiseConv2D = 4,
    MaxPool = 5,
    AvgPool = 6,
    Add = 7,
    Reshape = 8,
    Concat = 9,
    Softmax = 10,
    RmsNorm = 11,
    Activation = 12,
}

impl OpKind {
    /// Decode a record tag.
    pub fn from_tag(tag: u8) -> Result<OpKind, Error> {
        use OpKind::*;
        Ok(match tag {
            1 => Dense,
            2 => Conv1D,
            3 => Conv2D,
            4 => DepthwiseConv2D,
            5 => MaxPool,
            6 => AvgPool,
            7 => Add,
            8 => Reshape,
            9 => Concat,
            10 => Softmax,
            11 => RmsNorm,
            12 => Activation,
            _ => return Err(Error::BadTag { what: "operator", value: tag as i64 }),
        })
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        use OpKind::*;
        match self {
            Dense => "dense",
            Conv1D => "conv1d",
            Conv2D => "conv2d",
            DepthwiseConv2D => "depthwise_conv2d",
            MaxPool => "max_pool",
            AvgPool => "avg_pool",
            Add => "add",
            Reshape => "reshape",
            Concat => "concat",
            Softmax => "softmax",
            RmsNorm => "rms_norm",
            Activation => "activation",
        }
    }

    /// Ops that may write their output over their (dying) input in place.
    pub fn may_alias(self) -> bool {
        matches!(self, OpKind::Reshape | OpKind::Activation)
    }
}

/// How much a decode checks: `Full` at load time (includes the worst-case
/// accumulator scan over all weights), `Light` on every inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Full,
    Light,
}

/// A decoded operator.
#[derive(Clone, Copy, Debug)]
pub enum Op<'a> {
    Dense(Dense<'a>),
    Conv(OpKind, Conv<'a>),
    Depthwise(Depthwise<'a>),
    Pool(Pool),
    Add(Add),
    Reshape { input: TensorInfo, output: TensorInfo },
    Concat(Concat),
    Softmax(Softmax),
    RmsNorm(RmsNorm<'a>),
    Activation { input: TensorInfo, output: TensorInfo, kernel_index: usize, kernel: Activation<'a> },
}

impl<'a> Op<'a> {
    /// Decode op record `index` and validate it against the model's tables.
    pub fn decode(rec: &Record<'a>, index: usize, model: &Model<'a>, check: Check) -> Result<Op<'a>, Error> {
        let kind = OpKind::from_tag(rec.tag)?;
        let bad = |reason| Error::InvalidOp { op: index, reason };
        for i in 0..rec.n_tensors() {
            model.tensor(rec.tensor(i))?;
        }
        let full = check == Check::Full;
        Ok(match kind {
            OpKind::Dense => Op::Dense(Dense::decode(rec, index, model, full)?),
            OpKind::Conv1D | OpKind::Conv2D => {
                Op::Conv(kind, Conv::decode(rec, index, model, kind == OpKind::Conv1D, full)?)
            }
            OpKind::DepthwiseConv2D => Op::Depthwise(Depthwise::decode(rec, index, model, full)?),
            OpKind::MaxPool => Op::Pool(Pool::decode(rec, index, model, PoolKind::Max)?),
            OpKind::AvgPool => Op::Pool(Pool::decode(rec, index, model, PoolKind::Avg)?),
            OpKind::Add => Op::Add(Add::decode(rec, index, model)?),
            OpKind::Concat => Op::Concat(Concat::decode(rec, index, model)?),
            OpKind::Softmax => Op::Softmax(Softmax::decode(rec, index, model)?),
            OpKind::RmsNorm => Op::RmsNorm(RmsNorm::decode(rec, index, model)?),
            OpKind::Reshape => {
                rec.expect_counts(2, 0).map_err(bad)?;
                let input = model.tensor(rec.tensor(0))?;
                let output = model.tensor(rec.tensor(1))?;
                if input.dtype != output.dtype || input.quant != output.quant || input.len() != output.len() {
                    return Err(bad("reshape must keep element count, type and quantization"));
                }
                Op::Reshape { input, output }
            }
            OpKind::Activation => {
                rec.expect_counts(2, 1).map_err(bad)?;
                let input = model.tensor(rec.tensor(0))?;
                let output = model.tensor(rec.tensor(1))?;
                let k = rec.param(0);
                if k < 0 {
                    return Err(Error::BadField { what: "activation kernel index", value: k as i64 });
                }
                let kernel = model.kernel(k as usize)?;
                if input.len() != output.len() || input.dims != output.dims {
                    return Err(bad("activation input and output must have the same shape"));
                }
                if kernel.io.in_dtype != input.dtype || kernel.io.in_zp != input.quant.zero_point {
                    return Err(bad("kernel input type or zero point differs from the input tensor"));
                }
                if kernel.io.out_dtype != output.dtype || kernel.io.out_zp != output.quant.zero_point {
                    return Err(bad("kernel output type or zero point differs from the output tensor"));
                }
                if !kernel.fits_channels(output.channels()) {
                    return Err(bad("kernel channel sets do not match the tensor's channels"));
                }
                Op::Activation { input, output, kernel_index: k as usize, kernel }
            }
        })
    }

    /// The operator's kind.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::Dense(_) => OpKind::Dense,
            Op::Conv(k, _) => *k,
            Op::Depthwise(_) => OpKind::DepthwiseConv2D,
            Op::Pool(p) => match p.kind {
                PoolKind::Max => OpKind::MaxPool,
                PoolKind::Avg => OpKind::AvgPool,
            },
            Op::Add(_) => OpKind::Add,
            Op::Reshape { .. } => OpKind::Reshape,
            Op::Concat(_) => OpKind::Concat,
            Op::Softmax(_) => OpKind::Softmax,
            Op::RmsNorm(_) => OpKind::RmsNorm,
            Op::Activation { .. } => OpKind::Activation,
        }
    }

    /// Multiply-accumulates per inference (weighted layers; 0 otherwise).
    pub fn macs(&self) -> usize {
        match self {
            Op::Dense(d) => d.macs(),
            Op::Conv(_, c) => c.macs(),
            Op::Depthwise(d) => d.macs(),
            _ => 0,
        }
    }

    /// Bytes of weights, biases and requantization constants.
    pub fn weight_bytes(&self) -> usize {
        match self {
            Op::Dense(d) => d.w.constant_bytes(),
            Op::Conv(_, c) => c.w.constant_bytes(),
            Op::Depthwise(d) => d.w.constant_bytes(),
            Op::RmsNorm(r) => r.input.channels(),
            _ => 0,
        }
    }

    /// The activation kernel this op applies (standalone or fused), with its index.
    pub fn activation(&self) -> Option<(usize, Activation<'a>)> {
        match self {
            Op::Activation { kernel_index, kernel, .. } => Some((*kernel_index, *kernel)),
            Op::Dense(d) => d.w.stage.kernel,
            Op::Conv(_, c) => c.w.stage.kernel,
            Op::Depthwise(d) => d.w.stage.kernel,
            _ => None,
        }
    }
}
