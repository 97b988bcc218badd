//! Elementwise Div of two tensors, the divisor the same shape or broadcast
//! along the last axis (`[.., C] / [.., 1]`): Power-Softmax's normalisation
//! `s / (Σ s + ε)`, a gate divided by a norm.
//!
//! ```text
//! y = clamp(zp_y + round_div((a − zp_a)·m·2^(s−31), b − zp_b))   in 128 bits
//! ```
//! with `(m, s)` for `s_a / (s_b · s_y)`, rounded half away from zero once.
//! A zero divisor gives the output's extreme of the numerator's sign (0 for
//! a zero numerator): the limit, saturated, never a trap.
//!
//! Params: `m s clamp_min clamp_max`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::round_div_i128;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Div.
#[derive(Clone, Copy, Debug)]
pub struct Div {
    pub a: TensorInfo,
    pub b: TensorInfo,
    pub output: TensorInfo,
    /// The divisor has one value per row (last axis broadcast).
    pub per_row: bool,
    mult: i32,
    shift: i32,
    clamp: (i32, i32),
}

impl<'a> Layer<'a> for Div {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 3, 4)?;
        let (a, b, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?, cx.tensor(rec, 2)?);
        let r = a.rank;
        let same_rows = b.rank == r && output.rank == r && a.dims == output.dims && a.dims[..r - 1] == b.dims[..r - 1];
        let per_row = b.dims[r.saturating_sub(1)] == 1 && a.channels() != 1;
        if !same_rows || !(per_row || b.dims == a.dims) {
            return Err(cx.bad("div operands must have the same shape, or the divisor one value per row"));
        }
        let (mult, shift) = (rec.param(0), check_shift(rec.param(1)).map_err(|e| cx.bad(e))?);
        if mult < 0 {
            return Err(cx.bad("div multiplier must be >= 0"));
        }
        let clamp = cx.clamp(rec, 2, &output)?;
        Ok(Div { a, b, output, per_row, mult, shift, clamp })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.a.range())?, s.input(self.b.range())?, s.out);
        Ok(())
    }
}

impl Div {
    /// The layer on its operands' and output's bytes.
    pub fn compute(&self, xa: &[u8], xb: &[u8], y: &mut [u8]) {
        let (za, zb, zy) = (self.a.quant.zero_point, self.b.quant.zero_point, self.output.quant.zero_point);
        let c = self.a.channels().max(1);
        // (a − zp_a)·m·2^(s−31) as a numerator over 2^31 − s … kept exact:
        // scale the numerator up by 2^max(s, 0) and the divisor by 2^(31 − min(s, 0)).
        let (up, down) = (self.shift.max(0) as u32, (31 - self.shift.min(0)) as u32);
        for i in 0..self.output.len() {
            let num = ((self.a.dtype.load(xa, i) - za) as i128 * self.mult as i128) << up;
            let bi = if self.per_row { i / c } else { i };
            let den = ((self.b.dtype.load(xb, bi) - zb) as i128) << down;
            let v = match den {
                0 if num == 0 => 0,
                0 => num.signum() * i32::MAX as i128,
                // `round_div_i128` divides by a positive divisor.
                _ if den < 0 => round_div_i128(-num, -den),
                _ => round_div_i128(num, den),
            };
            let v = v.clamp(i32::MIN as i128, i32::MAX as i128) as i32;
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
        /// Elementwise `y = a / b` (`b` the same shape or one value per row).
        pub fn div(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            let (qa, qb) = (self.tensor_type(a).1, self.tensor_type(b).1);
            let (ty, qy) = self.tensor_type(y);
            let (m, s) = self.rescale(qa.scale as f64 / (qb.scale as f64 * qy.scale as f64));
            self.op(OpKind::Div, &[a, b, y], alloc::vec![m, s, ty.min(), ty.max()])
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::{channels, FloatLayer};
    use crate::writer::{ModelBuilder, TensorId};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct DivDef;

    impl FloatLayer for DivDef {
        fn name(&self) -> &'static str {
            "div"
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], _: &[usize]) -> Vec<f64> {
            let (a, b) = (inputs[0], inputs[1]);
            let c = channels(in_dims[0]).max(1);
            let per_row = b.len() != a.len();
            a.iter().enumerate().map(|(i, &v)| v / b[if per_row { i / c } else { i }]).collect()
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.div(inputs[0], inputs[1], output);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::DivDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::samples::{all_int8_pairs, assert_int8_pairs, two_operand_blob};
    use crate::{Model, Op, Quant};

    /// Every int8 pair (numerator, divisor): the real quotient rounded to
    /// the output grid, within 0.5 LSB plus the multiplier's 2^-31 relative
    /// error, saturated; a zero divisor saturates to the numerator's sign.
    #[test]
    fn every_int8_pair_is_the_rounded_real_quotient() {
        let q = [
            Quant { scale: 0.02, zero_point: -7 },
            Quant { scale: 0.05, zero_point: 11 },
            Quant { scale: 0.01, zero_point: 3 },
        ];
        let blob = two_operand_blob(q, |b, x, x2, y| {
            b.div(x, x2, y);
        });
        let model = Model::from_bytes(&blob).unwrap();
        let Ok(Op::Div(mut l)) = model.op(1) else { panic!("op 1 is not a div") };
        let (xa, xb) = all_int8_pairs();
        (l.a.dims[0], l.b.dims[0], l.output.dims[0]) = (xa.len(), xa.len(), xa.len());
        let mut out = vec![0u8; xa.len()];
        l.compute(&xa, &xb, &mut out);
        assert_int8_pairs(q, (&xa, &xb), &out, |a, b| (b != 0.0).then(|| a / b), 0.5);
        for i in (0..out.len()).filter(|&i| xb[i] as i8 as i32 == q[1].zero_point) {
            let ta = xa[i] as i8 as i32 - q[0].zero_point;
            let want = if ta > 0 {
                127
            } else if ta < 0 {
                -128
            } else {
                q[2].zero_point
            };
            assert_eq!(out[i] as i8 as i32, want, "a {ta} / 0");
        }
    }
}
