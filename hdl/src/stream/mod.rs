//! What the streaming cores (the DSP polynomial core, the rational core)
//! share: one `ce`-enabled, `in_valid`-tagged feed-forward pipeline with no
//! reset, the register chains it is built from, and its self-checking bench.

pub mod bench;

use std::fmt::Write;

/// Write a streaming core into `dir`: its Verilog, its bench over
/// `vectors` (`(set, x, y)`), the ECP5 multiplier model and `readme`.
pub fn write_core(
    dir: &std::path::Path,
    name: &str,
    verilog: &str,
    shape: &bench::BenchShape,
    vectors: &[(usize, i64, i64)],
    readme: &str,
) -> Result<(), String> {
    crate::emit::check_module_name(name)?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let put = |file: &str, text: &str| {
        std::fs::write(dir.join(file), text).map_err(|e| format!("{}: {e}", dir.join(file).display()))
    };
    put(&format!("{name}.v"), verilog)?;
    put(&format!("{name}_tb.v"), &bench::testbench(shape, name, vectors.len()))?;
    put(bench::VECTORS_FILE, &bench::vectors_hex(vectors))?;
    put(crate::emit::ECP5_MODELS_FILE, &crate::emit::mult18x18d_model())?;
    put("README.md", readme)
}

/// A register chain `{p}_1 .. {p}_d` behind `din`, loaded while `ce`; returns
/// (Verilog, name of the stage `k`, for k in 0..=d).
pub fn chain(p: &str, din: &str, width: usize, d: usize) -> (String, Vec<String>) {
    let mut v = String::new();
    let mut names = vec![din.to_string()];
    for k in 1..=d {
        let _ = writeln!(v, "reg [{}:0] {p}_{k};", width - 1);
        let _ = writeln!(v, "always @(posedge clock) if (ce) {p}_{k} <= {};", names[k - 1]);
        names.push(format!("{p}_{k}"));
    }
    (v, names)
}

/// `{w}` sign-extended to `to` bits (`w` is `from` bits wide).
pub fn sext(w: &str, from: usize, to: usize) -> String {
    if from >= to {
        w.to_string()
    } else {
        format!("{{{{{}{{{w}[{}]}}}}, {w}}}", to - from, from - 1)
    }
}

/// Signed word `{w}` of `from` bits at `to` bits: sign-extended, or its low
/// `to` bits (modular arithmetic keeps every sum exact while it fits).
pub fn resize(w: &str, from: usize, to: usize) -> String {
    if from > to {
        format!("{w}[{}:0]", to - 1)
    } else {
        sext(w, from, to)
    }
}

/// `{w}` zero-extended to `to` bits (`w` is `from` bits wide).
pub fn zext(w: &str, from: usize, to: usize) -> String {
    if from >= to {
        w.to_string()
    } else {
        format!("{{{}'d0, {w}}}", to - from)
    }
}

/// After every `reg` declaration, an `initial` that forces it to
/// `` `POLYACT_START_STATE `` when a bench defines it (all zeros, all ones).
pub fn with_start_state(body: &str) -> String {
    let mut out = String::with_capacity(body.len() * 2);
    for line in body.lines() {
        out += line;
        out.push('\n');
        let Some(decl) = line.strip_prefix("reg ") else { continue };
        let decl = decl.trim_start_matches("signed ");
        let decl = if decl.starts_with('[') { decl.split_once("] ").map_or(decl, |x| x.1) } else { decl };
        let names: Vec<&str> = decl.trim_end_matches(';').split(',').map(|n| n.trim()).collect();
        let inits: String = names.iter().map(|n| format!(" {n} = `POLYACT_START_STATE;")).collect();
        let _ = writeln!(out, "`ifdef POLYACT_START_STATE\ninitial begin{inits} end\n`endif");
    }
    out
}

/// The README's interface table and its latency and reset lines, for a core
/// of shape `shape`; `channel_row` describes the `channel` port if it has one.
pub fn interface_markdown(shape: &bench::BenchShape, channel_row: Option<&str>) -> String {
    let bench::BenchShape { in_bits: ib, out_bits: ob, lanes: n, latency: lg, latency_ecp5: le, .. } = *shape;
    let mut s = format!(
        "## Interface\n\n| port | width | |\n|---|---|---|\n\
         | `clock` | 1 | rising edge |\n\
         | `ce` | 1 | clock enable: while low, every register (and so `y`, `out_valid`) holds |\n\
         | `in_valid` | 1 | `x` carries an input this clock |\n\
         | `x` | {xw} | lane `k` is bits `[{ib}k+{im}:{ib}k]`, signed int{ib} |\n",
        xw = n * ib,
        im = ib - 1,
    );
    if let Some(row) = channel_row {
        let _ = writeln!(s, "{row}");
    }
    let variant = if le == lg { String::new() } else { format!(" (ECP5 variant: {le})") };
    let _ = write!(
        s,
        "| `out_valid` | 1 | `y` carries the result of an input |\n\
         | `y` | {yw} | lane `k` is bits `[{ob}k+{om}:{ob}k]`, signed int{ob} |\n\n\
         - Latency: {lg} clock-enabled cycles{variant} — an `x` sampled at an enabled edge appears on \
         `y`, with `out_valid` high, at the {lg}th enabled edge counted from it; one result per lane per clock.\n\
         - Reset: none needed. The pipeline is feed-forward (no counters or pointers), so from any power-up state — \
         all zeros, all ones, or an FPGA's initial values — `y` and `out_valid` are correct from the {lg}th enabled \
         edge on; before it, ignore `out_valid`. The bench checks this with every register forced to 0 and to 1.\n",
        yw = n * ob,
        om = ob - 1,
    );
    s
}
