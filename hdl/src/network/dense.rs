//! Dense (fully connected) int8 layer engine: `P` lanes compute `P` output
//! channels at once — one input byte broadcast to all lanes, `P` weights per
//! clock from one ROM word — then the [`requant`](super::requant) stage drains
//! the group's accumulators one by one while the lanes start the next group.
//!
//! The runtime sums `(x − zp) · w`; the engine sums `x · w` and starts from
//! `bias − zp · Σw`, which is the same i32 modulo 2^32 (both wrap the same
//! way), so the lanes need 8 × 8-bit multipliers only.

use super::requant::{StageSpec, REQUANT_CYCLES};
use super::{addr_bits, hex, NetLayer};
use crate::spec::Unsupported;
use polyact::dtype::le_i32;
use polyact::layers::output_stage::Weighted;
use polyact::{DType, Op, TensorInfo};
use std::fmt::Write;

/// A Dense layer as the engine builds it.
#[derive(Clone, Debug)]
pub struct DenseSpec {
    pub n_in: usize,
    pub n_out: usize,
    pub rows: usize,
    pub lanes: usize,
    /// `[out][in]`, as in the blob.
    pub weights: Vec<i8>,
    /// `bias − zp_in · Σ w` per output channel (wrapping, as the runtime).
    pub folded_bias: Vec<i32>,
    pub stage: StageSpec,
    /// Bytes of the input tensor.
    pub x_len: usize,
    /// Convolutions: the input byte tap `i` of output position `row` reads,
    /// at `[row · n_in + i]`, or `None` for padding (which reads the input zero
    /// point, so with the folded bias it adds nothing, as in the runtime).
    pub gather: Option<Vec<Option<usize>>>,
    /// The input zero point (what padding taps read).
    pub x_zp: i32,
    /// What the README calls it (Dense, Conv1D...).
    pub kind: &'static str,
}

impl DenseSpec {
    /// The [`LAYERS`](super::LAYERS) constructor.
    pub fn build(op: &Op, k: usize, lanes: usize) -> Result<Option<Box<dyn NetLayer>>, Unsupported> {
        let Op::Dense(d) = op else { return Ok(None) };
        if d.input.dtype != DType::I8 || d.output.dtype != DType::I8 {
            return Err(Unsupported(format!("op {k} (Dense) is not int8 in and out")));
        }
        let spec = DenseSpec::weighted(&d.w, &d.input, (d.n_in, d.n_out, d.rows), lanes, k)?;
        Ok(Some(Box::new(spec)))
    }

    /// The engine of a weighted layer: `n_in` inputs per output, `n_out`
    /// output channels, `rows` output positions (no gather: contiguous rows).
    pub fn weighted(
        w: &Weighted,
        input: &TensorInfo,
        (n_in, n_out, rows): (usize, usize, usize),
        lanes: usize,
        k: usize,
    ) -> Result<DenseSpec, Unsupported> {
        let stage = StageSpec::from_stage(&w.stage, n_out, k)?;
        let weights: Vec<i8> = w.weights.iter().map(|&b| b as i8).collect();
        let zp = input.quant.zero_point;
        let folded_bias = (0..n_out)
            .map(|c| {
                let sum_w = weights[c * n_in..(c + 1) * n_in].iter().fold(0i32, |s, &w| s.wrapping_add(w as i32));
                le_i32(w.bias_bytes(), c).wrapping_sub(zp.wrapping_mul(sum_w))
            })
            .collect();
        Ok(DenseSpec {
            n_in,
            n_out,
            rows,
            lanes: lanes.clamp(1, n_out),
            weights,
            folded_bias,
            stage,
            x_len: input.len(),
            gather: None,
            x_zp: zp,
            kind: "Dense",
        })
    }

    fn groups(&self) -> usize {
        self.n_out.div_ceil(self.lanes)
    }

    /// Weight ROM word `g·N + i`: lane `l` holds `w[g·P + l][i]` (0 past the outputs).
    fn weight_init(&self) -> String {
        let (n, p) = (self.n_in, self.lanes);
        let mut s = String::new();
        for g in 0..self.groups() {
            for i in 0..n {
                let mut word = String::new();
                for l in (0..p).rev() {
                    let c = g * p + l;
                    let w = if c < self.n_out { self.weights[c * n + i] } else { 0 };
                    let _ = write!(word, "{:02x}", w as u8);
                }
                let _ = writeln!(s, "    wrom[{}] = {}'h{word};", g * n + i, 8 * p);
            }
        }
        s
    }
}

impl NetLayer for DenseSpec {
    fn in_len(&self) -> usize {
        self.x_len
    }
    fn out_len(&self) -> usize {
        self.rows * self.n_out
    }
    fn lanes(&self) -> usize {
        self.lanes
    }
    fn macs(&self) -> usize {
        self.rows * self.n_in * self.n_out
    }
    fn describe(&self) -> String {
        let act = match &self.stage.table {
            Some(t) => format!("fused activation as {} table(s) of 256 bytes", t.len()),
            None => "no activation".into(),
        };
        let rows = if self.rows > 1 { format!(" × {} rows", self.rows) } else { String::new() };
        format!(
            "{} {}→{}{rows}, {} lane(s), {act}; about {} cycles per inference",
            self.kind,
            self.n_in,
            self.n_out,
            self.lanes,
            self.cycles()
        )
    }

    fn verilog(&self, module: &str, prefix: &str) -> String {
        let (n, m, p, g, rows) = (self.n_in, self.n_out, self.lanes, self.groups(), self.rows);
        let (xaw, yaw) = (addr_bits(self.in_len()), addr_bits(self.out_len()));
        let (iw, waw, caw, lw) = (addr_bits(n), addr_bits(g * n), addr_bits(g * p + 1), addr_bits(p));
        let (gw, rw) = (addr_bits(g), addr_bits(rows));
        let st = &self.stage;
        let has_table = st.table.is_some();
        let sets = st.table.as_ref().map_or(1, |t| t.len());
        let taw = addr_bits(sets * 256);
        // Gathered inputs (convolutions): one more clock to read the tap's address.
        let (gather_rom, x_addr, d_first, flush) = match &self.gather {
            Some(g) => {
                let init = super::conv::tap_rom_init(g, xaw);
                (
                    format!(
                        "    // Tap addresses, per output position; the top bit marks padding.\n\
                         \x20   reg [{xaw}:0] grom [0:{}];\n    initial begin\n{init}    end\n\
                         \x20   reg [{xaw}:0] gq;\n    reg pad_q, d0;\n    reg [{}:0] wq_q;\n\
                         \x20   always @(posedge clk) begin\n        gq <= grom[xbase + i];\n        pad_q <= gq[{xaw}];\n        wq_q <= wq;\n    end\n\
                         \x20   wire signed [7:0] x_eff = pad_q ? {} : x_data;\n    wire [{}:0] w_eff = wq_q;\n",
                        g.len() - 1,
                        8 * p - 1,
                        hex(8, self.x_zp as i64),
                        8 * p - 1
                    ),
                    format!("gq[{}:0]", xaw - 1),
                    "        d0 <= st == S_MAC;\n        d1 <= d0;\n",
                    "!d0 && !d1 && !d2",
                )
            }
            None => (
                format!("    wire signed [7:0] x_eff = x_data;\n    wire [{}:0] w_eff = wq;\n", 8 * p - 1),
                "xbase + i".to_string(),
                "        d1 <= st == S_MAC;\n",
                "!d1 && !d2",
            ),
        };
        let mut crom = String::new();
        for c in 0..m {
            let _ = writeln!(crom, "    crom[{c}] = {};", st.channel_word(self.folded_bias[c], c));
        }
        let table = if has_table {
            let addr = if sets > 1 { "{dch, q_r ^ 8'h80}".to_string() } else { "q_r ^ 8'h80".to_string() };
            format!(
                "    // Fused activation: the runtime's output for each int8 pre-activation.\n\
                 \x20   reg [7:0] trom [0:{}];\n    initial begin\n{}    end\n\
                 \x20   wire [{}:0] t_addr = {addr};\n    always @(posedge clk) tq <= trom[t_addr];\n",
                sets * 256 - 1,
                st.table_init("trom"),
                taw - 1
            )
        } else {
            String::new()
        };
        let mut lanes = String::new();
        for l in 0..p {
            let next = if l + 1 < p { format!("shadow_{}", l + 1) } else { "32'sd0".into() };
            let _ = write!(
                lanes,
                "    reg signed [15:0] prod_{l};\n    reg signed [31:0] acc_{l}, shadow_{l};\n\
                 \x20   always @(posedge clk) begin\n\
                 \x20       if (d1) prod_{l} <= x_eff * $signed(w_eff[{hi}:{lo}]);\n\
                 \x20       if (clear) acc_{l} <= 32'sd0;\n\
                 \x20       else if (d2) acc_{l} <= acc_{l} + prod_{l};\n\
                 \x20       if (handoff) shadow_{l} <= acc_{l};\n\
                 \x20       else if (drain_next) shadow_{l} <= {next};\n\
                 \x20   end\n",
                hi = 8 * l + 7,
                lo = 8 * l
            );
        }
        format!(
            r#"// Dense {n}→{m} × {rows} row(s), {p} lane(s): {g} group(s) of {p} output channels.
{header}    localparam [2:0] S_IDLE = 3'd0, S_MAC = 3'd1, S_FLUSH = 3'd2, S_HANDOFF = 3'd3, S_WAIT = 3'd4;
    localparam [2:0] D_IDLE = 3'd0, D_READ = 3'd1, D_START = 3'd2, D_WAIT = 3'd3, D_TABLE = 3'd4, D_WRITE = 3'd5;

    // Weights: word g*{n} + i holds input i's weight for each lane of group g.
    reg [{wbits}:0] wrom [0:{wlast}];
    initial begin
{winit}    end
    // Per channel: {{bias - zp*sum(w), multiplier, shift}}.
    reg [69:0] crom [0:{clast}];
    initial begin
{crom}    end

    reg [2:0] st;
    reg [{im}:0] i;
    reg [{gm}:0] grp;
    reg [{rm}:0] row;
    reg [{xbm}:0] xbase;
    reg [{ym}:0] ybase;
    reg [{wm}:0] wbase;
    reg [{cm}:0] gbase;
    reg d1, d2;
    reg [{wbits}:0] wq;
    assign x_addr = {x_addr};

    // Drain of one group through the requantization stage.
    reg [2:0] ds;
    reg [{lm}:0] dl;
    reg [{cm}:0] dch;
    reg [{ym}:0] dybase;
    reg [69:0] cq;
    reg signed [7:0] q_r;
    reg [7:0] tq;
    wire handoff = st == S_HANDOFF && ds == D_IDLE;
    // Accumulators restart at every group and at the start of an inference.
    // `start` stays high until the flags see `done`: not taken in that cycle.
    wire go = st == S_IDLE && start && !done;
    wire clear = handoff || go;
    wire drain_next = ds == D_WRITE;
    wire rq_done;
    wire signed [7:0] rq_q;

    always @(posedge clk) wq <= wrom[wbase + i];
    always @(posedge clk) cq <= crom[dch];
{table}{gather_rom}
    // One multiplier and accumulator per lane; `shadow` holds the group
    // being drained and shifts one lane down per channel written.
{lanes}
    {prefix}_requant #(.ZP({zp}), .LO({lo}), .HI({hi}), .LEFT({left})) rq (
        .clk(clk), .rst(rst), .start(ds == D_START),
        .acc(shadow_0 + $signed(cq[69:38])), .mult(cq[37:7]), .shift(cq[6:0]),
        .done(rq_done), .q(rq_q)
    );

    always @(posedge clk) begin
        done <= 1'b0;
{d_first}        d2 <= d1;
        if (rst) begin
            st <= S_IDLE;
            d1 <= 1'b0;
            d2 <= 1'b0;
        end else begin
            case (st)
                S_IDLE: if (go) begin
                    i <= 0; grp <= 0; row <= 0; xbase <= 0; ybase <= 0; wbase <= 0; gbase <= 0;
                    st <= S_MAC;
                end
                S_MAC: begin
                    if (i == {im1}) begin i <= 0; st <= S_FLUSH; end
                    else i <= i + 1'b1;
                end
                S_FLUSH: if ({flush}) st <= S_HANDOFF;
                S_HANDOFF: if (handoff) begin
                    if (grp == {glast}) begin
                        grp <= 0; wbase <= 0; gbase <= 0;
                        if (row == {rlast}) st <= S_WAIT;
                        else begin
                            row <= row + 1'b1; xbase <= xbase + {n}; ybase <= ybase + {m};
                            st <= S_MAC;
                        end
                    end else begin
                        grp <= grp + 1'b1; wbase <= wbase + {n}; gbase <= gbase + {p};
                        st <= S_MAC;
                    end
                end
                default: if (ds == D_IDLE) begin done <= 1'b1; st <= S_IDLE; end
            endcase
        end
    end

    always @(posedge clk) begin
        y_we <= 1'b0;
        if (rst) ds <= D_IDLE;
        else case (ds)
            D_IDLE: if (handoff) begin dl <= 0; dch <= gbase; dybase <= ybase; ds <= D_READ; end
            D_READ: ds <= D_START;
            D_START: ds <= D_WAIT;
            D_WAIT: if (rq_done) begin q_r <= rq_q; ds <= {after_wait}; end
            D_TABLE: ds <= D_WRITE;
            default: begin
                y_we <= 1'b1;
                y_addr <= dybase + dch;
                y_data <= {yval};
                dl <= dl + 1'b1;
                dch <= dch + 1'b1;
                ds <= (dl == {llast} || dch == {clast}) ? D_IDLE : D_READ;
            end
        endcase
    end
endmodule
"#,
            header = super::engine_header(module, xaw, yaw),
            xbm = addr_bits(self.x_len.max(rows * n)) - 1,
            ym = yaw - 1,
            wbits = 8 * p - 1,
            wlast = g * n - 1,
            winit = self.weight_init(),
            clast = m - 1,
            im = iw - 1,
            gm = gw - 1,
            rm = rw - 1,
            wm = waw - 1,
            cm = caw - 1,
            lm = lw - 1,
            im1 = n - 1,
            glast = g - 1,
            rlast = rows - 1,
            llast = p - 1,
            zp = hex(32, st.zp as i64).replace("32'h", "32'sh"),
            lo = hex(32, st.lo as i64).replace("32'h", "32'sh"),
            hi = hex(32, st.hi as i64).replace("32'h", "32'sh"),
            left = st.shift.iter().any(|&s| s > 0) as u8,
            after_wait = if has_table { "D_TABLE" } else { "D_WRITE" },
            yval = if has_table { "tq" } else { "q_r" },
        )
    }
}

impl DenseSpec {
    /// Cycles per inference: per group the lanes' pass (N + 4) or the drain
    /// of the previous group, whichever is longer, plus the last drain.
    pub fn cycles(&self) -> usize {
        let drain = self.lanes * (REQUANT_CYCLES + 5);
        self.rows * self.groups() * (self.n_in + 4).max(drain) + drain
    }
}
