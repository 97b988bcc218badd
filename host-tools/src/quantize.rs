//! Quantization: calibration ranges from real samples, per-channel int8
//! weights, int8/int16 activations, lowering of every activation with its
//! certificate, and the blob written by the runtime's own writer.

use crate::expr::Expr;
use crate::float_eval;
use crate::ir::{Graph, Op};
use crate::lower::{lower, LowerOpts, Lowered};
use crate::report::{ActivationReport, LayerReport, Report};
use anyhow::{anyhow, bail, Context, Result};
use polyact::arith::quantize_multiplier;
use polyact::writer::{quantize_value, ModelBuilder, TensorId, WeightedDef};
use polyact::{DType, Error as RtError, Quant};

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
    pub lower: LowerOpts,
}

/// Per-tensor `[min, max]` over the calibration samples.
pub fn calibrate(g: &Graph, samples: &[Vec<f32>], mode: RangeMode, mut tick: impl FnMut()) -> Result<Calibration> {
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); g.tensors.len()];
    let mut ranges = vec![(f64::MAX, f64::MIN); g.tensors.len()];
    let mut channel_mean: Vec<Vec<f64>> = g.tensors.iter().map(|t| vec![0.0; t.channels()]).collect();
    for (i, s) in samples.iter().enumerate() {
        let vals = float_eval::eval(g, s).with_context(|| format!("calibration sample {i}"))?;
        for (t, v) in vals.iter().enumerate() {
            for &x in v {
                if !x.is_finite() {
                    bail!(
                        "calibration sample {i}: tensor '{}' is not finite (the float model overflows)",
                        g.tensors[t].name
                    );
                }
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

/// Quantization of a tensor with real range `[lo, hi]`: int8 asymmetric,
/// int16 symmetric (zero point 0).
pub fn quant_for(dtype: DType, lo: f64, hi: f64) -> Quant {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    match dtype {
        DType::I8 => {
            let scale = ((hi - lo) / 255.0).max(1e-8);
            let zp = (-128.0 - lo / scale).round().clamp(-128.0, 127.0) as i32;
            Quant { scale: scale as f32, zero_point: zp }
        }
        DType::I16 => {
            let m = lo.abs().max(hi.abs());
            Quant { scale: (m / 32767.0).max(1e-8) as f32, zero_point: 0 }
        }
    }
}

fn is_clamp_relu(f: &Expr) -> Option<Option<f64>> {
    let pts: Vec<f64> = (-400..=400).map(|i| i as f64 * 0.05).collect();
    let m = |g: &dyn Fn(f64) -> f64| pts.iter().all(|&x| (f.eval(x, 0) - g(x)).abs() <= 1e-9 * (1.0 + x.abs()));
    if f.channels() != 1 {
        return None;
    }
    if m(&|x| x.max(0.0)) {
        Some(None)
    } else if m(&|x| x.clamp(0.0, 6.0)) {
        Some(Some(6.0))
    } else {
        None
    }
}

/// The result of quantization.
#[derive(Debug)]
pub struct Quantized {
    pub blob: Vec<u8>,
    pub report: Report,
}

/// Symmetric per-channel int8 weights. A channel whose weights are tiny next
/// to its bias gets a coarser scale so the bias still fits comfortably in the
/// int32 bias field (`|bias_q| ≤ 2^29`).
fn weight_quant(w: &[f32], bias: &[f32], s_in: f64, depthwise: bool) -> (Vec<i8>, Vec<f64>) {
    let channels = bias.len();
    let per = w.len() / channels;
    let ch_of = |i: usize| if depthwise { i % channels } else { i / per };
    let mut maxabs = vec![0.0f64; channels];
    for (i, &v) in w.iter().enumerate() {
        let c = ch_of(i);
        maxabs[c] = maxabs[c].max(v.abs() as f64);
    }
    let scales: Vec<f64> = maxabs
        .iter()
        .zip(bias)
        .map(|(&m, &b)| {
            let s = (m / 127.0).max(b.abs() as f64 / (s_in * (1u64 << 29) as f64));
            if s > 0.0 {
                s
            } else {
                1.0
            }
        })
        .collect();
    let q =
        w.iter().enumerate().map(|(i, &v)| (v as f64 / scales[ch_of(i)]).round().clamp(-127.0, 127.0) as i8).collect();
    (q, scales)
}

/// Quantize graph `g` with calibration ranges `ranges`.
pub fn quantize(g: &Graph, cal: &Calibration, opts: &QuantOpts, mut progress: impl FnMut(&str)) -> Result<Quantized> {
    let act = opts.act;
    let ranges = &cal.ranges;
    let mut quants: Vec<Quant> = ranges.iter().map(|&(lo, hi)| quant_for(act, lo, hi)).collect();
    // Types that layers fix: pooling and reshape keep their input's quantization,
    // softmax has a fixed output scale.
    for n in &g.nodes {
        match n.op {
            Op::Pool { .. } | Op::Reshape => quants[n.output] = quants[n.inputs[0]],
            Op::Softmax => {
                quants[n.output] = match act {
                    DType::I8 => Quant { scale: 1.0 / 256.0, zero_point: -128 },
                    DType::I16 => Quant { scale: 1.0 / 32768.0, zero_point: 0 },
                }
            }
            _ => {}
        }
    }
    // Fuse an activation into the weighted layer that feeds it alone.
    let mut fused_into: Vec<Option<usize>> = vec![None; g.nodes.len()];
    let mut skip = vec![false; g.nodes.len()];
    for (i, n) in g.nodes.iter().enumerate() {
        if let Op::Act { .. } = n.op {
            let src = n.inputs[0];
            let producer = g.nodes.iter().position(|p| p.output == src);
            if let Some(p) = producer {
                let weighted = matches!(g.nodes[p].op, Op::Dense { .. } | Op::Conv { .. });
                if weighted && g.consumers(src).count() == 1 && src != g.output {
                    fused_into[p] = Some(i);
                    skip[i] = true;
                }
            }
        }
    }

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
    let typ = |t: usize| (act, quants[t]);

    for (i, n) in g.nodes.iter().enumerate() {
        if skip[i] {
            continue;
        }
        let x = n.inputs[0];
        let mut layer = LayerReport::new(&n.name, n.op.name(), &g.tensors[x].dims, &g.tensors[n.output].dims);
        match &n.op {
            Op::Dense { w, b: bias, .. } | Op::Conv { w, b: bias, .. } => {
                let (out_t, fused) = match fused_into[i] {
                    Some(a) => (g.nodes[a].output, Some(a)),
                    None => (n.output, None),
                };
                let channels = bias.len();
                let depthwise = matches!(n.op, Op::Conv { depth_multiplier: Some(_), .. });
                let s_in = quants[x].scale as f64;
                let (wq, ws) = weight_quant(w, bias, s_in, depthwise);
                let correction = bias_correction(w, &wq, &ws, &cal.channel_mean[x], depthwise);
                // The scale the accumulator is requantized to: the layer's own
                // output (pre-activation) when a kernel is fused, else the output.
                let mut clamp = None;
                let mut kernel = None;
                let mut acc_out = quants[n.output];
                if let Some(a) = fused {
                    let Op::Act { f } = &g.nodes[a].op else { unreachable!() };
                    if let Some(hi) = is_clamp_relu(f) {
                        acc_out = quants[out_t];
                        let qo = quants[out_t];
                        let hi = hi.map_or(act.max(), |h| quantize_value(h, act, qo));
                        clamp = Some((qo.zero_point.max(act.min()), hi));
                        layer.activation = Some(ActivationReport::clamp(&format!("{f}"), hi != act.max()));
                    } else {
                        progress(&format!("lowering activation of {}", n.name));
                        let l = lower(f, typ(n.output), typ(out_t), &opts.lower, &mut progress)
                            .with_context(|| format!("layer '{}': activation {f}", g.nodes[a].name))?;
                        let kid = b.kernel(&l.kernel);
                        let (qi, qo) = (quants[n.output], quants[out_t]);
                        layer.activation = Some(ActivationReport::from_lowered(f, &l, kid.0 as usize, qi, qo));
                        kernel = Some(kid);
                    }
                }
                let mut mults = Vec::with_capacity(channels);
                let mut shifts = Vec::with_capacity(channels);
                let mut bq = Vec::with_capacity(channels);
                for c in 0..channels {
                    let real = s_in * ws[c] / acc_out.scale as f64;
                    let (m, s) = quantize_multiplier(real).filter(|_| real > 0.0).ok_or_else(|| {
                        anyhow!("layer '{}': output channel {c} rescale {real:e} is not representable", n.name)
                    })?;
                    mults.push(m);
                    shifts.push(s);
                    let bv = ((bias[c] as f64 - correction[c]) / (s_in * ws[c])).round();
                    if bv.abs() > i32::MAX as f64 / 2.0 {
                        bail!(
                            "layer '{}': bias of channel {c} does not fit the int32 accumulator at this input scale",
                            n.name
                        );
                    }
                    bq.push(bv as i32);
                }
                let wd = WeightedDef { weights: &wq, bias: &bq, multipliers: &mults, shifts: &shifts, clamp, kernel };
                let (xi, yo) = (ids[x], ids[out_t]);
                match &n.op {
                    Op::Dense { .. } => b.dense(xi, yo, &wd),
                    Op::Conv { geom, depth_multiplier: Some(dm), .. } => b.depthwise_conv2d(xi, yo, &wd, geom, *dm),
                    Op::Conv { geom, one_d: true, .. } => b.conv1d(xi, yo, &wd, geom),
                    Op::Conv { geom, .. } => b.conv2d(xi, yo, &wd, geom),
                    _ => unreachable!(),
                };
                layer.weight_bytes = wq.len() + 12 * channels;
                layer.macs = n.macs(g);
                if fused.is_some() {
                    layer.fused = true;
                }
            }
            Op::Pool { max, geom } => {
                if *max {
                    b.max_pool(ids[x], ids[n.output], geom);
                } else {
                    b.avg_pool(ids[x], ids[n.output], geom);
                }
            }
            Op::Add => {
                b.add(ids[x], ids[n.inputs[1]], ids[n.output]);
            }
            Op::Concat { axis } => {
                let xs: Vec<TensorId> = n.inputs.iter().map(|&t| ids[t]).collect();
                b.concat(&xs, ids[n.output], *axis);
            }
            Op::Reshape => {
                b.reshape(ids[x], ids[n.output]);
            }
            Op::Softmax => {
                b.softmax(ids[x], ids[n.output], 1.0);
            }
            Op::RmsNorm { eps } => {
                let c = g.tensors[x].channels();
                b.rms_norm(ids[x], ids[n.output], &vec![127; c], 1.0 / 127.0, *eps);
                layer.weight_bytes = c;
            }
            Op::Act { f } => {
                progress(&format!("lowering activation {}", n.name));
                let l: Lowered = lower(f, typ(x), typ(n.output), &opts.lower, &mut progress)
                    .with_context(|| format!("layer '{}': activation {f}", n.name))?;
                let kid = b.kernel(&l.kernel);
                let (qi, qo) = (quants[x], quants[n.output]);
                layer.activation = Some(ActivationReport::from_lowered(f, &l, kid.0 as usize, qi, qo));
                b.activation(ids[x], ids[n.output], kid);
            }
        }
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

/// Expected output shift that weight rounding introduces, per output channel:
/// `Σ (w_q·s − w) · E[x]` over the channel's weights (bias correction, so the
/// quantized layer is unbiased on the calibration distribution).
fn bias_correction(w: &[f32], wq: &[i8], ws: &[f64], mean_in: &[f64], depthwise: bool) -> Vec<f64> {
    let cout = ws.len();
    let cin = mean_in.len().max(1);
    let per = w.len() / cout;
    let mut corr = vec![0.0; cout];
    for (i, (&wf, &q)) in w.iter().zip(wq).enumerate() {
        let (oc, ic) = if depthwise { (i % cout, (i % cout) * cin / cout) } else { (i / per, i % cin) };
        corr[oc] += (q as f64 * ws[oc] - wf as f64) * mean_in.get(ic).copied().unwrap_or(0.0);
    }
    corr
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

impl crate::ir::Node {
    /// Multiply-accumulates of a weighted layer.
    pub fn macs(&self, g: &Graph) -> usize {
        let out = g.tensors[self.output].len();
        match &self.op {
            Op::Dense { .. } => out * g.tensors[self.inputs[0]].channels(),
            Op::Conv { geom, depth_multiplier: Some(_), .. } => out * geom.window[0] * geom.window[1],
            Op::Conv { geom, .. } => out * geom.window[0] * geom.window[1] * g.tensors[self.inputs[0]].channels(),
            _ => 0,
        }
    }
}
