//! Elementwise Minimum / Maximum of two same-shape tensors.

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct MinMax {
    /// Maximum (else Minimum).
    pub max: bool,
}

impl FloatLayer for MinMax {
    fn name(&self) -> &'static str {
        if self.max {
            "maximum"
        } else {
            "minimum"
        }
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
        let pick = |a: f64, b: f64| if self.max { a.max(b) } else { a.min(b) };
        inputs[0].iter().zip(inputs[1]).map(|(&a, &b)| pick(a, b)).collect()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let (a, b, y) = (cx.ids[node.inputs[0]], cx.ids[node.inputs[1]], cx.ids[node.output]);
        if self.max {
            cx.b.maximum(a, b, y);
        } else {
            cx.b.minimum(a, b, y);
        }
        Ok(())
    }
}
