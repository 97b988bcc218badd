//! The ReLU-family core (ReLU, ReLU6, HeLU, LeakyReLU): five register stages,
//! one input per clock. Stages are in [`crate::stages::relu`].

use crate::spec::ReluSpec;
use crate::stages::relu::{Branch, ClampOut, High, Multiply, Offset, RightShift};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct ReluCore<const IN: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub y: Signal<Out, Signed<OUT>>,
    offset: Offset<IN>,
    mul: Multiply,
    high: High,
    shift: RightShift,
    clamp: ClampOut<OUT>,
}

impl<const IN: usize, const OUT: usize> ReluCore<IN, OUT> {
    /// Build the core for `spec` (whose widths must be `IN` and `OUT`).
    pub fn new(spec: &ReluSpec) -> Self {
        assert_eq!((spec.in_bits, spec.out_bits), (IN, OUT), "core widths must match the kernel");
        let (pos, neg) = (Branch::new(spec.pos), Branch::new(spec.neg));
        ReluCore {
            clock: Default::default(),
            x: Default::default(),
            y: Default::default(),
            offset: Offset::new(spec.in_zp, pos, neg),
            mul: Multiply::new(pos, neg),
            high: High::default(),
            shift: RightShift::new(pos.right, neg.right),
            clamp: ClampOut::new(spec.out_zp, spec.lo as i64, spec.hi as i64),
        }
    }
}

impl<const IN: usize, const OUT: usize> Logic for ReluCore<IN, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.offset.clock.next = self.clock.val();
        self.mul.clock.next = self.clock.val();
        self.high.clock.next = self.clock.val();
        self.shift.clock.next = self.clock.val();
        self.clamp.clock.next = self.clock.val();
        self.offset.x.next = self.x.val();
        self.mul.a_in.next = self.offset.a.val();
        self.mul.neg_in.next = self.offset.neg.val();
        self.high.prod_in.next = self.mul.prod.val();
        self.high.ovf_in.next = self.mul.ovf.val();
        self.high.neg_in.next = self.mul.neg.val();
        self.shift.h_in.next = self.high.h.val();
        self.shift.neg_in.next = self.high.neg.val();
        self.clamp.v_in.next = self.shift.v.val();
        self.y.next = self.clamp.y.val();
    }
}
