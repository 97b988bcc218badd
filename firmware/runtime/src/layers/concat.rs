//! Concatenation along one axis, each input requantized to the output's scale.
//!
//! Tensors: `in_0 .. in_{n-1}, out`. Params: `axis, (m_i, s_i) for each input`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::requantize;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Most inputs a Concat may have.
pub const MAX_INPUTS: usize = 8;

/// Decoded Concat.
#[derive(Clone, Copy, Debug)]
pub struct Concat {
    pub inputs: [Option<TensorInfo>; MAX_INPUTS],
    pub n: usize,
    pub output: TensorInfo,
    pub axis: usize,
    scales: [(i32, i32); MAX_INPUTS],
}

impl<'a> Layer<'a> for Concat {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let op = cx.op;
        let bad = |reason| Error::InvalidOp { op, reason };
        let nt = rec.n_tensors();
        if !(2..=MAX_INPUTS + 1).contains(&nt) {
            return Err(bad("concat takes 1 to 8 inputs"));
        }
        let n = nt - 1;
        rec.expect_counts(nt, 1 + 2 * n).map_err(bad)?;
        let output = cx.tensor(rec, n)?;
        let axis = rec.param(0);
        if axis < 0 || axis as usize >= output.rank {
            return Err(bad("concat axis outside the output rank"));
        }
        let axis = axis as usize;
        let mut inputs = [None; MAX_INPUTS];
        let mut scales = [(0, 0); MAX_INPUTS];
        let mut total = 0;
        for i in 0..n {
            let t = cx.tensor(rec, i)?;
            let same_other =
                t.rank == output.rank && (0..output.rank).all(|d| d == axis || t.dims[d] == output.dims[d]);
            if !same_other {
                return Err(bad("concat inputs must match the output except along the axis"));
            }
            total += t.dims[axis];
            scales[i] = (rec.param(1 + 2 * i), check_shift(rec.param(2 + 2 * i)).map_err(bad)?);
            inputs[i] = Some(t);
        }
        if total != output.dims[axis] {
            return Err(bad("concat output extent along the axis is not the sum of the inputs"));
        }
        Ok(Concat { inputs, n, output, axis, scales })
    }

    /// Run with input buffers `xs[i]`.
    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        let mut xs: [&[u8]; MAX_INPUTS] = [&[]; MAX_INPUTS];
        for (x, t) in xs.iter_mut().zip(self.inputs.iter()) {
            if let Some(t) = t {
                *x = s.input(t.range())?;
            }
        }
        self.compute(&xs, s.out);
        Ok(())
    }
}

impl Concat {
    /// The layer on its input and output bytes.
    pub fn compute(&self, xs: &[&[u8]; MAX_INPUTS], y: &mut [u8]) {
        let outer: usize = self.output.dims[..self.axis].iter().product();
        let inner: usize = self.output.dims[self.axis + 1..self.output.rank].iter().product();
        let mut out_i = 0;
        for o in 0..outer {
            let inputs = self.inputs.iter().zip(xs).zip(&self.scales);
            for ((t, x), &(m, s)) in inputs.take(self.n) {
                let Some(t) = t else { continue };
                let block = t.dims[self.axis] * inner;
                for k in 0..block {
                    let v = requantize(t.dtype.load(x, o * block + k) - t.quant.zero_point, m, s);
                    self.output.dtype.store(y, out_i, v.saturating_add(self.output.quant.zero_point));
                    out_i += 1;
                }
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
        /// Concatenate along `axis`, requantizing each input to the output scale.
        pub fn concat(&mut self, xs: &[TensorId], y: TensorId, axis: usize) -> &mut Self {
            let qy = self.tensor_type(y).1;
            let mut p = alloc::vec![axis as i32];
            for &x in xs {
                let qx = self.tensor_type(x).1;
                let (m, s) = self.rescale(qx.scale as f64 / qy.scale as f64);
                p.extend([m, s]);
            }
            let mut ts = xs.to_vec();
            ts.push(y);
            self.op(OpKind::Concat, &ts, p)
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::FloatLayer;
    use crate::writer::{ModelBuilder, TensorId};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct ConcatDef {
        /// Axis in the stored (channels-last, no batch) dims.
        pub axis: usize,
    }

    impl FloatLayer for ConcatDef {
        fn name(&self) -> &'static str {
            "concat"
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let outer: usize = out_dims[..self.axis].iter().product();
            let mut o = Vec::with_capacity(out_dims.iter().product());
            for k in 0..outer {
                for (x, d) in inputs.iter().zip(in_dims) {
                    let block: usize = d[self.axis..].iter().product();
                    o.extend_from_slice(&x[k * block..(k + 1) * block]);
                }
            }
            o
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            let xs: Vec<TensorId> = inputs.to_vec();
            b.concat(&xs, output, self.axis);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::ConcatDef;
