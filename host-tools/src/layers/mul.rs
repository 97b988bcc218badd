//! Elementwise product of two same-shape tensors (gates: GLU, SwiGLU,
//! MONet's Hadamard products).

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct Mul;

impl FloatLayer for Mul {
    fn name(&self) -> &'static str {
        "mul"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
        inputs[0].iter().zip(inputs[1]).map(|(a, b)| a * b).collect()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.mul(cx.ids[node.inputs[0]], cx.ids[node.inputs[1]], cx.ids[node.output]);
        Ok(())
    }
}
