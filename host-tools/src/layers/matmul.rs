//! MatMul of two computed tensors, batched over the leading axes
//! (attention's `Q·Kᵀ` and `P·V`).

use super::{FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct MatMul;

impl FloatLayer for MatMul {
    fn name(&self) -> &'static str {
        "matmul"
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (a, b, da) = (inputs[0], inputs[1], in_dims[0]);
        let r = da.len();
        let (m, k, n) = (da[r - 2], da[r - 1], out_dims[r - 1]);
        let batch = out_dims.iter().product::<usize>() / (m * n).max(1);
        let mut y = vec![0.0; batch * m * n];
        for bi in 0..batch {
            for i in 0..m {
                for j in 0..n {
                    y[(bi * m + i) * n + j] = (0..k).map(|t| a[(bi * m + i) * k + t] * b[(bi * k + t) * n + j]).sum();
                }
            }
        }
        y
    }

    fn macs(&self, in_dims: &[&[usize]], out_dims: &[usize]) -> usize {
        out_dims.iter().product::<usize>() * super::channels(in_dims[0])
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.matmul(cx.ids[node.inputs[0]], cx.ids[node.inputs[1]], cx.ids[node.output]);
        Ok(())
    }
}
