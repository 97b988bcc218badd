//! Max and average pooling, 1-D and 2-D (global pooling = window over the whole
//! input). Input and output share type and quantization, so no requantization:
//! average is `round(sum / count)` half away from zero over the taps inside the
//! input (padding is excluded from the count, as in TFLite).
//!
//! Params: `kh kw stride_h stride_w pad_top pad_left pad_bottom pad_right clamp_min clamp_max`.

use super::arena_io::with_io;
use super::window::Geometry;
use super::{DecodeCtx, Layer};
use crate::arith::round_div_i64;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::ops::OpKind;

/// Max or average.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Avg,
}

/// Decoded pooling layer.
#[derive(Clone, Copy, Debug)]
pub struct Pool {
    pub kind: PoolKind,
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub g: Geometry,
    pub clamp: (i32, i32),
}

impl<'a> Layer<'a> for Pool {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let op = cx.op;
        let kind = if cx.kind == OpKind::MaxPool { PoolKind::Max } else { PoolKind::Avg };
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(2, 10).map_err(bad)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        if input.dtype != output.dtype || input.quant != output.quant {
            return Err(bad("pooling input and output must have the same type and quantization"));
        }
        let g = geometry(rec, op, &input, &output)?;
        if g.in_hwc[2] != g.out_hwc[2] {
            return Err(bad("pooling keeps the channel count"));
        }
        let clamp = cx.clamp(rec, 8, &output)?;
        Ok(Pool { kind, input, output, g, clamp })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        with_io(arena, &self.input, &self.output, |x, y| self.compute(x, y))
    }
}

impl Pool {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let g = &self.g;
        let [_, iw, c] = g.in_hwc;
        let [oh, ow, _] = g.out_hwc;
        let t = self.input.dtype;
        let mut out_i = 0;
        for oy in 0..oh {
            let (ky0, ky1) = g.valid_taps(0, oy);
            for ox in 0..ow {
                let (kx0, kx1) = g.valid_taps(1, ox);
                for ch in 0..c {
                    let (mut acc, mut count, mut best) = (0i64, 0i64, i32::MIN);
                    for ky in ky0..ky1 {
                        let iy = oy * g.stride[0] + ky - g.pad[0];
                        for kx in kx0..kx1 {
                            let ix = ox * g.stride[1] + kx - g.pad[1];
                            let v = t.load(x, (iy * iw + ix) * c + ch);
                            acc += v as i64;
                            count += 1;
                            best = best.max(v);
                        }
                    }
                    let v = match self.kind {
                        _ if count == 0 => self.input.quant.zero_point,
                        PoolKind::Max => best,
                        PoolKind::Avg => round_div_i64(acc, count) as i32,
                    };
                    t.store(y, out_i, v.clamp(self.clamp.0, self.clamp.1));
                    out_i += 1;
                }
            }
        }
    }
}

/// Pool params reuse the convolution geometry with dilation 1.
fn geometry(rec: &Record, op: usize, input: &TensorInfo, output: &TensorInfo) -> Result<Geometry, Error> {
    let bad = |reason| Error::InvalidOp { op, reason };
    let mut v = [0usize; 8];
    for (i, x) in v.iter_mut().enumerate() {
        let p = rec.param(i);
        if p < (i < 4) as i32 || p > u16::MAX as i32 {
            return Err(bad("window and stride must be >= 1 and padding >= 0"));
        }
        *x = p as usize;
    }
    let (Some(in_hwc), Some(out_hwc)) = (input.hwc(), output.hwc()) else {
        return Err(bad("pooling tensors must have rank 1 to 3"));
    };
    let g = Geometry {
        in_hwc,
        out_hwc,
        window: [v[0], v[1]],
        stride: [v[2], v[3]],
        dilation: [1, 1],
        pad: [v[4], v[5], v[6], v[7]],
    };
    g.check(op)?;
    Ok(g)
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, PoolGeom, TensorId};

    impl ModelBuilder {
        fn pool(&mut self, kind: OpKind, x: TensorId, y: TensorId, g: &PoolGeom) -> &mut Self {
            let dt = self.tensor_type(y).0;
            let mut p: alloc::vec::Vec<i32> =
                g.window.iter().chain(&g.stride).chain(&g.pad).map(|&v| v as i32).collect();
            p.extend([dt.min(), dt.max()]);
            self.op(kind, &[x, y], p)
        }

        /// Max pooling (1-D tensors are `[W, C]` with `window = [1, k]`).
        pub fn max_pool(&mut self, x: TensorId, y: TensorId, g: &PoolGeom) -> &mut Self {
            self.pool(OpKind::MaxPool, x, y, g)
        }

        /// Average pooling.
        pub fn avg_pool(&mut self, x: TensorId, y: TensorId, g: &PoolGeom) -> &mut Self {
            self.pool(OpKind::AvgPool, x, y, g)
        }

        fn spatial(&self, x: TensorId) -> [usize; 2] {
            let d = self.dims(x);
            match d.len() {
                3 => [d[0], d[1]],
                2 => [1, d[0]],
                _ => [1, 1],
            }
        }

        /// Global average pooling over all spatial positions.
        pub fn global_avg_pool(&mut self, x: TensorId, y: TensorId) -> &mut Self {
            let s = self.spatial(x);
            self.avg_pool(x, y, &PoolGeom { window: s, stride: [1, 1], pad: [0; 4] })
        }

        /// Global max pooling.
        pub fn global_max_pool(&mut self, x: TensorId, y: TensorId) -> &mut Self {
            let s = self.spatial(x);
            self.max_pool(x, y, &PoolGeom { window: s, stride: [1, 1], pad: [0; 4] })
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::{hwc, tap, FloatLayer};
    use crate::writer::PoolGeom;
    use crate::writer::{ModelBuilder, TensorId};
    use crate::{DType, Quant};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct PoolDef {
        pub max: bool,
        pub geom: PoolGeom,
    }

    impl FloatLayer for PoolDef {
        fn name(&self) -> &'static str {
            if self.max {
                "max_pool"
            } else {
                "avg_pool"
            }
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, i, o, g) = (inputs[0], hwc(in_dims[0]), hwc(out_dims), &self.geom);
            let mut out = Vec::with_capacity(o.iter().product());
            for oy in 0..o[0] {
                for ox in 0..o[1] {
                    for c in 0..o[2] {
                        let (mut acc, mut n, mut best) = (0.0f64, 0.0f64, f64::MIN);
                        for ky in 0..g.window[0] {
                            let Some(iy) = tap(oy, ky, g.stride[0], 1, g.pad[0], i[0]) else { continue };
                            for kx in 0..g.window[1] {
                                let Some(ix) = tap(ox, kx, g.stride[1], 1, g.pad[1], i[1]) else { continue };
                                let v = x[(iy * i[1] + ix) * i[2] + c];
                                acc += v;
                                n += 1.0;
                                best = best.max(v);
                            }
                        }
                        out.push(if self.max { best } else { acc / n.max(1.0) });
                    }
                }
            }
            out
        }

        /// Pooling keeps its input's quantization (no requantization).
        fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
            Some(input)
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            let (x, y) = (inputs[0], output);
            if self.max {
                b.max_pool(x, y, &self.geom);
            } else {
                b.avg_pool(x, y, &self.geom);
            }
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::PoolDef;
