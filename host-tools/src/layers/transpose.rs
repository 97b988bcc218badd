//! Transpose by a permutation of the stored axes.

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;
use polyact::{DType, Quant};

#[derive(Clone, Debug)]
pub struct Transpose {
    /// Output axis `i` is input axis `perm[i]` (stored axes, no batch).
    pub perm: Vec<usize>,
}

impl FloatLayer for Transpose {
    fn name(&self) -> &'static str {
        "transpose"
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, d) = (inputs[0], in_dims[0]);
        let mut stride = vec![1usize; d.len()];
        for i in (0..d.len().saturating_sub(1)).rev() {
            stride[i] = stride[i + 1] * d[i + 1];
        }
        let n: usize = out_dims.iter().product();
        (0..n)
            .map(|k| {
                let (mut rest, mut at) = (k, 0);
                for (i, &od) in out_dims.iter().enumerate().rev() {
                    at += (rest % od) * stride[self.perm[i]];
                    rest /= od;
                }
                x[at]
            })
            .collect()
    }

    fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
        Some(input)
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.transpose(cx.ids[node.inputs[0]], cx.ids[node.output], &self.perm);
        Ok(())
    }
}
