//! Softmax over the innermost axis; its output scale is fixed (int8: 1/256
//! with zero point −128, int16: 1/32768).

use super::{channels, FloatLayer, WriteCtx};
use crate::ir::Node;
use anyhow::Result;
use polyact::{DType, Quant};

#[derive(Clone, Debug)]
pub struct Softmax;

impl FloatLayer for Softmax {
    fn name(&self) -> &'static str {
        "softmax"
    }

    fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
        let (x, c) = (inputs[0], channels(out_dims).max(1));
        let mut o = vec![0.0; x.len()];
        for r in 0..x.len() / c {
            let row = &x[r * c..(r + 1) * c];
            let m = row.iter().cloned().fold(f64::MIN, f64::max);
            let s: f64 = row.iter().map(|v| (v - m).exp()).sum();
            for i in 0..c {
                o[r * c + i] = (row[i] - m).exp() / s;
            }
        }
        o
    }

    fn output_quant(&self, _: Quant, act: DType) -> Option<Quant> {
        Some(match act {
            DType::I8 => Quant { scale: 1.0 / 256.0, zero_point: -128 },
            DType::I16 => Quant { scale: 1.0 / 32768.0, zero_point: 0 },
        })
    }

    fn write(&self, node: &Node, cx: &mut WriteCtx) -> Result<()> {
        cx.b.softmax(cx.ids[node.inputs[0]], cx.ids[node.output], 1.0);
        Ok(())
    }
}
