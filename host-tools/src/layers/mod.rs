//! The float graph's layers, one file per kind, mirroring the runtime's
//! `layers/`: each says what it computes in f64 (the ONNX semantics, for
//! calibration and the importer's checks) and how it is written into a
//! blob with the runtime's writer. [`Op`] and its dispatch are generated
//! from the one table below, so a new layer is its file plus one line here.

pub mod activation;
pub mod add;
pub mod concat;
pub mod constant;
pub mod conv;
pub mod dense;
pub mod div;
pub mod layer_norm;
pub mod matmul;
pub mod minmax;
pub mod mul;
pub mod pool;
pub mod reduce;
pub mod reshape;
pub mod rms_norm;
pub mod softmax;
pub mod transpose;

use crate::ir::{Graph, Node};
use crate::lower::LowerOpts;
use crate::quantize::Calibration;
use crate::report::LayerReport;
use anyhow::Result;
use polyact::writer::{ModelBuilder, TensorId};
use polyact::{DType, Quant};

/// Everything a layer needs to write itself into the blob.
pub struct WriteCtx<'q> {
    pub g: &'q Graph,
    pub b: &'q mut ModelBuilder,
    /// Blob tensor of each graph tensor.
    pub ids: &'q [TensorId],
    /// Quantization of each graph tensor.
    pub quants: &'q [Quant],
    pub cal: &'q Calibration,
    pub act: DType,
    pub lower: &'q LowerOpts,
    pub progress: &'q mut dyn FnMut(&str),
    /// What the report says about this layer.
    pub report: &'q mut LayerReport,
    /// The activation node fused into this (weighted) layer, if any.
    pub fused: Option<&'q Node>,
}

/// One layer kind of the float graph.
pub trait FloatLayer {
    /// The runtime op name it becomes.
    fn name(&self) -> &'static str;

    /// The output in f64 from the inputs (channels-last, batch dropped).
    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64>;

    /// The output quantization when the layer fixes it (a reshape keeps its
    /// input's, a softmax has a fixed scale); `None`: from calibration.
    fn output_quant(&self, _input: Quant, _act: DType) -> Option<Quant> {
        None
    }

    /// Multiply-accumulates (weighted layers).
    fn macs(&self, _in_dims: &[&[usize]], _out_dims: &[usize]) -> usize {
        0
    }

    /// Whether an activation right after it can run in its output stage.
    fn fuses_activation(&self) -> bool {
        false
    }

    /// Write `node` (this layer) with the runtime's writer.
    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()>;
}

/// Generates [`Op`] (one variant per layer) and its dispatch to [`FloatLayer`].
macro_rules! float_layers {
    ($($variant:ident($ty:ty),)*) => {
        /// A layer of the float graph.
        #[derive(Clone, Debug)]
        pub enum Op {
            $($variant($ty),)*
        }

        impl Op {
            /// The layer behind the variant.
            pub fn layer(&self) -> &dyn FloatLayer {
                match self {
                    $(Op::$variant(l) => l,)*
                }
            }

            /// The runtime op name it becomes.
            pub fn name(&self) -> &'static str {
                self.layer().name()
            }
        }
    };
}

float_layers! {
    Dense(dense::Dense),
    Conv(conv::Conv),
    Pool(pool::Pool),
    Add(add::Add),
    Concat(concat::Concat),
    Reshape(reshape::Reshape),
    Softmax(softmax::Softmax),
    RmsNorm(rms_norm::RmsNorm),
    Act(activation::Act),
    Mul(mul::Mul),
    Transpose(transpose::Transpose),
    MatMul(matmul::MatMul),
    MinMax(minmax::MinMax),
    Constant(constant::Constant),
    LayerNorm(layer_norm::LayerNorm),
    Reduce(reduce::Reduce),
    Div(div::Div),
}

/// `[H, W, C]` of channels-last dims (1-D: `[1, W, C]`).
pub fn hwc(d: &[usize]) -> [usize; 3] {
    match d.len() {
        0 => [1, 1, 1],
        1 => [1, 1, d[0]],
        2 => [1, d[0], d[1]],
        _ => [d[0], d[1], d[2]],
    }
}

/// Input position of window tap `k` for output `o`, if inside the input.
pub fn tap(o: usize, k: usize, stride: usize, dil: usize, pad: usize, n: usize) -> Option<usize> {
    let p = (o * stride + k * dil) as isize - pad as isize;
    (p >= 0 && (p as usize) < n).then_some(p as usize)
}

/// The innermost (channel) extent of dims.
pub fn channels(d: &[usize]) -> usize {
    *d.last().unwrap_or(&1)
}
