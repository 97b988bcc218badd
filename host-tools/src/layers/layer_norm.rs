//! Layer normalization over the innermost axis: `γ (x − μ)/sqrt(σ² + ε) + β`.

use super::{channels, FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct LayerNorm {
    /// γ and β, one per channel.
    pub gamma: Vec<f64>,
    pub beta: Vec<f64>,
    pub eps: f64,
}

impl FloatLayer for LayerNorm {
    fn name(&self) -> &'static str {
        "layer_norm"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, c) = (inputs[0], channels(out_dims).max(1));
        let mut o = vec![0.0; x.len()];
        for r in 0..x.len() / c {
            let row = &x[r * c..(r + 1) * c];
            let mu = row.iter().sum::<f64>() / c as f64;
            let var = row.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / c as f64;
            for i in 0..c {
                o[r * c + i] = self.gamma[i] * (row[i] - mu) / (var + self.eps).sqrt() + self.beta[i];
            }
        }
        o
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        // Per-tensor int8 gains: γ's largest magnitude at 127.
        let top = self.gamma.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        let gain_scale = if top > 0.0 { top / 127.0 } else { 1.0 / 127.0 };
        let gains: Vec<i8> = self.gamma.iter().map(|g| (g / gain_scale).round().clamp(-127.0, 127.0) as i8).collect();
        let (x, y) = (cx.ids[node.inputs[0]], cx.ids[node.output]);
        cx.b.layer_norm((x, y), (&gains, gain_scale), &self.beta, self.eps);
        cx.report.weight_bytes = 5 * gains.len();
        Ok(())
    }
}
