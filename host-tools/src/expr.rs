//! Scalar functions `f(x)`: the fused form of an elementwise ONNX subgraph (or a
//! `polyact fit` expression). Constants may be per channel.
//!
//! Besides evaluation in f64, an expression can be taken apart symbolically:
//! on each side of zero (`x < 0`, `x ≥ 0`) `relu` and `abs` of a multiple of
//! `x` are linear, so a PolyReLU or a PAU becomes an exact (piecewise)
//! polynomial or rational function — extracted, never fitted.

use polyact::certify::erf;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Unary operations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Un {
    Neg,
    Abs,
    Relu,
    Sigmoid,
    Tanh,
    Erf,
    Exp,
    Log,
    Softplus,
    Sin,
    Cos,
    Sqrt,
    Reciprocal,
    /// `max(0, min(1, a·x + b))`
    HardSigmoid(f64, f64),
    HardSwish,
    Elu(f64),
    /// `gamma · (x > 0 ? x : alpha·(e^x − 1))`
    Selu(f64, f64),
    LeakyRelu(f64),
    /// exact (erf) form
    Gelu,
    /// tanh approximation
    GeluTanh,
    Mish,
    Softsign,
    Tan,
    Atan,
    Asin,
    Acos,
    Sinh,
    Cosh,
    Asinh,
    Acosh,
    Atanh,
    /// −1, 0 or 1
    Sign,
    /// `max(0, x) + min(0, α·(e^(x/α) − 1))`
    Celu(f64),
    /// `x > α ? x : 0`
    ThresholdedRelu(f64),
    /// `x < −λ ? x + bias : x > λ ? x − bias : 0` (ONNX Shrink: bias, lambd)
    Shrink(f64, f64),
    /// to the nearest integer, halves to even (ONNX Round)
    Round,
    Floor,
    Ceil,
}

/// Binary operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Max,
    Min,
    /// `PRelu(x, slope)`
    PRelu,
    /// Comparisons, 1 where true and 0 where false (ONNX Greater,
    /// GreaterOrEqual, Less, LessOrEqual: masks such as a B-spline basis's
    /// `(x >= g_j) & (x < g_j+1)`).
    Gt,
    Ge,
    Lt,
    Le,
}

/// An expression in one variable `x`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    X,
    /// One value, or one per channel.
    Const(Vec<f64>),
    Unary(Un, Box<Expr>),
    Binary(Bin, Box<Expr>, Box<Expr>),
    Clip(Box<Expr>, f64, f64),
}

fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Un {
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Un::Neg => -x,
            Un::Abs => x.abs(),
            Un::Relu => x.max(0.0),
            Un::Sigmoid => sigmoid(x),
            Un::Tanh => x.tanh(),
            Un::Erf => erf(x),
            Un::Exp => x.exp(),
            Un::Log => x.ln(),
            Un::Softplus => softplus(x),
            Un::Sin => x.sin(),
            Un::Cos => x.cos(),
            Un::Sqrt => x.sqrt(),
            Un::Reciprocal => 1.0 / x,
            Un::HardSigmoid(a, b) => (a * x + b).clamp(0.0, 1.0),
            Un::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            Un::Elu(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x.exp_m1()
                }
            }
            Un::Selu(a, g) => g * if x > 0.0 { x } else { a * x.exp_m1() },
            Un::LeakyRelu(a) => {
                if x >= 0.0 {
                    x
                } else {
                    a * x
                }
            }
            Un::Gelu => 0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2)),
            Un::GeluTanh => {
                let c = (2.0 / std::f64::consts::PI).sqrt();
                0.5 * x * (1.0 + (c * (x + 0.044715 * x * x * x)).tanh())
            }
            Un::Mish => x * softplus(x).tanh(),
            Un::Softsign => x / (1.0 + x.abs()),
            Un::Tan => x.tan(),
            Un::Atan => x.atan(),
            Un::Asin => x.asin(),
            Un::Acos => x.acos(),
            Un::Sinh => x.sinh(),
            Un::Cosh => x.cosh(),
            Un::Asinh => x.asinh(),
            Un::Acosh => x.acosh(),
            Un::Atanh => x.atanh(),
            Un::Sign => {
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    x
                }
            }
            Un::Celu(a) => x.max(0.0) + (a * (x / a).exp_m1()).min(0.0),
            Un::ThresholdedRelu(a) => {
                if x > a {
                    x
                } else {
                    0.0
                }
            }
            Un::Shrink(bias, lambd) => {
                if x < -lambd {
                    x + bias
                } else if x > lambd {
                    x - bias
                } else {
                    0.0
                }
            }
            Un::Round => x.round_ties_even(),
            Un::Floor => x.floor(),
            Un::Ceil => x.ceil(),
        }
    }
}

/// A polynomial, coefficients by ascending power.
pub type Poly = Vec<f64>;

fn padd(a: &Poly, b: &Poly) -> Poly {
    let n = a.len().max(b.len());
    (0..n).map(|i| a.get(i).unwrap_or(&0.0) + b.get(i).unwrap_or(&0.0)).collect()
}

fn pmul(a: &Poly, b: &Poly) -> Poly {
    let mut out = vec![0.0; a.len() + b.len() - 1];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            out[i + j] += x * y;
        }
    }
    out
}

fn pscale(a: &Poly, k: f64) -> Poly {
    a.iter().map(|v| v * k).collect()
}

/// Drop trailing exact zeros (keeps at least the constant).
pub fn trim(mut p: Poly) -> Poly {
    while p.len() > 1 && p[p.len() - 1] == 0.0 {
        p.pop();
    }
    p
}

/// Which side of zero a symbolic extraction assumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Neg,
    Pos,
}

/// Highest polynomial degree the extractor builds before giving up.
const MAX_SYMBOLIC_DEGREE: usize = 16;

impl Expr {
    pub fn c(v: f64) -> Expr {
        Expr::Const(vec![v])
    }
    pub fn un(op: Un, a: Expr) -> Expr {
        Expr::Unary(op, Box::new(a))
    }
    pub fn bin(op: Bin, a: Expr, b: Expr) -> Expr {
        Expr::Binary(op, Box::new(a), Box::new(b))
    }

    /// Number of channels its constants carry (1 if none are per channel).
    pub fn channels(&self) -> usize {
        match self {
            Expr::X => 1,
            Expr::Const(v) => v.len().max(1),
            Expr::Unary(_, a) | Expr::Clip(a, _, _) => a.channels(),
            Expr::Binary(_, a, b) => a.channels().max(b.channels()),
        }
    }

    /// Every occurrence of `from` replaced by `to`.
    pub fn replace(&self, from: &Expr, to: &Expr) -> Expr {
        if self == from {
            return to.clone();
        }
        match self {
            Expr::X | Expr::Const(_) => self.clone(),
            Expr::Unary(op, a) => Expr::un(*op, a.replace(from, to)),
            Expr::Binary(op, a, b) => Expr::bin(*op, a.replace(from, to), b.replace(from, to)),
            Expr::Clip(a, lo, hi) => Expr::Clip(Box::new(a.replace(from, to)), *lo, *hi),
        }
    }

    /// `self(inner(x))`.
    pub fn compose(&self, inner: &Expr) -> Expr {
        self.replace(&Expr::X, inner)
    }

    /// Whether the expression depends on `x` at all.
    pub fn has_x(&self) -> bool {
        match self {
            Expr::X => true,
            Expr::Const(_) => false,
            Expr::Unary(_, a) | Expr::Clip(a, _, _) => a.has_x(),
            Expr::Binary(_, a, b) => a.has_x() || b.has_x(),
        }
    }

    /// Evaluate for input `x` in channel `ch`.
    pub fn eval(&self, x: f64, ch: usize) -> f64 {
        match self {
            Expr::X => x,
            Expr::Const(v) => *v.get(ch).or(v.first()).unwrap_or(&0.0),
            Expr::Unary(op, a) => op.apply(a.eval(x, ch)),
            // max/min, not clamp: clamp panics on a NaN or inverted bound.
            Expr::Clip(a, lo, hi) => a.eval(x, ch).max(*lo).min(*hi),
            Expr::Binary(op, a, b) => {
                let (u, v) = (a.eval(x, ch), b.eval(x, ch));
                match op {
                    Bin::Add => u + v,
                    Bin::Sub => u - v,
                    Bin::Mul => u * v,
                    Bin::Div => u / v,
                    Bin::Pow => u.powf(v),
                    Bin::Max => u.max(v),
                    Bin::Min => u.min(v),
                    Bin::Gt => (u > v) as u8 as f64,
                    Bin::Ge => (u >= v) as u8 as f64,
                    Bin::Lt => (u < v) as u8 as f64,
                    Bin::Le => (u <= v) as u8 as f64,
                    Bin::PRelu => {
                        if u >= 0.0 {
                            u
                        } else {
                            v * u
                        }
                    }
                }
            }
        }
    }

    /// The expression with every constant vector replaced by `f(vector)`
    /// (re-indexing per-channel constants: a slice of a basis).
    pub fn map_consts(&self, f: &mut impl FnMut(&[f64]) -> Vec<f64>) -> Expr {
        match self {
            Expr::X => Expr::X,
            Expr::Const(v) => Expr::Const(f(v)),
            Expr::Unary(op, a) => Expr::Unary(*op, Box::new(a.map_consts(f))),
            Expr::Binary(op, a, b) => Expr::Binary(*op, Box::new(a.map_consts(f)), Box::new(b.map_consts(f))),
            Expr::Clip(a, lo, hi) => Expr::Clip(Box::new(a.map_consts(f)), *lo, *hi),
        }
    }

    /// The constant value in channel `ch` if the expression has no `x`.
    fn constant(&self, ch: usize) -> Option<f64> {
        (!self.has_x()).then(|| self.eval(0.0, ch))
    }

    /// Exact rational form `num(x) / den(x)` on one side of zero, channel `ch`,
    /// or `None` if the expression is not rational there.
    pub fn rational(&self, side: Side, ch: usize) -> Option<(Poly, Poly)> {
        let one = vec![1.0];
        if let Some(c) = self.constant(ch) {
            return c.is_finite().then(|| (vec![c], one));
        }
        let r = match self {
            Expr::X => (vec![0.0, 1.0], one),
            Expr::Const(_) => unreachable!("handled as constant"),
            Expr::Unary(op, a) => {
                let (n, d) = a.rational(side, ch)?;
                match op {
                    Un::Neg => (pscale(&n, -1.0), d),
                    Un::Reciprocal => (d, n),
                    Un::Relu | Un::Abs | Un::LeakyRelu(_) => {
                        // Only of k·x: linear on each side of zero.
                        let k = linear_slope(&n, &d)?;
                        let neg_side = (k >= 0.0) == (side == Side::Neg);
                        let factor = match (op, neg_side) {
                            (_, false) => k,
                            (Un::Relu, true) => 0.0,
                            (Un::Abs, true) => -k,
                            (Un::LeakyRelu(a), true) => a * k,
                            _ => return None,
                        };
                        (vec![0.0, factor], one)
                    }
                    _ => return None,
                }
            }
            Expr::Binary(op, a, b) => {
                let (na, da) = a.rational(side, ch)?;
                if *op == Bin::Pow {
                    let e = b.constant(ch)?;
                    if e.fract() != 0.0 || !(0.0..=MAX_SYMBOLIC_DEGREE as f64).contains(&e) {
                        return None;
                    }
                    let (mut n, mut d) = (vec![1.0], vec![1.0]);
                    for _ in 0..e as usize {
                        n = pmul(&n, &na);
                        d = pmul(&d, &da);
                    }
                    (n, d)
                } else {
                    let (nb, db) = b.rational(side, ch)?;
                    match op {
                        // A shared denominator stays one: λ₁x/(x²+d²) + λ₂/(x²+d²)
                        // is a (1, 2) rational, not a (3, 4) one.
                        Bin::Add if da == db => (padd(&na, &nb), da),
                        Bin::Sub if da == db => (padd(&na, &pscale(&nb, -1.0)), da),
                        Bin::Add => (padd(&pmul(&na, &db), &pmul(&nb, &da)), pmul(&da, &db)),
                        Bin::Sub => (padd(&pmul(&na, &db), &pscale(&pmul(&nb, &da), -1.0)), pmul(&da, &db)),
                        Bin::Mul => (pmul(&na, &nb), pmul(&da, &db)),
                        Bin::Div => (pmul(&na, &db), pmul(&da, &nb)),
                        _ => return None,
                    }
                }
            }
            Expr::Clip(..) => return None,
        };
        let (n, d) = (trim(r.0), trim(r.1));
        if n.len() > MAX_SYMBOLIC_DEGREE + 1 || d.len() > MAX_SYMBOLIC_DEGREE + 1 {
            return None;
        }
        // A constant denominator folds into the numerator.
        if d.len() == 1 {
            let k = d[0];
            return (k != 0.0).then(|| (pscale(&n, 1.0 / k), vec![1.0]));
        }
        Some((n, d))
    }
}

/// The slope `k` if `n/d` is exactly `k·x`.
fn linear_slope(n: &Poly, d: &Poly) -> Option<f64> {
    if d.len() == 1 && n.len() == 2 && n[0] == 0.0 {
        Some(n[1] / d[0])
    } else {
        None
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::X => write!(f, "x"),
            Expr::Const(v) if v.len() == 1 => write!(f, "{}", v[0]),
            Expr::Const(v) => write!(f, "c[{}]", v.len()),
            Expr::Unary(op, a) => write!(f, "{op:?}({a})").map(|_| ()),
            Expr::Clip(a, lo, hi) => write!(f, "clip({a}, {lo}, {hi})"),
            Expr::Binary(op, a, b) => {
                let s = match op {
                    Bin::Add => "+",
                    Bin::Sub => "-",
                    Bin::Mul => "*",
                    Bin::Div => "/",
                    Bin::Pow => "^",
                    Bin::Max => return write!(f, "max({a}, {b})"),
                    Bin::Min => return write!(f, "min({a}, {b})"),
                    Bin::PRelu => return write!(f, "prelu({a}, {b})"),
                    Bin::Gt => ">",
                    Bin::Ge => ">=",
                    Bin::Lt => "<",
                    Bin::Le => "<=",
                };
                write!(f, "({a} {s} {b})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polyrelu_is_piecewise_polynomial() {
        let r = Expr::un(Un::Relu, Expr::X);
        let e =
            Expr::bin(Bin::Add, Expr::c(0.5), Expr::bin(Bin::Mul, Expr::c(2.0), Expr::bin(Bin::Pow, r, Expr::c(2.0))));
        assert_eq!(e.rational(Side::Pos, 0), Some((vec![0.5, 0.0, 2.0], vec![1.0])));
        assert_eq!(e.rational(Side::Neg, 0), Some((vec![0.5], vec![1.0])));
    }

    #[test]
    fn pau_is_rational_in_abs() {
        let ax = Expr::un(Un::Abs, Expr::X);
        let den = Expr::bin(Bin::Add, Expr::c(1.0), Expr::bin(Bin::Mul, Expr::c(0.5), ax));
        let e = Expr::bin(Bin::Div, Expr::bin(Bin::Mul, Expr::X, Expr::X), den);
        assert_eq!(e.rational(Side::Pos, 0), Some((vec![0.0, 0.0, 1.0], vec![1.0, 0.5])));
        assert_eq!(e.rational(Side::Neg, 0), Some((vec![0.0, 0.0, 1.0], vec![1.0, -0.5])));
        assert!(Expr::un(Un::Tanh, Expr::X).rational(Side::Pos, 0).is_none());
    }

    #[test]
    fn fractions_over_one_denominator_keep_it() {
        let den = || Expr::bin(Bin::Add, Expr::bin(Bin::Mul, Expr::X, Expr::X), Expr::c(0.25));
        let a = Expr::bin(Bin::Div, Expr::bin(Bin::Mul, Expr::c(2.0), Expr::X), den());
        let b = Expr::bin(Bin::Div, Expr::c(3.0), den());
        let sum = Expr::bin(Bin::Add, a.clone(), b.clone());
        assert_eq!(sum.rational(Side::Pos, 0), Some((vec![3.0, 2.0], vec![0.25, 0.0, 1.0])));
        let diff = Expr::bin(Bin::Sub, a, b);
        assert_eq!(diff.rational(Side::Neg, 0), Some((vec![-3.0, 2.0], vec![0.25, 0.0, 1.0])));
    }
}
