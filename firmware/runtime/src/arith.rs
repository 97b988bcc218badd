//! The integer arithmetic contract (see `docs/ARITHMETIC.md`).
//!
//! Every integer result polyact produces on any target is built from these few
//! functions. Every right shift and every division rounds **half away from
//! zero** (gemmlowp's `RoundingDivideByPOT`); the one exception is TFLite's
//! doubling high multiply, kept as TFLite has it (ties toward +∞) so
//! requantization matches TFLite bit for bit. Narrowing always saturates.

/// Saturate an `i64` into `[lo, hi]`.
#[inline(always)]
pub fn clamp_i64(x: i64, lo: i64, hi: i64) -> i64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// `floor(sqrt(v))` digit by digit for an unsigned type `$t` of `$bits` bits.
macro_rules! isqrt_digits {
    ($v:expr, $t:ty, $bits:expr) => {{
        let v: $t = $v;
        let (mut rem, mut root) = (v, 0 as $t);
        let mut bit: $t = 1 << ($bits - 2);
        while bit > v {
            bit >>= 2;
        }
        while bit != 0 {
            if rem >= root + bit {
                rem -= root + bit;
                root = (root >> 1) + bit;
            } else {
                root >>= 1;
            }
            bit >>= 2;
        }
        root
    }};
}

/// [`isqrt_u128`] in 64 bits: the same method, half the work on a 32-bit core.
pub fn isqrt_u64(v: u64) -> u64 {
    isqrt_digits!(v, u64, 64)
}

/// Saturating narrowing of an `i64` to `i32`.
#[inline(always)]
pub fn sat_i32(x: i64) -> i32 {
    clamp_i64(x, i32::MIN as i64, i32::MAX as i64) as i32
}

/// Saturating narrowing to `i8`.
#[inline(always)]
pub fn sat_i8(x: i32) -> i8 {
    x.clamp(i8::MIN as i32, i8::MAX as i32) as i8
}

/// Saturating narrowing to `i16`.
#[inline(always)]
pub fn sat_i16(x: i32) -> i16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// `x / 2^s` rounded half away from zero, for `s` in `0..=31`.
///
/// Computed as floor shift plus a carry from the discarded bits, so it never
/// overflows (this is also how the HDL datapath implements it). Every
/// intermediate fits 32 bits (`mask < 2^31`), which keeps it to a few
/// instructions on a 32-bit core.
#[inline(always)]
pub fn rshr_i32(x: i32, s: u32) -> i32 {
    if s == 0 {
        return x;
    }
    let s = s.min(31);
    rshr_i32_masked(x, s, (1u32 << s) - 1)
}

/// [`rshr_i32`] with `s` in `0..=31` and its mask `2^s − 1` precomputed.
#[inline(always)]
fn rshr_i32_masked(x: i32, s: u32, mask: u32) -> i32 {
    let rem = (x as u32) & mask;
    let threshold = (mask >> 1) + (x < 0) as u32;
    (x >> s) + (rem > threshold) as i32
}

/// `x / 2^s` rounded half up (ties toward +∞), for `s` in `0..=31`: the
/// Horner steps' rounding. It is `⌊(x + 2^(s−1)) / 2^s⌋`, so on a DSP block the
/// rounding is an added constant; computed as the floor shift plus bit `s−1`,
/// it never overflows.
#[inline(always)]
pub fn rshr_up_i32(x: i32, s: u32) -> i32 {
    if s == 0 {
        return x;
    }
    let s = s.min(31);
    (x >> s) + ((x >> (s - 1)) & 1)
}

/// [`rshr_up_i32`] for `i64`, `s` in `0..=63`.
#[inline(always)]
pub fn rshr_up_i64(x: i64, s: u32) -> i64 {
    if s == 0 {
        return x;
    }
    let s = s.min(63);
    (x >> s) + ((x >> (s - 1)) & 1)
}

/// `x / 2^s` rounded half away from zero, for `s` in `0..=63`.
#[inline(always)]
pub fn rshr_i64(x: i64, s: u32) -> i64 {
    if s == 0 {
        return x;
    }
    let s = s.min(63);
    let mask = ((1u64 << s) - 1) as i64;
    let rem = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i64;
    (x >> s) + (rem > threshold) as i64
}

/// `x / 2^s` rounded half away from zero, for `s` in `0..=127`.
#[inline]
pub fn rshr_i128(x: i128, s: u32) -> i128 {
    if s == 0 {
        return x;
    }
    let s = s.min(127);
    let mask = ((1u128 << s) - 1) as i128;
    let rem = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i128;
    (x >> s) + (rem > threshold) as i128
}

/// `n / d` rounded half away from zero, for `d > 0`. Returns 0 for `d <= 0`
/// (callers validate `d > 0`; this keeps the function total).
///
/// Uses an unsigned 64-bit division: on Cortex-M0 (no divider) it compiles to
/// the compiler-builtins software routine, which is exact.
#[inline]
pub fn round_div_i64(n: i64, d: i64) -> i64 {
    if d <= 0 {
        return 0;
    }
    let mag = n.unsigned_abs();
    // A 64-bit division when the doubled operands fit (almost always): much
    // cheaper than 128-bit on 32-bit cores; the same quotient either way.
    if mag < 1 << 62 && d < 1 << 61 {
        let q = ((2 * mag + d as u64) / (2 * d as u64)) as i64;
        return if n < 0 { -q } else { q };
    }
    let (mag, d) = (mag as u128, d as u128);
    let q = ((2 * mag + d) / (2 * d)) as i128;
    let q = if n < 0 { -q } else { q };
    q.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// `n / d` rounded half away from zero for 128-bit values, `d > 0` (0 otherwise).
#[inline]
pub fn round_div_i128(n: i128, d: i128) -> i128 {
    if d <= 0 {
        return 0;
    }
    let mag = n.unsigned_abs();
    // The same quotient in 64 bits when it fits: a 128-bit division is a
    // long library call on a 32-bit core.
    if mag < 1 << 62 && d < 1 << 61 {
        return round_div_i64(n as i64, d as i64) as i128;
    }
    let d = d as u128;
    // 2·mag + d cannot overflow for the ranges polyact uses (|n| < 2^126).
    let q = (mag.saturating_mul(2).saturating_add(d) / (2 * d)) as i128;
    if n < 0 {
        -q
    } else {
        q
    }
}

/// Integer square root `floor(sqrt(v))`, bit by bit (no floating point, same
/// result on every target).
pub fn isqrt_u128(v: u128) -> u128 {
    if v <= u64::MAX as u128 {
        return isqrt_u64(v as u64) as u128;
    }
    isqrt_digits!(v, u128, 128)
}

/// TFLite/gemmlowp `SaturatingRoundingDoublingHighMul`: `round(a * b / 2^31)`
/// with ties toward +∞ (the nudge makes the truncating division equal
/// `⌊(a·b + 2^30) / 2^31⌋` for either sign), saturating the single overflow
/// case. The one rounding polyact inherits rather than chooses: requantization
/// stays bit-exact with TFLite.
#[inline(always)]
pub fn sat_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    // TFLite adds a sign-dependent nudge (2^30, or 1 − 2^30 below zero) and
    // divides truncating; both cases equal this one floor shift, which is a
    // multiply-accumulate and a shift on a 32-bit core.
    ((a as i64 * b as i64 + (1 << 30)) >> 31) as i32
}

/// Requantize an `i32` accumulator by a Q31 `multiplier` and a power-of-two
/// `shift` (positive = left): TFLite's `MultiplyByQuantizedMultiplier`, bit for bit
/// where TFLite is defined; the left shift saturates instead of overflowing.
#[inline(always)]
pub fn requantize(x: i32, multiplier: i32, shift: i32) -> i32 {
    Requant::new(multiplier, shift).apply(x)
}

/// The intermediate values of [`requantize`], for code generators that build
/// it in stages (the unused ones cost nothing where `requantize` inlines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequantParts {
    /// `x << left` before the `i32` saturation.
    pub shifted: i64,
    /// That, saturated: the multiply's operand.
    pub operand: i32,
    /// The doubling high multiply.
    pub high: i32,
    /// `rshr(high, right)`: the result.
    pub out: i32,
}

/// [`requantize`] with its intermediates.
#[inline(always)]
pub fn requantize_parts(x: i32, multiplier: i32, shift: i32) -> RequantParts {
    Requant::new(multiplier, shift).parts(x)
}

/// A requantization `(multiplier, shift)` with the shift split once into its
/// left and right parts: what compiled models store per output channel, so
/// the per-inference work is only the multiply and the rounding shift.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requant {
    multiplier: i32,
    left: u32,
    right: u32,
    /// `2^right − 1`: the rounding shift's discarded bits.
    right_mask: u32,
}

impl Requant {
    /// Split `shift` (positive = left); shifts beyond the validator's
    /// −31..=30 act as −31 or 32, as in [`requantize`] before.
    pub const fn new(multiplier: i32, shift: i32) -> Requant {
        let left = if shift > 0 { shift as u32 } else { 0 };
        let right = if shift > 0 { 0 } else { shift.unsigned_abs() };
        let right = if right > 31 { 31 } else { right };
        Requant { multiplier, left: if left > 32 { 32 } else { left }, right, right_mask: (1u32 << right) - 1 }
    }

    /// [`requantize`] of `x`.
    #[inline(always)]
    pub fn apply(&self, x: i32) -> i32 {
        // The 64-bit shift only where there is one (most layers shift right only).
        let operand = if self.left == 0 { x } else { sat_i32((x as i64) << self.left) };
        let high = sat_rounding_doubling_high_mul(operand, self.multiplier);
        rshr_i32_masked(high, self.right, self.right_mask)
    }

    /// [`requantize_parts`] of `x`.
    #[inline(always)]
    pub fn parts(&self, x: i32) -> RequantParts {
        let shifted = (x as i64) << self.left;
        let operand = if self.left == 0 { x } else { sat_i32(shifted) };
        let high = sat_rounding_doubling_high_mul(operand, self.multiplier);
        RequantParts { shifted, operand, high, out: rshr_i32_masked(high, self.right, self.right_mask) }
    }
}

/// Requantize an `i64` accumulator (16x8 layers): `round(x * multiplier /
/// 2^(31 - shift))` with a single rounding, half away from zero, saturated to `i32`.
#[inline]
pub fn requantize_i64(x: i64, multiplier: i32, shift: i32) -> i32 {
    let prod = x as i128 * multiplier as i128;
    let total = 31 - shift;
    let r = if total >= 0 { rshr_i128(prod, total as u32) } else { prod << (-total).min(64) as u32 };
    r.clamp(i32::MIN as i128, i32::MAX as i128) as i32
}

/// Decompose a positive real scale into `(multiplier, shift)` with
/// `scale ≈ multiplier · 2^(shift − 31)`, multiplier in `[2^30, 2^31)`
/// (TFLite's `QuantizeMultiplier`). Returns `None` for a scale that is not
/// finite, negative, or outside the representable shift range `[-31, 30]`;
/// zero maps to `(0, 0)`.
pub fn quantize_multiplier(scale: f64) -> Option<(i32, i32)> {
    if !scale.is_finite() || scale < 0.0 {
        return None;
    }
    if scale == 0.0 {
        return Some((0, 0));
    }
    let mut frac = scale;
    let mut exp: i32 = 0;
    while frac >= 1.0 {
        frac /= 2.0;
        exp += 1;
    }
    while frac < 0.5 {
        frac *= 2.0;
        exp -= 1;
        if exp < -200 {
            return Some((0, 0));
        }
    }
    // frac in [0.5, 1): round half away from zero (positive, so +0.5 and truncate).
    let mut q = (frac * 2147483648.0 + 0.5) as i64;
    if q == 1i64 << 31 {
        q /= 2;
        exp += 1;
    }
    if exp < -31 {
        return Some((0, 0));
    }
    if exp > 30 {
        return None;
    }
    Some((q as i32, exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rshr_rounds_half_away_from_zero() {
        assert_eq!(rshr_i32(5, 1), 3);
        assert_eq!(rshr_i32(-5, 1), -3);
        assert_eq!(rshr_i32(-3, 1), -2);
        assert_eq!(rshr_i32(-1, 1), -1);
        assert_eq!(rshr_i32(1, 1), 1);
        assert_eq!(rshr_i32(i32::MAX, 31), 1);
        assert_eq!(rshr_i32(i32::MIN, 31), -1);
        assert_eq!(rshr_i64(i64::MAX, 1), 1 << 62);
        assert_eq!(rshr_i64(-6, 2), -2);
        assert_eq!(rshr_i64(-7, 2), -2);
        assert_eq!(rshr_i64(-5, 2), -1);
    }

    #[test]
    fn isqrt_is_floor_sqrt() {
        for v in 0u128..2000 {
            let r = isqrt_u128(v);
            assert!(r * r <= v && (r + 1) * (r + 1) > v, "{v}");
        }
        assert_eq!(isqrt_u128(u64::MAX as u128), u32::MAX as u128);
        assert_eq!(isqrt_u128(1 << 100), 1 << 50);
    }

    #[test]
    fn round_div_matches_definition() {
        assert_eq!(round_div_i64(7, 2), 4);
        assert_eq!(round_div_i64(-7, 2), -4);
        assert_eq!(round_div_i64(5, 3), 2);
        assert_eq!(round_div_i64(-5, 3), -2);
        assert_eq!(round_div_i64(1, 0), 0);
        assert_eq!(round_div_i64(i64::MIN, 1), i64::MIN);
    }

    #[test]
    fn multiplier_roundtrip() {
        let (m, s) = quantize_multiplier(0.25).unwrap();
        assert_eq!((m, s), (1 << 30, -1));
        assert_eq!(requantize(1000, m, s), 250);
        assert_eq!(requantize(-1002, m, s), -251);
        let (m, s) = quantize_multiplier(3.0).unwrap();
        assert_eq!(requantize(7, m, s), 21);
        assert_eq!(quantize_multiplier(-1.0), None);
        assert_eq!(quantize_multiplier(f64::NAN), None);
        assert_eq!(quantize_multiplier(0.0), Some((0, 0)));
    }

    #[test]
    fn requantize_i64_single_rounding() {
        let (m, s) = quantize_multiplier(0.5).unwrap();
        assert_eq!(requantize_i64(3, m, s), 2);
        assert_eq!(requantize_i64(-3, m, s), -2);
        assert_eq!(requantize_i64(1 << 40, m, s), i32::MAX);
    }
}
