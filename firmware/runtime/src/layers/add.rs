//! Elementwise Add and Sub of two same-shape tensors (residual connections),
//! with TFLite's integer scheme: both inputs are left-shifted, rescaled to a
//! common scale, summed (Sub: the second subtracted), and the result
//! requantized to the output.
//!
//! Params: `left_shift m1 s1 m2 s2 m_out s_out clamp_min clamp_max`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::Requant;
use crate::dtype::map2;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::ops::OpKind;

/// Decoded Add.
#[derive(Clone, Copy, Debug)]
pub struct Add {
    pub a: TensorInfo,
    pub b: TensorInfo,
    pub output: TensorInfo,
    left_shift: u32,
    ma: (i32, i32),
    mb: (i32, i32),
    mo: (i32, i32),
    clamp: (i32, i32),
    /// Sub: `a − b`.
    pub subtract: bool,
}

impl<'a> Layer<'a> for Add {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let op = cx.op;
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(3, 9).map_err(bad)?;
        let [a, b, output] = cx.same_shape_operands(rec, "add operands and output must have the same shape")?;
        let left_shift = rec.param(0);
        if !(0..=24).contains(&left_shift) {
            return Err(bad("add left shift must be 0..=24"));
        }
        for t in [&a, &b] {
            let zp = t.quant.zero_point as i64;
            let max_abs = (zp - t.dtype.min() as i64).max(t.dtype.max() as i64 - zp);
            if max_abs << left_shift > i32::MAX as i64 {
                return Err(bad("add left shift overflows 32 bits for this input range"));
            }
        }
        let pair =
            |i: usize| -> Result<(i32, i32), Error> { Ok((rec.param(i), check_shift(rec.param(i + 1)).map_err(bad)?)) };
        let clamp = cx.clamp(rec, 7, &output)?;
        let subtract = cx.kind == OpKind::Sub;
        Ok(Add {
            a,
            b,
            output,
            left_shift: left_shift as u32,
            ma: pair(1)?,
            mb: pair(3)?,
            mo: pair(5)?,
            clamp,
            subtract,
        })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.a.range())?, s.input(self.b.range())?, s.out);
        Ok(())
    }
}

impl Add {
    /// The layer on its input and output bytes.
    pub fn compute(&self, xa: &[u8], xb: &[u8], y: &mut [u8]) {
        let (za, zb, zy) = (self.a.quant.zero_point, self.b.quant.zero_point, self.output.quant.zero_point);
        let (qa, qb, qo) = (
            Requant::new(self.ma.0, self.ma.1),
            Requant::new(self.mb.0, self.mb.1),
            Requant::new(self.mo.0, self.mo.1),
        );
        let (shift, (lo, hi)) = (self.left_shift, self.clamp);
        let sum = |va: i32, vb: i32| {
            let (ra, rb) = (qa.apply((va - za) << shift), qb.apply((vb - zb) << shift));
            let s = if self.subtract { ra.saturating_sub(rb) } else { ra.saturating_add(rb) };
            qo.apply(s).saturating_add(zy).clamp(lo, hi)
        };
        let n = self.output.len();
        map2((self.a.dtype, xa), (self.b.dtype, xb), (self.output.dtype, y), n, sum);
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::dtype::DType;
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Elementwise `y = a + b` (TFLite's integer scheme; parameters derived
        /// from the three tensors' scales).
        pub fn add(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            self.add_or_sub(OpKind::Add, a, b, y)
        }

        /// Elementwise `y = a − b`, the same scheme.
        pub fn sub(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            self.add_or_sub(OpKind::Sub, a, b, y)
        }

        fn add_or_sub(&mut self, kind: OpKind, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            let (ta, qa) = self.tensor_type(a);
            let (tb, qb) = self.tensor_type(b);
            let (ty, qy) = self.tensor_type(y);
            let all_sym = qa.zero_point == 0 && qb.zero_point == 0;
            let left_shift = if ta == DType::I8 && tb == DType::I8 {
                20
            } else if all_sym {
                15
            } else {
                14
            };
            let twice_max = 2.0 * (qa.scale as f64).max(qb.scale as f64);
            let ma = self.rescale(qa.scale as f64 / twice_max);
            let mb = self.rescale(qb.scale as f64 / twice_max);
            let mo = self.rescale(twice_max / ((1u64 << left_shift) as f64 * qy.scale as f64));
            self.op(kind, &[a, b, y], alloc::vec![left_shift, ma.0, ma.1, mb.0, mb.1, mo.0, mo.1, ty.min(), ty.max()])
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
    pub struct AddDef {
        /// Sub: `a − b`.
        pub subtract: bool,
    }

    impl FloatLayer for AddDef {
        fn name(&self) -> &'static str {
            if self.subtract {
                "sub"
            } else {
                "add"
            }
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
            let sign = if self.subtract { -1.0 } else { 1.0 };
            inputs[0].iter().zip(inputs[1]).map(|(a, b)| a + sign * b).collect()
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            let (x1, x2, y) = (inputs[0], inputs[1], output);
            if self.subtract {
                b.sub(x1, x2, y);
            } else {
                b.add(x1, x2, y);
            }
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::AddDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::samples::{all_int8_pairs, assert_int8_pairs, two_operand_blob};
    use crate::{Model, Op, Quant};

    /// Every int8 operand pair: the real sum / difference on the output grid
    /// within one LSB (three roundings: each operand's rescale and the
    /// output's), saturated.
    #[test]
    fn every_int8_pair_is_the_real_sum_or_difference() {
        let q = [
            Quant { scale: 0.02, zero_point: -7 },
            Quant { scale: 0.05, zero_point: 11 },
            Quant { scale: 0.04, zero_point: 3 },
        ];
        for sub in [false, true] {
            let blob = two_operand_blob(q, |b, x, x2, y| {
                if sub {
                    b.sub(x, x2, y);
                } else {
                    b.add(x, x2, y);
                }
            });
            let model = Model::from_bytes(&blob).unwrap();
            let Ok(Op::Add(mut l) | Op::Sub(mut l)) = model.op(1) else { panic!("op 1 is not add/sub") };
            assert_eq!(l.subtract, sub);
            let (xa, xb) = all_int8_pairs();
            (l.a.dims[0], l.b.dims[0], l.output.dims[0]) = (xa.len(), xa.len(), xa.len());
            let mut out = vec![0u8; xa.len()];
            l.compute(&xa, &xb, &mut out);
            assert_int8_pairs(q, (&xa, &xb), &out, |a, b| Some(if sub { a - b } else { a + b }), 1.0);
        }
    }
}
