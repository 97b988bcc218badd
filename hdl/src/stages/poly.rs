//! Stages of the piecewise-polynomial core (see `polyact`'s `Poly` kernel):
//! locate → lead coefficient → one [`HornerStep`] per degree → [`FinalStage`].
//! Widths inside the stages come from [`crate::ranges`].

use super::delay::Delay;
use super::pipelined_sum::{fit, round_up, round_up_depth, PipelinedSum};
use super::{delay_verilog, dsp_multiply, dsp_pieces, rom_verilog, Piece};
use crate::ranges::signed_bits;
use crate::word::{int, lit, signed_int, signed_word, word};
use polyact::activation::{horner_step, locate};
use polyact::arith::{rshr_up_i32, sat_i32};
use rust_hdl::prelude::*;
use std::fmt::Write;

/// Segment index width on the wires (ROM depth up to 256).
pub const SEG: usize = 8;
/// Local coordinate width (|r| ≤ 2^15).
pub const R: usize = 16;
/// Horner accumulator port width: the contract saturates it to `i32`.
pub const ACC: usize = 32;

/// Input stage: `u = x − min`, segment = top `seg_bits` of `u`, centred local
/// coordinate `r = (u mod 2^L) − 2^(L−1)`.
#[derive(LogicBlock)]
pub struct Locate<const IN: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub seg: Signal<Out, Bits<SEG>>,
    pub r: Signal<Out, Bits<R>>,
    _seg_bits: usize,
}

impl<const IN: usize> Locate<IN> {
    pub fn new(seg_bits: u32) -> Self {
        Locate {
            clock: Default::default(),
            x: Default::default(),
            seg: Default::default(),
            r: Default::default(),
            _seg_bits: seg_bits as usize,
        }
    }
}

impl<const IN: usize> Logic for Locate<IN> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let (seg, r) = locate(IN as u32, self._seg_bits as u32, signed_int(self.x.val()) as i32);
            self.seg.next = word(seg as i64);
            self.r.next = word(r as i64);
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
    }
    fn hdl(&self) -> Verilog {
        let (k, l) = (self._seg_bits, IN - self._seg_bits);
        let seg = match k {
            0 => format!("{SEG}'d0"),
            SEG => format!("u[{}:{l}]", IN - 1),
            _ => format!("{{{}'d0, u[{}:{l}]}}", SEG - k, IN - 1),
        };
        // u − 2^(L−1) over the low L bits is those bits with the top one
        // flipped, read as an L-bit signed number.
        let r = match l {
            0 => format!("{R}'d0"),
            1 => format!("{{{R}{{~u[0]}}}}"),
            _ => {
                let low = format!("~u[{}], u[{}:0]", l - 1, l - 2);
                if l == R {
                    format!("{{{low}}}")
                } else {
                    format!("{{{{{}{{~u[{}]}}}}, {low}}}", R - l, l - 1)
                }
            }
        };
        let msb = IN - 1;
        Verilog::Custom(format!(
            "wire [{msb}:0] u = {{~x[{msb}], x[{}:0]}};\n\
             always @(posedge clock) begin\n  seg <= {seg};\n  r <= {r};\nend\n",
            msb - 1
        ))
    }
}

/// Set a stage's outputs from its model's `(segment, r, accumulator)` word.
fn drive(
    seg: &mut Signal<Out, Bits<SEG>>,
    r: &mut Signal<Out, Bits<R>>,
    acc: &mut Signal<Out, Bits<ACC>>,
    (s, rv, a): (u64, i64, i64),
) {
    seg.next = bits(s);
    r.next = word(rv);
    acc.next = word(a);
}

/// Leading coefficient: `acc = c[degree][seg]`.
#[derive(LogicBlock)]
pub struct Lead {
    pub clock: Signal<In, Clock>,
    pub seg_in: Signal<In, Bits<SEG>>,
    pub r_in: Signal<In, Bits<R>>,
    pub seg: Signal<Out, Bits<SEG>>,
    pub r: Signal<Out, Bits<R>>,
    pub acc: Signal<Out, Bits<ACC>>,
    _rom: Vec<i64>,
    _line: Delay<(u64, i64, i64)>,
}

/// ROM read register, then an output register: a block RAM's clock-to-out is
/// most of a cycle at 200 MHz.
pub const LEAD_LATENCY: usize = 2;

impl Lead {
    pub fn new(rom: Vec<i64>) -> Self {
        Lead {
            clock: Default::default(),
            seg_in: Default::default(),
            r_in: Default::default(),
            seg: Default::default(),
            r: Default::default(),
            acc: Default::default(),
            _rom: rom,
            _line: Delay::new(LEAD_LATENCY),
        }
    }
}

impl Logic for Lead {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let seg = self.seg_in.val();
            let c = self._rom.get(seg.index()).copied().unwrap_or(0);
            let out = self._line.clock((seg.to_u64(), int(self.r_in.val()), c));
            drive(&mut self.seg, &mut self.r, &mut self.acc, out);
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
        self.acc.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "reg [{m}:0] seg1;\nreg [{rm}:0] r1;\n\
             always @(posedge clock) begin\n  seg1 <= seg_in;\n  r1 <= r_in;\n  \
             seg <= seg1;\n  r <= r1;\nend\n{}",
            rom_verilog("acc", "seg_in", SEG, &self._rom, ACC),
            m = SEG - 1,
            rm = R - 1
        ))
    }
}

/// Width and delay of a [`HornerStep`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepShape {
    /// Bits of the local coordinate `r` and of the accumulator entering.
    pub r_bits: usize,
    pub acc_bits: usize,
    pub seg_bits: usize,
    /// Bits of `rshr_up(acc·r, shift) + c` (before saturation) and whether the
    /// `i32` saturation can act.
    pub sum_bits: usize,
    pub saturates: bool,
    pub shift: u32,
    /// Carry-chain length per clock.
    pub chunk: usize,
}

impl StepShape {
    /// Whether the rounding splits off: every operand but the first partial
    /// product has no bits below the shift, so `rshr_up(acc·r, s) + c` is
    /// `(pp0 >> s) + Σ others >> s + c + up`, with `up` decided from `pp0`'s
    /// low bits alone ([`round_up`]) — the adder skips the `s` low bits.
    fn split_round(&self) -> bool {
        let pieces = self.pieces();
        let s = self.shift as usize;
        s >= 1 && pieces.get(1).is_none_or(|p| p.0 >= s) && s < self.piece_product_bits(pieces[0])
    }

    fn piece_product_bits(&self, (_, w, signed): Piece) -> usize {
        (if signed { w } else { w + 1 }) + self.r_bits
    }

    /// Split: `Σ (operands >> s) + c + up`. Otherwise the exact sum
    /// `acc·r + (c << s) + 2^(s−1)`, of which `S >> s` is the result.
    fn adder(&self) -> PipelinedSum {
        let pieces = self.pieces();
        let small = pieces.iter().filter(|p| p.2 && p.1 <= 2).count();
        // partial products, negation carries of small pieces, coefficient
        let operands = pieces.len() + small + 1;
        let s = self.shift as usize;
        if self.split_round() {
            PipelinedSum { width: self.sum_bits, chunk: self.chunk, operands, cin_stage: round_up_depth(s) }
        } else {
            PipelinedSum { width: s + self.sum_bits, chunk: self.chunk, operands, cin_stage: 0 }
        }
    }

    /// DSP pieces of the accumulator.
    fn pieces(&self) -> Vec<Piece> {
        dsp_pieces(self.acc_bits)
    }

    /// Clocks from inputs to outputs: operand and product registers, the
    /// adder, the output register.
    pub fn latency(&self) -> usize {
        2 + self.adder().cycles() + 1
    }
}

/// One Horner step, `acc' = sat32(rshr_up(acc·r, shift) + c[seg])`, pipelined:
/// DSP-sized partial products (with the coefficient fetched alongside), a
/// pipelined sum, and the output register with saturation only if it can act.
#[derive(LogicBlock)]
pub struct HornerStep {
    pub clock: Signal<In, Clock>,
    pub seg_in: Signal<In, Bits<SEG>>,
    pub r_in: Signal<In, Bits<R>>,
    pub acc_in: Signal<In, Bits<ACC>>,
    pub seg: Signal<Out, Bits<SEG>>,
    pub r: Signal<Out, Bits<R>>,
    pub acc: Signal<Out, Bits<ACC>>,
    _shape: StepShape,
    _rom: Vec<i64>,
    _line: Delay<(u64, i64, i64)>,
}

impl HornerStep {
    pub fn new(shape: StepShape, rom: Vec<i64>) -> Self {
        HornerStep {
            clock: Default::default(),
            seg_in: Default::default(),
            r_in: Default::default(),
            acc_in: Default::default(),
            seg: Default::default(),
            r: Default::default(),
            acc: Default::default(),
            _line: Delay::new(shape.latency()),
            _shape: shape,
            _rom: rom,
        }
    }
}

impl Logic for HornerStep {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let seg = self.seg_in.val().to_u64();
            let (r, a) = (int(self.r_in.val()), int(self.acc_in.val()));
            let c = self._rom.get(seg as usize).copied().unwrap_or(0);
            let acc = sat_i32(horner_step(a as i32, r as i32, self._shape.shift, c as i32));
            let out = self._line.clock((seg, r, acc as i64));
            drive(&mut self.seg, &mut self.r, &mut self.acc, out);
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
        self.acc.connect();
    }
    fn hdl(&self) -> Verilog {
        let sh = &self._shape;
        let (rb, ab, s) = (sh.r_bits, sh.acc_bits, sh.shift as usize);
        let adder = sh.adder();
        let ws = adder.width;
        let split = sh.split_round();
        // Operand positions relative to the adder's bit 0.
        let base = if split { s } else { 0 };
        let mut decls = String::new();
        let _ = writeln!(decls, "wire signed [{}:0] a = acc_in[{}:0];", ab - 1, ab - 1);
        let _ = writeln!(decls, "wire signed [{}:0] rr = r_in[{}:0];", rb - 1, rb - 1);
        // Partial products, each one DSP multiply: operand registers, then the
        // product register (inside the DSP block where the device allows).
        let mut ops = Vec::new();
        let mut v = "always @(posedge clock) begin\n".to_string();
        let mut dsp = String::new();
        for (k, &(lo, w, signed)) in sh.pieces().iter().enumerate() {
            let aw = if signed { w } else { w + 1 };
            let pw = aw + rb;
            let piece =
                if signed { format!("a[{}:{lo}]", lo + w - 1) } else { format!("1'b0, a[{}:{lo}]", lo + w - 1) };
            let _ = writeln!(decls, "wire signed [{}:0] a_p{k} = {{{piece}}};", aw - 1);
            if signed && w <= 2 {
                // A one- or two-bit top piece t is no DSP block: |t|·r is a
                // multiplexer, negation its complement (one LUT per bit) plus a
                // carry-in bit added as one more operand.
                let re = format!("{{{{{}{{rq{k}[{}]}}}}, rq{k}}}", pw - rb, rb - 1);
                let _ = writeln!(decls, "reg signed [{}:0] ap{k};\nreg signed [{}:0] rq{k};", aw - 1, rb - 1);
                let _ = writeln!(decls, "wire signed [{}:0] re{k} = {re};", pw - 1);
                let mag = if w == 2 {
                    format!("ap{k}[0] ? re{k} : (ap{k}[1] ? (re{k} <<< 1) : {pw}'d0)")
                } else {
                    format!("ap{k}[0] ? re{k} : {pw}'d0")
                };
                let _ =
                    writeln!(decls, "wire [{}:0] m{k} = {mag};\nreg [{}:0] pp{k};\nreg [1:0] neg{k};", pw - 1, pw - 1);
                let _ = writeln!(v, "  ap{k} <= a_p{k};\n  rq{k} <= rr;");
                let _ = writeln!(v, "  pp{k} <= ap{k}[{}] ? ~m{k} : m{k};", aw - 1);
                let _ = writeln!(v, "  neg{k} <= {{1'b0, ap{k}[{}]}};", aw - 1);
                ops.push(fit(&format!("neg{k}"), 2, lo - base, ws).unwrap_or_else(|| format!("{ws}'d0")));
            } else {
                let _ = writeln!(decls, "wire [{}:0] pp{k};", pw - 1);
                dsp += &dsp_multiply(&format!("m{k}"), &format!("a_p{k}"), aw, "rr", rb, &format!("pp{k}"));
            }
            if split && k == 0 {
                let _ = writeln!(decls, "wire [{}:0] pp0h = pp0[{}:{s}];", pw - s - 1, pw - 1);
                ops.push(fit("pp0h", pw - s, 0, ws).unwrap_or_else(|| format!("{ws}'d0")));
            } else {
                ops.push(fit(&format!("pp{k}"), pw, lo - base, ws).unwrap_or_else(|| format!("{ws}'d0")));
            }
        }
        // Coefficient: as is when the rounding splits off, else pre-shifted
        // with the rounding constant folded in.
        let k_of = |c: i64| if split || s == 0 { c } else { (c << s) + (1i64 << (s - 1)) };
        let krom: Vec<i64> = self._rom.iter().map(|&c| k_of(c)).collect();
        let _ = writeln!(decls, "reg [{m}:0] k;", m = ws - 1);
        let _ = writeln!(v, "end");
        // The coefficient arrives with the products, two clocks after `seg_in`.
        v = decls + &v + &dsp + &rom_verilog("k", "seg_in", SEG, &krom, ws);
        ops.push("k".into());
        let cin = if split {
            // Half up: the decision ignores the sign (a constant 0 here).
            let (tree, up, depth) = round_up("rnd", "pp0", s, "1'b0");
            debug_assert_eq!(depth, adder.cin_stage);
            v += &tree;
            up
        } else if s == 0 {
            "1'b0".into()
        } else {
            // The rounding constant is all of it (half up).
            "1'b0".into()
        };
        v += &adder.verilog("sum", &ops, &cin);
        // Result = S >> s (the whole sum when split), saturated to i32 where
        // that can happen.
        let res = if split { "sum_s".to_string() } else { format!("sum_s[{}:{s}]", ws - 1) };
        let rw = ws - (s - base);
        let _ = writeln!(v, "wire [{}:0] res = {res};", rw - 1);
        let out = if sh.saturates && rw > ACC {
            let _ = writeln!(v, "wire ovf = ~(&res[{t}:{m}] | ~(|res[{t}:{m}]));", t = rw - 1, m = ACC - 1);
            format!("ovf ? (res[{}] ? 32'h80000000 : 32'h7fffffff) : res[{}:0]", rw - 1, ACC - 1)
        } else if rw >= ACC {
            format!("res[{}:0]", ACC - 1)
        } else {
            format!("{{{{{}{{res[{}]}}}}, res}}", ACC - rw, rw - 1)
        };
        // Pass-throughs for the next steps, delayed with the datapath.
        let lat = sh.latency();
        let sb = sh.seg_bits.max(1);
        v += &delay_verilog("pt", &format!("{{seg_in[{}:0], rr}}", sb - 1), sb + rb, lat);
        let (seg, r) = (format!("pt_out[{}:{rb}]", sb + rb - 1), format!("pt_out[{}:0]", rb - 1));
        let seg_out = if sb == SEG { seg } else { format!("{{{}'d0, {seg}}}", SEG - sb) };
        let r_out = if rb == R { r } else { format!("{{{{{}{{pt_out[{}]}}}}, {r}}}", R - rb, rb - 1) };
        // The output register is the last of `lat` clocks: the sum is valid
        // after 1 + adder cycles.
        let _ = writeln!(v, "always @(posedge clock) acc <= {out};");
        let _ = writeln!(v, "always @(*) begin seg = {seg_out}; r = {r_out}; end");
        Verilog::Custom(v)
    }
}

/// `rshr_up(acc, f)` as `(acc >> f) + up` ([`round_up`]), or `acc` when `f = 0`
/// or the shift drops every bit (then as the full `acc + 2^(f−1)`).
fn final_adder(acc_bits: usize, shift: u32, chunk: usize) -> PipelinedSum {
    let f = shift as usize;
    if f >= 1 && f < acc_bits {
        PipelinedSum { width: acc_bits - f + 1, chunk, operands: 1, cin_stage: round_up_depth(f) }
    } else {
        PipelinedSum { width: acc_bits + 1, chunk, operands: 2, cin_stage: 0 }
    }
}

/// Clocks through a [`FinalStage`]: input register, the adder, output register.
pub fn final_latency(acc_bits: usize, shift: u32, chunk: usize) -> usize {
    1 + final_adder(acc_bits, shift, chunk).cycles() + 1
}

/// Final rounding and output saturation: `y = sat(rshr_up(acc, final_shift))`,
/// the rounding as a pipelined add with carry-in.
#[derive(LogicBlock)]
pub struct FinalStage<const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub acc_in: Signal<In, Bits<ACC>>,
    pub y: Signal<Out, Signed<OUT>>,
    _acc_bits: usize,
    _shift: u32,
    _lo: i64,
    _hi: i64,
    _chunk: usize,
    _line: Delay<i64>,
}

impl<const OUT: usize> FinalStage<OUT> {
    pub fn new(acc_bits: usize, shift: u32, lo: i64, hi: i64, chunk: usize) -> Self {
        let mut st = FinalStage {
            clock: Default::default(),
            acc_in: Default::default(),
            y: Default::default(),
            _acc_bits: acc_bits,
            _shift: shift,
            _lo: lo,
            _hi: hi,
            _chunk: chunk,
            _line: Delay::new(1),
        };
        st._line = Delay::new(st.latency());
        st
    }

    fn adder(&self) -> PipelinedSum {
        final_adder(self._acc_bits, self._shift, self._chunk)
    }

    pub fn latency(&self) -> usize {
        final_latency(self._acc_bits, self._shift, self._chunk)
    }
}

impl<const OUT: usize> Logic for FinalStage<OUT> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let v = (rshr_up_i32(int(self.acc_in.val()) as i32, self._shift) as i64).clamp(self._lo, self._hi);
            self.y.next = signed_word(self._line.clock(v));
        }
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        let (w, f) = (self._acc_bits, self._shift as usize);
        let adder = self.adder();
        let ws = adder.width;
        let mut v = format!("reg [{}:0] a;\nalways @(posedge clock) a <= acc_in[{}:0];\n", w - 1, w - 1);
        let (res, rw) = if adder.operands == 1 {
            let _ = writeln!(v, "wire [{}:0] ah = a[{}:{f}];", w - f - 1, w - 1);
            let (tree, up, _) = round_up("rnd", "a", f, "1'b0");
            v += &tree;
            v += &adder.verilog("sum", &[fit("ah", w - f, 0, ws).expect("operand fits")], &up);
            ("sum_s".to_string(), ws)
        } else {
            let k = if f == 0 { 0 } else { 1i64 << (f - 1) };
            v += &adder.verilog("sum", &[fit("a", w, 0, ws).expect("operand fits"), lit(k, ws)], "1'b0");
            (format!("sum_s[{}:{f}]", ws - 1), ws - f)
        };
        let _ = writeln!(v, "wire [{}:0] res = {res};", rw - 1);
        // Saturate to [lo, hi] (the output type's range, so a sign check).
        let (lo, hi) = (self._lo, self._hi);
        let full = signed_bits(lo, hi) == OUT && lo == -(1 << (OUT - 1)) && hi == (1 << (OUT - 1)) - 1;
        assert!(full, "the polynomial core saturates to its output type's full range");
        let out = if rw > OUT {
            let _ = writeln!(v, "wire ovf = ~(&res[{t}:{m}] | ~(|res[{t}:{m}]));", t = rw - 1, m = OUT - 1);
            format!("ovf ? (res[{}] ? {} : {}) : res[{}:0]", rw - 1, lit(lo, OUT), lit(hi, OUT), OUT - 1)
        } else if rw == OUT {
            "res".to_string()
        } else {
            format!("{{{{{}{{res[{}]}}}}, res}}", OUT - rw, rw - 1)
        };
        let _ = writeln!(v, "always @(posedge clock) y <= {out};");
        Verilog::Custom(v)
    }
}
