//! Stages of the ReLU-family core (see `polyact`'s `LinearClamp` and `Leaky`):
//! `y = clamp(out_zp + requantize(x − in_zp), lo, hi)` with TFLite's
//! requantization, whose multiplier and shift depend on the sign of `x − in_zp`.

use super::{clamp_verilog, rshr_model, rshr_verilog};
use crate::word::{int, lit, signed_int, signed_word, word};
use rust_hdl::prelude::*;

const W: usize = 32;
const I32_MIN: i64 = i32::MIN as i64;
const I32_MAX: i64 = i32::MAX as i64;

/// A requantization branch split into the hardware's parts.
#[derive(Clone, Copy, Debug)]
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

/// `t = x − in_zp`; `a = sat32(t << left)` of the branch `t`'s sign selects.
#[derive(LogicBlock)]
pub struct Offset<const IN: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub a: Signal<Out, Bits<W>>,
    pub neg: Signal<Out, Bit>,
    _in_zp: i32,
    _pos: Branch,
    _neg: Branch,
}

impl<const IN: usize> Offset<IN> {
    pub fn new(in_zp: i32, pos: Branch, neg: Branch) -> Self {
        Offset {
            clock: Default::default(),
            x: Default::default(),
            a: Default::default(),
            neg: Default::default(),
            _in_zp: in_zp,
            _pos: pos,
            _neg: neg,
        }
    }
}

impl<const IN: usize> Logic for Offset<IN> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let t = signed_int(self.x.val()) - self._in_zp as i64;
            let b = if t < 0 { self._neg } else { self._pos };
            self.a.next = word((t << b.left).clamp(I32_MIN, I32_MAX));
            self.neg.next = t < 0;
        }
    }
    fn connect(&mut self) {
        self.a.connect();
        self.neg.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "wire signed [16:0] t = $signed({{{{{ext}{{x[{msb}]}}}}, x}}) - {zp};\n\
             wire signed [63:0] te = {{{{47{{t[16]}}}}, t}};\n\
             wire signed [63:0] sp = te <<< {lp};\n\
             wire signed [63:0] sn = te <<< {ln};\n\
             wire signed [63:0] s = t[16] ? sn : sp;\n\
             always @(posedge clock) begin\n  neg <= t[16];\n  a <= {clamp};\nend\n",
            zp = lit(self._in_zp as i64, 17),
            ext = 17 - IN,
            msb = IN - 1,
            lp = self._pos.left,
            ln = self._neg.left,
            clamp = clamp_verilog("s", 64, I32_MIN, I32_MAX, W)
        ))
    }
}

/// `prod = a × multiplier` (64-bit), and the single overflow case of TFLite's
/// saturating doubling high multiply (`MIN × MIN`).
#[derive(LogicBlock)]
pub struct Multiply {
    pub clock: Signal<In, Clock>,
    pub a_in: Signal<In, Bits<W>>,
    pub neg_in: Signal<In, Bit>,
    pub prod: Signal<Out, Bits<64>>,
    pub ovf: Signal<Out, Bit>,
    pub neg: Signal<Out, Bit>,
    _pos: Branch,
    _neg: Branch,
}

impl Multiply {
    pub fn new(pos: Branch, neg: Branch) -> Self {
        Multiply {
            clock: Default::default(),
            a_in: Default::default(),
            neg_in: Default::default(),
            prod: Default::default(),
            ovf: Default::default(),
            neg: Default::default(),
            _pos: pos,
            _neg: neg,
        }
    }
}

impl Logic for Multiply {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let m = if self.neg_in.val() { self._neg.multiplier } else { self._pos.multiplier } as i64;
            let a = int(self.a_in.val());
            self.prod.next = word(a * m);
            self.ovf.next = a == I32_MIN && m == I32_MIN;
            self.neg.next = self.neg_in.val();
        }
    }
    fn connect(&mut self) {
        self.prod.connect();
        self.ovf.connect();
        self.neg.connect();
    }
    fn hdl(&self) -> Verilog {
        let is_min = |b: Branch| if b.multiplier == i32::MIN { "1'b1" } else { "1'b0" };
        Verilog::Custom(format!(
            "wire signed [63:0] ae = {{{{32{{a_in[31]}}}}, a_in}};\n\
             wire signed [63:0] me = neg_in ? {mn} : {mp};\n\
             always @(posedge clock) begin\n  \
             prod <= ae * me;\n  \
             ovf <= (a_in == 32'h80000000) & (neg_in ? {on} : {op});\n  \
             neg <= neg_in;\nend\n",
            mn = lit(self._neg.multiplier as i64, 64),
            mp = lit(self._pos.multiplier as i64, 64),
            on = is_min(self._neg),
            op = is_min(self._pos),
        ))
    }
}

/// High half: `h = (prod + nudge) / 2^31` truncated toward zero, the nudge
/// rounding half away from zero; `MIN × MIN` saturates.
#[derive(LogicBlock, Default)]
pub struct High {
    pub clock: Signal<In, Clock>,
    pub prod_in: Signal<In, Bits<64>>,
    pub ovf_in: Signal<In, Bit>,
    pub neg_in: Signal<In, Bit>,
    pub h: Signal<Out, Bits<W>>,
    pub neg: Signal<Out, Bit>,
}

impl Logic for High {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let p = int(self.prod_in.val());
            let s = p + if p >= 0 { 1 << 30 } else { 1 - (1 << 30) };
            let q = if s < 0 { (s + (1 << 31) - 1) >> 31 } else { s >> 31 };
            self.h.next = word(if self.ovf_in.val() { I32_MAX } else { q });
            self.neg.next = self.neg_in.val();
        }
    }
    fn connect(&mut self) {
        self.h.connect();
        self.neg.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(
            "wire signed [63:0] p = $signed(prod_in);\n\
             wire signed [63:0] s = p + (p[63] ? 64'shffffffffc0000001 : 64'sh40000000);\n\
             wire signed [63:0] q = s[63] ? ((s + 64'sh7fffffff) >>> 31) : (s >>> 31);\n\
             always @(posedge clock) begin\n  h <= ovf_in ? 32'h7fffffff : q[31:0];\n  neg <= neg_in;\nend\n"
                .into(),
        )
    }
}

/// `v = rshr(h, right)` of the branch.
#[derive(LogicBlock)]
pub struct RightShift {
    pub clock: Signal<In, Clock>,
    pub h_in: Signal<In, Bits<W>>,
    pub neg_in: Signal<In, Bit>,
    pub v: Signal<Out, Bits<W>>,
    _pos: u32,
    _neg: u32,
}

impl RightShift {
    pub fn new(pos: u32, neg: u32) -> Self {
        RightShift {
            clock: Default::default(),
            h_in: Default::default(),
            neg_in: Default::default(),
            v: Default::default(),
            _pos: pos,
            _neg: neg,
        }
    }
}

impl Logic for RightShift {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let s = if self.neg_in.val() { self._neg } else { self._pos };
            self.v.next = word(rshr_model(int(self.h_in.val()), s));
        }
    }
    fn connect(&mut self) {
        self.v.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "{}{}always @(posedge clock) v <= neg_in ? qn : qp;\n",
            rshr_verilog("qp", "h_in", W, self._pos),
            rshr_verilog("qn", "h_in", W, self._neg)
        ))
    }
}

/// `y = clamp(out_zp + v, lo, hi)`.
#[derive(LogicBlock)]
pub struct ClampOut<const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub v_in: Signal<In, Bits<W>>,
    pub y: Signal<Out, Signed<OUT>>,
    _out_zp: i32,
    _lo: i64,
    _hi: i64,
}

impl<const OUT: usize> ClampOut<OUT> {
    pub fn new(out_zp: i32, lo: i64, hi: i64) -> Self {
        ClampOut {
            clock: Default::default(),
            v_in: Default::default(),
            y: Default::default(),
            _out_zp: out_zp,
            _lo: lo,
            _hi: hi,
        }
    }
}

impl<const OUT: usize> Logic for ClampOut<OUT> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            // Saturating to i32 first, as the runtime does, cannot change the
            // result: [lo, hi] lies inside the i32 range.
            let s = self._out_zp as i64 + int(self.v_in.val());
            self.y.next = signed_word(s.clamp(self._lo, self._hi));
        }
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "wire signed [32:0] s = $signed({{v_in[31], v_in}}) + {zp};\nalways @(posedge clock) y <= {};\n",
            clamp_verilog("s", 33, self._lo, self._hi, OUT),
            zp = lit(self._out_zp as i64, 33)
        ))
    }
}
