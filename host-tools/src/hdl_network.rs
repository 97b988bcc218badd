//! `polyact hdl MODEL.pam -o DIR` without `--layer`: the whole network as one
//! streaming Verilog design, checked byte for byte against the runtime
//! interpreter on test inputs in Icarus, optionally synthesized.

use crate::eval::integer_outputs;
use anyhow::{anyhow, bail, Result};
use polyact::Model;
use polyact_hdl::network::bench::{run_bench, NetBenchResult};
use polyact_hdl::network::{write_design, Lanes, NetworkSpec};
use polyact_hdl::synth::{synthesize_flow, Device, Flow, SynthReport};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Test inputs made up when the user gives none.
pub const DEFAULT_RANDOM_INPUTS: usize = 256;

/// What to build and what to run on it.
pub struct NetJob {
    pub out: PathBuf,
    pub name: String,
    pub lanes: Lanes,
    /// Float samples (`.npy`, one row per inference), quantized with the
    /// model's input quantization; `None`: pseudo-random int8 inputs.
    pub inputs: Option<PathBuf>,
    /// At most this many inferences are simulated.
    pub max_inputs: usize,
    pub check: bool,
    pub report: Vec<Device>,
}

/// What the job produced.
pub struct NetOutcome {
    pub describe: String,
    pub lanes: String,
    pub macs: usize,
    pub inferences: usize,
    /// Free-running streams (timing), then stalling streams (handshakes).
    pub benches: Option<(NetBenchResult, NetBenchResult)>,
    pub reports: Vec<SynthReport>,
}

/// Inputs as int8 bytes, whole inferences back to back.
fn test_inputs(m: &Model, job: &NetJob) -> Result<Vec<u8>> {
    let t = m.input().map_err(|e| anyhow!("{e}"))?;
    let n = t.len();
    match &job.inputs {
        Some(path) => {
            let rows = crate::data::read_samples(path, n)?;
            let mut out = Vec::with_capacity(rows.len().min(job.max_inputs) * n);
            for r in rows.iter().take(job.max_inputs) {
                out.extend(r.iter().map(|&v| polyact::writer::quantize_value(v as f64, t.dtype, t.quant) as i8 as u8));
            }
            Ok(out)
        }
        None => {
            // xorshift: reproducible, covers the whole int8 range.
            let mut s: u32 = 0x9e37_79b9;
            let count = DEFAULT_RANDOM_INPUTS.min(job.max_inputs) * n;
            Ok((0..count)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    (s >> 24) as u8
                })
                .collect())
        }
    }
}

/// Build, check and report the network design of the model blob at `model`.
pub fn build_network(model: &Path, job: &NetJob) -> Result<NetOutcome> {
    let blob = crate::report::read_blob(model)?;
    let m = Model::from_bytes(&blob).map_err(|e| anyhow!("{}: {e}", model.display()))?;
    let spec = NetworkSpec::from_model(&m, &job.lanes).map_err(|e| anyhow!("{}: {e}", model.display()))?;
    let inputs = test_inputs(&m, job)?;
    let n_in = spec.input.len();
    if inputs.is_empty() {
        bail!("no test inputs to check the design with");
    }
    let as_i32: Vec<Vec<i32>> = inputs.chunks(n_in).map(|c| c.iter().map(|&b| b as i8 as i32).collect()).collect();
    let expected: Vec<u8> =
        integer_outputs(&blob, &as_i32, || {})?.into_iter().flatten().map(|v| v as i8 as u8).collect();
    write_design(&job.out, &job.name, &spec, &inputs, &expected).map_err(|e| anyhow!("{e}"))?;
    let k = as_i32.len();
    let mut benches = None;
    if job.check {
        let free = run_bench(&job.out, &job.name, false).map_err(|e| anyhow!("{e}"))?;
        let stalled = run_bench(&job.out, &job.name, true).map_err(|e| anyhow!("{e}"))?;
        for (what, b) in [("free-running", &free), ("stalling", &stalled)] {
            if b.inferences != k || b.mismatches != 0 {
                bail!(
                    "Icarus bench ({what} streams): {} of {k} inferences came out, {} differ from the runtime:\n{}",
                    b.inferences,
                    b.mismatches,
                    b.log
                );
            }
        }
        benches = Some((free, stalled));
    }
    let mut reports = Vec::new();
    for &d in &job.report {
        reports.push(synthesize_flow(&job.out, &job.name, d, Flow::Network).map_err(|e| anyhow!("{e}"))?);
    }
    let outcome = NetOutcome {
        describe: spec.describe(),
        lanes: spec.lanes_text(),
        macs: spec.macs(),
        inferences: k,
        benches,
        reports,
    };
    std::fs::write(job.out.join("README.md"), readme(model, job, &spec, &outcome))?;
    Ok(outcome)
}

/// Resources with inferences per second at each device's Fmax.
pub fn report_table(o: &NetOutcome) -> String {
    let cycles = o.benches.as_ref().map(|(f, _)| f.cycles_per_inference());
    let mut s = String::from(
        "| device | lanes | LUT4 | carry | FF | DSP | BRAM | Fmax (MHz) | cycles / inference | inferences / s |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in &o.reports {
        let per_s = cycles.map_or("—".into(), |c| format!("{:.0}", r.fmax_mhz * 1e6 / c));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {per_s} |",
            r.device,
            o.lanes,
            r.resource_cells(),
            cycles.map_or("—".into(), |c| format!("{c:.1}"))
        );
    }
    s
}

fn readme(model: &Path, job: &NetJob, spec: &NetworkSpec, o: &NetOutcome) -> String {
    let (ti, to) = (spec.input, spec.output);
    let mut s = format!(
        "# {name}\n\nThe whole network of `{model}` as one streaming design (`{name}.v`), generated by \
         `polyact hdl` from the model blob: the runtime's weights, requantization and fused activations, \
         so it gives the microcontroller's bytes.\n\n## Interface\n\n\
         - `clk`; `rst`: synchronous, active high, registered once inside — hold it for two clocks before the first input. Every \
         control register is reset; the memories need no reset (nothing is read before it is written).\n\
         - Input: {ni} int8 bytes per inference on `in_data` with `in_valid`/`in_ready` (a byte moves on a \
         clock where both are high), in the model input's tensor order. Real value = {si:e} × (byte − ({zi})).\n\
         - Output: {no} int8 bytes on `out_data` with `out_valid`/`out_ready`, in the output tensor's order. \
         Real value = {so:e} × (byte − ({zo})).\n\
         - Layers work on different inferences at once: a new input is taken while the previous one is \
         still in the network.\n\n## Layers\n\n{layers}\n{macs} multiply-accumulates per inference; lanes per layer: {lanes}.\n",
        name = job.name,
        model = model.display(),
        ni = ti.len(),
        si = ti.quant.scale,
        zi = ti.quant.zero_point,
        no = to.len(),
        so = to.quant.scale,
        zo = to.quant.zero_point,
        layers = o.describe,
        macs = o.macs,
        lanes = o.lanes,
    );
    if let Some((free, stalled)) = &o.benches {
        let _ = write!(
            s,
            "\n## Checked\n\n`{name}_tb.v` (Icarus) streamed {k} inferences ({src}) through the design and \
             compared every output byte with the runtime interpreter's: {bad} inferences differ with free-running \
             streams, {bad2} with pseudo-random stalls on both streams (`-DPOLYACT_STALLS`).\n\n\
             Latency {lat} clocks from the first input byte to the last output byte; {cyc:.1} clocks per \
             inference in a continuous stream.\n",
            name = job.name,
            k = o.inferences,
            src = job.inputs.as_ref().map_or("pseudo-random int8 inputs".into(), |p| format!("`{}`", p.display())),
            bad = free.mismatches,
            bad2 = stalled.mismatches,
            lat = free.latency,
            cyc = free.cycles_per_inference(),
        );
    }
    if !o.reports.is_empty() {
        s += "\n## Synthesis (yosys + nextpnr)\n\n";
        s += &report_table(o);
    }
    s
}
