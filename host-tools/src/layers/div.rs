//! Elementwise Div of two tensors, the divisor the same shape or one value
//! per row (Power-Softmax's `s / (Σ s + ε)`).

use super::{channels, FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct Div;

impl FloatLayer for Div {
    fn name(&self) -> &'static str {
        "div"
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], _: &[usize]) -> Vec<f64> {
        let (a, b) = (inputs[0], inputs[1]);
        let c = channels(in_dims[0]).max(1);
        let per_row = b.len() != a.len();
        a.iter().enumerate().map(|(i, &v)| v / b[if per_row { i / c } else { i }]).collect()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.div(cx.ids[node.inputs[0]], cx.ids[node.inputs[1]], cx.ids[node.output]);
        Ok(())
    }
}
