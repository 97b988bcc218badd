//! Operators: [`OpKind`] (record tags) and [`Op`] (a decoded layer), and
//! the `op_table!` macro that generates them, the decoder and the
//! interpreter's dispatch from the one table of layers in
//! [`crate::layers`]. Every op record lists its tensors as `inputs..., output`.

pub use crate::layers::{Check, Op, OpKind};

/// Generates `OpKind`, `Op` and the dispatch from one table of
/// `tag => Kind "name" LayerType, in_place`; `in_place` marks ops that may
/// write their output over their (dying) input.
#[macro_export]
#[doc(hidden)]
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
            pub fn from_tag(tag: u8) -> Result<OpKind, $crate::error::Error> {
                match tag {
                    $($tag => Ok(OpKind::$kind),)*
                    _ => Err($crate::error::Error::BadTag { what: "operator", value: tag as i64 }),
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
                    $(OpKind::$kind => concat!("polyact::layers::", stringify!($ty)),)*
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
            pub fn decode(rec: &$crate::format::Record<$lt>, index: usize, tables: &$crate::format::Tables<$lt>, check: $crate::layers::Check) -> Result<Op<$lt>, $crate::error::Error> {
                let kind = OpKind::from_tag(rec.tag)?;
                for i in 0..rec.n_tensors() {
                    tables.tensor(rec.tensor(i))?;
                }
                let cx = $crate::layers::DecodeCtx { tables, op: index, kind, check };
                Ok(match kind {
                    $(OpKind::$kind => Op::$kind(<$ty as $crate::layers::Layer>::decode(rec, &cx)?),)*
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
                    $(Op::$kind(l) => $crate::layers::Layer::macs(l),)*
                }
            }

            /// Bytes of weights, biases, gains and requantization constants.
            pub fn weight_bytes(&self) -> usize {
                match self {
                    $(Op::$kind(l) => $crate::layers::Layer::constant_bytes(l),)*
                }
            }

            /// The activation kernel this op applies (standalone or fused), with its index.
            pub fn activation(&self) -> Option<(usize, $crate::activation::Activation<$lt>)> {
                match self {
                    $(Op::$kind(l) => $crate::layers::Layer::activation(l),)*
                }
            }

            /// Run the decoded op on the arena.
            pub fn run(&self, arena: &mut [u8]) -> Result<(), $crate::error::Error> {
                match self {
                    $(Op::$kind(l) => $crate::layers::Layer::run(l, arena),)*
                }
            }
        }

        /// Decode record `index` straight into its typed layer (light check:
        /// the blob was proved at load) and run it where it lies; no `Op`
        /// value is built or moved on the hot path.
        pub(crate) fn run_record<$lt>(rec: &$crate::format::Record<$lt>, index: usize, tables: &$crate::format::Tables<$lt>, arena: &mut [u8]) -> Result<(), $crate::error::Error> {
            let kind = OpKind::from_tag(rec.tag)?;
            let cx = $crate::layers::DecodeCtx { tables, op: index, kind, check: $crate::layers::Check::Light };
            match kind {
                $(OpKind::$kind => $crate::layers::Layer::run(&<$ty as $crate::layers::Layer>::decode(rec, &cx)?, arena),)*
            }
        }
    };
}
