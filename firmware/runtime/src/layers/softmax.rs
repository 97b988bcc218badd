//! Softmax over the innermost axis, integer only.
//!
//! For each row: `d_i = requantize(max − x_i, m, s)` is `(max − x_i)·scale_in·β·log2(e)`
//! in Q16; `e_i = 2^(−d_i / 2^16)` in Q30 by [`exp2_neg_q16`];
//! `y_i = out_min + round(e_i · R / Σ e)` with `R = 256` (int8 out, scale 1/256,
//! zero point −128) or `R = 32768` (int16 out, scale 1/32768, zero point 0),
//! saturated. Params: `m s`.

use super::arena_io::with_io;
use super::{DecodeCtx, Layer};
use crate::arith::{requantize, round_div_i64, rshr_i32, rshr_i64};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

const LN2_Q30: i64 = 744_261_118;
/// `(−1)^k · 2^30 / k!`, k = 0..=8: Taylor series of `e^(−z)`, `z < ln 2`
/// (truncation error < 1.1e-7).
const EXP_NEG_Q30: [i64; 9] =
    [1_073_741_824, -1_073_741_824, 536_870_912, -178_956_971, 44_739_243, -8_947_849, 1_491_308, -213_044, 26_631];

/// `2^(−d / 2^16)` in Q30 for `d ≥ 0` (Q16 input); exact at `d = 0` (= 2^30).
pub fn exp2_neg_q16(d: i32) -> i32 {
    if d <= 0 {
        return 1 << 30;
    }
    let n = (d >> 16) as u32;
    if n > 31 {
        return 0;
    }
    let f = (d & 0xFFFF) as i64;
    let z = rshr_i64(f * LN2_Q30, 16);
    let mut acc = EXP_NEG_Q30[8];
    for k in (0..8).rev() {
        acc = rshr_i64(acc * z, 30) + EXP_NEG_Q30[k];
    }
    rshr_i32(acc as i32, n)
}

/// Decoded Softmax.
#[derive(Clone, Copy, Debug)]
pub struct Softmax {
    pub input: TensorInfo,
    pub output: TensorInfo,
    mult: i32,
    shift: i32,
}

impl<'a> Layer<'a> for Softmax {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let op = cx.op;
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(2, 2).map_err(bad)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        if input.dims != output.dims || input.rank != output.rank {
            return Err(bad("softmax input and output must have the same shape"));
        }
        let ok = match output.dtype {
            DType::I8 => output.quant.zero_point == -128 && output.quant.scale == 1.0 / 256.0,
            DType::I16 => output.quant.zero_point == 0 && output.quant.scale == 1.0 / 32768.0,
        };
        if !ok {
            return Err(bad("softmax output must be int8 (scale 1/256, zp -128) or int16 (scale 1/32768, zp 0)"));
        }
        let (mult, shift) = (rec.param(0), rec.param(1));
        if mult < 0 || !(-31..=30).contains(&shift) {
            return Err(bad("softmax multiplier must be >= 0 and shift in -31..=30"));
        }
        Ok(Softmax { input, output, mult, shift })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
    }
}

impl Softmax {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let c = self.input.channels();
        let (ti, to) = (self.input.dtype, self.output.dtype);
        let range: i64 = match to {
            DType::I8 => 256,
            DType::I16 => 32768,
        };
        let out_zp = self.output.quant.zero_point;
        for row in 0..self.input.len() / c {
            let base = row * c;
            let max = (0..c).map(|i| ti.load(x, base + i)).max().unwrap_or(0);
            let e = |i: usize| exp2_neg_q16(requantize(max - ti.load(x, base + i), self.mult, self.shift)) as i64;
            let sum: i64 = (0..c).map(e).sum();
            for i in 0..c {
                let p = round_div_i64(e(i) * range, sum.max(1));
                to.store(y, base + i, (p as i32).saturating_add(out_zp));
            }
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Softmax over the innermost axis with inverse temperature `beta`.
        /// The output must be int8 (scale 1/256, zp −128) or int16 (1/32768, zp 0).
        pub fn softmax(&mut self, x: TensorId, y: TensorId, beta: f64) -> &mut Self {
            let qx = self.tensor_type(x).1;
            let (m, s) = self.rescale(qx.scale as f64 * beta * core::f64::consts::LOG2_E * 65536.0);
            self.op(OpKind::Softmax, &[x, y], alloc::vec![m, s])
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::{channels, FloatLayer};
    use crate::writer::{ModelBuilder, TensorId};
    use crate::{DType, Quant};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct SoftmaxDef;

    impl FloatLayer for SoftmaxDef {
        fn name(&self) -> &'static str {
            "softmax"
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, c) = (inputs[0], channels(out_dims).max(1));
            let mut o = vec![0.0; x.len()];
            for r in 0..x.len() / c {
                let row = &x[r * c..(r + 1) * c];
                let m = row.iter().cloned().fold(f64::MIN, f64::max);
                let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
                for i in 0..c {
                    o[r * c + i] = (row[i] - m).exp() / s;
                }
            }
            o
        }

        fn output_quant(&self, _: Quant, act: DType) -> Option<Quant> {
            Some(match act {
                DType::I8 => Quant { scale: 1.0 / 256.0, zero_point: -128 },
                DType::I16 => Quant { scale: 1.0 / 32768.0, zero_point: 0 },
            })
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.softmax(inputs[0], output, 1.0);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::SoftmaxDef;
