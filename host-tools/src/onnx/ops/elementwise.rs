//! Elementwise nodes: arithmetic with constants (fused into the pending
//! expression of their tensor), Add, Sub, Mul, Div, Max and Min of two
//! tensors (residual connections, gates, normalisations), and Clip.

use super::Import::{self, Node};
use crate::expr::{Bin, Expr, Un};
use crate::ir::Op;
use crate::onnx::attrs::{attr_i, input};
use crate::onnx::importer::{Importer, Val};
use anyhow::{bail, Result};
use polyact::layers::add::AddDef;
use polyact::layers::div::DivDef;
use polyact::layers::minmax::MinMaxDef;
use polyact::layers::mul::MulDef;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[
    ("Add", Node(binary)),
    ("Sub", Node(binary)),
    ("Mul", Node(binary)),
    ("Div", Node(binary)),
    ("Pow", Node(binary)),
    ("Max", Node(binary)),
    ("Min", Node(binary)),
    ("PRelu", Node(binary)),
    ("Greater", Node(binary)),
    ("GreaterOrEqual", Node(binary)),
    ("Less", Node(binary)),
    ("LessOrEqual", Node(binary)),
    ("And", Node(binary)),
    ("Or", Node(binary)),
    ("Not", Node(not)),
    ("Cast", Node(cast)),
    ("Clip", Node(clip)),
];

/// Add, Sub, Mul, Div, Pow, Max, Min, PRelu: an RMS norm's last step, a
/// residual Add of two tensors, or an elementwise function of one tensor.
pub fn binary(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let op = match n.op_type.as_str() {
        "Add" => Bin::Add,
        "Sub" => Bin::Sub,
        "Mul" => Bin::Mul,
        "Div" => Bin::Div,
        "Pow" => Bin::Pow,
        "Max" => Bin::Max,
        "Min" => Bin::Min,
        "Greater" => Bin::Gt,
        "GreaterOrEqual" => Bin::Ge,
        "Less" => Bin::Lt,
        "LessOrEqual" => Bin::Le,
        // Booleans are 0 and 1: `and` is their product, `or` their maximum.
        "And" => Bin::Mul,
        "Or" => Bin::Max,
        _ => Bin::PRelu,
    };
    if n.input.len() != 2 {
        bail!("expects two inputs");
    }
    let (a, b) = (imp.val(input(n, 0)?)?, imp.val(input(n, 1)?)?);
    if op == Bin::Mul {
        let pair = match (&a, &b) {
            (Val::Act { .. }, Val::Stat { src, expr }) => Some((0, *src, expr.clone())),
            (Val::Stat { src, expr }, Val::Act { .. }) => Some((1, *src, expr.clone())),
            _ => None,
        };
        if let Some((ai, src, g)) = pair {
            return super::norm::rms_norm(imp, n, ai, src, &g);
        }
    }
    // `x[.., None]` against a grid, or a basis already: one expression per basis index.
    let basis = crate::onnx::basis::width(&[a.clone(), b.clone()]).is_some();
    let two_tensors = !basis
        && match (&a, &b) {
            (Val::Act { root: ra, .. }, Val::Act { root: rb, .. }) => ra != rb,
            // A constant neither scalar nor per channel (a positional embedding)
            // becomes a tensor of its own.
            (Val::Act { layout, dims, .. }, Val::Const(c)) | (Val::Const(c), Val::Act { layout, dims, .. }) => {
                imp.const_expr(c, dims, *layout).is_err()
            }
            _ => false,
        };
    if two_tensors {
        let layer = match op {
            Bin::Add => Op::layer_of(AddDef { subtract: false }),
            Bin::Sub => Op::layer_of(AddDef { subtract: true }),
            Bin::Mul => Op::layer_of(MulDef),
            Bin::Max => Op::layer_of(MinMaxDef { max: true }),
            Bin::Min => Op::layer_of(MinMaxDef { max: false }),
            Bin::Div => Op::layer_of(DivDef),
            _ => bail!("{op:?} of two different tensors is not supported (Add, Sub, Mul, Div, Max, Min are)"),
        };
        let shape = [&a, &b].iter().find_map(|v| match v {
            Val::Act { layout, dims, .. } => Some((*layout, dims.clone())),
            _ => None,
        });
        let Some((layout, dims)) = shape else { unreachable!("one operand is a tensor") };
        let mut ts = Vec::new();
        for (v, name) in [(&a, input(n, 0)?), (&b, input(n, 1)?)] {
            ts.push(match v {
                Val::Const(c) => imp.constant_tensor(name, c, &dims, layout)?,
                _ => imp.materialize(v, name)?,
            });
        }
        for (k, name) in n.input[..2].iter().enumerate() {
            if let Val::Act { layout: l, dims: d, .. } = imp.val(name)? {
                // A divisor may hold one value per row (`s / Σ s`).
                let per_row = op == Bin::Div
                    && k == 1
                    && d.len() == dims.len()
                    && d.split_last().map(|(&c, r)| c == 1 && r == &dims[..dims.len() - 1]).unwrap_or(false);
                if l != layout || (d != dims && !per_row) {
                    bail!("{op:?} operands must have the same shape and layout (only a divisor broadcasts, along the last axis)");
                }
            }
        }
        imp.layer(n, layer, ts, layout, dims);
        return Ok(());
    }
    // A constant operand (a bias after MatMul, a scale...) joins the
    // tensor's pending expression; `passes::fold_affine` later moves an
    // affine prefix into the layer before it.
    imp.elementwise(n, |l| Ok(Expr::bin(op, l.remove(0), l.remove(0))))
}

/// `Not` of a boolean (0 or 1): `1 − a`.
pub fn not(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    imp.elementwise(n, |a| Ok(Expr::bin(Bin::Sub, Expr::c(1.0), a.remove(0))))
}

/// `Cast`: to a float type the same value (every tensor here is real
/// valued); to bool `a ≠ 0`; to an integer type truncation toward zero
/// (the value is assumed to fit the type, as the exporter's own code does).
pub fn cast(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    const FLOAT: i64 = 1;
    const BOOL: i64 = 9;
    const FLOAT16: i64 = 10;
    const DOUBLE: i64 = 11;
    const BFLOAT16: i64 = 16;
    let integer = [2, 3, 4, 5, 6, 7, 12, 13];
    match attr_i(n, "to", 0) {
        FLOAT | FLOAT16 | DOUBLE | BFLOAT16 => super::shape::identity(imp, n),
        BOOL => imp.elementwise(n, |a| Ok(Expr::bin(Bin::Gt, Expr::un(Un::Abs, a.remove(0)), Expr::c(0.0)))),
        t if integer.contains(&t) => imp.elementwise(n, |a| {
            let a = a.remove(0);
            Ok(Expr::bin(Bin::Mul, Expr::un(Un::Sign, a.clone()), Expr::un(Un::Floor, Expr::un(Un::Abs, a))))
        }),
        t => bail!("Cast to ONNX element type {t} is not supported (float, bool and integer types are)"),
    }
}

/// `Clip(x, min, max)` with optional bounds (inputs or attributes).
pub fn clip(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let lo = imp.optional_scalar(n, 1, "min")?.unwrap_or(f64::NEG_INFINITY);
    let hi = imp.optional_scalar(n, 2, "max")?.unwrap_or(f64::INFINITY);
    if lo.is_nan() || hi.is_nan() || lo > hi {
        bail!("bounds min {lo} and max {hi} do not form a range");
    }
    imp.elementwise(n, |a| Ok(Expr::Clip(Box::new(a.remove(0)), lo, hi)))
}
