//! Elementwise Add of two same-shape tensors (residual connections).

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct Add;

impl FloatLayer for Add {
    fn name(&self) -> &'static str {
        "add"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
        inputs[0].iter().zip(inputs[1]).map(|(a, b)| a + b).collect()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.add(cx.ids[node.inputs[0]], cx.ids[node.inputs[1]], cx.ids[node.output]);
        Ok(())
    }
}
