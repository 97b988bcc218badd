//! Least-squares fit of a piecewise polynomial to a function, segment by
//! segment in each segment's local coordinate, then encoded. The host tools'
//! lowering searches segment counts and degrees with it and certifies each
//! candidate; it lives with the encoder so every user shares one fitter.

use super::kernels::{KnotPolyDef, PolyDef};
use super::poly_encode::{encode_knot_poly, encode_poly_within, segment_center, DspLimits, EncodeError};
use super::quant::kernel_io;
use crate::activation::knot_centre;
use crate::dtype::DType;
use crate::format::Quant;
use alloc::vec;
use alloc::vec::Vec;

/// Fit `f(x, channel)` (real in, real out) with `2^seg_bits` segments of
/// `degree` per channel set. Segments entirely in saturation become the
/// constant bound; elsewhere the unclamped function is fitted (smooth) and the
/// kernel's final saturation does the rest.
pub fn fit_piecewise(
    f: &dyn Fn(f64, usize) -> f64,
    channels: usize,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    seg_bits: u32,
    degree: usize,
) -> Result<PolyDef, EncodeError> {
    fit_piecewise_within(f, channels, in_t, out_t, seg_bits, degree, None)
}

/// [`fit_piecewise`] encoded within a DSP block's limits (see [`DspLimits`]).
pub fn fit_piecewise_within(
    f: &dyn Fn(f64, usize) -> f64,
    channels: usize,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    seg_bits: u32,
    degree: usize,
    limits: Option<DspLimits>,
) -> Result<PolyDef, EncodeError> {
    let local = in_t.0.bits() - seg_bits;
    let half = if local == 0 { 0 } else { 1i32 << (local - 1) };
    let mut segs = Vec::with_capacity(channels << seg_bits);
    for ch in 0..channels {
        for s in 0..1usize << seg_bits {
            let c = segment_center(in_t.0, seg_bits, s);
            let r1 = if local == 0 { 0 } else { half - 1 };
            segs.push(fit_segment(&|x| f(x, ch), in_t, out_t, c, (-half, r1), degree));
        }
    }
    encode_poly_within(kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, channels), seg_bits, &segs, limits)
}

/// Fit `f(x, channel)` with one polynomial of `degree` per segment between
/// `knots` (segment starts, the same for every channel set; see
/// [`encode_knot_poly`]), each in its local coordinate around
/// [`knot_centre`]. Saturated segments as in [`fit_piecewise`].
pub fn fit_knots(
    f: &dyn Fn(f64, usize) -> f64,
    channels: usize,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    knots: &[i32],
    degree: usize,
) -> Result<KnotPolyDef, EncodeError> {
    let mut segs = Vec::with_capacity(channels * knots.len());
    for ch in 0..channels {
        for (s, &start) in knots.iter().enumerate() {
            let end = knots.get(s + 1).copied().unwrap_or(in_t.0.max() + 1);
            let c = knot_centre(start, end);
            segs.push(fit_segment(&|x| f(x, ch), in_t, out_t, c, (start - c, end - 1 - c), degree));
        }
    }
    let io = kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, channels);
    encode_knot_poly(io, &vec![knots.to_vec(); channels], &segs)
}

/// Least-squares polynomial of `degree` in the local coordinate `r ∈ [r0, r1]`
/// around raw input `centre`, in output LSBs with the zero point.
fn fit_segment(
    f: &dyn Fn(f64) -> f64,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    centre: i32,
    (r0, r1): (i32, i32),
    degree: usize,
) -> Vec<f64> {
    let n = degree + 1;
    let (s_in, s_out) = (in_t.1.scale as f64, out_t.1.scale as f64);
    let (zp_in, zp_out) = (in_t.1.zero_point, out_t.1.zero_point as f64);
    let (lo_out, hi_out) = (out_t.0.min() as f64, out_t.0.max() as f64);
    let ys: Vec<f64> =
        (r0..=r1).map(|r| (f(s_in * (centre + r - zp_in) as f64) / s_out + zp_out).clamp(-1e12, 1e12)).collect();
    if ys.iter().all(|&y| y >= hi_out) || ys.iter().all(|&y| y <= lo_out) {
        let mut p = vec![0.0; n];
        p[0] = if ys[0] >= hi_out { hi_out } else { lo_out };
        return p;
    }
    // Normalized coordinate u = r / half keeps the normal equations conditioned.
    let half = (r0.unsigned_abs().max(r1.unsigned_abs())).max(1) as f64;
    let mut ata = vec![vec![0.0f64; n]; n];
    let mut atb = vec![0.0f64; n];
    for (r, &y) in (r0..=r1).zip(&ys) {
        let u = r as f64 / half;
        let mut pw = vec![1.0; n];
        for j in 1..n {
            pw[j] = pw[j - 1] * u;
        }
        for i in 0..n {
            atb[i] += pw[i] * y;
            for j in 0..n {
                ata[i][j] += pw[i] * pw[j];
            }
        }
    }
    let mut scale = 1.0;
    let mut p = Vec::with_capacity(n);
    for aj in solve(ata, atb) {
        p.push(aj / scale);
        scale *= half;
    }
    p
}

/// Gaussian elimination with partial pivoting (small, well-conditioned systems).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let p = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap_or(col);
        a.swap(col, p);
        b.swap(col, p);
        if a[col][col].abs() < 1e-300 {
            continue;
        }
        for row in col + 1..n {
            let k = a[row][col] / a[col][col];
            let pivot = a[col].clone();
            for (v, p) in a[row].iter_mut().zip(&pivot).skip(col) {
                *v -= k * p;
            }
            b[row] -= k * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = if a[row][row].abs() < 1e-300 { 0.0 } else { (b[row] - s) / a[row][row] };
    }
    x
}
