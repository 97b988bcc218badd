//! Conv1D / Conv2D int8 layer engine: the [`dense`](super::dense) engine over
//! output positions, each tap's input byte found through a tap-address ROM
//! built here from the runtime's geometry (stride, dilation, padding).
//! Padding taps read the input zero point: with the engine's folded bias
//! they add nothing, as the runtime's `(zp − zp) · w`.

use super::dense::DenseSpec;
use super::NetLayer;
use crate::spec::Unsupported;
use polyact::layers::conv::Geometry;
use polyact::{DType, Op};

/// The input byte (or `None`: padding) of every tap of every output position.
pub fn gather_table(g: &Geometry) -> Vec<Option<usize>> {
    let [ih, iw, cin] = g.in_hwc;
    let [oh, ow, _] = g.out_hwc;
    let [kh, kw] = g.window;
    let mut t = Vec::with_capacity(oh * ow * kh * kw * cin);
    for oy in 0..oh {
        for ox in 0..ow {
            for ky in 0..kh {
                for kx in 0..kw {
                    let iy = (oy * g.stride[0] + ky * g.dilation[0]).checked_sub(g.pad[0]).filter(|&y| y < ih);
                    let ix = (ox * g.stride[1] + kx * g.dilation[1]).checked_sub(g.pad[1]).filter(|&x| x < iw);
                    for ci in 0..cin {
                        t.push(iy.zip(ix).map(|(y, x)| (y * iw + x) * cin + ci));
                    }
                }
            }
        }
    }
    t
}

/// The [`LAYERS`](super::LAYERS) constructor.
pub fn build(op: &Op, k: usize, lanes: usize) -> Result<Option<Box<dyn NetLayer>>, Unsupported> {
    let (Op::Conv1D(c) | Op::Conv2D(c)) = op else { return Ok(None) };
    if c.input.dtype != DType::I8 || c.output.dtype != DType::I8 {
        return Err(Unsupported(format!("op {k} ({}) is not int8 in and out", op.kind().name())));
    }
    let g = &c.g;
    let taps = g.window[0] * g.window[1] * g.in_hwc[2];
    let positions = g.out_hwc[0] * g.out_hwc[1];
    let mut spec = DenseSpec::weighted(&c.w, &c.input, (taps, g.out_hwc[2], positions), lanes, k)?;
    spec.gather = Some(gather_table(g));
    spec.kind = if matches!(op, Op::Conv1D(_)) { "Conv1D" } else { "Conv2D" };
    Ok(Some(Box::new(spec)))
}
