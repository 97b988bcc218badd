//! Running the open tools on an emitted core: Icarus Verilog, Verilator.

use crate::emit::{ECP5_MODELS_FILE, TB_SUMMARY};
use std::path::Path;
use std::process::Command;

/// Run `cmd` in `dir`, returning stdout, or an error naming the tool and its output.
pub fn run(dir: &Path, cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd.current_dir(dir).output().map_err(|e| {
        format!("{what}: cannot run {:?} ({e}); `cargo xtask setup` installs the FPGA tools", cmd.get_program())
    })?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{what} failed ({}):\n{text}", out.status));
    }
    Ok(text)
}

/// Outcome of the Icarus bench.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchResult {
    pub vectors: usize,
    pub mismatches: usize,
    /// The bench's own report (mismatch lines and summary).
    pub log: String,
}

/// Which variant of a core to simulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Portable Verilog (what iCE40 and generic flows synthesize).
    Generic,
    /// `POLYACT_ECP5` defined: MULT18X18D blocks (with the model in
    /// [`ECP5_MODELS_FILE`]) and banked LUT ROMs.
    Ecp5,
}

/// Compile and run `<name>.v` + `<name>_tb.v` in `dir` with Icarus.
pub fn icarus(dir: &Path, name: &str, variant: Variant) -> Result<BenchResult, String> {
    icarus_with(dir, name, variant, &[])
}

/// [`icarus`] with extra `-D` defines (`NAME` or `NAME=VALUE`).
pub fn icarus_with(dir: &Path, name: &str, variant: Variant, defines: &[&str]) -> Result<BenchResult, String> {
    let mut cmd = Command::new("iverilog");
    cmd.args(["-g2005", "-Wall", "-o", "tb.vvp"]);
    for d in defines {
        cmd.arg(format!("-D{d}"));
    }
    if variant == Variant::Ecp5 {
        cmd.arg("-DPOLYACT_ECP5").arg(ECP5_MODELS_FILE);
    }
    run(dir, cmd.arg(format!("{name}.v")).arg(format!("{name}_tb.v")), "iverilog")?;
    let log = run(dir, Command::new("vvp").args(["-n", "tb.vvp"]), "vvp")?;
    let line = log
        .lines()
        .find_map(|l| l.trim().strip_prefix(TB_SUMMARY))
        .ok_or_else(|| format!("the bench printed no summary line:\n{log}"))?;
    let nums: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|t| t.parse().ok()).collect();
    match nums[..] {
        [vectors, mismatches] => Ok(BenchResult { vectors, mismatches, log }),
        _ => Err(format!("unreadable bench summary '{line}'")),
    }
}

/// `verilator --lint-only -Wall`: returns its warnings (empty when clean).
pub fn verilator_lint(dir: &Path, name: &str) -> Result<String, String> {
    let out = Command::new("verilator")
        .current_dir(dir)
        .args(["--lint-only", "-Wall", "--top-module", name])
        .arg(format!("{name}.v"))
        .output()
        .map_err(|e| format!("cannot run verilator ({e}); `cargo xtask setup` installs it"))?;
    Ok(String::from_utf8_lossy(&out.stderr).trim().to_string() + String::from_utf8_lossy(&out.stdout).trim())
}
