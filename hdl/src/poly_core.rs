//! The pipelined piecewise-polynomial core: one input per clock, latency
//! [`PolySpec::latency`]. The structure is rust-hdl; the stages are in
//! [`crate::stages::poly`].

use crate::spec::PolySpec;
use crate::stages::poly::{FinalStage, HornerStep, Lead, Locate};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct PolyCore<const IN: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub y: Signal<Out, Signed<OUT>>,
    locate: Locate<IN>,
    lead: Lead,
    step: Vec<HornerStep>,
    fin: FinalStage<OUT>,
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
            // Step i folds in coefficient j = d − 1 − i.
            step: spec
                .step_shapes()
                .into_iter()
                .enumerate()
                .map(|(i, sh)| HornerStep::new(sh, rom(d - 1 - i)))
                .collect(),
            fin: FinalStage::new(spec.ranges.acc.bits(), spec.final_shift, spec.out_lo, spec.out_hi, spec.chunk_bits),
        }
    }
}

impl<const IN: usize, const OUT: usize> Logic for PolyCore<IN, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.locate.clock.next = self.clock.val();
        self.lead.clock.next = self.clock.val();
        self.fin.clock.next = self.clock.val();
        self.locate.x.next = self.x.val();
        self.lead.seg_in.next = self.locate.seg.val();
        self.lead.r_in.next = self.locate.r.val();
        self.step[0].seg_in.next = self.lead.seg.val();
        self.step[0].r_in.next = self.lead.r.val();
        self.step[0].acc_in.next = self.lead.acc.val();
        for i in 0..self.step.len() {
            self.step[i].clock.next = self.clock.val();
        }
        for i in 1..self.step.len() {
            self.step[i].seg_in.next = self.step[i - 1].seg.val();
            self.step[i].r_in.next = self.step[i - 1].r.val();
            self.step[i].acc_in.next = self.step[i - 1].acc.val();
        }
        for i in (self.step.len() - 1)..self.step.len() {
            self.fin.acc_in.next = self.step[i].acc.val();
        }
        self.y.next = self.fin.y.val();
    }
}
