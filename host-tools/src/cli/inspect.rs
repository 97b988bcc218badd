//! `polyact inspect`: layers, sizes and certificates of a model blob, and plots.

use anyhow::{bail, Context, Result};
use polyact_tools::report::{read_report, report_path, Report};
use polyact_tools::{inspect, plot};
use std::path::{Path, PathBuf};

/// Layers, shapes, MACs, weight and arena bytes, and each activation's kernel and certificate.
#[derive(clap::Args)]
pub struct Args {
    pub model: PathBuf,
    /// Write one SVG plot per activation kernel into this directory.
    #[arg(long)]
    pub plot_dir: Option<PathBuf>,
}

pub fn run(Args { model, plot_dir }: Args) -> Result<()> {
    let blob = polyact_tools::report::read_blob(&model)?;
    let rp = report_path(&model);
    let report = read_report(&model)?;
    out_raw!("{}", inspect::describe(&blob, report.as_ref()).with_context(|| format!("{}", model.display()))?);
    if let Some(dir) = plot_dir {
        plot_report(&blob, report.as_ref(), &dir, &rp)?;
    }
    Ok(())
}

/// One SVG per certified activation of a quantized model.
fn plot_report(blob: &[u8], report: Option<&Report>, dir: &Path, rp: &Path) -> Result<()> {
    let Some(report) = report else { bail!("plots need the quantization report {}", rp.display()) };
    std::fs::create_dir_all(dir).with_context(|| format!("creating the plot directory {}", dir.display()))?;
    let m = polyact::Model::from_bytes(blob).map_err(|e| anyhow::anyhow!("{e}"))?;
    for (i, l) in report.layers.iter().enumerate() {
        let Some(a) = &l.activation else { continue };
        let (Some(f), Some(k), Some(qi), Some(qo)) = (&a.expr, a.kernel_index, a.in_quant, a.out_quant) else {
            continue;
        };
        let kernel = m.kernel(k).map_err(|e| anyhow::anyhow!("{e}"))?;
        let p = dir.join(format!("op{i:02}_kernel{k}.svg"));
        let title = format!("op {i} {}: {}", l.name, a.method);
        plot::plot_kernel(&p, &title, f, &kernel, 0, qi.into(), qo.into())?;
        out!("plot {}", p.display());
    }
    Ok(())
}
