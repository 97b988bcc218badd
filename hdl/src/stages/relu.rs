//! Stages of the ReLU-family core (see `polyact`'s `LinearClamp` and `Leaky`):
//! `y = clamp(out_zp + requantize(x − in_zp), lo, hi)` with TFLite's
//! requantization, whose multiplier and shift depend on the sign of `x − in_zp`.
//! The high half of the doubling multiply, `(a·m + nudge) / 2^31` truncated,
//! equals `⌊(a·m + 2^30) / 2^31⌋` for either sign (the one overflow case
//! aside), so it is one addition. Widths come from [`crate::ranges::analyze_relu`];
//! every addition is a [`PipelinedSum`].

use super::delay::Delay;
use super::pipelined_sum::{fit, round_up, round_up_depth, PipelinedSum};
use super::{delay_verilog, dsp_multiply, dsp_pieces, Piece};
use crate::ranges::{signed_bits, ReluRanges};
use crate::word::{int, lit, signed_int, signed_word, word};
use polyact::arith::{requantize_parts, rshr_i32, sat_rounding_doubling_high_mul};
use rust_hdl::prelude::*;
use std::fmt::Write;

/// Port width of the internal words (values are narrower; see the ranges).
const W: usize = 64;

/// A requantization branch split into the hardware's parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Branch {
    pub multiplier: i32,
    /// Left shift before the multiply (positive TFLite shift).
    pub left: u32,
    /// Rounding right shift after it (negative TFLite shift).
    pub right: u32,
}

impl Branch {
    pub fn new((multiplier, shift): (i32, i32)) -> Self {
        Branch { multiplier, left: shift.max(0) as u32, right: (-shift).max(0) as u32 }
    }
}

/// Everything the stages need: branches, constants, widths, carry chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReluShape {
    pub in_zp: i32,
    pub out_zp: i32,
    pub lo: i64,
    pub hi: i64,
    pub pos: Branch,
    pub neg: Branch,
    pub ranges: ReluRanges,
    pub chunk: usize,
}

impl ReluShape {
    /// Both branches rescale by exactly 1 (`m = 2^30`, shift 1: the common
    /// ReLU between equal scales): requantization is the identity on `t`, so
    /// the scale, multiply and shift stages are single registers.
    pub fn identity(&self) -> bool {
        let one = |b: Branch| b.multiplier == 1 << 30 && b.left == 1 && b.right == 0;
        one(self.pos) && one(self.neg) && !self.ranges.saturates
    }
    fn offset_adder(&self) -> PipelinedSum {
        PipelinedSum { width: self.ranges.t.bits(), chunk: self.chunk, operands: 2, cin_stage: 0 }
    }
    /// Offset stage: the subtraction, then an output register.
    pub fn offset_latency(&self) -> usize {
        self.offset_adder().cycles() + 1
    }
    /// Scale stage: shifted candidates, then select (and saturate).
    pub fn scale_latency(&self) -> usize {
        if self.identity() {
            1
        } else {
            2
        }
    }
    fn a_bits(&self) -> usize {
        if self.ranges.saturates {
            32
        } else {
            self.ranges.shifted.bits()
        }
    }
    /// Pairs of (accumulator piece, multiplier piece) whose product can be
    /// nonzero in either branch.
    fn products(&self) -> Vec<(Piece, Piece)> {
        let mut v = Vec::new();
        for pa in dsp_pieces(self.a_bits()) {
            for pm in dsp_pieces(32) {
                let piece = |m: i32| (m as i64 >> pm.0) & ((1i64 << pm.1) - 1);
                if piece(self.pos.multiplier) != 0 || piece(self.neg.multiplier) != 0 {
                    v.push((pa, pm));
                }
            }
        }
        v
    }
    fn multiply_adder(&self) -> PipelinedSum {
        PipelinedSum {
            width: self.ranges.p.bits(),
            chunk: self.chunk,
            operands: self.products().len() + 1,
            cin_stage: 0,
        }
    }
    /// Multiply stage: DSP operand and product registers, the sum, output register.
    pub fn multiply_latency(&self) -> usize {
        if self.identity() {
            1
        } else {
            2 + self.multiply_adder().cycles() + 1
        }
    }
    fn shift_adder(&self) -> PipelinedSum {
        let r = self.pos.right.max(self.neg.right) as usize;
        PipelinedSum {
            width: self.ranges.v.bits(),
            chunk: self.chunk,
            operands: 1,
            cin_stage: round_up_depth(r.max(1)),
        }
    }
    /// Shift stage: select the branch's shift, the rounded sum, output register.
    pub fn shift_latency(&self) -> usize {
        if self.identity() {
            1
        } else {
            1 + self.shift_adder().cycles() + 1
        }
    }
    fn clamp_width(&self) -> usize {
        let r = &self.ranges.s;
        let (zp, lo, hi) = (self.out_zp as i64, self.lo, self.hi);
        // v, its complement, the constants, and s, s − lo, hi − s.
        [
            self.ranges.v.bits(),
            signed_bits(r.lo, r.hi),
            signed_bits(r.lo - lo, r.hi - lo),
            signed_bits(hi - r.hi, hi - r.lo),
            signed_bits(zp.min(zp - lo).min(hi - zp), zp.max(zp - lo).max(hi - zp)),
        ]
        .into_iter()
        .max()
        .unwrap_or(1)
            + 1
    }
    fn clamp_adder(&self) -> PipelinedSum {
        PipelinedSum { width: self.clamp_width(), chunk: self.chunk, operands: 2, cin_stage: 0 }
    }
    /// Clamp stage: three sums in parallel, then the select register.
    pub fn clamp_latency(&self) -> usize {
        self.clamp_adder().cycles() + 1
    }
    pub fn latency(&self) -> usize {
        self.offset_latency()
            + self.scale_latency()
            + self.multiply_latency()
            + self.shift_latency()
            + self.clamp_latency()
    }
}

/// The model of a stage: what it computes, and its registers as a delay.
macro_rules! leaf_ports {
    ($name:ident { $($port:ident : $dir:ident $ty:ty),* $(,)? }) => {
        #[derive(LogicBlock)]
        pub struct $name {
            pub clock: Signal<In, Clock>,
            $(pub $port: Signal<$dir, $ty>,)*
            _shape: ReluShape,
            _line: Delay<(i64, bool)>,
        }
        impl $name {
            pub fn new(shape: ReluShape, latency: usize) -> Self {
                $name { clock: Default::default(), $($port: Default::default(),)* _shape: shape, _line: Delay::new(latency) }
            }
        }
    };
}

leaf_ports!(Scale { t_in: In Bits<W>, neg_in: In Bit, a: Out Bits<W>, neg: Out Bit });
leaf_ports!(Multiply { a_in: In Bits<W>, neg_in: In Bit, h: Out Bits<W>, neg: Out Bit });
leaf_ports!(Shift { h_in: In Bits<W>, neg_in: In Bit, v: Out Bits<W> });

/// `t = x − in_zp` and its sign, which picks the branch.
#[derive(LogicBlock)]
pub struct Offset<const IN: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub t: Signal<Out, Bits<W>>,
    pub neg: Signal<Out, Bit>,
    _shape: ReluShape,
    _line: Delay<(i64, bool)>,
}

impl<const IN: usize> Offset<IN> {
    pub fn new(shape: ReluShape) -> Self {
        let lat = shape.offset_latency();
        Offset {
            clock: Default::default(),
            x: Default::default(),
            t: Default::default(),
            neg: Default::default(),
            _shape: shape,
            _line: Delay::new(lat),
        }
    }
}

impl<const IN: usize> Logic for Offset<IN> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let t = signed_int(self.x.val()) - self._shape.in_zp as i64;
            let (t, neg) = self._line.clock((t, t < 0));
            self.t.next = word(t);
            self.neg.next = neg;
        }
    }
    fn connect(&mut self) {
        self.t.connect();
        self.neg.connect();
    }
    fn hdl(&self) -> Verilog {
        let add = self._shape.offset_adder();
        let tw = add.width;
        let ops = [fit("x", IN, 0, tw).expect("fits"), lit(-(self._shape.in_zp as i64), tw)];
        let mut v = add.verilog("sum", &ops, "1'b0");
        let ext = if tw == W { "sum_s".to_string() } else { format!("{{{{{}{{sum_s[{}]}}}}, sum_s}}", W - tw, tw - 1) };
        let _ = writeln!(v, "always @(posedge clock) begin t <= {ext}; neg <= sum_s[{}]; end", tw - 1);
        Verilog::Custom(v)
    }
}

impl Logic for Scale {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let (t, neg) = (int(self.t_in.val()), self.neg_in.val());
            let b = if neg { self._shape.neg } else { self._shape.pos };
            let shift = b.left as i32 - b.right as i32;
            let a =
                if self._shape.identity() { t } else { requantize_parts(t as i32, b.multiplier, shift).operand as i64 };
            let (a, neg) = self._line.clock((a, neg));
            self.a.next = word(a);
            self.neg.next = neg;
        }
    }
    fn connect(&mut self) {
        self.a.connect();
        self.neg.connect();
    }
    fn hdl(&self) -> Verilog {
        let sh = &self._shape;
        if sh.identity() {
            return Verilog::Custom("always @(posedge clock) begin a <= t_in; neg <= neg_in; end\n".into());
        }
        let sw = sh.ranges.shifted.bits().max(sh.ranges.t.bits());
        let mut v = format!("wire [{m}:0] te = t_in[{m}:0];\nreg [{m}:0] s1;\nreg n1;\n", m = sw - 1);
        let _ = writeln!(
            v,
            "always @(posedge clock) begin s1 <= neg_in ? (te << {}) : (te << {}); n1 <= neg_in; end",
            sh.neg.left, sh.pos.left
        );
        let a = if sh.ranges.saturates && sw > 32 {
            let _ = writeln!(v, "wire ovf = ~(&s1[{t}:31] | ~(|s1[{t}:31]));", t = sw - 1);
            format!("ovf ? (s1[{}] ? 32'h80000000 : 32'h7fffffff) : s1[31:0]", sw - 1)
        } else {
            "s1".to_string()
        };
        let aw = if sh.ranges.saturates && sw > 32 { 32 } else { sw };
        let _ = writeln!(v, "wire [{}:0] av = {a};", aw - 1);
        let ext = if aw == W { "av".to_string() } else { format!("{{{{{}{{av[{}]}}}}, av}}", W - aw, aw - 1) };
        let _ = writeln!(v, "always @(posedge clock) begin a <= {ext}; neg <= n1; end");
        Verilog::Custom(v)
    }
}

impl Logic for Multiply {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let (a, neg) = (int(self.a_in.val()), self.neg_in.val());
            let m = if neg { self._shape.neg.multiplier } else { self._shape.pos.multiplier } as i64;
            let h = if self._shape.identity() { a } else { sat_rounding_doubling_high_mul(a as i32, m as i32) as i64 };
            let (h, neg) = self._line.clock((h, neg));
            self.h.next = word(h);
            self.neg.next = neg;
        }
    }
    fn connect(&mut self) {
        self.h.connect();
        self.neg.connect();
    }
    fn hdl(&self) -> Verilog {
        let sh = &self._shape;
        if sh.identity() {
            return Verilog::Custom("always @(posedge clock) begin h <= a_in; neg <= neg_in; end\n".into());
        }
        let aw = sh.a_bits();
        let add = sh.multiply_adder();
        let pw = add.width;
        let mut v = format!("wire signed [{}:0] a = a_in[{}:0];\n", aw - 1, aw - 1);
        let mut ops = Vec::new();
        for (k, (pa, pm)) in sh.products().into_iter().enumerate() {
            let piece = |name: &str, (lo, w, signed): Piece| -> (String, usize) {
                let bits = format!("{name}[{}:{lo}]", lo + w - 1);
                if signed {
                    (bits, w)
                } else {
                    (format!("{{1'b0, {bits}}}"), w + 1)
                }
            };
            let (ae, aw_k) = piece("a", pa);
            let mpiece = |m: i32| {
                let raw = (m as i64 >> pm.0) & ((1i64 << pm.1) - 1);
                if pm.2 {
                    crate::word::sx(raw as u64, pm.1)
                } else {
                    raw
                }
            };
            let mw = if pm.2 { pm.1 } else { pm.1 + 1 };
            let _ = writeln!(v, "wire signed [{}:0] pa{k} = {ae};", aw_k - 1);
            let _ = writeln!(
                v,
                "wire signed [{}:0] pm{k} = neg_in ? {} : {};",
                mw - 1,
                lit(mpiece(sh.neg.multiplier), mw),
                lit(mpiece(sh.pos.multiplier), mw)
            );
            let _ = writeln!(v, "wire [{}:0] pp{k};", aw_k + mw - 1);
            v += &dsp_multiply(&format!("m{k}"), &format!("pa{k}"), aw_k, &format!("pm{k}"), mw, &format!("pp{k}"));
            ops.push(fit(&format!("pp{k}"), aw_k + mw, pa.0 + pm.0, pw).unwrap_or_else(|| format!("{pw}'d0")));
        }
        ops.push(lit(1 << 30, pw));
        // The sign travels alongside the DSP registers.
        let _ = writeln!(v, "reg n1, n2;\nalways @(posedge clock) begin n1 <= neg_in; n2 <= n1; end");
        v += &add.verilog("sum", &ops, "1'b0");
        v += &delay_verilog("nd", "n2", 1, add.cycles());
        let h = if pw > 31 {
            let hw = pw - 31;
            if hw == W {
                format!("sum_s[{}:31]", pw - 1)
            } else {
                format!("{{{{{}{{sum_s[{}]}}}}, sum_s[{}:31]}}", W - hw, pw - 1, pw - 1)
            }
        } else {
            format!("{{{W}{{sum_s[{}]}}}}", pw - 1)
        };
        let _ = writeln!(v, "always @(posedge clock) begin h <= {h}; neg <= nd_out; end");
        Verilog::Custom(v)
    }
}

impl Logic for Shift {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let (h, neg) = (int(self.h_in.val()), self.neg_in.val());
            let r = if neg { self._shape.neg.right } else { self._shape.pos.right };
            let (v, _) = self._line.clock((rshr_i32(h as i32, r) as i64, false));
            self.v.next = word(v);
        }
    }
    fn connect(&mut self) {
        self.v.connect();
    }
    fn hdl(&self) -> Verilog {
        let sh = &self._shape;
        if sh.identity() {
            return Verilog::Custom("always @(posedge clock) v <= h_in;\n".into());
        }
        let hw = sh.ranges.h.bits();
        let add = sh.shift_adder();
        let vw = add.width;
        let (rp, rn) = (sh.pos.right as usize, sh.neg.right as usize);
        let r = rp.max(rn).max(1);
        let mut v = format!(
            "wire signed [{}:0] hh = h_in[{}:0];\nreg [{}:0] hs;\nreg [{}:0] low;\nreg ng;\n",
            hw - 1,
            hw - 1,
            hw - 1,
            r - 1
        );
        // The branch's dropped bits laid out for `round_up`: the half bit at
        // r−1, the lower bits at the bottom, zeros between.
        let dropped = |s: usize| match s {
            0 => format!("{r}'d0"),
            _ if s == r => format!("hh[{}:0]", s - 1),
            1 => format!("{{hh[0], {}'d0}}", r - 1),
            _ => format!("{{hh[{}], {}'d0, hh[{}:0]}}", s - 1, r - s, s - 2),
        };
        let _ = writeln!(
            v,
            "always @(posedge clock) begin hs <= neg_in ? (hh >>> {rn}) : (hh >>> {rp}); low <= neg_in ? {} : {}; ng <= hh[{}]; end",
            dropped(rn),
            dropped(rp),
            hw - 1
        );
        let (tree, up, _) = round_up("rnd", "low", r, "ng");
        v += &tree;
        v += &add.verilog("sum", &[fit("hs", hw, 0, vw).expect("fits")], &up);
        let ext = if vw == W { "sum_s".to_string() } else { format!("{{{{{}{{sum_s[{}]}}}}, sum_s}}", W - vw, vw - 1) };
        let _ = writeln!(v, "always @(posedge clock) v <= {ext};");
        Verilog::Custom(v)
    }
}

/// `y = clamp(out_zp + v, lo, hi)`: `out_zp + v`, `v − (lo − out_zp)` and
/// `(hi − out_zp) − v` in parallel, then a select on the signs.
#[derive(LogicBlock)]
pub struct ClampOut<const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub v_in: Signal<In, Bits<W>>,
    pub y: Signal<Out, Signed<OUT>>,
    _shape: ReluShape,
    _line: Delay<(i64, bool)>,
}

impl<const OUT: usize> ClampOut<OUT> {
    pub fn new(shape: ReluShape) -> Self {
        let lat = shape.clamp_latency();
        ClampOut {
            clock: Default::default(),
            v_in: Default::default(),
            y: Default::default(),
            _shape: shape,
            _line: Delay::new(lat),
        }
    }
}

impl<const OUT: usize> Logic for ClampOut<OUT> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let s = self._shape.out_zp.saturating_add(int(self.v_in.val()) as i32) as i64;
            let (y, _) = self._line.clock((s.clamp(self._shape.lo, self._shape.hi), false));
            self.y.next = signed_word(y);
        }
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        let sh = &self._shape;
        let add = sh.clamp_adder();
        let cw = add.width;
        let vw = sh.ranges.v.bits();
        let (zp, lo, hi) = (sh.out_zp as i64, sh.lo, sh.hi);
        let mut v = format!("wire [{}:0] vv = v_in[{}:0];\nwire [{}:0] nv = ~vv;\n", vw - 1, vw - 1, vw - 1);
        let vx = fit("vv", vw, 0, cw).expect("fits");
        let nx = fit("nv", vw, 0, cw).expect("fits");
        v += &add.verilog("s", &[vx.clone(), lit(zp, cw)], "1'b0");
        let below = sh.ranges.s.lo < lo;
        let above = sh.ranges.s.hi > hi;
        if below {
            v += &add.verilog("dl", &[vx, lit(zp - lo, cw)], "1'b0");
        }
        if above {
            v += &add.verilog("dh", &[nx, lit(hi - zp, cw)], "1'b1");
        }
        let mut pick = format!("s_s[{}:0]", OUT - 1);
        if above {
            pick = format!("dh_s[{}] ? {} : {pick}", cw - 1, lit(hi, OUT));
        }
        if below {
            pick = format!("dl_s[{}] ? {} : ({pick})", cw - 1, lit(lo, OUT));
        }
        let _ = writeln!(v, "always @(posedge clock) y <= {pick};");
        Verilog::Custom(v)
    }
}
