//! What every weighted layer does with an accumulator, in hardware: the
//! runtime's `OutputStage::finish` at int8 — `requantize` (TFLite's doubling
//! high multiply and rounding shift), the zero point, the clamp, and the
//! fused activation as a 256-entry table per channel set.
//!
//! The 32 × 31-bit product is four 16 × 16 partial products through one
//! multiplier (one DSP block on either family), so a layer costs one DSP for
//! its requantization whatever its width; the layer's engine keeps its
//! multiplier lanes busy while the stage drains the previous group.

use super::hex;
use crate::spec::Unsupported;
use polyact::dtype::le_i32;
use polyact::layers::output_stage::OutputStage;
use polyact::DType;
use std::fmt::Write;

/// Cycles from `start` to `done` of the requantization module.
/// (One more where the layer shifts left.)
pub const REQUANT_CYCLES: usize = 14;

/// One layer's output stage, per output channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageSpec {
    /// Q31 multipliers (non-negative) and shifts, one per output channel.
    pub mult: Vec<i32>,
    pub shift: Vec<i32>,
    /// Added after requantization: the output zero point, or the fused
    /// kernel's input zero point.
    pub zp: i32,
    /// The clamp after the zero point: the layer's clamp, or the kernel's
    /// int8 input range.
    pub lo: i32,
    pub hi: i32,
    /// With a fused kernel: `table[set][p + 128]` = the runtime's output for
    /// pre-activation `p`, clamp included.
    pub table: Option<Vec<Vec<i8>>>,
}

impl StageSpec {
    /// Read the stage of op `op` with `channels` output channels.
    pub fn from_stage(st: &OutputStage, channels: usize, op: usize) -> Result<StageSpec, Unsupported> {
        let (mb, sb) = (st.mult_bytes(), st.shift_bytes());
        let per_channel = mb.len() == 4 * channels;
        let at = |b: &[u8], c: usize| le_i32(b, if per_channel { c } else { 0 });
        let mult: Vec<i32> = (0..channels).map(|c| at(mb, c)).collect();
        let shift: Vec<i32> = (0..channels).map(|c| at(sb, c)).collect();
        if let Some(c) = mult.iter().position(|&m| m < 0) {
            return Err(Unsupported(format!(
                "op {op}: channel {c} has a negative requantization multiplier ({}); quantize writes them in [2^30, 2^31)",
                mult[c]
            )));
        }
        if let Some(c) = shift.iter().position(|s| !(-31..=30).contains(s)) {
            return Err(Unsupported(format!("op {op}: channel {c} has shift {} outside -31..=30", shift[c])));
        }
        let (lo, hi) = (st.clamp_min, st.clamp_max);
        Ok(match &st.kernel {
            None => StageSpec { mult, shift, zp: st.out_zp(), lo, hi, table: None },
            Some((_, k)) => {
                if k.io.in_dtype != DType::I8 || k.io.out_dtype != DType::I8 {
                    return Err(Unsupported(format!("op {op}: the fused activation is not int8 → int8")));
                }
                let sets = k.io.channels.max(1);
                let table =
                    (0..sets).map(|c| (-128..=127).map(|p| k.eval(p, c).clamp(lo, hi) as i8).collect()).collect();
                StageSpec { mult, shift, zp: k.io.in_zp, lo: -128, hi: 127, table: Some(table) }
            }
        })
    }

    /// Channel-parameter ROM word of channel `c`: `{bias, mult[30:0], shift[6:0]}`.
    pub fn channel_word(&self, bias: i32, c: usize) -> String {
        format!("{{{}, {}, {}}}", hex(32, bias as i64), hex(31, self.mult[c] as i64), hex(7, self.shift[c] as i64))
    }

    /// The `(set, index)` table ROM as `initial` assignments into `rom`.
    pub fn table_init(&self, rom: &str) -> String {
        let mut s = String::new();
        for (set, t) in self.table.iter().flatten().enumerate() {
            for (i, &v) in t.iter().enumerate() {
                let _ = writeln!(s, "    {rom}[{}] = {};", set * 256 + i, hex(8, v as i64));
            }
        }
        s
    }
}

/// The requantization module `<prefix>_requant`, shared by every layer.
/// `LEFT = 0` (no channel of the layer shifts left) drops the saturating
/// left shift; every step is at most one 32-bit add or compare per clock.
pub fn verilog(prefix: &str) -> String {
    format!(
        r#"// Requantization, bit for bit the runtime's `requantize` + zero point + clamp:
// operand = sat32(acc << max(shift, 0)); high = (operand * mult + 2^30) >>> 31;
// v = high / 2^min(-shift, 31) rounded half away from zero; q = clamp(v + ZP, LO, HI).
// `start` is taken when idle; `done` pulses {REQUANT_CYCLES} cycles later with q.
// The product is |operand| * mult as four 16x16 partial products through one
// multiplier; the rounding constant starts the sum, adjusted for the sign, so
// floor((±P + 2^30) / 2^31) = ±((P + c) >> 31) with c = 2^30 (+) or 2^30 - 1 (-).
module {prefix}_requant #(
    parameter signed [31:0] ZP = 0,
    parameter signed [31:0] LO = -128,
    parameter signed [31:0] HI = 127,
    parameter LEFT = 1
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               start,
    input  wire signed [31:0] acc,
    input  wire        [30:0] mult,
    input  wire signed [6:0]  shift,
    output reg                done,
    output reg  signed [7:0]  q
);
    localparam [3:0] IDLE = 4'd0, WIDE = 4'd1, PREP = 4'd2, MUL = 4'd3, CARRY = 4'd4, SIGN = 4'd5,
                     RSHR = 4'd6, ROUND = 4'd7, ADDZP = 4'd8, CLAMP = 4'd9;
    localparam signed [63:0] I32_MAX = 64'sh000000007fffffff;
    localparam signed [63:0] I32_MIN = -64'sh0000000080000000;
    reg [3:0] st;
    reg signed [31:0] a_r;
    reg [30:0] m_r;
    reg signed [6:0] s_r;
    reg signed [63:0] wide;
    reg neg;
    reg [31:0] mag;
    reg [4:0] right;
    reg [2:0] k;
    reg [31:0] prod;
    reg [5:0] poff;
    reg [31:0] lo_sum, hi_sum;
    reg cy;
    reg signed [31:0] high, shifted;
    reg up;
    reg signed [31:0] v;
    reg signed [33:0] with_zp;
    reg below, above;
    // The clamp compares v with LO - ZP and HI - ZP while ZP is added.
    localparam signed [33:0] V_LO = LO - ZP, V_HI = HI - ZP;
    wire signed [33:0] v_wide = {{{{2{{v[31]}}}}, v}};

    wire signed [6:0] neg_s = -s_r;
    wire [5:0] left = s_r > 0 ? {{1'b0, s_r[4:0]}} : 6'd0;
    wire signed [31:0] operand = LEFT == 0 ? a_r
        : wide > I32_MAX ? 32'sh7fffffff : wide < I32_MIN ? 32'sh80000000 : wide[31:0];
    // Partial product k: magnitude half k[0] times multiplier half k[1].
    wire [15:0] a_half = k[0] ? mag[31:16] : mag[15:0];
    wire [15:0] m_half = k[1] ? {{1'b0, m_r[30:16]}} : m_r[15:0];
    wire [63:0] term = {{32'd0, prod}} << poff;
    wire [32:0] lo_next = {{1'b0, lo_sum}} + {{1'b0, term[31:0]}};
    // Rounding of `high >>> right`, half away from zero, without an adder:
    // up iff the highest dropped bit is set and, below zero, any other is.
    reg [31:0] mask;
    wire [31:0] half = mask >> 1;
    wire round_bit = |(high & (mask ^ half));
    wire sticky = |(high & half);
    wire [32:0] hi_next = {{hi_sum, 1'b1}} + {{term[63:32], cy}};

    always @(posedge clk) begin
        done <= 1'b0;
        if (rst) begin
            st <= IDLE;
        end else begin
            case (st)
                IDLE: if (start) begin
                    a_r <= acc;
                    m_r <= mult;
                    s_r <= shift;
                    st <= LEFT == 0 ? PREP : WIDE;
                end
                WIDE: begin
                    wide <= {{{{32{{a_r[31]}}}}, a_r}} <<< left;
                    st <= PREP;
                end
                PREP: begin
                    neg <= operand[31];
                    mag <= operand[31] ? -operand : operand;
                    right <= s_r < 0 ? (s_r < -7'sd31 ? 5'd31 : neg_s[4:0]) : 5'd0;
                    lo_sum <= operand[31] ? 32'h3fffffff : 32'h40000000;
                    hi_sum <= 32'd0;
                    cy <= 1'b0;
                    k <= 3'd0;
                    st <= MUL;
                end
                MUL: begin
                    // Product k is registered (the DSP's output register) and
                    // added one cycle later, the low word's carry one more later.
                    if (k < 3'd4) begin
                        prod <= a_half * m_half;
                        poff <= {{k[0] & k[1], k[0] ^ k[1], 4'd0}};
                    end
                    if (k == 3'd0) mask <= ~(32'hffffffff << right);
                    else begin
                        lo_sum <= lo_next[31:0];
                        cy <= lo_next[32];
                        hi_sum <= hi_next[32:1];
                    end
                    k <= k + 3'd1;
                    if (k == 3'd4) st <= CARRY;
                end
                CARRY: begin
                    hi_sum <= hi_sum + {{31'd0, cy}};
                    st <= SIGN;
                end
                SIGN: begin
                    high <= neg ? -{{hi_sum[30:0], lo_sum[31]}} : {{hi_sum[30:0], lo_sum[31]}};
                    st <= RSHR;
                end
                RSHR: begin
                    shifted <= high >>> right;
                    up <= round_bit && (!high[31] || sticky);
                    st <= ROUND;
                end
                ROUND: begin
                    v <= shifted + $signed({{31'd0, up}});
                    st <= ADDZP;
                end
                ADDZP: begin
                    with_zp <= v_wide + ZP;
                    below <= v_wide < V_LO;
                    above <= v_wide > V_HI;
                    st <= CLAMP;
                end
                default: begin
                    q <= below ? LO[7:0] : above ? HI[7:0] : with_zp[7:0];
                    done <= 1'b1;
                    st <= IDLE;
                end
            endcase
        end
    end
endmodule
"#
    )
}

/// One requantization case: `(acc, mult, shift)`.
pub type Case = (i32, i32, i32);

/// What the runtime gives for `case` with zero point `zp` and clamp `lo..=hi`.
pub fn reference((acc, mult, shift): Case, zp: i32, lo: i32, hi: i32) -> i8 {
    polyact::arith::requantize(acc, mult, shift).saturating_add(zp).clamp(lo, hi) as i8
}

/// A bench for the requantization module alone (`ZP = zp`, clamp to int8,
/// `LEFT = 1`): every case in, every `q` compared with [`reference`].
/// Writes `<prefix>.v`, `<prefix>_tb.v` and `rq_cases.hex` into `dir`.
pub fn write_unit_bench(dir: &std::path::Path, prefix: &str, cases: &[Case], zp: i32) -> Result<(), String> {
    let mut vectors = String::new();
    for &c in cases {
        let q = reference(c, zp, -128, 127);
        let _ = writeln!(vectors, "{:08x}{:08x}{:02x}{:02x}", c.0 as u32, c.1 as u32, c.2 as u8, q as u8);
    }
    let tb = format!(
        r#"`timescale 1ns/1ps
module {prefix}_tb;
    localparam N = {n};
    reg clk = 1'b0;
    always #5 clk = ~clk;
    reg rst = 1'b1, start = 1'b0;
    reg [79:0] cases [0:N-1];
    reg signed [31:0] acc;
    reg [30:0] mult;
    reg signed [6:0] shift;
    wire done;
    wire signed [7:0] q;
    {prefix}_requant #(.ZP({zp}), .LO(-128), .HI(127), .LEFT(1)) dut (
        .clk(clk), .rst(rst), .start(start), .acc(acc), .mult(mult), .shift(shift), .done(done), .q(q));
    integer i, errors = 0;
    initial begin
        $readmemh("rq_cases.hex", cases);
        repeat (2) @(posedge clk);
        rst <= 1'b0;
        for (i = 0; i < N; i = i + 1) begin
            @(negedge clk);
            acc = cases[i][79:48];
            mult = cases[i][46:16];
            shift = cases[i][14:8];
            start = 1'b1;
            @(negedge clk);
            start = 1'b0;
            while (!done) @(negedge clk);
            if (q !== $signed(cases[i][7:0])) begin
                if (errors < 8) $display("mismatch: acc %0d mult %0d shift %0d: design %0d, runtime %0d",
                                         acc, mult, shift, q, $signed(cases[i][7:0]));
                errors = errors + 1;
            end
        end
        $display("{summary} %0d vectors, %0d mismatches", N, errors);
        $finish;
    end
endmodule
"#,
        n = cases.len(),
        summary = crate::emit::TB_SUMMARY
    );
    let w = |file: &str, text: &str| std::fs::write(dir.join(file), text).map_err(|e| format!("{file}: {e}"));
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    w(&format!("{prefix}.v"), &verilog(prefix))?;
    w(&format!("{prefix}_tb.v"), &tb)?;
    w("rq_cases.hex", &vectors)
}
