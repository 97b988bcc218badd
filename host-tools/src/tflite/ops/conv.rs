//! CONV_2D and DEPTHWISE_CONV_2D onto polyact's channels-last convolutions
//! (the weight layouts are TFLite's), with TFLite's SAME/VALID padding,
//! per-channel multipliers in double as `PopulateConvolutionQuantizationParams`
//! computes them, and the fused activation as the output clamp.

use super::{fused_clamp, pad_axis, positive, rescale, Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::{Operator, Options};
use anyhow::{bail, Result};
use polyact::writer::{ConvGeom, WeightedDef};

pub const OPS: &[OpImport] = &[
    OpImport { code: 3, name: "CONV_2D", run: conv2d, agreement: Agreement::BitExact },
    OpImport { code: 4, name: "DEPTHWISE_CONV_2D", run: depthwise, agreement: Agreement::BitExact },
];

/// The options both convolutions share.
struct ConvOpts {
    padding: i8,
    stride: [i32; 2],
    dilation: [i32; 2],
    activation: i8,
}

fn conv2d(g: &mut Graph, op: &Operator) -> Result<()> {
    let Options::Conv2D(o) = op.options() else { bail!("operator {}: CONV_2D without Conv2DOptions", g.op_index) };
    let opts =
        ConvOpts { padding: o.padding(), stride: o.stride(), dilation: o.dilation(), activation: o.activation() };
    let shape = g.shape(g.operand(op, 1)?)?;
    let [cout, kh, kw, cin] = shape[..] else {
        bail!("operator {}: CONV_2D weights must be [Cout, kh, kw, Cin], are {shape:?}", g.op_index)
    };
    let in_c = g.dims(g.operand(op, 0)?)?.last().copied().unwrap_or(0);
    if cin.max(0) as usize != in_c {
        bail!("operator {}: weights for {cin} input channels on an input of {in_c} (grouped convolution is not supported)", g.op_index);
    }
    weighted(g, op, &opts, [kh, kw], cout, 0, false)
}

fn depthwise(g: &mut Graph, op: &Operator) -> Result<()> {
    let Options::Depthwise(o) = op.options() else {
        bail!("operator {}: DEPTHWISE_CONV_2D without DepthwiseConv2DOptions", g.op_index)
    };
    let opts =
        ConvOpts { padding: o.padding(), stride: o.stride(), dilation: o.dilation(), activation: o.activation() };
    let shape = g.shape(g.operand(op, 1)?)?;
    let [1, kh, kw, cout] = shape[..] else {
        bail!("operator {}: depthwise weights must be [1, kh, kw, Cout], are {shape:?}", g.op_index)
    };
    weighted(g, op, &opts, [kh, kw], cout, 3, true)
}

/// Either convolution: weights, bias, multipliers per output channel
/// (`axis` of the weight tensor), geometry, output clamp.
fn weighted(
    g: &mut Graph,
    op: &Operator,
    o: &ConvOpts,
    k: [i32; 2],
    cout: i32,
    axis: usize,
    depthwise: bool,
) -> Result<()> {
    let (x, w, y) = (g.operand(op, 0)?, g.operand(op, 1)?, g.output(op)?);
    let cout = positive(g, "output channels", cout)?;
    let window = [positive(g, "kernel height", k[0])?, positive(g, "kernel width", k[1])?];
    let stride = [positive(g, "stride", o.stride[0])?, positive(g, "stride", o.stride[1])?];
    let dilation = [positive(g, "dilation", o.dilation[0])?, positive(g, "dilation", o.dilation[1])?];
    let in_dims = g.dims(x)?;
    let [ih, iw, _] = in_dims[..] else { bail!("operator {}: input must be [1, H, W, C], is {in_dims:?}", g.op_index) };
    let (oh, ph) = pad_axis(g, o.padding, ih, window[0], stride[0], dilation[0])?;
    let (ow, pw) = pad_axis(g, o.padding, iw, window[1], stride[1], dilation[1])?;
    let out_dims = g.dims(y)?;
    if out_dims != [oh, ow, cout] {
        bail!("operator {}: output shape {out_dims:?}, but the geometry gives [{oh}, {ow}, {cout}]", g.op_index);
    }
    let weights = g.weights_i8(w)?;
    let bias = match g.optional_operand(op, 2) {
        Some(bi) => g.constant_i32(bi)?,
        None => vec![0; cout],
    };
    if bias.len() != cout {
        bail!("operator {}: {} bias values for {cout} output channels", g.op_index, bias.len());
    }
    let (in_t, out_t) = (g.act_type(x)?, g.act_type(y)?);
    let wq = g.quant(w)?.ok_or_else(|| anyhow::anyhow!("{} has no quantization", g.describe(w)))?;
    if wq.scales.len() != 1 && (wq.scales.len() != cout || wq.axis != axis) {
        bail!(
            "operator {}: {} weight scales on axis {} for {cout} output channels",
            g.op_index,
            wq.scales.len(),
            wq.axis
        );
    }
    let (mut mults, mut shifts) = (vec![], vec![]);
    for c in 0..cout {
        let s_w = wq.scales[if wq.scales.len() == 1 { 0 } else { c }];
        let (mu, sh) = rescale(g, in_t.1.scale as f64 * s_w as f64 / out_t.1.scale as f64)?;
        mults.push(mu);
        shifts.push(sh);
    }
    let clamp = fused_clamp(g, o.activation, out_t)?;
    let geom = ConvGeom { window, stride, dilation, pad: [ph[0], pw[0], ph[1], pw[1]] };
    let def = WeightedDef { weights: &weights, bias: &bias, multipliers: &mults, shifts: &shifts, clamp, kernel: None };
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    if depthwise {
        let cin = in_dims[2];
        if cin == 0 || cout % cin != 0 {
            bail!("operator {}: {cout} output channels are not a multiple of {cin} input channels", g.op_index);
        }
        g.b.depthwise_conv2d(xi, yi, &def, &geom, cout / cin);
    } else {
        g.b.conv2d(xi, yi, &def, &geom);
    }
    Ok(())
}
