//! RMS normalization over the innermost axis (PolyNorm's normalizer):
//! `y_i = g_i · x_i / sqrt(mean(x²) + ε)`, in integers.
//!
//! With `t = x − zp_in` the input scale cancels, so per row:
//! ```text
//! ms    = ((Σ t² + C·eps_q) · 2^32) / C            (floor; eps_q = ε / scale_in²)
//! denom = isqrt(ms)                                (= rms · 2^16)
//! y_i   = zp_out + round( t_i·w_i·m · 2^(s−15) / denom )
//! ```
//! where `w_i` are int8 gains and `(m, s)` encodes `scale_gain / scale_out`.
//! Params: `gains(off,len) eps_q m s`.

use super::arena_io::with_io;
use super::{DecodeCtx, Layer};
use crate::arith::{isqrt_u128, round_div_i128};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded RMSNorm.
#[derive(Clone, Copy, Debug)]
pub struct RmsNorm<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    gains: &'a [u8],
    eps_q: u32,
    mult: i32,
    shift: i32,
}

impl<'a> Layer<'a> for RmsNorm<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let op = cx.op;
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(2, 5).map_err(bad)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        if input.dims != output.dims || input.rank != output.rank {
            return Err(bad("rms_norm input and output must have the same shape"));
        }
        let gains = rec.data(0, "rms_norm gains")?;
        if gains.len() != input.channels() {
            return Err(bad("rms_norm needs one int8 gain per channel"));
        }
        let eps_q = rec.param(2);
        let (mult, shift) = (rec.param(3), rec.param(4));
        if eps_q < 0 || mult < 0 || !(-31..=30).contains(&shift) {
            return Err(bad("rms_norm epsilon and multiplier must be >= 0, shift in -31..=30"));
        }
        Ok(RmsNorm { input, output, gains, eps_q: eps_q as u32, mult, shift })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
    }

    fn constant_bytes(&self) -> usize {
        self.gains.len()
    }
}

impl RmsNorm<'_> {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let c = self.input.channels();
        let (ti, to) = (self.input.dtype, self.output.dtype);
        let (zi, zo) = (self.input.quant.zero_point, self.output.quant.zero_point);
        let (num_shift, den_shift) = ((self.shift - 15).max(0) as u32, (15 - self.shift).max(0) as u32);
        for row in 0..self.input.len() / c {
            let base = row * c;
            let ss: u128 = (0..c).map(|i| ((ti.load(x, base + i) - zi) as i64).unsigned_abs().pow(2) as u128).sum();
            let sum = ss + c as u128 * self.eps_q as u128;
            // In 64 bits when the shifted sum fits (always at int8): the same floor.
            let ms = match u64::try_from(sum) {
                Ok(s) if s < 1 << 32 => ((s << 32) / c as u64) as u128,
                _ => (sum << 32) / c as u128,
            };
            let denom = (isqrt_u128(ms) as i128) << den_shift;
            for i in 0..c {
                let v = if denom == 0 {
                    0
                } else {
                    let t = (ti.load(x, base + i) - zi) as i128;
                    let w = self.gains.get(i).map_or(0, |&g| g as i8 as i128);
                    round_div_i128((t * w * self.mult as i128) << num_shift, denom)
                };
                let v = v.clamp(i32::MIN as i128, i32::MAX as i128) as i32;
                to.store(y, base + i, v.saturating_add(zo));
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
        /// RMS normalization over the innermost axis with int8 `gains` of scale `gain_scale`.
        pub fn rms_norm(&mut self, x: TensorId, y: TensorId, gains: &[i8], gain_scale: f64, eps: f64) -> &mut Self {
            let qx = self.tensor_type(x).1;
            let qy = self.tensor_type(y).1;
            let eps_q = (eps / (qx.scale as f64 * qx.scale as f64)).round().clamp(0.0, i32::MAX as f64) as i32;
            let (m, s) = self.rescale(gain_scale / qy.scale as f64);
            let gb: alloc::vec::Vec<u8> = gains.iter().map(|&g| g as u8).collect();
            let (o, l) = self.push_data(&gb);
            self.op(OpKind::RmsNorm, &[x, y], alloc::vec![o, l, eps_q, m, s])
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
    pub struct RmsNormDef {
        pub eps: f64,
    }

    impl FloatLayer for RmsNormDef {
        fn name(&self) -> &'static str {
            "rms_norm"
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, c) = (inputs[0], channels(out_dims).max(1));
            let mut o = vec![0.0; x.len()];
            for r in 0..x.len() / c {
                let row = &x[r * c..(r + 1) * c];
                let rms = (row.iter().map(|v| v * v).sum::<f64>() / c as f64 + self.eps).sqrt();
                for i in 0..c {
                    o[r * c + i] = row[i] / rms;
                }
            }
            o
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            let c = channels(b.dims(inputs[0]));
            b.rms_norm(inputs[0], output, &vec![127; c], 1.0 / 127.0, self.eps);
            c
        }
    }
}
#[cfg(feature = "std")]
pub use float::RmsNormDef;
