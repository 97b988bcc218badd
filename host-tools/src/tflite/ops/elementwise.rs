//! ADD, SUB, MUL, CONCATENATION and MEAN onto polyact's layers of the same
//! name. Their rescaling is polyact's (one requantization of the exact
//! result), not TFLite's (inputs pre-shifted by 2^20 and requantized each),
//! so results may differ from TFLite's by rounding.

use super::{Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::{Operator, Options};
use anyhow::{bail, Result};
use polyact::layers::reduce::ReduceKind;

const REQUANT: Agreement = Agreement::Rounding("polyact's single requantization; TFLite's may differ by one level");

pub const OPS: &[OpImport] = &[
    OpImport { code: 0, name: "ADD", run: add, agreement: REQUANT },
    OpImport { code: 41, name: "SUB", run: sub, agreement: REQUANT },
    OpImport { code: 18, name: "MUL", run: mul, agreement: REQUANT },
    OpImport { code: 2, name: "CONCATENATION", run: concat, agreement: REQUANT },
    OpImport { code: 40, name: "MEAN", run: mean, agreement: REQUANT },
];

fn add(g: &mut Graph, op: &Operator) -> Result<()> {
    binary(g, op, |g, a, b, y| {
        g.b.add(a, b, y);
    })
}

fn sub(g: &mut Graph, op: &Operator) -> Result<()> {
    binary(g, op, |g, a, b, y| {
        g.b.sub(a, b, y);
    })
}

fn mul(g: &mut Graph, op: &Operator) -> Result<()> {
    binary(g, op, |g, a, b, y| {
        g.b.mul(a, b, y);
    })
}

/// Two same-shape tensors (no broadcasting) and no fused activation.
fn binary(
    g: &mut Graph,
    op: &Operator,
    emit: impl FnOnce(&mut Graph, polyact::writer::TensorId, polyact::writer::TensorId, polyact::writer::TensorId),
) -> Result<()> {
    if let Options::Fused(o) = op.options() {
        if o.activation() != 0 {
            bail!("operator {}: a fused activation on an elementwise operator is not supported", g.op_index);
        }
    }
    let (a, b, y) = (g.operand(op, 0)?, g.operand(op, 1)?, g.output(op)?);
    if g.dims(a)? != g.dims(b)? || g.dims(a)? != g.dims(y)? {
        bail!(
            "operator {}: operands {:?} and {:?} differ in shape (broadcasting is not supported)",
            g.op_index,
            g.shape(a)?,
            g.shape(b)?
        );
    }
    let (ai, bi, yi) = (g.id(a)?, g.id(b)?, g.id(y)?);
    emit(g, ai, bi, yi);
    Ok(())
}

/// A TFLite axis (batch included, negative from the end) as a polyact
/// axis (batch dropped).
fn axis(g: &Graph, axis: i32, rank: usize) -> Result<usize> {
    let a = if axis < 0 { axis + rank as i32 } else { axis };
    if a <= 0 || a as usize >= rank {
        bail!(
            "operator {}: axis {axis} of a rank-{rank} tensor (the batch axis cannot be reduced or joined)",
            g.op_index
        );
    }
    Ok(a as usize - 1)
}

fn concat(g: &mut Graph, op: &Operator) -> Result<()> {
    let Options::Concatenation(o) = op.options() else {
        bail!("operator {}: CONCATENATION without options", g.op_index)
    };
    if o.activation() != 0 {
        bail!("operator {}: a fused activation on CONCATENATION is not supported", g.op_index);
    }
    let y = g.output(op)?;
    let ax = axis(g, o.axis(), g.shape(y)?.len())?;
    let mut xs = vec![];
    for x in op.inputs() {
        xs.push(g.id(x)?);
    }
    let yi = g.id(y)?;
    g.b.concat(&xs, yi, ax);
    Ok(())
}

fn mean(g: &mut Graph, op: &Operator) -> Result<()> {
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    let rank = g.shape(x)?.len();
    let mut axes = vec![];
    for a in g.constant_i32(g.operand(op, 1)?)? {
        axes.push(axis(g, a, rank)?);
    }
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    g.b.reduce(ReduceKind::Mean, xi, yi, &axes);
    Ok(())
}
