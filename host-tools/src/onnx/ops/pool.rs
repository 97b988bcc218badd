//! Pooling: MaxPool/AveragePool, their global forms, and ReduceMean (the
//! global average over spatial axes, the RMS statistic `mean(x²)`, or a
//! general reduction of a plain tensor, see `reduce.rs`).

use super::Import::{self, Node};
use crate::expr::{Bin, Expr};
use crate::ir::Op;
use crate::onnx::attrs::{attr_i, attr_ints, attr_sizes, axis_in, input, output};
use crate::onnx::importer::{Importer, Val};
use crate::onnx::layout::Layout;
use anyhow::{anyhow, bail, Result};
use polyact::layers::pool::PoolDef;
use polyact::layers::reduce::ReduceKind;
use polyact::writer::PoolGeom;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[
    ("MaxPool", Node(max_pool)),
    ("AveragePool", Node(avg_pool)),
    ("GlobalMaxPool", Node(global_max_pool)),
    ("GlobalAveragePool", Node(global_avg_pool)),
    ("ReduceMean", Node(reduce_mean)),
];

/// MaxPool / AveragePool over NCW/NCHW input.
pub fn pool(imp: &mut Importer, n: &NodeProto, max: bool) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    if layout != Layout::ChannelsFirst {
        bail!("pooling input must be NCHW/NCW");
    }
    let sp = dims.len().saturating_sub(2);
    if !(1..=2).contains(&sp) {
        bail!("pooling is supported over 1 or 2 spatial axes (input {dims:?})");
    }
    let k = attr_ints(n, "kernel_shape").ok_or_else(|| anyhow!("missing kernel_shape"))?;
    if k.len() != sp {
        bail!("kernel_shape {k:?} does not have one size per spatial axis of {dims:?}");
    }
    let k = attr_sizes(n, "kernel_shape", sp, 1, 1)?;
    if attr_i(n, "ceil_mode", 0) != 0 {
        bail!("ceil_mode is not supported");
    }
    if attr_ints(n, "dilations").is_some_and(|d| d.iter().any(|&v| v != 1)) {
        bail!("dilated pooling is not supported");
    }
    let s = attr_sizes(n, "strides", sp, 1, 1)?;
    let p = attr_sizes(n, "pads", 2 * sp, 0, 0)?;
    if !max && p.iter().any(|&v| v != 0) && attr_i(n, "count_include_pad", 0) != 0 {
        bail!("average pooling with count_include_pad is not supported");
    }
    let geom = if sp == 1 {
        PoolGeom { window: [1, k[0]], stride: [1, s[0]], pad: [0, p[0], 0, p[1]] }
    } else {
        PoolGeom { window: [k[0], k[1]], stride: [s[0], s[1]], pad: [p[0], p[1], p[2], p[3]] }
    };
    let mut out = dims.clone();
    for a in 0..sp {
        let (w, st, lo, hi) =
            (geom.window[2 - sp + a], geom.stride[2 - sp + a], geom.pad[2 - sp + a], geom.pad[4 - sp + a]);
        if lo >= w || hi >= w {
            bail!("padding {lo},{hi} is not smaller than the window {w} (a window of padding only)");
        }
        let padded = dims[2 + a] + lo + hi;
        if padded < w {
            bail!("window {w} is larger than the padded input extent {padded} of axis {}", 2 + a);
        }
        out[2 + a] = (padded - w) / st + 1;
    }
    imp.layer(n, Op::layer_of(PoolDef { max, geom }), vec![x], layout, out);
    Ok(())
}

/// MaxPool.
pub fn max_pool(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    pool(imp, n, true)
}

/// AveragePool.
pub fn avg_pool(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    pool(imp, n, false)
}

/// Global pooling: one window over every spatial position.
pub fn global_pool(imp: &mut Importer, n: &NodeProto, max: bool) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    if layout != Layout::ChannelsFirst || !(3..=4).contains(&dims.len()) {
        bail!("global pooling input must be NCHW/NCW (shape {dims:?})");
    }
    let spatial = &dims[2..];
    let window = if spatial.len() == 1 { [1, spatial[0]] } else { [spatial[0], spatial[1]] };
    let geom = PoolGeom { window, stride: [1, 1], pad: [0; 4] };
    let mut out = dims.clone();
    for d in out.iter_mut().skip(2) {
        *d = 1;
    }
    imp.layer(n, Op::layer_of(PoolDef { max, geom }), vec![x], layout, out);
    Ok(())
}

/// GlobalMaxPool.
pub fn global_max_pool(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    global_pool(imp, n, true)
}

/// GlobalAveragePool.
pub fn global_avg_pool(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    global_pool(imp, n, false)
}

/// ReduceMean: the RMS statistic `mean(x²)` over the last axis, or a global
/// average over all spatial axes.
pub fn reduce_mean(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let axes: Vec<i64> = match n.input.get(1).filter(|s| !s.is_empty()) {
        Some(name) => imp.constant(name)?.data.iter().map(|&v| v as i64).collect(),
        None => attr_ints(n, "axes").unwrap_or_default(),
    };
    // mean(q·q) over the last axis of a plain tensor: the RMSNorm statistic.
    if let Val::Act { root, expr: Expr::Binary(Bin::Mul, qa, qb), layout: Layout::Plain, dims } =
        imp.val(input(n, 0)?)?
    {
        let last = dims.len() as i64 - 1;
        if qa == qb && axes.len() == 1 && (axes[0] == -1 || axes[0] == last) && attr_i(n, "keepdims", 1) == 1 {
            let q = Val::Act { root, expr: *qa, layout: Layout::Plain, dims };
            let tmp = format!("{}::rms_source", output(n)?);
            let src = imp.materialize(&q, &tmp)?;
            imp.vals.insert(output(n)?.to_string(), Val::Stat { src, expr: Expr::X });
            return Ok(());
        }
    }
    if matches!(imp.val(input(n, 0)?)?, Val::Act { layout: Layout::Plain, .. }) {
        return super::reduce::reduce(imp, n, ReduceKind::Mean);
    }
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let mut axes: Vec<usize> = axes.iter().map(|&a| axis_in(a, dims.len())).collect::<Result<_>>()?;
    axes.sort_unstable();
    let spatial: Vec<usize> = (2..dims.len()).collect();
    if layout != Layout::ChannelsFirst || axes != spatial {
        bail!("ReduceMean of an NCHW/NCW tensor is supported over all its spatial axes (global average pooling) only");
    }
    let sp = &dims[2..];
    if sp.len() > 2 {
        bail!("ReduceMean over {} spatial axes is not supported (1 or 2 are)", sp.len());
    }
    let window = if sp.len() == 1 { [1, sp[0]] } else { [sp[0], sp[1]] };
    let keep = attr_i(n, "keepdims", 1) != 0;
    let out = if keep {
        dims.iter().enumerate().map(|(i, &d)| if i >= 2 { 1 } else { d }).collect()
    } else {
        vec![1, dims[1]]
    };
    let out_layout = if keep { layout } else { Layout::Plain };
    imp.layer(
        n,
        Op::layer_of(PoolDef { max: false, geom: PoolGeom { window, stride: [1, 1], pad: [0; 4] } }),
        vec![x],
        out_layout,
        out,
    );
    Ok(())
}
