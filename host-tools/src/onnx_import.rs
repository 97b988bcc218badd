//! ONNX → float graph. Reads the protobuf with tract-onnx's types (weights in
//! an external `.onnx.data` file included), maps layers onto the runtime's,
//! folds BatchNorm and MatMul+Add, tracks NCHW/NHWC layout so transposes
//! around convolutions cost nothing, and fuses every maximal single-input
//! elementwise subgraph into one scalar function `f(x)`.

use crate::expr::{Bin, Expr, Un};
use crate::ir::{Graph, Node, Op};
use anyhow::{anyhow, bail, Context, Result};
use polyact::writer::{ConvGeom, PoolGeom};
use std::collections::HashMap;
use std::path::Path;
use tract_onnx::pb::{self, NodeProto, TensorProto};
use tract_onnx::prelude::*;

/// How an activation tensor's logical ONNX dims map to its channels-last storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    /// Stored in ONNX order (batch dropped).
    Plain,
    /// Logical `[N, C, spatial…]`, stored `[spatial…, C]`.
    ChannelsFirst,
    /// Logical `[N, C·H·W]` flattened from NCHW, stored in HWC order.
    FlatChw { c: usize },
}

#[derive(Clone, Debug)]
struct Constant {
    dims: Vec<usize>,
    data: Vec<f64>,
}

/// A value of the ONNX graph: a constant, or `expr(root)` of a graph tensor.
#[derive(Clone, Debug)]
enum Val {
    Const(Constant),
    Act {
        root: usize,
        expr: Expr,
        layout: Layout,
        dims: Vec<usize>,
    },
    /// `expr(m)` of the row statistic `m = mean(src²)` over the last axis —
    /// pending until multiplied back into `src`, which makes an RMSNorm.
    Stat {
        src: usize,
        expr: Expr,
    },
}

struct Importer<'a> {
    g: Graph,
    vals: HashMap<String, Val>,
    uses: HashMap<String, usize>,
    dir: Option<&'a str>,
}

fn err_node(n: &NodeProto, msg: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "ONNX node '{}' ({}): {msg}",
        if n.name.is_empty() { n.output.first().map(String::as_str).unwrap_or("?") } else { &n.name },
        n.op_type
    )
}

fn attr<'n>(n: &'n NodeProto, name: &str) -> Option<&'n pb::AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}

fn attr_i(n: &NodeProto, name: &str, default: i64) -> i64 {
    attr(n, name).map_or(default, |a| a.i)
}

fn attr_f(n: &NodeProto, name: &str, default: f64) -> f64 {
    attr(n, name).map_or(default, |a| a.f as f64)
}

fn attr_ints(n: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(n, name).map(|a| a.ints.clone())
}

fn attr_s(n: &NodeProto, name: &str) -> Option<String> {
    attr(n, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

/// Physical (channels-last, no batch) dims of logical ONNX dims.
fn physical(dims: &[usize], layout: Layout) -> Vec<usize> {
    let d = &dims[1.min(dims.len())..];
    match layout {
        Layout::ChannelsFirst if d.len() >= 2 => {
            let mut p = d[1..].to_vec();
            p.push(d[0]);
            p
        }
        _ => d.to_vec(),
    }
}

/// Load the ONNX model at `path` into a float graph.
pub fn import(path: &Path) -> Result<Graph> {
    let onnx = tract_onnx::onnx();
    let model =
        onnx.proto_model_for_path(path).map_err(|e| anyhow!("{}: not a readable ONNX model: {e}", path.display()))?;
    let graph = model.graph.as_ref().ok_or_else(|| anyhow!("{}: ONNX model has no graph", path.display()))?;
    let dir = path.parent().and_then(|p| p.to_str());
    let mut imp = Importer { g: Graph::default(), vals: HashMap::new(), uses: HashMap::new(), dir };
    for t in &graph.initializer {
        let c = imp.load_const(t).with_context(|| format!("{}: initializer '{}'", path.display(), t.name))?;
        imp.vals.insert(t.name.clone(), Val::Const(c));
    }
    for n in &graph.node {
        for i in &n.input {
            *imp.uses.entry(i.clone()).or_default() += 1;
        }
    }
    let inputs: Vec<&pb::ValueInfoProto> = graph.input.iter().filter(|i| !imp.vals.contains_key(&i.name)).collect();
    if inputs.len() != 1 {
        bail!("{}: the model must have exactly one input, it has {}", path.display(), inputs.len());
    }
    let input = inputs[0];
    let dims = value_dims(input).with_context(|| format!("{}: input '{}'", path.display(), input.name))?;
    let t = imp.g.add_tensor(&input.name, physical(&dims, Layout::Plain));
    imp.g.input = t;
    imp.vals.insert(input.name.clone(), Val::Act { root: t, expr: Expr::X, layout: Layout::Plain, dims });
    for n in &graph.node {
        imp.node(n).map_err(|e| if e.to_string().starts_with("ONNX node") { e } else { err_node(n, e) })?;
    }
    if graph.output.len() != 1 {
        bail!("{}: the model must have exactly one output, it has {}", path.display(), graph.output.len());
    }
    let out = &graph.output[0].name;
    let v = imp.vals.get(out).cloned().ok_or_else(|| anyhow!("graph output '{out}' is never computed"))?;
    imp.g.output = imp.materialize(&v, out)?;
    if imp.g.output == imp.g.input {
        bail!("{}: the model computes nothing (output is the input)", path.display());
    }
    Ok(imp.g)
}

fn value_dims(v: &pb::ValueInfoProto) -> Result<Vec<usize>> {
    let Some(pb::type_proto::Value::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        bail!("has no tensor type");
    };
    let shape = t.shape.as_ref().ok_or_else(|| anyhow!("has no shape"))?;
    let mut dims = Vec::new();
    for (i, d) in shape.dim.iter().enumerate() {
        match &d.value {
            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v)) if *v > 0 => dims.push(*v as usize),
            _ if i == 0 => dims.push(1), // symbolic batch
            _ => bail!("dimension {i} is not a fixed size"),
        }
    }
    if dims.first() != Some(&1) {
        bail!("batch dimension must be 1 (or symbolic); shape is {dims:?}");
    }
    Ok(dims)
}

impl Importer<'_> {
    fn load_const(&self, t: &TensorProto) -> Result<Constant> {
        let resolver = tract_onnx::data_resolver::default();
        let tensor = tract_onnx::tensor::load_tensor(&*resolver, t, self.dir).map_err(|e| anyhow!("{e}"))?;
        let dims = tensor.shape().to_vec();
        let f = tensor.cast_to::<f64>().map_err(|e| anyhow!("cannot read as numbers: {e}"))?;
        let data = f.to_plain_array_view::<f64>().map_err(|e| anyhow!("{e}"))?.iter().copied().collect();
        Ok(Constant { dims, data })
    }

    fn val(&self, name: &str) -> Result<Val> {
        self.vals.get(name).cloned().ok_or_else(|| anyhow!("input '{name}' is not produced by any earlier node"))
    }

    fn constant(&self, name: &str) -> Result<Constant> {
        match self.val(name)? {
            Val::Const(c) => Ok(c),
            _ => bail!("input '{name}' must be a constant (weights, shapes and parameters must be initializers)"),
        }
    }

    /// A graph tensor holding `v` (adds an activation layer if `v` is a pending expression).
    fn materialize(&mut self, v: &Val, name: &str) -> Result<usize> {
        match v {
            Val::Const(_) => {
                bail!("value '{name}' is a constant; polyact needs computed tensors here")
            }
            Val::Stat { .. } => bail!("value '{name}' is a per-row statistic that is not used as an RMS normalization"),
            Val::Act { root, expr: Expr::X, .. } => Ok(*root),
            Val::Act { root, expr, layout, dims } => {
                let t = self.g.add_tensor(name, physical(dims, *layout));
                self.g.nodes.push(Node {
                    name: format!("{name} (fused elementwise)"),
                    op: Op::Act { f: expr.clone() },
                    inputs: vec![*root],
                    output: t,
                });
                self.vals
                    .insert(name.to_string(), Val::Act { root: t, expr: Expr::X, layout: *layout, dims: dims.clone() });
                Ok(t)
            }
        }
    }

    fn tensor_input(&mut self, name: &str) -> Result<(usize, Layout, Vec<usize>)> {
        let v = self.val(name)?;
        let t = self.materialize(&v, name)?;
        match self.val(name)? {
            Val::Act { layout, dims, .. } => Ok((t, layout, dims)),
            _ => unreachable!("materialized values are tensors"),
        }
    }

    fn set(&mut self, name: &str, root: usize, layout: Layout, dims: Vec<usize>) {
        self.vals.insert(name.to_string(), Val::Act { root, expr: Expr::X, layout, dims });
    }

    fn layer(&mut self, n: &NodeProto, op: Op, inputs: Vec<usize>, layout: Layout, dims: Vec<usize>) -> usize {
        let out = &n.output[0];
        let t = self.g.add_tensor(out, physical(&dims, layout));
        let name = if n.name.is_empty() { out.clone() } else { n.name.clone() };
        self.g.nodes.push(Node { name, op, inputs, output: t });
        self.set(out, t, layout, dims);
        t
    }

    /// Constant as an expression constant for a tensor of `dims`/`layout`:
    /// scalar or per channel (the channel is the innermost stored dim).
    fn const_expr(&self, c: &Constant, dims: &[usize], layout: Layout) -> Result<Expr> {
        // A scalar, or a constant the exporter broadcast to a full tensor of
        // one repeated value (e.g. `p * ones_like(x)` folded).
        if c.data.windows(2).all(|w| w[0] == w[1]) {
            return Ok(Expr::Const(vec![c.data.first().copied().unwrap_or(0.0)]));
        }
        let channels = *physical(dims, layout).last().unwrap_or(&1);
        let non_one: Vec<(usize, usize)> =
            c.dims.iter().rev().enumerate().filter(|(_, &d)| d != 1).map(|(i, &d)| (i, d)).collect();
        let rank = dims.len();
        // Axis (from the end) that is the channel axis in ONNX terms.
        let channel_axis_from_end = match layout {
            Layout::ChannelsFirst => rank - 2,
            _ => 0,
        };
        if non_one.len() == 1 && non_one[0] == (channel_axis_from_end, channels) {
            return Ok(Expr::Const(c.data.clone()));
        }
        bail!("constant of shape {:?} is neither a scalar nor per channel for a tensor of shape {:?}", c.dims, dims)
    }

    fn node(&mut self, n: &NodeProto) -> Result<()> {
        let op = n.op_type.as_str();
        if let Some(u) = unary(n)? {
            return self.elementwise(n, |a| Ok(Expr::un(u, a.remove(0))));
        }
        match op {
            "Identity" | "Dropout" => {
                let v = self.val(&n.input[0])?;
                self.vals.insert(n.output[0].clone(), v);
                Ok(())
            }
            "Constant" => {
                let c = if let Some(t) = attr(n, "value").and_then(|a| a.t.as_ref()) {
                    self.load_const(t)?
                } else if let Some(a) = attr(n, "value_float") {
                    Constant { dims: vec![], data: vec![a.f as f64] }
                } else if let Some(a) = attr(n, "value_floats") {
                    Constant { dims: vec![a.floats.len()], data: a.floats.iter().map(|&v| v as f64).collect() }
                } else if let Some(a) = attr(n, "value_int") {
                    Constant { dims: vec![], data: vec![a.i as f64] }
                } else if let Some(a) = attr(n, "value_ints") {
                    Constant { dims: vec![a.ints.len()], data: a.ints.iter().map(|&v| v as f64).collect() }
                } else {
                    bail!("unsupported Constant attribute");
                };
                self.vals.insert(n.output[0].clone(), Val::Const(c));
                Ok(())
            }
            "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Max" | "Min" | "PRelu" => self.binary(n),
            "Clip" => {
                let lo = self.optional_scalar(n, 1, "min")?.unwrap_or(f64::NEG_INFINITY);
                let hi = self.optional_scalar(n, 2, "max")?.unwrap_or(f64::INFINITY);
                self.elementwise(n, |a| Ok(Expr::Clip(Box::new(a.remove(0)), lo, hi)))
            }
            "Gemm" => self.gemm(n),
            "MatMul" => self.matmul(n),
            "Conv" => self.conv(n),
            "BatchNormalization" => self.batchnorm(n),
            "MaxPool" | "AveragePool" => self.pool(n, op == "MaxPool"),
            "GlobalAveragePool" | "GlobalMaxPool" => self.global_pool(n, op == "GlobalMaxPool"),
            "ReduceMean" => self.reduce_mean(n),
            "Flatten" | "Reshape" => self.reshape(n),
            "Transpose" => self.transpose(n),
            "Softmax" => {
                let (t, layout, dims) = self.tensor_input(&n.input[0])?;
                let axis = attr_i(n, "axis", -1);
                if layout != Layout::Plain || (axis != -1 && axis != dims.len() as i64 - 1) {
                    bail!("softmax is supported over the last axis of a plain tensor only");
                }
                self.layer(n, Op::Softmax, vec![t], layout, dims);
                Ok(())
            }
            "Concat" => self.concat(n),
            _ => bail!("unsupported operator (polyact imports Gemm, MatMul, Conv, pooling, Add, Concat, Reshape/Flatten, Transpose, Softmax, BatchNormalization and elementwise activations)"),
        }
    }

    fn optional_scalar(&self, n: &NodeProto, input: usize, attr_name: &str) -> Result<Option<f64>> {
        if let Some(name) = n.input.get(input).filter(|s| !s.is_empty()) {
            let c = self.constant(name)?;
            return Ok(c.data.first().copied());
        }
        Ok(attr(n, attr_name).map(|a| a.f as f64))
    }

    /// Combine operands (in input order) into one expression when all variable
    /// operands share one root tensor.
    fn elementwise(&mut self, n: &NodeProto, build: impl FnOnce(&mut Vec<Expr>) -> Result<Expr>) -> Result<()> {
        if let Some(src) = n.input.iter().find_map(|i| match self.vals.get(i) {
            Some(Val::Stat { src, .. }) => Some(*src),
            _ => None,
        }) {
            return self.stat_elementwise(n, src, build);
        }
        let mut root: Option<(usize, Layout, Vec<usize>)> = None;
        let mut exprs = Vec::new();
        let mut consts = Vec::new();
        for (i, name) in n.input.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
            match self.val(name)? {
                Val::Act { root: r, expr, layout, dims } => {
                    if let Some((r0, _, _)) = &root {
                        if *r0 != r {
                            bail!("elementwise operator over two different tensors (only Add of two tensors is supported)");
                        }
                    } else {
                        root = Some((r, layout, dims));
                    }
                    exprs.push((i, expr));
                }
                Val::Const(c) => consts.push((i, c)),
                Val::Stat { .. } => unreachable!("handled above"),
            }
        }
        let Some((r, layout, dims)) = root else {
            bail!("elementwise operator on constants only (constant folding is the exporter's job)");
        };
        let mut operands: Vec<(usize, Expr)> = exprs;
        for (i, c) in consts {
            operands.push((i, self.const_expr(&c, &dims, layout)?));
        }
        operands.sort_by_key(|(i, _)| *i);
        let mut list: Vec<Expr> = operands.into_iter().map(|(_, e)| e).collect();
        let e = build(&mut list)?;
        self.vals.insert(n.output[0].clone(), Val::Act { root: r, expr: e, layout, dims });
        Ok(())
    }

    fn binary(&mut self, n: &NodeProto) -> Result<()> {
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
        let (a, b) = (self.val(&n.input[0])?, self.val(&n.input[1])?);
        if op == Bin::Mul {
            let pair = match (&a, &b) {
                (Val::Act { .. }, Val::Stat { src, expr }) => Some((0, *src, expr.clone())),
                (Val::Stat { src, expr }, Val::Act { .. }) => Some((1, *src, expr.clone())),
                _ => None,
            };
            if let Some((ai, src, g)) = pair {
                return self.rms_norm(n, ai, src, &g);
            }
        }
        if let (Val::Act { root: ra, .. }, Val::Act { root: rb, .. }) = (&a, &b) {
            if ra != rb {
                if op != Bin::Add {
                    bail!("{:?} of two different tensors is not supported (only Add, for residual connections)", op);
                }
                let ta = self.materialize(&a, &n.input[0])?;
                let tb = self.materialize(&b, &n.input[1])?;
                let (Val::Act { layout: la, dims: da, .. }, Val::Act { layout: lb, dims: db, .. }) =
                    (self.val(&n.input[0])?, self.val(&n.input[1])?)
                else {
                    unreachable!()
                };
                if la != lb || da != db {
                    bail!("Add operands must have the same shape and layout (no broadcasting)");
                }
                self.layer(n, Op::Add, vec![ta, tb], la, da);
                return Ok(());
            }
        }
        // MatMul + Add(bias): fold the bias into the dense layer.
        if op == Bin::Add {
            if let (Val::Act { root, expr: Expr::X, .. }, Val::Const(c))
            | (Val::Const(c), Val::Act { root, expr: Expr::X, .. }) = (&a, &b)
            {
                if self.fold_bias(*root, c)? {
                    let v = if matches!(a, Val::Act { .. }) { a } else { b };
                    self.vals.insert(n.output[0].clone(), v);
                    return Ok(());
                }
            }
        }
        self.elementwise(n, |l| Ok(Expr::bin(op, l.remove(0), l.remove(0))))
    }

    /// If tensor `t` is the sole-use output of a bias-free dense layer, add `c` as its bias.
    fn fold_bias(&mut self, t: usize, c: &Constant) -> Result<bool> {
        let Some(node) = self.g.nodes.iter_mut().rev().find(|nd| nd.output == t) else {
            return Ok(false);
        };
        let name = self.g.tensors[t].name.clone();
        if self.uses.get(&name).copied().unwrap_or(0) != 1 {
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

    fn dense_weights(&self, layout: Layout, n_in: usize, w_out_in: Vec<f32>, n_out: usize) -> Vec<f32> {
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

    fn gemm(&mut self, n: &NodeProto) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        let w = self.constant(&n.input[1])?;
        if attr_i(n, "transA", 0) != 0 {
            bail!("transA is not supported");
        }
        let (alpha, beta) = (attr_f(n, "alpha", 1.0), attr_f(n, "beta", 1.0));
        let trans_b = attr_i(n, "transB", 0) != 0;
        if w.dims.len() != 2 {
            bail!("weight must be 2-D");
        }
        let (n_in, n_out) = if trans_b { (w.dims[1], w.dims[0]) } else { (w.dims[0], w.dims[1]) };
        if *dims.last().unwrap() != n_in {
            bail!("input has {} features, the weight expects {n_in}", dims.last().unwrap());
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
            let c = self.constant(name)?;
            for (i, v) in b.iter_mut().enumerate() {
                *v = (beta * c.data[if c.data.len() == 1 { 0 } else { i }]) as f32;
            }
        }
        let w = self.dense_weights(layout, n_in, wm, n_out);
        let mut out_dims = dims.clone();
        *out_dims.last_mut().unwrap() = n_out;
        self.layer(n, Op::Dense { w, b }, vec![x], Layout::Plain, out_dims);
        Ok(())
    }

    fn matmul(&mut self, n: &NodeProto) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        let w = self.constant(&n.input[1])?;
        if w.dims.len() != 2 {
            bail!("MatMul weight must be a 2-D constant");
        }
        let (n_in, n_out) = (w.dims[0], w.dims[1]);
        if *dims.last().unwrap() != n_in {
            bail!("input has {} features, the weight expects {n_in}", dims.last().unwrap());
        }
        let mut wm = vec![0.0f32; n_in * n_out];
        for o in 0..n_out {
            for i in 0..n_in {
                wm[o * n_in + i] = w.data[i * n_out + o] as f32;
            }
        }
        let w = self.dense_weights(layout, n_in, wm, n_out);
        let mut out_dims = dims.clone();
        *out_dims.last_mut().unwrap() = n_out;
        self.layer(n, Op::Dense { w, b: vec![0.0; n_out] }, vec![x], Layout::Plain, out_dims);
        Ok(())
    }

    fn conv(&mut self, n: &NodeProto) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        if layout != Layout::ChannelsFirst && dims.len() >= 3 {
            // The input arrives NCHW directly (e.g. a model whose input is NCHW):
            // with one channel the storage is identical.
            if dims[1] != 1 {
                bail!("convolution input must be NCHW; a multi-channel NCHW graph input is not supported (feed NHWC and transpose in the model)");
            }
        }
        let w = self.constant(&n.input[1])?;
        let one_d = w.dims.len() == 3;
        if !(one_d || w.dims.len() == 4) || dims.len() != w.dims.len() {
            bail!("only 1-D and 2-D convolutions are supported");
        }
        let (cout, cin_g) = (w.dims[0], w.dims[1]);
        let (kh, kw) = if one_d { (1, w.dims[2]) } else { (w.dims[2], w.dims[3]) };
        let cin = dims[1];
        let group = attr_i(n, "group", 1) as usize;
        let ints = |name: &str, def: Vec<i64>| attr_ints(n, name).unwrap_or(def);
        let sp = if one_d { 1 } else { 2 };
        let strides = ints("strides", vec![1; sp]);
        let dil = ints("dilations", vec![1; sp]);
        let mut pads = ints("pads", vec![0; 2 * sp]);
        if let Some(ap) = attr_s(n, "auto_pad").filter(|s| s != "NOTSET") {
            if ap != "VALID" {
                bail!("auto_pad {ap} is not supported (export with explicit padding)");
            }
            pads = vec![0; 2 * sp];
        }
        let (stride, dilation, pad) = if one_d {
            ([1, strides[0] as usize], [1, dil[0] as usize], [0, pads[0] as usize, 0, pads[1] as usize])
        } else {
            (
                [strides[0] as usize, strides[1] as usize],
                [dil[0] as usize, dil[1] as usize],
                [pads[0] as usize, pads[1] as usize, pads[2] as usize, pads[3] as usize],
            )
        };
        let geom = ConvGeom { window: [kh, kw], stride, dilation, pad };
        let b: Vec<f32> = match n.input.get(2).filter(|s| !s.is_empty()) {
            Some(name) => self.constant(name)?.data.iter().map(|&v| v as f32).collect(),
            None => vec![0.0; cout],
        };
        let taps = kh * kw;
        let (wr, dm) = if group == 1 {
            if cin_g != cin {
                bail!("weight expects {cin_g} input channels, input has {cin}");
            }
            let mut wr = vec![0.0f32; cout * taps * cin];
            for o in 0..cout {
                for i in 0..cin {
                    for t in 0..taps {
                        wr[(o * taps + t) * cin + i] = w.data[(o * cin + i) * taps + t] as f32;
                    }
                }
            }
            (wr, None)
        } else if group == cin && cin_g == 1 && cout % cin == 0 {
            let mut wr = vec![0.0f32; taps * cout];
            for o in 0..cout {
                for t in 0..taps {
                    wr[t * cout + o] = w.data[o * taps + t] as f32;
                }
            }
            (wr, Some(cout / cin))
        } else {
            bail!("grouped convolution with {group} groups is not supported (only group 1 and depthwise)");
        };
        let ext = |i: usize, k: usize, s: usize, d: usize, p0: usize, p1: usize| -> Result<usize> {
            let span = d * (k - 1) + 1;
            if i + p0 + p1 < span {
                bail!("kernel larger than the padded input");
            }
            Ok((i + p0 + p1 - span) / s + 1)
        };
        let out_dims = if one_d {
            vec![1, cout, ext(dims[2], kw, stride[1], dilation[1], pad[1], pad[3])?]
        } else {
            vec![
                1,
                cout,
                ext(dims[2], kh, stride[0], dilation[0], pad[0], pad[2])?,
                ext(dims[3], kw, stride[1], dilation[1], pad[1], pad[3])?,
            ]
        };
        self.layer(
            n,
            Op::Conv { w: wr, b, geom, depth_multiplier: dm, one_d },
            vec![x],
            Layout::ChannelsFirst,
            out_dims,
        );
        Ok(())
    }

    fn batchnorm(&mut self, n: &NodeProto) -> Result<()> {
        let v = self.val(&n.input[0])?;
        let get = |i: usize| self.constant(&n.input[i]);
        let (scale, bias, mean, var) = (get(1)?, get(2)?, get(3)?, get(4)?);
        let eps = attr_f(n, "epsilon", 1e-5);
        let c = scale.data.len();
        let k: Vec<f64> = (0..c).map(|i| scale.data[i] / (var.data[i] + eps).sqrt()).collect();
        let shift: Vec<f64> = (0..c).map(|i| bias.data[i] - mean.data[i] * k[i]).collect();
        if let Val::Act { root, expr: Expr::X, layout, dims } = &v {
            let name = self.g.tensors[*root].name.clone();
            let sole = self.uses.get(&name).copied().unwrap_or(0) == 1;
            if let Some(node) = self.g.nodes.iter_mut().rev().find(|nd| nd.output == *root).filter(|_| sole) {
                let dw = matches!(node.op, Op::Conv { depth_multiplier: Some(_), .. });
                if let Op::Conv { w, b, .. } | Op::Dense { w, b } = &mut node.op {
                    let cout = b.len();
                    if cout == c {
                        let per = w.len() / cout;
                        for (i, wv) in w.iter_mut().enumerate() {
                            let o = if dw { i % cout } else { i / per };
                            *wv = (*wv as f64 * k[o]) as f32;
                        }
                        for o in 0..cout {
                            b[o] = (b[o] as f64 * k[o] + shift[o]) as f32;
                        }
                        let (r, l, d) = (*root, *layout, dims.clone());
                        self.set(&n.output[0], r, l, d);
                        return Ok(());
                    }
                }
            }
        }
        // Standalone: an elementwise per-channel affine map.
        match v {
            Val::Act { root, expr, layout, dims } => {
                let e = Expr::bin(Bin::Add, Expr::bin(Bin::Mul, expr, Expr::Const(k)), Expr::Const(shift));
                self.vals.insert(n.output[0].clone(), Val::Act { root, expr: e, layout, dims });
                Ok(())
            }
            _ => bail!("batch normalization of a constant or statistic"),
        }
    }

    fn pool(&mut self, n: &NodeProto, max: bool) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        if layout != Layout::ChannelsFirst {
            bail!("pooling input must be NCHW/NCW");
        }
        let k = attr_ints(n, "kernel_shape").ok_or_else(|| anyhow!("missing kernel_shape"))?;
        if attr_i(n, "ceil_mode", 0) != 0 {
            bail!("ceil_mode is not supported");
        }
        let sp = k.len();
        let s = attr_ints(n, "strides").unwrap_or(vec![1; sp]);
        let p = attr_ints(n, "pads").unwrap_or(vec![0; 2 * sp]);
        if !max && p.iter().any(|&v| v != 0) && attr_i(n, "count_include_pad", 0) != 0 {
            bail!("average pooling with count_include_pad is not supported");
        }
        let u = |v: i64| v as usize;
        let geom = if sp == 1 {
            PoolGeom { window: [1, u(k[0])], stride: [1, u(s[0])], pad: [0, u(p[0]), 0, u(p[1])] }
        } else {
            PoolGeom {
                window: [u(k[0]), u(k[1])],
                stride: [u(s[0]), u(s[1])],
                pad: [u(p[0]), u(p[1]), u(p[2]), u(p[3])],
            }
        };
        let mut out = dims.clone();
        for a in 0..sp {
            let (w, st, lo, hi) =
                (geom.window[2 - sp + a], geom.stride[2 - sp + a], geom.pad[2 - sp + a], geom.pad[4 - sp + a]);
            out[2 + a] = (dims[2 + a] + lo + hi - w) / st + 1;
        }
        self.layer(n, Op::Pool { max, geom }, vec![x], layout, out);
        Ok(())
    }

    fn global_pool(&mut self, n: &NodeProto, max: bool) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        if layout != Layout::ChannelsFirst || dims.len() < 3 {
            bail!("global pooling input must be NCHW/NCW");
        }
        let spatial = &dims[2..];
        let window = if spatial.len() == 1 { [1, spatial[0]] } else { [spatial[0], spatial[1]] };
        let geom = PoolGeom { window, stride: [1, 1], pad: [0; 4] };
        let mut out = dims.clone();
        for d in out.iter_mut().skip(2) {
            *d = 1;
        }
        self.layer(n, Op::Pool { max, geom }, vec![x], layout, out);
        Ok(())
    }

    fn reduce_mean(&mut self, n: &NodeProto) -> Result<()> {
        let axes: Vec<i64> = match n.input.get(1).filter(|s| !s.is_empty()) {
            Some(name) => self.constant(name)?.data.iter().map(|&v| v as i64).collect(),
            None => attr_ints(n, "axes").unwrap_or_default(),
        };
        // mean(q·q) over the last axis of a plain tensor: the RMSNorm statistic.
        if let Val::Act { root, expr: Expr::Binary(Bin::Mul, qa, qb), layout: Layout::Plain, dims } =
            self.val(&n.input[0])?
        {
            let last = dims.len() as i64 - 1;
            if qa == qb && axes.len() == 1 && (axes[0] == -1 || axes[0] == last) && attr_i(n, "keepdims", 1) == 1 {
                let q = Val::Act { root, expr: *qa, layout: Layout::Plain, dims };
                let tmp = format!("{}::rms_source", n.output[0]);
                let src = self.materialize(&q, &tmp)?;
                self.vals.insert(n.output[0].clone(), Val::Stat { src, expr: Expr::X });
                return Ok(());
            }
        }
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        let rank = dims.len() as i64;
        let mut axes: Vec<usize> = axes.iter().map(|&a| if a < 0 { (a + rank) as usize } else { a as usize }).collect();
        axes.sort_unstable();
        let spatial: Vec<usize> = (2..dims.len()).collect();
        if layout != Layout::ChannelsFirst || axes != spatial {
            bail!("ReduceMean is supported over all spatial axes of an NCHW/NCW tensor (global average pooling) only");
        }
        let sp = &dims[2..];
        let window = if sp.len() == 1 { [1, sp[0]] } else { [sp[0], sp[1]] };
        let keep = attr_i(n, "keepdims", 1) != 0;
        let out = if keep {
            dims.iter().enumerate().map(|(i, &d)| if i >= 2 { 1 } else { d }).collect()
        } else {
            vec![1, dims[1]]
        };
        let out_layout = if keep { layout } else { Layout::Plain };
        self.layer(
            n,
            Op::Pool { max: false, geom: PoolGeom { window, stride: [1, 1], pad: [0; 4] } },
            vec![x],
            out_layout,
            out,
        );
        Ok(())
    }

    /// Elementwise operation on a row statistic (`+ eps`, `sqrt`, `1 / ·`).
    fn stat_elementwise(
        &mut self,
        n: &NodeProto,
        src: usize,
        build: impl FnOnce(&mut Vec<Expr>) -> Result<Expr>,
    ) -> Result<()> {
        let mut list = Vec::new();
        for name in n.input.iter().filter(|s| !s.is_empty()) {
            match self.val(name)? {
                Val::Stat { src: s, expr } if s == src => list.push(expr),
                Val::Const(c) if c.data.len() == 1 => list.push(Expr::Const(c.data.clone())),
                _ => bail!("a per-row statistic can only be combined with scalar constants"),
            }
        }
        let e = build(&mut list)?;
        self.vals.insert(n.output[0].clone(), Val::Stat { src, expr: e });
        Ok(())
    }

    /// `q · g(mean(q²))` with `g(m) = 1/sqrt(m + eps)`: an RMSNorm of `q`.
    fn rms_norm(&mut self, n: &NodeProto, act_input: usize, src: usize, g: &Expr) -> Result<()> {
        let v = self.val(&n.input[act_input])?;
        // The multiplied value is the statistic's source when it is the same
        // expression of the same root (it may not be materialized yet).
        let same = match &v {
            Val::Act { root, expr, .. } => {
                *root == src && *expr == Expr::X
                    || self.g.nodes.iter().any(|nd| {
                        nd.output == src && nd.inputs == [*root] && matches!(&nd.op, Op::Act { f } if f == expr)
                    })
            }
            _ => false,
        };
        let t = if same { src } else { self.materialize(&v, &n.input[act_input])? };
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
        self.layer(n, Op::RmsNorm { eps }, vec![t], layout, dims);
        Ok(())
    }

    fn reshape(&mut self, n: &NodeProto) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        let total: usize = dims.iter().product();
        let target: Vec<usize> = if n.op_type == "Flatten" {
            let axis = attr_i(n, "axis", 1);
            if axis != 1 {
                bail!("Flatten axis must be 1");
            }
            vec![1, total]
        } else {
            let shape = self.constant(&n.input[1])?;
            let mut t: Vec<i64> = shape.data.iter().map(|&v| v as i64).collect();
            for (i, v) in t.iter_mut().enumerate() {
                if *v == 0 {
                    *v = dims[i] as i64;
                }
            }
            let known: i64 = t.iter().filter(|&&v| v > 0).product();
            t.iter().map(|&v| if v < 0 { total as i64 / known.max(1) } else { v }).map(|v| v as usize).collect()
        };
        if target.iter().product::<usize>() != total || target.first() != Some(&1) {
            bail!("reshape to {target:?} does not keep the element count with batch 1");
        }
        let spatial: usize = dims.iter().skip(2).product();
        let new_layout = match layout {
            Layout::ChannelsFirst if target.len() == 2 && spatial > 1 => Layout::FlatChw { c: dims[1] },
            Layout::ChannelsFirst if target.len() == 2 => Layout::Plain,
            Layout::ChannelsFirst => {
                bail!("reshape of an NCHW tensor other than a flatten is not supported")
            }
            l => {
                if target.len() != 2 && matches!(l, Layout::FlatChw { .. }) {
                    bail!("reshape of a flattened NCHW tensor is not supported");
                }
                l
            }
        };
        if physical(&target, new_layout) == self.g.tensors[x].dims {
            self.set(&n.output[0], x, new_layout, target);
        } else {
            self.layer(n, Op::Reshape, vec![x], new_layout, target);
        }
        Ok(())
    }

    fn transpose(&mut self, n: &NodeProto) -> Result<()> {
        let (x, layout, dims) = self.tensor_input(&n.input[0])?;
        let perm: Vec<usize> = attr_ints(n, "perm").unwrap_or_default().iter().map(|&v| v as usize).collect();
        let rank = dims.len();
        let to_cf: Vec<usize> = [0, rank - 1].into_iter().chain(1..rank - 1).collect();
        let to_cl: Vec<usize> = [0].into_iter().chain(2..rank).chain([1]).collect();
        let new_layout = if layout == Layout::Plain && perm == to_cf && rank >= 3 {
            Layout::ChannelsFirst
        } else if layout == Layout::ChannelsFirst && perm == to_cl {
            Layout::Plain
        } else {
            bail!("only channels-last <-> channels-first transposes are supported (perm {perm:?})");
        };
        let new_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
        self.set(&n.output[0], x, new_layout, new_dims);
        Ok(())
    }

    fn concat(&mut self, n: &NodeProto) -> Result<()> {
        let mut ts = Vec::new();
        let mut first: Option<(Layout, Vec<usize>)> = None;
        let axis = attr_i(n, "axis", 1);
        let mut total = 0;
        for name in &n.input {
            let (t, layout, dims) = self.tensor_input(name)?;
            let a = if axis < 0 { (axis + dims.len() as i64) as usize } else { axis as usize };
            total += dims[a];
            if let Some((l, _)) = &first {
                if *l != layout {
                    bail!("concat inputs have different layouts");
                }
            } else {
                first = Some((layout, dims));
            }
            ts.push(t);
        }
        let (layout, mut dims) = first.ok_or_else(|| anyhow!("no inputs"))?;
        let a = if axis < 0 { (axis + dims.len() as i64) as usize } else { axis as usize };
        if a == 0 {
            bail!("concat over the batch axis is not supported");
        }
        dims[a] = total;
        let phys_axis = match layout {
            Layout::ChannelsFirst if a == 1 => dims.len() - 2,
            Layout::ChannelsFirst => a - 2,
            _ => a - 1,
        };
        self.layer(n, Op::Concat { axis: phys_axis }, ts, layout, dims);
        Ok(())
    }
}

/// Map a unary ONNX activation to an expression operator.
fn unary(n: &NodeProto) -> Result<Option<Un>> {
    Ok(Some(match n.op_type.as_str() {
        "Relu" => Un::Relu,
        "Sigmoid" => Un::Sigmoid,
        "Tanh" => Un::Tanh,
        "Erf" => Un::Erf,
        "Exp" => Un::Exp,
        "Log" => Un::Log,
        "Softplus" => Un::Softplus,
        "Sin" => Un::Sin,
        "Cos" => Un::Cos,
        "Sqrt" => Un::Sqrt,
        "Abs" => Un::Abs,
        "Neg" => Un::Neg,
        "Reciprocal" => Un::Reciprocal,
        "HardSwish" => Un::HardSwish,
        "Mish" => Un::Mish,
        "Softsign" => Un::Softsign,
        "HardSigmoid" => Un::HardSigmoid(attr_f(n, "alpha", 0.2), attr_f(n, "beta", 0.5)),
        "Elu" => Un::Elu(attr_f(n, "alpha", 1.0)),
        "Selu" => Un::Selu(attr_f(n, "alpha", 1.673_263_192_176_818_8), attr_f(n, "gamma", 1.050_700_987_355_480_5)),
        "LeakyRelu" => Un::LeakyRelu(attr_f(n, "alpha", 0.01)),
        "Gelu" => match attr_s(n, "approximate").as_deref() {
            Some("tanh") => Un::GeluTanh,
            None | Some("none") => Un::Gelu,
            Some(other) => return Err(err_node(n, format!("unknown GELU approximation '{other}'"))),
        },
        _ => return Ok(None),
    }))
}
