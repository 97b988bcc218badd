//! Max and average pooling (padding excluded from the average's count, as
//! the runtime and TFLite do).

use super::{hwc, tap, FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;
use polyact::writer::PoolGeom;
use polyact::{DType, Quant};

#[derive(Clone, Debug)]
pub struct Pool {
    pub max: bool,
    pub geom: PoolGeom,
}

impl FloatLayer for Pool {
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

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let (x, y) = (cx.ids[node.inputs[0]], cx.ids[node.output]);
        if self.max {
            cx.b.max_pool(x, y, &self.geom);
        } else {
            cx.b.avg_pool(x, y, &self.geom);
        }
        Ok(())
    }
}
