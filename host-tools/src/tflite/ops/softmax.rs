//! SOFTMAX onto polyact's TFLite-compatible softmax layer (gemmlowp's
//! fixed-point exponential, TFLite's parameters), int8 in and out.

use super::{Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::{Operator, Options};
use anyhow::{bail, Result};
use polyact::DType;

pub const OPS: &[OpImport] = &[OpImport { code: 25, name: "SOFTMAX", run: softmax, agreement: Agreement::BitExact }];

fn softmax(g: &mut Graph, op: &Operator) -> Result<()> {
    let beta = match op.options() {
        Options::Softmax(o) => o.beta(),
        _ => 0.0,
    };
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    let ((dx, qx), (dy, qy)) = (g.act_type(x)?, g.act_type(y)?);
    if dx != DType::I8 || dy != DType::I8 || qy.zero_point != -128 || qy.scale != 1.0 / 256.0 {
        bail!(
            "operator {}: SOFTMAX is imported for int8 in and int8 out with scale 1/256, zero point -128 (TFLite's int8 \
             convention); found {dx:?} -> {dy:?} scale {} zero point {}",
            g.op_index,
            qy.scale,
            qy.zero_point
        );
    }
    if polyact::layers::tflite_softmax::tflite_softmax_params(qx.scale as f64 * beta as f64).is_none() {
        bail!("operator {}: SOFTMAX beta {beta} times input scale {} has no TFLite multiplier", g.op_index, qx.scale);
    }
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    g.b.tflite_softmax(xi, yi, beta as f64);
    Ok(())
}
