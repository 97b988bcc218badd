//! The ReLU-family core (ReLU, ReLU6, HeLU, LeakyReLU): offset, shift,
//! multiply with the high half, rounding shift, clamp — each a pipelined
//! stage in [`crate::stages::relu`]. One input per clock.

use crate::spec::ReluSpec;
use crate::stages::relu::{ClampOut, Multiply, Offset, ReluShape, Scale, Shift};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct ReluCore<const IN: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub y: Signal<Out, Signed<OUT>>,
    offset: Offset<IN>,
    scale: Scale,
    mul: Multiply,
    shift: Shift,
    clamp: ClampOut<OUT>,
}

impl<const IN: usize, const OUT: usize> ReluCore<IN, OUT> {
    /// Build the core for `spec` (whose widths must be `IN` and `OUT`).
    pub fn new(spec: &ReluSpec) -> Self {
        assert_eq!((spec.in_bits, spec.out_bits), (IN, OUT), "core widths must match the kernel");
        let sh: ReluShape = spec.shape();
        ReluCore {
            clock: Default::default(),
            x: Default::default(),
            y: Default::default(),
            offset: Offset::new(sh.clone()),
            scale: Scale::new(sh.clone(), sh.scale_latency()),
            mul: Multiply::new(sh.clone(), sh.multiply_latency()),
            shift: Shift::new(sh.clone(), sh.shift_latency()),
            clamp: ClampOut::new(sh),
        }
    }
}

impl<const IN: usize, const OUT: usize> Logic for ReluCore<IN, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.offset.clock.next = self.clock.val();
        self.scale.clock.next = self.clock.val();
        self.mul.clock.next = self.clock.val();
        self.shift.clock.next = self.clock.val();
        self.clamp.clock.next = self.clock.val();
        self.offset.x.next = self.x.val();
        self.scale.t_in.next = self.offset.t.val();
        self.scale.neg_in.next = self.offset.neg.val();
        self.mul.a_in.next = self.scale.a.val();
        self.mul.neg_in.next = self.scale.neg.val();
        self.shift.h_in.next = self.mul.h.val();
        self.shift.neg_in.next = self.mul.neg.val();
        self.clamp.v_in.next = self.shift.v.val();
        self.y.next = self.clamp.y.val();
    }
}
