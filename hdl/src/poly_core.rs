//! The pipelined piecewise-polynomial core: one input per clock, latency
//! `4 + 3·degree` cycles. The structure is rust-hdl; the stages are in
//! [`crate::stages::poly`].

use crate::spec::PolySpec;
use crate::stages::poly::{AddSat, FinalRound, Lead, Locate, Mul, Round, Saturate};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct PolyCore<const IN: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub y: Signal<Out, Signed<OUT>>,
    locate: Locate<IN>,
    lead: Lead,
    mul: Vec<Mul>,
    round: Vec<Round>,
    add: Vec<AddSat>,
    fin: FinalRound,
    sat: Saturate<OUT>,
}

impl<const IN: usize, const OUT: usize> PolyCore<IN, OUT> {
    /// Build the core for `spec` (whose widths must be `IN` and `OUT`).
    pub fn new(spec: &PolySpec) -> Self {
        assert_eq!((spec.in_bits, spec.out_bits), (IN, OUT), "core widths must match the kernel");
        let rom = |j: usize| spec.coefs.iter().map(|c| c[j] as i64).collect::<Vec<_>>();
        let d = spec.degree;
        PolyCore {
            clock: Default::default(),
            x: Default::default(),
            y: Default::default(),
            locate: Locate::new(spec.seg_bits),
            lead: Lead::new(rom(d)),
            mul: (0..d).map(|_| Mul::default()).collect(),
            // Step i of the pipeline folds in coefficient j = d − 1 − i.
            round: (0..d).map(|i| Round::new(spec.shifts[d - 1 - i], rom(d - 1 - i))).collect(),
            add: (0..d).map(|_| AddSat::default()).collect(),
            fin: FinalRound::new(spec.final_shift),
            sat: Saturate::new(spec.out_lo, spec.out_hi),
        }
    }
}

impl<const IN: usize, const OUT: usize> Logic for PolyCore<IN, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.locate.clock.next = self.clock.val();
        self.lead.clock.next = self.clock.val();
        self.fin.clock.next = self.clock.val();
        self.sat.clock.next = self.clock.val();
        self.locate.x.next = self.x.val();
        self.lead.seg_in.next = self.locate.seg.val();
        self.lead.r_in.next = self.locate.r.val();
        self.mul[0].seg_in.next = self.lead.seg.val();
        self.mul[0].r_in.next = self.lead.r.val();
        self.mul[0].acc_in.next = self.lead.acc.val();
        for i in 0..self.mul.len() {
            self.mul[i].clock.next = self.clock.val();
            self.round[i].clock.next = self.clock.val();
            self.add[i].clock.next = self.clock.val();
            self.round[i].seg_in.next = self.mul[i].seg.val();
            self.round[i].r_in.next = self.mul[i].r.val();
            self.round[i].p_in.next = self.mul[i].p.val();
            self.add[i].seg_in.next = self.round[i].seg.val();
            self.add[i].r_in.next = self.round[i].r.val();
            self.add[i].a_in.next = self.round[i].a.val();
            self.add[i].c_in.next = self.round[i].c.val();
        }
        for i in 1..self.mul.len() {
            self.mul[i].seg_in.next = self.add[i - 1].seg.val();
            self.mul[i].r_in.next = self.add[i - 1].r.val();
            self.mul[i].acc_in.next = self.add[i - 1].acc.val();
        }
        for i in (self.add.len() - 1)..self.add.len() {
            self.fin.acc_in.next = self.add[i].acc.val();
        }
        self.sat.v_in.next = self.fin.v.val();
        self.y.next = self.sat.y.val();
    }
}
