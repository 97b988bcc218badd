//! Conv1D, Conv2D and DepthwiseConv2D, channels-last (`[H, W, C]`; 1-D tensors
//! are `[W, C]`, treated as `H = 1`), with stride, dilation and explicit padding.
//!
//! Params after the common weighted-layer params: `kh kw stride_h stride_w
//! dilation_h dilation_w pad_top pad_left pad_bottom pad_right`, and for
//! depthwise one more, `depth_multiplier`. Weights: Conv `[Cout][kh][kw][Cin]`,
//! Depthwise `[kh][kw][Cout]` with `Cout = Cin · depth_multiplier` (TFLite layout).
//! Padding contributes the input zero point, i.e. real zero.

use super::dot::{dot_i16, dot_i8};
use super::output_stage::{Weighted, N_COMMON};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::{Record, TensorInfo};
use crate::model::Model;

/// Convolution geometry shared by the three layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub in_hwc: [usize; 3],
    pub out_hwc: [usize; 3],
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// top, left, bottom, right
    pub pad: [usize; 4],
}

/// Output extent of one spatial axis, or `None` if the window does not fit.
pub fn out_extent(inp: usize, k: usize, stride: usize, dil: usize, pad_lo: usize, pad_hi: usize) -> Option<usize> {
    let span = dil * (k - 1) + 1;
    let padded = inp + pad_lo + pad_hi;
    if padded < span {
        return None;
    }
    Some((padded - span) / stride + 1)
}

impl Geometry {
    /// Decode the ten geometry params starting at `at` and check them against
    /// the input and output shapes.
    pub fn decode(
        rec: &Record,
        at: usize,
        op: usize,
        input: &TensorInfo,
        output: &TensorInfo,
        one_d: bool,
    ) -> Result<Self, Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        let mut v = [0usize; 10];
        for (i, x) in v.iter_mut().enumerate() {
            let p = rec.param(at + i);
            let lo = if i < 6 { 1 } else { 0 };
            if p < lo || p > u16::MAX as i32 {
                return Err(bad("kernel, stride and dilation must be >= 1 and padding >= 0"));
            }
            *x = p as usize;
        }
        let (Some(in_hwc), Some(out_hwc)) = (input.hwc(), output.hwc()) else {
            return Err(bad("convolution tensors must have rank 1 to 3"));
        };
        if one_d
            && (input.rank != 2 || output.rank != 2 || v[0] != 1 || v[2] != 1 || v[4] != 1 || v[6] != 0 || v[8] != 0)
        {
            return Err(bad("conv1d takes [W, C] tensors and a 1-wide kernel height"));
        }
        let g = Geometry {
            in_hwc,
            out_hwc,
            kernel: [v[0], v[1]],
            stride: [v[2], v[3]],
            dilation: [v[4], v[5]],
            pad: [v[6], v[7], v[8], v[9]],
        };
        g.check(op)?;
        Ok(g)
    }

    /// Padding smaller than the window (so every window sees real input) and
    /// output extents that follow from input, window, stride, dilation, padding.
    pub fn check(&self, op: usize) -> Result<(), Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        let (k, p) = (self.kernel, self.pad);
        if p[0] >= k[0] || p[2] >= k[0] || p[1] >= k[1] || p[3] >= k[1] {
            return Err(bad("padding must be smaller than the kernel window"));
        }
        for axis in 0..2 {
            let (lo, hi) = (p[axis], p[axis + 2]);
            let o = out_extent(self.in_hwc[axis], k[axis], self.stride[axis], self.dilation[axis], lo, hi);
            if o != Some(self.out_hwc[axis]) {
                return Err(bad(
                    "output spatial size does not follow from input, window, stride, dilation and padding",
                ));
            }
        }
        Ok(())
    }

    /// Copy the receptive field of output pixel `(oy, ox)` of an int8 input
    /// into `patch` (`kh·kw·cin` bytes, tap-major like the weights); taps
    /// outside the input read as `pad`, the input zero point, so they add
    /// nothing to `Σ (x − zp)·w`.
    #[inline(always)]
    pub fn gather_patch(&self, x: &[u8], (oy, ox): (usize, usize), pad: u8, patch: &mut [u8]) {
        let [ih, iw, cin] = self.in_hwc;
        let kw = self.kernel[1].max(1);
        for (t, dst) in patch.chunks_exact_mut(cin.max(1)).enumerate() {
            let (ky, kx) = (t / kw, t % kw);
            let iy = (oy * self.stride[0] + ky * self.dilation[0]).checked_sub(self.pad[0]).filter(|&v| v < ih);
            let ix = (ox * self.stride[1] + kx * self.dilation[1]).checked_sub(self.pad[1]).filter(|&v| v < iw);
            let src = iy.zip(ix).and_then(|(iy, ix)| x.get((iy * iw + ix) * cin..(iy * iw + ix + 1) * cin));
            match src {
                Some(src) => dst.copy_from_slice(src),
                None => dst.fill(pad),
            }
        }
    }

    /// Range `[k0, k1)` of kernel taps on `axis` that fall inside the input
    /// for output position `o` (empty when none do).
    #[inline(always)]
    pub fn valid_taps(&self, axis: usize, o: usize) -> (usize, usize) {
        let (s, d, p, n, k) =
            (self.stride[axis], self.dilation[axis], self.pad[axis], self.in_hwc[axis], self.kernel[axis]);
        let start = o * s;
        // Smallest k with start + k·d ≥ p; all k with start + k·d < n + p.
        let k0 = if start >= p { 0 } else { (p - start).div_ceil(d) };
        let k1 = if n + p > start { (n + p - start).div_ceil(d).min(k) } else { 0 };
        (k0.min(k1), k1)
    }
}

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

impl<'a> Conv<'a> {
    pub fn decode(rec: &Record<'a>, op: usize, model: &Model<'a>, one_d: bool, full: bool) -> Result<Self, Error> {
        rec.expect_counts(2, N_COMMON + 10).map_err(|reason| Error::InvalidOp { op, reason })?;
        let input = model.tensor(rec.tensor(0))?;
        let output = model.tensor(rec.tensor(1))?;
        let g = Geometry::decode(rec, N_COMMON, op, &input, &output, one_d)?;
        let (cin, cout) = (g.in_hwc[2], g.out_hwc[2]);
        let per_out = g.kernel[0] * g.kernel[1] * cin;
        let w = Weighted::decode(rec, op, model, (&input, &output), cout * per_out, cout, full)?;
        if full {
            w.check_accumulators(op, &input, cout, |c| w.weights[c * per_out..(c + 1) * per_out].iter().copied())?;
        }
        Ok(Conv { input, output, w, g })
    }

    pub fn run(&self, x: &[u8], y: &mut [u8]) {
        let patch = self.g.kernel[0] * self.g.kernel[1] * self.g.in_hwc[2];
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
        let [kh, kw] = g.kernel;
        let zp = self.input.quant.zero_point;
        let mut buf = [0u8; MAX_PATCH];
        let Some(patch) = buf.get_mut(..kh * kw * cin) else { return };
        let n = patch.len().max(1);
        let mut outs = y.iter_mut();
        for oy in 0..oh {
            for ox in 0..ow {
                g.gather_patch(x, (oy, ox), zp as u8, patch);
                for (oc, w) in self.w.weights.chunks_exact(n).enumerate().take(cout) {
                    let acc = dot_i8(patch, w, zp).wrapping_add(self.w.bias(oc));
                    let Some(out) = outs.next() else { return };
                    *out = self.w.stage.finish(acc as i64, oc) as u8;
                }
            }
        }
    }

    /// Any type, any geometry: one inner product per kernel tap.
    fn run_general(&self, x: &[u8], y: &mut [u8]) {
        let g = &self.g;
        let [_, iw, cin] = g.in_hwc;
        let [oh, ow, cout] = g.out_hwc;
        let [kh, kw] = g.kernel;
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

    /// Multiply-accumulates per inference (padding taps included).
    pub fn macs(&self) -> usize {
        self.output.len() * self.g.kernel[0] * self.g.kernel[1] * self.g.in_hwc[2]
    }
}

/// Decoded DepthwiseConv2D.
#[derive(Clone, Copy, Debug)]
pub struct Depthwise<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub w: Weighted<'a>,
    pub g: Geometry,
    pub depth_multiplier: usize,
}

impl<'a> Depthwise<'a> {
    pub fn decode(rec: &Record<'a>, op: usize, model: &Model<'a>, full: bool) -> Result<Self, Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        rec.expect_counts(2, N_COMMON + 11).map_err(bad)?;
        let input = model.tensor(rec.tensor(0))?;
        let output = model.tensor(rec.tensor(1))?;
        let g = Geometry::decode(rec, N_COMMON, op, &input, &output, false)?;
        let dm = rec.param(N_COMMON + 10);
        if dm < 1 || g.out_hwc[2] != g.in_hwc[2] * dm as usize {
            return Err(bad("depthwise output channels must be input channels x depth multiplier"));
        }
        let cout = g.out_hwc[2];
        let taps = g.kernel[0] * g.kernel[1];
        let w = Weighted::decode(rec, op, model, (&input, &output), taps * cout, cout, full)?;
        if full {
            w.check_accumulators(op, &input, cout, |c| (0..taps).map(move |t| w.weights[t * cout + c]))?;
        }
        Ok(Depthwise { input, output, w, g, depth_multiplier: dm as usize })
    }

    pub fn run(&self, x: &[u8], y: &mut [u8]) {
        let g = &self.g;
        let [_, iw, cin] = g.in_hwc;
        let [oh, ow, cout] = g.out_hwc;
        let kw = g.kernel[1];
        let (ti, zp) = (self.input.dtype, self.input.quant.zero_point);
        let mut out_i = 0;
        for oy in 0..oh {
            let (ky0, ky1) = g.valid_taps(0, oy);
            for ox in 0..ow {
                let (kx0, kx1) = g.valid_taps(1, ox);
                for oc in 0..cout {
                    let ic = oc / self.depth_multiplier;
                    let mut acc = self.w.bias(oc) as i64;
                    for ky in ky0..ky1 {
                        let iy = oy * g.stride[0] + ky * g.dilation[0] - g.pad[0];
                        for kx in kx0..kx1 {
                            let ix = ox * g.stride[1] + kx * g.dilation[1] - g.pad[1];
                            let xv = ti.load(x, (iy * iw + ix) * cin + ic) - zp;
                            let wv = self.w.weights.get((ky * kw + kx) * cout + oc).map_or(0, |&w| w as i8 as i32);
                            acc += (xv * wv) as i64;
                        }
                    }
                    self.output.dtype.store(y, out_i, self.w.stage.finish(acc, oc));
                    out_i += 1;
                }
            }
        }
    }

    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> usize {
        self.output.len() * self.g.kernel[0] * self.g.kernel[1]
    }
}

#[cfg(all(test, feature = "writer"))]
mod tests {
    use super::*;
    use crate::format::Quant;
    use crate::ops::Op;
    use crate::writer::samples::{requant_per_channel, Rng};
    use crate::writer::{ConvGeom, ModelBuilder, WeightedDef};

    /// The patch path gives the tap-by-tap path's bytes: padding on every
    /// side, strides, dilations, one and several input channels.
    #[test]
    fn int8_patches_equal_the_tap_by_tap_path() {
        let cases = [
            ([28, 28, 1], 16, ConvGeom { kernel: [3, 3], stride: [1, 1], dilation: [1, 1], pad: [1, 1, 1, 1] }),
            ([9, 7, 3], 5, ConvGeom { kernel: [3, 3], stride: [2, 1], dilation: [2, 2], pad: [2, 1, 1, 2] }),
            ([6, 6, 8], 4, ConvGeom { kernel: [1, 1], stride: [1, 1], dilation: [1, 1], pad: [0, 0, 0, 0] }),
            ([5, 8, 2], 3, ConvGeom { kernel: [2, 5], stride: [1, 3], dilation: [1, 1], pad: [0, 4, 1, 4] }),
        ];
        let mut r = Rng(7);
        for (case, ([h, w, cin], cout, g)) in cases.into_iter().enumerate() {
            let (qx, qy) = (Quant { scale: 0.05, zero_point: -5 }, Quant { scale: 0.1, zero_point: 3 });
            let oh = out_extent(h, g.kernel[0], g.stride[0], g.dilation[0], g.pad[0], g.pad[2]).unwrap();
            let ow = out_extent(w, g.kernel[1], g.stride[1], g.dilation[1], g.pad[1], g.pad[3]).unwrap();
            let weights = r.i8s(g.kernel[0] * g.kernel[1] * cin * cout, 127);
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
            let Ok(Op::Conv(_, conv)) = model.op(0) else { panic!("case {case}: not a conv") };
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
