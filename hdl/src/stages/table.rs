//! The lookup-table core's one stage: `y = table[x − min]` read synchronously
//! (block RAM where the device has it), then an output register.

use crate::stages::delay::Delay;
use crate::word::{lit, signed_int, signed_word};
use rust_hdl::prelude::*;
use std::fmt::Write;

#[derive(LogicBlock)]
pub struct TableRom<const IN: usize, const OUT: usize> {
    pub clock: Signal<In, Clock>,
    pub x: Signal<In, Signed<IN>>,
    pub y: Signal<Out, Signed<OUT>>,
    _entries: Vec<i64>,
    _line: Delay<i64>,
}

/// Read register, output register.
pub const TABLE_LATENCY: usize = 2;

impl<const IN: usize, const OUT: usize> TableRom<IN, OUT> {
    pub fn new(entries: Vec<i64>) -> Self {
        TableRom {
            clock: Default::default(),
            x: Default::default(),
            y: Default::default(),
            _entries: entries,
            _line: Delay::new(TABLE_LATENCY),
        }
    }
}

impl<const IN: usize, const OUT: usize> Logic for TableRom<IN, OUT> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let i = (signed_int(self.x.val()) + (1 << (IN - 1))) as usize;
            let v = self._line.clock(self._entries.get(i).copied().unwrap_or(0));
            self.y.next = signed_word(v);
        }
    }
    fn connect(&mut self) {
        self.y.connect();
    }
    fn hdl(&self) -> Verilog {
        let n = self._entries.len();
        let mut v = format!("reg [{}:0] entries [0:{}];\nreg [{}:0] q;\ninitial begin\n", OUT - 1, n - 1, OUT - 1);
        for (i, &e) in self._entries.iter().enumerate() {
            let _ = writeln!(v, "  entries[{i}] = {};", lit(e, OUT));
        }
        let _ = writeln!(
            v,
            "end\nalways @(posedge clock) begin\n  q <= entries[{{~x[{m}], x[{}:0]}}];\n  y <= q;\nend",
            IN - 2,
            m = IN - 1
        );
        Verilog::Custom(v)
    }
}
