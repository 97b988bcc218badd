//! Elementwise Add of two same-shape tensors (residual connections), with
//! TFLite's integer scheme: both inputs are left-shifted, rescaled to a common
//! scale, summed, and the sum requantized to the output.
//!
//! Params: `left_shift m1 s1 m2 s2 m_out s_out clamp_min clamp_max`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::requantize;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

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
}

impl<'a> Layer<'a> for Add {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let op = cx.op;
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(3, 9).map_err(bad)?;
        let a = cx.tensor(rec, 0)?;
        let b = cx.tensor(rec, 1)?;
        let output = cx.tensor(rec, 2)?;
        if a.dims != output.dims || b.dims != output.dims || a.rank != output.rank || b.rank != output.rank {
            return Err(bad("add operands and output must have the same shape"));
        }
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
        let clamp = (rec.param(7), rec.param(8));
        if clamp.0 > clamp.1 || clamp.0 < output.dtype.min() || clamp.1 > output.dtype.max() {
            return Err(bad("clamp range outside the output type or empty"));
        }
        Ok(Add { a, b, output, left_shift: left_shift as u32, ma: pair(1)?, mb: pair(3)?, mo: pair(5)?, clamp })
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
        let (za, zb) = (self.a.quant.zero_point, self.b.quant.zero_point);
        for i in 0..self.output.len() {
            let va = (self.a.dtype.load(xa, i) - za) << self.left_shift;
            let vb = (self.b.dtype.load(xb, i) - zb) << self.left_shift;
            let sum = requantize(va, self.ma.0, self.ma.1).saturating_add(requantize(vb, self.mb.0, self.mb.1));
            let v = requantize(sum, self.mo.0, self.mo.1).saturating_add(self.output.quant.zero_point);
            self.output.dtype.store(y, i, v.clamp(self.clamp.0, self.clamp.1));
        }
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
            self.op(
                OpKind::Add,
                &[a, b, y],
                alloc::vec![left_shift, ma.0, ma.1, mb.0, mb.1, mo.0, mo.1, ty.min(), ty.max()],
            )
        }
    }
}
