//! Where a function's pieces change, found from its expression on the exact
//! input grid: every non-smooth node (ReLU, Abs, Clip, Min/Max, HardSigmoid,
//! HardSwish, Sign, Round/Floor/Ceil, Shrink, thresholds, comparisons, the
//! negative side of ELU-like units) says which of its pieces its argument falls in, and a
//! knot goes wherever any node's piece differs from the previous input's.
//! Between two knots the function is one smooth expression, so a polynomial
//! there is either exact (HardSwish is 0, x(x+3)/6, x) or a smooth fit.

use crate::expr::{Bin, Expr, Un};
use polyact::{DType, Quant};

/// The piece of a unary op's argument value `v`, for the non-smooth ops.
fn unary_piece(op: Un, v: f64) -> Option<i64> {
    let three = |t: f64, lo: f64, hi: f64| {
        if t <= lo {
            0
        } else if t >= hi {
            2
        } else {
            1
        }
    };
    Some(match op {
        Un::Abs | Un::Relu | Un::LeakyRelu(_) | Un::Elu(_) | Un::Selu(..) | Un::Celu(_) => (v >= 0.0) as i64,
        Un::Sign => (v > 0.0) as i64 - (v < 0.0) as i64,
        Un::HardSigmoid(a, b) => three(a * v + b, 0.0, 1.0),
        Un::HardSwish => three(v / 6.0 + 0.5, 0.0, 1.0),
        Un::ThresholdedRelu(alpha) => (v > alpha) as i64,
        Un::Shrink(_, lambda) => three(v, -lambda, lambda),
        // Each step of a staircase is its own (constant) piece.
        Un::Round | Un::Floor | Un::Ceil => op.apply(v).clamp(-1e15, 1e15) as i64,
        _ => return None,
    })
}

/// Push the piece of every non-smooth node of `e` at input `x`.
fn pieces(e: &Expr, x: f64, ch: usize, out: &mut Vec<i64>) {
    match e {
        Expr::X | Expr::Const(_) => {}
        Expr::Unary(op, a) => {
            pieces(a, x, ch, out);
            if let Some(p) = unary_piece(*op, a.eval(x, ch)) {
                out.push(p);
            }
        }
        Expr::Binary(op, a, b) => {
            pieces(a, x, ch, out);
            pieces(b, x, ch, out);
            match op {
                Bin::Max | Bin::Min => out.push((a.eval(x, ch) < b.eval(x, ch)) as i64),
                // A comparison's value is its piece.
                Bin::Gt | Bin::Ge | Bin::Lt | Bin::Le => out.push(e.eval(x, ch) as i64),
                Bin::PRelu => out.push((a.eval(x, ch) >= 0.0) as i64),
                _ => {}
            }
        }
        Expr::Clip(a, lo, hi) => {
            pieces(a, x, ch, out);
            let v = a.eval(x, ch);
            out.push(if v < *lo {
                0
            } else if v > *hi {
                2
            } else {
                1
            });
        }
    }
}

/// Segment starts (raw inputs, the first is the input minimum) such that `f`
/// is one smooth piece between consecutive ones in every channel; `None` if
/// `f` has more than `max` pieces.
pub fn knots_of(f: &Expr, (t, q): (DType, Quant), max: usize) -> Option<Vec<i32>> {
    let real = |raw: i32| q.scale as f64 * (raw - q.zero_point) as f64;
    let mut knots = vec![t.min()];
    let (mut prev, mut cur) = (Vec::new(), Vec::new());
    for raw in t.min()..=t.max() {
        cur.clear();
        for ch in 0..f.channels() {
            pieces(f, real(raw), ch, &mut cur);
        }
        if raw > t.min() && cur != prev {
            knots.push(raw);
            if knots.len() > max {
                return None;
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(knots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr_parse::parse;

    const Q: Quant = Quant { scale: 1.0 / 4096.0, zero_point: 0 };

    #[test]
    fn hardswish_has_its_knots_at_minus_and_plus_three() {
        let f = Expr::un(Un::HardSwish, Expr::X);
        assert_eq!(knots_of(&f, (DType::I16, Q), 64), Some(vec![-32768, -3 * 4096 + 1, 3 * 4096]));
        // Written out as ONNX exporters write it, the same knots.
        let relu6 = Expr::Clip(Box::new(Expr::bin(Bin::Add, Expr::X, Expr::c(3.0))), 0.0, 6.0);
        let g = Expr::bin(Bin::Div, Expr::bin(Bin::Mul, Expr::X, relu6), Expr::c(6.0));
        assert_eq!(knots_of(&g, (DType::I16, Q), 64), Some(vec![-32768, -3 * 4096, 3 * 4096 + 1]));
    }

    #[test]
    fn smooth_functions_have_one_piece_and_staircases_many() {
        assert_eq!(knots_of(&parse("tanh(x)").unwrap(), (DType::I16, Q), 64), Some(vec![-32768]));
        let steps = knots_of(&parse("floor(x)").unwrap(), (DType::I16, Q), 64).unwrap();
        assert_eq!(steps.len(), 16);
        assert!(steps.iter().skip(1).all(|k| k % 4096 == 0));
        assert_eq!(knots_of(&parse("floor(8 * x)").unwrap(), (DType::I16, Q), 64), None);
    }
}
