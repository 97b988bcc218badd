//! Every activation kernel, run on *every* representable input (65,536 for
//! int16, 256 for int8) against the real function in f64, with the error bound
//! the arithmetic contract promises asserted (docs/ARITHMETIC.md):
//! - exact table: correctly rounded (≤ 0.5 LSB, every entry);
//! - exact polynomial: ≤ 0.5 LSB + (d+1)·2^-final_shift (Horner rounding);
//! - fitted polynomial: ≤ 0.5 LSB + fit error + 2^-10, here ≤ 0.51 LSB;
//! - ReLU family at equal scales: exact (0 LSB); with rescaling: requantization
//!   error ≤ 0.5 + 2^-(right_shift+1) LSB (TFLite's double rounding);
//! - rational: ≤ 0.5 + 2^-6 LSB for the PAU tested here;
//! - knot polynomial: as the polynomial kernel; on uniform knots it *is* it.
mod common;

use common::*;
use polyact::activation::DenMode;
use polyact::certify::{certify, Certificate};
use polyact::writer::samples::{exact_poly_kernel, piecewise_poly_kernel};
use polyact::writer::{encode_knot_poly, encode_rational, fit_knots, fit_piecewise, kernel_io, KernelDef};
use polyact::{DType, Model, Quant};

/// The documented Horner rounding allowance of a polynomial kernel.
fn horner_slack(k: &KernelDef) -> f64 {
    match k {
        KernelDef::Poly(p) => (p.degree + 1) as f64 * 2f64.powi(-(p.final_shift as i32)),
        KernelDef::KnotPoly(p) => (p.degree + 1) as f64 * 2f64.powi(-(p.final_shift as i32)),
        _ => 0.0,
    }
}

fn cert_of(k: &KernelDef, ch: usize, in_q: Quant, out_q: Quant, f: &dyn Fn(f64) -> f64) -> Certificate {
    let blob = kernel_blob(k, k.io().channels.max(1), in_q, out_q);
    let model = Model::from_bytes(&blob).unwrap();
    let c = certify(&model.kernel(0).unwrap(), ch, in_q, out_q, f);
    println!("{:?} ch{ch}: {c:?}", k.kind());
    c
}

const I16_IN: Quant = Quant { scale: 1.0 / 4096.0, zero_point: 0 }; // x in [-8, 8)
const I16_UNIT: Quant = Quant { scale: 1.0 / 32768.0, zero_point: 0 }; // y in [-1, 1)
const I16_WIDE: Quant = Quant { scale: 1.0 / 4096.0, zero_point: 0 };

#[test]
fn exact_cubic_int16_is_correctly_rounded_up_to_horner_rounding() {
    let coefs = [0.1, 0.5, 0.25, -0.05];
    let f = |x: f64| coefs.iter().rev().fold(0.0, |a, c| a * x + c);
    let k = exact_poly_kernel(&coefs, (DType::I16, I16_IN), (DType::I16, I16_WIDE)).unwrap();
    let c = cert_of(&k, 0, I16_IN, I16_WIDE, &f);
    assert_eq!(c.inputs, 65536);
    assert!(c.max_err <= 0.5 + horner_slack(&k), "{c:?}");
}

#[test]
fn polyrelu_order3_two_segments_is_exact() {
    // PolyCom PolyReLU: Σ a_i ReLU(x)^i; the segment boundary is x = 0.
    let a = [0.05, 0.8, 0.3, -0.04];
    let f = |x: f64| {
        let r = x.max(0.0);
        a.iter().rev().fold(0.0, |acc, c| acc * r + c)
    };
    let seg = |s: usize| {
        if s == 0 {
            vec![a[0], 0.0, 0.0, 0.0]
        } else {
            a.to_vec()
        }
    };
    let k = piecewise_poly_kernel(&seg, 1, (DType::I16, I16_IN), (DType::I16, I16_WIDE)).unwrap();
    let c = cert_of(&k, 0, I16_IN, I16_WIDE, &f);
    assert!(c.max_err <= 0.5 + horner_slack(&k), "{c:?}");
}

fn fitted_int16(f: &dyn Fn(f64) -> f64, out_q: Quant) -> Certificate {
    let k = fit_segments(f, (DType::I16, I16_IN), (DType::I16, out_q), 7, 3);
    cert_of(&k, 0, I16_IN, out_q, f)
}

#[test]
fn tanh_int16_128x3_within_0_51_lsb() {
    let c = fitted_int16(&f64::tanh, I16_UNIT);
    assert!(c.max_err <= 0.51, "{c:?}");
}

#[test]
fn sigmoid_int16_within_0_51_lsb() {
    let c = fitted_int16(&sigmoid, I16_UNIT);
    assert!(c.max_err <= 0.51, "{c:?}");
}

#[test]
fn gelu_and_silu_int16_within_0_51_lsb() {
    assert!(fitted_int16(&gelu, I16_WIDE).max_err <= 0.51);
    assert!(fitted_int16(&|x| x * sigmoid(x), I16_WIDE).max_err <= 0.51);
}

#[test]
fn int8_table_is_correctly_rounded() {
    let in_q = q(1.0 / 32.0, 5);
    let out_q = q(1.0 / 128.0, 0);
    for f in [&f64::tanh as &dyn Fn(f64) -> f64, &sigmoid, &gelu] {
        let k = KernelDef::table(in_q, (DType::I8, out_q), &[f]);
        let c = cert_of(&k, 0, in_q, out_q, f);
        assert_eq!(c.inputs, 256);
        assert_eq!(c.not_correctly_rounded, 0, "{c:?}");
        assert!(c.max_err <= 0.5);
    }
}

#[test]
fn int8_in_int16_out_table_and_int16_in_int8_out_poly() {
    let in8 = q(1.0 / 32.0, 0);
    let k = KernelDef::table(in8, (DType::I16, I16_UNIT), &[&f64::tanh]);
    assert_eq!(cert_of(&k, 0, in8, I16_UNIT, &f64::tanh).not_correctly_rounded, 0);
    let out8 = q(1.0 / 127.0, 0);
    let k = fit_segments(&f64::tanh, (DType::I16, I16_IN), (DType::I8, out8), 5, 3);
    assert!(cert_of(&k, 0, I16_IN, out8, &f64::tanh).max_err <= 0.51);
}

#[test]
fn per_channel_polynomials_use_their_own_coefficients() {
    let fs: [&dyn Fn(f64) -> f64; 2] = [&|x| 0.5 * x, &|x| -0.25 * x + 0.125];
    let coefs = [vec![0.0, 0.5], vec![0.125, -0.25]];
    let io = kernel_io(DType::I16, I16_IN, DType::I16, I16_WIDE, 2);
    let segs: Vec<Vec<f64>> =
        coefs.iter().map(|c| polyact::writer::local_poly_from_real(c, I16_IN, I16_WIDE, 0)).collect();
    let k = KernelDef::Poly(polyact::writer::encode_poly(io, 0, &segs).unwrap());
    for (ch, f) in fs.iter().enumerate() {
        assert!(cert_of(&k, ch, I16_IN, I16_WIDE, *f).max_err <= 0.5 + horner_slack(&k));
    }
}

#[test]
fn relu_family_exact_at_equal_scales_and_bounded_when_rescaling() {
    for (dt, qt) in [(DType::I8, q(1.0 / 16.0, -7)), (DType::I16, q(1.0 / 2048.0, 0))] {
        let t = (dt, qt);
        let relu = |x: f64| x.max(0.0);
        assert_eq!(cert_of(&KernelDef::relu(t, t), 0, qt, qt, &relu).max_err, 0.0);
        assert_eq!(cert_of(&KernelDef::helu(t, t, 0.05), 0, qt, qt, &relu).max_err, 0.0);
        assert_eq!(cert_of(&KernelDef::relu6(t, t), 0, qt, qt, &|x: f64| x.clamp(0.0, 6.0)).max_err, 0.0);
        // Rescale to a coarser, shifted output: requantization error bound.
        let out = q(qt.scale * 2.7, if dt == DType::I8 { 3 } else { 0 });
        let c = cert_of(&KernelDef::relu(t, (dt, out)), 0, qt, out, &relu);
        assert!(c.max_err <= 0.75 && c.max_err > 0.0, "{c:?}");
        let leaky = |x: f64| if x >= 0.0 { x } else { 0.1 * x };
        let c = cert_of(&KernelDef::leaky_relu(t, t, 0.1), 0, qt, qt, &leaky);
        assert!(c.max_err <= 0.75, "{c:?}");
    }
}

#[test]
fn prelu_per_channel_slopes() {
    let t = (DType::I16, q(1.0 / 2048.0, 0));
    let alphas = [0.0, 0.25, -0.5, 0.01];
    let k = KernelDef::prelu(t, t, &alphas);
    for (ch, &a) in alphas.iter().enumerate() {
        let f = move |x: f64| if x >= 0.0 { x } else { a * x };
        let c = cert_of(&k, ch, t.1, t.1, &f);
        assert!(c.max_err <= 0.75, "channel {ch}: {c:?}");
    }
}

#[test]
fn pau_rational_5_4_int16() {
    // A PAU (5,4) in its "leaky ReLU" initialization range of coefficients.
    let p: [f64; 6] = [0.02557, 0.66182, 1.58182, 2.94478, 0.95287, 0.23319];
    let b: [f64; 4] = [0.50962, 4.18376, 0.37832, 0.32407];
    let f = |x: f64| {
        let num: f64 = p.iter().enumerate().map(|(k, c)| c * x.powi(k as i32)).sum();
        let den: f64 = 1.0 + b.iter().enumerate().map(|(k, c)| c.abs() * x.abs().powi(k as i32 + 1)).sum::<f64>();
        num / den
    };
    let in_q = q(1.0 / 8192.0, 0); // x in [-4, 4)
    let out_q = q(1.0 / 4096.0, 0);
    let s = in_q.scale as f64;
    let num: Vec<f64> = p.iter().enumerate().map(|(k, c)| c * s.powi(k as i32) / out_q.scale as f64).collect();
    let mut den = vec![1.0, 0.0];
    den.extend(b.iter().enumerate().map(|(k, c)| c.abs() * s.powi(k as i32 + 1)));
    let io = kernel_io(DType::I16, in_q, DType::I16, out_q, 1);
    let k = KernelDef::Rational(encode_rational(io, &[num], &[den], DenMode::Safe).unwrap());
    let c = cert_of(&k, 0, in_q, out_q, &f);
    assert!(c.max_err <= 0.5 + 1.0 / 64.0, "{c:?}");
}

/// Real coefficients of `Σ c_k x^k` in units of `t = x_q − zp` (`x = s·t`),
/// divided by `out` (1 for a dimensionless denominator).
fn in_t_units(c: &[f64], s: f64, out: f64) -> Vec<f64> {
    c.iter().enumerate().map(|(k, v)| v * s.powi(k as i32) / out).collect()
}

#[test]
fn version_b_rational_int16() {
    // P(x) / (1 + |Q(x)|), Q changing sign inside the input range (x = 3.5).
    let p = [0.5, 1.0, 0.3];
    let b = [0.0, 0.7, -0.2];
    let poly = |c: &[f64], x: f64| c.iter().enumerate().map(|(k, v)| v * x.powi(k as i32)).sum::<f64>();
    let f = |x: f64| poly(&p, x) / (1.0 + poly(&b, x).abs());
    let (in_q, out_q) = (I16_IN, q(1.0 / 2048.0, 0)); // y in [-16, 16)
    let s = in_q.scale as f64;
    let mut den = vec![1.0];
    den.extend(in_t_units(&b, s, 1.0));
    let io = kernel_io(DType::I16, in_q, DType::I16, out_q, 1);
    let num = in_t_units(&p, s, out_q.scale as f64);
    let k = KernelDef::Rational(
        encode_rational(io, std::slice::from_ref(&num), std::slice::from_ref(&den), DenMode::AbsPoly).unwrap(),
    );
    let c = cert_of(&k, 0, in_q, out_q, &f);
    assert!(c.max_err <= 0.5 + 1.0 / 64.0, "{c:?}");
    // The safe mode refuses the negative coefficient instead of misreading it.
    assert!(encode_rational(io, &[num], &[den], DenMode::Safe).is_err());
}

#[test]
fn cauchy_rational_with_a_sharp_peak_int16() {
    // XNet's Cauchy activation with d² = 0.01 on ±20: the denominator spans
    // 15 bits; with a 32-bit denominator `polyact fit` certified this function
    // on this range at 0.774 LSB.
    let f = |x: f64| (1.7 * x - 0.4) / (x * x + 0.01);
    let in_q = q(20.0 / 32767.0, 0);
    let (lo, hi) = (-32768..=32767)
        .map(|t| f(t as f64 * in_q.scale as f64))
        .fold((0.0f64, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
    let out_q = q(((hi - lo) / 65535.0) as f32, (-32768.0 - lo * 65535.0 / (hi - lo)).round() as i32);
    let s = in_q.scale as f64;
    let io = kernel_io(DType::I16, in_q, DType::I16, out_q, 1);
    let num = in_t_units(&[-0.4, 1.7], s, out_q.scale as f64);
    let den = [vec![0.01], in_t_units(&[0.0, 0.0, 1.0], s, 1.0)].concat();
    let k = KernelDef::Rational(encode_rational(io, &[num], &[den], DenMode::Safe).unwrap());
    let c = cert_of(&k, 0, in_q, out_q, &f);
    assert!(c.max_err <= 0.5 + 1.0 / 64.0, "{c:?}");
}

#[test]
fn kernels_saturate_instead_of_wrapping() {
    // x^3 over [-8, 8) into a [-1, 1) output: most inputs saturate.
    let k = exact_poly_kernel(&[0.0, 0.0, 0.0, 1.0], (DType::I16, I16_IN), (DType::I16, I16_UNIT)).unwrap();
    let c = cert_of(&k, 0, I16_IN, I16_UNIT, &|x| x * x * x);
    assert!(c.max_err <= 0.5 + horner_slack(&k), "{c:?}");
}

/// The raw int16 inputs where each of `2^seg_bits` uniform segments starts.
fn uniform_knots(seg_bits: u32) -> Vec<i32> {
    (0..1i32 << seg_bits).map(|s| -32768 + (s << (16 - seg_bits))).collect()
}

fn eval_all(k: &KernelDef, in_q: Quant, out_q: Quant) -> Vec<i32> {
    let blob = kernel_blob(k, 1, in_q, out_q);
    let model = Model::from_bytes(&blob).unwrap();
    let kernel = model.kernel(0).unwrap();
    (-32768..=32767).map(|x| kernel.eval(x, 0)).collect()
}

#[test]
fn knot_poly_on_uniform_knots_is_the_uniform_kernel_bit_for_bit() {
    let f = |x: f64, _: usize| x.tanh();
    let (in_t, out_t) = ((DType::I16, I16_IN), (DType::I16, I16_UNIT));
    for (seg_bits, degree) in [(0u32, 3usize), (3, 2), (6, 3)] {
        let uniform = KernelDef::Poly(fit_piecewise(&f, 1, in_t, out_t, seg_bits, degree).unwrap());
        let knots = KernelDef::KnotPoly(fit_knots(&f, 1, in_t, out_t, &uniform_knots(seg_bits), degree).unwrap());
        assert_eq!(eval_all(&uniform, I16_IN, I16_UNIT), eval_all(&knots, I16_IN, I16_UNIT), "{seg_bits} bits");
    }
}

#[test]
fn hardswish_on_its_own_knots_is_exact_int16() {
    // x·relu6(x + 3)/6 on [-8, 8): 0, then x(x+3)/6, then x — knots at x = ∓3.
    let hs = |x: f64| x * (x + 3.0).clamp(0.0, 6.0) / 6.0;
    let (in_t, out_t) = ((DType::I16, I16_IN), (DType::I16, I16_WIDE));
    let k = KernelDef::KnotPoly(fit_knots(&|x, _| hs(x), 1, in_t, out_t, &[-32768, -3 * 4096, 3 * 4096], 2).unwrap());
    let c = cert_of(&k, 0, I16_IN, I16_WIDE, &hs);
    assert_eq!(c.inputs, 65536);
    assert!(c.max_err <= 0.5 + horner_slack(&k), "{c:?}");
    // A knot 64 inputs off puts the kink inside a segment, and it shows.
    let off =
        KernelDef::KnotPoly(fit_knots(&|x, _| hs(x), 1, in_t, out_t, &[-32768, -3 * 4096 - 64, 3 * 4096], 2).unwrap());
    assert!(cert_of(&off, 0, I16_IN, I16_WIDE, &hs).max_err > 0.5 + horner_slack(&k));
}

#[test]
fn knot_poly_refuses_knots_that_do_not_start_at_the_minimum_or_do_not_increase() {
    let io = kernel_io(DType::I16, I16_IN, DType::I16, I16_UNIT, 1);
    let seg = vec![vec![0.0, 1.0]; 3];
    assert!(encode_knot_poly(io, &[vec![-32767, 0, 10]], &seg).is_err());
    assert!(encode_knot_poly(io, &[vec![-32768, 10, 10]], &seg).is_err());
    let good = encode_knot_poly(io, &[vec![-32768, 0, 10]], &seg).unwrap();
    // Corrupt the stored knots behind the encoder's back: the runtime refuses them.
    for bad in [vec![-32767, 0, 10], vec![-32768, 10, 0]] {
        let k = KernelDef::KnotPoly(polyact::writer::KnotPolyDef { knots: bad, ..good.clone() });
        // The writer validates what it wrote with the runtime's own decoder.
        let err = polyact::writer::kernel_model(&k, 1, I16_IN, I16_UNIT).unwrap_err();
        assert!(format!("{err}").contains("knot"), "{err}");
    }
}
