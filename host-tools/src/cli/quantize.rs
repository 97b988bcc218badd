//! `polyact quantize`: ONNX in, calibrated and certified model blob out.

use super::args::{dtype, parse_bits, parse_headroom, parse_percentile};
use super::progress::bar;
use anyhow::{bail, Result};
use polyact_tools::lower::LowerOpts;
use polyact_tools::quantize::{calibrate, quantize, QuantOpts, RangeMode};
use polyact_tools::report::report_path;
use polyact_tools::{data, inspect, onnx};
use std::path::PathBuf;

/// Import an ONNX model, calibrate on real samples, lower and certify every activation, write a model blob.
#[derive(clap::Args)]
pub struct Args {
    pub model: PathBuf,
    /// Calibration samples (.npy, float32, first axis = sample).
    #[arg(long)]
    pub calib: PathBuf,
    /// Activation width.
    #[arg(long, default_value_t = 8, value_parser = parse_bits)]
    pub act_bits: u32,
    /// Largest certified activation error, in output LSBs (0.5 = correctly rounded).
    #[arg(long, default_value_t = LowerOpts::default().error_lsb, value_parser = super::args::parse_error_lsb)]
    pub error_lsb: f64,
    /// Calibrate with this percentile of |values| instead of min/max (0 < P ≤ 100, e.g. 99.99).
    #[arg(long, value_parser = parse_percentile)]
    pub percentile: Option<f64>,
    /// Widen every calibrated range by this fraction at both ends (0.25 =
    /// 25 % more range, a quarter less resolution), for inputs larger than any calibration sample.
    #[arg(long, default_value_t = 0.0, value_parser = parse_headroom)]
    pub headroom: f64,
    /// Dense weight width: 8 (16×8 at int16), or 16 (16×16 products) for
    /// models whose int8 weights dominate the error — the per-layer report
    /// shows it as layers far below their floor (a SIREN).
    #[arg(long, default_value_t = 8, value_parser = parse_weight_bits)]
    pub weight_bits: u32,
    /// Lower fitted activations for FPGA cores (`polyact hdl --layer`): at
    /// most 256 uniform segments of degree ≤ 2 with accumulators one DSP
    /// multiply-add holds, so each becomes two DSP blocks. The MCU runs the
    /// same kernels, bit for bit.
    #[arg(long)]
    pub fpga_cores: bool,
    #[arg(short, long)]
    pub output: PathBuf,
}

fn parse_weight_bits(s: &str) -> Result<u32, String> {
    parse_bits(s).map_err(|_| format!("'{s}': weight width must be 8 or 16"))
}

/// Calibration samples the per-layer error report runs on.
const MAX_ERROR_SAMPLES: usize = 256;

pub fn run(
    Args { model, calib, act_bits, error_lsb, percentile, headroom, weight_bits, fpga_cores, output }: Args,
) -> Result<()> {
    let g = onnx::import(&model)?;
    let samples = data::read_samples(&calib, g.tensors[g.input].len())?;
    if samples.is_empty() {
        bail!("{}: no calibration samples", calib.display());
    }
    let pb = bar(samples.len() as u64, "calibrating");
    let mode = percentile.map_or(RangeMode::MinMax, RangeMode::Percentile);
    let cal = calibrate(&g, &samples, mode, || pb.inc(1))?;
    pb.finish_and_clear();
    let mut lower = LowerOpts { error_lsb, ..LowerOpts::default() };
    if fpga_cores {
        lower = lower.two_dsp_cores();
    }
    let opts = QuantOpts { act: dtype(act_bits), range: mode, headroom, lower, dense_weight_bits: weight_bits };
    let spin = bar(0, "lowering");
    let mut q = quantize(&g, &cal, &opts, |m| spin.set_message(m.to_string()))?;
    spin.finish_and_clear();
    // Where the error goes, layer by layer, on (up to 256 of) the calibration samples.
    let measured = &samples[..samples.len().min(MAX_ERROR_SAMPLES)];
    q.report.layer_errors = Some(polyact_tools::layer_error::layer_errors(&g, &q.report, &q.blob, measured)?);
    polyact_tools::report::write_model(&output, &q.blob, &q.report)?;
    out_raw!("{}", inspect::describe(&q.blob, Some(&q.report))?);
    out!("wrote {} ({} bytes) and {}", output.display(), q.blob.len(), report_path(&output).display());
    Ok(())
}
