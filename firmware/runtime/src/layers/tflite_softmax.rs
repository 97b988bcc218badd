//! TFLite's integer Softmax over the innermost axis (int8 in, int8 out with
//! scale 1/256 and zero point −128), for models imported from `.tflite`
//! files: the same bits as TFLite's reference kernel and TFLite Micro.
//!
//! Per row: `d_i = x_i − max`; rows with `d_i < diff_min` give −128;
//! otherwise `s_i = srdhm(d_i · 2^left_shift, multiplier)` is `d_i` times
//! `scale_in · β` with 5 integer bits, `e_i = exp(s_i)` with 0 integer bits
//! ([`exp_on_negative_values`]), `Σ` sums `e_i` rescaled to 12 integer bits,
//! and `y_i = −128 + rdivpot(srdhm(recip(Σ), e_i), bits_over_unit + 23)`,
//! saturated. Params: `multiplier left_shift diff_min`.

use super::arena_io::with_io;
use super::{DecodeCtx, Layer};
use crate::arith::{rshr_i32, sat_rounding_doubling_high_mul as srdhm};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::gemmlowp::{exp_on_negative_values, mul_pot, reciprocal};

/// Integer bits of the scaled differences (TFLite's `kScaledDiffIntegerBits`).
pub const DIFF_INT_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (`kAccumulationIntegerBits`).
const SUM_INT_BITS: i32 = 12;

/// Decoded TFLite Softmax.
#[derive(Clone, Copy, Debug)]
pub struct TfliteSoftmax {
    pub input: TensorInfo,
    pub output: TensorInfo,
    multiplier: i32,
    left_shift: i32,
    diff_min: i32,
}

impl<'a> Layer<'a> for TfliteSoftmax {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 3)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        if input.dims != output.dims || input.rank != output.rank {
            return Err(cx.bad("softmax input and output must have the same shape"));
        }
        if input.dtype != DType::I8
            || output.dtype != DType::I8
            || output.quant.zero_point != -128
            || output.quant.scale != 1.0 / 256.0
        {
            return Err(cx.bad("TFLite softmax takes int8 and gives int8 with scale 1/256 and zero point -128"));
        }
        // A row's sum of exponentials has 12 integer bits (TFLite's
        // accumulator): from 4096 entries on it would wrap.
        if input.channels() >= 1 << SUM_INT_BITS {
            return Err(cx.bad("TFLite softmax rows must be shorter than 4096 (its sum has 12 integer bits)"));
        }
        let (multiplier, left_shift, diff_min) = (rec.param(0), rec.param(1), rec.param(2));
        if multiplier < 0 || !(0..=30).contains(&left_shift) || diff_min > 0 {
            return Err(cx.bad("TFLite softmax needs multiplier >= 0, left shift in 0..=30 and diff_min <= 0"));
        }
        Ok(TfliteSoftmax { input, output, multiplier, left_shift, diff_min })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
    }
}

impl TfliteSoftmax {
    /// `exp(scale · β · d)` with 0 integer bits, or `None` below `diff_min`.
    fn exp(&self, d: i32) -> Option<i32> {
        // |d| ≤ 255, so the left shift cannot overflow for shifts ≤ 23; the
        // saturating form keeps larger (decoded but absurd) shifts defined.
        (d >= self.diff_min)
            .then(|| exp_on_negative_values(srdhm(mul_pot(d, self.left_shift), self.multiplier), DIFF_INT_BITS))
    }

    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let c = self.input.channels().max(1);
        for row in 0..self.input.len() / c {
            let xs = &x[row * c..(row + 1) * c];
            let max = xs.iter().map(|&b| b as i8 as i32).max().unwrap_or(0);
            let sum = xs
                .iter()
                .filter_map(|&b| self.exp(b as i8 as i32 - max))
                .fold(0i32, |s, e| s.wrapping_add(mul_pot(e, -SUM_INT_BITS)));
            let (scale, bits_over_unit) = reciprocal(sum, SUM_INT_BITS);
            let shift = (bits_over_unit + 31 - 8).clamp(0, 31) as u32;
            for (i, &b) in xs.iter().enumerate() {
                let out = match self.exp(b as i8 as i32 - max) {
                    Some(e) => (rshr_i32(srdhm(scale, e), shift) - 128).clamp(-128, 127),
                    None => -128,
                };
                y[row * c + i] = out as i8 as u8;
            }
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use super::DIFF_INT_BITS;
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    /// TFLite's `PreprocessSoftmaxScaling` and `CalculateInputRadius` for
    /// `scale_in · β`: `(multiplier, left_shift, diff_min)`, or `None` if the
    /// product is not positive and finite.
    pub fn tflite_softmax_params(scale_in_times_beta: f64) -> Option<(i32, i32, i32)> {
        let real = (scale_in_times_beta * (1u64 << (31 - DIFF_INT_BITS)) as f64).min((1u64 << 31) as f64 - 1.0);
        let (m, shift) = crate::arith::quantize_multiplier(real)?;
        if !(0..=30).contains(&shift) || m == 0 {
            return None;
        }
        let radius =
            ((1u64 << DIFF_INT_BITS) - 1) as f64 * (1u64 << (31 - DIFF_INT_BITS)) as f64 / (1u64 << shift) as f64;
        Some((m, shift, -(radius.floor() as i32)))
    }

    impl ModelBuilder {
        /// TFLite's int8 Softmax with TFLite's parameters for an input scale
        /// and β (the output must be int8, scale 1/256, zero point −128).
        pub fn tflite_softmax(&mut self, x: TensorId, y: TensorId, beta: f64) -> &mut Self {
            let scale = self.tensor_type(x).1.scale as f64 * beta;
            let (m, s, d) = tflite_softmax_params(scale).unwrap_or_else(|| {
                self.problem("a TFLite softmax needs a positive input scale times beta below 2^26");
                (0, 0, 0)
            });
            self.op(OpKind::TfliteSoftmax, &[x, y], alloc::vec![m, s, d])
        }
    }
}
#[cfg(feature = "writer")]
pub use encode::tflite_softmax_params;

#[cfg(all(test, feature = "writer"))]
mod tests {
    use crate::writer::ModelBuilder;
    use crate::{DType, Quant};

    fn softmax_blob(n: usize) -> Result<alloc::vec::Vec<u8>, crate::Error> {
        let mut b = ModelBuilder::new();
        let x = b.tensor(DType::I8, &[n], Quant { scale: 0.1, zero_point: 0 });
        let y = b.tensor(DType::I8, &[n], Quant { scale: 1.0 / 256.0, zero_point: -128 });
        b.tflite_softmax(x, y, 1.0).set_input(x).set_output(y);
        b.finish()
    }

    #[test]
    fn rows_whose_sum_would_wrap_are_refused() {
        assert!(softmax_blob(4095).is_ok());
        let e = softmax_blob(4096).unwrap_err();
        assert!(matches!(e, crate::Error::InvalidOp { reason, .. } if reason.contains("4096")), "{e:?}");
    }
}
