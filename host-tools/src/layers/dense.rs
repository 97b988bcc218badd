//! Dense over the innermost axis: `y = W x + b`, `W` `[n_out][n_in]`.

use super::{channels, FloatLayer, WriteCtx};
use crate::ir::Node;
use crate::quantize::weighted::write_weighted;
use anyhow::Result;

#[derive(Clone, Debug)]
pub struct Dense {
    /// `[n_out][n_in]`.
    pub w: Vec<f32>,
    pub b: Vec<f32>,
}

impl FloatLayer for Dense {
    fn name(&self) -> &'static str {
        "dense"
    }

    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, n_in, n_out) = (inputs[0], channels(in_dims[0]), channels(out_dims));
        let rows = x.len() / n_in.max(1);
        let mut o = vec![0.0; rows * n_out];
        for r in 0..rows {
            for j in 0..n_out {
                let row = &self.w[j * n_in..(j + 1) * n_in];
                o[r * n_out + j] =
                    self.b[j] as f64 + row.iter().zip(&x[r * n_in..]).map(|(&w, &v)| w as f64 * v).sum::<f64>();
            }
        }
        o
    }

    fn macs(&self, in_dims: &[&[usize]], out_dims: &[usize]) -> usize {
        out_dims.iter().product::<usize>() * channels(in_dims[0])
    }

    fn fuses_activation(&self) -> bool {
        true
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        let bits = cx.dense_weight_bits;
        write_weighted(node, cx, (&self.w, &self.b), false, bits, |b, x, y, wd, wide| match wide {
            Some(w16) => {
                b.dense_w16(x, y, w16.weights, wd, w16.bias_shift);
            }
            None => {
                b.dense(x, y, wd);
            }
        })
    }
}
