//! ONNX → float graph. Reads the protobuf with tract-onnx's types (weights in
//! an external `.onnx.data` file included) and imports each node through the
//! importer table (`OPS` in each operator family's file under [`ops`]), tracking
//! NCHW/NHWC layout ([`layout`]) and fusing every maximal single-input
//! elementwise subgraph into one scalar function `f(x)` ([`importer`]).
//! The graph rewrites that follow import are the named [`crate::passes`].

pub mod attrs;
pub mod basis;
pub mod build;
pub mod importer;
pub mod layout;
pub mod ops;

use crate::expr::Expr;
use crate::ir::Graph;
use anyhow::{anyhow, bail, Context, Result};
use attrs::err_node;
use importer::{Importer, Val};
use layout::{physical, Layout};
use std::collections::HashMap;
use std::path::Path;
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// Largest ONNX file read (protobuf's own limit).
pub const MAX_ONNX_BYTES: u64 = 2 << 30;

/// Load the ONNX model at `path` into a float graph.
pub fn import(path: &Path) -> Result<Graph> {
    let size = std::fs::metadata(path).map_err(|e| anyhow!("{}: {e}", path.display()))?.len();
    if size > MAX_ONNX_BYTES {
        bail!("{}: {size} bytes is larger than an ONNX file can be ({MAX_ONNX_BYTES})", path.display());
    }
    let model = tract_onnx::onnx()
        .proto_model_for_path(path)
        .map_err(|e| anyhow!("{}: not a readable ONNX model: {e}", path.display()))?;
    let dir = path.parent().and_then(|p| p.to_str());
    import_model(&model, dir).with_context(|| format!("{}", path.display()))
}

/// Import a parsed ONNX model; `dir` is where its external weight files are.
pub fn import_model(model: &pb::ModelProto, dir: Option<&str>) -> Result<Graph> {
    let graph = model.graph.as_ref().ok_or_else(|| anyhow!("ONNX model has no graph"))?;
    let mut imp =
        Importer { g: Graph::default(), vals: HashMap::new(), uses: HashMap::new(), dir: dir.map(str::to_string) };
    for t in &graph.initializer {
        let c = imp.load_const(t).with_context(|| format!("initializer '{}'", t.name))?;
        imp.vals.insert(t.name.clone(), Val::Const(c));
    }
    for n in &graph.node {
        for i in &n.input {
            *imp.uses.entry(i.clone()).or_default() += 1;
        }
    }
    let inputs: Vec<&pb::ValueInfoProto> = graph.input.iter().filter(|i| !imp.vals.contains_key(&i.name)).collect();
    if inputs.len() != 1 {
        bail!("the model must have exactly one input, it has {}", inputs.len());
    }
    let input = inputs[0];
    let dims = value_dims(input).with_context(|| format!("input '{}'", input.name))?;
    let t = imp.g.add_tensor(&input.name, physical(&dims, Layout::Plain));
    imp.g.input = t;
    imp.vals.insert(input.name.clone(), Val::Act { root: t, expr: Expr::X, layout: Layout::Plain, dims });
    for n in &graph.node {
        imp.node(n).map_err(|e| if e.to_string().starts_with("ONNX node") { e } else { err_node(n, e) })?;
    }
    if graph.output.len() != 1 {
        bail!("the model must have exactly one output, it has {}", graph.output.len());
    }
    let out = &graph.output[0].name;
    let v = imp.vals.get(out).cloned().ok_or_else(|| anyhow!("graph output '{out}' is never computed"))?;
    imp.g.output = imp.materialize(&v, out)?;
    let mut g = imp.g;
    crate::passes::run_all(&mut g)?;
    if g.output == g.input {
        bail!("the model computes nothing (output is the input)");
    }
    Ok(g)
}

fn value_dims(v: &pb::ValueInfoProto) -> Result<Vec<usize>> {
    let Some(pb::type_proto::Value::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        bail!("has no tensor type");
    };
    let shape = t.shape.as_ref().ok_or_else(|| anyhow!("has no shape"))?;
    let mut dims = Vec::new();
    for (i, d) in shape.dim.iter().enumerate() {
        match &d.value {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) if *v > 0 => dims.push(usize::try_from(*v)?),
            _ if i == 0 => dims.push(1), // symbolic batch
            _ => bail!("dimension {i} is not a fixed size"),
        }
    }
    if dims.first() != Some(&1) {
        bail!("batch dimension must be 1 (or symbolic); shape is {dims:?}");
    }
    if crate::ir::checked_len(&dims).is_none() {
        bail!("shape {dims:?} is larger than {} elements", crate::ir::MAX_TENSOR_ELEMENTS);
    }
    Ok(dims)
}
