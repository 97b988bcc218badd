//! Piecewise polynomial on arbitrary knots — for functions with kinks
//! (HardSwish, clipped and thresholded units, piecewise constants). The
//! uniform kernel ([`super::Poly`]) splits the input by its top bits, so a kink
//! inside a segment can only be approximated; here each segment starts exactly
//! where the host found a kink, and the segments between are split only where
//! the function needs it.
//!
//! For channel set `c` with `S` knots `k[0] = in_min < k[1] < … < k[S−1] ≤ in_max`:
//! ```text
//! seg    = the last s with k[s] ≤ x                    (binary search)
//! end    = k[seg+1], or in_max + 1 for the last segment
//! centre = k[seg] + ((end − k[seg]) >> 1)             (knot_centre)
//! r      = x − centre                                  (|r| ≤ 2^15)
//! acc    = Horner over r, exactly as the uniform kernel (i32 steps)
//! y      = sat_out( rshr_up(acc, final_shift) )
//! ```
//! On uniform knots this is the uniform kernel bit for bit. Knots are `i16`
//! `[channel][knot]`; coefficients `i32` `[channel][segment][c0 ..= cd]`.

use super::{horner_i32, read_horner_params, KernelIo, COMMON_PARAMS, MAX_DEGREE};
use crate::arith::rshr_up_i32;
use crate::dtype::le_i16;
use crate::format::Record;

const P: usize = COMMON_PARAMS;
/// Params: knots per channel, degree, final_shift, 7 step shifts, knot ref (2), coef ref (2).
pub(crate) const N_PARAMS: usize = P + 3 + MAX_DEGREE + 4;

/// Most knots (segments) per channel set: bounds the decode-time check.
pub const MAX_KNOTS: usize = 4096;

/// The local origin of the segment `[start, end)`: its centre, rounded down
/// (the uniform kernel's centre when the width is a power of two).
#[inline(always)]
pub fn knot_centre(start: i32, end: i32) -> i32 {
    start + ((end - start) >> 1)
}

/// Decoded knot polynomial.
#[derive(Clone, Copy, Debug)]
pub struct KnotPoly<'a> {
    pub n_knots: usize,
    pub degree: usize,
    pub final_shift: u32,
    pub shifts: [u8; MAX_DEGREE],
    in_max: i32,
    knots: &'a [u8],
    coefs: &'a [u8],
}

impl<'a> KnotPoly<'a> {
    pub(super) fn decode(rec: &Record<'a>, io: &KernelIo) -> Result<Self, &'static str> {
        if rec.n_params() != N_PARAMS {
            return Err("wrong number of parameters");
        }
        let n_knots = rec.param(P);
        if !(1..=MAX_KNOTS as i32).contains(&n_knots) {
            return Err("knot count must be 1..=4096");
        }
        let n_knots = n_knots as usize;
        let (degree, final_shift, shifts) = read_horner_params(rec, P + 1)?;
        let refs = P + 3 + MAX_DEGREE;
        let knots = rec.data(refs, "knots").map_err(|_| "knots outside data")?;
        let coefs = rec.data(refs + 2, "knot polynomial coefficients").map_err(|_| "coefficients outside data")?;
        if knots.len() != io.channels * n_knots * 2 {
            return Err("knot array must be channels × knots i16");
        }
        if coefs.len() != io.channels * n_knots * (degree + 1) * 4 {
            return Err("coefficient array must be channels × knots × (degree+1) i32");
        }
        let (lo, hi) = (io.in_dtype.min(), io.in_dtype.max());
        for c in 0..io.channels {
            let k = |s: usize| le_i16(knots, c * n_knots + s) as i32;
            if k(0) != lo {
                return Err("the first knot must be the input minimum");
            }
            if (1..n_knots).any(|s| k(s) <= k(s - 1) || k(s) > hi) {
                return Err("knots must increase strictly within the input range");
            }
        }
        Ok(KnotPoly { n_knots, degree, final_shift, shifts, in_max: hi, knots, coefs })
    }

    /// Knot `s` of channel set `c`.
    #[inline(always)]
    pub fn knot(&self, c: usize, s: usize) -> i32 {
        le_i16(self.knots, c * self.n_knots + s) as i32
    }

    /// Segment of `x` in channel set `c` and the local coordinate `r`.
    #[inline(always)]
    pub fn locate(&self, x: i32, c: usize) -> (usize, i32) {
        let (mut lo, mut hi) = (0usize, self.n_knots);
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if self.knot(c, mid) <= x {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let end = if lo + 1 < self.n_knots { self.knot(c, lo + 1) } else { self.in_max + 1 };
        (lo, x - knot_centre(self.knot(c, lo), end))
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, c: usize, _io: &KernelIo) -> i32 {
        let (seg, r) = self.locate(x, c);
        let base = (c * self.n_knots + seg) * (self.degree + 1);
        rshr_up_i32(horner_i32(self.coefs, base, self.degree, &self.shifts, r), self.final_shift)
    }

    pub(super) fn constant_bytes(&self) -> usize {
        self.knots.len() + self.coefs.len()
    }
}
