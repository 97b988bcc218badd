//! Basis expansions (a KAN's B-spline basis, written as PyTorch does): a
//! tensor `x` unsqueezed and broadcast against a grid,
//! `((x[.., None] >= g[:, :-1]) & (x[.., None] < g[:, 1:]))`, then the
//! Cox–de Boor recursion over slices of the last axis. Every value of such a
//! subgraph is, at `(.., i, j)`, a function `f_j(x_i)` of one input element:
//! it stays one symbolic expression per `j` ([`Val::Basis`]), slices
//! re-index its constants, and it becomes tensors only where a layer reads
//! it — an Expand layer (`x_i` repeated along `j`) and one activation with
//! per-channel kernels: each basis function certified on every input,
//! exactly piecewise polynomial between the grid's knots.

use crate::expr::Expr;
use crate::ir::{Node, Op};
use crate::onnx::importer::{Constant, Importer, Val};
use crate::onnx::layout::{physical, Layout};
use anyhow::{bail, Result};
use polyact::layers::expand::ExpandDef;
use tract_onnx::pb::NodeProto;

/// The basis width `m` when an elementwise node over `vals` starts or
/// continues a basis expansion: a basis operand, or a tensor whose last axis
/// is 1 broadcast against a constant whose last axis is `m > 1`.
pub fn width(vals: &[Val]) -> Option<usize> {
    if let Some(m) = vals.iter().find_map(|v| match v {
        Val::Basis { dims, .. } => dims.last().copied(),
        _ => None,
    }) {
        return Some(m);
    }
    let unsqueezed = vals.iter().any(
        |v| matches!(v, Val::Act { layout: Layout::Plain, dims, .. } if dims.len() >= 2 && dims.last() == Some(&1)),
    );
    let m = vals.iter().find_map(|v| match v {
        Val::Const(c) => c.dims.last().copied().filter(|&m| m > 1),
        _ => None,
    })?;
    unsqueezed.then_some(m)
}

/// The constant `c` as one value per basis index `j` for a basis of logical
/// `dims` (`[.., n, m]`): the same along every other axis, or refused.
fn per_index(c: &Constant, dims: &[usize], name: &str) -> Result<Expr> {
    let m = *dims.last().unwrap_or(&1);
    if c.data.windows(2).all(|w| w[0] == w[1]) {
        return Ok(Expr::Const(vec![c.data.first().copied().unwrap_or(0.0)]));
    }
    let cm = c.dims.last().copied().unwrap_or(1);
    if c.dims.len() > dims.len() || (cm != m && cm != 1) {
        bail!("constant '{name}' of shape {:?} does not broadcast to the basis {dims:?}", c.dims);
    }
    if cm == 1 {
        bail!("constant '{name}' of shape {:?} varies along an input axis of the basis {dims:?}", c.dims);
    }
    let row = &c.data[..m];
    if c.data.chunks_exact(m).any(|r| r != row) {
        bail!(
            "constant '{name}' of shape {:?} differs between inputs: a basis whose grid differs per input \
             (a KAN after a grid update) is not supported yet; every input must share one grid",
            c.dims
        );
    }
    Ok(Expr::Const(row.to_vec()))
}

/// An elementwise node (`build` combines its operands) on a basis: the
/// result is the basis of the combined expression.
pub fn elementwise(
    imp: &mut Importer,
    n: &NodeProto,
    m: usize,
    build: impl FnOnce(&mut Vec<Expr>) -> Result<Expr>,
) -> Result<()> {
    let mut root: Option<(usize, Vec<usize>)> = None;
    let mut list = Vec::new();
    let mut consts = Vec::new();
    for (i, name) in n.input.iter().enumerate().filter(|(_, s)| !s.is_empty()) {
        let (r, dims, e) = match imp.val(name)? {
            Val::Basis { root, expr, dims } => (root, dims, expr),
            // The unsqueezed input itself, `x[.., None]`: the same function for every j.
            Val::Act { root, expr, layout: Layout::Plain, dims } if dims.last() == Some(&1) && expr.channels() == 1 => {
                let mut d = dims;
                *d.last_mut().unwrap_or(&mut 0) = m;
                (root, d, expr)
            }
            Val::Const(c) => {
                consts.push((i, name.clone(), c));
                continue;
            }
            _ => bail!("operand '{name}' is neither the basis input nor a basis of it"),
        };
        match &root {
            Some((r0, d0)) if *r0 != r || *d0 != dims => {
                bail!("basis operands of different inputs or shapes ({d0:?} and {dims:?})")
            }
            _ => root = Some((r, dims)),
        }
        list.push((i, e));
    }
    let Some((r, dims)) = root else { bail!("a basis node without a tensor operand") };
    for (i, name, c) in consts {
        list.push((i, per_index(&c, &dims, &name)?));
    }
    list.sort_by_key(|(i, _)| *i);
    let mut operands: Vec<Expr> = list.into_iter().map(|(_, e)| e).collect();
    let expr = build(&mut operands)?;
    imp.vals.insert(n.output[0].clone(), Val::Basis { root: r, expr, dims });
    Ok(())
}

/// `basis[.., start .. start + len]` along the basis axis: basis function
/// `j` of the result is `start + j` of the source.
pub fn slice(imp: &mut Importer, src: &str, out: &str, (start, len): (usize, usize)) -> Result<()> {
    let Val::Basis { root, expr, mut dims } = imp.val(src)? else { bail!("'{src}' is not a basis") };
    let m = *dims.last().unwrap_or(&1);
    let expr = expr.map_consts(&mut |v: &[f64]| if v.len() == m { v[start..start + len].to_vec() } else { v.to_vec() });
    *dims.last_mut().unwrap_or(&mut 0) = len;
    imp.vals.insert(out.to_string(), Val::Basis { root, expr, dims });
    Ok(())
}

/// The tensors of basis `name`: an Expand layer repeating each input element
/// along the basis axis, then the expression as a per-channel activation.
pub fn materialize(imp: &mut Importer, name: &str, root: usize, expr: &Expr, dims: &[usize]) -> Result<usize> {
    let ename = format!("{name}::expand");
    let t = imp.g.add_tensor(&ename, physical(dims, Layout::Plain));
    imp.g.nodes.push(Node { name: ename, op: Op::layer_of(ExpandDef), inputs: vec![root], output: t });
    let v = Val::Act { root: t, expr: expr.clone(), layout: Layout::Plain, dims: dims.to_vec() };
    imp.vals.insert(name.to_string(), v.clone());
    imp.materialize(&v, name)
}
