//! The float graph's layers. Most are the runtime's own float layers
//! ([`polyact::writer::FloatLayer`], defined in each runtime layer file beside
//! its integer kernel), held as [`Op::Layer`]; the three here need the host's
//! quantization machinery — per-channel weight quantization and bias
//! correction (Dense, Conv) and activation lowering with certification (Act)
//! — and are the variants passes rewrite.

pub mod activation;
pub mod conv;
pub mod dense;

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
    /// 8 or 16 (see `QuantOpts::dense_weight_bits`).
    pub dense_weight_bits: u32,
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
    Act(activation::Act),
    Layer(RuntimeLayer),
}

/// A runtime float layer (everything but Dense, Conv and Act).
#[derive(Clone, Debug)]
pub struct RuntimeLayer(pub Box<dyn polyact::writer::FloatLayer>);

impl Op {
    /// A runtime float layer as a graph op.
    pub fn layer_of(l: impl polyact::writer::FloatLayer + 'static) -> Op {
        Op::Layer(RuntimeLayer(Box::new(l)))
    }
}

impl FloatLayer for RuntimeLayer {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        self.0.eval(inputs, in_dims, out_dims)
    }
    fn output_quant(&self, input: Quant, act: DType) -> Option<Quant> {
        self.0.output_quant(input, act)
    }
    fn macs(&self, in_dims: &[&[usize]], out_dims: &[usize]) -> usize {
        self.0.macs(in_dims, out_dims)
    }
    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let inputs: Vec<TensorId> = node.inputs.iter().map(|&t| cx.ids[t]).collect();
        cx.report.weight_bytes = self.0.write(cx.b, &inputs, cx.ids[node.output]);
        Ok(())
    }
}

pub use polyact::writer::float::{channels, hwc, tap};
