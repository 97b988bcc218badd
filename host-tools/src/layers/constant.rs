//! A constant tensor (a learned positional embedding, a scale of any shape)
//! that an elementwise layer combines with a computed tensor.

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct Constant {
    /// The values in the tensor's stored order.
    pub values: Vec<f64>,
}

impl FloatLayer for Constant {
    fn name(&self) -> &'static str {
        "constant"
    }

    fn eval(&self, _: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
        self.values.clone()
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.constant(cx.ids[node.output], &self.values);
        cx.report.weight_bytes = self.values.len() * cx.act.size();
        Ok(())
    }
}
