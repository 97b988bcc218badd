//! The network's self-checking Icarus bench: streams every test input in,
//! compares every output byte with the runtime's, and measures cycles. With
//! `POLYACT_STALLS` defined both streams stall pseudo-randomly, so the
//! valid/ready handshakes are exercised as well as the arithmetic.

use crate::emit::TB_SUMMARY;
use crate::tools::run;
use std::fmt::Write;
use std::path::Path;
use std::process::Command;

/// Input bytes, one per line, all inferences back to back.
pub const INPUT_FILE: &str = "net_in.hex";
/// The runtime's output bytes, the same way.
pub const EXPECTED_FILE: &str = "net_out.hex";
/// The bench's timing line; [`run_bench`] parses it.
pub const TIMING: &str = "polyact-net:";

/// Bytes as a `$readmemh` file.
pub fn hex_lines(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for b in bytes {
        let _ = writeln!(s, "{b:02x}");
    }
    s
}

/// The bench for top module `name`: `k` inferences of `n_in` bytes in and
/// `n_out` bytes out; gives up after `max_cycles` cycles.
pub fn testbench(name: &str, k: usize, n_in: usize, n_out: usize, max_cycles: usize) -> String {
    format!(
        r#"`timescale 1ns/1ps
// Self-checking bench for {name}: {k} inferences from {INPUT_FILE}, every output
// byte compared with {EXPECTED_FILE} (the runtime's). Define POLYACT_STALLS for
// pseudo-random gaps on in_valid and out_ready.
module {name}_tb;
    localparam K = {k}, NI = {n_in}, NO = {n_out}, MAX_CYCLES = {max_cycles};
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1;
    reg [7:0] xin [0:K*NI-1];
    reg [7:0] want [0:K*NO-1];
    reg in_valid = 1'b0, out_ready = 1'b0;
    reg [7:0] in_data = 8'd0;
    wire in_ready, out_valid;
    wire [7:0] out_data;
    {name} dut (
        .clk(clk), .rst(rst), .in_valid(in_valid), .in_ready(in_ready), .in_data(in_data),
        .out_valid(out_valid), .out_ready(out_ready), .out_data(out_data)
    );
    integer ip = 0, op = 0, cycle = 0, bad_bytes = 0, bad_inferences = 0, shown = 0;
    integer t_first_in = -1, t_first_done = -1, t_last_done = -1;
    reg this_bad = 1'b0;
    reg [31:0] lfsr = 32'hace1;
    initial begin
        $readmemh("{INPUT_FILE}", xin);
        $readmemh("{EXPECTED_FILE}", want);
        repeat (3) @(posedge clk);
        rst <= 1'b0;
    end
    // Stimulus changes on the falling edge, the design samples on the rising one.
    always @(negedge clk) begin
        lfsr <= {{lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]}};
`ifdef POLYACT_STALLS
        in_valid <= !rst && ip < K * NI && lfsr[2:0] != 3'd0;
        out_ready <= !rst && lfsr[6:4] != 3'd0;
`else
        in_valid <= !rst && ip < K * NI;
        out_ready <= !rst;
`endif
        in_data <= ip < K * NI ? xin[ip] : 8'd0;
    end
    always @(posedge clk) begin
        cycle = cycle + 1;
        if (in_valid && in_ready) begin
            if (t_first_in < 0) t_first_in = cycle;
            ip = ip + 1;
        end
        if (out_valid && out_ready) begin
            if (out_data !== want[op]) begin
                bad_bytes = bad_bytes + 1;
                this_bad = 1'b1;
                if (shown < 8) begin
                    $display("mismatch: inference %0d byte %0d: design %0d, runtime %0d",
                             op / NO, op % NO, $signed(out_data), $signed(want[op]));
                    shown = shown + 1;
                end
            end
            if (op % NO == NO - 1) begin
                if (this_bad) bad_inferences = bad_inferences + 1;
                this_bad = 1'b0;
                if (t_first_done < 0) t_first_done = cycle;
                t_last_done = cycle;
            end
            op = op + 1;
        end
        if (op == K * NO || cycle > MAX_CYCLES) begin
            if (op != K * NO) $display("timeout after %0d cycles: %0d of %0d output bytes", cycle, op, K * NO);
            $display("{TIMING} latency %0d cycles, %0d cycles for %0d inferences, %0d bad bytes",
                     t_first_done - t_first_in, t_last_done - t_first_in, K, bad_bytes);
            $display("{TB_SUMMARY} %0d vectors, %0d mismatches", op / NO, bad_inferences);
            $finish;
        end
    end
endmodule
"#
    )
}

/// What one bench run measured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetBenchResult {
    /// Inferences whose outputs all came out.
    pub inferences: usize,
    /// Inferences with at least one byte differing from the runtime.
    pub mismatches: usize,
    /// Clocks from the first input byte to the last output byte of inference 0.
    pub latency: usize,
    /// Clocks from the first input byte to the last output byte of the last inference.
    pub total_cycles: usize,
    pub log: String,
}

impl NetBenchResult {
    /// Steady-state clocks per inference (streams never stalling).
    pub fn cycles_per_inference(&self) -> f64 {
        if self.inferences < 2 {
            return self.latency as f64;
        }
        (self.total_cycles - self.latency) as f64 / (self.inferences - 1) as f64
    }
}

/// Compile `<name>.v` + `<name>_tb.v` in `dir` and run the bench.
pub fn run_bench(dir: &Path, name: &str, stalls: bool) -> Result<NetBenchResult, String> {
    let mut cmd = Command::new("iverilog");
    cmd.args(["-g2005", "-Wall", "-o", "net_tb.vvp"]);
    if stalls {
        cmd.arg("-DPOLYACT_STALLS");
    }
    run(dir, cmd.arg(format!("{name}.v")).arg(format!("{name}_tb.v")), "iverilog")?;
    let log = run(dir, Command::new("vvp").args(["-n", "net_tb.vvp"]), "vvp")?;
    let numbers = |prefix: &str| -> Option<Vec<usize>> {
        let line = log.lines().find_map(|l| l.trim().strip_prefix(prefix))?;
        Some(line.split(|c: char| !c.is_ascii_digit()).filter_map(|t| t.parse().ok()).collect())
    };
    let summary = numbers(TB_SUMMARY).ok_or_else(|| format!("the bench printed no summary:\n{log}"))?;
    let timing = numbers(TIMING).ok_or_else(|| format!("the bench printed no timing:\n{log}"))?;
    match (&summary[..], &timing[..]) {
        ([inferences, mismatches], [latency, total_cycles, _, _]) => Ok(NetBenchResult {
            inferences: *inferences,
            mismatches: *mismatches,
            latency: *latency,
            total_cycles: *total_cycles,
            log,
        }),
        _ => Err(format!("unreadable bench output:\n{log}")),
    }
}
