//! Elementwise Mul of two same-shape tensors (GLU/SwiGLU gates, MONet and
//! quadratic neurons), with TFLite's integer scheme: the product of the two
//! zero-point-free operands, requantized once by `s_a·s_b / s_out`, offset
//! by the output zero point and clamped.
//!
//! `y = clamp(zp_y + requantize((a − zp_a)·(b − zp_b), m, s))`.
//! The product must fit `i32` for every input (always at int8 and for the
//! symmetric int16 tensors the host writes; checked at load).
//!
//! Params: `m s clamp_min clamp_max`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::Requant;
use crate::dtype::map2;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Mul.
#[derive(Clone, Copy, Debug)]
pub struct Mul {
    pub a: TensorInfo,
    pub b: TensorInfo,
    pub output: TensorInfo,
    mult: i32,
    shift: i32,
    clamp: (i32, i32),
}

/// Largest `|v − zp|` a tensor holds.
fn max_magnitude(t: &TensorInfo) -> i64 {
    let zp = t.quant.zero_point as i64;
    (zp - t.dtype.min() as i64).max(t.dtype.max() as i64 - zp)
}

impl<'a> Layer<'a> for Mul {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 3, 4)?;
        let [a, b, output] = cx.same_shape_operands(rec, "mul operands and output must have the same shape")?;
        if max_magnitude(&a) * max_magnitude(&b) > i32::MAX as i64 {
            return Err(cx.bad("mul product can overflow 32 bits for these zero points"));
        }
        let (mult, shift) = (rec.param(0), check_shift(rec.param(1)).map_err(|r| cx.bad(r))?);
        if mult < 0 {
            return Err(cx.bad("mul multiplier must be >= 0"));
        }
        let clamp = cx.clamp(rec, 2, &output)?;
        Ok(Mul { a, b, output, mult, shift, clamp })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.a.range())?, s.input(self.b.range())?, s.out);
        Ok(())
    }
}

impl Mul {
    /// The layer on its operands' and output's bytes.
    pub fn compute(&self, xa: &[u8], xb: &[u8], y: &mut [u8]) {
        let (za, zb, zy) = (self.a.quant.zero_point, self.b.quant.zero_point, self.output.quant.zero_point);
        let (q, (lo, hi)) = (Requant::new(self.mult, self.shift), self.clamp);
        let product = |va: i32, vb: i32| q.apply((va - za) * (vb - zb)).saturating_add(zy).clamp(lo, hi);
        map2((self.a.dtype, xa), (self.b.dtype, xb), (self.output.dtype, y), self.output.len(), product);
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Elementwise `y = a · b` (parameters derived from the three tensors' scales).
        pub fn mul(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            let (qa, qb) = (self.tensor_type(a).1, self.tensor_type(b).1);
            let (ty, qy) = self.tensor_type(y);
            let (m, s) = self.rescale(qa.scale as f64 * qb.scale as f64 / qy.scale as f64);
            self.op(OpKind::Mul, &[a, b, y], alloc::vec![m, s, ty.min(), ty.max()])
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
    pub struct MulDef;

    impl FloatLayer for MulDef {
        fn name(&self) -> &'static str {
            "mul"
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
            inputs[0].iter().zip(inputs[1]).map(|(a, b)| a * b).collect()
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.mul(inputs[0], inputs[1], output);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::MulDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::samples::{all_int8_pairs, assert_int8_pairs, two_operand_blob};
    use crate::{Model, Op, Quant};

    /// Every pair of int8 operands gives the real product rounded to the
    /// output grid (within 0.5 LSB, plus the multiplier's 2^-31 relative
    /// error), saturated to the output type.
    #[test]
    fn every_int8_pair_is_the_rounded_real_product() {
        let q = [
            Quant { scale: 0.02, zero_point: -7 },
            Quant { scale: 0.05, zero_point: 11 },
            Quant { scale: 0.004, zero_point: 3 },
        ];
        let blob = two_operand_blob(q, |b, x, x2, y| {
            b.mul(x, x2, y);
        });
        let model = Model::from_bytes(&blob).unwrap();
        let Ok(Op::Mul(mut l)) = model.op(1) else { panic!("op 1 is not a mul") };
        let (xa, xb) = all_int8_pairs();
        (l.a.dims[0], l.b.dims[0], l.output.dims[0]) = (xa.len(), xa.len(), xa.len());
        let mut out = vec![0u8; xa.len()];
        l.compute(&xa, &xb, &mut out);
        assert_int8_pairs(q, (&xa, &xb), &out, |a, b| Some(a * b), 0.5);
    }
}
