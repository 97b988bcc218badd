//! Gemm and MatMul with a constant weight: Dense layers (weights permuted
//! when the input is a flattened NCHW tensor).

use super::Import::{self, Node};
use crate::ir::Op;
use crate::layers::dense::Dense;
use crate::onnx::attrs::{attr_finite, attr_i, input};
use crate::onnx::importer::{Importer, Val};
use crate::onnx::layout::Layout;
use anyhow::{bail, Result};
use polyact::layers::matmul::MatMulDef;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[("Gemm", Node(gemm)), ("MatMul", Node(matmul))];

/// Dense weights `[n_out][n_in]` in the stored order of the input.
pub fn dense_weights(layout: Layout, n_in: usize, w_out_in: Vec<f32>, n_out: usize) -> Vec<f32> {
    // A Flatten of an NCHW tensor is stored HWC: permute the weight columns.
    if let Layout::FlatChw { c } = layout {
        let hw = n_in / c;
        let mut w = vec![0.0; w_out_in.len()];
        for o in 0..n_out {
            for ch in 0..c {
                for p in 0..hw {
                    w[o * n_in + p * c + ch] = w_out_in[o * n_in + ch * hw + p];
                }
            }
        }
        return w;
    }
    w_out_in
}

/// Gemm with a constant weight (alpha, beta, transB): a Dense layer.
pub fn gemm(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let w = imp.constant(input(n, 1)?)?;
    if attr_i(n, "transA", 0) != 0 {
        bail!("transA is not supported");
    }
    let (alpha, beta) = (attr_finite(n, "alpha", 1.0)?, attr_finite(n, "beta", 1.0)?);
    let trans_b = attr_i(n, "transB", 0) != 0;
    if w.dims.len() != 2 {
        bail!("weight must be 2-D");
    }
    let (n_in, n_out) = if trans_b { (w.dims[1], w.dims[0]) } else { (w.dims[0], w.dims[1]) };
    let features = dims.last().copied().unwrap_or(0);
    if features != n_in {
        bail!("input has {features} features, the weight of shape {:?} expects {n_in}", w.dims);
    }
    let mut wm = vec![0.0f32; n_in * n_out];
    for o in 0..n_out {
        for i in 0..n_in {
            let v = if trans_b { w.data[o * n_in + i] } else { w.data[i * n_out + o] };
            wm[o * n_in + i] = (alpha * v) as f32;
        }
    }
    let mut b = vec![0.0f32; n_out];
    if let Some(name) = n.input.get(2).filter(|s| !s.is_empty()) {
        let c = imp.constant(name)?;
        if c.data.len() != 1 && c.data.len() != n_out {
            bail!("bias has {} values for {n_out} outputs", c.data.len());
        }
        for (i, v) in b.iter_mut().enumerate() {
            *v = (beta * c.data[if c.data.len() == 1 { 0 } else { i }]) as f32;
        }
    }
    let w = dense_weights(layout, n_in, wm, n_out);
    let mut out_dims = dims.clone();
    if let Some(d) = out_dims.last_mut() {
        *d = n_out;
    }
    imp.layer(n, Op::Dense(Dense { w, b }), vec![x], Layout::Plain, out_dims);
    Ok(())
}

/// MatMul by a constant `[n_in, n_out]` weight: a Dense layer without bias;
/// of two computed tensors `[.., M, K] × [.., K, N]`: a MatMul layer.
pub fn matmul(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    if n.input.len() != 2 {
        bail!("expects two inputs");
    }
    if !matches!(imp.val(input(n, 1)?)?, Val::Const(_)) {
        return matmul_of_tensors(imp, n);
    }
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let w = imp.constant(input(n, 1)?)?;
    if w.dims.len() != 2 {
        bail!("MatMul weight must be a 2-D constant");
    }
    let (n_in, n_out) = (w.dims[0], w.dims[1]);
    let features = dims.last().copied().unwrap_or(0);
    if features != n_in {
        bail!("input has {features} features, the weight of shape {:?} expects {n_in}", w.dims);
    }
    let mut wm = vec![0.0f32; n_in * n_out];
    for o in 0..n_out {
        for i in 0..n_in {
            wm[o * n_in + i] = w.data[i * n_out + o] as f32;
        }
    }
    let w = dense_weights(layout, n_in, wm, n_out);
    let mut out_dims = dims.clone();
    if let Some(d) = out_dims.last_mut() {
        *d = n_out;
    }
    imp.layer(n, Op::Dense(Dense { w, b: vec![0.0; n_out] }), vec![x], Layout::Plain, out_dims);
    Ok(())
}

/// MatMul of two computed tensors, batched over equal leading axes.
fn matmul_of_tensors(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (a, da) = imp.plain_input(input(n, 0)?)?;
    let (b, db) = imp.plain_input(input(n, 1)?)?;
    let r = da.len();
    if r < 3 || db.len() != r || da[..r - 2] != db[..r - 2] || da[r - 1] != db[r - 2] {
        bail!("MatMul of two tensors needs shapes [.., M, K] x [.., K, N] with equal batch axes (got {da:?} x {db:?})");
    }
    let mut out = da.clone();
    out[r - 1] = db[r - 1];
    imp.layer(n, Op::layer_of(MatMulDef), vec![a, b], Layout::Plain, out);
    Ok(())
}
