//! DepthwiseConv2D, channels-last, with stride, dilation and explicit
//! padding. Params after the common weighted-layer params: the ten window
//! params of [`Geometry`] and `depth_multiplier`. Weights `[kh][kw][Cout]`
//! with `Cout = Cin · depth_multiplier` (TFLite layout). Padding contributes
//! the input zero point, i.e. real zero.

use super::output_stage::{Weighted, N_COMMON};
use super::window::Geometry;
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded DepthwiseConv2D.
#[derive(Clone, Copy, Debug)]
pub struct Depthwise<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub w: Weighted<'a>,
    pub g: Geometry,
    pub depth_multiplier: usize,
}

impl<'a> Layer<'a> for Depthwise<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, N_COMMON + 11)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        let g = Geometry::decode(rec, N_COMMON, cx.op, &input, &output, false)?;
        let dm = rec.param(N_COMMON + 10);
        if dm < 1 || g.out_hwc[2] != g.in_hwc[2] * dm as usize {
            return Err(cx.bad("depthwise output channels must be input channels x depth multiplier"));
        }
        let cout = g.out_hwc[2];
        let taps = g.window[0] * g.window[1];
        let w = Weighted::decode(rec, cx, (&input, &output), taps * cout, cout)?;
        if cx.full() {
            w.check_accumulators(cx.op, &input, cout, |c| (0..taps).map(move |t| w.weights[t * cout + c]))?;
        }
        Ok(Depthwise { input, output, w, g, depth_multiplier: dm as usize })
    }

    fn macs(&self) -> usize {
        self.output.len() * self.g.window[0] * self.g.window[1]
    }

    super::output_stage::weighted_layer_methods!('a);
}

impl Depthwise<'_> {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let g = &self.g;
        let [_, iw, cin] = g.in_hwc;
        let [oh, ow, cout] = g.out_hwc;
        let kw = g.window[1];
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
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ConvGeom, ModelBuilder, TensorId, WeightedDef};

    impl ModelBuilder {
        /// DepthwiseConv2D; weights `[kh][kw][Cin · depth_multiplier]`.
        pub fn depthwise_conv2d(
            &mut self,
            x: TensorId,
            y: TensorId,
            w: &WeightedDef,
            g: &ConvGeom,
            depth_multiplier: usize,
        ) -> &mut Self {
            let mut p = self.weighted_params(y, w);
            Self::geom_params(&mut p, g);
            p.push(depth_multiplier as i32);
            self.op(OpKind::DepthwiseConv2D, &[x, y], p)
        }
    }
}
