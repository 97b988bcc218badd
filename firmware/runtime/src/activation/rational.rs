//! Rational activation `P(t) / (floor + |D(u)|)` in fixed point. Two
//! denominators, both never below `floor ≥ 1`, so the division is total:
//! - **safe** (PAU): `u = |t|` and every `D` coefficient `≥ 0`, i.e.
//!   `1 + Σ |b_k|·|x|^k`;
//! - **version B** (PAU's "B", the joint-rational units): `u = t`, `D` any
//!   polynomial, i.e. `1 + |Q(x)|`.
//!
//! ```text
//! t   = x − in_zp
//! num = Horner over t of p[0..=m] with shifts ns[j]     (i32 steps, as the polynomial kernel)
//! d   = Horner over u of d[0..=n] with shifts ds[j]     (i64 steps rounded half up, each saturated to ±(2^47 − 1))
//! den = floor + |d|
//! y   = sat_out( out_zp + round_div(num · 2^pre_shift, den) )
//! ```
//! The denominator runs in 48-bit steps because a function like
//! `1/(x² + 0.01)` spans 15 bits of dynamic range across its input: a 32-bit
//! denominator would leave too few bits at its smallest value for a correctly
//! rounded quotient. `|d| < 2^47` and `|u| ≤ 2^16` keep every product in an
//! `i64`. The division is an unsigned 64-bit division rounded half away from
//! zero; on Cortex-M0 (no divider) it is the exact compiler-builtins routine.

use super::{read_step_shifts, KernelIo, COMMON_PARAMS, MAX_DEGREE};
use crate::arith::{clamp_i64, round_div_i64, rshr_up_i64, sat_i32};
use crate::dtype::le_i64;
use crate::format::Record;

const P: usize = COMMON_PARAMS;
/// Params: deg_p, deg_q, pre_shift, den_mode, 7 num shifts, 7 den shifts, P ref, D ref.
pub(crate) const N_PARAMS: usize = P + 4 + 2 * MAX_DEGREE + 4;

/// Largest magnitude of a denominator step (and coefficient): 47 bits.
pub const DEN_LIMIT: i64 = (1 << 47) - 1;

/// How the denominator is formed from its polynomial.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DenMode {
    /// `floor + D(|t|)`, all coefficients `≥ 0` (PAU's safe denominator).
    Safe = 0,
    /// `floor + |D(t)|` (PAU version B).
    AbsPoly = 1,
}

/// Decoded rational kernel.
#[derive(Clone, Copy, Debug)]
pub struct Rational<'a> {
    pub deg_p: usize,
    pub deg_q: usize,
    pub pre_shift: u32,
    pub mode: DenMode,
    pub num_shifts: [u8; MAX_DEGREE],
    pub den_shifts: [u8; MAX_DEGREE],
    num: &'a [u8],
    /// `[channel][floor, d0..=dn]`, `i64`.
    den: &'a [u8],
}

/// Word `c·stride + j` of an array of `words`, if it is inside (callers
/// outside the kernel pass any indices).
fn word_index(c: usize, stride: usize, j: usize, words: usize) -> Option<usize> {
    c.checked_mul(stride)?.checked_add(j).filter(|&i| i < words)
}

#[inline(always)]
fn horner_den(coefs: &[u8], base: usize, degree: usize, shifts: &[u8; MAX_DEGREE], u: i32) -> i64 {
    let mut acc = le_i64(coefs, base + degree);
    let mut j = degree;
    while j > 0 {
        j -= 1;
        let v = rshr_up_i64(acc * u as i64, shifts[j] as u32) + le_i64(coefs, base + j);
        acc = clamp_i64(v, -DEN_LIMIT, DEN_LIMIT);
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
        let mode = match rec.param(P + 3) {
            0 => DenMode::Safe,
            1 => DenMode::AbsPoly,
            _ => return Err("denominator mode must be 0 (safe) or 1 (version B)"),
        };
        let num_shifts = read_step_shifts(rec, P + 4, deg_p)?;
        let den_shifts = read_step_shifts(rec, P + 4 + MAX_DEGREE, deg_q)?;
        let refs = P + 4 + 2 * MAX_DEGREE;
        let num = rec.data(refs, "numerator coefficients").map_err(|_| "numerator outside data")?;
        let den = rec.data(refs + 2, "denominator coefficients").map_err(|_| "denominator outside data")?;
        if num.len() != io.channels * (deg_p + 1) * 4 || den.len() != io.channels * (deg_q + 2) * 8 {
            return Err("coefficient arrays must be channels × (deg_p+1) i32 and channels × (deg_q+2) i64");
        }
        for c in 0..io.channels {
            let set = |j: usize| le_i64(den, c * (deg_q + 2) + j);
            let floor = set(0);
            if !(1..=DEN_LIMIT).contains(&floor) {
                return Err("denominator floor must be 1..2^47 (safe denominator)");
            }
            if (1..deg_q + 2).any(|j| set(j).unsigned_abs() > DEN_LIMIT as u64) {
                return Err("denominator coefficients must be below 2^47 in magnitude");
            }
            if mode == DenMode::Safe && (1..deg_q + 2).any(|j| set(j) < 0) {
                return Err("safe denominator coefficients must be >= 0");
            }
        }
        Ok(Rational { deg_p, deg_q, pre_shift: pre_shift as u32, mode, num_shifts, den_shifts, num, den })
    }

    /// Numerator coefficient `p[j]` of channel set `c` (`j ≤ deg_p`; 0 for
    /// indices past the data).
    pub fn num_coef(&self, c: usize, j: usize) -> i32 {
        word_index(c, self.deg_p + 1, j, self.num.len() / 4).map_or(0, |i| crate::dtype::le_i32(self.num, i))
    }

    /// Denominator coefficient `d[j]` of channel set `c` (`j ≤ deg_q`; 0 for
    /// indices past the data).
    pub fn den_coef(&self, c: usize, j: usize) -> i64 {
        word_index(c, self.deg_q + 2, 1 + j, self.den.len() / 8).map_or(0, |i| le_i64(self.den, i))
    }

    /// The denominator's floor (`≥ 1`) of channel set `c` (0 past the data).
    pub fn den_floor(&self, c: usize) -> i64 {
        word_index(c, self.deg_q + 2, 0, self.den.len() / 8).map_or(0, |i| le_i64(self.den, i))
    }

    /// The denominator `floor + |D(u)|` of input `t = x − zp_in` (always ≥ 1).
    #[inline(always)]
    pub fn denominator(&self, t: i32, c: usize) -> i64 {
        let base = c * (self.deg_q + 2);
        let u = if self.mode == DenMode::Safe { t.abs() } else { t };
        let d = horner_den(self.den, base + 1, self.deg_q, &self.den_shifts, u);
        le_i64(self.den, base) + d.abs()
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, c: usize, io: &KernelIo) -> i32 {
        let t = x - io.in_zp;
        let num = super::horner_i32(self.num, c * (self.deg_p + 1), self.deg_p, &self.num_shifts, t);
        let q = round_div_i64((num as i64) << self.pre_shift, self.denominator(t, c));
        sat_i32(io.out_zp as i64 + q)
    }

    pub(super) fn constant_bytes(&self) -> usize {
        self.num.len() + self.den.len()
    }
}
