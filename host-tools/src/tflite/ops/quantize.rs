//! QUANTIZE and DEQUANTIZE. At the model's edges (float in, float out)
//! they are where polyact's device input and output already are: the
//! quantized tensor becomes the model's input or output, with the scale
//! and zero point `inspect` reports. Between two int8 tensors QUANTIZE is
//! a requantization (an exact identity table).

use super::{Agreement, OpImport};
use crate::tflite::graph::{Graph, TYPE_FLOAT32};
use crate::tflite::schema::Operator;
use anyhow::{bail, Result};
use polyact::writer::KernelDef;
use polyact::DType;

pub const OPS: &[OpImport] = &[
    OpImport { code: 114, name: "QUANTIZE", run: quantize, agreement: Agreement::BitExact },
    OpImport { code: 6, name: "DEQUANTIZE", run: dequantize, agreement: Agreement::BitExact },
];

fn quantize(g: &mut Graph, op: &Operator) -> Result<()> {
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    if g.tensor(x)?.type_code() == TYPE_FLOAT32 {
        if g.has(x) {
            bail!("operator {}: QUANTIZE of a float tensor that is not the model's input", g.op_index);
        }
        let yi = g.id(y)?;
        g.alias(x, yi);
        return Ok(());
    }
    let (in_t, out_t) = (g.act_type(x)?, g.act_type(y)?);
    if in_t.0 != DType::I8 {
        bail!("operator {}: QUANTIZE from {:?} is not supported (int8 or float input)", g.op_index, in_t.0);
    }
    let k = KernelDef::table(in_t.1, out_t, &[&|v: f64| v]);
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    let kid = g.b.kernel(&k);
    g.b.activation(xi, yi, kid);
    Ok(())
}

fn dequantize(g: &mut Graph, op: &Operator) -> Result<()> {
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    if g.tensor(y)?.type_code() != TYPE_FLOAT32 {
        bail!("operator {}: DEQUANTIZE to a non-float type", g.op_index);
    }
    let xi = g.id(x)?;
    g.alias(y, xi);
    Ok(())
}
