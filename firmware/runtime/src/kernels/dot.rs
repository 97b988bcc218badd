//! Inner products of an activation run with an int8 weight run — the hot loop
//! of Dense and Conv. `zp` is the input zero point (subtracted before the product).

/// int8 × int8 → i32. Fits: layers are validated for worst-case accumulator range.
#[inline(always)]
pub fn dot_i8(x: &[u8], w: &[u8], zp: i32) -> i32 {
    let mut acc = 0i32;
    for (&a, &b) in x.iter().zip(w) {
        acc = acc.wrapping_add((a as i8 as i32 - zp) * (b as i8 as i32));
    }
    acc
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
