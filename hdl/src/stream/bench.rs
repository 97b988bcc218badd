//! A self-checking Icarus bench for a streaming core: every vector through every
//! lane, the clock enable and `in_valid` optionally stalling at random
//! (`POLYACT_STALLS`), the registers optionally forced to a start state
//! (`POLYACT_START_STATE`). It checks, on every clock-enabled edge from the
//! documented latency on, that `out_valid` and `y` are exactly the delayed
//! `in_valid` and the runtime's outputs, that a disabled clock holds them, and
//! that every vector came out once.

use crate::emit::TB_SUMMARY;
use std::fmt::Write;

/// The file the bench reads.
pub const VECTORS_FILE: &str = "vectors.hex";

/// One line per vector: `{set[7:0], x[15:0], y[15:0]}`.
pub fn vectors_hex(vectors: &[(usize, i64, i64)]) -> String {
    let mut s = String::with_capacity(vectors.len() * 11);
    for &(c, x, y) in vectors {
        let _ = writeln!(s, "{:02x}{:04x}{:04x}", c as u8, x as u16, y as u16);
    }
    s
}

/// The ports and timing the bench drives and checks.
#[derive(Clone, Copy, Debug)]
pub struct BenchShape {
    pub in_bits: usize,
    pub out_bits: usize,
    pub lanes: usize,
    /// Width of each lane's `channel` input (0: no `channel` port).
    pub channel_bits: usize,
    /// Clock-enabled edges from `x` to `y`: portable and ECP5 variants.
    pub latency: usize,
    pub latency_ecp5: usize,
}

/// The bench runs a full check makes: (what, defines).
pub const BENCH_RUNS: [(&str, &[&str]); 4] = [
    ("free-running, registers start unknown (X)", &[]),
    ("random clock enable and in_valid", &["POLYACT_STALLS"]),
    ("all registers start at 0", &["POLYACT_START_STATE=0"]),
    ("all registers start at 1, stalling", &["POLYACT_START_STATE=(~0)", "POLYACT_STALLS"]),
];

/// Every [`BENCH_RUNS`] run of the bench in `dir` on both variants
/// (portable, ECP5), in order: (what, result).
pub fn check_variants(dir: &std::path::Path, name: &str) -> Result<Vec<(String, crate::tools::BenchResult)>, String> {
    use crate::tools::{icarus_with, Variant};
    let mut out = Vec::new();
    for (variant, vname) in [(Variant::Generic, "portable"), (Variant::Ecp5, "ECP5")] {
        for (what, defines) in BENCH_RUNS {
            out.push((format!("{vname}, {what}"), icarus_with(dir, name, variant, defines)?));
        }
    }
    Ok(out)
}

pub fn testbench(shape: &BenchShape, name: &str, n_vectors: usize) -> String {
    let BenchShape { in_bits: ib, out_bits: ob, lanes, channel_bits: cb, .. } = *shape;
    let mut drive = String::new();
    let mut check = String::new();
    for k in 0..lanes {
        let idx = format!("((feed + {}) % N)", k * n_vectors.div_ceil(lanes));
        let _ = writeln!(drive, "      x[{}:{}] = vec[{idx}][{}:16];", (k + 1) * ib - 1, k * ib, 16 + ib - 1);
        if cb > 0 {
            let _ = writeln!(drive, "      channel[{}:{}] = vec[{idx}][{}:32];", (k + 1) * cb - 1, k * cb, 32 + cb - 1);
        }
        let _ = writeln!(
            check,
            "          want = vec[(sidx[e - LATENCY + 1] + {off}) % N][15:0];\n          \
             if (y[{hi}:{lo}] !== want[{om}:0]) begin\n            errors = errors + 1;\n            \
             if (errors <= 10) $display(\"mismatch: lane {k} vector %0d -> y %0d, runtime %0d\", \
             (sidx[e - LATENCY + 1] + {off}) % N, $signed(y[{hi}:{lo}]), $signed(want));\n          end",
            off = k * n_vectors.div_ceil(lanes),
            hi = (k + 1) * ob - 1,
            lo = k * ob,
            om = ob - 1,
        );
    }
    let chan_decl = if cb > 0 { format!("  reg [{}:0] channel = 0;\n", lanes * cb - 1) } else { String::new() };
    let chan_port = if cb > 0 { ".channel(channel), " } else { "" };
    format!(
        r#"// Self-checking bench for {name}: {VECTORS_FILE} holds {{set, x, y}} per line, y being
// what the polyact runtime computes. Defines: POLYACT_STALLS (random clock enable
// and in_valid), POLYACT_START_STATE=0 or (~0) (every register forced at time 0),
// POLYACT_ECP5 (the ECP5 variant).
`timescale 1ns/1ps
module {name}_tb;
  localparam N = {n_vectors};
`ifdef POLYACT_ECP5
  localparam LATENCY = {lat_e};
`else
  localparam LATENCY = {lat_g};
`endif
  localparam MAXE = 4 * N + 4 * LATENCY + 64;
  reg clock = 0;
  reg ce = 0, in_valid = 0;
  reg [{xm}:0] x = 0;
{chan_decl}  wire out_valid;
  wire [{ym}:0] y;
  reg [39:0] vec [0:N-1];
  reg svalid [0:MAXE];
  integer sidx [0:MAXE];
  integer feed, e, errors, outs, seed;
  reg [15:0] want;
  reg [{ym}:0] y_before;
  reg v_before;
  {name} dut(.clock(clock), .ce(ce), .in_valid(in_valid), .x(x), {chan_port}.out_valid(out_valid), .y(y));
  always #5 clock = ~clock;
  initial begin
    $readmemh("{VECTORS_FILE}", vec);
    errors = 0; outs = 0; feed = 0; e = 0; seed = 17;
    while (e < MAXE && (feed < N || outs < N)) begin
      @(negedge clock);
`ifdef POLYACT_STALLS
      ce = ($random(seed) & 3) != 0;
      in_valid = feed < N && ($random(seed) & 3) != 0;
`else
      ce = 1;
      in_valid = feed < N;
`endif
{drive}      y_before = y;
      v_before = out_valid;
      @(posedge clock);
      #1;
      if (ce) begin
        e = e + 1;
        svalid[e] = in_valid;
        sidx[e] = feed;
        if (in_valid) feed = feed + 1;
        if (e >= LATENCY) begin
          if (out_valid !== svalid[e - LATENCY + 1]) begin
            errors = errors + 1;
            if (errors <= 10) $display("out_valid %b at enabled edge %0d, expected %b", out_valid, e, svalid[e - LATENCY + 1]);
          end else if (out_valid) begin
            outs = outs + 1;
{check}        end
        end
      end else if (y !== y_before || out_valid !== v_before) begin
        errors = errors + 1;
        if (errors <= 10) $display("outputs changed with the clock disabled at enabled edge %0d", e);
      end
    end
    if (outs != N) begin
      errors = errors + 1;
      $display("%0d of %0d vectors came out", outs, N);
    end
    $display("{TB_SUMMARY} %0d vectors, %0d mismatches", N, errors);
    $finish;
  end
endmodule
"#,
        lat_g = shape.latency,
        lat_e = shape.latency_ecp5,
        xm = lanes * ib - 1,
        ym = lanes * ob - 1,
    )
}
