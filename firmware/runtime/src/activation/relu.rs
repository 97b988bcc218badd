//! ReLU family: ReLU, ReLU6, HeLU (forward = ReLU), LeakyReLU, PReLU.
//!
//! All work on `t = x − in_zp` and rescale with one `(multiplier, shift)`
//! requantization per branch, as TFLite does, so input and output may have
//! different scales and types.

use super::{KernelIo, KernelKind, COMMON_PARAMS};
use crate::arith::requantize;
use crate::dtype::le_i32;
use crate::format::Record;

const P: usize = COMMON_PARAMS;

pub(crate) fn check_shift(s: i32) -> Result<i32, &'static str> {
    if (-31..=30).contains(&s) {
        Ok(s)
    } else {
        Err("requantization shift outside -31..=30")
    }
}

/// `y = clamp(out_zp + requantize(t), lo, hi)`: ReLU (`lo = out_zp`),
/// ReLU6 (`hi` = quantized 6) and HeLU (ReLU forward, α kept as metadata).
#[derive(Clone, Copy, Debug)]
pub struct LinearClamp {
    pub multiplier: i32,
    pub shift: i32,
    pub lo: i32,
    pub hi: i32,
    /// HeLU backward threshold (0 for other kinds).
    pub alpha: f32,
}

impl LinearClamp {
    pub(super) fn decode(rec: &Record, kind: KernelKind, io: &KernelIo) -> Result<Self, &'static str> {
        let np = match kind {
            KernelKind::Relu => 2,
            _ => 3,
        };
        if rec.n_params() != P + np {
            return Err("wrong number of parameters");
        }
        let (multiplier, shift) = (rec.param(P), check_shift(rec.param(P + 1))?);
        let lo = io.out_zp;
        let mut hi = io.out_dtype.max();
        let mut alpha = 0.0;
        match kind {
            KernelKind::Relu6 => {
                hi = rec.param(P + 2);
                if hi < lo || hi > io.out_dtype.max() {
                    return Err("relu6 upper bound outside [zero point, type max]");
                }
            }
            KernelKind::Helu => {
                alpha = f32::from_bits(rec.param(P + 2) as u32);
                if !alpha.is_finite() {
                    return Err("helu alpha is not finite");
                }
            }
            _ => {}
        }
        Ok(LinearClamp { multiplier, shift, lo, hi, alpha })
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, io: &KernelIo) -> i32 {
        let v = io.out_zp.saturating_add(requantize(x - io.in_zp, self.multiplier, self.shift));
        v.clamp(self.lo, self.hi)
    }
}

/// LeakyReLU: separate requantization for `t >= 0` and `t < 0`.
#[derive(Clone, Copy, Debug)]
pub struct Leaky {
    pub pos: (i32, i32),
    pub neg: (i32, i32),
}

impl Leaky {
    pub(super) fn decode(rec: &Record) -> Result<Self, &'static str> {
        if rec.n_params() != P + 4 {
            return Err("wrong number of parameters");
        }
        Ok(Leaky {
            pos: (rec.param(P), check_shift(rec.param(P + 1))?),
            neg: (rec.param(P + 2), check_shift(rec.param(P + 3))?),
        })
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, io: &KernelIo) -> i32 {
        let t = x - io.in_zp;
        let (m, s) = if t >= 0 { self.pos } else { self.neg };
        io.out_zp.saturating_add(requantize(t, m, s))
    }
}

/// PReLU: shared positive branch, per-channel negative slopes.
#[derive(Clone, Copy, Debug)]
pub struct PRelu<'a> {
    pub pos: (i32, i32),
    neg_mult: &'a [u8],
    neg_shift: &'a [u8],
}

impl<'a> PRelu<'a> {
    pub(super) fn decode(rec: &Record<'a>, io: &KernelIo) -> Result<Self, &'static str> {
        if rec.n_params() != P + 6 {
            return Err("wrong number of parameters");
        }
        let neg_mult = rec.data(P + 2, "prelu multipliers").map_err(|_| "prelu multipliers outside data")?;
        let neg_shift = rec.data(P + 4, "prelu shifts").map_err(|_| "prelu shifts outside data")?;
        if neg_mult.len() != 4 * io.channels || neg_shift.len() != 4 * io.channels {
            return Err("prelu slope arrays must hold one i32 per channel");
        }
        for c in 0..io.channels {
            check_shift(le_i32(neg_shift, c))?;
        }
        Ok(PRelu { pos: (rec.param(P), check_shift(rec.param(P + 1))?), neg_mult, neg_shift })
    }

    #[inline(always)]
    pub(super) fn eval(&self, x: i32, c: usize, io: &KernelIo) -> i32 {
        let t = x - io.in_zp;
        let (m, s) = if t >= 0 { self.pos } else { (le_i32(self.neg_mult, c), le_i32(self.neg_shift, c)) };
        io.out_zp.saturating_add(requantize(t, m, s))
    }

    pub(super) fn constant_bytes(&self) -> usize {
        self.neg_mult.len() + self.neg_shift.len()
    }
}
