//! Layer normalization over the innermost axis (transformers' pre-LN):
//! `y_i = γ_i · (x_i − μ) / sqrt(σ² + ε) + β_i`, in integers.
//!
//! With `t = x − zp_in` the input scale cancels; per row of `C` values, with
//! every step exact until the one division:
//! ```text
//! S     = Σ t,   D_i = C·t_i − S                      (= C·(t_i − μ), exact)
//! ms    = ((Σ D_i² + C³·eps_q) · 2^32) / C³            (floor; eps_q = ε / scale_in²)
//! denom = isqrt(ms)                                    (= σ · 2^16)
//! y_i   = zp_out + b_i + round( D_i·w_i·m · 2^(s−15) / (C·denom) )
//! ```
//! where `w_i` are int8 gains, `(m, s)` encodes `scale_gain / scale_out` and
//! `b_i` is `β_i` in output LSBs (i32). A row with `denom = 0` (constant, no
//! ε) gives `zp_out + b_i`.
//!
//! Params: `gains(off,len) bias(off,len) eps_q m s`.

use super::arena_io::with_io;
use super::{DecodeCtx, Layer};
use crate::arith::{isqrt_u128, round_div_i128, round_div_i64};
use crate::dtype::le_i32;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded LayerNorm.
#[derive(Clone, Copy, Debug)]
pub struct LayerNorm<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    gains: &'a [u8],
    bias: &'a [u8],
    eps_q: u32,
    mult: i32,
    shift: i32,
}

impl<'a> Layer<'a> for LayerNorm<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 7)?;
        let (input, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?);
        if input.dims != output.dims || input.rank != output.rank {
            return Err(cx.bad("layer_norm input and output must have the same shape"));
        }
        let (gains, bias) = (rec.data(0, "layer_norm gains")?, rec.data(2, "layer_norm bias")?);
        if gains.len() != input.channels() || bias.len() != 4 * input.channels() {
            return Err(cx.bad("layer_norm needs one int8 gain and one i32 bias per channel"));
        }
        let (eps_q, mult, shift) = (rec.param(4), rec.param(5), rec.param(6));
        if eps_q < 0 || mult < 0 || !(-31..=30).contains(&shift) {
            return Err(cx.bad("layer_norm epsilon and multiplier must be >= 0, shift in -31..=30"));
        }
        Ok(LayerNorm { input, output, gains, bias, eps_q: eps_q as u32, mult, shift })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
    }

    fn constant_bytes(&self) -> usize {
        self.gains.len() + self.bias.len()
    }
}

impl LayerNorm<'_> {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let c = self.input.channels();
        let (ti, to) = (self.input.dtype, self.output.dtype);
        let (zi, zo) = (self.input.quant.zero_point, self.output.quant.zero_point);
        let (num_shift, den_shift) = ((self.shift - 15).max(0) as u32, (15 - self.shift).max(0) as u32);
        let c3 = (c as u128).pow(3);
        for row in 0..self.input.len() / c.max(1) {
            let base = row * c;
            let t = |i: usize| (ti.load(x, base + i) - zi) as i64;
            let sum: i64 = (0..c).map(t).sum();
            let d = |i: usize| c as i64 * t(i) - sum;
            let q: u128 = (0..c).map(|i| d(i).unsigned_abs() as u128 * d(i).unsigned_abs() as u128).sum();
            let num = q + c3 * self.eps_q as u128;
            // In 64 bits when the shifted sum fits (always at int8): the same floor.
            let ms = match (u64::try_from(num), u64::try_from(c3)) {
                (Ok(n), Ok(c3)) if n < 1 << 32 => ((n << 32) / c3.max(1)) as u128,
                _ => (num << 32) / c3.max(1),
            };
            let denom = ((isqrt_u128(ms) as i128) << den_shift) * c as i128;
            for i in 0..c {
                let b = le_i32(self.bias, i) as i128;
                let v = if denom == 0 {
                    b
                } else {
                    let w = self.gains.get(i).map_or(0, |&g| g as i8 as i64);
                    b + scaled(d(i) * w, self.mult as i64, num_shift, denom)
                };
                let v = v.clamp(i32::MIN as i128, i32::MAX as i128) as i32;
                to.store(y, base + i, v.saturating_add(zo));
            }
        }
    }
}

/// `round(dw·mult·2^shift / denom)`, half away from zero: in 64 bits when
/// every intermediate fits (always at int8, and for ordinary int16 rows),
/// in 128 otherwise. Both paths compute the same exact quotient; the 64-bit
/// one avoids the 128-bit multiply and division, library calls on a 32-bit
/// core, once per element.
#[inline]
fn scaled(dw: i64, mult: i64, shift: u32, denom: i128) -> i128 {
    if let (Ok(den), Some(p)) = (i64::try_from(denom), dw.checked_mul(mult)) {
        if shift < 62 && p.unsigned_abs() < 1u64 << (62 - shift) {
            return round_div_i64(p << shift, den) as i128;
        }
    }
    round_div_i128((dw as i128 * mult as i128) << shift, denom)
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Layer normalization over the innermost axis: int8 `gains` of scale
        /// `gain_scale` (γ), real `bias` (β), `eps`.
        pub fn layer_norm(
            &mut self,
            (x, y): (TensorId, TensorId),
            (gains, gain_scale): (&[i8], f64),
            bias: &[f64],
            eps: f64,
        ) -> &mut Self {
            let (qx, qy) = (self.tensor_type(x).1, self.tensor_type(y).1);
            let eps_q = (eps / (qx.scale as f64 * qx.scale as f64)).round().clamp(0.0, i32::MAX as f64) as i32;
            let (m, s) = self.rescale(gain_scale / qy.scale as f64);
            let gb: alloc::vec::Vec<u8> = gains.iter().map(|&g| g as u8).collect();
            let bq: alloc::vec::Vec<i32> = bias
                .iter()
                .map(|&b| (b / qy.scale as f64).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32)
                .collect();
            let (go, gl) = self.push_data(&gb);
            let (bo, bl) = self.push_i32s(&bq);
            self.op(OpKind::LayerNorm, &[x, y], alloc::vec![go, gl, bo, bl, eps_q, m, s])
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
    pub struct LayerNormDef {
        /// γ and β, one per channel.
        pub gamma: Vec<f64>,
        pub beta: Vec<f64>,
        pub eps: f64,
    }

    impl FloatLayer for LayerNormDef {
        fn name(&self) -> &'static str {
            "layer_norm"
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, c) = (inputs[0], channels(out_dims).max(1));
            let mut o = vec![0.0; x.len()];
            for r in 0..x.len() / c {
                let row = &x[r * c..(r + 1) * c];
                let mu = row.iter().sum::<f64>() / c as f64;
                let var = row.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / c as f64;
                for i in 0..c {
                    o[r * c + i] = self.gamma[i] * (row[i] - mu) / (var + self.eps).sqrt() + self.beta[i];
                }
            }
            o
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            // Per-tensor int8 gains: γ's largest magnitude at 127.
            let top = self.gamma.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            let gain_scale = if top > 0.0 { top / 127.0 } else { 1.0 / 127.0 };
            let gains: Vec<i8> =
                self.gamma.iter().map(|g| (g / gain_scale).round().clamp(-127.0, 127.0) as i8).collect();
            let (x, y) = (inputs[0], output);
            b.layer_norm((x, y), (&gains, gain_scale), &self.beta, self.eps);
            5 * gains.len()
        }
    }
}
#[cfg(feature = "std")]
pub use float::LayerNormDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::scaled;
    use crate::arith::round_div_i128;
    use proptest::prelude::*;

    proptest! {
        /// The 64-bit path of `scaled` gives the 128-bit quotient, at the
        /// edges of its range too.
        #[test]
        fn scaled_equals_the_128_bit_quotient(
            dw in -(1i64 << 40)..(1i64 << 40),
            mult in 0i64..(1i64 << 31),
            shift in 0u32..40,
            denom in prop_oneof![1i128..1000, 1i128..(1i128 << 62), (1i128 << 62)..(1i128 << 100)],
        ) {
            let want = round_div_i128((dw as i128 * mult as i128) << shift, denom);
            prop_assert_eq!(scaled(dw, mult, shift, denom), want);
        }
    }

    use crate::writer::samples::Rng;
    use crate::writer::ModelBuilder;
    use crate::{DType, Interpreter, Model, Quant};

    /// Random int8 and int16 rows against `γ (x − μ)/σ + β` in f64 with the
    /// quantized γ and β: correctly rounded up to 0.05 LSB (the gain's
    /// multiplier and the square root's floor; measured worst 0.499).
    #[test]
    fn rows_are_the_normalized_affine_map() {
        let mut r = Rng(5);
        let c = 16;
        for dt in [DType::I8, DType::I16] {
            let (qx, qy) = match dt {
                DType::I8 => (Quant { scale: 0.05, zero_point: 9 }, Quant { scale: 0.03, zero_point: -4 }),
                DType::I16 => (Quant { scale: 0.0005, zero_point: 0 }, Quant { scale: 0.0002, zero_point: 0 }),
            };
            let gains: Vec<i8> = r.i8s(c, 127);
            let gain_scale = 1.5 / 127.0;
            let bias: Vec<f64> = (0..c).map(|i| (i as f64 - 8.0) * 0.05).collect();
            let eps = 1e-5;
            let mut b = ModelBuilder::new();
            let (x, y) = (b.tensor(dt, &[3, c], qx), b.tensor(dt, &[3, c], qy));
            b.layer_norm((x, y), (&gains, gain_scale), &bias, eps).set_input(x).set_output(y);
            let blob = b.finish().unwrap();
            let m = Model::from_bytes(&blob).unwrap();
            let mut arena = vec![0u8; m.arena_size()];
            let mut it = Interpreter::new(m, &mut arena).unwrap();
            for _ in 0..20 {
                let lim = if dt == DType::I8 { 100 } else { 20000 };
                let xs = r.i32s(3 * c, lim);
                it.set_input(&xs).unwrap();
                it.invoke().unwrap();
                let mut out = vec![0; 3 * c];
                it.get_output(&mut out).unwrap();
                for row in 0..3 {
                    let v: Vec<f64> =
                        (0..c).map(|i| qx.scale as f64 * (xs[row * c + i] - qx.zero_point) as f64).collect();
                    let mu = v.iter().sum::<f64>() / c as f64;
                    let var = v.iter().map(|a| (a - mu) * (a - mu)).sum::<f64>() / c as f64;
                    for i in 0..c {
                        let g = gains[i] as f64 * gain_scale;
                        let bq = (bias[i] / qy.scale as f64).round() * qy.scale as f64;
                        let real = g * (v[i] - mu) / (var + eps).sqrt() + bq;
                        let exact =
                            (real / qy.scale as f64 + qy.zero_point as f64).clamp(dt.min() as f64, dt.max() as f64);
                        let got = out[row * c + i] as f64;
                        assert!((got - exact).abs() <= 0.55, "{dt:?} row {row} ch {i}: got {got}, exact {exact}");
                    }
                }
            }
        }
    }
}
