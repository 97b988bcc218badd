//! Simulation model of `n` pipeline registers in a row: what is sampled at a
//! clock edge appears at the output after that edge for a 1-register
//! pipeline, `n − 1` edges later in general (zeros before).

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct Delay<T: Copy + Default> {
    line: VecDeque<T>,
}

impl<T: Copy + Default> Delay<T> {
    pub fn new(n: usize) -> Self {
        assert!(n >= 1, "a pipeline stage has at least one register");
        Delay { line: std::iter::repeat_n(T::default(), n - 1).collect() }
    }

    /// Clock edge: sample `v`, return what the last register now holds.
    pub fn clock(&mut self, v: T) -> T {
        self.line.push_back(v);
        self.line.pop_front().unwrap_or_default()
    }
}
