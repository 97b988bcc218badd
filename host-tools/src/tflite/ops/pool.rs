//! AVERAGE_POOL_2D and MAX_POOL_2D onto polyact's pools: TFLite's and
//! polyact's integer pooling agree (same quantization in and out; the
//! average is `Σx / count` over in-bounds taps, rounded half away from zero).

use super::{pad_axis, positive, Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::{Operator, Options};
use anyhow::{bail, Result};
use polyact::writer::PoolGeom;

pub const OPS: &[OpImport] = &[
    OpImport { code: 1, name: "AVERAGE_POOL_2D", run: avg_pool, agreement: Agreement::BitExact },
    OpImport { code: 17, name: "MAX_POOL_2D", run: max_pool, agreement: Agreement::BitExact },
];

fn avg_pool(g: &mut Graph, op: &Operator) -> Result<()> {
    pool(g, op, true)
}

fn max_pool(g: &mut Graph, op: &Operator) -> Result<()> {
    pool(g, op, false)
}

fn pool(g: &mut Graph, op: &Operator, avg: bool) -> Result<()> {
    let Options::Pool2D(o) = op.options() else { bail!("operator {}: a pool without Pool2DOptions", g.op_index) };
    if o.activation() != 0 {
        bail!("operator {}: a fused activation on a pool is not supported", g.op_index);
    }
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    if g.act_type(x)? != g.act_type(y)? {
        bail!("operator {}: pooling needs the same type and quantization in and out", g.op_index);
    }
    let [fh, fw] = o.filter();
    let window = [positive(g, "filter height", fh)?, positive(g, "filter width", fw)?];
    let [sh, sw] = o.stride();
    let stride = [positive(g, "stride", sh)?, positive(g, "stride", sw)?];
    let in_dims = g.dims(x)?;
    let [ih, iw, c] = in_dims[..] else { bail!("operator {}: input must be [1, H, W, C], is {in_dims:?}", g.op_index) };
    let (oh, ph) = pad_axis(g, o.padding(), ih, window[0], stride[0], 1)?;
    let (ow, pw) = pad_axis(g, o.padding(), iw, window[1], stride[1], 1)?;
    if g.dims(y)? != [oh, ow, c] {
        bail!("operator {}: output shape {:?}, but the geometry gives [{oh}, {ow}, {c}]", g.op_index, g.dims(y)?);
    }
    let geom = PoolGeom { window, stride, pad: [ph[0], pw[0], ph[1], pw[1]] };
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    if avg {
        g.b.avg_pool(xi, yi, &geom);
    } else {
        g.b.max_pool(xi, yi, &geom);
    }
    Ok(())
}
