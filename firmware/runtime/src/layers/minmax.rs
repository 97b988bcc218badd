//! Elementwise Minimum and Maximum of two same-shape tensors: each operand
//! requantized to the output scale (§3, as Concat does), then the smaller or
//! larger, clamped. (TFLite requires one quantization for all three; this is
//! the same result when they share it.)
//!
//! Params: `m_a s_a m_b s_b clamp_min clamp_max`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::requantize;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::ops::OpKind;

/// Decoded Minimum / Maximum.
#[derive(Clone, Copy, Debug)]
pub struct MinMax {
    pub a: TensorInfo,
    pub b: TensorInfo,
    pub output: TensorInfo,
    /// Maximum (else Minimum).
    pub max: bool,
    ma: (i32, i32),
    mb: (i32, i32),
    clamp: (i32, i32),
}

impl<'a> Layer<'a> for MinMax {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 3, 6)?;
        let [a, b, output] = cx.same_shape_operands(rec, "min/max operands and output must have the same shape")?;
        let pair = |i: usize| -> Result<(i32, i32), Error> {
            Ok((rec.param(i), check_shift(rec.param(i + 1)).map_err(|e| cx.bad(e))?))
        };
        let clamp = cx.clamp(rec, 4, &output)?;
        let max = cx.kind == OpKind::Maximum;
        Ok(MinMax { a, b, output, max, ma: pair(0)?, mb: pair(2)?, clamp })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.a.range())?, s.input(self.b.range())?, s.out);
        Ok(())
    }
}

impl MinMax {
    /// The layer on its operands' and output's bytes.
    pub fn compute(&self, xa: &[u8], xb: &[u8], y: &mut [u8]) {
        let (za, zb, zy) = (self.a.quant.zero_point, self.b.quant.zero_point, self.output.quant.zero_point);
        for i in 0..self.output.len() {
            let va = requantize(self.a.dtype.load(xa, i) - za, self.ma.0, self.ma.1);
            let vb = requantize(self.b.dtype.load(xb, i) - zb, self.mb.0, self.mb.1);
            let v = if self.max { va.max(vb) } else { va.min(vb) };
            self.output.dtype.store(y, i, v.saturating_add(zy).clamp(self.clamp.0, self.clamp.1));
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Elementwise `y = min(a, b)`.
        pub fn minimum(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            self.min_max(OpKind::Minimum, a, b, y)
        }

        /// Elementwise `y = max(a, b)`.
        pub fn maximum(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            self.min_max(OpKind::Maximum, a, b, y)
        }

        fn min_max(&mut self, kind: OpKind, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            let (qa, qb) = (self.tensor_type(a).1, self.tensor_type(b).1);
            let (ty, qy) = self.tensor_type(y);
            let ma = self.rescale(qa.scale as f64 / qy.scale as f64);
            let mb = self.rescale(qb.scale as f64 / qy.scale as f64);
            self.op(kind, &[a, b, y], alloc::vec![ma.0, ma.1, mb.0, mb.1, ty.min(), ty.max()])
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::FloatLayer;
    use crate::writer::{ModelBuilder, TensorId};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct MinMaxDef {
        /// Maximum (else Minimum).
        pub max: bool,
    }

    impl FloatLayer for MinMaxDef {
        fn name(&self) -> &'static str {
            if self.max {
                "maximum"
            } else {
                "minimum"
            }
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
            let pick = |a: f64, b: f64| if self.max { a.max(b) } else { a.min(b) };
            inputs[0].iter().zip(inputs[1]).map(|(&a, &b)| pick(a, b)).collect()
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            let (x1, x2, y) = (inputs[0], inputs[1], output);
            if self.max {
                b.maximum(x1, x2, y);
            } else {
                b.minimum(x1, x2, y);
            }
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::MinMaxDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::samples::{all_int8_pairs, assert_int8_pairs, two_operand_blob};
    use crate::{Model, Op, Quant};

    /// Every int8 operand pair: the smaller / larger real value rounded to
    /// the output grid (within 0.5 LSB plus the second rounding), saturated.
    #[test]
    fn every_int8_pair_is_the_rounded_real_min_and_max() {
        let q = [
            Quant { scale: 0.02, zero_point: -7 },
            Quant { scale: 0.05, zero_point: 11 },
            Quant { scale: 0.03, zero_point: 3 },
        ];
        for max in [false, true] {
            let blob = two_operand_blob(q, |b, x, x2, y| {
                if max {
                    b.maximum(x, x2, y);
                } else {
                    b.minimum(x, x2, y);
                }
            });
            let model = Model::from_bytes(&blob).unwrap();
            let Ok(Op::Maximum(mut l) | Op::Minimum(mut l)) = model.op(1) else { panic!("op 1 is not min/max") };
            assert_eq!(l.max, max);
            let (xa, xb) = all_int8_pairs();
            (l.a.dims[0], l.b.dims[0], l.output.dims[0]) = (xa.len(), xa.len(), xa.len());
            let mut out = vec![0u8; xa.len()];
            l.compute(&xa, &xb, &mut out);
            let pick = |a: f64, b: f64| Some(if max { a.max(b) } else { a.min(b) });
            assert_int8_pairs(q, (&xa, &xb), &out, pick, 0.5 + 1.0 / 64.0);
        }
    }
}
