//! The fixed-point exponential and reciprocal of gemmlowp, as TFLite's and
//! TFLite Micro's integer Softmax use them — written here from their
//! definitions so that a model imported from a `.tflite` file gives
//! TFLite's bits. polyact's own Softmax (`layers/softmax.rs`) is more
//! accurate; this one exists to agree with an outside oracle.
//!
//! A value with `I` integer bits is an `i32` `raw` meaning `raw / 2^(31 − I)`.
//! Products are [`sat_rounding_doubling_high_mul`] (the integer bits add);
//! sums wrap like the reference's `int32` additions.

use crate::arith::{rshr_i32, sat_rounding_doubling_high_mul as srdhm};

/// `x · 2^e` keeping the integer bits: a saturating left shift for `e > 0`,
/// a rounding right shift (round half away from zero) for `e < 0`.
pub fn mul_pot(x: i32, e: i32) -> i32 {
    if e > 0 {
        let threshold = (1i32 << (31 - e)) - 1;
        if x > threshold {
            i32::MAX
        } else if x < -threshold {
            i32::MIN
        } else {
            x << e
        }
    } else {
        rshr_i32(x, (-e) as u32)
    }
}

/// `(a + b) / 2`, rounded half away from zero, without overflow.
fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

/// `exp(a)` for `a` in `[−1/4, 0)`, both with 0 integer bits: a degree-4
/// Taylor expansion around −1/8.
fn exp_on_quarter_interval(a: i32) -> i32 {
    const EXP_MINUS_ONE_EIGHTH: i32 = 1_895_147_668;
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = srdhm(x, x);
    let x3 = srdhm(x2, x);
    let x4 = srdhm(x2, x2);
    let x4_over_4 = mul_pot(x4, -2);
    let poly = mul_pot(srdhm(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2), -1);
    EXP_MINUS_ONE_EIGHTH.wrapping_add(srdhm(EXP_MINUS_ONE_EIGHTH, x.wrapping_add(poly)))
}

/// `exp(a)` for `a ≤ 0` given with `int_bits` integer bits (1..=30); the
/// result has 0 integer bits (`exp(0)` is `i32::MAX`).
pub fn exp_on_negative_values(a: i32, int_bits: i32) -> i32 {
    let frac_bits = 31 - int_bits;
    let one_quarter = 1i32 << (frac_bits - 2);
    let a_mod_quarter_minus_quarter = (a & (one_quarter - 1)).wrapping_sub(one_quarter);
    let mut result = exp_on_quarter_interval(mul_pot(a_mod_quarter_minus_quarter, int_bits));
    let remainder = a_mod_quarter_minus_quarter.wrapping_sub(a);
    // exp(−2^k) for k = −2..=4, 0 integer bits: one factor per set bit.
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    for (k, factor) in BARREL {
        if int_bits > k && remainder & (1 << (frac_bits + k)) != 0 {
            result = srdhm(result, factor);
        }
    }
    if int_bits > 5 && a < -(1 << (36 - int_bits)) {
        result = 0;
    }
    if a == 0 {
        result = i32::MAX;
    }
    result
}

/// `1 / (1 + a)` for `a` in `[0, 1)` with 0 integer bits, by three
/// Newton–Raphson steps from the 48/17 − 32/17·d start; result with 0
/// integer bits.
fn one_over_one_plus_x(a: i32) -> i32 {
    const FORTY_EIGHT_OVER_17: i32 = 1_515_870_810; // 2 integer bits
    const NEG_32_OVER_17: i32 = -1_010_580_540; // 2 integer bits
    const ONE_2: i32 = 1 << 29; // 1.0 with 2 integer bits
    let half_denominator = rounding_half_sum(a, i32::MAX);
    let mut x = FORTY_EIGHT_OVER_17.wrapping_add(srdhm(half_denominator, NEG_32_OVER_17));
    for _ in 0..3 {
        let one_minus = ONE_2.wrapping_sub(srdhm(half_denominator, x));
        x = x.wrapping_add(mul_pot(srdhm(x, one_minus), 2));
    }
    // x / 2 (exact: 1 integer bit), then to 0 integer bits.
    mul_pot(x, 1)
}

/// `2^31 / x` as TFLite's `GetReciprocal`: the reciprocal of `x` (given with
/// `int_bits` integer bits) as a value with 0 integer bits and the number
/// of bits it was scaled by.
pub fn reciprocal(x: i32, int_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let bits_over_unit = int_bits - headroom_plus_one;
    let shifted_minus_one = ((x as u32) << (headroom_plus_one as u32 & 31)).wrapping_sub(1 << 31) as i32;
    (one_over_one_plus_x(shifted_minus_one), bits_over_unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(raw: i32, int_bits: i32) -> f64 {
        raw as f64 / (1u64 << (31 - int_bits)) as f64
    }

    #[test]
    fn exp_is_accurate_on_negative_values() {
        for int_bits in [5, 12] {
            let mut worst: f64 = 0.0;
            for i in 0..20_000 {
                let a = -(i as i64 * 104_729 % (30i64 << (31 - int_bits))) as i32;
                let got = real(exp_on_negative_values(a, int_bits), 0);
                worst = worst.max((got - real(a, int_bits).exp()).abs());
            }
            assert!(worst < 1e-6, "int_bits {int_bits}: worst error {worst}");
        }
        assert_eq!(exp_on_negative_values(0, 5), i32::MAX);
    }

    #[test]
    fn reciprocal_is_accurate() {
        for x in [1 << 19, 3 << 19, 12_345_678, 1 << 30, 2_000_000_000] {
            let (r, bits) = reciprocal(x, 12);
            let got = real(r, 0) / f64::powi(2.0, bits);
            let want = 1.0 / real(x, 12);
            assert!((got - want).abs() / want < 1e-6, "1/{x}: {got} vs {want}");
        }
    }
}
