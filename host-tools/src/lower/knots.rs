//! Kink-aware lowering: a piecewise polynomial whose segments start at the
//! function's own kinks ([`super::kinks`]), then split in half wherever the
//! runtime kernel misses the target — so a piecewise-polynomial function is
//! exact with one segment per piece, and a kinked smooth one spends segments
//! only where its curvature needs them.

use super::{finish, with_runtime_kernel, LowerOpts, Lowered};
use crate::expr::Expr;
use anyhow::Result;
use polyact::activation::MAX_KNOTS;
use polyact::certify::ideal;
use polyact::writer::{fit_knots, KernelDef};
use polyact::{DType, Quant};

/// Rounds of splitting before a degree is given up.
const MAX_ROUNDS: usize = 24;

/// Bytes per channel set of `n` segments of `degree`: an `i16` knot and the coefficients.
fn bytes(n: usize, degree: usize) -> usize {
    n * (2 + 4 * (degree + 1))
}

/// Degrees in the order they are tried: cubic first (a B-spline, most smooth
/// pieces), so its size bounds the others' refinement early.
const DEGREE_ORDER: [usize; 7] = [3, 2, 4, 5, 1, 6, 7];

/// `f` on every raw input of every channel, in real output units: the
/// refinement evaluates it once per input, not once per round.
struct Samples {
    values: Vec<Vec<f64>>,
    in_t: (DType, Quant),
}

impl Samples {
    fn new(f: &Expr, in_t: (DType, Quant)) -> Samples {
        let real = |q: i32| in_t.1.scale as f64 * (q - in_t.1.zero_point) as f64;
        let values =
            (0..f.channels()).map(|ch| (in_t.0.min()..=in_t.0.max()).map(|q| f.eval(real(q), ch)).collect()).collect();
        Samples { values, in_t }
    }

    /// `f(x)` at a real input on the grid (the fitter only asks there: it
    /// computes `x` from the raw input exactly as this inverts it).
    fn at(&self, x: f64, ch: usize) -> f64 {
        let q = (x / self.in_t.1.scale as f64).round() as i64 + self.in_t.1.zero_point as i64;
        let i = (q - self.in_t.0.min() as i64).clamp(0, self.values[0].len() as i64 - 1) as usize;
        self.values[ch.min(self.values.len() - 1)][i]
    }
}

/// The smallest certified knot polynomial over degrees `1..=max_degree`
/// starting from `kinks`, or `None` if none meets the target within the budget.
pub(super) fn lower_on_knots(
    f: &Expr,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    kinks: &[i32],
    opts: &LowerOpts,
    progress: &mut dyn FnMut(&str),
) -> Result<Option<Lowered>> {
    let mut best: Option<Lowered> = None;
    let samples = Samples::new(f, in_t);
    let max_degree = opts.max_degree.clamp(1, polyact::activation::MAX_DEGREE);
    for degree in DEGREE_ORDER.into_iter().filter(|&d| d <= max_degree) {
        // Per channel set: more bytes than the best found cannot win.
        let budget = best.as_ref().map_or(opts.max_bytes, |b| (b.coef_bytes / f.channels()).saturating_sub(1));
        if bytes(kinks.len(), degree) > budget {
            continue;
        }
        progress(&format!("fit on {} knots x degree {degree}", kinks.len()));
        if let Some(k) = refine(f, &samples, in_t, out_t, kinks.to_vec(), degree, opts.error_lsb, budget)? {
            let n = match &k {
                KernelDef::KnotPoly(p) => p.n_knots(),
                _ => unreachable!("refine returns knot polynomials"),
            };
            let l = finish(k, format!("knots {n}x{degree}"), f, in_t.1, out_t.1)?;
            if l.max_err <= opts.error_lsb && best.as_ref().is_none_or(|b| l.coef_bytes < b.coef_bytes) {
                best = Some(l);
            }
        }
    }
    Ok(best)
}

/// Fit on `knots`, then split every segment with an input over the target,
/// until none is or the budget runs out.
#[allow(clippy::too_many_arguments)]
fn refine(
    f: &Expr,
    samples: &Samples,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    mut knots: Vec<i32>,
    degree: usize,
    error_lsb: f64,
    max_bytes: usize,
) -> Result<Option<KernelDef>> {
    let g = |x: f64, ch: usize| samples.at(x, ch);
    for _ in 0..MAX_ROUNDS {
        if knots.len() > MAX_KNOTS || bytes(knots.len(), degree) > max_bytes {
            return Ok(None);
        }
        let Ok(def) = fit_knots(&g, f.channels(), in_t, out_t, &knots, degree) else {
            return Ok(None);
        };
        let k = KernelDef::KnotPoly(def);
        let failing = with_runtime_kernel(&k, in_t.1, out_t.1, |kernel| {
            let mut failing = vec![false; knots.len()];
            for ch in 0..f.channels() {
                let mut seg = 0;
                for x in in_t.0.min()..=in_t.0.max() {
                    while seg + 1 < knots.len() && knots[seg + 1] <= x {
                        seg += 1;
                    }
                    let want = ideal(x, in_t.1, out_t.0, out_t.1, &|v| samples.at(v, ch));
                    let err = (kernel.eval(x, ch) as f64 - want).abs();
                    // NaN (f undefined) fails too.
                    failing[seg] |= err.is_nan() || err > error_lsb;
                }
            }
            failing
        })?;
        if !failing.contains(&true) {
            return Ok(Some(k));
        }
        let mut split = Vec::with_capacity(knots.len() * 2);
        for (s, &start) in knots.iter().enumerate() {
            split.push(start);
            let end = knots.get(s + 1).copied().unwrap_or(in_t.0.max() + 1);
            if failing[s] {
                if end - start < 2 {
                    // A one-input segment is a constant: if it misses, nothing will.
                    return Ok(None);
                }
                split.push(polyact::activation::knot_centre(start, end));
            }
        }
        knots = split;
    }
    Ok(None)
}
