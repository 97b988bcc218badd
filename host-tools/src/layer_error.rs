//! Where a quantized model's error comes from, layer by layer. The runtime
//! runs the blob one op at a time on the user's samples; each op's output,
//! dequantized, is compared with the float graph's tensor. The error a layer
//! shows carries everything before it; next to it is the floor that rounding
//! alone (and saturation at the calibrated range) leaves in the layer's
//! integer type. The first layer far below its floor, or where the SNR
//! drops, is where the accuracy goes: its weights, its requantization or its
//! activation, not the tensor width.

use crate::float_eval;
use crate::ir::Graph;
use crate::report::Report;
use crate::saturation::written_layers;
use anyhow::{anyhow, bail, Result};
use polyact::writer::quantize_value;
use polyact::{interpreter, Model};

/// One layer's output against the float model, over all samples.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct LayerError {
    pub layer: String,
    /// Values compared (elements × samples).
    pub values: usize,
    pub max_abs: f64,
    pub rms: f64,
    /// Signal-to-error ratio of the output: `10·log10(Σ f² / Σ (q − f)²)`.
    pub snr_db: f64,
    /// The same for the float values rounded into the layer's integer type:
    /// the best any layer could do at this width and range.
    pub floor_snr_db: f64,
}

fn db(signal: f64, noise: f64) -> f64 {
    if noise == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (signal / noise).log10()
    }
}

/// Per-layer error of `blob` (quantized from `g` as `report` says) on `samples`.
pub fn layer_errors(g: &Graph, report: &Report, blob: &[u8], samples: &[Vec<f32>]) -> Result<Vec<LayerError>> {
    let layers = written_layers(g, report)?;
    let model = Model::from_bytes(blob).map_err(|e| anyhow!("model blob: {e}"))?;
    if model.n_ops() != layers.len() {
        bail!("the blob has {} ops, its report {} layers", model.n_ops(), layers.len());
    }
    let ti = model.input().map_err(|e| anyhow!("{e}"))?;
    let outs = (0..model.n_ops())
        .map(|i| {
            let rec =
                model.op_records().nth(i).ok_or_else(|| anyhow!("op {i} missing"))?.map_err(|e| anyhow!("{e}"))?;
            let last = rec.n_tensors().checked_sub(1).ok_or_else(|| anyhow!("op {i} has no tensors"))?;
            model.tensor(rec.tensor(last)).map_err(|e| anyhow!("{e}"))
        })
        .collect::<Result<Vec<_>>>()?;
    // Σ f², Σ (q − f)², Σ (round(f) − f)², max |q − f|, count
    let mut acc = vec![(0.0f64, 0.0f64, 0.0f64, 0.0f64, 0usize); layers.len()];
    let mut arena = vec![0u8; model.arena_size()];
    for (s, x) in samples.iter().enumerate() {
        if x.len() != ti.len() {
            bail!("sample {s} has {} values, the model input has {}", x.len(), ti.len());
        }
        let input = arena.get_mut(ti.range()).ok_or_else(|| anyhow!("input outside the arena"))?;
        for (k, &v) in x.iter().enumerate() {
            ti.dtype.store(input, k, quantize_value(v as f64, ti.dtype, ti.quant));
        }
        let float = float_eval::eval(g, x)?;
        for (i, (&(_, t), out)) in layers.iter().zip(&outs).enumerate() {
            interpreter::run_op_index(&model, i, &mut arena).map_err(|e| anyhow!("op {i} on sample {s}: {e}"))?;
            let want = &float[t];
            if want.len() != out.len() {
                continue;
            }
            let bytes = arena.get(out.range()).ok_or_else(|| anyhow!("op {i}'s output outside the arena"))?;
            let deq = |v: i32| out.quant.scale as f64 * (v - out.quant.zero_point) as f64;
            let a = &mut acc[i];
            for (k, &f) in want.iter().enumerate() {
                let e = deq(out.dtype.load(bytes, k)) - f;
                let r = deq(quantize_value(f, out.dtype, out.quant)) - f;
                *a = (a.0 + f * f, a.1 + e * e, a.2 + r * r, a.3.max(e.abs()), a.4 + 1);
            }
        }
    }
    Ok(layers
        .iter()
        .zip(&acc)
        .zip(&report.layers)
        .map(|((_, &(sig, err, floor, max_abs, n)), l)| LayerError {
            layer: l.name.clone(),
            values: n,
            max_abs,
            rms: (err / n.max(1) as f64).sqrt(),
            snr_db: db(sig, err),
            floor_snr_db: db(sig, floor),
        })
        .collect())
}

/// The errors as a text table (one line per layer), for `eval` and `inspect`.
pub fn table(errors: &[LayerError]) -> String {
    let mut s = format!("  {:<3} {:<40} {:>9} {:>10} {:>12}", "#", "layer", "SNR (dB)", "floor (dB)", "max |error|");
    let db = |v: f64| if v.is_finite() { format!("{v:.1}") } else { "exact".into() };
    for (i, e) in errors.iter().enumerate() {
        let name: String = e.layer.chars().take(40).collect();
        s.push_str(&format!(
            "\n  {i:<3} {name:<40} {:>9} {:>10} {:>12.6}",
            db(e.snr_db),
            db(e.floor_snr_db),
            e.max_abs
        ));
    }
    s
}
