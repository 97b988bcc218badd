//! Inner products of an activation run with an int8 weight run — the hot loop
//! of Dense and Conv. `zp` is the input zero point (subtracted before the product).
//!
//! On Cortex-M4/M7 (`cfg(polyact_dsp)`) four int8 pairs take two SMLADs; the
//! portable loops define the same wrapping sums and run everywhere else.

#[cfg(polyact_dsp)]
use super::dsp::{smlad, sxtb16, sxtb16_ror8};

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
