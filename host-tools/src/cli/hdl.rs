//! `polyact hdl`: an activation as a pipelined Verilog core, from a model
//! layer or a fitted function, checked and optionally synthesized.

use super::args::{parse_bits, parse_range};
use super::fit::{fit_cmd, FitArgs};
use anyhow::{bail, Context, Result};
use polyact_hdl::network::Lanes;
use polyact_hdl::synth::Device;
use polyact_tools::hdl::{from_fit, from_model, report_table, HdlJob};
use polyact_tools::hdl_network::{build_network, NetJob};
use polyact_tools::lower::LowerOpts;
use std::path::PathBuf;

/// A model as a whole-network streaming design, or one activation as a
/// pipelined core (rust-hdl) — bit-exact with the runtime either way.
#[derive(clap::Args)]
pub struct Args {
    /// A quantized model (.pam): the whole network, or with --layer one activation.
    #[arg(required_unless_present = "fit", conflicts_with = "fit")]
    pub model: Option<PathBuf>,
    /// Op index (as `polyact inspect` lists them) whose activation to build
    /// as a core; without it, the whole network.
    #[arg(long, requires = "model")]
    pub layer: Option<usize>,
    /// Network: multiplier lanes per layer — a count for every layer, one
    /// count per layer (`4,2,1`), or `full` (one lane per output channel).
    /// Core: parallel lanes (one count; each lane has its own DSP blocks and ROMs).
    #[arg(long, default_value = "1", value_parser = Lanes::parse)]
    pub lanes: Lanes,
    /// Network: float test inputs (.npy, one row per inference) to check the
    /// design on; default: pseudo-random int8 inputs.
    #[arg(long, conflicts_with = "layer")]
    pub inputs: Option<PathBuf>,
    /// Network: simulate at most this many inferences.
    #[arg(long, default_value_t = 2000, conflicts_with = "layer")]
    pub max_inputs: usize,
    /// Coefficient set of a per-channel kernel.
    #[arg(long, default_value_t = 0)]
    pub channel: usize,
    /// Core: hold every coefficient set of a per-channel kernel, selected by a
    /// `channel` input (DSP polynomial cores).
    #[arg(long, conflicts_with = "channel")]
    pub all_channels: bool,
    /// Core: the general pipelined core (rust-hdl) even where the kernel fits
    /// the DSP core (one multiply-add per degree).
    #[arg(long)]
    pub general_core: bool,
    /// Lower this function first (as `polyact fit` does), then build it.
    #[arg(long)]
    pub fit: Option<String>,
    #[command(flatten)]
    pub q: OptFitArgs,
    /// Output directory for the core, its test bench, vectors and README.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Verilog module name (default: from the function or the layer).
    #[arg(long)]
    pub name: Option<String>,
    /// Carry-chain bits per clock in the pipelined adders (shorter: faster, more registers).
    #[arg(long, default_value_t = polyact_hdl::spec::DEFAULT_CHUNK_BITS)]
    pub chunk_bits: usize,
    /// Skip the rust-hdl and Icarus co-simulations and the Verilator lint.
    #[arg(long)]
    pub no_check: bool,
    /// Synthesize (yosys) and place-and-route (nextpnr) for iCE40 UP5K and ECP5-25k.
    #[arg(long)]
    pub report: bool,
    /// With --report: only these devices (repeatable; default both).
    #[arg(long, value_enum, requires = "report")]
    pub device: Vec<DeviceArg>,
}

/// A device `--report` synthesizes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceArg {
    /// iCE40 UP5K (SG48).
    Ice40,
    /// ECP5 LFE5U-25F (CABGA256).
    Ecp5,
}

/// The devices `--report` (and `--device`) ask for.
fn report_devices(report: bool, device: &[DeviceArg]) -> Vec<Device> {
    match (report, device.is_empty()) {
        (false, _) => Vec::new(),
        (true, true) => Device::ALL.to_vec(),
        (true, false) => Device::ALL
            .into_iter()
            .filter(|d| device.contains(&if *d == Device::Ice40Up5k { DeviceArg::Ice40 } else { DeviceArg::Ecp5 }))
            .collect(),
    }
}

/// [`FitArgs`] for `hdl`, where they apply only with `--fit`.
#[derive(clap::Args)]
pub struct OptFitArgs {
    #[arg(long, default_value_t = 16, value_parser = parse_bits)]
    pub in_bits: u32,
    /// Real input range LO,HI of the --fit function.
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true, requires = "fit")]
    pub range: Option<(f64, f64)>,
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true, requires = "fit")]
    pub out_range: Option<(f64, f64)>,
    #[arg(long, value_parser = parse_bits)]
    pub out_bits: Option<u32>,
    #[arg(long, default_value_t = LowerOpts::default().error_lsb, value_parser = super::args::parse_error_lsb)]
    pub error_lsb: f64,
    /// Highest polynomial degree to fit: each degree is a pipelined multiply
    /// stage (DSP blocks); segments only grow the coefficient ROMs.
    #[arg(long, default_value_t = 2)]
    pub max_degree: usize,
}

/// A Verilog module name from free text: `tanh(x)` → `polyact_tanh_x`.
fn module_name(text: &str) -> String {
    let mut s = String::from("polyact_");
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    s.trim_end_matches('_').chars().take(48).collect()
}

pub fn run(args: Args) -> Result<()> {
    if let Some(n) = &args.name {
        polyact_hdl::emit::check_module_name(n).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    }
    match (&args.model, args.layer) {
        (Some(_), None) => network(args),
        _ => core(args),
    }
}

/// `polyact hdl MODEL.pam -o DIR`: the whole network.
fn network(Args { model, lanes, inputs, max_inputs, out, name, no_check, report, device, .. }: Args) -> Result<()> {
    let model = model.context("a model is needed")?;
    let stem = model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let job = NetJob {
        out,
        name: name.unwrap_or_else(|| module_name(&format!("{stem}_net"))),
        lanes,
        inputs,
        max_inputs,
        check: !no_check,
        report: report_devices(report, &device),
    };
    let o = build_network(&model, &job)?;
    out_raw!("{}", o.describe);
    out!("design     {} ({} MACs per inference, lanes {})", job.name, o.macs, o.lanes);
    if let Some((free, stalled)) = &o.benches {
        out!(
            "checked    {} inferences byte-identical with the runtime in Icarus, free-running and stalling streams ({} and {} mismatches)",
            o.inferences,
            free.mismatches,
            stalled.mismatches
        );
        out!(
            "timing     latency {} clocks, {:.1} clocks per inference streaming",
            free.latency,
            free.cycles_per_inference()
        );
    }
    if !o.reports.is_empty() {
        out_raw!("{}", polyact_tools::hdl_network::report_table(&o));
    }
    out!("wrote      {}", job.out.display());
    Ok(())
}

/// One activation as a core, from a model layer or a fitted function.
fn core(
    Args {
        model,
        layer,
        channel,
        all_channels,
        general_core,
        lanes,
        fit,
        q,
        out,
        name,
        chunk_bits,
        no_check,
        report,
        device,
        ..
    }: Args,
) -> Result<()> {
    let lanes = match lanes {
        Lanes::Each(n) => n,
        other => bail!("--lanes {other:?}: a core takes one lane count"),
    };
    let mut job = HdlJob {
        lanes,
        all_channels,
        general: general_core,
        out,
        name: String::new(),
        channel,
        chunk_bits,
        check: !no_check,
        report: report_devices(report, &device),
    };
    let outcome = match (model, fit) {
        (Some(model), _) => {
            let layer = layer.context("pick the activation with --layer N (see `polyact inspect`)")?;
            let stem = model.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            job.name = name.unwrap_or_else(|| module_name(&format!("{stem}_layer{layer}")));
            from_model(&model, layer, &job)?
        }
        (None, Some(function)) => {
            let range = q.range.context("--fit needs the real input range: --range LO,HI")?;
            let args = FitArgs {
                in_bits: q.in_bits,
                range,
                out_range: q.out_range,
                out_bits: q.out_bits,
                error_lsb: q.error_lsb,
                max_degree: q.max_degree,
                // The HDL core implements uniform segments; unless the
                // general core is asked for, one DSP multiply-add per degree.
                uniform: true,
                fpga_core: !general_core,
            };
            let fitted = fit_cmd(&function, &args)?;
            let l = &fitted.lowered;
            out!(
                "kernel     {} ({} bytes of coefficients), certified max {:.4} LSB",
                l.method,
                l.coef_bytes,
                l.max_err
            );
            job.name = name.unwrap_or_else(|| module_name(&function));
            from_fit(&fitted, &job)?
        }
        (None, None) => bail!("give a model and --layer, or --fit FUNCTION"),
    };
    out!("core       {} ({})", job.name, outcome.describe());
    out!("latency    {} cycles, one result per clock", outcome.latency());
    if job.check {
        out!("checked    {}", outcome.checked());
    }
    if !outcome.reports.is_empty() {
        out_raw!("{}", report_table(&outcome));
    }
    out!("wrote      {}", job.out.display());
    Ok(())
}
