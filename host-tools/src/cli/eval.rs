//! `polyact eval`: the float model against the quantized one on real data.

use super::progress::bar;
use anyhow::{bail, Context, Result};
use polyact_tools::layer_error::layer_errors;
use polyact_tools::report::{read_report, report_path};
use polyact_tools::{data, eval, saturation};
use std::path::PathBuf;

/// Accuracy of the float model vs the quantized model on real data.
#[derive(clap::Args)]
pub struct Args {
    pub model: PathBuf,
    #[arg(long)]
    pub onnx: PathBuf,
    #[arg(long)]
    pub data: PathBuf,
    /// Class labels (.npy int64) for classification accuracy.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Real targets (.npy float32) for regression error.
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(Args { model, onnx, data: data_path, labels, targets, json }: Args) -> Result<()> {
    let blob = polyact_tools::report::read_blob(&model)?;
    let m = polyact::Model::from_bytes(&blob).map_err(|e| anyhow::anyhow!("{}: {e}", model.display()))?;
    let ti = m.input().map_err(|e| anyhow::anyhow!("{e}"))?;
    let dims = ti.dims[..ti.rank].to_vec();
    let samples = data::read_samples(&data_path, ti.len())?;
    let labels = labels.map(|p| data::read_labels(&p).map(|l| (p, l))).transpose()?;
    let out_len = m.output().map_err(|e| anyhow::anyhow!("{e}"))?.len();
    let targets = targets.map(|p| data::read_rows(&p, out_len, "the model output").map(|t| (p, t))).transpose()?;
    if let Some((p, l)) = &labels {
        if l.len() != samples.len() {
            bail!("{}: {} labels for the {} samples of {}", p.display(), l.len(), samples.len(), data_path.display());
        }
    }
    if let Some((p, t)) = &targets {
        if t.len() != samples.len() {
            bail!("{}: {} targets for the {} samples of {}", p.display(), t.len(), samples.len(), data_path.display());
        }
    }
    let pb = bar(samples.len() as u64 * 2, "evaluating");
    let fl = eval::float_outputs(&onnx, &dims, &samples, || pb.inc(1))?;
    let qu = eval::quantized_outputs(&blob, &samples, || pb.inc(1))?;
    pb.finish_and_clear();
    let c = eval::compare(
        &fl,
        &qu,
        labels.as_ref().map(|(_, l)| l.as_slice()),
        targets.as_ref().map(|(_, t)| t.as_slice()),
    )
    .with_context(|| labels.as_ref().map_or(String::new(), |(p, _)| p.display().to_string()))?;
    let rp = report_path(&model);
    let (hits, layers) = match read_report(&model)? {
        Some(report) => {
            let g = polyact_tools::onnx::import(&onnx)?;
            let hits = saturation::range_hits(&g, &report, &samples).with_context(|| format!("{}", rp.display()))?;
            let layers = layer_errors(&g, &report, &blob, &samples).with_context(|| format!("{}", rp.display()))?;
            (Some(hits), Some(layers))
        }
        None => (None, None),
    };
    if json {
        let v = serde_json::json!({ "comparison": c, "saturation": hits, "layers": layers });
        out!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    out!("samples            {}", c.samples);
    if let (Some(f), Some(q)) = (c.float_accuracy, c.quant_accuracy) {
        out!("accuracy           float {:.4}  quantized {:.4}  (delta {:+.2} points)", f, q, 100.0 * (q - f));
    }
    if let (Some(f), Some(q)) = (c.float_mse_vs_labels, c.quant_mse_vs_labels) {
        out!("mse vs targets     float {f:.6}  quantized {q:.6}");
    }
    out!("top-1 agreement    {:.4}", c.top1_agreement);
    if c.float_ties + c.quant_ties > 0 {
        out!(
            "top-1 ties         {} float, {} quantized samples share their largest output (the first index counts)",
            c.float_ties,
            c.quant_ties
        );
    }
    out!("output error       max {:.6}  mean {:.6}", c.max_abs_error, c.mean_abs_error);
    if let Some(layers) = &layers {
        out!("per-layer error    each layer's output against the float model on these samples (SNR, dB), next to");
        out!("                   the floor rounding and saturation alone leave at its width; far below: weights or requantization");
        out!("{}", polyact_tools::layer_error::table(layers));
    }
    match hits {
        None => out!("saturation         not checked: no quantization report {}", rp.display()),
        Some(h) => {
            let past: Vec<_> = h.iter().filter(|r| r.outside > 0).collect();
            if past.is_empty() {
                out!("saturation         none: every value of the {} tensors checked is inside its range", h.len());
            }
            for r in past {
                out!(
                    "saturation         layer '{}' {}: {} of {} values ({:.3} %) past [{:.4}, {:.4}]; worst sample {} ({:.4}) - try --headroom",
                    r.layer,
                    r.tensor,
                    r.outside,
                    r.values,
                    100.0 * r.outside as f64 / r.values.max(1) as f64,
                    r.range.0,
                    r.range.1,
                    r.worst_sample,
                    r.worst_value
                );
            }
        }
    }
    Ok(())
}
