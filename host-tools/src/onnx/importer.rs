//! The importer's state: the float graph under construction and the value
//! every ONNX name stands for — a constant, a graph tensor, or a pending
//! elementwise expression of one tensor (how fusion happens: a chain of
//! elementwise nodes over one root tensor becomes one scalar function, and a
//! graph tensor only when something else needs it).

use super::attrs::attr;
use super::layout::{physical, Layout};
use crate::expr::Expr;
use crate::ir::{checked_len, Graph, Node, Op, MAX_TENSOR_ELEMENTS};
use crate::layers::activation::Act;
use anyhow::{anyhow, bail, Result};
use std::collections::HashMap;
use tract_onnx::pb::{NodeProto, TensorProto};

#[derive(Clone, Debug)]
pub struct Constant {
    pub dims: Vec<usize>,
    pub data: Vec<f64>,
}

/// A value of the ONNX graph: a constant, or `expr(root)` of a graph tensor.
#[derive(Clone, Debug)]
pub enum Val {
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
    /// `expr(root[.., i], channel j)` at `(.., i, j)` of logical `dims`
    /// (`[.., n, m]`, the root's shape with the basis axis `m` appended):
    /// a basis expansion, pending (see `onnx::basis`).
    Basis {
        root: usize,
        expr: Expr,
        dims: Vec<usize>,
    },
}

/// The graph being built and what each ONNX value name stands for.
pub struct Importer {
    pub g: Graph,
    pub vals: HashMap<String, Val>,
    /// How many nodes read each value (a fold needs a sole reader).
    pub uses: HashMap<String, usize>,
    /// Directory of external weight files.
    pub dir: Option<String>,
}

impl Importer {
    pub fn load_const(&self, t: &TensorProto) -> Result<Constant> {
        check_tensor_proto(t)?;
        let resolver = tract_onnx::data_resolver::default();
        let tensor = tract_onnx::tensor::load_tensor(&*resolver, t, self.dir.as_deref()).map_err(|e| anyhow!("{e}"))?;
        let dims = tensor.shape().to_vec();
        let f = tensor.cast_to::<f64>().map_err(|e| anyhow!("cannot read as numbers: {e}"))?;
        let data: Vec<f64> = f.to_plain_array_view::<f64>().map_err(|e| anyhow!("{e}"))?.iter().copied().collect();
        if data.len() != dims.iter().product::<usize>() {
            bail!("holds {} values for shape {dims:?}", data.len());
        }
        if let Some(i) = data.iter().position(|v| v.is_nan()) {
            bail!("value {i} is NaN");
        }
        Ok(Constant { dims, data })
    }

    pub fn val(&self, name: &str) -> Result<Val> {
        self.vals.get(name).cloned().ok_or_else(|| anyhow!("input '{name}' is not produced by any earlier node"))
    }

    pub fn constant(&self, name: &str) -> Result<Constant> {
        match self.val(name)? {
            Val::Const(c) => Ok(c),
            _ => bail!("input '{name}' must be a constant (weights, shapes and parameters must be initializers)"),
        }
    }

    /// A graph tensor holding `v` (adds an activation layer if `v` is a pending expression).
    pub fn materialize(&mut self, v: &Val, name: &str) -> Result<usize> {
        match v {
            Val::Const(_) => {
                bail!("value '{name}' is a constant; polyact needs computed tensors here")
            }
            Val::Stat { .. } => bail!("value '{name}' is a per-row statistic that is not used as an RMS normalization"),
            Val::Basis { root, expr, dims } => {
                let (root, expr, dims) = (*root, expr.clone(), dims.clone());
                super::basis::materialize(self, name, root, &expr, &dims)
            }
            Val::Act { root, expr: Expr::X, .. } => Ok(*root),
            Val::Act { root, expr, layout, dims } => {
                let t = self.g.add_tensor(name, physical(dims, *layout));
                self.g.nodes.push(Node {
                    name: format!("{name} (fused elementwise)"),
                    op: Op::Act(Act { f: expr.clone() }),
                    inputs: vec![*root],
                    output: t,
                });
                self.vals
                    .insert(name.to_string(), Val::Act { root: t, expr: Expr::X, layout: *layout, dims: dims.clone() });
                Ok(t)
            }
        }
    }

    pub fn tensor_input(&mut self, name: &str) -> Result<(usize, Layout, Vec<usize>)> {
        let v = self.val(name)?;
        let t = self.materialize(&v, name)?;
        match self.val(name)? {
            Val::Act { layout, dims, .. } => Ok((t, layout, dims)),
            _ => unreachable!("materialized values are tensors"),
        }
    }

    /// A graph tensor holding `name` stored in its ONNX order (plain): a
    /// channels-first value (stored channels last) gets a Transpose layer
    /// that moves the channel axis back in front.
    pub fn plain_input(&mut self, name: &str) -> Result<(usize, Vec<usize>)> {
        let (t, layout, dims) = self.tensor_input(name)?;
        match layout {
            Layout::Plain => Ok((t, dims)),
            Layout::ChannelsFirst => {
                let n = dims.len().saturating_sub(2);
                let perm: Vec<usize> = [n].into_iter().chain(0..n).collect();
                let plain = format!("{name}::plain");
                let out = self.g.add_tensor(&plain, dims[1..].to_vec());
                self.g.nodes.push(Node {
                    name: plain.clone(),
                    op: Op::layer_of(polyact::layers::transpose::TransposeDef { perm }),
                    inputs: vec![t],
                    output: out,
                });
                self.set(name, out, Layout::Plain, dims.clone());
                Ok((out, dims))
            }
            Layout::FlatChw { .. } => {
                bail!("value '{name}' is a flattened NCHW tensor; it cannot be read in ONNX order here")
            }
        }
    }

    /// Graph tensor `t`, value `name` of logical `[N, C, spatial…]` dims stored
    /// in ONNX order, stored channels last by a Transpose layer (its result
    /// becomes what `name` stands for).
    pub fn channels_last(&mut self, name: &str, t: usize, dims: &[usize]) -> usize {
        let n = dims.len().saturating_sub(1);
        let perm: Vec<usize> = (1..n).chain([0]).collect();
        let cl = format!("{name}::channels_last");
        let out = self.g.add_tensor(&cl, physical(dims, Layout::ChannelsFirst));
        self.g.nodes.push(Node {
            name: cl,
            op: Op::layer_of(polyact::layers::transpose::TransposeDef { perm }),
            inputs: vec![t],
            output: out,
        });
        self.set(name, out, Layout::ChannelsFirst, dims.to_vec());
        out
    }

    pub fn set(&mut self, name: &str, root: usize, layout: Layout, dims: Vec<usize>) {
        self.vals.insert(name.to_string(), Val::Act { root, expr: Expr::X, layout, dims });
    }

    pub fn layer(&mut self, n: &NodeProto, op: Op, inputs: Vec<usize>, layout: Layout, dims: Vec<usize>) -> usize {
        let out = &n.output[0];
        let t = self.g.add_tensor(out, physical(&dims, layout));
        let name = if n.name.is_empty() { out.clone() } else { n.name.clone() };
        self.g.nodes.push(Node { name, op, inputs, output: t });
        self.set(out, t, layout, dims);
        t
    }

    /// Constant as an expression constant for a tensor of `dims`/`layout`:
    /// scalar or per channel (the channel is the innermost stored dim).
    pub fn const_expr(&self, c: &Constant, dims: &[usize], layout: Layout) -> Result<Expr> {
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

    /// A Constant layer holding `c` broadcast (numpy rules) to a tensor of
    /// logical `dims` (batch first), for an elementwise layer of two tensors.
    pub fn constant_tensor(&mut self, name: &str, c: &Constant, dims: &[usize], layout: Layout) -> Result<usize> {
        if layout != Layout::Plain {
            bail!("a constant of shape {:?} with a channels-first tensor is not supported", c.dims);
        }
        if c.dims.len() > dims.len() {
            bail!("constant of shape {:?} has more axes than the tensor {dims:?}", c.dims);
        }
        let lead = dims.len() - c.dims.len();
        let cdims: Vec<usize> = std::iter::repeat_n(1, lead).chain(c.dims.iter().copied()).collect();
        if cdims.iter().zip(dims).any(|(&cd, &d)| cd != 1 && cd != d) {
            bail!("constant of shape {:?} does not broadcast to the tensor's {dims:?}", c.dims);
        }
        let total: usize = dims.iter().product();
        let values = (0..total)
            .map(|k| {
                let (mut rest, mut at, mut stride) = (k, 0, 1);
                for (i, &d) in dims.iter().enumerate().rev() {
                    let idx = rest % d;
                    rest /= d;
                    if cdims[i] != 1 {
                        at += idx * stride;
                    }
                    stride *= cdims[i];
                }
                c.data.get(at).copied().unwrap_or(0.0)
            })
            .collect();
        let tname = format!("{name}::tensor");
        let t = self.g.add_tensor(&tname, physical(dims, layout));
        self.g.nodes.push(Node {
            name: tname,
            op: Op::layer_of(polyact::layers::constant::ConstantDef { values }),
            inputs: vec![],
            output: t,
        });
        Ok(t)
    }

    pub fn optional_scalar(&self, n: &NodeProto, input: usize, attr_name: &str) -> Result<Option<f64>> {
        if let Some(name) = n.input.get(input).filter(|s| !s.is_empty()) {
            let c = self.constant(name)?;
            return Ok(c.data.first().copied());
        }
        Ok(attr(n, attr_name).map(|a| a.f as f64))
    }

    /// Combine operands (in input order) into one expression when all variable
    /// operands share one root tensor.
    pub fn elementwise(&mut self, n: &NodeProto, build: impl FnOnce(&mut Vec<Expr>) -> Result<Expr>) -> Result<()> {
        if let Some(src) = n.input.iter().find_map(|i| match self.vals.get(i) {
            Some(Val::Stat { src, .. }) => Some(*src),
            _ => None,
        }) {
            return self.stat_elementwise(n, src, build);
        }
        let vals: Vec<Val> = n.input.iter().filter(|s| !s.is_empty()).map(|s| self.val(s)).collect::<Result<_>>()?;
        if let Some(m) = super::basis::width(&vals) {
            return super::basis::elementwise(self, n, m, build);
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
                Val::Stat { .. } | Val::Basis { .. } => unreachable!("handled above"),
            }
        }
        let Some((r, layout, dims)) = root else {
            let c = fold_constants(&consts, build)?;
            self.vals.insert(n.output[0].clone(), Val::Const(c));
            return Ok(());
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

    /// Elementwise operation on a row statistic (`+ eps`, `sqrt`, `1 / ·`).
    pub fn stat_elementwise(
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

    /// Import one node through the op table; every tensor it adds is
    /// checked ([`checked_len`]) before anything is computed on it.
    pub fn node(&mut self, n: &NodeProto) -> Result<()> {
        super::attrs::output(n)?;
        let first_new = self.g.tensors.len();
        match super::ops::lookup(&n.op_type) {
            Some(import) => import.run(self, n)?,
            None => match super::ops::unsupported::reason(&n.op_type) {
                Some(why) => bail!("unsupported operator: {why}"),
                None => bail!("unsupported operator (polyact imports {})", super::ops::supported()),
            },
        }
        for t in &self.g.tensors[first_new..] {
            if checked_len(&t.dims).is_none() {
                bail!(
                    "tensor '{}' of shape {:?} is empty or larger than {MAX_TENSOR_ELEMENTS} elements",
                    t.name,
                    t.dims
                );
            }
        }
        Ok(())
    }
}

/// The byte size of each ONNX element type tract reads (bfloat16, strings
/// and complex numbers it does not), for the raw-data check.
const ONNX_ELEMENT_BYTES: &[(i32, usize)] =
    &[(1, 4), (2, 1), (3, 1), (4, 2), (5, 2), (6, 4), (7, 8), (9, 1), (10, 2), (11, 8), (12, 4), (13, 8)];

/// A tensor's declared shape checked against its data before tract reads
/// it: a known numeric type, a bounded element count, and as many stored
/// values as the shape says (tract would otherwise allocate the declared
/// size, or stop on an unimplemented type).
fn check_tensor_proto(t: &TensorProto) -> Result<()> {
    let Some(&(_, size)) = ONNX_ELEMENT_BYTES.iter().find(|(code, _)| *code == t.data_type) else {
        bail!("element type {} is not a number type polyact reads", t.data_type);
    };
    let dims: Vec<usize> = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<Result<_, _>>()
        .map_err(|_| anyhow!("negative dimension in shape {:?}", t.dims))?;
    let count = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&c| c <= MAX_TENSOR_ELEMENTS);
    let count = count.ok_or_else(|| anyhow!("shape {:?} is larger than {MAX_TENSOR_ELEMENTS} elements", t.dims))?;
    let external = t.data_location == Some(1);
    let stored = if !t.raw_data.is_empty() {
        t.raw_data.len() / size
    } else if external {
        return Ok(()); // checked against the file by tract when it is read
    } else {
        match t.data_type {
            1 => t.float_data.len(),
            11 => t.double_data.len(),
            7 | 13 => t.int64_data.len(),
            _ => t.int32_data.len(),
        }
    };
    if !t.raw_data.is_empty() && t.raw_data.len() != count * size {
        bail!("raw data of {} bytes for shape {:?} of {count} values of {size} bytes", t.raw_data.len(), t.dims);
    }
    if stored != count {
        bail!("shape {:?} needs {count} values, the tensor stores {stored}", t.dims);
    }
    Ok(())
}

/// An elementwise operation on constants only, folded at import with NumPy
/// broadcasting: TorchScript leaves some to the importer (a learned
/// coefficient added to `zeros_like(x)` folded to a constant, say).
fn fold_constants(
    consts: &[(usize, Constant)],
    build: impl FnOnce(&mut Vec<Expr>) -> Result<Expr>,
) -> Result<Constant> {
    let rank = consts.iter().map(|(_, c)| c.dims.len()).max().unwrap_or(0);
    let mut dims = vec![1usize; rank];
    for (_, c) in consts {
        for (k, &d) in c.dims.iter().enumerate() {
            let o = &mut dims[rank - c.dims.len() + k];
            if *o != d && *o != 1 && d != 1 {
                bail!(
                    "constant operands of shapes that do not broadcast ({:?})",
                    consts.iter().map(|(_, c)| &c.dims).collect::<Vec<_>>()
                );
            }
            *o = if d == 1 { *o } else { d };
        }
    }
    let total: usize = dims
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&t| t <= 1 << 24)
        .ok_or_else(|| anyhow::anyhow!("folded constant of shape {dims:?} is too large"))?;
    // Each operand spread over the result, one value per element: the
    // expression's per-channel constants then give every element its value.
    let mut list: Vec<Expr> = consts
        .iter()
        .map(|(_, c)| {
            let off = rank - c.dims.len();
            let values = (0..total).map(|flat| {
                let (mut rem, mut at, mut stride) = (flat, 0, 1);
                for k in (0..rank).rev() {
                    let i = rem % dims[k];
                    rem /= dims[k];
                    if k >= off && c.dims[k - off] != 1 {
                        at += i * stride;
                    }
                    if k >= off {
                        stride *= c.dims[k - off];
                    }
                }
                c.data.get(at).copied().unwrap_or(0.0)
            });
            Expr::Const(values.collect())
        })
        .collect();
    let e = build(&mut list)?;
    Ok(Constant { data: (0..total).map(|i| e.eval(0.0, i)).collect(), dims })
}
