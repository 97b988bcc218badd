//! Exact kernels read off the expression symbolically: a (piecewise)
//! polynomial, a PAU rational with a safe denominator, a version-B rational.
//! Nothing here is fitted; the caller certifies what comes out.

use crate::expr::{Bin, Expr, Side, Un};
use anyhow::Result;
use polyact::activation::DenMode;
use polyact::writer::{
    encode_poly_within, encode_rational, kernel_io, local_poly_from_real, segment_center, KernelDef,
};
use polyact::{DType, Quant};

/// Segment bits that put a boundary at raw input `zp` (where `x = 0`).
fn split_bits_at(zp: i32, dtype: DType) -> Option<u32> {
    let u = (zp - dtype.min()) as i64;
    (1..=dtype.bits()).find(|&k| u % (1i64 << (dtype.bits() - k)) == 0)
}

/// Exact (piecewise in x < 0 / x ≥ 0) polynomial, if `f` is one of degree ≤ 7
/// (and, for an HDL core, within its degree, segment and DSP limits).
pub(super) fn exact_poly(
    f: &Expr,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    opts: &super::LowerOpts,
) -> Option<Result<KernelDef>> {
    let channels = f.channels();
    let mut sides = Vec::new();
    for ch in 0..channels {
        let (nn, dn) = f.rational(Side::Neg, ch)?;
        let (np, dp) = f.rational(Side::Pos, ch)?;
        if dn.len() != 1 || dp.len() != 1 || nn.len() > 8 || np.len() > 8 {
            return None;
        }
        sides.push((nn, np));
    }
    let single = sides.iter().all(|(n, p)| n == p);
    let seg_bits = if single { 0 } else { split_bits_at(in_t.1.zero_point, in_t.0)? };
    let degree = sides.iter().map(|(n, p)| n.len().max(p.len())).max().unwrap_or(1).saturating_sub(1);
    if opts.dsp.is_some() && (degree > opts.max_degree || seg_bits > opts.max_seg_bits) {
        return None;
    }
    let io = kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, channels);
    let mut segs = Vec::new();
    for (neg, pos) in &sides {
        let d = neg.len().max(pos.len());
        for s in 0..1usize << seg_bits {
            let center = segment_center(in_t.0, seg_bits, s);
            let p = if center < in_t.1.zero_point { neg } else { pos };
            let mut p = p.clone();
            p.resize(d, 0.0);
            segs.push(local_poly_from_real(&p, in_t.1, out_t.1, center));
        }
    }
    Some(encode_poly_within(io, seg_bits, &segs, opts.dsp).map(KernelDef::Poly).map_err(|e| anyhow::anyhow!("{e}")))
}

/// Exact rational `P(x) / Q(|x|)` with a safe denominator (PAU), if `f` is one.
pub(super) fn exact_rational(f: &Expr, in_t: (DType, Quant), out_t: (DType, Quant)) -> Option<Result<KernelDef>> {
    let channels = f.channels();
    let (s_in, s_out) = (in_t.1.scale as f64, out_t.1.scale as f64);
    let (mut nums, mut dens) = (Vec::new(), Vec::new());
    for ch in 0..channels {
        let (nn, dn) = f.rational(Side::Neg, ch)?;
        let (np, dp) = f.rational(Side::Pos, ch)?;
        if dp.len() < 2 || dp.len() > 8 || np.len() > 8 || dn.len() != dp.len() {
            return None;
        }
        // Normalize both sides so Q(0) = 1, then require Q_neg(x) = Q_pos(−x).
        let (kp, kn) = (dp[0], dn[0]);
        if kp <= 0.0 || kn <= 0.0 {
            return None;
        }
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
        let q: Vec<f64> = dp.iter().map(|v| v / kp).collect();
        let sym = dn.iter().enumerate().all(|(k, v)| close(v / kn, q[k] * if k % 2 == 1 { -1.0 } else { 1.0 }));
        let pn: Vec<f64> = nn.iter().map(|v| v / kn).collect();
        let pp: Vec<f64> = np.iter().map(|v| v / kp).collect();
        let same_num = pn.len() == pp.len() && pn.iter().zip(&pp).all(|(a, b)| close(*a, *b));
        if !sym || !same_num || q.iter().any(|&v| v < 0.0) {
            return None;
        }
        // In units of t = x_q − zp: x = s_in·t; numerator in output LSBs.
        nums.push(pp.iter().enumerate().map(|(k, c)| c * s_in.powi(k as i32) / s_out).collect::<Vec<f64>>());
        // `[floor, d0, d1..]`: the constant is the floor, D(|t|) has none.
        let mut den = vec![q[0], 0.0];
        den.extend(q.iter().enumerate().skip(1).map(|(k, c)| c * s_in.powi(k as i32)));
        dens.push(den);
    }
    let io = kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, channels);
    Some(encode_rational(io, &nums, &dens, DenMode::Safe).map(KernelDef::Rational).map_err(|e| anyhow::anyhow!("{e}")))
}

/// `e` as a polynomial in `x` (the same on both sides of zero), channel `ch`.
fn polynomial(e: &Expr, ch: usize) -> Option<Vec<f64>> {
    let (n, d) = e.rational(Side::Pos, ch)?;
    let (nn, dn) = e.rational(Side::Neg, ch)?;
    let same = n.len() == nn.len() && n.iter().zip(&nn).all(|(a, b)| (a - b).abs() <= 1e-12 * (1.0 + a.abs()));
    (same && d.len() == 1 && dn == d && d[0] != 0.0).then(|| n.iter().map(|c| c / d[0]).collect())
}

/// `(P, c, Q)` with `f = P(x) / (c + |Q(x)|)`, `c > 0`, if `f` has that form
/// (a version-B rational, possibly scaled by a constant).
fn version_b_parts(f: &Expr, ch: usize) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let scaled = |(p, c, q): (Vec<f64>, f64, Vec<f64>), k: f64| (p.iter().map(|v| v * k).collect(), c, q);
    match f {
        Expr::Binary(Bin::Div, n, d) => {
            if let Some(k) = (!d.has_x()).then(|| d.eval(0.0, ch)) {
                return version_b_parts(n, ch).map(|parts| scaled(parts, 1.0 / k));
            }
            let (c, q) = match d.as_ref() {
                Expr::Binary(Bin::Add, a, b) => match (a.as_ref(), b.as_ref()) {
                    (Expr::Unary(Un::Abs, q), c) | (c, Expr::Unary(Un::Abs, q)) if !c.has_x() => (c.eval(0.0, ch), q),
                    _ => return None,
                },
                _ => return None,
            };
            (c > 0.0 && c.is_finite()).then_some(())?;
            Some((polynomial(n, ch)?, c, polynomial(q, ch)?))
        }
        Expr::Binary(Bin::Mul, a, b) => match (a.has_x(), b.has_x()) {
            (false, true) => version_b_parts(b, ch).map(|parts| scaled(parts, a.eval(0.0, ch))),
            (true, false) => version_b_parts(a, ch).map(|parts| scaled(parts, b.eval(0.0, ch))),
            _ => None,
        },
        _ => None,
    }
}

/// Exact version-B rational `P(x) / (c + |Q(x)|)`, if `f` is one.
pub(super) fn exact_version_b(f: &Expr, in_t: (DType, Quant), out_t: (DType, Quant)) -> Option<Result<KernelDef>> {
    let channels = f.channels();
    let (s_in, s_out) = (in_t.1.scale as f64, out_t.1.scale as f64);
    let (mut nums, mut dens) = (Vec::new(), Vec::new());
    for ch in 0..channels {
        let (p, c, q) = version_b_parts(f, ch)?;
        if p.len() > 8 || q.len() > 8 || q.len() < 2 {
            return None;
        }
        // Divide through by c (floor 1); in units of t = x_q − zp (x = s_in·t).
        nums.push(p.iter().enumerate().map(|(k, v)| v / c * s_in.powi(k as i32) / s_out).collect::<Vec<f64>>());
        let mut den = vec![1.0];
        den.extend(q.iter().enumerate().map(|(k, v)| v / c * s_in.powi(k as i32)));
        dens.push(den);
    }
    let io = kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, channels);
    Some(
        encode_rational(io, &nums, &dens, DenMode::AbsPoly)
            .map(KernelDef::Rational)
            .map_err(|e| anyhow::anyhow!("{e}")),
    )
}
