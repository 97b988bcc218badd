//! `polyact hdl`: an activation of a quantized model (or a function lowered on
//! the spot) as a Verilog core, checked bit-exact against the runtime on every
//! input, optionally synthesized for iCE40 and ECP5.

use crate::lower::with_runtime_kernel;
use anyhow::{anyhow, bail, Context, Result};
use polyact::{Activation, Model, Quant};
use polyact_hdl::check::{reference, rust_hdl_cosim, verilog_checks, write_core};
use polyact_hdl::dsp_core::{self, DspPlan};
use polyact_hdl::rational_core::{self, RationalPlan};
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
    /// Parallel lanes (DSP polynomial cores).
    pub lanes: usize,
    /// Hold every coefficient set, selected by a `channel` input (DSP
    /// polynomial cores), instead of set `channel` alone.
    pub all_channels: bool,
    /// The general pipelined core even where the DSP core fits.
    pub general: bool,
}

/// What a core's README says about where it comes from.
#[derive(Clone, Debug, Default)]
pub struct CoreContext {
    pub provenance: String,
    pub certificate: Option<String>,
    /// Input and output quantization, where known.
    pub quant: Option<(Quant, Quant)>,
    /// What of the layer the core is (and is not), for a model's layer.
    pub layer_note: Option<String>,
}

impl CoreContext {
    /// Markdown lines for the README (zero points come from the kernel itself).
    pub fn markdown(&self, act: &Activation) -> String {
        let mut s = self.provenance.clone();
        s += "\n\n## Quantization\n\n";
        let (io, it, ot) = (act.io, act.io.in_dtype, act.io.out_dtype);
        match self.quant {
            Some((i, o)) => {
                let _ = writeln!(s, "- Input `x`: {it:?}, real = {:e} · (x − {})", i.scale, io.in_zp);
                let _ = writeln!(s, "- Output `y`: {ot:?}, real = {:e} · (y − {})", o.scale, io.out_zp);
            }
            None => {
                let _ = writeln!(s, "- Input `x`: {it:?}, zero point {} (scale: see the model)", io.in_zp);
                let _ = writeln!(s, "- Output `y`: {ot:?}, zero point {} (scale: see the model)", io.out_zp);
            }
        }
        if let Some(c) = &self.certificate {
            let _ = writeln!(s, "- Certified error: {c}");
        }
        if let Some(n) = &self.layer_note {
            let _ = writeln!(s, "\n## The layer\n\n{n}");
        }
        s
    }
}

/// Which core a job built.
#[derive(Clone, Debug)]
pub enum Core {
    /// The general pipelined core (rust-hdl stages): every polynomial, the
    /// ReLU family, tables.
    General(CoreSpec),
    /// One DSP multiply-add per degree (`polyact_hdl::dsp_core`).
    Dsp(DspPlan),
    /// A rational (PAU) kernel (`polyact_hdl::rational_core`).
    Rational(RationalPlan),
}

/// What the job produced.
pub struct HdlOutcome {
    pub core: Core,
    /// Bench runs of a streaming (DSP or rational) core: (what, result).
    pub benches: Vec<(String, polyact_hdl::tools::BenchResult)>,
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

impl HdlOutcome {
    /// Clock cycles from an input to its output (`ecp5`: the ECP5 variant).
    pub fn latency_on(&self, ecp5: bool) -> usize {
        match &self.core {
            Core::General(spec) => spec.latency(),
            Core::Dsp(p) => dsp_core::verilog::latency(p, ecp5),
            Core::Rational(p) => rational_core::verilog::latency(p, ecp5),
        }
    }

    /// Clock cycles from an input to its output (portable variant).
    pub fn latency(&self) -> usize {
        self.latency_on(false)
    }

    pub fn describe(&self) -> String {
        match &self.core {
            Core::General(spec) => spec.describe(),
            Core::Dsp(p) => dsp_core::verilog::describe(p),
            Core::Rational(p) => rational_core::verilog::describe(p),
        }
    }

    /// What the checks covered, in one line (after a checked build).
    pub fn checked(&self) -> String {
        let n = self.vectors;
        match &self.core {
            Core::General(_) => format!(
                "{n} inputs bit-exact with the runtime: rust-hdl, Icarus (portable and ECP5 variants); verilator -Wall clean"
            ),
            Core::Dsp(_) => format!(
                "{n} vectors bit-exact with the runtime in Icarus ({} runs: portable and ECP5; free, stalling, \
                 registers starting X, 0 and 1); verilator -Wall clean",
                self.benches.len()
            ),
            Core::Rational(_) => format!(
                "{n} inputs bit-exact with the runtime in Icarus ({} runs: portable and ECP5; free, stalling, \
                 registers starting X, 0 and 1); verilator -Wall clean",
                self.benches.len()
            ),
        }
    }

    /// The DSP core's plan, when that is what was built.
    pub fn dsp(&self) -> Option<&DspPlan> {
        match &self.core {
            Core::Dsp(p) => Some(p),
            _ => None,
        }
    }

    /// The general core's description, when that is what was built.
    pub fn general(&self) -> Option<&CoreSpec> {
        match &self.core {
            Core::General(s) => Some(s),
            _ => None,
        }
    }
}

/// Build the core for `act`, write its files, check and report as asked.
pub fn build(act: &Activation, provenance: &str, certificate: Option<&str>, job: &HdlJob) -> Result<HdlOutcome> {
    let ctx = CoreContext {
        provenance: provenance.into(),
        certificate: certificate.map(str::to_string),
        ..CoreContext::default()
    };
    build_with(act, &ctx, job)
}

/// The DSP core for a piecewise polynomial whose steps fit one multiply-add,
/// else `None` (with why, for `--dsp` users).
fn dsp_plan(act: &Activation, job: &HdlJob) -> Result<Option<DspPlan>> {
    if job.general || act.as_poly().is_none() {
        return Ok(None);
    }
    let sets = if job.all_channels { 0..act.io.channels } else { job.channel..job.channel + 1 };
    match DspPlan::new(act, sets, job.lanes) {
        Ok(p) => Ok(Some(p)),
        Err(e) if job.lanes > 1 || job.all_channels => {
            bail!("--lanes and --all-channels need the DSP core, which this kernel does not fit: {e}")
        }
        Err(_) => Ok(None),
    }
}

/// Check a written streaming core (every bench run, Verilator) and
/// synthesize it as the job asks.
fn finish_streaming(
    core: Core,
    n_vectors: usize,
    job: &HdlJob,
    check: impl FnOnce() -> Result<Vec<(String, polyact_hdl::tools::BenchResult)>, String>,
) -> Result<HdlOutcome> {
    let (mut lint, mut benches) = (None, Vec::new());
    if job.check {
        benches = check().map_err(|e| anyhow!("{e}"))?;
        for (what, b) in &benches {
            if b.mismatches > 0 || b.vectors != n_vectors {
                bail!("Icarus bench ({what}): {} mismatches over {} vectors:\n{}", b.mismatches, b.vectors, b.log);
            }
        }
        let warnings = polyact_hdl::tools::verilator_lint(&job.out, &job.name).map_err(|e| anyhow!("{e}"))?;
        if !warnings.is_empty() {
            bail!("verilator --lint-only -Wall is not clean:\n{warnings}");
        }
        lint = Some(warnings);
    }
    let mut out = HdlOutcome { core, benches, vectors: n_vectors, reports: Vec::new(), lint };
    for &d in &job.report {
        out.reports.push(synthesize(&job.out, &job.name, d).map_err(|e| anyhow!("{e}"))?);
    }
    append_synthesis(&job.out, &out)?;
    Ok(out)
}

/// Build, check and report the DSP core.
fn build_dsp(act: &Activation, plan: DspPlan, ctx: &CoreContext, job: &HdlJob) -> Result<HdlOutcome> {
    let want = dsp_core::reference(act, &plan);
    dsp_core::write(&job.out, &job.name, &plan, &want, &ctx.markdown(act)).map_err(|e| anyhow!("{e}"))?;
    finish_streaming(Core::Dsp(plan), want.len(), job, || dsp_core::check(&job.out, &job.name))
}

/// Build, check and report the rational core.
fn build_rational(act: &Activation, ctx: &CoreContext, job: &HdlJob) -> Result<HdlOutcome> {
    if job.lanes > 1 || job.all_channels {
        bail!("--lanes and --all-channels: the rational core has one lane and one coefficient set (--channel)");
    }
    let plan = RationalPlan::new(act, job.channel).map_err(|e| anyhow!("rational core: {e}"))?;
    let want = rational_core::reference(act, &plan);
    rational_core::write(&job.out, &job.name, &plan, &want, &ctx.markdown(act)).map_err(|e| anyhow!("{e}"))?;
    finish_streaming(Core::Rational(plan), want.len(), job, || rational_core::check(&job.out, &job.name))
}

fn append_synthesis(dir: &Path, out: &HdlOutcome) -> Result<()> {
    if !out.reports.is_empty() {
        let mut readme = std::fs::read_to_string(dir.join("README.md"))?;
        readme += &format!("\n## Synthesis\n\n{}", report_table(out));
        std::fs::write(dir.join("README.md"), readme)?;
    }
    Ok(())
}

/// [`build`] with the README's full context.
pub fn build_with(act: &Activation, ctx: &CoreContext, job: &HdlJob) -> Result<HdlOutcome> {
    if !(1..=16).contains(&job.lanes) {
        bail!("--lanes {}: a core takes 1..=16", job.lanes);
    }
    if act.as_rational().is_some() {
        return build_rational(act, ctx, job);
    }
    if let Some(plan) = dsp_plan(act, job)? {
        return build_dsp(act, plan, ctx, job);
    }
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
    write_core(&job.out, &job.name, &spec, &want, &ctx.provenance, ctx.certificate.as_deref())
        .map_err(|e| anyhow!("{e}"))?;
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
    let mut out =
        HdlOutcome { core: Core::General(spec), benches: Vec::new(), vectors: want.len(), reports: Vec::new(), lint };
    for &d in &job.report {
        out.reports.push(synthesize(&job.out, &job.name, d).map_err(|e| anyhow!("{e}"))?);
    }
    append_synthesis(&job.out, &out)?;
    Ok(out)
}

/// A Markdown table of synthesis reports.
pub fn report_table(out: &HdlOutcome) -> String {
    let mut s = String::from(
        "| device | LUT4 | carry | FF | DSP | BRAM | Fmax (MHz) | target | latency | seed |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in &out.reports {
        let lat = out.latency_on(r.device == Device::Ecp5_25k);
        let _ = writeln!(
            s,
            "| {} | {} | {} {} MHz | {} cycles | {} |",
            r.device,
            r.resource_cells(),
            if r.meets_target() { "meets" } else { "misses" },
            r.device.target_mhz(),
            lat,
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
    let entry = report.as_ref().and_then(|r| r.layers.get(layer));
    let q = |j: &crate::report::QuantJson| Quant { scale: j.scale, zero_point: j.zero_point };
    let quant = entry
        .and_then(|l| l.activation.as_ref())
        .and_then(|a| Some((q(a.in_quant.as_ref()?), q(a.out_quant.as_ref()?))));
    let kind = m.op(layer).map(|o| o.kind().name()).unwrap_or("op");
    let layer_note = Some(match entry {
        Some(l) if l.fused => format!(
            "Layer {layer} (`{}`, {kind}, {:?} → {:?}) applies this activation fused: the core is the activation \
             only. The layer's {kind} part — weights, bias, accumulation and the requantization to the kernel's \
             input above — is not in the core (`polyact hdl MODEL` builds the whole network).",
            l.name, l.input_dims, l.output_dims
        ),
        Some(l) => format!(
            "Layer {layer} (`{}`, {kind}, {:?} → {:?}) is the activation alone: the core is the whole layer.",
            l.name, l.input_dims, l.output_dims
        ),
        None => format!(
            "Layer {layer} ({kind}). No quantize report next to the model, so the layer's scales and whether the \
             activation is fused are not known here: a fused layer's weighted part is not in the core."
        ),
    });
    let ctx = CoreContext { provenance, certificate: cert, quant, layer_note };
    build_with(&act, &ctx, job)
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
    let ctx = CoreContext {
        provenance,
        certificate: Some(cert),
        quant: Some((fitted.in_t.1, fitted.out_t.1)),
        layer_note: None,
    };
    with_runtime_kernel(&l.kernel, fitted.in_t.1, fitted.out_t.1, |act| build_with(act, &ctx, job))?
}
