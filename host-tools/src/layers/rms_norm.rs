//! `x / sqrt(mean(x²) + eps)` over the innermost axis (PolyNorm's
//! normalizer), with unit gains.

use super::{channels, FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct RmsNorm {
    pub eps: f64,
}

impl FloatLayer for RmsNorm {
    fn name(&self) -> &'static str {
        "rms_norm"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, c) = (inputs[0], channels(out_dims).max(1));
        let mut o = vec![0.0; x.len()];
        for r in 0..x.len() / c {
            let row = &x[r * c..(r + 1) * c];
            let rms = (row.iter().map(|v| v * v).sum::<f64>() / c as f64 + self.eps).sqrt();
            for i in 0..c {
                o[r * c + i] = row[i] / rms;
            }
        }
        o
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let c = channels(&cx.g.tensors[node.inputs[0]].dims);
        cx.b.rms_norm(cx.ids[node.inputs[0]], cx.ids[node.output], &vec![127; c], 1.0 / 127.0, self.eps);
        cx.report.weight_bytes = c;
        Ok(())
    }
}
