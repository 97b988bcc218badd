//! Elementwise nodes: arithmetic with constants (fused into the pending
//! expression of their tensor), residual Add of two tensors, Clip, and the
//! bias a MatMul gets from a following Add.

use crate::expr::{Bin, Expr};
use crate::ir::Op;
use crate::onnx::importer::{Constant, Importer, Val};
use anyhow::{bail, Result};
use tract_onnx::pb::NodeProto;
pub fn binary(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let op = match n.op_type.as_str() {
        "Add" => Bin::Add,
        "Sub" => Bin::Sub,
        "Mul" => Bin::Mul,
        "Div" => Bin::Div,
        "Pow" => Bin::Pow,
        "Max" => Bin::Max,
        "Min" => Bin::Min,
        _ => Bin::PRelu,
    };
    if n.input.len() != 2 {
        bail!("expects two inputs");
    }
    let (a, b) = (imp.val(&n.input[0])?, imp.val(&n.input[1])?);
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
    if let (Val::Act { root: ra, .. }, Val::Act { root: rb, .. }) = (&a, &b) {
        if ra != rb {
            if op != Bin::Add {
                bail!("{:?} of two different tensors is not supported (only Add, for residual connections)", op);
            }
            let ta = imp.materialize(&a, &n.input[0])?;
            let tb = imp.materialize(&b, &n.input[1])?;
            let (Val::Act { layout: la, dims: da, .. }, Val::Act { layout: lb, dims: db, .. }) =
                (imp.val(&n.input[0])?, imp.val(&n.input[1])?)
            else {
                unreachable!()
            };
            if la != lb || da != db {
                bail!("Add operands must have the same shape and layout (no broadcasting)");
            }
            imp.layer(n, Op::Add, vec![ta, tb], la, da);
            return Ok(());
        }
    }
    // MatMul + Add(bias): fold the bias into the dense layer.
    if op == Bin::Add {
        if let (Val::Act { root, expr: Expr::X, .. }, Val::Const(c))
        | (Val::Const(c), Val::Act { root, expr: Expr::X, .. }) = (&a, &b)
        {
            if fold_bias(imp, *root, c)? {
                let v = if matches!(a, Val::Act { .. }) { a } else { b };
                imp.vals.insert(n.output[0].clone(), v);
                return Ok(());
            }
        }
    }
    imp.elementwise(n, |l| Ok(Expr::bin(op, l.remove(0), l.remove(0))))
}

/// If tensor `t` is the sole-use output of a bias-free dense layer, add `c` as its bias.
pub fn fold_bias(imp: &mut Importer, t: usize, c: &Constant) -> Result<bool> {
    let Some(node) = imp.g.nodes.iter_mut().rev().find(|nd| nd.output == t) else {
        return Ok(false);
    };
    let name = imp.g.tensors[t].name.clone();
    if imp.uses.get(&name).copied().unwrap_or(0) != 1 {
        return Ok(false);
    }
    if let Op::Dense { b, .. } = &mut node.op {
        if b.iter().all(|&v| v == 0.0) && (c.data.len() == b.len() || c.data.len() == 1) {
            for (i, v) in b.iter_mut().enumerate() {
                *v = c.data[if c.data.len() == 1 { 0 } else { i }] as f32;
            }
            return Ok(true);
        }
    }
    Ok(false)
}

/// `Clip(x, min, max)` with optional bounds (inputs or attributes).
pub fn clip(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let lo = imp.optional_scalar(n, 1, "min")?.unwrap_or(f64::NEG_INFINITY);
    let hi = imp.optional_scalar(n, 2, "max")?.unwrap_or(f64::INFINITY);
    imp.elementwise(n, |a| Ok(Expr::Clip(Box::new(a.remove(0)), lo, hi)))
}
