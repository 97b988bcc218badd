//! Properties of the arithmetic contract, checked against exact references.
use polyact::arith::*;
use proptest::prelude::*;

/// Exact round-half-away-from-zero of `n / 2^s` via i128.
fn exact_rshr(n: i128, s: u32) -> i128 {
    let d = 1i128 << s;
    let q = (2 * n.abs() + d) / (2 * d);
    if n < 0 {
        -q
    } else {
        q
    }
}

proptest! {
    #[test]
    fn rshr32_is_round_half_away(x in any::<i32>(), s in 0u32..=31) {
        prop_assert_eq!(rshr_i32(x, s) as i128, exact_rshr(x as i128, s));
    }

    #[test]
    fn rshr64_is_round_half_away(x in any::<i64>(), s in 0u32..=62) {
        prop_assert_eq!(rshr_i64(x, s) as i128, exact_rshr(x as i128, s));
    }

    #[test]
    fn rshr_up_is_floor_of_plus_half(x in any::<i64>(), s in 0u32..=62) {
        // ⌊(x + 2^(s−1)) / 2^s⌋ in exact arithmetic (ties toward +∞).
        let want = if s == 0 { x as i128 } else { (x as i128 + (1i128 << (s - 1))).div_euclid(1i128 << s) };
        prop_assert_eq!(rshr_up_i64(x, s) as i128, want);
        if s <= 31 {
            let x32 = x as i32;
            let want32 = if s == 0 { x32 as i128 } else { (x32 as i128 + (1i128 << (s - 1))).div_euclid(1i128 << s) };
            prop_assert_eq!(rshr_up_i32(x32, s) as i128, want32);
        }
    }

    #[test]
    fn round_div_is_round_half_away(n in -(1i64 << 62)..(1i64 << 62), d in 1i64..(1i64 << 40)) {
        let q = round_div_i64(n, d) as i128;
        // |n/d − q| ≤ 1/2, and exactly 1/2 only away from zero.
        let r = n as i128 - q * d as i128;
        prop_assert!(2 * r.abs() <= d as i128);
        if 2 * r.abs() == d as i128 {
            prop_assert!(q.signum() == (n as i128).signum());
        }
    }

    #[test]
    fn requantize_error_is_within_double_rounding_bound(x in -(1i32 << 24)..(1i32 << 24), scale in 1e-6f64..0.99) {
        let (m, s) = quantize_multiplier(scale).unwrap();
        let exact = x as f64 * m as f64 * 2f64.powi(s - 31);
        let got = requantize(x, m, s) as f64;
        let right = (-s).max(0);
        prop_assert!((got - exact).abs() <= 0.5 + 2f64.powi(-right - 1) + 1e-9, "x={} m={} s={} got={} exact={}", x, m, s, got, exact);
    }

    #[test]
    fn requantize_i64_is_single_rounding(x in -(1i64 << 46)..(1i64 << 46), scale in 1e-9f64..0.99) {
        let (m, s) = quantize_multiplier(scale).unwrap();
        let exact = x as i128 * m as i128;
        let want = exact_rshr(exact, (31 - s) as u32).clamp(i32::MIN as i128, i32::MAX as i128);
        prop_assert_eq!(requantize_i64(x, m, s) as i128, want);
    }

    #[test]
    fn quantize_multiplier_is_accurate(scale in 1e-9f64..1e9) {
        let (m, s) = quantize_multiplier(scale).unwrap();
        prop_assert!((1i64 << 30..1i64 << 31).contains(&(m as i64)));
        let back = m as f64 * 2f64.powi(s - 31);
        prop_assert!(((back - scale) / scale).abs() <= 2f64.powi(-31));
    }

    #[test]
    fn narrowing_saturates(x in any::<i64>()) {
        prop_assert_eq!(sat_i32(x) as i64, x.clamp(i32::MIN as i64, i32::MAX as i64));
        let y = x as i32;
        prop_assert_eq!(sat_i8(y) as i32, y.clamp(-128, 127));
        prop_assert_eq!(sat_i16(y) as i32, y.clamp(-32768, 32767));
    }

    #[test]
    fn srdhm_matches_gemmlowp_definition(a in any::<i32>(), b in any::<i32>()) {
        let got = sat_rounding_doubling_high_mul(a, b) as i128;
        let want = if a == i32::MIN && b == i32::MIN { i32::MAX as i128 } else {
            let ab = a as i128 * b as i128;
            let nudge = if ab >= 0 { 1i128 << 30 } else { 1 - (1i128 << 30) };
            // C division truncates toward zero.
            (ab + nudge) / (1i128 << 31)
        };
        prop_assert_eq!(got, want);
    }

    #[test]
    fn requantize_matches_tflite_definition(x in any::<i32>(), m in (1i32 << 30)..i32::MAX, shift in -31i32..=30) {
        // TFLite's MultiplyByQuantizedMultiplier, written out in i128 with the
        // left shift saturated: the reference for `Requant`'s split shift.
        let left = shift.max(0) as u32;
        let operand = ((x as i128) << left).clamp(i32::MIN as i128, i32::MAX as i128);
        let ab = operand * m as i128;
        let nudge = if ab >= 0 { 1i128 << 30 } else { 1 - (1i128 << 30) };
        let high = (ab + nudge) / (1i128 << 31);
        let want = exact_rshr(high, (-shift).max(0) as u32);
        prop_assert_eq!(requantize(x, m, shift) as i128, want);
        // `apply` (the kernels' path) and `parts` (the code generators') compose
        // the same steps separately: they must agree.
        prop_assert_eq!(Requant::new(m, shift).parts(x).out, requantize(x, m, shift));
    }

    #[test]
    fn isqrt_is_floor_sqrt_on_both_paths(v in any::<u128>(), w in any::<u64>()) {
        for x in [v, w as u128, v >> 64, v >> 1] {
            let r = isqrt_u128(x);
            prop_assert!(r * r <= x && (r + 1).checked_mul(r + 1).is_none_or(|s| s > x), "{}", x);
        }
    }

    #[test]
    fn round_div_i128_is_round_half_away_on_both_paths(n in any::<i64>(), shift in 0u32..60, d in 1i64..i64::MAX) {
        for (n, d) in [(n as i128, d as i128), ((n as i128) << shift, d as i128), (n as i128, (d >> (shift % 40)).max(1) as i128)] {
            // Exact reference: |n|/d rounded half away from zero, in u128 with
            // no doubling (remainder compared against the half).
            let (q, r) = (n.unsigned_abs() / d as u128, n.unsigned_abs() % d as u128);
            let q = (q + (2 * r >= d as u128) as u128) as i128;
            prop_assert_eq!(round_div_i128(n, d), if n < 0 { -q } else { q });
        }
    }
}
