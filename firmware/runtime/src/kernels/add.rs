//! Elementwise Add of two same-shape tensors (residual connections), with
//! TFLite's integer scheme: both inputs are left-shifted, rescaled to a common
//! scale, summed, and the sum requantized to the output.
//!
//! Params: `left_shift m1 s1 m2 s2 m_out s_out clamp_min clamp_max`.

use crate::arith::requantize;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::kernels::activation::relu::check_shift;
use crate::model::Model;

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

impl Add {
    pub fn decode(rec: &Record, op: usize, model: &Model) -> Result<Self, Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(3, 9).map_err(bad)?;
        let a = model.tensor(rec.tensor(0))?;
        let b = model.tensor(rec.tensor(1))?;
        let output = model.tensor(rec.tensor(2))?;
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

    pub fn run(&self, xa: &[u8], xb: &[u8], y: &mut [u8]) {
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
