//! An activation `g(k·x + s)` right after a Dense or Conv that only it reads
//! (or that only such activations read, all through the same `k·x + s`)
//! becomes `g(x)`, with `k` and `s` (scalars or per channel) folded into the
//! layer's weights and bias: MatMul + Add(bias), BatchNorm after a
//! convolution or a linear layer, and any constant scaling before an
//! activation cost nothing at run time.

use crate::expr::{Bin, Expr, Un};
use crate::ir::{Graph, Op};
use crate::layers::{activation::Act, conv::Conv, dense::Dense};
use anyhow::Result;

/// Per-channel (or scalar: length 1) `k` and `s` of `k·x + s`.
type Affine = (Vec<f64>, Vec<f64>);

pub fn run(g: &mut Graph) -> Result<usize> {
    let mut count = 0;
    for p in 0..g.nodes.len() {
        let channels = match &g.nodes[p].op {
            Op::Dense(Dense { b, .. }) | Op::Conv(Conv { b, .. }) => b.len(),
            _ => continue,
        };
        let out = g.nodes[p].output;
        let readers: Vec<usize> = g.consumers(out).collect();
        if out == g.output || readers.is_empty() {
            continue;
        }
        // Every reader an activation that sees the layer's output through
        // the same `k·x + s` (a bias add shared by PolyNorm's x, x², x³).
        let mut prefixes = Vec::new();
        for &r in &readers {
            let Op::Act(Act { f }) = &g.nodes[r].op else { break };
            let Some((a, ks)) = affine_prefix(f) else { break };
            prefixes.push((r, a, ks));
        }
        if prefixes.len() != readers.len() || prefixes.iter().any(|(_, _, ks)| *ks != prefixes[0].2) {
            continue;
        }
        let (k, s) = prefixes[0].2.clone();
        let fits = |v: &[f64]| v.len() == 1 || v.len() == channels;
        if !fits(&k) || !fits(&s) || k.iter().chain(&s).any(|v| !v.is_finite()) {
            continue;
        }
        fold_into_layer(g, p, channels, &k, &s);
        for (r, a, _) in prefixes {
            if let Op::Act(Act { f }) = &mut g.nodes[r].op {
                *f = f.replace(&a, &Expr::X);
            }
        }
        count += 1;
    }
    Ok(count)
}

/// Layer `p`'s weights and bias, per output channel `c`: `w·k_c`, `b·k_c + s_c`.
fn fold_into_layer(g: &mut Graph, p: usize, channels: usize, k: &[f64], s: &[f64]) {
    let at = |v: &[f64], c: usize| v[if v.len() == 1 { 0 } else { c }];
    let depthwise = matches!(g.nodes[p].op, Op::Conv(Conv { depth_multiplier: Some(_), .. }));
    if let Op::Dense(Dense { w, b }) | Op::Conv(Conv { w, b, .. }) = &mut g.nodes[p].op {
        let per = w.len() / channels.max(1);
        for (j, wv) in w.iter_mut().enumerate() {
            // Depthwise weights are [kh][kw][C]: the channel is innermost.
            let c = if depthwise { j % channels } else { j / per.max(1) };
            *wv = (*wv as f64 * at(k, c)) as f32;
        }
        for (c, bv) in b.iter_mut().enumerate() {
            *bv = (*bv as f64 * at(k, c) + at(s, c)) as f32;
        }
    }
}

/// The affine expression of `x` through which `f` sees its input — every
/// occurrence of `x` in `f` lies inside one copy of it — with its `(k, s)`;
/// `None` if there is no such (non-trivial) prefix.
fn affine_prefix(f: &Expr) -> Option<(Expr, Affine)> {
    let mut maximal = Vec::new();
    collect_maximal(f, &mut maximal);
    let first = *maximal.first()?;
    if *first == Expr::X || maximal.iter().any(|m| *m != first) {
        return None;
    }
    Some((first.clone(), affine(first)?))
}

/// The largest subexpressions of `e` containing `x` that are affine in `x`.
fn collect_maximal<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    if !e.has_x() {
        return;
    }
    if affine(e).is_some() {
        out.push(e);
        return;
    }
    match e {
        Expr::X | Expr::Const(_) => {}
        Expr::Unary(_, a) | Expr::Clip(a, _, _) => collect_maximal(a, out),
        Expr::Binary(_, a, b) => {
            collect_maximal(a, out);
            collect_maximal(b, out);
        }
    }
}

/// `f(a_c, b_c)` over two per-channel vectors, a length-1 one broadcast;
/// `None` if their lengths disagree.
fn broadcast(a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) -> Option<Vec<f64>> {
    let n = a.len().max(b.len());
    if ![1, n].contains(&a.len()) || ![1, n].contains(&b.len()) {
        return None;
    }
    let at = |v: &[f64], i: usize| v[if v.len() == 1 { 0 } else { i }];
    Some((0..n).map(|i| f(at(a, i), at(b, i))).collect())
}

/// `e` as `k·x + s`, if it is one.
fn affine(e: &Expr) -> Option<Affine> {
    match e {
        Expr::X => Some((vec![1.0], vec![0.0])),
        Expr::Unary(Un::Neg, a) => {
            let (k, s) = affine(a)?;
            Some((k.iter().map(|v| -v).collect(), s.iter().map(|v| -v).collect()))
        }
        Expr::Binary(op, a, b) => {
            let (inner, c, const_first) = match (&**a, &**b) {
                (Expr::Const(c), other) => (other, c, true),
                (other, Expr::Const(c)) => (other, c, false),
                _ => return None,
            };
            let (k, s) = affine(inner)?;
            match (op, const_first) {
                (Bin::Add, _) => Some((broadcast(&k, c, |k, _| k)?, broadcast(&s, c, |s, c| s + c)?)),
                (Bin::Sub, false) => Some((broadcast(&k, c, |k, _| k)?, broadcast(&s, c, |s, c| s - c)?)),
                (Bin::Sub, true) => Some((broadcast(&k, c, |k, _| -k)?, broadcast(&s, c, |s, c| c - s)?)),
                (Bin::Mul, _) => Some((broadcast(&k, c, |k, c| k * c)?, broadcast(&s, c, |s, c| s * c)?)),
                (Bin::Div, false) if c.iter().all(|&v| v != 0.0) => {
                    Some((broadcast(&k, c, |k, c| k / c)?, broadcast(&s, c, |s, c| s / c)?))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: &[f64]) -> Expr {
        Expr::Const(v.to_vec())
    }

    #[test]
    fn batchnorm_then_activation_peels_the_affine_part() {
        // relu(x·k + s) per channel, and silu of it (x occurs twice).
        let a = Expr::bin(Bin::Add, Expr::bin(Bin::Mul, Expr::X, c(&[2.0, 3.0])), c(&[0.5, -1.0]));
        let relu = Expr::un(Un::Relu, a.clone());
        let (found, (k, s)) = affine_prefix(&relu).unwrap();
        assert_eq!((found, k, s), (a.clone(), vec![2.0, 3.0], vec![0.5, -1.0]));
        let silu = Expr::bin(Bin::Mul, a.clone(), Expr::un(Un::Sigmoid, a.clone()));
        assert!(affine_prefix(&silu).is_some());
        assert_eq!(silu.replace(&a, &Expr::X), Expr::bin(Bin::Mul, Expr::X, Expr::un(Un::Sigmoid, Expr::X)));
    }

    #[test]
    fn functions_that_see_x_in_two_ways_are_left_alone() {
        // x·sigmoid(1.702·x) and a rational in x: no single affine prefix.
        let f = Expr::bin(Bin::Mul, Expr::X, Expr::un(Un::Sigmoid, Expr::bin(Bin::Mul, c(&[1.702]), Expr::X)));
        assert!(affine_prefix(&f).is_none());
        assert!(affine_prefix(&Expr::un(Un::Tanh, Expr::X)).is_none());
        // Division by a zero constant is not affine.
        assert!(affine(&Expr::bin(Bin::Div, Expr::X, c(&[0.0]))).is_none());
        // c − x and x/c.
        assert_eq!(affine(&Expr::bin(Bin::Sub, c(&[1.0]), Expr::X)), Some((vec![-1.0], vec![1.0])));
        assert_eq!(affine(&Expr::bin(Bin::Div, Expr::X, c(&[4.0]))), Some((vec![0.25], vec![0.0])));
    }
}
