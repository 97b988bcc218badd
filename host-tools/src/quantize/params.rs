//! Quantization parameters: tensor scales and zero points from ranges,
//! per-channel int8 weights, bias correction, and recognising activations a
//! weighted layer's clamp does exactly.

use crate::expr::Expr;
use polyact::{DType, Quant};

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

/// `Some(None)` for ReLU, `Some(Some(6))` for ReLU6: activations the
/// output clamp of a weighted layer computes exactly.
pub fn is_clamp_relu(f: &Expr) -> Option<Option<f64>> {
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

/// Symmetric per-channel int16 weights (`±32767`), for 16×16 layers: their
/// bias is scaled by a shift instead (see `dense_w16`), so no channel's
/// scale is coarsened for it.
pub fn weight_quant_16(w: &[f32], channels: usize) -> (Vec<i16>, Vec<f64>) {
    let per = w.len() / channels.max(1);
    let scales: Vec<f64> = (0..channels)
        .map(|c| {
            let m = w[c * per..(c + 1) * per].iter().fold(0.0f64, |a, &v| a.max(v.abs() as f64));
            if m > 0.0 {
                m / 32767.0
            } else {
                1.0
            }
        })
        .collect();
    let q =
        w.iter().enumerate().map(|(i, &v)| (v as f64 / scales[i / per.max(1)]).round().clamp(-32767.0, 32767.0) as i16);
    (q.collect(), scales)
}

/// Symmetric per-channel int8 weights. A channel whose weights are tiny next
/// to its bias gets a coarser scale so the bias still fits comfortably in the
/// int32 bias field (`|bias_q| ≤ 2^29`).
pub fn weight_quant(w: &[f32], bias: &[f32], s_in: f64, depthwise: bool) -> (Vec<i8>, Vec<f64>) {
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

/// Expected output shift that weight rounding introduces, per output channel:
/// `Σ (w_q·s − w) · E[x]` over the channel's weights (bias correction, so the
/// quantized layer is unbiased on the calibration distribution).
pub fn bias_correction(w: &[f32], wq: &[i32], ws: &[f64], mean_in: &[f64], depthwise: bool) -> Vec<f64> {
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
