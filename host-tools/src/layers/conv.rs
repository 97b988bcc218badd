//! Conv1D / Conv2D / depthwise convolution, channels-last, with the
//! runtime's weight layouts: Conv `[Cout][kh][kw][Cin]`, depthwise
//! `[kh][kw][Cout]`.

use super::{hwc, tap, FloatLayer, WriteCtx};
use crate::ir::Node;
use crate::quantize::weighted::write_weighted;
use anyhow::Result;
use polyact::writer::ConvGeom;

#[derive(Clone, Debug)]
pub struct Conv {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    pub geom: ConvGeom,
    /// `Some(m)` for a depthwise convolution with depth multiplier `m`.
    pub depth_multiplier: Option<usize>,
    pub one_d: bool,
}

impl FloatLayer for Conv {
    fn name(&self) -> &'static str {
        match (self.depth_multiplier, self.one_d) {
            (Some(_), _) => "depthwise_conv2d",
            (None, true) => "conv1d",
            (None, false) => "conv2d",
        }
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, i, o, g) = (inputs[0], hwc(in_dims[0]), hwc(out_dims), &self.geom);
        let [kh, kw] = g.window;
        let mut out = Vec::with_capacity(o.iter().product());
        for oy in 0..o[0] {
            for ox in 0..o[1] {
                for oc in 0..o[2] {
                    let mut acc = self.b[oc] as f64;
                    for ky in 0..kh {
                        let Some(iy) = tap(oy, ky, g.stride[0], g.dilation[0], g.pad[0], i[0]) else { continue };
                        for kx in 0..kw {
                            let Some(ix) = tap(ox, kx, g.stride[1], g.dilation[1], g.pad[1], i[1]) else {
                                continue;
                            };
                            let px = (iy * i[1] + ix) * i[2];
                            match self.depth_multiplier {
                                Some(dm) => acc += x[px + oc / dm] * self.w[(ky * kw + kx) * o[2] + oc] as f64,
                                None => {
                                    for ic in 0..i[2] {
                                        acc += x[px + ic] * self.w[((oc * kh + ky) * kw + kx) * i[2] + ic] as f64;
                                    }
                                }
                            }
                        }
                    }
                    out.push(acc);
                }
            }
        }
        out
    }

    fn macs(&self, in_dims: &[&[usize]], out_dims: &[usize]) -> usize {
        let taps = self.geom.window[0] * self.geom.window[1];
        let per_out = if self.depth_multiplier.is_some() { taps } else { taps * super::channels(in_dims[0]) };
        out_dims.iter().product::<usize>() * per_out
    }

    fn fuses_activation(&self) -> bool {
        true
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let g = &self.geom;
        write_weighted(node, cx, (&self.w, &self.b), self.depth_multiplier.is_some(), 8, |b, x, y, wd, _| {
            match (self.depth_multiplier, self.one_d) {
                (Some(dm), _) => b.depthwise_conv2d(x, y, wd, g, dm),
                (None, true) => b.conv1d(x, y, wd, g),
                (None, false) => b.conv2d(x, y, wd, g),
            };
        })
    }
}
