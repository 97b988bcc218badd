//! Turning real-valued polynomials into the fixed-point kernels: choosing each
//! Horner step's fixed-point format (hence the per-step shifts) as precise as
//! the 32-bit accumulator allows, then rounding the coefficients.
//!
//! Fitting (which polynomial to encode) is the host tools' job; this module
//! only guarantees that a given polynomial is represented as exactly as the
//! format permits.

use super::kernels::{KnotPolyDef, PolyDef, RationalDef};
use crate::activation::{DenMode, KernelIo, DEN_LIMIT, MAX_DEGREE, MAX_KNOTS, MAX_STEP_SHIFT};
use crate::dtype::DType;
use crate::format::Quant;
use alloc::vec::Vec;
use core::fmt;

/// Why a polynomial cannot be encoded.
#[derive(Clone, Debug, PartialEq)]
pub enum EncodeError {
    /// Wrong number of segments, inconsistent degrees, degree above 7.
    Shape(&'static str),
    /// Values too large for a 32-bit accumulator with a non-negative final shift.
    TooLarge(&'static str),
    /// A denominator coefficient is negative or the constant is not positive.
    UnsafeDenominator,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Shape(s) => write!(f, "cannot encode polynomial: {s}"),
            EncodeError::TooLarge(s) => write!(f, "cannot encode polynomial: {s} exceeds the 32-bit fixed-point range"),
            EncodeError::UnsafeDenominator => {
                write!(f, "denominator must have a positive constant and non-negative coefficients")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}

/// Raw input value at the centre of segment `seg` (where the local coordinate is 0).
pub fn segment_center(dtype: DType, seg_bits: u32, seg: usize) -> i32 {
    let local = dtype.bits() - seg_bits;
    let base = ((seg as i64) << local) + dtype.min() as i64;
    (if local == 0 { base } else { base + (1i64 << (local - 1)) }) as i32
}

/// Re-express `f(x) = Σ c_k x^k` (real `x`, real `f`) as a polynomial in the
/// integer local coordinate `r` around raw input `q_center`, in output LSBs
/// including the output zero point: `f(s_in(q_center + r − zp_in))/s_out + zp_out`.
pub fn local_poly_from_real(coefs: &[f64], in_q: Quant, out_q: Quant, q_center: i32) -> Vec<f64> {
    let s = in_q.scale as f64;
    let x0 = s * (q_center - in_q.zero_point) as f64;
    let n = coefs.len();
    let mut out = alloc::vec![0.0f64; n];
    for (k, &c) in coefs.iter().enumerate() {
        // (x0 + s r)^k = Σ_j C(k, j) x0^(k−j) s^j r^j
        let mut binom = 1.0f64;
        for (j, o) in out.iter_mut().enumerate().take(k + 1) {
            *o += c * binom * x0.powi((k - j) as i32) * s.powi(j as i32);
            binom = binom * (k - j) as f64 / (j + 1) as f64;
        }
    }
    let so = out_q.scale as f64;
    for o in out.iter_mut() {
        *o /= so;
    }
    if let Some(o) = out.first_mut() {
        *o += out_q.zero_point as f64;
    }
    out
}

/// Upper limit on fractional bits (only the step-shift limit of 46 matters in
/// practice; this keeps the f64 scaling finite).
const MAX_FORMAT: i32 = 400;

/// Largest fractional-bit count that keeps `bound · 2^F` (with a relative
/// margin and a few ulps of rounding slack) below `limit`.
fn cap_bits(bound: f64, limit: f64) -> i32 {
    if bound <= 0.0 {
        return MAX_FORMAT;
    }
    let room = (limit - 64.0) / (bound * (1.0 + 1.0 / 1024.0));
    (room.log2().floor() as i32).min(MAX_FORMAT)
}

/// Fixed-point formats `F_j` for Horner steps with magnitude bounds `bounds[j]`:
/// `F_j ≤ cap(bound_j)` (below `limit`), `F_j ≤ F_{j+1} ≤ F_j + 46`, `F_0 ≤ f0_cap`. The largest
/// such formats, found by lowering until all constraints hold.
fn solve_formats(bounds: &[f64], f0_cap: i32, limit: f64) -> Result<Vec<i32>, EncodeError> {
    let mut f: Vec<i32> = bounds.iter().map(|&b| cap_bits(b, limit)).collect();
    f[0] = f[0].min(f0_cap);
    settle_formats(f)
}

/// Lower formats until shifts are `0..=46` and `F_0 ≥ 0` holds.
fn settle_formats(mut f: Vec<i32>) -> Result<Vec<i32>, EncodeError> {
    loop {
        let mut changed = false;
        for j in 0..f.len() - 1 {
            if f[j] > f[j + 1] {
                f[j] = f[j + 1];
                changed = true;
            }
            if f[j + 1] > f[j] + MAX_STEP_SHIFT as i32 {
                f[j + 1] = f[j] + MAX_STEP_SHIFT as i32;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    if f[0] < 0 {
        return Err(EncodeError::TooLarge("polynomial value"));
    }
    Ok(f)
}

/// Horner bounds `Σ_{i≥j} |a_i| R^{i−j}` maximized over all coefficient sets,
/// set `k` evaluated for `|r| ≤ radius(k)`.
fn horner_bounds(sets: &[Vec<f64>], radius: impl Fn(usize) -> f64) -> Vec<f64> {
    let d1 = sets.first().map_or(1, |s| s.len());
    let mut b = alloc::vec![0.0f64; d1];
    for (k, s) in sets.iter().enumerate() {
        let r = radius(k);
        for (j, bj) in b.iter_mut().enumerate() {
            let v: f64 = s[j..].iter().enumerate().map(|(i, a)| a.abs() * r.powi(i as i32)).sum();
            *bj = bj.max(v);
        }
    }
    b
}

/// Steps of the 32-bit Horner recurrences.
const I32_LIMIT: f64 = i32::MAX as f64;

fn round_coefs(sets: &[Vec<f64>], formats: &[i32]) -> Result<Vec<i32>, EncodeError> {
    let mut out = Vec::with_capacity(sets.len() * formats.len());
    for s in sets {
        for (a, &f) in s.iter().zip(formats) {
            let v = (a * 2f64.powi(f)).round();
            if !v.is_finite() || v.abs() > i32::MAX as f64 {
                return Err(EncodeError::TooLarge("coefficient"));
            }
            out.push(v as i32);
        }
    }
    Ok(out)
}

fn check_sets(sets: &[Vec<f64>]) -> Result<usize, EncodeError> {
    let d1 = sets.first().map(|s| s.len()).ok_or(EncodeError::Shape("no coefficient sets"))?;
    if d1 == 0 || d1 > MAX_DEGREE + 1 {
        return Err(EncodeError::Shape("degree must be 0..=7"));
    }
    if sets.iter().any(|s| s.len() != d1) {
        return Err(EncodeError::Shape("all segments must have the same degree"));
    }
    if sets.iter().flatten().any(|a| !a.is_finite()) {
        return Err(EncodeError::Shape("coefficient is not finite"));
    }
    Ok(d1 - 1)
}

fn step_shifts(f: &[i32]) -> [u32; MAX_DEGREE] {
    let mut s = [0u32; MAX_DEGREE];
    for j in 0..f.len() - 1 {
        s[j] = (f[j + 1] - f[j]) as u32;
    }
    s
}

/// What a DSP block takes per Horner step, `S = acc·r + K` (see
/// `docs/ARITHMETIC.md` §4): every accumulator entering a multiply (the
/// leading coefficient included) fits `operand_bits` signed bits, and every
/// multiply-add result fits `sum_bits`. iCE40's SB_MAC16 is 16 × 16 + 32.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DspLimits {
    pub operand_bits: u32,
    pub sum_bits: u32,
}

impl DspLimits {
    /// A 16 × 16 multiplier with a 32-bit post-adder (iCE40 SB_MAC16; an ECP5
    /// MULT18X18D has room to spare).
    pub const SB_MAC16: DspLimits = DspLimits { operand_bits: 16, sum_bits: 32 };
}

/// Encode a piecewise polynomial. `segments[c · 2^seg_bits + s]` holds segment
/// `s` of channel set `c`: coefficients `a_0..a_d` of the output (in output
/// LSBs, zero point included) as a polynomial in the local coordinate `r`.
pub fn encode_poly(io: KernelIo, seg_bits: u32, segments: &[Vec<f64>]) -> Result<PolyDef, EncodeError> {
    encode_poly_within(io, seg_bits, segments, None)
}

/// [`encode_poly`] with the accumulator formats also capped to what one DSP
/// multiply-add per step holds (`limits`), trading the extra precision of
/// 32-bit accumulators for a core without fabric adders.
pub fn encode_poly_within(
    io: KernelIo,
    seg_bits: u32,
    segments: &[Vec<f64>],
    limits: Option<DspLimits>,
) -> Result<PolyDef, EncodeError> {
    if seg_bits > io.in_dtype.bits() || segments.len() != io.channels << seg_bits {
        return Err(EncodeError::Shape("need channels × 2^seg_bits segments"));
    }
    let degree = check_sets(segments)?;
    let local = io.in_dtype.bits() - seg_bits;
    let r = if local == 0 { 0.0 } else { 2f64.powi(local as i32 - 1) };
    let bounds = horner_bounds(segments, |_| r);
    let mut f = solve_formats(&bounds, 31, I32_LIMIT)?;
    if let Some(l) = limits {
        let (operand, sum) = (2f64.powi(l.operand_bits as i32 - 1), 2f64.powi(l.sum_bits as i32 - 1));
        for j in 1..f.len() {
            f[j] = f[j].min(cap_bits(bounds[j], operand)).min(cap_bits(bounds[j - 1], sum));
        }
        f = settle_formats(f)?;
    }
    Ok(PolyDef {
        io,
        seg_bits,
        degree,
        final_shift: f[0] as u32,
        shifts: step_shifts(&f),
        coefs: round_coefs(segments, &f)?,
    })
}

/// Encode a piecewise polynomial on knots (see `activation::knot_poly`).
/// `knots[c]` are the segment starts of channel set `c` (the first is the
/// input minimum, strictly increasing, the same count in every set);
/// `segments[c · S + s]` holds segment `s` as [`encode_poly`] takes it, in the
/// local coordinate around [`crate::activation::knot_centre`].
pub fn encode_knot_poly(io: KernelIo, knots: &[Vec<i32>], segments: &[Vec<f64>]) -> Result<KnotPolyDef, EncodeError> {
    let n = knots.first().map_or(0, |k| k.len());
    if knots.len() != io.channels || n == 0 || n > MAX_KNOTS || knots.iter().any(|k| k.len() != n) {
        return Err(EncodeError::Shape("need 1..=4096 knots, the same count in every channel set"));
    }
    let (lo, hi) = (io.in_dtype.min(), io.in_dtype.max());
    if knots.iter().any(|k| k[0] != lo || k.windows(2).any(|w| w[1] <= w[0]) || k[n - 1] > hi) {
        return Err(EncodeError::Shape("knots must start at the input minimum and increase strictly within the input"));
    }
    if segments.len() != io.channels * n {
        return Err(EncodeError::Shape("need channels × knots segments"));
    }
    let degree = check_sets(segments)?;
    let radius = |k: usize| {
        let (c, s) = (k / n, k % n);
        let end = if s + 1 < n { knots[c][s + 1] } else { hi + 1 };
        ((end - knots[c][s]) >> 1) as f64
    };
    let f = solve_formats(&horner_bounds(segments, radius), 31, I32_LIMIT)?;
    Ok(KnotPolyDef {
        io,
        degree,
        final_shift: f[0] as u32,
        shifts: step_shifts(&f),
        knots: knots.iter().flatten().copied().collect(),
        coefs: round_coefs(segments, &f)?,
    })
}

/// Encode a rational kernel `P(t) / (floor + |D(u)|)` (see
/// `activation::rational`). Per channel set: `num[c]` are the coefficients of
/// `P(t)` in output LSBs (without the output zero point); `den[c]` is
/// `[floor, d0, ..., dn]` (dimensionless, `floor > 0`; in [`DenMode::Safe`]
/// every `d ≥ 0` and `u = |t|`), `t = x − zp_in`.
pub fn encode_rational(
    io: KernelIo,
    num: &[Vec<f64>],
    den: &[Vec<f64>],
    mode: DenMode,
) -> Result<RationalDef, EncodeError> {
    if num.len() != io.channels || den.len() != io.channels {
        return Err(EncodeError::Shape("need one numerator and denominator per channel set"));
    }
    let deg_p = check_sets(num)?;
    if den.iter().any(|d| d.len() < 2) {
        return Err(EncodeError::Shape("a denominator needs a floor and at least one coefficient"));
    }
    let polys: Vec<Vec<f64>> = den.iter().map(|d| d[1..].to_vec()).collect();
    let deg_q = check_sets(&polys)?;
    let unsafe_den =
        |d: &Vec<f64>| !(d[0] > 0.0 && d[0].is_finite()) || (mode == DenMode::Safe && d[1..].iter().any(|&b| b < 0.0));
    if den.iter().any(unsafe_den) {
        return Err(EncodeError::UnsafeDenominator);
    }
    let zp = io.in_zp as f64;
    let r = (zp - io.in_dtype.min() as f64).max(io.in_dtype.max() as f64 - zp);
    // Step 0's bound includes the floor: the denominator `floor + |d|` must fit too.
    let with_floor: Vec<Vec<f64>> =
        den.iter().map(|d| core::iter::once(d[0] + d[1].abs()).chain(d[2..].iter().copied()).collect()).collect();
    let den_bounds = horner_bounds(&with_floor, |_| r);
    let den_limit = DEN_LIMIT as f64;
    let mut g = solve_formats(&den_bounds, MAX_FORMAT, den_limit)?;
    let f = solve_formats(&horner_bounds(num, |_| r), 31.min(g[0]), I32_LIMIT)?;
    if g[0] - f[0] > 31 {
        g = solve_formats(&den_bounds, f[0] + 31, den_limit)?;
    }
    let mut den_q = Vec::with_capacity(den.len() * (deg_q + 2));
    for d in den {
        let floor = (d[0] * 2f64.powi(g[0])).round();
        if !(1.0..=den_limit).contains(&floor) {
            return Err(EncodeError::TooLarge("denominator range (its floor rounds to 0)"));
        }
        den_q.push(floor as i64);
        for (a, &gj) in d[1..].iter().zip(&g) {
            let v = (a * 2f64.powi(gj)).round();
            if !v.is_finite() || v.abs() > den_limit {
                return Err(EncodeError::TooLarge("denominator coefficient"));
            }
            den_q.push(v as i64);
        }
    }
    Ok(RationalDef {
        io,
        deg_p,
        deg_q,
        pre_shift: (g[0] - f[0]) as u32,
        mode,
        num_shifts: step_shifts(&f),
        den_shifts: step_shifts(&g),
        num: round_coefs(num, &f)?,
        den: den_q,
    })
}
