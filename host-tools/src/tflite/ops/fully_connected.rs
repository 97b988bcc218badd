//! FULLY_CONNECTED onto polyact's Dense: `[M, N]` int8 weights with one
//! scale per tensor or per output row, an int32 bias, TFLite's multiplier,
//! and the fused activation as the output clamp.

use super::{fused_clamp, rescale, Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::{Operator, Options};
use anyhow::{bail, Result};
use polyact::writer::WeightedDef;

pub const OPS: &[OpImport] =
    &[OpImport { code: 9, name: "FULLY_CONNECTED", run: fully_connected, agreement: Agreement::BitExact }];

fn fully_connected(g: &mut Graph, op: &Operator) -> Result<()> {
    let (x, w, y) = (g.operand(op, 0)?, g.operand(op, 1)?, g.output(op)?);
    let act = match op.options() {
        Options::FullyConnected(o) if o.weights_format() != 0 => {
            bail!("operator {}: shuffled FULLY_CONNECTED weights are not supported", g.op_index)
        }
        Options::FullyConnected(o) => o.activation(),
        _ => 0,
    };
    let shape = g.shape(w)?;
    let [m, n] = shape[..] else {
        bail!("operator {}: {} must be [outputs, inputs], is {shape:?}", g.op_index, g.describe(w))
    };
    let (m, n) = (m.max(0) as usize, n.max(0) as usize);
    let weights = g.weights_i8(w)?;
    let bias = match g.optional_operand(op, 2) {
        Some(bi) => g.constant_i32(bi)?,
        None => vec![0; m],
    };
    if bias.len() != m {
        bail!("operator {}: {} bias values for {m} outputs", g.op_index, bias.len());
    }
    let (in_t, out_t) = (g.act_type(x)?, g.act_type(y)?);
    let wq = g.quant(w)?.ok_or_else(|| anyhow::anyhow!("{} has no quantization", g.describe(w)))?;
    let (s_in, s_out) = (in_t.1.scale, out_t.1.scale);
    // TFLite's `GetQuantizedConvolutionMultipler` multiplies the per-tensor
    // scales in float; the per-channel path (`PopulateConvolutionQuantizationParams`) in double.
    let reals: Vec<f64> = match wq.scales.len() {
        1 => vec![s_in as f64 * wq.scales[0] as f64 / s_out as f64],
        k if k == m && wq.axis == 0 => wq.scales.iter().map(|&s| s_in as f64 * s as f64 / s_out as f64).collect(),
        k => bail!("operator {}: {k} weight scales for {m} outputs (axis {})", g.op_index, wq.axis),
    };
    let (mut mults, mut shifts) = (vec![], vec![]);
    for r in reals {
        let (mu, sh) = rescale(g, r)?;
        mults.push(mu);
        shifts.push(sh);
    }
    let clamp = fused_clamp(g, act, out_t)?;
    let xi = g.id(x)?;
    let len: usize = g.b.dims(xi).iter().product();
    if n == 0 || !len.is_multiple_of(n) {
        bail!("operator {}: input of {len} elements is not rows of {n}", g.op_index);
    }
    let rows = len / n;
    let row_dims = |k: usize| if rows == 1 { vec![k] } else { vec![rows, k] };
    let xin = if g.b.dims(xi).last() == Some(&n) {
        xi
    } else {
        let r = g.fresh(in_t.0, &row_dims(n), in_t.1);
        g.b.reshape(xi, r);
        r
    };
    let want: Vec<usize> = g.b.dims(xin)[..g.b.dims(xin).len() - 1].iter().copied().chain([m]).collect();
    let out_dims = g.dims(y)?;
    let def = WeightedDef { weights: &weights, bias: &bias, multipliers: &mults, shifts: &shifts, clamp, kernel: None };
    if out_dims == want {
        let yi = g.id(y)?;
        g.b.dense(xin, yi, &def);
    } else {
        let t = g.fresh(out_t.0, &want, out_t.1);
        g.b.dense(xin, t, &def);
        let yi = g.id(y)?;
        g.b.reshape(t, yi);
    }
    Ok(())
}
