//! Calibration: real per-tensor ranges (min/max or a percentile) and
//! per-channel means from the float graph on real samples.

use super::RangeMode;
use crate::float_eval;
use crate::ir::Graph;
use crate::ir::Op;
use anyhow::{bail, Context, Result};

/// Per-tensor `[min, max]` over the calibration samples.
pub fn calibrate(g: &Graph, samples: &[Vec<f32>], mode: RangeMode, mut tick: impl FnMut()) -> Result<Calibration> {
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); g.tensors.len()];
    let mut ranges = vec![(f64::MAX, f64::MIN); g.tensors.len()];
    let mut channel_mean: Vec<Vec<f64>> = g.tensors.iter().map(|t| vec![0.0; t.channels()]).collect();
    for (i, s) in samples.iter().enumerate() {
        let vals = float_eval::eval(g, s).with_context(|| format!("calibration sample {i}"))?;
        if let Some(e) = first_non_finite(g, &vals) {
            bail!("calibration sample {i}: {e}");
        }
        for (t, v) in vals.iter().enumerate() {
            for &x in v {
                ranges[t].0 = ranges[t].0.min(x);
                ranges[t].1 = ranges[t].1.max(x);
            }
            let c = channel_mean[t].len();
            let per = (v.len() / c.max(1)).max(1) as f64 * samples.len() as f64;
            for (k, &x) in v.iter().enumerate() {
                channel_mean[t][k % c] += x / per;
            }
            if let RangeMode::Percentile(_) = mode {
                all[t].extend_from_slice(v);
            }
        }
        tick();
    }
    if let RangeMode::Percentile(p) = mode {
        for (t, v) in all.iter_mut().enumerate() {
            if v.is_empty() {
                continue;
            }
            v.sort_by(|a, b| a.total_cmp(b));
            let k = ((1.0 - p / 100.0) * v.len() as f64).floor() as usize;
            ranges[t] = (v[k.min(v.len() - 1)], v[v.len() - 1 - k.min(v.len() - 1)]);
        }
    }
    Ok(Calibration { ranges, channel_mean })
}

/// What calibration measured per tensor.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Real `[min, max]` (or percentile range).
    pub ranges: Vec<(f64, f64)>,
    /// Mean of each channel (innermost dim), for bias correction.
    pub channel_mean: Vec<Vec<f64>>,
}

/// The first layer (in execution order) whose output is not finite although
/// its inputs are, and why: an activation undefined at the value it gets
/// (log or sqrt of a negative number, a division by zero), or arithmetic
/// that overflows.
fn first_non_finite(g: &Graph, vals: &[Vec<f64>]) -> Option<String> {
    g.nodes.iter().find_map(|n| {
        let k = vals[n.output].iter().position(|v| !v.is_finite())?;
        let y = vals[n.output][k];
        Some(match &n.op {
            Op::Act(a) => {
                let x = vals[n.inputs[0]].get(k).copied().unwrap_or(f64::NAN);
                format!("layer '{}': the activation {} is {y} at x = {x} (element {k}): it is not defined there", n.name, a.f)
            }
            op => format!(
                "layer '{}' ({}) gives {y} at element {k} from finite inputs (its weights or values overflow, or it divides by zero)",
                n.name,
                op.name()
            ),
        })
    })
}
