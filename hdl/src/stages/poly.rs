//! Stages of the piecewise-polynomial core (see `polyact`'s `Poly` kernel):
//! locate → lead coefficient → per Horner step {multiply, round + fetch
//! coefficient, add + saturate} → final round → output saturation.

use super::{clamp_verilog, rom_verilog, rshr_model, rshr_verilog};
use crate::word::{int, signed_int, signed_word, word};
use rust_hdl::prelude::*;

/// Segment index width on the wires (ROM depth up to 256).
pub const SEG: usize = 8;
/// Local coordinate width (|r| ≤ 2^15).
pub const R: usize = 16;
/// Horner accumulator width: the contract saturates it to `i32`.
pub const ACC: usize = 32;
/// Product width: `i32 × i16` needs 47 bits.
pub const PROD: usize = 48;
/// Rounded product, clamped to 34 bits: adding an `i32` coefficient and
/// saturating to `i32` gives the same result as with the full width.
pub const RND: usize = 34;

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
            let u = signed_int(self.x.val()) + (1 << (IN - 1));
            let l = IN - self._seg_bits;
            let seg = if self._seg_bits == 0 { 0 } else { u >> l };
            let r = if l == 0 { 0 } else { (u & ((1 << l) - 1)) - (1 << (l - 1)) };
            self.seg.next = word(seg);
            self.r.next = word(r);
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
}

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
        }
    }
}

impl Logic for Lead {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.seg.next = self.seg_in.val();
            self.r.next = self.r_in.val();
            self.acc.next = word(self._rom.get(self.seg_in.val().index()).copied().unwrap_or(0));
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
        self.acc.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "always @(posedge clock) begin\n  seg <= seg_in;\n  r <= r_in;\nend\n{}",
            rom_verilog("acc", "seg_in", SEG, &self._rom, ACC)
        ))
    }
}

/// Horner multiply: `p = acc × r` (maps onto DSP multipliers).
#[derive(LogicBlock, Default)]
pub struct Mul {
    pub clock: Signal<In, Clock>,
    pub seg_in: Signal<In, Bits<SEG>>,
    pub r_in: Signal<In, Bits<R>>,
    pub acc_in: Signal<In, Bits<ACC>>,
    pub seg: Signal<Out, Bits<SEG>>,
    pub r: Signal<Out, Bits<R>>,
    pub p: Signal<Out, Bits<PROD>>,
}

impl Logic for Mul {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.seg.next = self.seg_in.val();
            self.r.next = self.r_in.val();
            self.p.next = word(int(self.acc_in.val()) * int(self.r_in.val()));
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
        self.p.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "wire signed [{m}:0] ae = {{{{{ea}{{acc_in[{am}]}}}}, acc_in}};\n\
             wire signed [{m}:0] re = {{{{{er}{{r_in[{rm}]}}}}, r_in}};\n\
             always @(posedge clock) begin\n  seg <= seg_in;\n  r <= r_in;\n  p <= ae * re;\nend\n",
            m = PROD - 1,
            ea = PROD - ACC,
            am = ACC - 1,
            er = PROD - R,
            rm = R - 1
        ))
    }
}

/// Horner rounding: `a = clamp34(rshr(p, shift))`, and the next coefficient
/// `c = c[j][seg]` fetched alongside.
#[derive(LogicBlock)]
pub struct Round {
    pub clock: Signal<In, Clock>,
    pub seg_in: Signal<In, Bits<SEG>>,
    pub r_in: Signal<In, Bits<R>>,
    pub p_in: Signal<In, Bits<PROD>>,
    pub seg: Signal<Out, Bits<SEG>>,
    pub r: Signal<Out, Bits<R>>,
    pub a: Signal<Out, Bits<RND>>,
    pub c: Signal<Out, Bits<ACC>>,
    _shift: u32,
    _rom: Vec<i64>,
}

const RND_MAX: i64 = (1 << (RND - 1)) - 1;
const RND_MIN: i64 = -(1 << (RND - 1));

impl Round {
    pub fn new(shift: u32, rom: Vec<i64>) -> Self {
        Round {
            clock: Default::default(),
            seg_in: Default::default(),
            r_in: Default::default(),
            p_in: Default::default(),
            seg: Default::default(),
            r: Default::default(),
            a: Default::default(),
            c: Default::default(),
            _shift: shift,
            _rom: rom,
        }
    }
}

impl Logic for Round {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.seg.next = self.seg_in.val();
            self.r.next = self.r_in.val();
            self.a.next = word(rshr_model(int(self.p_in.val()), self._shift).clamp(RND_MIN, RND_MAX));
            self.c.next = word(self._rom.get(self.seg_in.val().index()).copied().unwrap_or(0));
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
        self.a.connect();
        self.c.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "{}always @(posedge clock) begin\n  seg <= seg_in;\n  r <= r_in;\n  a <= {};\nend\n{}",
            rshr_verilog("q", "p_in", PROD, self._shift),
            clamp_verilog("q", PROD, RND_MIN, RND_MAX, RND),
            rom_verilog("c", "seg_in", SEG, &self._rom, ACC)
        ))
    }
}

/// Horner add: `acc = sat32(a + c)`.
#[derive(LogicBlock, Default)]
pub struct AddSat {
    pub clock: Signal<In, Clock>,
    pub seg_in: Signal<In, Bits<SEG>>,
    pub r_in: Signal<In, Bits<R>>,
    pub a_in: Signal<In, Bits<RND>>,
    pub c_in: Signal<In, Bits<ACC>>,
    pub seg: Signal<Out, Bits<SEG>>,
    pub r: Signal<Out, Bits<R>>,
    pub acc: Signal<Out, Bits<ACC>>,
}

impl Logic for AddSat {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.seg.next = self.seg_in.val();
            self.r.next = self.r_in.val();
            let sum = int(self.a_in.val()) + int(self.c_in.val());
            self.acc.next = word(sum.clamp(i32::MIN as i64, i32::MAX as i64));
        }
    }
    fn connect(&mut self) {
        self.seg.connect();
        self.r.connect();
        self.acc.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "wire signed [{w}:0] sum = $signed({{a_in[{am}], a_in}}) + $signed({{{{{ec}{{c_in[{cm}]}}}}, c_in}});\n\
             always @(posedge clock) begin\n  seg <= seg_in;\n  r <= r_in;\n  acc <= {};\nend\n",
            clamp_verilog("sum", RND + 1, i32::MIN as i64, i32::MAX as i64, ACC),
            w = RND,
            am = RND - 1,
            ec = RND + 1 - ACC,
            cm = ACC - 1
        ))
    }
}

/// Final rounding: `v = rshr(acc, final_shift)`.
#[derive(LogicBlock)]
pub struct FinalRound {
    pub clock: Signal<In, Clock>,
    pub acc_in: Signal<In, Bits<ACC>>,
    pub v: Signal<Out, Bits<ACC>>,
    _shift: u32,
}

impl FinalRound {
    pub fn new(shift: u32) -> Self {
        FinalRound { clock: Default::default(), acc_in: Default::default(), v: Default::default(), _shift: shift }
    }
}

impl Logic for FinalRound {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.v.next = word(rshr_model(int(self.acc_in.val()), self._shift));
        }
    }
    fn connect(&mut self) {
        self.v.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!("{}always @(posedge clock) v <= q;\n", rshr_verilog("q", "acc_in", ACC, self._shift)))
    }
}

/// Output saturation to the output type's range.
#[derive(LogicBlock)]
pub struct Saturate<const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub v_in: Signal<In, Bits<ACC>>,
    pub y: Signal<Out, Signed<OUT>>,
    _lo: i64,
    _hi: i64,
}

impl<const OUT: usize> Saturate<OUT> {
    pub fn new(lo: i64, hi: i64) -> Self {
        Saturate { clock: Default::default(), v_in: Default::default(), y: Default::default(), _lo: lo, _hi: hi }
    }
}

impl<const OUT: usize> Logic for Saturate<OUT> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            self.y.next = signed_word(int(self.v_in.val()).clamp(self._lo, self._hi));
        }
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "always @(posedge clock) y <= {};\n",
            clamp_verilog("v_in", ACC, self._lo, self._hi, OUT)
        ))
    }
}
