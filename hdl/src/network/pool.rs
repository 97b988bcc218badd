//! Average and max pooling (int8) engine: one output at a time over its
//! window's valid taps (a tap-address ROM built from the runtime's geometry
//! marks padding, which pooling skips), then for averages the runtime's
//! `round_div` — half away from zero — by a restoring divider, and the clamp.

use super::conv::{tap_pixel, tap_rom_init};
use super::{addr_bits, hex, NetLayer};
use crate::spec::Unsupported;
use polyact::layers::pool::{Pool, PoolKind};
use polyact::{DType, Op};

/// A pooling layer as the engine builds it.
#[derive(Clone, Debug)]
pub struct PoolSpec {
    pub max: bool,
    pub x_len: usize,
    pub outputs: usize,
    /// Taps per output.
    pub taps: usize,
    /// `[output · taps + t]`: the input byte, or `None` outside the input.
    pub gather: Vec<Option<usize>>,
    /// What an output with no valid tap is (the runtime: the zero point).
    pub zp: i32,
    pub clamp: (i32, i32),
}

impl PoolSpec {
    /// The [`LAYERS`](super::LAYERS) constructor.
    pub fn build(op: &Op, k: usize, _lanes: usize) -> Result<Option<Box<dyn NetLayer>>, Unsupported> {
        let (Op::AvgPool(p) | Op::MaxPool(p)) = op else { return Ok(None) };
        if p.input.dtype != DType::I8 {
            return Err(Unsupported(format!("op {k} ({}) is not int8", op.kind().name())));
        }
        Ok(Some(Box::new(PoolSpec::from_pool(p))))
    }

    fn from_pool(p: &Pool) -> PoolSpec {
        let g = &p.g;
        let [_, iw, c] = g.in_hwc;
        let [oh, ow, _] = g.out_hwc;
        let [kh, kw] = g.window;
        let mut gather = Vec::with_capacity(oh * ow * c * kh * kw);
        for oy in 0..oh {
            for ox in 0..ow {
                for ch in 0..c {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let px = tap_pixel(g, (oy, ox), (ky, kx));
                            gather.push(px.map(|(y, x)| (y * iw + x) * c + ch));
                        }
                    }
                }
            }
        }
        PoolSpec {
            max: p.kind == PoolKind::Max,
            x_len: p.input.len(),
            outputs: p.output.len(),
            taps: kh * kw,
            gather,
            zp: p.input.quant.zero_point,
            clamp: p.clamp,
        }
    }
}

impl NetLayer for PoolSpec {
    fn in_len(&self) -> usize {
        self.x_len
    }
    fn out_len(&self) -> usize {
        self.outputs
    }
    fn lanes(&self) -> usize {
        1
    }
    fn macs(&self) -> usize {
        0
    }
    fn describe(&self) -> String {
        format!(
            "{} pool, {} outputs of {} taps; about {} cycles per inference",
            if self.max { "max" } else { "average" },
            self.outputs,
            self.taps,
            self.outputs * (self.taps + 4 + if self.max { 1 } else { 33 })
        )
    }

    fn verilog(&self, module: &str, _prefix: &str) -> String {
        let (xaw, yaw) = (addr_bits(self.x_len), addr_bits(self.outputs));
        let (gaw, taw) = (addr_bits(self.gather.len()), addr_bits(self.taps));
        let init = tap_rom_init(&self.gather, xaw);
        let sv = |v: i32| hex(32, v as i64).replace("32'h", "32'sh");
        format!(
            r#"// {kind} pool: {outputs} outputs of {taps} taps.
{header}    localparam [2:0] S_IDLE = 3'd0, S_RUN = 3'd1, S_FLUSH = 3'd2, S_DIV = 3'd3, S_OUT = 3'd4, S_WRITE = 3'd5;
    localparam MAX = {max};
    localparam signed [31:0] ZP = {zp}, LO = {lo}, HI = {hi};
    // Tap addresses; the top bit marks a tap outside the input (skipped).
    reg [{xaw}:0] grom [0:{glast}];
    initial begin
{init}    end
    reg [2:0] st;
    reg [{gm}:0] gidx;
    reg [{tm}:0] t;
    reg [{ym}:0] o;
    reg [{xaw}:0] gq;
    reg e1, e2, pad2;
    reg signed [31:0] sum, best, v;
    reg [31:0] cnt;
    // Restoring division of 2|sum| + cnt by 2 cnt: the runtime's round_div.
    reg [31:0] num, den, rem, quot;
    reg [5:0] bit_i;
    reg neg;
    wire [31:0] trial = {{rem[30:0], num[31]}};
    wire go = st == S_IDLE && start && !done;
    assign x_addr = gq[{xm1}:0];
    always @(posedge clk) gq <= grom[gidx];

    always @(posedge clk) begin
        done <= 1'b0;
        y_we <= 1'b0;
        e1 <= st == S_RUN;
        e2 <= e1;
        pad2 <= gq[{xaw}];
        if (e2 && !pad2) begin
            sum <= sum + x_data;
            cnt <= cnt + 1'b1;
            if (x_data > best) best <= x_data;
        end
        if (go || st == S_WRITE) begin
            sum <= 32'sd0;
            cnt <= 32'd0;
            best <= -32'sd128;
        end
        if (rst) begin
            st <= S_IDLE;
            e1 <= 1'b0;
            e2 <= 1'b0;
        end else begin
            case (st)
                S_IDLE: if (go) begin
                    gidx <= 0; t <= 0; o <= 0;
                    st <= S_RUN;
                end
                S_RUN: begin
                    gidx <= gidx + 1'b1;
                    if (t == {tlast}) begin t <= 0; st <= S_FLUSH; end
                    else t <= t + 1'b1;
                end
                S_FLUSH: if (!e1 && !e2) begin
                    neg <= sum < 0;
                    num <= (sum < 0 ? -sum : sum) * 2 + cnt;
                    den <= cnt * 2;
                    rem <= 32'd0;
                    quot <= 32'd0;
                    bit_i <= 6'd0;
                    st <= MAX ? S_OUT : S_DIV;
                end
                S_DIV: begin
                    if (trial >= den) begin rem <= trial - den; quot <= {{quot[30:0], 1'b1}}; end
                    else begin rem <= trial; quot <= {{quot[30:0], 1'b0}}; end
                    num <= {{num[30:0], 1'b0}};
                    bit_i <= bit_i + 1'b1;
                    if (bit_i == 6'd31) st <= S_OUT;
                end
                S_OUT: begin
                    v <= cnt == 0 ? ZP : MAX ? best : neg ? -$signed(quot) : $signed(quot);
                    st <= S_WRITE;
                end
                default: begin
                    y_we <= 1'b1;
                    y_addr <= o;
                    y_data <= v < LO ? LO[7:0] : v > HI ? HI[7:0] : v[7:0];
                    o <= o + 1'b1;
                    if (o == {olast}) begin done <= 1'b1; st <= S_IDLE; end
                    else st <= S_RUN;
                end
            endcase
        end
    end
endmodule
"#,
            kind = if self.max { "Max" } else { "Average" },
            outputs = self.outputs,
            taps = self.taps,
            header = super::engine_header(module, xaw, yaw),
            xm1 = xaw - 1,
            ym = yaw - 1,
            max = self.max as u8,
            zp = sv(self.zp),
            lo = sv(self.clamp.0),
            hi = sv(self.clamp.1),
            glast = self.gather.len() - 1,
            gm = gaw - 1,
            tm = taw - 1,
            tlast = self.taps - 1,
            olast = self.outputs - 1,
        )
    }
}
