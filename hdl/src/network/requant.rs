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
pub const REQUANT_CYCLES: usize = 10;

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
                let table = (0..sets)
                    .map(|c| (-128..=127).map(|p| k.eval(p, c).clamp(lo, hi) as i8).collect())
                    .collect();
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
pub fn verilog(prefix: &str) -> String {
    format!(
        r#"// Requantization, bit for bit the runtime's `requantize` + zero point + clamp:
// operand = sat32(acc << max(shift, 0)); high = (operand * mult + 2^30) >>> 31;
// v = high / 2^min(-shift, 31) rounded half away from zero; q = clamp(v + ZP, LO, HI).
// `start` is taken when idle; `done` pulses {REQUANT_CYCLES} cycles later with q.
module {prefix}_requant #(
    parameter signed [31:0] ZP = 0,
    parameter signed [31:0] LO = -128,
    parameter signed [31:0] HI = 127
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
    localparam [2:0] IDLE = 3'd0, PREP = 3'd1, MUL = 3'd2, ROUND = 3'd3, RSHR = 3'd4, OUT = 3'd5;
    localparam signed [63:0] I32_MAX = 64'sh000000007fffffff;
    localparam signed [63:0] I32_MIN = -64'sh0000000080000000;
    reg [2:0] st;
    reg signed [31:0] a_r;
    reg [30:0] m_r;
    reg signed [6:0] s_r;
    reg neg;
    reg [31:0] mag;
    reg [4:0] right;
    reg [2:0] k;
    reg [31:0] prod;
    reg [5:0] poff;
    reg [63:0] sum;
    reg signed [31:0] high;
    reg signed [31:0] v;

    // The left shift saturates to i32, as the runtime's does.
    wire signed [6:0] neg_s = -s_r;
    wire [5:0] left = s_r > 0 ? {{1'b0, s_r[4:0]}} : 6'd0;
    wire signed [63:0] wide = {{{{32{{a_r[31]}}}}, a_r}} <<< left;
    wire signed [31:0] operand = wide > I32_MAX ? 32'sh7fffffff : wide < I32_MIN ? 32'sh80000000 : wide[31:0];
    // Partial product k: magnitude half k[0] times multiplier half k[1].
    wire [15:0] a_half = k[0] ? mag[31:16] : mag[15:0];
    wire [15:0] m_half = k[1] ? {{1'b0, m_r[30:16]}} : m_r[15:0];
    wire [63:0] total = neg ? -sum : sum;
    wire [63:0] nudged = total + 64'h0000000040000000;
    wire [31:0] mask = (32'd1 << right) - 32'd1;
    wire [31:0] rem = high & mask;
    wire [31:0] threshold = (mask >> 1) + {{31'd0, high[31]}};
    wire signed [33:0] with_zp = $signed({{{{2{{v[31]}}}}, v}}) + ZP;

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
                    st <= PREP;
                end
                PREP: begin
                    neg <= operand[31];
                    mag <= operand[31] ? -operand : operand;
                    right <= s_r < 0 ? (s_r < -7'sd31 ? 5'd31 : neg_s[4:0]) : 5'd0;
                    sum <= 64'd0;
                    k <= 3'd0;
                    st <= MUL;
                end
                MUL: begin
                    // Product k is registered (the DSP's output register) and
                    // added one cycle later.
                    if (k < 3'd4) begin
                        prod <= a_half * m_half;
                        poff <= {{k[0] & k[1], k[0] ^ k[1], 4'd0}};
                    end
                    if (k != 3'd0) sum <= sum + ({{32'd0, prod}} << poff);
                    k <= k + 3'd1;
                    if (k == 3'd4) st <= ROUND;
                end
                ROUND: begin
                    high <= nudged[62:31];
                    st <= RSHR;
                end
                RSHR: begin
                    v <= (high >>> right) + $signed({{31'd0, rem > threshold}});
                    st <= OUT;
                end
                default: begin
                    q <= with_zp < LO ? LO[7:0] : with_zp > HI ? HI[7:0] : with_zp[7:0];
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
