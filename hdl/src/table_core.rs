//! The lookup-table core for int8 kernels: 256 exact entries, two clocks.

use crate::spec::TableSpec;
use crate::stages::table::TableRom;
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct TableCore<const IN: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub y: Signal<Out, Signed<OUT>>,
    rom: TableRom<IN, OUT>,
}

impl<const IN: usize, const OUT: usize> TableCore<IN, OUT> {
    pub fn new(spec: &TableSpec) -> Self {
        assert_eq!((spec.in_bits, spec.out_bits), (IN, OUT), "core widths must match the kernel");
        TableCore {
            clock: Default::default(),
            x: Default::default(),
            y: Default::default(),
            rom: TableRom::new(spec.entries.clone()),
        }
    }
}

impl<const IN: usize, const OUT: usize> Logic for TableCore<IN, OUT> {
    #[hdl_gen]
    fn update(&mut self) {
        self.rom.clock.next = self.clock.val();
        self.rom.x.next = self.x.val();
        self.y.next = self.rom.y.val();
    }
}
