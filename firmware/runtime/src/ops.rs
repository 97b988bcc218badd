//! The op table: every layer the runtime knows, listed once. The record tag,
//! the [`OpKind`] and [`Op`] enums, decoding, names and the interpreter's
//! dispatch are all generated from it, so adding a layer is one line here
//! plus its file under [`crate::layers`].
//!
//! Every op record lists its tensors as `inputs..., output`.

use crate::activation::Activation;
use crate::error::Error;
use crate::format::{Record, Tables};
pub use crate::layers::Check;
use crate::layers::{self, DecodeCtx, Layer};

/// Generates `OpKind`, `Op` and the dispatch from one table of
/// `tag => Kind "name" LayerType, in_place`; `in_place` marks ops that may
/// write their output over their (dying) input.
macro_rules! op_table {
    ($lt:lifetime; $($tag:literal => $kind:ident $name:literal $ty:ty, in_place: $alias:literal;)*) => {
        /// Record tags of operators.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub enum OpKind {
            $($kind = $tag,)*
        }

        impl OpKind {
            /// Every op kind, in tag order.
            pub const ALL: &'static [OpKind] = &[$(OpKind::$kind,)*];

            /// Decode a record tag.
            pub fn from_tag(tag: u8) -> Result<OpKind, Error> {
                match tag {
                    $($tag => Ok(OpKind::$kind),)*
                    _ => Err(Error::BadTag { what: "operator", value: tag as i64 }),
                }
            }

            /// Human-readable name.
            pub fn name(self) -> &'static str {
                match self {
                    $(OpKind::$kind => $name,)*
                }
            }

            /// The Rust path of the layer type (`polyact::layers::...`), for
            /// code generated to call it directly.
            pub fn layer_type(self) -> &'static str {
                match self {
                    $(OpKind::$kind => concat!("polyact::", stringify!($ty)),)*
                }
            }

            /// Ops that may write their output over their (dying) input in place.
            pub fn may_alias(self) -> bool {
                match self {
                    $(OpKind::$kind => $alias,)*
                }
            }
        }

        /// A decoded operator.
        #[derive(Clone, Copy, Debug)]
        pub enum Op<$lt> {
            $($kind($ty),)*
        }

        impl<$lt> Op<$lt> {
            /// Decode op record `index` and validate it against the tables.
            pub fn decode(rec: &Record<$lt>, index: usize, tables: &Tables<$lt>, check: Check) -> Result<Op<$lt>, Error> {
                let kind = OpKind::from_tag(rec.tag)?;
                for i in 0..rec.n_tensors() {
                    tables.tensor(rec.tensor(i))?;
                }
                let cx = DecodeCtx { tables, op: index, kind, check };
                Ok(match kind {
                    $(OpKind::$kind => Op::$kind(<$ty as Layer>::decode(rec, &cx)?),)*
                })
            }

            /// The operator's kind.
            pub fn kind(&self) -> OpKind {
                match self {
                    $(Op::$kind(_) => OpKind::$kind,)*
                }
            }

            /// Multiply-accumulates per inference (weighted layers; 0 otherwise).
            pub fn macs(&self) -> usize {
                match self {
                    $(Op::$kind(l) => l.macs(),)*
                }
            }

            /// Bytes of weights, biases, gains and requantization constants.
            pub fn weight_bytes(&self) -> usize {
                match self {
                    $(Op::$kind(l) => l.constant_bytes(),)*
                }
            }

            /// The activation kernel this op applies (standalone or fused), with its index.
            pub fn activation(&self) -> Option<(usize, Activation<$lt>)> {
                match self {
                    $(Op::$kind(l) => l.activation(),)*
                }
            }

            /// Run the decoded op on the arena.
            pub fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
                match self {
                    $(Op::$kind(l) => l.run(arena),)*
                }
            }
        }

        /// Decode record `index` straight into its typed layer (light check:
        /// the blob was proved at load) and run it where it lies; no `Op`
        /// value is built or moved on the hot path.
        pub(crate) fn run_record<$lt>(rec: &Record<$lt>, index: usize, tables: &Tables<$lt>, arena: &mut [u8]) -> Result<(), Error> {
            let kind = OpKind::from_tag(rec.tag)?;
            let cx = DecodeCtx { tables, op: index, kind, check: Check::Light };
            match kind {
                $(OpKind::$kind => <$ty as Layer>::decode(rec, &cx)?.run(arena),)*
            }
        }
    };
}

op_table! { 'a;
    1  => Dense           "dense"            layers::dense::Dense<'a>,                       in_place: false;
    2  => Conv1D          "conv1d"           layers::conv::Conv<'a>,                         in_place: false;
    3  => Conv2D          "conv2d"           layers::conv::Conv<'a>,                         in_place: false;
    4  => DepthwiseConv2D "depthwise_conv2d" layers::depthwise::Depthwise<'a>,               in_place: false;
    5  => MaxPool         "max_pool"         layers::pool::Pool,                             in_place: false;
    6  => AvgPool         "avg_pool"         layers::pool::Pool,                             in_place: false;
    7  => Add             "add"              layers::add::Add,                               in_place: false;
    8  => Reshape         "reshape"          layers::reshape::Reshape,                       in_place: true;
    9  => Concat          "concat"           layers::concat::Concat,                         in_place: false;
    10 => Softmax         "softmax"          layers::softmax::Softmax,                       in_place: false;
    11 => RmsNorm         "rms_norm"         layers::rmsnorm::RmsNorm<'a>,                   in_place: false;
    12 => Activation      "activation"       layers::activation_layer::ActivationLayer<'a>,  in_place: true;
}
