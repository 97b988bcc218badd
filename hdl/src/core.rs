//! One handle over the cores: build the right monomorphized rust-hdl block for
//! a [`CoreSpec`] and hand it to a [`CoreVisitor`].

use crate::poly_core::PolyCore;
use crate::relu_core::ReluCore;
use crate::spec::CoreSpec;
use crate::table_core::TableCore;
use crate::word::{signed_int, signed_word};
use rust_hdl::prelude::*;

/// What simulation and emission need from any core: a clock, `x` in, `y` out.
pub trait ActivationCore: Block + Send + 'static {
    fn clock_high(&self) -> bool;
    fn toggle_clock(&mut self);
    fn set_x(&mut self, x: i64);
    fn y(&self) -> i64;
}

macro_rules! impl_core {
    ($t:ident) => {
        impl<const IN: usize, const OUT: usize> ActivationCore for $t<IN, OUT> {
            fn clock_high(&self) -> bool {
                self.clock.val().clk
            }
            fn toggle_clock(&mut self) {
                self.clock.next = !self.clock.val();
            }
            fn set_x(&mut self, x: i64) {
                self.x.next = signed_word(x);
            }
            fn y(&self) -> i64 {
                signed_int(self.y.val())
            }
        }
    };
}
impl_core!(PolyCore);
impl_core!(ReluCore);
impl_core!(TableCore);

/// Something to do with a built core.
pub trait CoreVisitor {
    type Output;
    fn visit<C: ActivationCore>(self, core: C) -> Self::Output;
}

/// Build the core for `spec` and run `v` on it.
pub fn with_core<V: CoreVisitor>(spec: &CoreSpec, v: V) -> V::Output {
    macro_rules! widths {
        ($t:ident, $s:expr) => {
            match ($s.in_bits, $s.out_bits) {
                (8, 8) => v.visit($t::<8, 8>::new($s)),
                (8, 16) => v.visit($t::<8, 16>::new($s)),
                (16, 8) => v.visit($t::<16, 8>::new($s)),
                _ => v.visit($t::<16, 16>::new($s)),
            }
        };
    }
    match spec {
        CoreSpec::Poly(p) => widths!(PolyCore, p),
        CoreSpec::Relu(r) => widths!(ReluCore, r),
        CoreSpec::Table(t) => widths!(TableCore, t),
    }
}
