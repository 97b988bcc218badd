//! A compiled int8 Dense layer with its epilogue: the interpreter's
//! `Dense::run` for one row, with the per-channel constants precomputed.

use super::lookup::table_index;
use crate::arith::Requant;
use crate::layers::dot::dot_i8_raw;

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

impl<const N: usize, const M: usize> DenseI8<'_, N, M> {
    #[inline(always)]
    pub fn run(&self, x: &[u8; N], y: &mut [u8; M]) {
        for (c, yv) in y.iter_mut().enumerate() {
            *yv = self.output(c, dot_i8_raw(x, &self.weights[c]));
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
