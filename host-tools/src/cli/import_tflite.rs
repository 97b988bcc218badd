//! `polyact import-tflite`: an int8 `.tflite` model as a polyact blob.

use anyhow::{Context, Result};
use polyact_tools::tflite;
use std::path::PathBuf;

/// Import an integer-quantized TFLite model (its own scales and zero
/// points, no calibration) and write a model blob.
#[derive(clap::Args)]
pub struct Args {
    /// The .tflite flatbuffer.
    pub model: PathBuf,
    /// Output model blob (.pam).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(Args { model, output }: Args) -> Result<()> {
    let imp = tflite::import_file(&model)?;
    let names: Vec<&str> = imp.ops.iter().map(|(_, n)| *n).collect();
    out!("{}: {} operators ({})", model.display(), names.len(), names.join(", "));
    for (what, (dt, q, shape)) in [("input", &imp.input), ("output", &imp.output)] {
        out!("{what}: {dt:?} {shape:?}, scale {:e}, zero point {}", q.scale, q.zero_point);
    }
    if imp.rounding.is_empty() {
        out!(
            "every operator has TFLite's integer semantics: outputs are TFLite's reference interpreter's, bit for bit"
        );
    } else {
        out!("operators whose result may differ from TFLite's by rounding:");
        for r in &imp.rounding {
            out!("  {r}");
        }
    }
    std::fs::write(&output, &imp.blob).with_context(|| format!("writing {}", output.display()))?;
    out!("wrote {} ({} bytes)", output.display(), imp.blob.len());
    Ok(())
}
