//! `polyact eval`: the float model against the quantized one on real data.

use super::progress::bar;
use anyhow::{Context, Result};
use polyact_tools::{data, eval};
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
    let blob = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
    let m = polyact::Model::from_bytes(&blob).map_err(|e| anyhow::anyhow!("{}: {e}", model.display()))?;
    let ti = m.input().map_err(|e| anyhow::anyhow!("{e}"))?;
    let dims = ti.dims[..ti.rank].to_vec();
    let samples = data::read_samples(&data_path, ti.len())?;
    let labels = labels.map(|p| data::read_labels(&p)).transpose()?;
    let out_len = m.output().map_err(|e| anyhow::anyhow!("{e}"))?.len();
    let targets = targets.map(|p| data::read_samples(&p, out_len)).transpose()?;
    let pb = bar(samples.len() as u64 * 2, "evaluating");
    let fl = eval::float_outputs(&onnx, &dims, &samples, || pb.inc(1))?;
    let qu = eval::quantized_outputs(&blob, &samples, || pb.inc(1))?;
    pb.finish_and_clear();
    let c = eval::compare(&fl, &qu, labels.as_deref(), targets.as_deref())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&c)?);
    } else {
        println!("samples            {}", c.samples);
        if let (Some(f), Some(q)) = (c.float_accuracy, c.quant_accuracy) {
            println!("accuracy           float {:.4}  quantized {:.4}  (delta {:+.2} points)", f, q, 100.0 * (q - f));
        }
        if let (Some(f), Some(q)) = (c.float_mse_vs_labels, c.quant_mse_vs_labels) {
            println!("mse vs targets     float {f:.6}  quantized {q:.6}");
        }
        println!("top-1 agreement    {:.4}", c.top1_agreement);
        println!("output error       max {:.6}  mean {:.6}", c.max_abs_error, c.mean_abs_error);
    }
    Ok(())
}
