//! MatMul of two activations, batched over the leading axes: `[.., M, K] ×
//! [.., K, N] → [.., M, N]` (attention's `Q·Kᵀ` and `P·V`). Each output is
//! `Σ (a − zp_a)·(b − zp_b)` over `K` — in `i32` for int8 operands, `i64`
//! for int16 — requantized once by `s_a·s_b / s_y` (§3; `requantize_i64` for
//! the wide accumulator), offset and clamped. The worst-case accumulator,
//! `K · max|a − zp_a| · max|b − zp_b|`, is checked at load against the
//! accumulator type.
//!
//! Params: `m s clamp_min clamp_max`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::{requantize, requantize_i64};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded MatMul.
#[derive(Clone, Copy, Debug)]
pub struct MatMul {
    pub a: TensorInfo,
    pub b: TensorInfo,
    pub output: TensorInfo,
    /// Batch count and the `M, K, N` of each product.
    pub batch: usize,
    pub mkn: [usize; 3],
    mult: i32,
    shift: i32,
    clamp: (i32, i32),
    wide: bool,
}

/// Largest `|v − zp|` a tensor holds.
fn max_magnitude(t: &TensorInfo) -> u128 {
    let zp = t.quant.zero_point as i64;
    (zp - t.dtype.min() as i64).max(t.dtype.max() as i64 - zp) as u128
}

impl<'a> Layer<'a> for MatMul {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 3, 4)?;
        let (a, b, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?, cx.tensor(rec, 2)?);
        let r = a.rank;
        if r < 2 || b.rank != r || output.rank != r {
            return Err(cx.bad("matmul operands and output must have one rank, at least 2"));
        }
        let (m, k, n) = (a.dims[r - 2], a.dims[r - 1], b.dims[r - 1]);
        let same_batch = (0..r - 2).all(|i| a.dims[i] == b.dims[i] && a.dims[i] == output.dims[i]);
        if !same_batch || b.dims[r - 2] != k || output.dims[r - 2] != m || output.dims[r - 1] != n {
            return Err(cx.bad("matmul shapes must be [.., M, K] x [.., K, N] -> [.., M, N]"));
        }
        let wide = a.dtype == DType::I16 || b.dtype == DType::I16;
        let limit = if wide { i64::MAX as u128 } else { i32::MAX as u128 };
        if k as u128 * max_magnitude(&a) * max_magnitude(&b) > limit {
            return Err(Error::AccumulatorOverflow { op: cx.op, channel: 0 });
        }
        let (mult, shift) = (rec.param(0), check_shift(rec.param(1)).map_err(|e| cx.bad(e))?);
        if mult < 0 {
            return Err(cx.bad("matmul multiplier must be >= 0"));
        }
        let clamp = cx.clamp(rec, 2, &output)?;
        let batch = output.len() / (m * n).max(1);
        Ok(MatMul { a, b, output, batch, mkn: [m, k, n], mult, shift, clamp, wide })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.a.range())?, s.input(self.b.range())?, s.out);
        Ok(())
    }

    fn macs(&self) -> usize {
        self.batch * self.mkn.iter().product::<usize>()
    }
}

impl MatMul {
    /// The layer on its operands' and output's bytes.
    pub fn compute(&self, xa: &[u8], xb: &[u8], y: &mut [u8]) {
        let [m, k, n] = self.mkn;
        let (ta, tb, to) = (self.a.dtype, self.b.dtype, self.output.dtype);
        let (za, zb, zy) = (self.a.quant.zero_point, self.b.quant.zero_point, self.output.quant.zero_point);
        for bi in 0..self.batch {
            let (a0, b0, y0) = (bi * m * k, bi * k * n, bi * m * n);
            for i in 0..m {
                for j in 0..n {
                    let term = |t: usize| {
                        (ta.load(xa, a0 + i * k + t) - za) as i64 * (tb.load(xb, b0 + t * n + j) - zb) as i64
                    };
                    let v = if self.wide {
                        requantize_i64((0..k).map(term).sum(), self.mult, self.shift)
                    } else {
                        // In range by the load-time check.
                        requantize((0..k).map(term).sum::<i64>() as i32, self.mult, self.shift)
                    };
                    to.store(y, y0 + i * n + j, v.saturating_add(zy).clamp(self.clamp.0, self.clamp.1));
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
        /// `y = a · b`, batched over the leading axes (parameters from the scales).
        pub fn matmul(&mut self, a: TensorId, b: TensorId, y: TensorId) -> &mut Self {
            let (qa, qb) = (self.tensor_type(a).1, self.tensor_type(b).1);
            let (ty, qy) = self.tensor_type(y);
            let (m, s) = self.rescale(qa.scale as f64 * qb.scale as f64 / qy.scale as f64);
            self.op(OpKind::MatMul, &[a, b, y], alloc::vec![m, s, ty.min(), ty.max()])
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
    pub struct MatMulDef;

    impl FloatLayer for MatMulDef {
        fn name(&self) -> &'static str {
            "matmul"
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (a, b, da) = (inputs[0], inputs[1], in_dims[0]);
            let r = da.len();
            let (m, k, n) = (da[r - 2], da[r - 1], out_dims[r - 1]);
            let batch = out_dims.iter().product::<usize>() / (m * n).max(1);
            let mut y = vec![0.0; batch * m * n];
            for bi in 0..batch {
                for i in 0..m {
                    for j in 0..n {
                        y[(bi * m + i) * n + j] =
                            (0..k).map(|t| a[(bi * m + i) * k + t] * b[(bi * k + t) * n + j]).sum();
                    }
                }
            }
            y
        }

        fn macs(&self, in_dims: &[&[usize]], out_dims: &[usize]) -> usize {
            out_dims.iter().product::<usize>() * channels(in_dims[0])
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.matmul(inputs[0], inputs[1], output);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::MatMulDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::samples::Rng;
    use crate::writer::ModelBuilder;
    use crate::{DType, Model, Op, Quant};

    /// Random int8 and int16 batched products against the real product
    /// rounded to the output grid: within 0.5 LSB plus the requantization's
    /// second rounding (the int8 case shifts right by 6 after the high
    /// multiply: at most 2^-7 LSB more), saturated.
    #[test]
    fn batched_products_are_the_rounded_real_product() {
        let mut r = Rng(11);
        for dt in [DType::I8, DType::I16] {
            let zp = if dt == DType::I8 { -3 } else { 0 };
            let (qa, qb) = (Quant { scale: 0.03, zero_point: zp }, Quant { scale: 0.02, zero_point: -zp });
            let qy = Quant { scale: if dt == DType::I8 { 0.05 } else { 0.0005 }, zero_point: zp };
            // [2, 4, 4] x [2, 4, 4]: the second operand is the input
            // requantized to its own scale (a graph needs one input).
            let d = [2usize, 4, 4];
            let mut b = ModelBuilder::new();
            let (x, x2, y) = (b.tensor(dt, &d, qa), b.tensor(dt, &d, qb), b.tensor(dt, &d, qy));
            b.concat(&[x], x2, 0).matmul(x, x2, y).set_input(x).set_output(y);
            let blob = b.finish().unwrap();
            let model = Model::from_bytes(&blob).unwrap();
            let Ok(Op::MatMul(mm)) = model.op(1) else { panic!("op 1 is not a matmul") };
            assert_eq!((mm.batch, mm.mkn), (2, [4, 4, 4]));
            let es = dt.size();
            for _ in 0..50 {
                let range = if dt == DType::I8 { 128 } else { 32768 };
                let (va, vb) = (r.i32s(32, range), r.i32s(32, range));
                let (mut xa, mut xb, mut out) = (vec![0u8; 32 * es], vec![0u8; 32 * es], vec![0u8; 32 * es]);
                for i in 0..32 {
                    dt.store(&mut xa, i, va[i]);
                    dt.store(&mut xb, i, vb[i]);
                }
                mm.compute(&xa, &xb, &mut out);
                for (o, _) in (0..32).zip(0..) {
                    let (bi, i, j) = (o / 16, (o / 4) % 4, o % 4);
                    let real: f64 = (0..4)
                        .map(|t| {
                            let a = qa.scale as f64 * (dt.load(&xa, bi * 16 + i * 4 + t) - qa.zero_point) as f64;
                            let v = qb.scale as f64 * (dt.load(&xb, bi * 16 + t * 4 + j) - qb.zero_point) as f64;
                            a * v
                        })
                        .sum();
                    let exact = real / qy.scale as f64 + qy.zero_point as f64;
                    let want = exact.clamp(dt.min() as f64, dt.max() as f64);
                    let got = dt.load(&out, o) as f64;
                    assert!(
                        (got - want).abs() <= 0.5 + 1.0 / 128.0 + 1e-6 * exact.abs(),
                        "{dt:?} out {o}: {got} vs {exact}"
                    );
                }
            }
        }
    }
}
