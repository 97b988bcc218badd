//! Inner products of an activation run with an int8 weight run — the hot loop
//! of Dense and Conv. `zp` is the input zero point (subtracted before the product).
//!
//! On Cortex-M4/M7 (`cfg(polyact_dsp)`) four int8 pairs take two SMLADs; the
//! portable loops define the same wrapping sums and run everywhere else.

#[cfg(polyact_dsp)]
use super::dsp::{smlad, ssub16, sxtb16, sxtb16_ror8};

/// int8 × int8 → i32. Fits: layers are validated for worst-case accumulator
/// range. `Σ (x − zp)·w = Σ x·w − zp·Σ w`, and wrapping arithmetic is exact
/// modulo 2^32, so the split form gives the same bits with one multiply per
/// element.
#[inline(always)]
pub fn dot_i8(x: &[u8], w: &[u8], zp: i32) -> i32 {
    let (xw, sw) = dot_and_sum_i8(x, w);
    xw.wrapping_sub(zp.wrapping_mul(sw))
}

/// `(Σ x·w, Σ w)` over int8 runs, wrapping.
#[inline(always)]
fn dot_and_sum_i8(x: &[u8], w: &[u8]) -> (i32, i32) {
    let (mut xw, mut sw) = (0i32, 0i32);
    let (xc, wc) = (x.chunks_exact(4), w.chunks_exact(4));
    let (xr, wr) = (xc.remainder(), wc.remainder());
    for (a, b) in xc.zip(wc) {
        let (p, s) = quad(a, b);
        xw = xw.wrapping_add(p);
        sw = sw.wrapping_add(s);
    }
    for (&a, &b) in xr.iter().zip(wr) {
        xw = xw.wrapping_add(a as i8 as i32 * b as i8 as i32);
        sw = sw.wrapping_add(b as i8 as i32);
    }
    (xw, sw)
}

/// `Σ x·w` over int8 runs, wrapping: the inner product of compiled models,
/// whose biases already hold `−zp·Σ w`.
#[inline(always)]
pub fn dot_i8_raw(x: &[u8], w: &[u8]) -> i32 {
    let mut xw = 0i32;
    let (xc, wc) = (x.chunks_exact(4), w.chunks_exact(4));
    let (xr, wr) = (xc.remainder(), wc.remainder());
    for (a, b) in xc.zip(wc) {
        xw = quad_raw(a, b, xw);
    }
    for (&a, &b) in xr.iter().zip(wr) {
        xw = xw.wrapping_add(a as i8 as i32 * b as i8 as i32);
    }
    xw
}

/// `Σ (x − zp)·w` for `R` weight rows at once, wrapping (`zp: None` is a
/// zero point of 0: compiled layers fold it into the bias). Each input quad is
/// loaded and sign-extended once for all `R` rows, so on the DSP cores a
/// row costs one load, two SXTB16 and two SMLAD per four MACs. `x − zp` is
/// formed per 16-bit lane: both are int8 (the validator bounds zero points by
/// the element range), so the lanes hold it exactly and there is no `Σ w` to
/// subtract. Rows shorter than `x` shorten the product (callers pass equal
/// lengths).
#[inline(always)]
pub fn dot_rows_i8<const R: usize>(x: &[u8], rows: [&[u8]; R], zp: Option<i32>) -> [i32; R] {
    let n = rows.iter().fold(x.len(), |n, r| n.min(r.len()));
    let (xq, xt) = x[..n].as_chunks::<4>();
    let rows = rows.map(|r| r[..n].as_chunks::<4>());
    let mut acc = [0i32; R];
    quads_rows(xq, &rows, zp, &mut acc);
    let z = zp.unwrap_or(0);
    for (i, &xv) in xt.iter().enumerate() {
        let xv = (xv as i8 as i32).wrapping_sub(z);
        for (a, (_, tail)) in acc.iter_mut().zip(&rows) {
            if let Some(&w) = tail.get(i) {
                *a = a.wrapping_add(xv.wrapping_mul(w as i8 as i32));
            }
        }
    }
    acc
}

/// Calls `f(o, Σ (x − zp)·w[o])` (`zp: None` as in [`dot_rows_i8`]) for rows `o` in `0..rows` of `weights`
/// (rows of `x.len()` bytes, contiguous), four rows per pass over `x`: the
/// interpreter's Dense and Conv loops. Rows past the end of `weights` are not
/// called.
#[inline(always)]
pub fn each_row_dot_i8(x: &[u8], weights: &[u8], rows: usize, zp: Option<i32>, mut f: impl FnMut(usize, i32)) {
    let n = x.len();
    if n == 0 {
        (0..rows).for_each(|o| f(o, 0));
        return;
    }
    let w = &weights[..weights.len().min(rows.saturating_mul(n))];
    let mut blocks = w.chunks_exact(4 * n);
    for (b, block) in blocks.by_ref().enumerate() {
        let (r01, r23) = block.split_at(2 * n);
        let (r0, r1) = r01.split_at(n);
        let (r2, r3) = r23.split_at(n);
        for (r, acc) in dot_rows_i8::<4>(x, [r0, r1, r2, r3], zp).into_iter().enumerate() {
            f(4 * b + r, acc);
        }
    }
    let done = (w.len() / (4 * n)) * 4;
    for (r, row) in blocks.remainder().chunks_exact(n).enumerate() {
        let [acc] = dot_rows_i8::<1>(x, [row], zp);
        f(done + r, acc);
    }
}

/// A row as whole quads and its tail.
type Quads<'a> = (&'a [[u8; 4]], &'a [u8]);

/// The whole quads of [`dot_rows_i8`].
#[inline(always)]
#[cfg(polyact_dsp)]
fn quads_rows<const R: usize>(xq: &[[u8; 4]], rows: &[Quads<'_>; R], zp: Option<i32>, acc: &mut [i32; R]) {
    let zz = zp.map(|z| (z as u32 & 0xffff).wrapping_mul(0x1_0001));
    for (q, xw) in xq.iter().enumerate() {
        let xa = u32::from_le_bytes(*xw);
        let (mut lo, mut hi) = (sxtb16(xa), sxtb16_ror8(xa));
        if let Some(zz) = zz {
            (lo, hi) = (ssub16(lo, zz), ssub16(hi, zz));
        }
        for (a, (row, _)) in acc.iter_mut().zip(rows) {
            if let Some(w) = row.get(q) {
                let wa = u32::from_le_bytes(*w);
                *a = smlad(sxtb16_ror8(wa), hi, smlad(sxtb16(wa), lo, *a));
            }
        }
    }
}

#[inline(always)]
#[cfg(not(polyact_dsp))]
fn quads_rows<const R: usize>(xq: &[[u8; 4]], rows: &[Quads<'_>; R], zp: Option<i32>, acc: &mut [i32; R]) {
    let z = zp.unwrap_or(0);
    for (q, xw) in xq.iter().enumerate() {
        let xv = xw.map(|b| (b as i8 as i32).wrapping_sub(z));
        for (a, (row, _)) in acc.iter_mut().zip(rows) {
            if let Some(w) = row.get(q) {
                let mut s = *a;
                for (&xe, &we) in xv.iter().zip(w) {
                    s = s.wrapping_add(xe.wrapping_mul(we as i8 as i32));
                }
                *a = s;
            }
        }
    }
}

#[cfg(polyact_dsp)]
fn word(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// `acc + Σ a·b` over four int8 pairs.
#[inline(always)]
#[cfg(polyact_dsp)]
fn quad_raw(a: &[u8], b: &[u8], acc: i32) -> i32 {
    let (xa, wb) = (word(a), word(b));
    smlad(sxtb16_ror8(xa), sxtb16_ror8(wb), smlad(sxtb16(xa), sxtb16(wb), acc))
}

#[inline(always)]
#[cfg(not(polyact_dsp))]
fn quad_raw(a: &[u8], b: &[u8], acc: i32) -> i32 {
    acc.wrapping_add(
        a[0] as i8 as i32 * b[0] as i8 as i32
            + a[1] as i8 as i32 * b[1] as i8 as i32
            + a[2] as i8 as i32 * b[2] as i8 as i32
            + a[3] as i8 as i32 * b[3] as i8 as i32,
    )
}

/// `(Σ a·b, Σ b)` over four int8 pairs.
#[inline(always)]
#[cfg(polyact_dsp)]
fn quad(a: &[u8], b: &[u8]) -> (i32, i32) {
    const ONES: u32 = 0x0001_0001;
    let wb = word(b);
    let (lo, hi) = (sxtb16(wb), sxtb16_ror8(wb));
    let xa = word(a);
    (smlad(sxtb16_ror8(xa), hi, smlad(sxtb16(xa), lo, 0)), smlad(hi, ONES, smlad(lo, ONES, 0)))
}

#[inline(always)]
#[cfg(not(polyact_dsp))]
fn quad(a: &[u8], b: &[u8]) -> (i32, i32) {
    let (b0, b1, b2, b3) = (b[0] as i8 as i32, b[1] as i8 as i32, b[2] as i8 as i32, b[3] as i8 as i32);
    (
        a[0] as i8 as i32 * b0 + a[1] as i8 as i32 * b1 + a[2] as i8 as i32 * b2 + a[3] as i8 as i32 * b3,
        b0 + b1 + b2 + b3,
    )
}

/// int16 × int8 → i64.
#[inline(always)]
pub fn dot_i16(x: &[u8], w: &[u8], zp: i32) -> i64 {
    let mut acc = 0i64;
    for (a, &b) in x.chunks_exact(2).zip(w) {
        let v = i16::from_le_bytes([a[0], a[1]]) as i32 - zp;
        acc += (v * (b as i8 as i32)) as i64;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The blocked rows are each row's own split inner product, for any
        /// length (whole quads and a tail) and zero point.
        #[test]
        fn rows_are_each_rows_dot(x in proptest::collection::vec(any::<u8>(), 0..40), seed in any::<u64>(), zp in -128i32..=127) {
            let n = x.len();
            let w: [u8; 120] = core::array::from_fn(|i| (seed.wrapping_mul(i as u64 + 1) >> 13) as u8);
            let rows = [&w[..n], &w[n..2 * n], &w[2 * n..3 * n]];
            let got = dot_rows_i8::<3>(&x, rows, Some(zp));
            for (g, r) in got.iter().zip(rows) {
                prop_assert_eq!(*g, dot_i8(&x, r, zp));
            }
            let raw = dot_rows_i8::<3>(&x, rows, None);
            for (g, r) in raw.iter().zip(rows) {
                prop_assert_eq!(*g, dot_i8_raw(&x, r));
            }
        }

        /// Every row is called once, in order, with its own inner product:
        /// whole blocks of four, the remainder rows, and rows cut off by a
        /// short weight buffer (not called).
        #[test]
        fn each_row_calls_every_row_once(x in proptest::collection::vec(any::<u8>(), 1..24), rows in 0usize..11, cut in 0usize..30, zp in -128i32..=127, seed in any::<u64>()) {
            let n = x.len();
            let w: [u8; 264] = core::array::from_fn(|i| (seed.wrapping_mul(i as u64 + 7) >> 17) as u8);
            let weights = &w[..(rows * n).saturating_sub(cut)];
            let mut seen = [None; 11];
            let mut order = 0;
            each_row_dot_i8(&x, weights, rows, Some(zp), |o, acc| {
                seen[o] = Some((order, acc));
                order += 1;
            });
            let whole = weights.len() / n;
            for (o, s) in seen.iter().enumerate() {
                if o < whole.min(rows) {
                    prop_assert_eq!(*s, Some((o, dot_i8(&x, &weights[o * n..(o + 1) * n], zp))));
                } else {
                    prop_assert_eq!(*s, None);
                }
            }
        }
    }
}
