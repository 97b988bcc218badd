//! ReduceSum, ReduceMean, ReduceMax and ReduceMin over any set of stored axes (mean
//! over tokens, a sum for a normalization), the reduced axes kept as size 1
//! in the output.
//!
//! With `t = x − zp_in` over the `N` reduced elements of each output:
//! ```text
//! sum:  y = zp_out + requantize_i64(Σ t, m, s)     (m, s) ≈ s_in / s_out
//! mean: y = zp_out + requantize_i64(Σ t, m, s)     (m, s) ≈ s_in / (N · s_out)   one rounding
//! max:  y = zp_out + requantize(max t, m, s)       (m, s) ≈ s_in / s_out
//! ```
//! clamped. Params: `axes_mask m s clamp_min clamp_max`.

use super::arena_io::with_io;
use super::{DecodeCtx, Layer};
use crate::activation::relu::check_shift;
use crate::arith::{requantize, requantize_i64};
use crate::error::Error;
use crate::format::{Record, TensorInfo, MAX_RANK};
use crate::ops::OpKind;

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceKind {
    Sum,
    Mean,
    Max,
    Min,
}

/// Decoded reduction.
#[derive(Clone, Copy, Debug)]
pub struct Reduce {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub kind: ReduceKind,
    /// Bit `i` set: stored axis `i` is reduced.
    pub axes: u32,
    mult: i32,
    shift: i32,
    clamp: (i32, i32),
}

impl<'a> Layer<'a> for Reduce {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 5)?;
        let (input, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?);
        let axes = rec.param(0);
        if axes <= 0 || axes >= 1 << input.rank {
            return Err(cx.bad("reduce axes must be a non-empty set of the input's axes"));
        }
        let axes = axes as u32;
        let kept = (0..MAX_RANK).all(|i| {
            let reduced = i < input.rank && axes & (1 << i) != 0;
            output.dims[i] == if reduced { 1 } else { input.dims[i] }
        });
        if output.rank != input.rank || !kept {
            return Err(cx.bad("reduce output must be the input with the reduced axes of size 1"));
        }
        let (mult, shift) = (rec.param(1), check_shift(rec.param(2)).map_err(|e| cx.bad(e))?);
        if mult < 0 {
            return Err(cx.bad("reduce multiplier must be >= 0"));
        }
        let clamp = cx.clamp(rec, 3, &output)?;
        let kind = match cx.kind {
            OpKind::ReduceSum => ReduceKind::Sum,
            OpKind::ReduceMean => ReduceKind::Mean,
            OpKind::ReduceMin => ReduceKind::Min,
            _ => ReduceKind::Max,
        };
        Ok(Reduce { input, output, kind, axes, mult, shift, clamp })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
    }
}

impl Reduce {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let d = self.input.dims;
        let stride = [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1];
        let reduced = |i: usize| self.axes & (1 << i) != 0;
        // The reduced sub-box: its extent per axis, iterated for each output.
        let ext = [0, 1, 2, 3].map(|i| if reduced(i) { d[i] } else { 1 });
        let (ti, to) = (self.input.dtype, self.output.dtype);
        let (zi, zo) = (self.input.quant.zero_point, self.output.quant.zero_point);
        let o = self.output.dims;
        let mut out_i = 0;
        for o0 in 0..o[0] {
            for o1 in 0..o[1] {
                for o2 in 0..o[2] {
                    for o3 in 0..o[3] {
                        let base = o0 * stride[0] + o1 * stride[1] + o2 * stride[2] + o3 * stride[3];
                        let (mut sum, mut best, mut least) = (0i64, i32::MIN, i32::MAX);
                        for r0 in 0..ext[0] {
                            for r1 in 0..ext[1] {
                                for r2 in 0..ext[2] {
                                    for r3 in 0..ext[3] {
                                        let at =
                                            base + r0 * stride[0] + r1 * stride[1] + r2 * stride[2] + r3 * stride[3];
                                        let t = ti.load(x, at) - zi;
                                        sum += t as i64;
                                        best = best.max(t);
                                        least = least.min(t);
                                    }
                                }
                            }
                        }
                        let v = match self.kind {
                            ReduceKind::Sum | ReduceKind::Mean => requantize_i64(sum, self.mult, self.shift),
                            ReduceKind::Max => requantize(best, self.mult, self.shift),
                            ReduceKind::Min => requantize(least, self.mult, self.shift),
                        };
                        to.store(y, out_i, v.saturating_add(zo).clamp(self.clamp.0, self.clamp.1));
                        out_i += 1;
                    }
                }
            }
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use super::ReduceKind;
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Reduce `x` over the stored `axes` into `y` (those axes of size 1).
        pub fn reduce(&mut self, kind: ReduceKind, x: TensorId, y: TensorId, axes: &[usize]) -> &mut Self {
            let (dims, qx) = (self.dims(x).to_vec(), self.tensor_type(x).1);
            let (ty, qy) = self.tensor_type(y);
            let n: usize = axes.iter().map(|&a| dims.get(a).copied().unwrap_or(1)).product();
            let per = if kind == ReduceKind::Mean { n.max(1) as f64 } else { 1.0 };
            let (m, s) = self.rescale(qx.scale as f64 / (per * qy.scale as f64));
            let mask = axes.iter().fold(0i32, |m, &a| m | 1 << a.min(30));
            let op = match kind {
                ReduceKind::Sum => OpKind::ReduceSum,
                ReduceKind::Mean => OpKind::ReduceMean,
                ReduceKind::Max => OpKind::ReduceMax,
                ReduceKind::Min => OpKind::ReduceMin,
            };
            self.op(op, &[x, y], alloc::vec![mask, m, s, ty.min(), ty.max()])
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use super::ReduceKind;
    use crate::writer::float::FloatLayer;
    use crate::writer::{ModelBuilder, TensorId};
    use crate::{DType, Quant};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct ReduceDef {
        pub kind: ReduceKind,
        /// Stored axes (no batch) reduced.
        pub axes: Vec<usize>,
    }

    impl FloatLayer for ReduceDef {
        fn name(&self) -> &'static str {
            match self.kind {
                ReduceKind::Sum => "reduce_sum",
                ReduceKind::Mean => "reduce_mean",
                ReduceKind::Max => "reduce_max",
                ReduceKind::Min => "reduce_min",
            }
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, d) = (inputs[0], in_dims[0]);
            let n: usize = out_dims.iter().product();
            let (mut acc, mut count) = (vec![0.0; n], vec![0usize; n]);
            let (mut best, mut least) = (vec![f64::MIN; n], vec![f64::MAX; n]);
            for (e, &v) in x.iter().enumerate() {
                // The output element `e` falls into: its index with reduced axes at 0.
                let (mut rest, mut o, mut stride) = (e, 0, 1);
                for (i, &di) in d.iter().enumerate().rev() {
                    let idx = rest % di;
                    rest /= di;
                    if !self.axes.contains(&i) {
                        o += idx * stride;
                    }
                    stride *= out_dims[i];
                }
                acc[o] += v;
                count[o] += 1;
                best[o] = best[o].max(v);
                least[o] = least[o].min(v);
            }
            match self.kind {
                ReduceKind::Sum => acc,
                ReduceKind::Mean => acc.iter().zip(&count).map(|(a, &c)| a / c.max(1) as f64).collect(),
                ReduceKind::Max => best,
                ReduceKind::Min => least,
            }
        }

        /// The max of values keeps their scale.
        fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
            matches!(self.kind, ReduceKind::Max | ReduceKind::Min).then_some(input)
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.reduce(self.kind, inputs[0], output, &self.axes);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::ReduceDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::ReduceKind;
    use crate::writer::samples::Rng;
    use crate::writer::ModelBuilder;
    use crate::{DType, Interpreter, Model, Quant};

    /// Sum, mean and max over each axis set of a rank-3 tensor against f64:
    /// sum and mean within 0.5 LSB (one rounding), max within the double
    /// rounding bound of §3, saturated.
    #[test]
    fn reductions_over_every_axis_set_match_the_real_values() {
        let (qx, qy) = (Quant { scale: 0.05, zero_point: 6 }, Quant { scale: 0.2, zero_point: -10 });
        let dims = [3usize, 4, 5];
        let mut r = Rng(3);
        for kind in [ReduceKind::Sum, ReduceKind::Mean, ReduceKind::Max, ReduceKind::Min] {
            for mask in 1..8u32 {
                let axes: Vec<usize> = (0..3).filter(|&a| mask & (1 << a) != 0).collect();
                let od: Vec<usize> = (0..3).map(|a| if mask & (1 << a) != 0 { 1 } else { dims[a] }).collect();
                let mut b = ModelBuilder::new();
                let (x, y) = (b.tensor(DType::I8, &dims, qx), b.tensor(DType::I8, &od, qy));
                b.reduce(kind, x, y, &axes).set_input(x).set_output(y);
                let blob = b.finish().unwrap();
                let m = Model::from_bytes(&blob).unwrap();
                let mut arena = vec![0u8; m.arena_size()];
                let mut it = Interpreter::new(m, &mut arena).unwrap();
                let xs = r.i32s(60, 100);
                it.set_input(&xs).unwrap();
                it.invoke().unwrap();
                let mut out = vec![0; od.iter().product()];
                it.get_output(&mut out).unwrap();
                for (k, &got) in out.iter().enumerate() {
                    let oi = [k / (od[1] * od[2]), (k / od[2]) % od[1], k % od[2]];
                    let vals: Vec<f64> = (0..60)
                        .filter(|&e| {
                            let ei = [e / 20, (e / 5) % 4, e % 5];
                            (0..3).all(|a| mask & (1 << a) != 0 || ei[a] == oi[a])
                        })
                        .map(|e| qx.scale as f64 * (xs[e] - qx.zero_point) as f64)
                        .collect();
                    let real = match kind {
                        ReduceKind::Sum => vals.iter().sum(),
                        ReduceKind::Mean => vals.iter().sum::<f64>() / vals.len() as f64,
                        ReduceKind::Max => vals.iter().cloned().fold(f64::MIN, f64::max),
                        ReduceKind::Min => vals.iter().cloned().fold(f64::MAX, f64::min),
                    };
                    let exact = (real / qy.scale as f64 + qy.zero_point as f64).clamp(-128.0, 127.0);
                    // Max requantizes with TFLite's two roundings: the high
                    // multiply's, then a shift right by `-shift` bits.
                    let right = -crate::arith::quantize_multiplier(qx.scale as f64 / qy.scale as f64).unwrap().1;
                    let slack = if matches!(kind, ReduceKind::Max | ReduceKind::Min) {
                        0.5f64.powi(right.max(0) + 1)
                    } else {
                        1e-6
                    };
                    assert!(
                        (got as f64 - exact).abs() <= 0.5 + slack,
                        "{kind:?} axes {axes:?} out {k}: {got} vs {exact}"
                    );
                }
            }
        }
    }
}
