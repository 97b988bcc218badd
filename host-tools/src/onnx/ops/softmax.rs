//! Softmax over the last axis.

use super::Import::{self, Node};
use crate::ir::Op;
use crate::onnx::attrs::attr_i;
use crate::onnx::attrs::input;
use crate::onnx::importer::Importer;
use crate::onnx::layout::Layout;
use anyhow::{bail, Result};
use polyact::layers::softmax::SoftmaxDef;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[("Softmax", Node(softmax))];

/// Softmax over the last axis of a plain (not channels-first) tensor.
pub fn softmax(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (t, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let axis = attr_i(n, "axis", -1);
    if layout != Layout::Plain || (axis != -1 && axis != dims.len() as i64 - 1) {
        bail!("softmax is supported over the last axis of a plain tensor only");
    }
    imp.layer(n, Op::layer_of(SoftmaxDef), vec![t], layout, dims);
    Ok(())
}
