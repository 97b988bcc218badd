//! Activation kernels: scalar functions `q_in -> q_out`, chosen per layer by the
//! host's lowering and stored as kernel records in the blob.
//!
//! Common parameters of every kernel record (params 0..5):
//! `in_dtype, out_dtype, in_zero_point, out_zero_point, channels` — `channels` is
//! 1 for one shared function, or the tensor's channel count for per-channel
//! coefficient sets (channel = index modulo the innermost dimension).

mod knot_poly;
mod poly;
mod rational;
pub(crate) mod relu;
mod table;

pub use knot_poly::{knot_centre, KnotPoly, MAX_KNOTS};
pub use poly::{horner_step, locate, Poly, MAX_DEGREE, MAX_STEP_SHIFT};
pub use rational::{DenMode, Rational, DEN_LIMIT};
pub use relu::{Leaky, LinearClamp, PRelu};
pub use table::Table;

use crate::dtype::DType;
use crate::error::Error;
use crate::format::Record;

/// Record tags of activation kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum KernelKind {
    Relu = 1,
    Relu6 = 2,
    Helu = 3,
    LeakyRelu = 4,
    PRelu = 5,
    Table = 6,
    Poly = 7,
    Rational = 8,
    KnotPoly = 9,
}

impl KernelKind {
    /// Decode a record tag.
    pub fn from_tag(tag: u8) -> Result<KernelKind, Error> {
        Ok(match tag {
            1 => KernelKind::Relu,
            2 => KernelKind::Relu6,
            3 => KernelKind::Helu,
            4 => KernelKind::LeakyRelu,
            5 => KernelKind::PRelu,
            6 => KernelKind::Table,
            7 => KernelKind::Poly,
            8 => KernelKind::Rational,
            9 => KernelKind::KnotPoly,
            _ => return Err(Error::BadTag { what: "activation kernel", value: tag as i64 }),
        })
    }

    /// Human-readable name.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Relu => "relu",
            KernelKind::Relu6 => "relu6",
            KernelKind::Helu => "helu",
            KernelKind::LeakyRelu => "leaky_relu",
            KernelKind::PRelu => "prelu",
            KernelKind::Table => "table",
            KernelKind::Poly => "piecewise_poly",
            KernelKind::Rational => "rational",
            KernelKind::KnotPoly => "knot_poly",
        }
    }
}

/// Read the `MAX_DEGREE` Horner step shifts starting at param `at` of a
/// polynomial of `degree`: each `0..=46`, and `0` past the degree.
pub(super) fn read_step_shifts(rec: &Record, at: usize, degree: usize) -> Result<[u8; MAX_DEGREE], &'static str> {
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

/// The Horner parameters every polynomial kernel stores from param `at`:
/// degree (0..=7), final shift (0..=31), then the step shifts.
pub(super) fn read_horner_params(rec: &Record, at: usize) -> Result<(usize, u32, [u8; MAX_DEGREE]), &'static str> {
    let degree = rec.param(at);
    if !(0..=MAX_DEGREE as i32).contains(&degree) {
        return Err("degree must be 0..=7");
    }
    let final_shift = rec.param(at + 1);
    if !(0..=31).contains(&final_shift) {
        return Err("final shift must be 0..=31");
    }
    Ok((degree as usize, final_shift as u32, read_step_shifts(rec, at + 2, degree as usize)?))
}

/// Horner over `r` of the `i32` coefficients `coefs[base ..= base + degree]`,
/// each step `sat_i32(rshr_up(acc · r, shift[j]) + c[j])` — the one recurrence of
/// the polynomial, knot and rational-numerator kernels.
#[inline(always)]
pub(super) fn horner_i32(coefs: &[u8], base: usize, degree: usize, shifts: &[u8; MAX_DEGREE], r: i32) -> i32 {
    let mut acc = crate::dtype::le_i32(coefs, base + degree);
    let mut j = degree;
    while j > 0 {
        j -= 1;
        acc = crate::arith::sat_i32(horner_step(acc, r, shifts[j] as u32, crate::dtype::le_i32(coefs, base + j)));
    }
    acc
}

/// Number of common parameters at the start of every kernel record.
pub const COMMON_PARAMS: usize = 5;

/// Input/output typing shared by all kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelIo {
    pub in_dtype: DType,
    pub out_dtype: DType,
    pub in_zp: i32,
    pub out_zp: i32,
    /// 1, or the number of per-channel coefficient sets.
    pub channels: usize,
}

/// A decoded, validated activation kernel borrowing its constants from the blob.
#[derive(Clone, Copy, Debug)]
pub struct Activation<'a> {
    pub kind: KernelKind,
    pub io: KernelIo,
    imp: Imp<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Imp<'a> {
    Linear(LinearClamp),
    Leaky(Leaky),
    PRelu(PRelu<'a>),
    Table(Table<'a>),
    Poly(Poly<'a>),
    Rational(Rational<'a>),
    KnotPoly(KnotPoly<'a>),
}

impl<'a> Activation<'a> {
    /// Decode and validate kernel record `index`.
    pub fn decode(rec: &Record<'a>, index: usize) -> Result<Activation<'a>, Error> {
        let bad = |reason| Error::InvalidKernel { kernel: index, reason };
        let kind = KernelKind::from_tag(rec.tag)?;
        if rec.n_tensors() != 0 {
            return Err(bad("kernel records take no tensor operands"));
        }
        if rec.n_params() < COMMON_PARAMS {
            return Err(bad("missing common parameters"));
        }
        let in_dtype = DType::from_tag(rec.param(0) as i64, "kernel input dtype")?;
        let out_dtype = DType::from_tag(rec.param(1) as i64, "kernel output dtype")?;
        let (in_zp, out_zp) = (rec.param(2), rec.param(3));
        if in_zp < in_dtype.min() || in_zp > in_dtype.max() {
            return Err(bad("input zero point outside the input range"));
        }
        if out_zp < out_dtype.min() || out_zp > out_dtype.max() {
            return Err(bad("output zero point outside the output range"));
        }
        let channels = rec.param(4);
        if !(1..=u16::MAX as i32).contains(&channels) {
            return Err(bad("channel count must be 1..=65535"));
        }
        let io = KernelIo { in_dtype, out_dtype, in_zp, out_zp, channels: channels as usize };
        let imp = match kind {
            KernelKind::Relu | KernelKind::Relu6 | KernelKind::Helu => {
                Imp::Linear(LinearClamp::decode(rec, kind, &io).map_err(bad)?)
            }
            KernelKind::LeakyRelu => Imp::Leaky(Leaky::decode(rec).map_err(bad)?),
            KernelKind::PRelu => Imp::PRelu(PRelu::decode(rec, &io).map_err(bad)?),
            KernelKind::Table => Imp::Table(Table::decode(rec, &io).map_err(bad)?),
            KernelKind::Poly => Imp::Poly(Poly::decode(rec, &io).map_err(bad)?),
            KernelKind::Rational => Imp::Rational(Rational::decode(rec, &io).map_err(bad)?),
            KernelKind::KnotPoly => Imp::KnotPoly(KnotPoly::decode(rec, &io).map_err(bad)?),
        };
        Ok(Activation { kind, io, imp })
    }

    /// Evaluate on one quantized input `x` of channel `ch`. Total: any `x` and
    /// `ch` give a value in the output range (inputs are saturated to the input
    /// type, channels beyond the coefficient sets use set 0).
    #[inline]
    pub fn eval(&self, x: i32, ch: usize) -> i32 {
        let x = self.io.in_dtype.saturate(x);
        let c = if ch < self.io.channels { ch } else { 0 };
        let y = match &self.imp {
            Imp::Linear(k) => k.eval(x, &self.io),
            Imp::Leaky(k) => k.eval(x, &self.io),
            Imp::PRelu(k) => k.eval(x, c, &self.io),
            Imp::Table(k) => k.eval(x, c, &self.io),
            Imp::Poly(k) => k.eval(x, c, &self.io),
            Imp::Rational(k) => k.eval(x, c, &self.io),
            Imp::KnotPoly(k) => k.eval(x, c, &self.io),
        };
        self.io.out_dtype.saturate(y)
    }

    /// Whether this kernel can serve a tensor with `channels` channels.
    pub fn fits_channels(&self, channels: usize) -> bool {
        self.io.channels == 1 || self.io.channels == channels
    }

    /// Bytes of constant data (coefficients, tables) this kernel stores.
    pub fn constant_bytes(&self) -> usize {
        match &self.imp {
            Imp::Linear(_) | Imp::Leaky(_) => 0,
            Imp::PRelu(k) => k.constant_bytes(),
            Imp::Table(k) => k.constant_bytes(),
            Imp::Poly(k) => k.constant_bytes(),
            Imp::Rational(k) => k.constant_bytes(),
            Imp::KnotPoly(k) => k.constant_bytes(),
        }
    }

    /// The piecewise-polynomial description, for code generators (HDL).
    pub fn as_poly(&self) -> Option<&Poly<'a>> {
        match &self.imp {
            Imp::Poly(p) => Some(p),
            _ => None,
        }
    }

    /// The rational (PAU) description, for code generators (HDL).
    pub fn as_rational(&self) -> Option<&Rational<'a>> {
        match &self.imp {
            Imp::Rational(k) => Some(k),
            _ => None,
        }
    }

    /// The single-branch requantize-and-clamp description (ReLU, ReLU6, HeLU), for code generators.
    pub fn as_linear_clamp(&self) -> Option<&LinearClamp> {
        match &self.imp {
            Imp::Linear(k) => Some(k),
            _ => None,
        }
    }

    /// The two-branch LeakyReLU description, for code generators.
    pub fn as_leaky(&self) -> Option<&Leaky> {
        match &self.imp {
            Imp::Leaky(k) => Some(k),
            _ => None,
        }
    }

    /// HeLU's training-time backward threshold α (metadata only).
    pub fn helu_alpha(&self) -> Option<f32> {
        match &self.imp {
            Imp::Linear(k) if self.kind == KernelKind::Helu => Some(k.alpha),
            _ => None,
        }
    }

    /// Apply elementwise from `input` to `output` (both `len` elements,
    /// channels-last with `channels` innermost).
    pub fn apply(&self, input: &[u8], output: &mut [u8], len: usize, channels: usize) {
        let (ti, to) = (self.io.in_dtype, self.io.out_dtype);
        let channels = channels.max(1);
        let mut ch = 0;
        for i in 0..len {
            to.store(output, i, self.eval(ti.load(input, i), ch));
            ch += 1;
            if ch == channels {
                ch = 0;
            }
        }
    }

    /// Apply in place (input and output share a buffer and element type).
    pub fn apply_in_place(&self, buf: &mut [u8], len: usize, channels: usize) {
        let t = self.io.in_dtype;
        let channels = channels.max(1);
        let mut ch = 0;
        for i in 0..len {
            let y = self.eval(t.load(buf, i), ch);
            t.store(buf, i, y);
            ch += 1;
            if ch == channels {
                ch = 0;
            }
        }
    }
}
