//! Elementwise Add or Sub of two same-shape tensors (residual connections).

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct Add {
    /// Sub: `a − b`.
    pub subtract: bool,
}

impl FloatLayer for Add {
    fn name(&self) -> &'static str {
        if self.subtract {
            "sub"
        } else {
            "add"
        }
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
        let sign = if self.subtract { -1.0 } else { 1.0 };
        inputs[0].iter().zip(inputs[1]).map(|(a, b)| a + sign * b).collect()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let (a, b, y) = (cx.ids[node.inputs[0]], cx.ids[node.inputs[1]], cx.ids[node.output]);
        if self.subtract {
            cx.b.sub(a, b, y);
        } else {
            cx.b.add(a, b, y);
        }
        Ok(())
    }
}
