//! Rational activation `P(t) / Q(|t|)` in fixed point, with PAU's safe
//! denominator `1 + Σ |b_k|·|x|^k` (all denominator coefficients ≥ 0 and the
//! constant ≥ 1, so the divisor is never zero).
//!
//! ```text
//! t   = x − in_zp
//! num = Horner over t   of p[0..=m] with shifts ns[j]   (as the polynomial kernel)
//! den = Horner over |t| of q[0..=n] with shifts ds[j]   (q[0] ≥ 1, q[j] ≥ 0)
//! y   = sat_out( out_zp + round_div(num · 2^pre_shift, den) )
//! ```
//! The division is an unsigned 64-bit division rounded half away from zero;
//! on Cortex-M0 (no divider) it is the exact compiler-builtins routine.

use super::{KernelIo, COMMON_PARAMS, MAX_DEGREE, MAX_STEP_SHIFT};
use crate::arith::{round_div_i64, rshr_i64, sat_i32};
use crate::dtype::le_i32;
use crate::format::Record;

const P: usize = COMMON_PARAMS;
/// Params: deg_p, deg_q, pre_shift, 7 num shifts, 7 den shifts, P ref, Q ref.
pub(crate) const N_PARAMS: usize = P + 3 + 2 * MAX_DEGREE + 4;

/// Decoded rational kernel.
#[derive(Clone, Copy, Debug)]
pub struct Rational<'a> {
    pub deg_p: usize,
    pub deg_q: usize,
    pub pre_shift: u32,
    pub num_shifts: [u8; MAX_DEGREE],
    pub den_shifts: [u8; MAX_DEGREE],
    num: &'a [u8],
    den: &'a [u8],
}

fn read_shifts(rec: &Record, at: usize, degree: usize) -> Result<[u8; MAX_DEGREE], &'static str> {
    let mut out = [0u8; MAX_DEGREE];
    for (j, s) in out.iter_mut().enumerate() {
        let v = rec.param(at + j);
        if v < 0 || v as u32 > MAX_STEP_SHIFT || (j >= degree && v != 0) {
            return Err("step shift must be 0..=46 (and 0 past the degree)");
        }
        *s = v as u8;
    }
    Ok(out)
}

#[inline(always)]
fn horner(coefs: &[u8], base: usize, degree: usize, shifts: &[u8; MAX_DEGREE], t: i32) -> i32 {
    let mut acc = le_i32(coefs, base + degree);
    let mut j = degree;
    while j > 0 {
        j -= 1;
        acc = sat_i32(rshr_i64(acc as i64 * t as i64, shifts[j] as u32) + le_i32(coefs, base + j) as i64);
    }
    acc
}

impl<'a> Rational<'a> {
    pub(super) fn decode(rec: &Record<'a>, io: &KernelIo) -> Result<Self, &'static str> {
        if rec.n_params() != N_PARAMS {
            return Err("wrong number of parameters");
        }
        let deg_p = rec.param(P);
        let deg_q = rec.param(P + 1);
        if !(0..=MAX_DEGREE as i32).contains(&deg_p) || !(0..=MAX_DEGREE as i32).contains(&deg_q) {
            return Err("numerator and denominator degrees must be 0..=7");
        }
        let (deg_p, deg_q) = (deg_p as usize, deg_q as usize);
        let pre_shift = rec.param(P + 2);
        if !(0..=31).contains(&pre_shift) {
            return Err("pre-division shift must be 0..=31");
        }
        let num_shifts = read_shifts(rec, P + 3, deg_p)?;
        let den_shifts = read_shifts(rec, P + 3 + MAX_DEGREE, deg_q)?;
        let refs = P + 3 + 2 * MAX_DEGREE;
        let num = rec.data(refs, "numerator coefficients").map_err(|_| "numerator outside data")?;
        let den = rec.data(refs + 2, "denominator coefficients").map_err(|_| "denominator outside data")?;
        if num.len() != io.channels * (deg_p + 1) * 4 || den.len() != io.channels * (deg_q + 1) * 4 {
            return Err("coefficient arrays must be channels × (degree+1) i32");
        }
        for c in 0..io.channels {
            if le_i32(den, c * (deg_q + 1)) < 1 {
                return Err("denominator constant term must be >= 1 (safe denominator)");
            }
            if (1..=deg_q).any(|j| le_i32(den, c * (deg_q + 1) + j) < 0) {
                return Err("denominator coefficients must be >= 0 (safe denominator)");
            }
        }
        Ok(Rational { deg_p, deg_q, pre_shift: pre_shift as u32, num_shifts, den_shifts, num, den })
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, c: usize, io: &KernelIo) -> i32 {
        let t = x - io.in_zp;
        let num = horner(self.num, c * (self.deg_p + 1), self.deg_p, &self.num_shifts, t);
        let den = horner(self.den, c * (self.deg_q + 1), self.deg_q, &self.den_shifts, t.abs());
        let q = round_div_i64((num as i64) << self.pre_shift, den.max(1) as i64);
        sat_i32(io.out_zp as i64 + q)
    }

    pub(super) fn constant_bytes(&self) -> usize {
        self.num.len() + self.den.len()
    }
}
