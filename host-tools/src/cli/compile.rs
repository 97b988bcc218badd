//! `polyact compile`: a model as Rust source for a firmware of your own.

use super::flash::{compiled_summary, model_name};
use anyhow::{Context, Result};
use polyact_tools::compile;
use std::path::PathBuf;

/// Generate the Rust source of a model compiled into firmware (the
/// `compiled` feature of the QEMU firmware reads it from POLYACT_MODEL_RS).
#[derive(clap::Args)]
pub struct Args {
    pub model: PathBuf,
    /// Output .rs file.
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(Args { model, output }: Args) -> Result<()> {
    let blob = polyact_tools::report::read_blob(&model)?;
    let g = compile::generate(&blob, &model_name(&model)).with_context(|| format!("{}", model.display()))?;
    std::fs::write(&output, &g.source).with_context(|| format!("writing {}", output.display()))?;
    out!("{}", compiled_summary(&g));
    out!(
            "wrote {}: build it in with `POLYACT_MODEL_RS={} POLYACT_BOARD=qemu-m4 cargo build --release -p polyact-fw-qemu --target thumbv7em-none-eabihf --features compiled` in firmware/boards",
            output.display(),
            output.display()
        );
    Ok(())
}
