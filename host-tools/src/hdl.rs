//! `polyact hdl`: an activation of a quantized model (or a function lowered on
//! the spot) as a Verilog core, checked bit-exact against the runtime on every
//! input, optionally synthesized for iCE40 and ECP5.

use crate::lower::with_runtime_kernel;
use anyhow::{anyhow, bail, Context, Result};
use polyact::{Activation, Model};
use polyact_hdl::check::{reference, rust_hdl_cosim, verilog_checks, write_core};
use polyact_hdl::synth::{synthesize, Device, SynthReport};
use polyact_hdl::CoreSpec;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What to build and what to run on it.
pub struct HdlJob {
    pub out: PathBuf,
    pub name: String,
    pub channel: usize,
    pub chunk_bits: usize,
    /// Simulate in rust-hdl and Icarus, lint with Verilator.
    pub check: bool,
    /// Synthesize and place-and-route for these devices.
    pub report: Vec<Device>,
}

/// What the job produced.
pub struct HdlOutcome {
    pub spec: CoreSpec,
    pub vectors: usize,
    pub reports: Vec<SynthReport>,
    pub lint: Option<String>,
}

/// The activation kernel of op `layer` of a model blob.
pub fn layer_kernel<'a>(m: &Model<'a>, layer: usize) -> Result<Activation<'a>> {
    let op = m.op(layer).map_err(|e| anyhow!("layer {layer}: {e} (the model has {} ops)", m.n_ops()))?;
    op.activation()
        .map(|(_, a)| a)
        .ok_or_else(|| anyhow!("layer {layer} ({}) has no activation kernel", op.kind().name()))
}

/// Build the core for `act`, write its files, check and report as asked.
pub fn build(act: &Activation, provenance: &str, certificate: Option<&str>, job: &HdlJob) -> Result<HdlOutcome> {
    let mut spec = CoreSpec::from_activation(act, job.channel).map_err(|e| anyhow!("{e}"))?;
    if !(1..=32).contains(&job.chunk_bits) {
        bail!("--chunk-bits {}: must be 1..=32", job.chunk_bits);
    }
    match &mut spec {
        CoreSpec::Poly(p) => p.chunk_bits = job.chunk_bits,
        CoreSpec::Relu(r) => r.chunk_bits = job.chunk_bits,
        CoreSpec::Table(_) => {}
    }
    let want = reference(act, job.channel);
    write_core(&job.out, &job.name, &spec, &want, provenance, certificate).map_err(|e| anyhow!("{e}"))?;
    let mut lint = None;
    if job.check {
        let m = rust_hdl_cosim(&spec, &want).map_err(|e| anyhow!("{e}"))?;
        if m.count > 0 {
            bail!(
                "rust-hdl simulation differs from the runtime on {} of {} inputs, e.g. (x, core, runtime) {:?}",
                m.count,
                want.len(),
                m.first
            );
        }
        let checks = verilog_checks(&job.out, &job.name).map_err(|e| anyhow!("{e}"))?;
        for (variant, bench) in [("portable", &checks.generic), ("ECP5", &checks.ecp5)] {
            if bench.mismatches > 0 || bench.vectors != want.len() {
                bail!(
                    "Icarus bench ({variant} variant): {} mismatches over {} vectors:\n{}",
                    bench.mismatches,
                    bench.vectors,
                    bench.log
                );
            }
        }
        let warnings = checks.lint;
        if !warnings.is_empty() {
            bail!("verilator --lint-only -Wall is not clean:\n{warnings}");
        }
        lint = Some(warnings);
    }
    let mut reports = Vec::new();
    for &d in &job.report {
        reports.push(synthesize(&job.out, &job.name, d).map_err(|e| anyhow!("{e}"))?);
    }
    if !reports.is_empty() {
        let mut readme = std::fs::read_to_string(job.out.join("README.md"))?;
        readme += &format!("\n## Synthesis\n\n{}", report_table(&spec, &reports));
        std::fs::write(job.out.join("README.md"), readme)?;
    }
    Ok(HdlOutcome { spec, vectors: want.len(), reports, lint })
}

/// A Markdown table of synthesis reports.
pub fn report_table(spec: &CoreSpec, reports: &[SynthReport]) -> String {
    let mut s = String::from(
        "| device | LUT4 | carry | FF | DSP | BRAM | Fmax (MHz) | target | latency | seed |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in reports {
        let _ = writeln!(
            s,
            "| {} | {} | {} {} MHz | {} cycles | {} |",
            r.device,
            r.resource_cells(),
            if r.meets_target() { "meets" } else { "misses" },
            r.device.target_mhz(),
            spec.latency(),
            r.seed
        );
    }
    s
}

/// `polyact hdl MODEL --layer N`.
pub fn from_model(model: &Path, layer: usize, job: &HdlJob) -> Result<HdlOutcome> {
    let blob = crate::report::read_blob(model)?;
    let m = Model::from_bytes(&blob).map_err(|e| anyhow!("{}: {e}", model.display()))?;
    let act = layer_kernel(&m, layer).with_context(|| format!("{}", model.display()))?;
    let report = crate::report::read_report(model)?.filter(|r| r.blob_bytes == blob.len());
    let cert = report.as_ref().and_then(|r| r.layers.get(layer)).and_then(|l| l.activation.as_ref()).and_then(|a| {
        a.max_err_lsb
            .map(|mx| format!("{} via {}: max {mx:.4} LSB over every input (polyact quantize)", a.function, a.method))
    });
    let provenance = format!("Activation of layer {layer} of `{}`.", model.display());
    build(&act, &provenance, cert.as_deref(), job)
}

/// `polyact hdl --fit FUNCTION`: lower, certify, then build the core.
pub fn from_fit(fitted: &crate::lower::FittedFunction, job: &HdlJob) -> Result<HdlOutcome> {
    let l = &fitted.lowered;
    let cert = format!("max {:.4} LSB, mean {:.4} LSB over every input ({})", l.max_err, l.mean_err, l.method);
    let (ri, ro) = (fitted.in_range, fitted.out_range);
    let provenance = format!(
        "`{}` for inputs in [{}, {}] (scale {:e}), outputs in [{:.6}, {:.6}] (scale {:e}).",
        fitted.f, ri.0, ri.1, fitted.in_t.1.scale, ro.0, ro.1, fitted.out_t.1.scale
    );
    with_runtime_kernel(&l.kernel, fitted.in_t.1, fitted.out_t.1, |act| build(act, &provenance, Some(&cert), job))?
}
