//! Inner products of an activation run with an int8 weight run — the hot loop
//! of Dense and Conv. `zp` is the input zero point (subtracted before the product).

/// int8 × int8 → i32. Fits: layers are validated for worst-case accumulator
/// range. `Σ (x − zp)·w = Σ x·w − zp·Σ w`, and wrapping arithmetic is exact
/// modulo 2^32, so the split form gives the same bits with one multiply per
/// element; four elements per step keep the loop overhead low.
#[inline(always)]
pub fn dot_i8(x: &[u8], w: &[u8], zp: i32) -> i32 {
    let (mut xw, mut sw) = (0i32, 0i32);
    let (xc, wc) = (x.chunks_exact(4), w.chunks_exact(4));
    let (xr, wr) = (xc.remainder(), wc.remainder());
    for (a, b) in xc.zip(wc) {
        let (b0, b1, b2, b3) = (b[0] as i8 as i32, b[1] as i8 as i32, b[2] as i8 as i32, b[3] as i8 as i32);
        xw = xw.wrapping_add(
            a[0] as i8 as i32 * b0 + a[1] as i8 as i32 * b1 + a[2] as i8 as i32 * b2 + a[3] as i8 as i32 * b3,
        );
        sw = sw.wrapping_add(b0 + b1 + b2 + b3);
    }
    for (&a, &b) in xr.iter().zip(wr) {
        xw = xw.wrapping_add(a as i8 as i32 * b as i8 as i32);
        sw = sw.wrapping_add(b as i8 as i32);
    }
    xw.wrapping_sub(zp.wrapping_mul(sw))
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
