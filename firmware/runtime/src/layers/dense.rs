//! Dense (fully connected) over the innermost dimension: input `[..., N]`,
//! output `[..., M]`, weights `[M][N]` int8, bias `[M]` i32. A rank-1 input is
//! the classic MLP layer; higher ranks apply the same weights to every row
//! (PyTorch `Linear` semantics).

use super::dot::{dot_i16, each_row_dot_i8};
use super::output_stage::{Weighted, N_COMMON};
use super::{DecodeCtx, Layer};
use crate::arith::requantize;
use crate::dtype::{le_i32, DType};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Dense layer.
#[derive(Clone, Copy, Debug)]
pub struct Dense<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub w: Weighted<'a>,
    pub n_in: usize,
    pub n_out: usize,
    pub rows: usize,
}

impl<'a> Layer<'a> for Dense<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, N_COMMON)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        let (n_in, n_out) = (input.channels(), output.channels());
        let rows = input.len() / n_in;
        if output.len() / n_out != rows || input.dims[..input.rank - 1] != output.dims[..output.rank - 1] {
            return Err(cx.bad("dense input and output must agree on all but the last dimension"));
        }
        let w = Weighted::decode(rec, cx, (&input, &output), n_in * n_out, n_out)?;
        if cx.full() {
            w.check_accumulators(cx.op, &input, n_out, |c| w.weights[c * n_in..(c + 1) * n_in].iter().copied())?;
        }
        Ok(Dense { input, output, w, n_in, n_out, rows })
    }

    fn macs(&self) -> usize {
        self.rows * self.n_in * self.n_out
    }

    super::output_stage::weighted_layer_methods!('a);
}

impl Dense<'_> {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        if self.input.dtype == DType::I8 && self.output.dtype == DType::I8 && self.w.stage.is_plain_per_channel() {
            return self.run_i8(x, y);
        }
        let zp = self.input.quant.zero_point;
        let es = self.input.dtype.size();
        for r in 0..self.rows {
            // Regions come from validated shapes; a short slice ends the layer
            // instead of panicking.
            let Some(xr) = x.get(r * self.n_in * es..(r + 1) * self.n_in * es) else { return };
            let mut store = |o: usize, acc: i64| {
                let acc = acc + self.w.bias(o) as i64;
                self.output.dtype.store(y, r * self.n_out + o, self.w.stage.finish(acc, o));
            };
            match self.input.dtype {
                DType::I8 => each_row_dot_i8(xr, self.w.weights, self.n_out, Some(zp), |o, acc| store(o, acc as i64)),
                DType::I16 => {
                    for o in 0..self.n_out {
                        let Some(wr) = self.w.weights.get(o * self.n_in..(o + 1) * self.n_in) else { return };
                        store(o, dot_i16(xr, wr, zp));
                    }
                }
            }
        }
    }

    /// The common case — int8 in and out, per-channel requantization, at most
    /// a clamp — as one tight loop over the channel arrays: the same
    /// arithmetic as the general path, without its per-element dispatch.
    fn run_i8(&self, x: &[u8], y: &mut [u8]) {
        let zp = self.input.quant.zero_point;
        let st = &self.w.stage;
        let (lo, hi, out_zp) = (st.clamp_min, st.clamp_max, st.out_zp());
        let (bias, mult, shift) = (self.w.bias_bytes(), st.mult_bytes(), st.shift_bytes());
        for (xr, yr) in x.chunks_exact(self.n_in.max(1)).zip(y.chunks_exact_mut(self.n_out.max(1))) {
            each_row_dot_i8(xr, self.w.weights, yr.len(), Some(zp), |o, acc| {
                if let Some(yv) = yr.get_mut(o) {
                    let v = requantize(acc.wrapping_add(le_i32(bias, o)), le_i32(mult, o), le_i32(shift, o));
                    *yv = v.saturating_add(out_zp).clamp(lo, hi) as i8 as u8;
                }
            });
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId, WeightedDef};

    impl ModelBuilder {
        /// Dense over the innermost dimension; weights `[out][in]`.
        pub fn dense(&mut self, x: TensorId, y: TensorId, w: &WeightedDef) -> &mut Self {
            let p = self.weighted_params(y, w);
            self.op(OpKind::Dense, &[x, y], p)
        }
    }
}
