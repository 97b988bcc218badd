//! Concatenation along one stored axis.

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;
use polyact::writer::TensorId;

#[derive(Clone, Debug)]
pub struct Concat {
    /// Axis in the stored (channels-last, no batch) dims.
    pub axis: usize,
}

impl FloatLayer for Concat {
    fn name(&self) -> &'static str {
        "concat"
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let outer: usize = out_dims[..self.axis].iter().product();
        let mut o = Vec::with_capacity(out_dims.iter().product());
        for k in 0..outer {
            for (x, d) in inputs.iter().zip(in_dims) {
                let block: usize = d[self.axis..].iter().product();
                o.extend_from_slice(&x[k * block..(k + 1) * block]);
            }
        }
        o
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let xs: Vec<TensorId> = node.inputs.iter().map(|&t| cx.ids[t]).collect();
        cx.b.concat(&xs, cx.ids[node.output], self.axis);
        Ok(())
    }
}
