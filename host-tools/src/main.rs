//! `polyact` — quantize ONNX models with learned and smooth activations for
//! Cortex-M and FPGA, with certified activation error.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use polyact::DType;
use polyact_hdl::synth::Device;
use polyact_tools::hdl::{from_fit, from_model, report_table, HdlJob};
use polyact_tools::lower::{fit_function, with_runtime_kernel, LowerOpts};
use polyact_tools::quantize::{calibrate, quantize, QuantOpts, RangeMode};
use polyact_tools::report::{report_path, Report};
use polyact_tools::{compile, data, eval, expr_parse, flash, inspect, onnx_import, plot};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "polyact", version, about = "Fixed-point deployment of networks with learned and smooth activations")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Import an ONNX model, calibrate on real samples, lower and certify every activation, write a model blob.
    Quantize {
        model: PathBuf,
        /// Calibration samples (.npy, float32, first axis = sample).
        #[arg(long)]
        calib: PathBuf,
        /// Activation width.
        #[arg(long, default_value_t = 8, value_parser = parse_bits)]
        act_bits: u32,
        /// Largest certified activation error, in output LSBs (0.5 = correctly rounded).
        #[arg(long, default_value_t = LowerOpts::default().error_lsb)]
        error_lsb: f64,
        /// Calibrate with this percentile of |values| instead of min/max (e.g. 99.99).
        #[arg(long)]
        percentile: Option<f64>,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Lower one activation function and print its certificate.
    Fit {
        /// A name (tanh, gelu, silu, mish, snake, ...) or an expression in x.
        function: String,
        #[command(flatten)]
        q: FitArgs,
        /// Write an SVG plot of f against the kernel and of the error curve.
        #[arg(long)]
        plot: Option<PathBuf>,
    },
    /// An activation as a pipelined Verilog core (rust-hdl), bit-exact with the
    /// runtime on every input: from a model layer, or from a function.
    Hdl {
        /// A quantized model (.pam); pick the activation with --layer.
        #[arg(required_unless_present = "fit", conflicts_with = "fit")]
        model: Option<PathBuf>,
        /// Op index (as `polyact inspect` lists them) whose activation to build.
        #[arg(long, requires = "model")]
        layer: Option<usize>,
        /// Coefficient set of a per-channel kernel.
        #[arg(long, default_value_t = 0)]
        channel: usize,
        /// Lower this function first (as `polyact fit` does), then build it.
        #[arg(long)]
        fit: Option<String>,
        #[command(flatten)]
        q: OptFitArgs,
        /// Output directory for the core, its test bench, vectors and README.
        #[arg(short, long)]
        out: PathBuf,
        /// Verilog module name (default: from the function or the layer).
        #[arg(long)]
        name: Option<String>,
        /// Carry-chain bits per clock in the pipelined adders (shorter: faster, more registers).
        #[arg(long, default_value_t = polyact_hdl::spec::DEFAULT_CHUNK_BITS)]
        chunk_bits: usize,
        /// Skip the rust-hdl and Icarus co-simulations and the Verilator lint.
        #[arg(long)]
        no_check: bool,
        /// Synthesize (yosys) and place-and-route (nextpnr) for iCE40 UP5K and ECP5-25k.
        #[arg(long)]
        report: bool,
    },
    /// Accuracy of the float model vs the quantized model on real data.
    Eval {
        model: PathBuf,
        #[arg(long)]
        onnx: PathBuf,
        #[arg(long)]
        data: PathBuf,
        /// Class labels (.npy int64) for classification accuracy.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Real targets (.npy float32) for regression error.
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a model on a microcontroller: an emulated Cortex-M board (QEMU), or
    /// write it to a real board's model partition through a debug probe.
    Flash {
        model: PathBuf,
        /// An emulated board (the QEMU lines of firmware/boards/boards.txt).
        #[arg(long, default_value = "qemu-m4", conflicts_with = "chip", value_parser = board_names())]
        board: String,
        /// A real chip, by its probe-rs name (the real boards of firmware/boards/boards.txt,
        /// e.g. STM32F411CEUx, have polyact firmware): flash the model partition.
        #[arg(long)]
        chip: Option<String>,
        /// Model partition address on the chip (default: the board firmware's).
        #[arg(long, value_parser = parse_addr)]
        model_addr: Option<u64>,
        /// Inputs (.npy float32); default: one all-zero input.
        #[arg(long)]
        inputs: Option<PathBuf>,
        /// Use at most this many inputs.
        #[arg(long)]
        count: Option<usize>,
        /// Print per-layer instruction counts (QEMU -icount), flash, RAM and arena.
        #[arg(long)]
        profile: bool,
        /// Compile the model into the firmware image (`polyact compile`)
        /// instead of loading it into the model partition: one build per
        /// model, the smallest and fastest image (with --chip, the whole
        /// image is written).
        #[arg(long, conflicts_with = "model_addr")]
        compiled: bool,
    },
    /// Generate the Rust source of a model compiled into firmware (the
    /// `compiled` feature of the QEMU firmware reads it from POLYACT_MODEL_RS).
    Compile {
        model: PathBuf,
        /// Output .rs file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Layers, shapes, MACs, weight and arena bytes, and each activation's kernel and certificate.
    Inspect {
        model: PathBuf,
        /// Write one SVG plot per activation kernel into this directory.
        #[arg(long)]
        plot_dir: Option<PathBuf>,
    },
}

/// How to quantize a function for `fit`.
#[derive(clap::Args)]
struct FitArgs {
    #[arg(long, default_value_t = 16, value_parser = parse_bits)]
    in_bits: u32,
    /// Real input range LO,HI.
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    range: (f64, f64),
    /// Real output range LO,HI (default: the function's range over the input range).
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    out_range: Option<(f64, f64)>,
    #[arg(long, value_parser = parse_bits)]
    out_bits: Option<u32>,
    #[arg(long, default_value_t = LowerOpts::default().error_lsb)]
    error_lsb: f64,
    /// Highest polynomial degree to fit.
    #[arg(long, default_value_t = LowerOpts::default().max_degree)]
    max_degree: usize,
}

/// [`FitArgs`] for `hdl`, where they apply only with `--fit`.
#[derive(clap::Args)]
struct OptFitArgs {
    #[arg(long, default_value_t = 16, value_parser = parse_bits)]
    in_bits: u32,
    /// Real input range LO,HI of the --fit function.
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true, requires = "fit")]
    range: Option<(f64, f64)>,
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true, requires = "fit")]
    out_range: Option<(f64, f64)>,
    #[arg(long, value_parser = parse_bits)]
    out_bits: Option<u32>,
    #[arg(long, default_value_t = LowerOpts::default().error_lsb)]
    error_lsb: f64,
    /// Highest polynomial degree to fit: each degree is a pipelined multiply
    /// stage (DSP blocks); segments only grow the coefficient ROMs.
    #[arg(long, default_value_t = 2)]
    max_degree: usize,
}

/// Lower `function` as `q` says, with a progress spinner.
fn fit_cmd(function: &str, q: &FitArgs) -> Result<polyact_tools::lower::FittedFunction> {
    let f = expr_parse::parse(function)?;
    let pb = bar(0, "fitting");
    let fitted = fit_function(
        f,
        dtype(q.in_bits),
        q.range,
        dtype(q.out_bits.unwrap_or(q.in_bits)),
        q.out_range,
        &LowerOpts { error_lsb: q.error_lsb, max_degree: q.max_degree, ..LowerOpts::default() },
        |m| pb.set_message(m.to_string()),
    )?;
    pb.finish_and_clear();
    Ok(fitted)
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

/// The QEMU boards of the board table, as `--board` values.
fn board_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(polyact_tools::flash::boards().iter().map(|b| b.name))
}

fn parse_bits(s: &str) -> Result<u32, String> {
    match s {
        "8" => Ok(8),
        "16" => Ok(16),
        _ => Err(format!("'{s}': activation width must be 8 or 16")),
    }
}

fn parse_addr(s: &str) -> Result<u64, String> {
    let t = s.trim_start_matches("0x").trim_start_matches("0X");
    u64::from_str_radix(t, if t.len() < s.len() { 16 } else { 10 }).map_err(|_| format!("'{s}' is not an address"))
}

fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s.split_once(',').ok_or_else(|| format!("'{s}': expected LO,HI"))?;
    let (lo, hi): (f64, f64) = (
        a.trim().parse().map_err(|_| format!("'{a}' is not a number"))?,
        b.trim().parse().map_err(|_| format!("'{b}' is not a number"))?,
    );
    if lo >= hi || lo.is_nan() || hi.is_nan() {
        return Err(format!("'{s}': LO must be below HI"));
    }
    Ok((lo, hi))
}

fn dtype(bits: u32) -> DType {
    if bits == 8 {
        DType::I8
    } else {
        DType::I16
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    let pb =
        if std::env::var_os("POLYACT_NO_PROGRESS").is_some() { ProgressBar::hidden() } else { ProgressBar::new(len) };
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Which ops a compiled model runs as generated code and which through the interpreter.
fn compiled_summary(g: &compile::Generated) -> String {
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
fn model_name(model: &Path) -> String {
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
    let blob = std::fs::read(model).with_context(|| format!("reading {}", model.display()))?;
    let m = polyact::Model::from_bytes(&blob).map_err(|e| anyhow::anyhow!("{}: {e}", model.display()))?;
    let b = flash::board(board)?;
    let fw = if compiled {
        let (fw, g) =
            flash::compiled_firmware(b, &blob, &model_name(model)).with_context(|| format!("{}", model.display()))?;
        println!("{}", compiled_summary(&g));
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
        println!("[{}] {l}", b.name);
    }
    if run.exit_code != 0 {
        bail!("the firmware on {} exited with status {}", b.name, run.exit_code);
    }
    let per = to.bytes();
    for (i, out) in run.outputs.chunks(per.max(1)).take(5).enumerate() {
        let vals: Vec<String> = (0..to.len())
            .map(|k| format!("{:.4}", to.quant.scale * (to.dtype.load(out, k) - to.quant.zero_point) as f32))
            .collect();
        println!("output {i}: [{}]", vals.join(", "));
    }
    if profile {
        let elf_bytes = std::fs::read(&fw.elf)?;
        let (fl, ram) = flash::elf_sizes(&elf_bytes)?;
        println!("{:<4} {:<18} {:>12} {:>14}", "op", "kind", "ticks", "instructions");
        for (i, op) in m.ops().enumerate() {
            let op = op.map_err(|e| anyhow::anyhow!("{e}"))?;
            let t = run.op_ticks.get(i).copied().unwrap_or(0);
            println!("{i:<4} {:<18} {t:>12} {:>14.0}", op.kind().name(), t as f64 * b.instructions_per_tick);
        }
        println!(
            "per inference: {} ticks = {:.0} instructions ({} under -icount shift=0)",
            run.mean_ticks,
            run.mean_ticks as f64 * b.instructions_per_tick,
            b.name
        );
        if compiled {
            println!(
                "firmware: flash {fl} bytes (model compiled in), static RAM {ram} bytes (arena {} bytes included)",
                fw.info.arena
            );
        } else {
            println!("firmware: flash {fl} bytes, static RAM {ram} bytes (arena {} bytes included); model {} bytes in its own partition; model arena {} bytes", fw.info.arena, blob.len(), m.arena_size());
        }
    }
    Ok(())
}

/// One SVG per certified activation of a quantized model.
fn plot_report(blob: &[u8], report: Option<&Report>, dir: &Path, rp: &Path) -> Result<()> {
    let Some(report) = report else { bail!("plots need the quantization report {}", rp.display()) };
    std::fs::create_dir_all(dir)?;
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
        println!("plot {}", p.display());
    }
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Quantize { model, calib, act_bits, error_lsb, percentile, output } => {
            let g = onnx_import::import(&model)?;
            let samples = data::read_samples(&calib, g.tensors[g.input].len())?;
            if samples.is_empty() {
                bail!("{}: no calibration samples", calib.display());
            }
            let pb = bar(samples.len() as u64, "calibrating");
            let mode = percentile.map_or(RangeMode::MinMax, RangeMode::Percentile);
            let cal = calibrate(&g, &samples, mode, || pb.inc(1))?;
            pb.finish_and_clear();
            let opts =
                QuantOpts { act: dtype(act_bits), range: mode, lower: LowerOpts { error_lsb, ..LowerOpts::default() } };
            let spin = bar(0, "lowering");
            let q = quantize(&g, &cal, &opts, |m| spin.set_message(m.to_string()))?;
            spin.finish_and_clear();
            std::fs::write(&output, &q.blob).with_context(|| format!("writing {}", output.display()))?;
            std::fs::write(report_path(&output), serde_json::to_string_pretty(&q.report)?)?;
            print!("{}", inspect::describe(&q.blob, Some(&q.report))?);
            println!("wrote {} ({} bytes) and {}", output.display(), q.blob.len(), report_path(&output).display());
        }
        Cmd::Fit { function, q, plot } => {
            let fitted = fit_cmd(&function, &q)?;
            let (f, l) = (&fitted.f, &fitted.lowered);
            let ((ti, in_q), (to, out_q), range, (lo, hi)) = (fitted.in_t, fitted.out_t, q.range, fitted.out_range);
            let in_bits = q.in_bits;
            println!("function   {f}");
            println!(
                "input      {ti:?} scale {:e} zp {} (range {}..{})",
                in_q.scale, in_q.zero_point, range.0, range.1
            );
            println!("output     {to:?} scale {:e} zp {} (range {lo:.6}..{hi:.6})", out_q.scale, out_q.zero_point);
            println!("kernel     {} ({} bytes of coefficients)", l.method, l.coef_bytes);
            println!(
                "certified  max error {:.4} LSB (at input {}), mean {:.4} LSB, over all {} inputs",
                l.max_err,
                l.worst_input,
                l.mean_err,
                1u64 << in_bits
            );
            if let Some(p) = plot {
                let title = format!("{function}: {}, max {:.3} LSB", l.method, l.max_err);
                with_runtime_kernel(&l.kernel, in_q, out_q, |k| plot::plot_kernel(&p, &title, f, k, 0, in_q, out_q))??;
                println!("plot       {}", p.display());
            }
        }
        Cmd::Hdl { model, layer, channel, fit, q, out, name, chunk_bits, no_check, report } => {
            if let Some(n) = &name {
                polyact_hdl::emit::check_module_name(n).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
            }
            let mut job = HdlJob {
                out,
                name: String::new(),
                channel,
                chunk_bits,
                check: !no_check,
                report: if report { Device::ALL.to_vec() } else { Vec::new() },
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
                    };
                    let fitted = fit_cmd(&function, &args)?;
                    let l = &fitted.lowered;
                    println!(
                        "kernel     {} ({} bytes of coefficients), certified max {:.4} LSB",
                        l.method, l.coef_bytes, l.max_err
                    );
                    job.name = name.unwrap_or_else(|| module_name(&function));
                    from_fit(&fitted, &job)?
                }
                (None, None) => bail!("give a model and --layer, or --fit FUNCTION"),
            };
            println!("core       {} ({})", job.name, outcome.spec.describe());
            println!("latency    {} cycles, one result per clock", outcome.spec.latency());
            if job.check {
                println!(
                    "checked    {} inputs bit-exact with the runtime: rust-hdl, Icarus (portable and ECP5 variants); verilator -Wall clean",
                    outcome.vectors
                );
            }
            if !outcome.reports.is_empty() {
                print!("{}", report_table(&outcome.spec, &outcome.reports));
            }
            println!("wrote      {}", job.out.display());
        }
        Cmd::Eval { model, onnx, data: data_path, labels, targets, json } => {
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
                    println!(
                        "accuracy           float {:.4}  quantized {:.4}  (delta {:+.2} points)",
                        f,
                        q,
                        100.0 * (q - f)
                    );
                }
                if let (Some(f), Some(q)) = (c.float_mse_vs_labels, c.quant_mse_vs_labels) {
                    println!("mse vs targets     float {f:.6}  quantized {q:.6}");
                }
                println!("top-1 agreement    {:.4}", c.top1_agreement);
                println!("output error       max {:.6}  mean {:.6}", c.max_abs_error, c.mean_abs_error);
            }
        }
        Cmd::Flash { model, chip: Some(chip), compiled: true, .. } => {
            let blob = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            let (fw, g) = flash::compiled_chip_firmware(&chip, &blob, &model_name(&model))
                .with_context(|| format!("{}", model.display()))?;
            println!("{}", compiled_summary(&g));
            let (fl, ram) = flash::elf_sizes(&std::fs::read(&fw.elf)?)?;
            println!(
                "firmware: flash {fl} bytes (model compiled in), static RAM {ram} bytes (arena {} bytes included); {}",
                fw.info.arena,
                fw.elf.display()
            );
            flash::flash_image(&chip, &fw).with_context(|| format!("{}", model.display()))?;
            println!("flashed {chip} with {} compiled into its firmware", model.display());
        }
        Cmd::Flash { model, chip: Some(chip), model_addr, .. } => {
            let blob = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            flash::flash_chip(&chip, &blob, model_addr).with_context(|| format!("{}", model.display()))?;
            println!("flashed {} ({} bytes) into the model partition of {chip}", model.display(), blob.len());
        }
        Cmd::Flash { model, board, inputs, count, profile, compiled, .. } => {
            flash_cmd(&model, &board, inputs.as_deref(), count, profile, compiled)?
        }
        Cmd::Compile { model, output } => {
            let blob = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            let g = compile::generate(&blob, &model_name(&model)).with_context(|| format!("{}", model.display()))?;
            std::fs::write(&output, &g.source).with_context(|| format!("writing {}", output.display()))?;
            println!("{}", compiled_summary(&g));
            println!(
                "wrote {}: build it in with `POLYACT_MODEL_RS={} POLYACT_BOARD=qemu-m4 cargo build --release -p polyact-fw-qemu --target thumbv7em-none-eabihf --features compiled` in firmware/boards",
                output.display(),
                output.display()
            );
        }
        Cmd::Inspect { model, plot_dir } => {
            let blob = std::fs::read(&model).with_context(|| format!("reading {}", model.display()))?;
            let rp = report_path(&model);
            let report: Option<Report> = match std::fs::read_to_string(&rp) {
                Ok(s) => {
                    Some(serde_json::from_str(&s).with_context(|| format!("{}: not a polyact report", rp.display()))?)
                }
                Err(_) => None,
            };
            print!("{}", inspect::describe(&blob, report.as_ref()).with_context(|| format!("{}", model.display()))?);
            if let Some(dir) = plot_dir {
                plot_report(&blob, report.as_ref(), &dir, &rp)?;
            }
        }
    }
    Ok(())
}
