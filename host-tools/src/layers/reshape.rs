//! Reshape / flatten: the same values under new dims.

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;
use polyact::{DType, Quant};

#[derive(Clone, Debug)]
pub struct Reshape;

impl FloatLayer for Reshape {
    fn name(&self) -> &'static str {
        "reshape"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
        inputs[0].to_vec()
    }

    fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
        Some(input)
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.reshape(cx.ids[node.inputs[0]], cx.ids[node.output]);
        Ok(())
    }
}
