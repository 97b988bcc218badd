//! Nodes that move or name data without computing: Identity/Dropout,
//! Constant, Reshape/Flatten, Transpose (layout changes), Concat, Split and
//! Slice.

use super::Import;
use crate::ir::{Node, Op};
use crate::onnx::attrs::{attr, attr_i, attr_ints, axis_in, input, output};
use crate::onnx::importer::{Constant, Importer, Val};
use crate::onnx::layout::{physical, Layout};
use anyhow::{anyhow, bail, Result};
use polyact::layers::concat::ConcatDef;
use polyact::layers::reshape::ReshapeDef;
use polyact::layers::slice::SliceDef;
use polyact::layers::transpose::TransposeDef;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[
    ("Identity", Import::Node(identity)),
    ("Dropout", Import::Node(identity)),
    ("Constant", Import::Node(constant)),
    ("Flatten", Import::Node(reshape)),
    ("Reshape", Import::Node(reshape)),
    ("Transpose", Import::Node(transpose)),
    ("Concat", Import::Node(concat)),
    ("Split", Import::Node(split)),
    ("Squeeze", Import::Node(squeeze)),
    ("Unsqueeze", Import::Node(squeeze)),
    ("Slice", Import::Node(slice)),
];

/// Identity and Dropout (inference): the same value under a new name.
pub fn identity(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let v = imp.val(input(n, 0)?)?;
    imp.vals.insert(output(n)?.to_string(), v);
    Ok(())
}

/// A Constant node: its value, from any of the value attributes.
pub fn constant(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let c = if let Some(t) = attr(n, "value").and_then(|a| a.t.as_ref()) {
        imp.load_const(t)?
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
    imp.vals.insert(output(n)?.to_string(), Val::Const(c));
    Ok(())
}

/// Reshape / Flatten with batch 1: free when the stored order does not change.
pub fn reshape(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let total: usize = dims.iter().product();
    let target: Vec<usize> = if n.op_type == "Flatten" {
        let axis = attr_i(n, "axis", 1);
        if axis != 1 {
            bail!("Flatten axis must be 1");
        }
        vec![1, total]
    } else {
        let shape = imp.constant(input(n, 1)?)?;
        let mut t: Vec<i64> = shape.data.iter().map(|&v| v as i64).collect();
        let asked = t.clone();
        for (i, v) in t.iter_mut().enumerate() {
            if *v == 0 {
                // 0 copies the input's extent (allowzero is not supported).
                let rank = dims.len();
                *v = *dims
                    .get(i)
                    .ok_or_else(|| anyhow!("shape {asked:?}: a 0 at axis {i} is past the input's rank {rank}"))?
                    as i64;
            }
        }
        if t.iter().any(|&v| v < -1) || t.iter().filter(|&&v| v == -1).count() > 1 {
            bail!("shape {:?} has a negative extent other than a single -1", shape.data);
        }
        let known = t.iter().filter(|&&v| v > 0).try_fold(1usize, |a, &v| a.checked_mul(v as usize));
        let known = known
            .filter(|&k| k <= total.max(1))
            .ok_or_else(|| anyhow!("shape {t:?} holds more elements than the input's {total}"))?;
        t.iter().map(|&v| if v < 0 { total / known.max(1) } else { v as usize }).collect()
    };
    reshape_to(imp, n, (x, layout, &dims), target)
}

/// Reshape tensor `x` (with `layout` and ONNX `dims`) to `target`: a new
/// name for the same bytes when the stored order does not change, else a
/// Reshape layer.
fn reshape_to(
    imp: &mut Importer,
    n: &NodeProto,
    (x, layout, dims): (usize, Layout, &[usize]),
    target: Vec<usize>,
) -> Result<()> {
    let total: usize = dims.iter().product();
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
    if physical(&target, new_layout) == imp.g.tensors[x].dims {
        imp.set(output(n)?, x, new_layout, target);
    } else {
        imp.layer(n, Op::layer_of(ReshapeDef), vec![x], new_layout, target);
    }
    Ok(())
}

/// Squeeze / Unsqueeze: drop or insert axes of extent 1 (axes from the
/// second input, opset 13+, or the attribute). Constants fold; a tensor is
/// reshaped, which moves nothing unless its layout says otherwise.
pub fn squeeze(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let axes: Option<Vec<i64>> = match n.input.get(1).filter(|s| !s.is_empty()) {
        Some(s) => Some(imp.constant(s)?.data.iter().map(|&v| v as i64).collect()),
        None => attr_ints(n, "axes"),
    };
    let val = imp.val(input(n, 0)?)?;
    let dims = match &val {
        Val::Const(c) => c.dims.clone(),
        Val::Act { dims, .. } => dims.clone(),
        Val::Basis { dims, .. } => dims.clone(),
        Val::Stat { .. } => bail!("{} of a row statistic", n.op_type),
    };
    let target = if n.op_type == "Squeeze" {
        let axes = match axes {
            Some(a) => a.iter().map(|&a| axis_in(a, dims.len())).collect::<Result<Vec<_>>>()?,
            None => (0..dims.len()).filter(|&i| dims[i] == 1).collect(),
        };
        if let Some(&a) = axes.iter().find(|&&a| dims[a] != 1) {
            bail!("cannot squeeze axis {a} of extent {} (shape {dims:?})", dims[a]);
        }
        dims.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &d)| d).collect::<Vec<_>>()
    } else {
        let axes = axes.ok_or_else(|| anyhow!("Unsqueeze without axes"))?;
        let rank = dims.len() + axes.len();
        let mut axes = axes.iter().map(|&a| axis_in(a, rank)).collect::<Result<Vec<_>>>()?;
        axes.sort_unstable();
        if axes.windows(2).any(|w| w[0] == w[1]) {
            bail!("Unsqueeze axes {axes:?} repeat");
        }
        let mut rest = dims.iter();
        (0..rank)
            .map(|i| if axes.contains(&i) { Some(1) } else { rest.next().copied() })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| anyhow!("Unsqueeze axes {axes:?} do not fit rank {rank}"))?
    };
    match val {
        Val::Const(c) => {
            imp.vals.insert(output(n)?.to_string(), Val::Const(Constant { dims: target, data: c.data }));
            Ok(())
        }
        _ => {
            let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
            reshape_to(imp, n, (x, layout, &dims), target)
        }
    }
}

/// Transpose: between channels-last and channels-first a layout change (no
/// data moves); any other permutation of a plain tensor that keeps the batch
/// axis first, a Transpose layer.
pub fn transpose(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let rank = dims.len();
    if rank == 0 {
        bail!("transpose of a scalar");
    }
    let perm: Vec<usize> = match attr_ints(n, "perm") {
        Some(p) => p.iter().map(|&v| usize::try_from(v).unwrap_or(usize::MAX)).collect(),
        None => (0..rank).rev().collect(),
    };
    let mut sorted = perm.clone();
    sorted.sort_unstable();
    if sorted != (0..rank).collect::<Vec<_>>() {
        bail!("perm {perm:?} is not a permutation of the {rank} axes");
    }
    let to_cf: Vec<usize> = [0, rank - 1].into_iter().chain(1..rank - 1).collect();
    let to_cl: Vec<usize> = [0].into_iter().chain(2..rank).chain([1]).collect();
    let new_layout = if layout == Layout::Plain && perm == to_cf && rank >= 3 {
        Layout::ChannelsFirst
    } else if layout == Layout::ChannelsFirst && perm == to_cl {
        Layout::Plain
    } else if layout == Layout::Plain && perm[0] == 0 {
        let stored: Vec<usize> = perm[1..].iter().map(|&p| p - 1).collect();
        let out: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
        imp.layer(n, Op::layer_of(TransposeDef { perm: stored }), vec![x], Layout::Plain, out);
        return Ok(());
    } else {
        bail!("transpose {perm:?} of a channels-first tensor, or one that moves the batch axis, is not supported");
    };
    let new_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    imp.set(output(n)?, x, new_layout, new_dims);
    Ok(())
}

/// Concat of tensors along one (non-batch) axis.
pub fn concat(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let mut ts = Vec::new();
    let mut first: Option<(Layout, Vec<usize>)> = None;
    let axis = attr_i(n, "axis", 1);
    let mut total = 0;
    for name in &n.input {
        let (t, layout, dims) = imp.tensor_input(name)?;
        let a = axis_in(axis, dims.len())?;
        if let Some((l, d0)) = &first {
            let same_rest = d0.len() == dims.len() && (0..dims.len()).all(|i| i == a || d0[i] == dims[i]);
            if *l != layout || !same_rest {
                bail!("concat inputs of shapes {d0:?} and {dims:?} (layouts {l:?}, {layout:?}) differ off axis {a}");
            }
        } else {
            first = Some((layout, dims.clone()));
        }
        total += dims[a];
        ts.push(t);
    }
    let (layout, mut dims) = first.ok_or_else(|| anyhow!("no inputs"))?;
    let a = axis_in(axis, dims.len())?;
    if a == 0 {
        bail!("concat over the batch axis is not supported");
    }
    if let Layout::FlatChw { .. } = layout {
        bail!("concat of flattened NCHW tensors is not supported");
    }
    dims[a] = total;
    let phys_axis = match layout {
        Layout::ChannelsFirst if a == 1 => dims.len() - 2,
        Layout::ChannelsFirst => a - 2,
        _ => a - 1,
    };
    imp.layer(n, Op::layer_of(ConcatDef { axis: phys_axis }), ts, layout, dims);
    Ok(())
}

/// A slice of plain value `name` along logical `axis` (not the batch) into
/// ONNX value `out`.
fn slice_to(imp: &mut Importer, name: &str, out: &str, axis: usize, (start, len): (usize, usize)) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(name)?;
    if layout != Layout::Plain || axis == 0 || axis >= dims.len() {
        bail!("slicing is supported along a non-batch axis of a plain tensor (axis {axis}, shape {dims:?})");
    }
    if len == 0 || start + len > dims[axis] {
        bail!("slice {start}..{} is outside axis {axis} of extent {}", start + len, dims[axis]);
    }
    let mut od = dims.clone();
    od[axis] = len;
    let t = imp.g.add_tensor(out, physical(&od, Layout::Plain));
    imp.g.nodes.push(Node {
        name: out.to_string(),
        op: Op::layer_of(SliceDef { axis: axis - 1, start }),
        inputs: vec![x],
        output: t,
    });
    imp.set(out, t, Layout::Plain, od);
    Ok(())
}

/// Split along one axis into equal parts or the given sizes: one Slice per output.
pub fn split(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let dims = match imp.val(input(n, 0)?)? {
        Val::Act { dims, .. } => dims,
        Val::Const(c) => return split_constant(imp, n, &c),
        _ => bail!("split of a row statistic"),
    };
    let rank = dims.len() as i64;
    let axis = attr_i(n, "axis", 0);
    let axis = if axis < 0 { axis + rank } else { axis };
    if axis <= 0 || axis >= rank {
        bail!("split axis {axis} is the batch axis or outside rank {rank}");
    }
    let extent = dims[axis as usize];
    let sizes: Vec<usize> = match n.input.get(1).filter(|s| !s.is_empty()) {
        Some(s) => imp.constant(s)?.data.iter().map(|&v| v.max(0.0) as usize).collect(),
        None => match attr_ints(n, "split") {
            Some(v) => v.iter().map(|&v| v.max(0) as usize).collect(),
            None => {
                let k = n.output.len().max(1);
                if extent % k != 0 {
                    bail!("axis of extent {extent} does not split into {k} equal parts");
                }
                vec![extent / k; k]
            }
        },
    };
    if sizes.len() != n.output.len() || sizes.iter().try_fold(0usize, |a, &b| a.checked_add(b)) != Some(extent) {
        bail!("split sizes {sizes:?} do not cover axis {axis} of extent {extent} with {} outputs", n.output.len());
    }
    let mut start = 0;
    for (out, &len) in n.output.iter().zip(&sizes) {
        slice_to(imp, input(n, 0)?, out, axis as usize, (start, len))?;
        start += len;
    }
    Ok(())
}

/// Split of a constant, folded at import: a learned coefficient vector
/// iterated in Python (`for c in self.p`) exports as a Split of the
/// parameter into its elements.
fn split_constant(imp: &mut Importer, n: &NodeProto, c: &Constant) -> Result<()> {
    let rank = c.dims.len() as i64;
    let axis = attr_i(n, "axis", 0);
    let axis = if axis < 0 { axis + rank } else { axis };
    if axis < 0 || axis >= rank {
        bail!("split axis {axis} is outside the constant's rank {rank}");
    }
    let axis = axis as usize;
    let extent = c.dims[axis];
    let sizes: Vec<usize> = match n.input.get(1).filter(|s| !s.is_empty()) {
        Some(s) => imp.constant(s)?.data.iter().map(|&v| v.max(0.0) as usize).collect(),
        None => match attr_ints(n, "split") {
            Some(v) => v.iter().map(|&v| v.max(0) as usize).collect(),
            None if n.output.is_empty() || !extent.is_multiple_of(n.output.len()) => {
                bail!("axis of extent {extent} does not split into {} equal parts", n.output.len())
            }
            None => vec![extent / n.output.len(); n.output.len()],
        },
    };
    if sizes.len() != n.output.len() || sizes.iter().try_fold(0usize, |a, &b| a.checked_add(b)) != Some(extent) {
        bail!("split sizes {sizes:?} do not cover axis {axis} of extent {extent} with {} outputs", n.output.len());
    }
    let (outer, inner) = (c.dims[..axis].iter().product::<usize>(), c.dims[axis + 1..].iter().product::<usize>());
    let mut start = 0;
    for (out, &len) in n.output.iter().zip(&sizes) {
        let mut data = Vec::with_capacity(outer * len * inner);
        for o in 0..outer {
            let at = (o * extent + start) * inner;
            data.extend_from_slice(&c.data[at..at + len * inner]);
        }
        let mut dims = c.dims.clone();
        dims[axis] = len;
        imp.vals.insert(out.clone(), Val::Const(Constant { dims, data }));
        start += len;
    }
    Ok(())
}

/// Slice with step 1 along one axis (constant starts, ends, axes).
pub fn slice(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (dims, basis) = match imp.val(input(n, 0)?)? {
        Val::Act { dims, .. } => (dims, false),
        Val::Basis { dims, .. } => (dims, true),
        _ => bail!("slice of a constant"),
    };
    let ints = |imp: &Importer, i: usize| -> Result<Option<Vec<i64>>> {
        match n.input.get(i).filter(|s| !s.is_empty()) {
            Some(s) => Ok(Some(imp.constant(s)?.data.iter().map(|&v| v as i64).collect())),
            None => Ok(None),
        }
    };
    let starts = ints(imp, 1)?.ok_or_else(|| anyhow!("slice needs starts"))?;
    let ends = ints(imp, 2)?.ok_or_else(|| anyhow!("slice needs ends"))?;
    let rank = dims.len() as i64;
    let axes = ints(imp, 3)?.unwrap_or_else(|| (0..starts.len() as i64).collect());
    if let Some(steps) = ints(imp, 4)? {
        if steps.iter().any(|&s| s != 1) {
            bail!("slice steps other than 1 are not supported ({steps:?})");
        }
    }
    if axes.len() != 1 || starts.len() != 1 || ends.len() != 1 {
        bail!("slice along exactly one axis is supported (axes {axes:?})");
    }
    let axis = if axes[0] < 0 { axes[0] + rank } else { axes[0] };
    if axis <= 0 || axis >= rank {
        bail!("slice axis {axis} is the batch axis or outside rank {rank}");
    }
    let d = dims[axis as usize] as i64;
    let clampi = |v: i64| if v < 0 { (v + d).max(0) } else { v.min(d) };
    let (s0, e0) = (clampi(starts[0]), clampi(ends[0]));
    if e0 <= s0 {
        bail!("slice {s0}..{e0} of axis {axis} is empty");
    }
    if basis && axis == rank - 1 {
        return crate::onnx::basis::slice(imp, input(n, 0)?, output(n)?, (s0 as usize, (e0 - s0) as usize));
    }
    slice_to(imp, input(n, 0)?, output(n)?, axis as usize, (s0 as usize, (e0 - s0) as usize))
}
