//! Owned descriptions of activation kernels, serialized into kernel records.

use crate::activation::{DenMode, KernelIo, KernelKind, MAX_DEGREE};
use crate::dtype::DType;
use crate::format::Quant;
use alloc::vec::Vec;

use super::quant::{kernel_io, quantize_value, requant_params};

/// Index of a kernel added to a [`super::ModelBuilder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelId(pub u16);

/// Piecewise polynomial kernel (see `activation::poly`).
#[derive(Clone, Debug, PartialEq)]
pub struct PolyDef {
    pub io: KernelIo,
    pub seg_bits: u32,
    pub degree: usize,
    pub final_shift: u32,
    pub shifts: [u32; MAX_DEGREE],
    /// `[channel][segment][c0..=cd]`.
    pub coefs: Vec<i32>,
}

/// Rational kernel (see `activation::rational`).
#[derive(Clone, Debug, PartialEq)]
pub struct RationalDef {
    pub io: KernelIo,
    pub deg_p: usize,
    pub deg_q: usize,
    pub pre_shift: u32,
    pub num_shifts: [u32; MAX_DEGREE],
    pub den_shifts: [u32; MAX_DEGREE],
    /// Safe (`D(|t|)`, coefficients `≥ 0`) or version B (`|D(t)|`).
    pub mode: DenMode,
    /// `[channel][p0..=pm]`.
    pub num: Vec<i32>,
    /// `[channel][floor, d0..=dn]`, `floor >= 1`.
    pub den: Vec<i64>,
}

/// Piecewise polynomial on knots (see `activation::knot_poly`).
#[derive(Clone, Debug, PartialEq)]
pub struct KnotPolyDef {
    pub io: KernelIo,
    pub degree: usize,
    pub final_shift: u32,
    pub shifts: [u32; MAX_DEGREE],
    /// `[channel][knot]`, each within the input type (stored as `i16`).
    pub knots: Vec<i32>,
    /// `[channel][segment][c0..=cd]`.
    pub coefs: Vec<i32>,
}

impl KnotPolyDef {
    /// Knots (= segments) per channel set.
    pub fn n_knots(&self) -> usize {
        self.knots.len() / self.io.channels.max(1)
    }
}

/// Any activation kernel.
#[derive(Clone, Debug, PartialEq)]
pub enum KernelDef {
    Relu {
        io: KernelIo,
        mult: (i32, i32),
    },
    Relu6 {
        io: KernelIo,
        mult: (i32, i32),
        hi: i32,
    },
    Helu {
        io: KernelIo,
        mult: (i32, i32),
        alpha: f32,
    },
    LeakyRelu {
        io: KernelIo,
        pos: (i32, i32),
        neg: (i32, i32),
    },
    PRelu {
        io: KernelIo,
        pos: (i32, i32),
        neg: Vec<(i32, i32)>,
    },
    /// `channels × 256` output values, indexed by `x + 128`.
    Table {
        io: KernelIo,
        entries: Vec<i32>,
    },
    Poly(PolyDef),
    Rational(RationalDef),
    KnotPoly(KnotPolyDef),
}

fn rescale(in_q: Quant, out_q: Quant, factor: f64) -> (i32, i32) {
    requant_params(factor * in_q.scale as f64 / out_q.scale as f64).unwrap_or((0, 0))
}

impl KernelDef {
    /// ReLU between two quantizations.
    pub fn relu(in_t: (DType, Quant), out_t: (DType, Quant)) -> KernelDef {
        KernelDef::Relu { io: kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, 1), mult: rescale(in_t.1, out_t.1, 1.0) }
    }

    /// ReLU6.
    pub fn relu6(in_t: (DType, Quant), out_t: (DType, Quant)) -> KernelDef {
        let hi = quantize_value(6.0, out_t.0, out_t.1).max(out_t.1.zero_point);
        KernelDef::Relu6 { io: kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, 1), mult: rescale(in_t.1, out_t.1, 1.0), hi }
    }

    /// HeLU: forward ReLU; `alpha` is the training-time backward threshold.
    pub fn helu(in_t: (DType, Quant), out_t: (DType, Quant), alpha: f32) -> KernelDef {
        KernelDef::Helu {
            io: kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, 1),
            mult: rescale(in_t.1, out_t.1, 1.0),
            alpha,
        }
    }

    /// LeakyReLU with slope `alpha` for negative inputs.
    pub fn leaky_relu(in_t: (DType, Quant), out_t: (DType, Quant), alpha: f64) -> KernelDef {
        let neg = requant_signed(alpha * in_t.1.scale as f64 / out_t.1.scale as f64);
        KernelDef::LeakyRelu {
            io: kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, 1),
            pos: rescale(in_t.1, out_t.1, 1.0),
            neg,
        }
    }

    /// PReLU with one slope per channel.
    pub fn prelu(in_t: (DType, Quant), out_t: (DType, Quant), alphas: &[f64]) -> KernelDef {
        let neg = alphas.iter().map(|a| requant_signed(a * in_t.1.scale as f64 / out_t.1.scale as f64)).collect();
        KernelDef::PRelu {
            io: kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, alphas.len()),
            pos: rescale(in_t.1, out_t.1, 1.0),
            neg,
        }
    }

    /// Exact int8 table of `f`, each entry correctly rounded; per channel when
    /// `fs` has more than one function.
    pub fn table(in_q: Quant, out_t: (DType, Quant), fs: &[&dyn Fn(f64) -> f64]) -> KernelDef {
        let mut entries = Vec::with_capacity(256 * fs.len());
        for f in fs {
            for x in -128i32..=127 {
                let real = in_q.scale as f64 * (x - in_q.zero_point) as f64;
                entries.push(quantize_value(f(real), out_t.0, out_t.1));
            }
        }
        KernelDef::Table { io: kernel_io(DType::I8, in_q, out_t.0, out_t.1, fs.len().max(1)), entries }
    }

    /// Record tag.
    pub fn kind(&self) -> KernelKind {
        match self {
            KernelDef::Relu { .. } => KernelKind::Relu,
            KernelDef::Relu6 { .. } => KernelKind::Relu6,
            KernelDef::Helu { .. } => KernelKind::Helu,
            KernelDef::LeakyRelu { .. } => KernelKind::LeakyRelu,
            KernelDef::PRelu { .. } => KernelKind::PRelu,
            KernelDef::Table { .. } => KernelKind::Table,
            KernelDef::Poly(_) => KernelKind::Poly,
            KernelDef::Rational(_) => KernelKind::Rational,
            KernelDef::KnotPoly(_) => KernelKind::KnotPoly,
        }
    }

    /// Kernel typing.
    pub fn io(&self) -> &KernelIo {
        match self {
            KernelDef::Relu { io, .. }
            | KernelDef::Relu6 { io, .. }
            | KernelDef::Helu { io, .. }
            | KernelDef::LeakyRelu { io, .. }
            | KernelDef::PRelu { io, .. }
            | KernelDef::Table { io, .. } => io,
            KernelDef::Poly(p) => &p.io,
            KernelDef::Rational(r) => &r.io,
            KernelDef::KnotPoly(k) => &k.io,
        }
    }

    /// Serialize: the record params, with constant arrays appended through `push`
    /// (which returns their `(offset, length)` in the data section).
    pub(super) fn params(&self, push: &mut dyn FnMut(&[u8]) -> (i32, i32)) -> Vec<i32> {
        let io = self.io();
        let mut p = alloc::vec![io.in_dtype as i32, io.out_dtype as i32, io.in_zp, io.out_zp, io.channels as i32];
        let mut push_i32 = |v: &[i32], p: &mut Vec<i32>| {
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            let (o, l) = push(&bytes);
            p.extend([o, l]);
        };
        match self {
            KernelDef::Relu { mult, .. } => p.extend([mult.0, mult.1]),
            KernelDef::Relu6 { mult, hi, .. } => p.extend([mult.0, mult.1, *hi]),
            KernelDef::Helu { mult, alpha, .. } => p.extend([mult.0, mult.1, alpha.to_bits() as i32]),
            KernelDef::LeakyRelu { pos, neg, .. } => p.extend([pos.0, pos.1, neg.0, neg.1]),
            KernelDef::PRelu { pos, neg, .. } => {
                p.extend([pos.0, pos.1]);
                let m: Vec<i32> = neg.iter().map(|x| x.0).collect();
                let s: Vec<i32> = neg.iter().map(|x| x.1).collect();
                push_i32(&m, &mut p);
                push_i32(&s, &mut p);
            }
            KernelDef::Table { io, entries } => {
                let bytes: Vec<u8> = match io.out_dtype {
                    DType::I8 => entries.iter().map(|&v| crate::arith::sat_i8(v) as u8).collect(),
                    DType::I16 => entries.iter().flat_map(|&v| crate::arith::sat_i16(v).to_le_bytes()).collect(),
                };
                let (o, l) = push(&bytes);
                p.extend([o, l]);
            }
            KernelDef::Poly(d) => {
                p.extend([d.seg_bits as i32, d.degree as i32, d.final_shift as i32]);
                p.extend(d.shifts.iter().map(|&s| s as i32));
                push_i32(&d.coefs, &mut p);
            }
            KernelDef::Rational(d) => {
                p.extend([d.deg_p as i32, d.deg_q as i32, d.pre_shift as i32, d.mode as i32]);
                p.extend(d.num_shifts.iter().map(|&s| s as i32));
                p.extend(d.den_shifts.iter().map(|&s| s as i32));
                push_i32(&d.num, &mut p);
                let bytes: Vec<u8> = d.den.iter().flat_map(|x| x.to_le_bytes()).collect();
                let (o, l) = push(&bytes);
                p.extend([o, l]);
            }
            KernelDef::KnotPoly(d) => {
                p.extend([d.n_knots() as i32, d.degree as i32, d.final_shift as i32]);
                p.extend(d.shifts.iter().map(|&s| s as i32));
                let bytes: Vec<u8> = d.knots.iter().flat_map(|&k| crate::arith::sat_i16(k).to_le_bytes()).collect();
                let (o, l) = push(&bytes);
                p.extend([o, l]);
                let bytes: Vec<u8> = d.coefs.iter().flat_map(|x| x.to_le_bytes()).collect();
                let (o, l) = push(&bytes);
                p.extend([o, l]);
            }
        }
        p
    }
}

/// `(multiplier, shift)` for a possibly negative factor (negative multiplier).
fn requant_signed(x: f64) -> (i32, i32) {
    let (m, s) = requant_params(x.abs()).unwrap_or((0, 0));
    if x < 0.0 {
        (-m, s)
    } else {
        (m, s)
    }
}
