//! Exhaustive certification of an activation kernel: run the kernel itself on
//! every representable input and measure its error, in output LSBs, against
//! the real function evaluated in `f64`. Certify, don't sample.

use crate::activation::Activation;
use crate::dtype::DType;
use crate::format::Quant;

/// The result of certifying a kernel over its whole input range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Certificate {
    /// Largest |kernel − ideal| in output LSBs; the ideal is `f(x)/s_out + zp_out`
    /// clamped to the output range, unrounded (correct rounding gives ≤ 0.5).
    pub max_err: f64,
    /// Mean |kernel − ideal| in output LSBs.
    pub mean_err: f64,
    /// An input where `max_err` is reached.
    pub worst_input: i32,
    /// Inputs checked (256 or 65,536).
    pub inputs: usize,
    /// Inputs whose output is not the correctly rounded value.
    pub not_correctly_rounded: usize,
}

/// The ideal (unrounded, range-clamped) output for raw input `x`.
pub fn ideal(x: i32, in_q: Quant, out_dtype: DType, out_q: Quant, f: &dyn Fn(f64) -> f64) -> f64 {
    let real = in_q.scale as f64 * (x - in_q.zero_point) as f64;
    let y = f(real) / out_q.scale as f64 + out_q.zero_point as f64;
    y.clamp(out_dtype.min() as f64, out_dtype.max() as f64)
}

/// Certify `kernel` (channel set `ch`) against `f` on every input.
pub fn certify(kernel: &Activation, ch: usize, in_q: Quant, out_q: Quant, f: &dyn Fn(f64) -> f64) -> Certificate {
    let (ti, to) = (kernel.io.in_dtype, kernel.io.out_dtype);
    let mut c = Certificate { max_err: 0.0, mean_err: 0.0, worst_input: ti.min(), inputs: 0, not_correctly_rounded: 0 };
    let mut sum = 0.0;
    for x in ti.min()..=ti.max() {
        let want = ideal(x, in_q, to, out_q, f);
        let got = kernel.eval(x, ch) as f64;
        // A NaN ideal (f undefined at x) is an unbounded error, never a
        // silently skipped input.
        let err = match (got - want).abs() {
            e if e.is_nan() => f64::INFINITY,
            e => e,
        };
        sum += err;
        if err > c.max_err {
            c.max_err = err;
            c.worst_input = x;
        }
        // Correct rounding, half away from zero, as `quantize_value` does.
        if got != want.round() {
            c.not_correctly_rounded += 1;
        }
        c.inputs += 1;
    }
    c.mean_err = sum / c.inputs as f64;
    c
}

/// The error function in f64 (|error| ≲ 1e-15): the reference for GELU and
/// Erf activations. A series for |x| < 3, a continued fraction for the tail.
pub fn erf(x: f64) -> f64 {
    if x.abs() < 3.0 {
        let (mut sum, mut term, x2) = (x, x, x * x);
        for n in 1..200 {
            term *= -x2 / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-18 {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        let ax = x.abs();
        let mut f = ax;
        for k in (1..60).rev() {
            f = ax + (k as f64 / 2.0) / f;
        }
        x.signum() * (1.0 - (-ax * ax).exp() / std::f64::consts::PI.sqrt() / f)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn erf_matches_known_values() {
        // erf(0.5), erf(1), erf(2), erf(3.5) to 15 digits.
        for (x, want) in [
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
        ] {
            assert!((super::erf(x) - want).abs() < 1e-14, "erf({x})");
            assert!((super::erf(-x) + want).abs() < 1e-14);
        }
    }
}
