//! Writing a weighted layer (Dense, Conv, depthwise): per-channel int8
//! weights, bias correction, the requantization of each output channel, and
//! the activation fused into its output stage (a clamp, or a lowered kernel).

use super::params::{bias_correction, is_clamp_relu, weight_quant, weight_quant_16};
use crate::ir::{Node, Op};
use crate::layers::WriteCtx;
use crate::lower::lower_calibrated;
use crate::report::ActivationReport;
use anyhow::{anyhow, bail, Context, Result};
use polyact::arith::quantize_multiplier;
use polyact::writer::{quantize_value, ModelBuilder, TensorId, WeightedDef};

/// Int16 weights and the bias shift of a 16×16 layer.
pub struct Wide<'w> {
    pub weights: &'w [i16],
    pub bias_shift: u32,
}

/// Write weighted layer `n` with float weights `w` (runtime layout) and
/// `bias`, as int8 weights, or int16 with `bits == 16` (`emit` then gets
/// them as [`Wide`]); `emit` adds the layer's own record to the builder.
pub fn write_weighted(
    n: &Node,
    cx: &mut WriteCtx,
    (w, bias): (&[f32], &[f32]),
    depthwise: bool,
    bits: u32,
    emit: impl FnOnce(&mut ModelBuilder, TensorId, TensorId, &WeightedDef, Option<Wide>),
) -> Result<()> {
    let (act, quants) = (cx.act, cx.quants);
    let x = n.inputs[0];
    let out_t = cx.fused.map_or(n.output, |a| a.output);
    let channels = bias.len();
    let s_in = quants[x].scale as f64;
    let wide = bits == 16 && !depthwise;
    let (wq, w16, ws) = if wide {
        let (q, s) = weight_quant_16(w, channels);
        (Vec::new(), q, s)
    } else {
        let (q, s) = weight_quant(w, bias, s_in, depthwise);
        (q, Vec::new(), s)
    };
    let as_i32: Vec<i32> =
        if wide { w16.iter().map(|&v| v as i32).collect() } else { wq.iter().map(|&v| v as i32).collect() };
    let correction = bias_correction(w, &as_i32, &ws, &cx.cal.channel_mean[x], depthwise);
    // The scale the accumulator is requantized to: the layer's own output
    // (pre-activation) when a kernel is fused, else the output.
    let mut clamp = None;
    let mut kernel = None;
    let mut acc_out = quants[n.output];
    if let Some(a) = cx.fused {
        let Op::Act(crate::layers::activation::Act { f }) = &a.op else {
            bail!("layer '{}': only an activation can be fused into it", n.name);
        };
        if let Some(hi) = is_clamp_relu(f) {
            acc_out = quants[out_t];
            let qo = quants[out_t];
            let hi = hi.map_or(act.max(), |h| quantize_value(h, act, qo));
            clamp = Some((qo.zero_point.max(act.min()), hi));
            cx.report.activation = Some(ActivationReport::clamp(&format!("{f}"), hi != act.max()));
        } else {
            (cx.progress)(&format!("lowering activation of {}", n.name));
            let (qi, qo) = (quants[n.output], quants[out_t]);
            let calibrated = cx.cal.ranges[n.output];
            let (f, l) = lower_calibrated(f, (act, qi), (act, qo), calibrated, cx.lower, &mut *cx.progress)
                .with_context(|| format!("layer '{}': activation {f}", a.name))?;
            let kid = cx.b.kernel(&l.kernel);
            cx.report.activation = Some(ActivationReport::from_lowered(&f, &l, kid.0 as usize, (act, qi), qo));
            kernel = Some(kid);
        }
    }
    let mut mults = Vec::with_capacity(channels);
    let mut shifts = Vec::with_capacity(channels);
    let mut real_bias = Vec::with_capacity(channels);
    for c in 0..channels {
        let real = s_in * ws[c] / acc_out.scale as f64;
        let (m, s) = quantize_multiplier(real)
            .filter(|_| real > 0.0)
            .ok_or_else(|| anyhow!("layer '{}': output channel {c} rescale {real:e} is not representable", n.name))?;
        mults.push(m);
        shifts.push(s);
        real_bias.push((bias[c] as f64 - correction[c]) / (s_in * ws[c]));
    }
    // A 16×16 accumulator's unit is tiny: its bias is stored in units of
    // 2^bias_shift, the smallest shift that fits it in the i32 field.
    let max_bias = real_bias.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let bias_shift =
        if wide { (0..=31u32).find(|&k| max_bias / 2f64.powi(k as i32) <= (1 << 30) as f64).unwrap_or(32) } else { 0 };
    let mut bq = Vec::with_capacity(channels);
    for (c, bv) in real_bias.iter().enumerate() {
        let bv = (bv / 2f64.powi(bias_shift as i32)).round();
        if bias_shift > 31 || bv.abs() > i32::MAX as f64 / 2.0 {
            bail!("layer '{}': bias of channel {c} does not fit the int32 accumulator at this input scale", n.name);
        }
        bq.push(bv as i32);
    }
    let wd = WeightedDef { weights: &wq, bias: &bq, multipliers: &mults, shifts: &shifts, clamp, kernel };
    emit(cx.b, cx.ids[x], cx.ids[out_t], &wd, wide.then_some(Wide { weights: &w16, bias_shift }));
    cx.report.weight_bytes = wq.len() + 2 * w16.len() + 12 * channels;
    cx.report.fused = cx.fused.is_some();
    Ok(())
}
