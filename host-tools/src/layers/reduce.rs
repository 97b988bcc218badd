//! ReduceSum / ReduceMean / ReduceMax over stored axes (kept as size 1).

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;
use polyact::layers::reduce::ReduceKind;
use polyact::{DType, Quant};

#[derive(Clone, Debug)]
pub struct Reduce {
    pub kind: ReduceKind,
    /// Stored axes (no batch) reduced.
    pub axes: Vec<usize>,
}

impl FloatLayer for Reduce {
    fn name(&self) -> &'static str {
        match self.kind {
            ReduceKind::Sum => "reduce_sum",
            ReduceKind::Mean => "reduce_mean",
            ReduceKind::Max => "reduce_max",
        }
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, d) = (inputs[0], in_dims[0]);
        let n: usize = out_dims.iter().product();
        let (mut acc, mut count) = (vec![0.0; n], vec![0usize; n]);
        let mut best = vec![f64::MIN; n];
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
        }
        match self.kind {
            ReduceKind::Sum => acc,
            ReduceKind::Mean => acc.iter().zip(&count).map(|(a, &c)| a / c.max(1) as f64).collect(),
            ReduceKind::Max => best,
        }
    }

    /// The max of values keeps their scale.
    fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
        (self.kind == ReduceKind::Max).then_some(input)
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.reduce(self.kind, cx.ids[node.inputs[0]], cx.ids[node.output], &self.axes);
        Ok(())
    }
}
