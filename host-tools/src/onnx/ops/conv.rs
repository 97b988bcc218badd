//! Conv: 1-D and 2-D, grouped (depthwise) or not, NCHW in ONNX and
//! channels-last in the runtime.

use super::Import::{self, Node};
use crate::ir::Op;
use crate::layers::conv::Conv;
use crate::onnx::attrs::{attr_i, attr_s, attr_sizes, input};
use crate::onnx::importer::Importer;
use crate::onnx::layout::Layout;
use anyhow::{bail, Result};
use polyact::writer::ConvGeom;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[("Conv", Node(conv))];

/// Conv with constant weights: Conv1D/Conv2D, or depthwise when grouped per channel.
pub fn conv(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(input(n, 0)?)?;
    let x = match layout {
        Layout::ChannelsFirst => x,
        // A tensor in ONNX order (an NCW/NCHW graph input, as PyTorch
        // exports one): a Transpose layer stores it channels last.
        Layout::Plain if dims.len() >= 3 => imp.channels_last(input(n, 0)?, x, &dims),
        _ => bail!("convolution input must be NCW or NCHW (shape {dims:?})"),
    };
    let w = imp.constant(input(n, 1)?)?;
    let one_d = w.dims.len() == 3;
    if !(one_d || w.dims.len() == 4) || dims.len() != w.dims.len() {
        bail!("only 1-D and 2-D convolutions are supported (weight {:?}, input {dims:?})", w.dims);
    }
    let (cout, cin_g) = (w.dims[0], w.dims[1]);
    let (kh, kw) = if one_d { (1, w.dims[2]) } else { (w.dims[2], w.dims[3]) };
    if cout == 0 || cin_g == 0 || kh == 0 || kw == 0 {
        bail!("weight of shape {:?} is empty", w.dims);
    }
    let cin = dims[1];
    let group = usize::try_from(attr_i(n, "group", 1)).unwrap_or(0);
    let sp = if one_d { 1 } else { 2 };
    let strides = attr_sizes(n, "strides", sp, 1, 1)?;
    let dil = attr_sizes(n, "dilations", sp, 1, 1)?;
    let mut pads = attr_sizes(n, "pads", 2 * sp, 0, 0)?;
    if let Some(ap) = attr_s(n, "auto_pad").filter(|s| s != "NOTSET") {
        if ap != "VALID" {
            bail!("auto_pad {ap} is not supported (export with explicit padding)");
        }
        pads = vec![0; 2 * sp];
    }
    let (stride, dilation, pad) = if one_d {
        ([1, strides[0]], [1, dil[0]], [0, pads[0], 0, pads[1]])
    } else {
        ([strides[0], strides[1]], [dil[0], dil[1]], [pads[0], pads[1], pads[2], pads[3]])
    };
    let geom = ConvGeom { window: [kh, kw], stride, dilation, pad };
    let b: Vec<f32> = match n.input.get(2).filter(|s| !s.is_empty()) {
        Some(name) => imp.constant(name)?.data.iter().map(|&v| v as f32).collect(),
        None => vec![0.0; cout],
    };
    if b.len() != cout {
        bail!("bias has {} values for {cout} output channels", b.len());
    }
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
            bail!("kernel (extent {span}) larger than the padded input ({})", i + p0 + p1);
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
    imp.layer(
        n,
        Op::Conv(Conv { w: wr, b, geom, depth_multiplier: dm, one_d }),
        vec![x],
        Layout::ChannelsFirst,
        out_dims,
    );
    Ok(())
}
