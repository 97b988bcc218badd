//! Where a model's values leave the ranges it was calibrated on. The integer
//! model cannot represent them: they saturate at the range's ends, and every
//! certificate holds only inside its range. The float graph runs on the
//! user's samples and each layer's output (and a fused activation's input)
//! is compared with the range of its integer tensor.

use crate::float_eval;
use crate::ir::Graph;
use crate::quantize::fusion_plan;
use crate::report::{QuantJson, Report};
use anyhow::{bail, Result};
use polyact::DType;

/// Values of one tensor past its representable range.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RangeHits {
    pub layer: String,
    /// "output" or "activation input" (a fused activation's pre-activation).
    pub tensor: &'static str,
    /// The real range the integer tensor represents.
    pub range: (f64, f64),
    /// Values past it (more than half an LSB beyond an end), over all samples.
    pub outside: usize,
    pub values: usize,
    /// The sample with the value farthest outside, and that value.
    pub worst_sample: usize,
    pub worst_value: f64,
}

/// The real range a tensor of `dtype` quantized with `q` represents.
fn representable(dtype: DType, q: QuantJson) -> (f64, f64) {
    let s = q.scale as f64;
    (s * (dtype.min() - q.zero_point) as f64, s * (dtype.max() - q.zero_point) as f64)
}

/// For each op of the blob `report` describes, in order: the graph node it
/// was written from and the graph tensor its output holds (a fused
/// activation's output when one is fused into it).
pub fn written_layers(g: &Graph, report: &Report) -> Result<Vec<(usize, usize)>> {
    let fused = fusion_plan(g);
    let written: Vec<usize> = (0..g.nodes.len()).filter(|&i| !fused.contains(&Some(i))).collect();
    if written.len() != report.layers.len()
        || written.iter().zip(&report.layers).any(|(&i, l)| g.nodes[i].name != l.name)
    {
        bail!("the quantization report does not describe this ONNX model's layers (was the blob quantized from another file?)");
    }
    Ok(written.iter().map(|&i| (i, fused[i].map_or(g.nodes[i].output, |a| g.nodes[a].output))).collect())
}

/// The tensors of `g`, as quantized in `report`, that hold values past their
/// range on `samples` (every checked tensor is listed, hits or not).
pub fn range_hits(g: &Graph, report: &Report, samples: &[Vec<f32>]) -> Result<Vec<RangeHits>> {
    let dtype = if report.act_bits == 8 { DType::I8 } else { DType::I16 };
    let fused = fusion_plan(g);
    // (layer, which tensor, graph tensor, range)
    let mut checks = Vec::new();
    for (&(i, out), l) in written_layers(g, report)?.iter().zip(&report.layers) {
        let n = &g.nodes[i];
        if let Some(q) = l.output_quant {
            checks.push((l.name.clone(), "output", out, representable(dtype, q)));
        }
        if let (Some(_), Some(q)) = (fused[i], l.activation.as_ref().and_then(|a| a.in_quant)) {
            checks.push((l.name.clone(), "activation input", n.output, representable(dtype, q)));
        }
    }
    let mut hits: Vec<RangeHits> = checks
        .iter()
        .map(|(layer, tensor, _, range)| RangeHits {
            layer: layer.clone(),
            tensor,
            range: *range,
            outside: 0,
            values: 0,
            worst_sample: 0,
            worst_value: 0.0,
        })
        .collect();
    let mut worst_excess = vec![0.0f64; checks.len()];
    for (s, x) in samples.iter().enumerate() {
        let vals = float_eval::eval(g, x)?;
        for (k, (_, _, t, (lo, hi))) in checks.iter().enumerate() {
            let half = (hi - lo) / (2.0 * (dtype.max() - dtype.min()) as f64);
            for &v in &vals[*t] {
                let excess = (lo - half - v).max(v - hi - half);
                hits[k].values += 1;
                if excess > 0.0 {
                    hits[k].outside += 1;
                    if excess > worst_excess[k] {
                        worst_excess[k] = excess;
                        hits[k].worst_sample = s;
                        hits[k].worst_value = v;
                    }
                }
            }
        }
    }
    Ok(hits)
}
