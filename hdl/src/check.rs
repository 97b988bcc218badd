//! Bit-exactness against the `polyact` runtime kernel, on every input: in
//! rust-hdl's simulator and, for the emitted Verilog, in Icarus Verilog.

use crate::emit;
use crate::sim::simulate;
use crate::spec::CoreSpec;
use crate::tools::{icarus, verilator_lint, BenchResult, Variant};
use polyact::Activation;
use std::path::Path;

/// Every input of the kernel with the runtime's output for it.
pub fn reference(act: &Activation, channel: usize) -> Vec<(i64, i64)> {
    let t = act.io.in_dtype;
    (t.min()..=t.max()).map(|x| (x as i64, act.eval(x, channel) as i64)).collect()
}

/// Inputs where the rust-hdl simulation of `spec` differs from `want`, with
/// (input, core, runtime) for the first few.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatches {
    pub count: usize,
    pub first: Vec<(i64, i64, i64)>,
}

/// Simulate the core on every input in rust-hdl and compare with `want`.
pub fn rust_hdl_cosim(spec: &CoreSpec, want: &[(i64, i64)]) -> Result<Mismatches, String> {
    let xs: Vec<i64> = want.iter().map(|p| p.0).collect();
    let got = simulate(spec, &xs)?;
    let bad: Vec<(i64, i64, i64)> =
        want.iter().zip(&got).filter(|((_, w), g)| w != *g).map(|(&(x, w), &g)| (x, g, w)).collect();
    Ok(Mismatches { count: bad.len(), first: bad.into_iter().take(5).collect() })
}

/// The files `polyact hdl` writes for core `name` into `dir`.
pub fn write_core(
    dir: &Path,
    name: &str,
    spec: &CoreSpec,
    want: &[(i64, i64)],
    provenance: &str,
    certificate: Option<&str>,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let write = |file: String, text: String| {
        std::fs::write(dir.join(&file), text).map_err(|e| format!("{}: {e}", dir.join(&file).display()))
    };
    write(format!("{name}.v"), emit::verilog(spec, name)?)?;
    write(format!("{name}_tb.v"), emit::testbench(spec, name, want.len()))?;
    write(emit::VECTORS_FILE.into(), emit::vectors_hex(want))?;
    write(emit::ECP5_MODELS_FILE.into(), emit::mult18x18d_model())?;
    write("README.md".into(), emit::readme(spec, name, provenance, certificate))
}

/// What the Verilog checks found.
#[derive(Debug, Clone)]
pub struct VerilogChecks {
    /// The portable core in Icarus.
    pub generic: BenchResult,
    /// The ECP5 variant in Icarus (its DSP primitive modelled).
    pub ecp5: BenchResult,
    /// `verilator --lint-only -Wall` output (empty when clean).
    pub lint: String,
}

/// Run the written bench on both variants in Icarus and lint with Verilator.
pub fn verilog_checks(dir: &Path, name: &str) -> Result<VerilogChecks, String> {
    Ok(VerilogChecks {
        generic: icarus(dir, name, Variant::Generic)?,
        ecp5: icarus(dir, name, Variant::Ecp5)?,
        lint: verilator_lint(dir, name)?,
    })
}
