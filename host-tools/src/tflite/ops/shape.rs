//! RESHAPE and SQUEEZE: the same elements under new dims (the shape
//! operand, if any, is constant and already reflected in the output shape).

use super::{Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::Operator;
use anyhow::{bail, Result};

pub const OPS: &[OpImport] = &[
    OpImport { code: 22, name: "RESHAPE", run: reshape, agreement: Agreement::BitExact },
    OpImport { code: 43, name: "SQUEEZE", run: reshape, agreement: Agreement::BitExact },
];

fn reshape(g: &mut Graph, op: &Operator) -> Result<()> {
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    if g.act_type(x)? != g.act_type(y)? {
        bail!("operator {}: a reshape must keep type and quantization", g.op_index);
    }
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    let (a, b): (usize, usize) = (g.b.dims(xi).iter().product(), g.b.dims(yi).iter().product());
    if a != b {
        bail!("operator {}: reshape from {a} to {b} elements", g.op_index);
    }
    g.b.reshape(xi, yi);
    Ok(())
}
