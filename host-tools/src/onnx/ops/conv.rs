//! Conv: 1-D and 2-D, grouped (depthwise) or not, NCHW in ONNX and
//! channels-last in the runtime.

use super::Import::{self, Node};
use crate::ir::Op;
use crate::layers::conv::Conv;
use crate::onnx::attrs::{attr_i, attr_ints, attr_s};
use crate::onnx::importer::Importer;
use crate::onnx::layout::Layout;
use anyhow::{bail, Result};
use polyact::writer::ConvGeom;
use tract_onnx::pb::NodeProto;

/// The operators this file imports.
pub const OPS: &[(&str, Import)] = &[("Conv", Node(conv))];

/// Conv with constant weights: Conv1D/Conv2D, or depthwise when grouped per channel.
pub fn conv(imp: &mut Importer, n: &NodeProto) -> Result<()> {
    let (x, layout, dims) = imp.tensor_input(&n.input[0])?;
    if layout != Layout::ChannelsFirst && dims.len() >= 3 {
        // The input arrives NCHW directly (e.g. a model whose input is NCHW):
        // with one channel the storage is identical.
        if dims[1] != 1 {
            bail!("convolution input must be NCHW; a multi-channel NCHW graph input is not supported (feed NHWC and transpose in the model)");
        }
    }
    let w = imp.constant(&n.input[1])?;
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
        Some(name) => imp.constant(name)?.data.iter().map(|&v| v as f32).collect(),
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
    imp.layer(
        n,
        Op::Conv(Conv { w: wr, b, geom, depth_multiplier: dm, one_d }),
        vec![x],
        Layout::ChannelsFirst,
        out_dims,
    );
    Ok(())
}
