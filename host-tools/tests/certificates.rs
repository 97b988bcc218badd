//! Certified lowering of the activations users ask about, on every int16
//! input: the runtime kernel itself against f in f64. The bound is the
//! default target: correctly rounded (0.5 LSB) plus 1/64 LSB of documented
//! kernel rounding. Coefficient budgets are asserted so a regression in the
//! fitter shows up as a test failure, not as silent flash growth.

use polyact::DType;
use polyact_tools::expr_parse::parse;
use polyact_tools::lower::{lower, LowerOpts};
use polyact_tools::quantize::quant_for;

fn certify(function: &str, range: (f64, f64), max_bytes: usize) -> f64 {
    let f = parse(function).unwrap();
    let t = DType::I16;
    let in_q = quant_for(t, range.0, range.1);
    let (lo, hi) = (t.min()..=t.max())
        .map(|q| f.eval(in_q.scale as f64 * q as f64, 0))
        .fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let out_q = quant_for(t, lo, hi);
    let l = lower(&f, (t, in_q), (t, out_q), &LowerOpts::default(), |_| {}).unwrap();
    println!(
        "{function:<40} {:<18} {:>5} B  max {:.4} LSB  mean {:.4} LSB",
        l.method, l.coef_bytes, l.max_err, l.mean_err
    );
    assert!(l.max_err <= 0.5 + 1.0 / 64.0, "{function}: {}", l.max_err);
    assert!(l.coef_bytes <= max_bytes, "{function}: {} bytes", l.coef_bytes);
    l.max_err
}

#[test]
fn tanh_sigmoid_gelu_silu_are_correctly_rounded_within_budget() {
    certify("tanh", (-8.0, 8.0), 2048);
    certify("sigmoid", (-8.0, 8.0), 1024);
    certify("gelu", (-8.0, 8.0), 1024);
    certify("silu", (-8.0, 8.0), 1024);
}

#[test]
fn mish_and_snake() {
    certify("mish", (-8.0, 8.0), 2048);
    certify("snake", (-6.0, 6.0), 2048);
}

#[test]
fn pau_is_lowered_exactly_as_a_rational() {
    let e = certify(
        "(0.03 + 0.6*x + 0.6*x^2 + 0.1*x^3) / (1 + 0.1*abs(x) + 0.5*abs(x)^2 + 0.05*abs(x)^3)",
        (-4.0, 4.0),
        64,
    );
    assert!(e <= 0.51);
}

#[test]
fn polyrelu_is_an_exact_two_segment_polynomial() {
    let f = "0.05 + 0.8*relu(x) + 0.3*relu(x)^2 - 0.04*relu(x)^3";
    let e = certify(f, (-4.0, 4.0), 32);
    assert!(e <= 0.5 + 1e-3);
}

#[test]
fn an_activation_nobody_named() {
    certify("x*sigmoid(1.702*x) + 0.1*sin(x)", (-6.0, 6.0), 2048);
}

#[test]
fn one_lsb_target_trades_coefficients() {
    let f = parse("tanh").unwrap();
    let t = DType::I16;
    let q = quant_for(t, -8.0, 8.0);
    let out = quant_for(t, -1.0, 1.0);
    let tight = lower(&f, (t, q), (t, out), &LowerOpts::default(), |_| {}).unwrap();
    let loose = lower(&f, (t, q), (t, out), &LowerOpts { error_lsb: 1.0, ..LowerOpts::default() }, |_| {}).unwrap();
    assert!(loose.max_err <= 1.0);
    assert!(loose.coef_bytes < tight.coef_bytes, "{} vs {}", loose.coef_bytes, tight.coef_bytes);
}

/// A function undefined somewhere on the input range is never certified
/// (NaN errors used to drop out of the maximum); on a one-sided calibrated
/// range it is certified as `f(clip(x, lo, hi))`, and says so.
#[test]
fn undefined_functions_are_refused_or_certified_on_their_calibrated_range() {
    use polyact_tools::lower::{certified_range, lower_calibrated};
    for (function, t) in [("sqrt(x)", DType::I8), ("sqrt(x)", DType::I16), ("log(x)", DType::I16), ("1/x", DType::I8)] {
        let f = parse(function).unwrap();
        let in_q = quant_for(t, -4.0, 4.0);
        let out_q = quant_for(t, -4.0, 4.0);
        let e = format!("{:#}", lower(&f, (t, in_q), (t, out_q), &LowerOpts::default(), |_| {}).unwrap_err());
        assert!(e.contains("not defined on all of it") && e.contains("at x = "), "{function}: {e}");
    }
    let f = parse("sqrt(x)").unwrap();
    let t = DType::I16;
    let (in_q, out_q) = (quant_for(t, 0.05, 4.0), quant_for(t, 0.0, 2.0));
    let (g, l) = lower_calibrated(&f, (t, in_q), (t, out_q), (0.05, 4.0), &LowerOpts::default(), |_| {}).unwrap();
    assert!(g.to_string().contains("clip"), "{g}");
    assert!(l.max_err <= 0.5 + 1.0 / 64.0, "{}", l.max_err);
    let (lo, hi) = certified_range((t, in_q));
    assert!(lo < 0.0 && hi > 3.99, "the certificate covers every input: [{lo}, {hi}]");
}
