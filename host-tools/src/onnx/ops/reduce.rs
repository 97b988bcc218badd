//! ReduceSum, ReduceMean, ReduceMax and ReduceMin of a plain tensor over any axes but
//! the batch axis: a Reduce layer (reduced axes kept as size 1), then a free
//! Reshape when `keepdims` is 0.

use super::Import;
use crate::ir::{Node, Op};
use crate::onnx::attrs::{attr_i, attr_ints, input, output};
use crate::onnx::importer::Importer;
use crate::onnx::layout::{physical, Layout};
use anyhow::{bail, Result};
use polyact::layers::reduce::ReduceDef;
use polyact::layers::reduce::ReduceKind;
use polyact::layers::reshape::ReshapeDef;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[
    ("ReduceSum", Import::Node(reduce_sum)),
    ("ReduceMax", Import::Node(reduce_max)),
    ("ReduceMin", Import::Node(reduce_min)),
];

/// ReduceSum.
pub fn reduce_sum(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    reduce(imp, n, ReduceKind::Sum)
}

/// ReduceMin.
pub fn reduce_min(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    reduce(imp, n, ReduceKind::Min)
}

/// ReduceMax.
pub fn reduce_max(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    reduce(imp, n, ReduceKind::Max)
}

/// A reduction of a plain tensor (ReduceMean's NCHW and RMS forms are in `pool.rs`).
pub fn reduce(imp: &mut Importer, n: &NodeProto, kind: ReduceKind) -> Result<()> {
    let axes: Vec<i64> = match n.input.get(1).filter(|s| !s.is_empty()) {
        Some(name) => imp.constant(name)?.data.iter().map(|&v| v as i64).collect(),
        None => attr_ints(n, "axes").unwrap_or_default(),
    };
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    if layout != Layout::Plain {
        bail!("reductions of a channels-first tensor other than a global average are not supported");
    }
    let rank = dims.len() as i64;
    let mut logical: Vec<usize> = Vec::new();
    for &a in &axes {
        let a = if a < 0 { a + rank } else { a };
        if a <= 0 || a >= rank {
            bail!("reduce axis {a} is the batch axis or outside rank {rank}");
        }
        logical.push(a as usize);
    }
    if logical.is_empty() {
        bail!("a reduction over every axis (the batch axis included) is not supported; name the axes");
    }
    logical.sort_unstable();
    logical.dedup();
    let kept: Vec<usize> = dims.iter().enumerate().map(|(i, &d)| if logical.contains(&i) { 1 } else { d }).collect();
    let stored_axes: Vec<usize> = logical.iter().map(|&a| a - 1).collect();
    let op = Op::layer_of(ReduceDef { kind, axes: stored_axes });
    if attr_i(n, "keepdims", 1) != 0 {
        imp.layer(n, op, vec![x], Layout::Plain, kept);
        return Ok(());
    }
    let mid_name = format!("{}::keepdims", output(n)?);
    let mid = imp.g.add_tensor(&mid_name, physical(&kept, Layout::Plain));
    imp.g.nodes.push(Node { name: mid_name, op, inputs: vec![x], output: mid });
    let out: Vec<usize> = dims.iter().enumerate().filter(|(i, _)| !logical.contains(i)).map(|(_, &d)| d).collect();
    imp.layer(n, Op::layer_of(ReshapeDef), vec![mid], Layout::Plain, out);
    Ok(())
}
