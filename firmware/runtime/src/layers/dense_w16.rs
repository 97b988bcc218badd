//! Dense with 16-bit weights: input `[..., N]` (int8 or int16), output
//! `[..., M]`, weights `[M][N]` int16, bias `[M]` i32 scaled by
//! `2^bias_shift`. For layers whose int8 weights would dominate an int16
//! model's error — a SIREN's `sin(30·(W x + b))`, where the weight error is
//! multiplied by 30 before the sine — 16×16 products in an `i64`
//! accumulator, then the usual per-channel output stage (`requantize_i64`).
//!
//! ```text
//! acc = Σ (x − zp_in)·w + (bias << bias_shift)        i64, exact
//! y   = output stage of acc                            (as every weighted layer)
//! ```
//! `|x − zp| ≤ 2^16`, `|w| ≤ 2^15`: each product is below 2^31, and the load
//! check proves the sum stays inside an `i64`. The bias shift lets the
//! accumulator's tiny LSB (`s_in · s_w`, both 16-bit scales) carry a bias that
//! would not fit an `i32` at that unit.

use super::output_stage::{Weighted, N_COMMON};
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Largest bias shift: `i32 << 31` stays far inside the `i64` accumulator.
pub const MAX_BIAS_SHIFT: i32 = 31;

/// Decoded Dense layer with int16 weights.
#[derive(Clone, Copy, Debug)]
pub struct DenseW16<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub w: Weighted<'a>,
    pub n_in: usize,
    pub n_out: usize,
    pub rows: usize,
    pub bias_shift: u32,
}

impl<'a> Layer<'a> for DenseW16<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, N_COMMON + 1)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        let (n_in, n_out) = (input.channels(), output.channels());
        let rows = input.len() / n_in;
        if output.len() / n_out != rows || input.dims[..input.rank - 1] != output.dims[..output.rank - 1] {
            return Err(cx.bad("dense input and output must agree on all but the last dimension"));
        }
        let bias_shift = rec.param_in(N_COMMON, 0, MAX_BIAS_SHIFT, "bias shift")? as u32;
        let w = Weighted::decode(rec, cx, (&input, &output), 2 * n_in * n_out, n_out)?.with_wide_accumulator();
        if cx.full() {
            let zp = input.quant.zero_point as i64;
            let max_in = (zp - input.dtype.min() as i64).max(input.dtype.max() as i64 - zp) as u128;
            for c in 0..n_out {
                let sum_w: u128 = (0..n_in).map(|i| weight(w.weights, c * n_in + i).unsigned_abs() as u128).sum();
                let bias = (w.bias(c).unsigned_abs() as u128) << bias_shift;
                if sum_w * max_in + bias > i64::MAX as u128 {
                    return Err(Error::AccumulatorOverflow { op: cx.op, channel: c });
                }
            }
        }
        Ok(DenseW16 { input, output, w, n_in, n_out, rows, bias_shift })
    }

    fn macs(&self) -> usize {
        self.rows * self.n_in * self.n_out
    }

    super::output_stage::weighted_layer_methods!('a);
}

/// Weight `i` (little-endian `i16`; 0 past the end of a validated array never happens).
#[inline(always)]
fn weight(w: &[u8], i: usize) -> i16 {
    match w.get(2 * i..2 * i + 2) {
        Some(b) => i16::from_le_bytes([b[0], b[1]]),
        None => 0,
    }
}

impl DenseW16<'_> {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let zp = self.input.quant.zero_point;
        let (dt, n_in) = (self.input.dtype, self.n_in);
        for r in 0..self.rows {
            for o in 0..self.n_out {
                let wr = o * n_in;
                let mut acc = (self.w.bias(o) as i64) << self.bias_shift;
                for i in 0..n_in {
                    let v = dt.load(x, r * n_in + i) - zp;
                    acc += v as i64 * weight(self.w.weights, wr + i) as i64;
                }
                self.output.dtype.store(y, r * self.n_out + o, self.w.stage.finish(acc, o));
            }
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId, WeightedDef};
    use alloc::vec::Vec;

    impl ModelBuilder {
        /// Dense with int16 weights `[out][in]` (`w16`; `w.weights` is not
        /// read) and the bias scaled by `2^bias_shift`.
        pub fn dense_w16(
            &mut self,
            x: TensorId,
            y: TensorId,
            w16: &[i16],
            w: &WeightedDef,
            bias_shift: u32,
        ) -> &mut Self {
            let bytes: Vec<u8> = w16.iter().flat_map(|v| v.to_le_bytes()).collect();
            let mut p = self.weighted_params_with(y, w, &bytes);
            p.push(bias_shift as i32);
            self.op(OpKind::DenseW16, &[x, y], p)
        }
    }
}
