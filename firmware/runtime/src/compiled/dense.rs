//! A compiled int8 Dense layer with its epilogue: the interpreter's
//! `Dense::run` for one row, with the per-channel constants precomputed.

use super::lookup::table_index;
use crate::arith::Requant;
use crate::layers::dot::{dot_i8_raw, dot_rows_i8};

/// The bias a compiled layer stores for output channel weights `weights`:
/// `bias − zp_in·Σw`, wrapping — the interpreter's split inner product
/// `Σx·w − zp·Σw + bias` with its constant part taken out, so the same bits.
pub fn fold_bias(bias: i32, zp_in: i32, weights: &[u8]) -> i32 {
    let sum_w = weights.iter().fold(0i32, |s, &w| s.wrapping_add(w as i8 as i32));
    bias.wrapping_sub(zp_in.wrapping_mul(sum_w))
}

/// int8 `N → M` Dense. Output `c` is `acc = Σ x·w[c] + bias[c]` (wrapping;
/// `bias` already holds `−zp_in·Σ w[c]`), `v = requant[c](acc)`, then either
/// `v + zp` or, with a fused kernel, `table[sat_i8(v + zp)]` (`zp` is then
/// the kernel's input zero point), clamped to `[lo, hi]`.
#[derive(Clone, Copy, Debug)]
pub struct DenseI8<'a, const N: usize, const M: usize> {
    /// Rows of int8 weights (two's complement bytes, as in the blob).
    pub weights: &'a [[u8; N]; M],
    pub bias: &'a [i32; M],
    pub requant: &'a [Requant; M],
    pub zp: i32,
    pub lo: i32,
    pub hi: i32,
    /// The fused activation kernel as int8 → int8 tables indexed by
    /// `input + 128`: one shared, or one per output channel.
    pub tables: &'a [[i8; 256]],
}

/// Output channels per pass over the input (register blocking: each input
/// word is loaded and sign-extended once for four rows).
const ROWS: usize = 4;

/// The shortest input that takes the blocked loop. On cores without the DSP
/// extension (M0) four accumulators spill from the eight low registers, and
/// the blocked loop is slower than one row at a time (measured under QEMU).
#[cfg(polyact_dsp)]
const MIN_BLOCKED_INPUTS: usize = 32;
#[cfg(not(polyact_dsp))]
const MIN_BLOCKED_INPUTS: usize = usize::MAX;

impl<const N: usize, const M: usize> DenseI8<'_, N, M> {
    #[inline(always)]
    pub fn run(&self, x: &[u8; N], y: &mut [u8; M]) {
        // The inner products inline with the layer's sizes as constants
        // (immediate row offsets). Short rows unroll completely, so blocks of
        // them would cost flash (four epilogues per block) for little speed:
        // they go one at a time.
        if N < MIN_BLOCKED_INPUTS {
            for (c, yv) in y.iter_mut().enumerate() {
                *yv = self.output(c, dot_i8_raw(x, &self.weights[c]));
            }
            return;
        }
        let blocked = M - M % ROWS;
        let (blocks, rest) = self.weights.split_at(blocked);
        let (yb, yr) = y.split_at_mut(blocked);
        for (b, (rows, ys)) in blocks.as_chunks::<ROWS>().0.iter().zip(yb.as_chunks_mut::<ROWS>().0).enumerate() {
            let acc = dot_rows_i8::<ROWS>(x, rows.each_ref().map(|r| &r[..]), None);
            for (r, (yv, a)) in ys.iter_mut().zip(acc).enumerate() {
                *yv = self.output(b * ROWS + r, a);
            }
        }
        for (r, (row, yv)) in rest.iter().zip(yr).enumerate() {
            *yv = self.output(blocked + r, dot_i8_raw(x, row));
        }
    }

    /// Output `c` from its inner product `Σ x·w[c]`: the epilogue of `run`.
    #[inline(always)]
    pub fn output(&self, c: usize, xw: i32) -> u8 {
        let v = self.requant[c].apply(xw.wrapping_add(self.bias[c])).saturating_add(self.zp);
        let out = match self.tables.get(if self.tables.len() > 1 { c } else { 0 }) {
            Some(t) => t[table_index(v)] as i32,
            None => v,
        };
        out.clamp(self.lo, self.hi) as i8 as u8
    }
}
