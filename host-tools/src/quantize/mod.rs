//! Quantization: [`calibrate`] real ranges on samples, choose the
//! [`params`] (tensor scales and zero points, per-channel int8 weights),
//! lower every activation with its certificate (`crate::lower`), and write
//! the blob with the runtime's own writer — each layer writes itself
//! (`crate::layers`); [`weighted`] is what Dense and Conv share.

pub mod calibrate;
pub mod params;
pub mod weighted;

pub use calibrate::{calibrate, Calibration};
pub use params::quant_for;

use crate::ir::{Graph, Op};
use crate::layers::WriteCtx;
use crate::lower::LowerOpts;
use crate::report::{LayerReport, Report};
use anyhow::{anyhow, Result};
use polyact::writer::{ModelBuilder, TensorId};
use polyact::{DType, Error as RtError};

/// How calibration ranges are taken.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RangeMode {
    MinMax,
    /// Symmetric percentile of |values| (e.g. 99.99), clipping rare outliers.
    Percentile(f64),
}

/// Quantization options.
#[derive(Clone, Copy, Debug)]
pub struct QuantOpts {
    pub act: DType,
    pub range: RangeMode,
    /// Fraction of each calibrated range added beyond both of its ends, so
    /// inputs a little larger than any calibration sample do not saturate
    /// (0 = the calibrated range exactly; each end costs that much resolution).
    pub headroom: f64,
    pub lower: LowerOpts,
    /// Dense weights: 8 bits (16×8 at int16, TFLite's scheme) or 16 bits
    /// (16×16 products, for layers whose int8 weights dominate the error:
    /// the per-layer report shows which).
    pub dense_weight_bits: u32,
}

impl QuantOpts {
    /// Min/max calibration, no headroom, default lowering.
    pub fn new(act: DType) -> Self {
        QuantOpts { act, range: RangeMode::MinMax, headroom: 0.0, lower: LowerOpts::default(), dense_weight_bits: 8 }
    }
}

/// The result of quantization.
#[derive(Debug)]
pub struct Quantized {
    pub blob: Vec<u8>,
    pub report: Report,
}

/// Which activation node each weighted node runs in its output stage: the
/// activation right after it, when nothing else reads the pre-activation.
pub fn fusion_plan(g: &Graph) -> Vec<Option<usize>> {
    let mut fused_into = vec![None; g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        if let Op::Act(_) = n.op {
            let src = n.inputs[0];
            if let Some(p) = g.producer(src) {
                if g.nodes[p].op.layer().fuses_activation() && g.sole_use(src) {
                    fused_into[p] = Some(i);
                }
            }
        }
    }
    fused_into
}

/// Quantize graph `g` with calibration `cal`.
pub fn quantize(g: &Graph, cal: &Calibration, opts: &QuantOpts, mut progress: impl FnMut(&str)) -> Result<Quantized> {
    let act = opts.act;
    if !(opts.headroom >= 0.0 && opts.headroom.is_finite()) {
        anyhow::bail!("headroom {} must be a finite fraction of at least 0", opts.headroom);
    }
    let widen = 1.0 + opts.headroom;
    let mut quants: Vec<_> = cal.ranges.iter().map(|&(lo, hi)| quant_for(act, lo * widen, hi * widen)).collect();
    // Types that layers fix (in graph order, so chains follow).
    for n in &g.nodes {
        let input_quant = n.inputs.first().map_or(quants[n.output], |&t| quants[t]);
        if let Some(q) = n.op.layer().output_quant(input_quant, act) {
            quants[n.output] = q;
        }
    }
    let fused_into = fusion_plan(g);
    let skip: Vec<bool> = (0..g.nodes.len()).map(|i| fused_into.contains(&Some(i))).collect();
    let mut b = ModelBuilder::new();
    // Declare only tensors that are stored: a fused layer's pre-activation
    // output never is.
    let mut stored = vec![true; g.tensors.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        if fused_into[i].is_some() {
            stored[n.output] = false;
        }
    }
    let ids: Vec<TensorId> = g
        .tensors
        .iter()
        .enumerate()
        .map(|(t, d)| if stored[t] { b.tensor(act, &d.dims, quants[t]) } else { TensorId(u16::MAX) })
        .collect();
    let mut report = Report::new(act);
    let mut op_names: Vec<String> = Vec::new();
    for (i, n) in g.nodes.iter().enumerate() {
        if skip[i] {
            continue;
        }
        let in_dims: Vec<&[usize]> = n.inputs.iter().map(|&t| g.tensors[t].dims.as_slice()).collect();
        let out_dims = &g.tensors[n.output].dims;
        let mut layer = LayerReport::new(&n.name, n.op.name(), in_dims.first().copied().unwrap_or(&[]), out_dims);
        layer.macs = n.op.layer().macs(&in_dims, out_dims);
        let mut cx = WriteCtx {
            g,
            b: &mut b,
            ids: &ids,
            quants: &quants,
            cal,
            act,
            lower: &opts.lower,
            dense_weight_bits: opts.dense_weight_bits,
            progress: &mut progress,
            report: &mut layer,
            fused: fused_into[i].map(|a| &g.nodes[a]),
        };
        n.op.layer().write(n, &mut cx)?;
        let out = fused_into[i].map_or(n.output, |a| g.nodes[a].output);
        layer.output_quant = Some(quants[out].into());
        op_names.push(n.name.clone());
        report.layers.push(layer);
    }
    b.set_input(ids[g.input]).set_output(ids[g.output]);
    let blob = b.finish().map_err(|e| name_error(e, &op_names))?;
    let model = polyact::Model::from_bytes(&blob).map_err(|e| anyhow!("{e}"))?;
    report.blob_bytes = blob.len();
    report.arena_bytes = model.arena_size();
    report.input = quants[g.input].into();
    report.output = quants[g.output].into();
    Ok(Quantized { blob, report })
}

/// Turn a runtime validation error into one naming the ONNX layer.
fn name_error(e: RtError, names: &[String]) -> anyhow::Error {
    let layer = |op: usize| names.get(op).cloned().unwrap_or_else(|| format!("#{op}"));
    match e {
        RtError::AccumulatorOverflow { op, channel } => anyhow!(
            "layer '{}': the int32 accumulator of output channel {channel} can overflow for the worst-case input (weights too large for int8 activations; try --act-bits 16)",
            layer(op)
        ),
        RtError::InvalidOp { op, reason } => anyhow!("layer '{}': {reason}", layer(op)),
        other => anyhow!("{other}"),
    }
}
