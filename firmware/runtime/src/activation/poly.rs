//! Piecewise polynomial in fixed point — the kernel for learned polynomials
//! (exact) and fitted smooth functions. The HDL core implements exactly this.
//!
//! For a `B`-bit input `x` and `k` segment bits (`L = B − k` local bits):
//! ```text
//! u   = x − type_min                          (0 ..= 2^B − 1)
//! seg = u >> L                                (top k bits)
//! r   = (u mod 2^L) − 2^(L−1)                 (centred local coordinate; 0 if L = 0)
//! acc = c[d]
//! for j = d−1 down to 0:
//!     acc = sat32( rshr_up(acc · r, shift[j]) + c[j] )  (i64 product)
//! y   = sat_out( rshr_up(acc, final_shift) )
//! ```
//! `rshr_up(v, s) = ⌊(v + 2^(s−1)) / 2^s⌋` rounds half up: without saturation
//! the whole recurrence is one multiply-add per step with the rounding in an
//! added constant, which is what a DSP block (or `SMLAL`) does. Coefficients are `i32`, stored
//! `[channel][segment][c0 ..= cd]`.

use super::{KernelIo, COMMON_PARAMS};
use crate::arith::{rshr_up_i32, rshr_up_i64, sat_i32};
use crate::dtype::le_i32;
use crate::format::Record;

/// Highest supported degree.
pub const MAX_DEGREE: usize = 7;
/// Largest per-step shift (an `i32 × i16` product has 47 significant bits).
pub const MAX_STEP_SHIFT: u32 = 46;

const P: usize = COMMON_PARAMS;
/// Params: seg_bits, degree, final_shift, 7 step shifts, coef ref (2).
pub(crate) const N_PARAMS: usize = P + 3 + MAX_DEGREE + 2;

/// Segment and centred local coordinate of `x` for a `in_bits`-bit input
/// split into `2^seg_bits` segments (see the module docs).
#[inline(always)]
pub fn locate(in_bits: u32, seg_bits: u32, x: i32) -> (usize, i32) {
    let u = (x + (1 << (in_bits - 1))) as u32;
    let local_bits = in_bits - seg_bits;
    let seg = if local_bits >= 32 { 0 } else { (u >> local_bits) as usize };
    let r = if local_bits == 0 { 0 } else { (u & ((1u32 << local_bits) - 1)) as i32 - (1i32 << (local_bits - 1)) };
    (seg, r)
}

/// One Horner step before the `i32` saturation: `rshr_up(acc · r, shift) + c`.
#[inline(always)]
pub fn horner_step(acc: i32, r: i32, shift: u32, c: i32) -> i64 {
    rshr_up_i64(acc as i64 * r as i64, shift) + c as i64
}

/// Decoded piecewise polynomial.
#[derive(Clone, Copy, Debug)]
pub struct Poly<'a> {
    pub seg_bits: u32,
    pub degree: usize,
    pub final_shift: u32,
    /// `shifts[j]` applies after multiplying into coefficient `j`.
    pub shifts: [u8; MAX_DEGREE],
    in_bits: u8,
    coefs: &'a [u8],
}

impl<'a> Poly<'a> {
    pub(super) fn decode(rec: &Record<'a>, io: &KernelIo) -> Result<Self, &'static str> {
        if rec.n_params() != N_PARAMS {
            return Err("wrong number of parameters");
        }
        let in_bits = io.in_dtype.bits() as u8;
        let seg_bits = rec.param(P);
        if seg_bits < 0 || seg_bits > in_bits as i32 {
            return Err("segment bits exceed the input width");
        }
        let (degree, final_shift, shifts) = super::read_horner_params(rec, P + 1)?;
        let coefs = rec.data(P + 3 + MAX_DEGREE, "polynomial coefficients").map_err(|_| "coefficients outside data")?;
        let want = io.channels * (1usize << seg_bits) * (degree + 1) * 4;
        if coefs.len() != want {
            return Err("coefficient array must be channels × 2^seg_bits × (degree+1) i32");
        }
        Ok(Poly { seg_bits: seg_bits as u32, degree, final_shift, shifts, in_bits, coefs })
    }

    /// Segment index and centred local coordinate of input `x`.
    #[inline(always)]
    pub fn locate(&self, x: i32) -> (usize, i32) {
        locate(self.in_bits as u32, self.seg_bits, x)
    }

    /// Coefficient `j` of segment `seg` in channel set `c`.
    #[inline(always)]
    pub fn coef(&self, c: usize, seg: usize, j: usize) -> i32 {
        le_i32(self.coefs, ((c << self.seg_bits) + seg) * (self.degree + 1) + j)
    }

    /// Input width in bits (8 or 16): segment select and local coordinate use it.
    pub fn in_bits(&self) -> u32 {
        self.in_bits as u32
    }

    /// Number of channel sets × segments stored.
    pub fn n_segments(&self) -> usize {
        1 << self.seg_bits
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, c: usize, _io: &KernelIo) -> i32 {
        self.eval_traced(x, c, |_, _| {})
    }

    /// The kernel on input `x` (before output saturation), reporting each
    /// Horner step's accumulator in and its sum before the `i32` saturation:
    /// code generators size hardware from these.
    #[inline(always)]
    pub fn eval_traced(&self, x: i32, c: usize, mut step: impl FnMut(i32, i64)) -> i32 {
        let (seg, r) = self.locate(x);
        let base = ((c << self.seg_bits) + seg) * (self.degree + 1);
        let mut acc = le_i32(self.coefs, base + self.degree);
        let mut j = self.degree;
        while j > 0 {
            j -= 1;
            let sum = horner_step(acc, r, self.shifts[j] as u32, le_i32(self.coefs, base + j));
            step(acc, sum);
            acc = sat_i32(sum);
        }
        rshr_up_i32(acc, self.final_shift)
    }

    pub(super) fn constant_bytes(&self) -> usize {
        self.coefs.len()
    }
}
