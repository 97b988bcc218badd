//! `polyact flash`: run a model on an emulated board (QEMU), or write it to a
//! real board through probe-rs — from its partition or compiled in.

use super::args::{board_names, parse_addr, parse_count};
use anyhow::{bail, Context, Result};
use polyact_tools::{compile, data, flash};
use std::path::{Path, PathBuf};

/// Run a model on a microcontroller: an emulated Cortex-M board (QEMU), or
/// write it to a real board's model partition through a debug probe.
#[derive(clap::Args)]
pub struct Args {
    pub model: PathBuf,
    /// An emulated board (the QEMU lines of firmware/boards/boards.txt).
    #[arg(long, default_value = "qemu-m4", conflicts_with = "chip", value_parser = board_names())]
    pub board: String,
    /// A real chip, by its probe-rs name (the real boards of firmware/boards/boards.txt,
    /// e.g. STM32F411CEUx, have polyact firmware): flash the model partition.
    #[arg(long)]
    pub chip: Option<String>,
    /// Model partition address on the chip (default: the board firmware's).
    #[arg(long, value_parser = parse_addr, requires = "chip")]
    pub model_addr: Option<u64>,
    /// Inputs (.npy float32); default: one all-zero input.
    #[arg(long)]
    pub inputs: Option<PathBuf>,
    /// Use at most this many inputs (at least 1).
    #[arg(long, value_parser = parse_count)]
    pub count: Option<usize>,
    /// Print per-layer instruction counts (QEMU -icount), flash, RAM and arena.
    #[arg(long)]
    pub profile: bool,
    /// Compile the model into the firmware image (`polyact compile`)
    /// instead of loading it into the model partition: one build per
    /// model, the smallest and fastest image (with --chip, the whole
    /// image is written).
    #[arg(long, conflicts_with = "model_addr")]
    pub compiled: bool,
}

pub fn run(a: Args) -> Result<()> {
    match a {
        Args { model, chip: Some(chip), compiled: true, .. } => {
            let blob = polyact_tools::report::read_blob(&model)?;
            let (fw, g) = flash::compiled_chip_firmware(&chip, &blob, &model_name(&model))
                .with_context(|| format!("{}", model.display()))?;
            out!("{}", compiled_summary(&g));
            let (fl, ram) =
                flash::elf_sizes(&std::fs::read(&fw.elf).with_context(|| format!("reading {}", fw.elf.display()))?)?;
            out!(
                "firmware: flash {fl} bytes (model compiled in), static RAM {ram} bytes (arena {} bytes included); {}",
                fw.info.arena,
                fw.elf.display()
            );
            flash::flash_image(&chip, &fw).with_context(|| format!("{}", model.display()))?;
            out!("flashed {chip} with {} compiled into its firmware", model.display());
        }
        Args { model, chip: Some(chip), model_addr, .. } => {
            let blob = polyact_tools::report::read_blob(&model)?;
            flash::flash_chip(&chip, &blob, model_addr).with_context(|| format!("{}", model.display()))?;
            out!("flashed {} ({} bytes) into the model partition of {chip}", model.display(), blob.len());
        }
        Args { model, board, inputs, count, profile, compiled, .. } => {
            flash_cmd(&model, &board, inputs.as_deref(), count, profile, compiled)?
        }
    }
    Ok(())
}

/// Which ops a compiled model runs as generated code and which through the interpreter.
pub fn compiled_summary(g: &compile::Generated) -> String {
    let n = g.n_ops - g.interpreted.len();
    if g.interpreted.is_empty() {
        return format!("compiled: all {n} ops as generated code");
    }
    let ops: Vec<String> = g.interpreted.iter().map(|(i, k)| format!("{i} ({k})")).collect();
    format!(
        "compiled: {n} of {} ops as generated code; the interpreter runs op {} from the blob the image carries",
        g.n_ops,
        ops.join(", ")
    )
}

/// A model's name for logs: its file stem.
pub fn model_name(model: &Path) -> String {
    model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into())
}

fn flash_cmd(
    model: &Path,
    board: &str,
    inputs: Option<&Path>,
    count: Option<usize>,
    profile: bool,
    compiled: bool,
) -> Result<()> {
    let blob = polyact_tools::report::read_blob(model)?;
    let m = polyact::Model::from_bytes(&blob).map_err(|e| anyhow::anyhow!("{}: {e}", model.display()))?;
    let b = flash::board(board)?;
    let fw = if compiled {
        let (fw, g) =
            flash::compiled_firmware(b, &blob, &model_name(model)).with_context(|| format!("{}", model.display()))?;
        out!("{}", compiled_summary(&g));
        fw
    } else {
        let fw = flash::firmware(b)?;
        flash::check_fits(b.name, &fw.info, &blob).with_context(|| format!("{}", model.display()))?;
        fw
    };
    let (ti, to) = (m.input().map_err(|e| anyhow::anyhow!("{e}"))?, m.output().map_err(|e| anyhow::anyhow!("{e}"))?);
    let mut samples = match inputs {
        Some(p) => data::read_samples(p, ti.len())?,
        None => vec![vec![0.0; ti.len()]],
    };
    if let Some(n) = count {
        samples.truncate(n);
    }
    let vectors = flash::quantize_inputs(&blob, &samples)?;
    let partition: &[u8] = if compiled { &[] } else { &blob };
    let run = flash::run_qemu(b, &fw, partition, &vectors, profile, std::time::Duration::from_secs(600))?;
    for l in &run.log {
        out!("[{}] {l}", b.name);
    }
    if run.exit_code != 0 {
        bail!("the firmware on {} exited with status {}", b.name, run.exit_code);
    }
    let per = to.bytes();
    for (i, out) in run.outputs.chunks(per.max(1)).take(5).enumerate() {
        let vals: Vec<String> = (0..to.len())
            .map(|k| format!("{:.4}", to.quant.scale * (to.dtype.load(out, k) - to.quant.zero_point) as f32))
            .collect();
        out!("output {i}: [{}]", vals.join(", "));
    }
    if profile {
        let elf_bytes = std::fs::read(&fw.elf).with_context(|| format!("reading {}", fw.elf.display()))?;
        let (fl, ram) = flash::elf_sizes(&elf_bytes)?;
        out!("{:<4} {:<18} {:>12} {:>14}", "op", "kind", "ticks", "instructions");
        for (i, op) in m.ops().enumerate() {
            let op = op.map_err(|e| anyhow::anyhow!("{e}"))?;
            let t = run.op_ticks.get(i).copied().unwrap_or(0);
            out!("{i:<4} {:<18} {t:>12} {:>14.0}", op.kind().name(), t as f64 * b.instructions_per_tick);
        }
        out!(
            "per inference: {} ticks = {:.0} instructions ({} under -icount shift=0)",
            run.mean_ticks,
            run.mean_ticks as f64 * b.instructions_per_tick,
            b.name
        );
        if compiled {
            out!(
                "firmware: flash {fl} bytes (model compiled in), static RAM {ram} bytes (arena {} bytes included)",
                fw.info.arena
            );
        } else {
            out!("firmware: flash {fl} bytes, static RAM {ram} bytes (arena {} bytes included); model {} bytes in its own partition; model arena {} bytes", fw.info.arena, blob.len(), m.arena_size());
        }
    }
    Ok(())
}
