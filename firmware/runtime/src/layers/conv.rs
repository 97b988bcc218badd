//! Conv1D and Conv2D, channels-last (`[H, W, C]`; 1-D tensors are `[W, C]`,
//! treated as `H = 1`), with stride, dilation and explicit padding.
//!
//! Params after the common weighted-layer params: `kh kw stride_h stride_w
//! dilation_h dilation_w pad_top pad_left pad_bottom pad_right`. Weights
//! `[Cout][kh][kw][Cin]` (TFLite layout). Padding contributes the input zero
//! point, i.e. real zero.

use super::dot::{dot_i16, dot_i8, each_row_dot_i8};
use super::output_stage::{Weighted, N_COMMON};
pub use super::window::{out_extent, Geometry};
use super::{DecodeCtx, Layer};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::ops::OpKind;

/// Largest receptive field (`kh·kw·cin` bytes) the int8 path gathers on the
/// stack; larger kernels take the tap-by-tap path (and stay interpreted in
/// compiled models).
pub const MAX_PATCH: usize = 512;

/// Decoded Conv1D / Conv2D.
#[derive(Clone, Copy, Debug)]
pub struct Conv<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub w: Weighted<'a>,
    pub g: Geometry,
}

impl<'a> Layer<'a> for Conv<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, N_COMMON + 10)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        let g = Geometry::decode(rec, N_COMMON, cx.op, &input, &output, cx.kind == OpKind::Conv1D)?;
        let (cin, cout) = (g.in_hwc[2], g.out_hwc[2]);
        let per_out = g.window[0] * g.window[1] * cin;
        let w = Weighted::decode(rec, cx, (&input, &output), cout * per_out, cout)?;
        if cx.full() {
            w.check_accumulators(cx.op, &input, cout, |c| w.weights[c * per_out..(c + 1) * per_out].iter().copied())?;
        }
        Ok(Conv { input, output, w, g })
    }

    /// Multiply-accumulates per inference (padding taps included).
    fn macs(&self) -> usize {
        self.output.len() * self.g.window[0] * self.g.window[1] * self.g.in_hwc[2]
    }

    super::output_stage::weighted_layer_methods!('a);
}

impl Conv<'_> {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let patch = self.g.window[0] * self.g.window[1] * self.g.in_hwc[2];
        if self.input.dtype == DType::I8 && self.output.dtype == DType::I8 && patch <= MAX_PATCH {
            return self.run_i8(x, y);
        }
        self.run_general(x, y)
    }

    /// The int8 case: each output pixel's receptive field is gathered once
    /// into a contiguous patch (taps outside the input read as the zero point,
    /// which contributes `(zp − zp)·w = 0`), then every output channel is one
    /// inner product with its contiguous weights, accumulated in i32 (the
    /// range is validated at load). Same bits as the tap-by-tap path.
    fn run_i8(&self, x: &[u8], y: &mut [u8]) {
        let g = &self.g;
        let [_, _, cin] = g.in_hwc;
        let [oh, ow, cout] = g.out_hwc;
        let [kh, kw] = g.window;
        let zp = self.input.quant.zero_point;
        let mut buf = [0u8; MAX_PATCH];
        let Some(patch) = buf.get_mut(..kh * kw * cin) else { return };
        let mut outs = y.iter_mut();
        for oy in 0..oh {
            for ox in 0..ow {
                g.gather_patch(x, (oy, ox), zp as u8, patch);
                each_row_dot_i8(patch, self.w.weights, cout, Some(zp), |oc, acc| {
                    if let Some(out) = outs.next() {
                        *out = self.w.stage.finish(acc.wrapping_add(self.w.bias(oc)) as i64, oc) as u8;
                    }
                });
            }
        }
    }

    /// Any type, any geometry: one inner product per kernel tap.
    fn run_general(&self, x: &[u8], y: &mut [u8]) {
        let g = &self.g;
        let [_, iw, cin] = g.in_hwc;
        let [oh, ow, cout] = g.out_hwc;
        let [kh, kw] = g.window;
        let es = self.input.dtype.size();
        let zp = self.input.quant.zero_point;
        let mut out_i = 0;
        for oy in 0..oh {
            // The taps that land inside the input, found once per row/column.
            let (ky0, ky1) = g.valid_taps(0, oy);
            for ox in 0..ow {
                let (kx0, kx1) = g.valid_taps(1, ox);
                for oc in 0..cout {
                    let mut acc = self.w.bias(oc) as i64;
                    for ky in ky0..ky1 {
                        let iy = oy * g.stride[0] + ky * g.dilation[0] - g.pad[0];
                        let w_row = (oc * kh + ky) * kw;
                        for kx in kx0..kx1 {
                            let ix = ox * g.stride[1] + kx * g.dilation[1] - g.pad[1];
                            let px = (iy * iw + ix) * cin;
                            let (Some(xs), Some(ws)) = (
                                x.get(px * es..(px + cin) * es),
                                self.w.weights.get((w_row + kx) * cin..(w_row + kx + 1) * cin),
                            ) else {
                                continue;
                            };
                            acc += match self.input.dtype {
                                DType::I8 if cin == 1 => ((xs[0] as i8 as i32 - zp) * (ws[0] as i8 as i32)) as i64,
                                DType::I8 => dot_i8(xs, ws, zp) as i64,
                                DType::I16 => dot_i16(xs, ws, zp),
                            };
                        }
                    }
                    self.output.dtype.store(y, out_i, self.w.stage.finish(acc, oc));
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
    use crate::writer::{ConvGeom, ModelBuilder, TensorId, WeightedDef};

    impl ModelBuilder {
        /// Conv2D on `[H, W, C]`; weights `[Cout][kh][kw][Cin]`.
        pub fn conv2d(&mut self, x: TensorId, y: TensorId, w: &WeightedDef, g: &ConvGeom) -> &mut Self {
            self.conv(OpKind::Conv2D, (x, y), w, g)
        }

        /// Conv1D on `[W, C]`; `g.window = [1, k]`; weights `[Cout][1][k][Cin]`.
        pub fn conv1d(&mut self, x: TensorId, y: TensorId, w: &WeightedDef, g: &ConvGeom) -> &mut Self {
            self.conv(OpKind::Conv1D, (x, y), w, g)
        }

        fn conv(&mut self, kind: OpKind, (x, y): (TensorId, TensorId), w: &WeightedDef, g: &ConvGeom) -> &mut Self {
            let mut p = self.weighted_params(y, w);
            Self::geom_params(&mut p, g);
            self.op(kind, &[x, y], p)
        }
    }
}

#[cfg(all(test, feature = "writer"))]
mod tests {
    use super::*;
    use crate::format::Quant;
    use crate::writer::samples::{requant_per_channel, Rng};
    use crate::writer::{ConvGeom, ModelBuilder, WeightedDef};

    /// The patch path gives the tap-by-tap path's bytes: padding on every
    /// side, strides, dilations, one and several input channels.
    #[test]
    fn int8_patches_equal_the_tap_by_tap_path() {
        let cases = [
            ([28, 28, 1], 16, ConvGeom { window: [3, 3], stride: [1, 1], dilation: [1, 1], pad: [1, 1, 1, 1] }),
            ([9, 7, 3], 5, ConvGeom { window: [3, 3], stride: [2, 1], dilation: [2, 2], pad: [2, 1, 1, 2] }),
            ([6, 6, 8], 4, ConvGeom { window: [1, 1], stride: [1, 1], dilation: [1, 1], pad: [0, 0, 0, 0] }),
            ([5, 8, 2], 3, ConvGeom { window: [2, 5], stride: [1, 3], dilation: [1, 1], pad: [0, 4, 1, 4] }),
        ];
        let mut r = Rng(7);
        for (case, ([h, w, cin], cout, g)) in cases.into_iter().enumerate() {
            let (qx, qy) = (Quant { scale: 0.05, zero_point: -5 }, Quant { scale: 0.1, zero_point: 3 });
            let oh = out_extent(h, g.window[0], g.stride[0], g.dilation[0], g.pad[0], g.pad[2]).unwrap();
            let ow = out_extent(w, g.window[1], g.stride[1], g.dilation[1], g.pad[1], g.pad[3]).unwrap();
            let weights = r.i8s(g.window[0] * g.window[1] * cin * cout, 127);
            let ws: Vec<f64> = (0..cout).map(|i| 0.004 + 0.001 * i as f64).collect();
            let bias = r.i32s(cout, 3000);
            let (m, s) = requant_per_channel(0.05, &ws, 0.1);
            let mut b = ModelBuilder::new();
            let x = b.tensor(DType::I8, &[h, w, cin], qx);
            let y = b.tensor(DType::I8, &[oh, ow, cout], qy);
            let clamp = Some((3, 127));
            let wd = WeightedDef { weights: &weights, bias: &bias, multipliers: &m, shifts: &s, clamp, kernel: None };
            b.conv2d(x, y, &wd, &g);
            b.set_input(x).set_output(y);
            let blob = b.finish().unwrap();
            let model = crate::Model::from_bytes(&blob).unwrap();
            let Ok(crate::Op::Conv2D(conv)) = model.op(0) else { panic!("case {case}: not a conv") };
            for _ in 0..4 {
                let xin: Vec<u8> = r.i8s(h * w * cin, 128).into_iter().map(|v| v as u8).collect();
                let (mut fast, mut general) = (vec![0u8; oh * ow * cout], vec![0u8; oh * ow * cout]);
                conv.run_i8(&xin, &mut fast);
                conv.run_general(&xin, &mut general);
                assert_eq!(fast, general, "case {case}");
            }
        }
    }
}
