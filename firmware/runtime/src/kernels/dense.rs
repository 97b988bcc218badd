//! Dense (fully connected) over the innermost dimension: input `[..., N]`,
//! output `[..., M]`, weights `[M][N]` int8, bias `[M]` i32. A rank-1 input is
//! the classic MLP layer; higher ranks apply the same weights to every row
//! (PyTorch `Linear` semantics).

use super::dot::{dot_i16, dot_i8};
use super::output_stage::{Weighted, N_COMMON};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::model::Model;

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

impl<'a> Dense<'a> {
    pub fn decode(rec: &Record<'a>, op: usize, model: &Model<'a>, full: bool) -> Result<Self, Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(2, N_COMMON).map_err(bad)?;
        let input = model.tensor(rec.tensor(0))?;
        let output = model.tensor(rec.tensor(1))?;
        let (n_in, n_out) = (input.channels(), output.channels());
        let rows = input.len() / n_in;
        if output.len() / n_out != rows || input.dims[..input.rank - 1] != output.dims[..output.rank - 1] {
            return Err(bad("dense input and output must agree on all but the last dimension"));
        }
        let w = Weighted::decode(rec, op, model, &input, &output, n_in * n_out, n_out)?;
        if full {
            w.check_accumulators(op, &input, n_out, |c| w.weights[c * n_in..(c + 1) * n_in].iter().copied())?;
        }
        Ok(Dense { input, output, w, n_in, n_out, rows })
    }

    pub fn run(&self, x: &[u8], y: &mut [u8]) {
        let zp = self.input.quant.zero_point;
        let es = self.input.dtype.size();
        for r in 0..self.rows {
            let xr = &x[r * self.n_in * es..(r + 1) * self.n_in * es];
            for o in 0..self.n_out {
                let wr = &self.w.weights[o * self.n_in..(o + 1) * self.n_in];
                let acc = match self.input.dtype {
                    DType::I8 => dot_i8(xr, wr, zp) as i64,
                    DType::I16 => dot_i16(xr, wr, zp),
                } + self.w.bias(o) as i64;
                self.output.dtype.store(y, r * self.n_out + o, self.w.stage.finish(acc, o));
            }
        }
    }

    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> usize {
        self.rows * self.n_in * self.n_out
    }
}
