//! Normalizations: BatchNormalization (a per-channel affine elementwise map,
//! folded into the layer before it by `passes::fold_affine`) and RMS normalization,
//! recognised from `x · 1/sqrt(mean(x²) + eps)` (PolyNorm's normalizer).

use super::Import::{self, Node};
use crate::expr::{Bin, Expr};
use crate::ir::Op;
use crate::onnx::attrs::{attr_finite, attr_i, input, output};
use crate::onnx::importer::{Importer, Val};
use crate::onnx::layout::{physical, Layout};
use anyhow::{bail, Result};
use polyact::layers::layer_norm::LayerNormDef;
use polyact::layers::rmsnorm::RmsNormDef;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[("BatchNormalization", Node(batchnorm)), ("LayerNormalization", Node(layer_norm))];

/// BatchNormalization (inference): `x·k + s` per channel.
pub fn batchnorm(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let v = imp.val(input(n, 0)?)?;
    let get = |i: usize| imp.constant(input(n, i)?);
    let (scale, bias, mean, var) = (get(1)?, get(2)?, get(3)?, get(4)?);
    let eps = attr_finite(n, "epsilon", 1e-5)?;
    let c = scale.data.len();
    for (what, v) in [("bias", &bias), ("mean", &mean), ("variance", &var)] {
        if v.data.len() != c {
            bail!("{what} has {} values, the scale has {c}", v.data.len());
        }
    }
    if let Some(i) = (0..c).find(|&i| var.data[i] + eps <= 0.0 || (var.data[i] + eps).is_nan()) {
        bail!("channel {i}: variance {} + epsilon {eps} is not positive", var.data[i]);
    }
    let k: Vec<f64> = (0..c).map(|i| scale.data[i] / (var.data[i] + eps).sqrt()).collect();
    let shift: Vec<f64> = (0..c).map(|i| bias.data[i] - mean.data[i] * k[i]).collect();
    // A per-channel affine map of the pending expression; after a Dense or
    // Conv, `passes::fold_affine` folds it into the weights.
    match v {
        Val::Act { root, expr, layout, dims } => {
            let channels = physical(&dims, layout).last().copied().unwrap_or(1);
            if c != channels || (layout != Layout::ChannelsFirst && dims.len() > 2) {
                bail!("{c} normalization channels for a tensor of shape {dims:?} with {channels} channels last");
            }
            let e = Expr::bin(Bin::Add, Expr::bin(Bin::Mul, expr, Expr::Const(k)), Expr::Const(shift));
            imp.vals.insert(output(n)?.to_string(), Val::Act { root, expr: e, layout, dims });
            Ok(())
        }
        _ => bail!("batch normalization of a constant or statistic"),
    }
}

/// `q · g(mean(q²))` with `g(m) = 1/sqrt(m + eps)`: an RMSNorm of `q`.
pub fn rms_norm(imp: &mut Importer, n: &NodeProto, act_input: usize, src: usize, g: &Expr) -> Result<()> {
    let v = imp.val(&n.input[act_input])?;
    // The multiplied value is the statistic's source when it is the same
    // expression of the same root (it may not be materialized yet).
    let same =
        match &v {
            Val::Act { root, expr, .. } => {
                *root == src && *expr == Expr::X
                    || imp.g.nodes.iter().any(|nd| {
                        nd.output == src && nd.inputs == [*root] && matches!(&nd.op, Op::Act(a) if a.f == *expr)
                    })
            }
            _ => false,
        };
    let t = if same { src } else { imp.materialize(&v, &n.input[act_input])? };
    if t != src {
        bail!("multiplies a tensor by the row statistic of a different tensor (not an RMS normalization)");
    }
    let g1 = g.eval(1.0, 0);
    let eps = 1.0 / (g1 * g1) - 1.0;
    let is_rms = eps >= 0.0
        && [0.01, 0.5, 2.0, 37.0].iter().all(|&m: &f64| (g.eval(m, 0) * (m + eps).sqrt() - 1.0).abs() < 1e-6);
    if !is_rms {
        bail!("row statistic {g} is not 1/sqrt(mean(x^2) + eps): only RMS normalization is supported");
    }
    let Val::Act { layout, dims, .. } = v else { unreachable!() };
    imp.layer(n, Op::layer_of(RmsNormDef { eps }), vec![t], layout, dims);
    Ok(())
}

/// LayerNormalization (opset 17) over the last axis, with its scale and
/// optional bias: a LayerNorm layer.
pub fn layer_norm(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let axis = attr_i(n, "axis", -1);
    if layout != Layout::Plain || (axis != -1 && axis != dims.len() as i64 - 1) {
        bail!("layer normalization is supported over the last axis of a plain tensor only (axis {axis})");
    }
    let c = *dims.last().unwrap_or(&1);
    let per_channel = |name: &str, what: &str| -> Result<Vec<f64>> {
        let k = imp.constant(name)?;
        match k.data.len() {
            1 => Ok(vec![k.data[0]; c]),
            l if l == c => Ok(k.data),
            l => bail!("layer normalization {what} has {l} values for {c} channels"),
        }
    };
    let gamma = per_channel(n.input.get(1).map(String::as_str).unwrap_or(""), "scale")?;
    let beta = match n.input.get(2).filter(|s| !s.is_empty()) {
        Some(b) => per_channel(b, "bias")?,
        None => vec![0.0; c],
    };
    let eps = attr_finite(n, "epsilon", 1e-5)?;
    if eps < 0.0 {
        bail!("epsilon {eps} is negative");
    }
    imp.layer(n, Op::layer_of(LayerNormDef { gamma, beta, eps }), vec![x], layout, dims);
    Ok(())
}
