//! What a core computes, read from the runtime's own decoded kernel — the same
//! description the microcontroller executes, so there is nothing to keep in sync.

use crate::ranges::{analyze, analyze_relu, PolyRanges, ReluRanges};
use crate::stages::poly::{final_latency, StepShape, LEAD_LATENCY};
use crate::stages::relu::{Branch, ReluShape};
use polyact::activation::KernelKind;
use polyact::{Activation, DType};
use std::fmt;

/// Largest segment-select width a core accepts: the coefficient ROMs are
/// `2^seg_bits` words deep and are built from LUTs.
pub const MAX_SEG_BITS: u32 = 8;

/// Why a kernel cannot become a core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

/// A piecewise polynomial (`polyact::activation::Poly`) for one channel set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolySpec {
    pub in_bits: usize,
    pub out_bits: usize,
    pub seg_bits: u32,
    /// Horner steps in hardware (the kernel's degree, at least 1: a constant
    /// polynomial gets a zero leading coefficient, which is exact).
    pub degree: usize,
    /// `shifts[j]`: the rounding shift after multiplying into coefficient `j`.
    pub shifts: Vec<u32>,
    pub final_shift: u32,
    /// `coefs[seg][j]`, `j = 0..=degree`.
    pub coefs: Vec<Vec<i32>>,
    pub out_lo: i64,
    pub out_hi: i64,
    /// Carry-chain bits per clock in the pipelined adders.
    pub chunk_bits: usize,
    /// Exact ranges of the intermediates over every input (sizes the hardware).
    pub ranges: PolyRanges,
}

/// Default carry-chain length per clock: two bits keep an iCE40 UP5K above
/// 100 MHz (its routing, not its carry logic, dominates a clock); longer
/// chunks save registers and latency where the clock allows.
pub const DEFAULT_CHUNK_BITS: usize = 2;

impl PolySpec {
    /// Shapes of the Horner steps, in pipeline order.
    pub fn step_shapes(&self) -> Vec<StepShape> {
        let d = self.degree;
        self.ranges
            .steps
            .iter()
            .enumerate()
            .map(|(i, st)| StepShape {
                r_bits: self.ranges.r.bits(),
                acc_bits: st.acc_in.bits(),
                seg_bits: self.seg_bits as usize,
                sum_bits: st.sum.bits(),
                saturates: st.saturates,
                shift: self.shifts[d - 1 - i],
                chunk: self.chunk_bits,
            })
            .collect()
    }

    /// Clock cycles from input to output.
    pub fn latency(&self) -> usize {
        // locate, lead coefficient, the steps, the final stage
        let fin = final_latency(self.ranges.acc.bits(), self.final_shift, self.chunk_bits);
        1 + LEAD_LATENCY + self.step_shapes().iter().map(|s| s.latency()).sum::<usize>() + fin
    }
}

/// The ReLU family as two requantization branches and a clamp (ReLU, ReLU6,
/// HeLU share one branch; LeakyReLU has two).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReluSpec {
    pub in_bits: usize,
    pub out_bits: usize,
    pub in_zp: i32,
    pub out_zp: i32,
    /// `(multiplier, shift)` for `x − in_zp ≥ 0`.
    pub pos: (i32, i32),
    /// `(multiplier, shift)` for `x − in_zp < 0`.
    pub neg: (i32, i32),
    pub lo: i32,
    pub hi: i32,
    /// Carry-chain bits per clock in the pipelined adders.
    pub chunk_bits: usize,
    /// Exact ranges of the intermediates over every input (sizes the hardware).
    pub ranges: ReluRanges,
}

impl ReluSpec {
    /// Everything the stages need.
    pub fn shape(&self) -> ReluShape {
        ReluShape {
            in_zp: self.in_zp,
            out_zp: self.out_zp,
            lo: self.lo as i64,
            hi: self.hi as i64,
            pos: Branch::new(self.pos),
            neg: Branch::new(self.neg),
            ranges: self.ranges.clone(),
            chunk: self.chunk_bits,
        }
    }
}

/// An int8 lookup table (`polyact`'s `Table` kernel): its 256 entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSpec {
    pub in_bits: usize,
    pub out_bits: usize,
    /// `entries[x − min]`.
    pub entries: Vec<i64>,
}

/// One activation core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoreSpec {
    Poly(PolySpec),
    Relu(ReluSpec),
    Table(TableSpec),
}

fn width(t: DType) -> usize {
    t.bits() as usize
}

impl CoreSpec {
    /// Read kernel `act`'s coefficient set `channel` (0 for shared kernels).
    pub fn from_activation(act: &Activation, channel: usize) -> Result<CoreSpec, Unsupported> {
        let (in_bits, out_bits) = (width(act.io.in_dtype), width(act.io.out_dtype));
        if channel >= act.io.channels {
            return Err(Unsupported(format!(
                "channel {channel} does not exist: the kernel has {} coefficient set(s)",
                act.io.channels
            )));
        }
        let (out_lo, out_hi) = (act.io.out_dtype.min(), act.io.out_dtype.max());
        if let Some(p) = act.as_poly() {
            if p.seg_bits > MAX_SEG_BITS {
                return Err(Unsupported(format!(
                    "{} segments: the HDL core's coefficient ROMs take at most {}",
                    1u32 << p.seg_bits,
                    1u32 << MAX_SEG_BITS
                )));
            }
            let degree = p.degree.max(1);
            let coefs = (0..p.n_segments())
                .map(|seg| (0..=degree).map(|j| if j <= p.degree { p.coef(channel, seg, j) } else { 0 }).collect())
                .collect();
            return Ok(CoreSpec::Poly(PolySpec {
                in_bits,
                out_bits,
                seg_bits: p.seg_bits,
                degree,
                shifts: p.shifts[..degree].iter().map(|&s| s as u32).collect(),
                final_shift: p.final_shift,
                coefs,
                out_lo: out_lo as i64,
                out_hi: out_hi as i64,
                chunk_bits: DEFAULT_CHUNK_BITS,
                // Traced through the runtime's own evaluation.
                ranges: analyze(p, channel),
            }));
        }
        if act.kind == KernelKind::Table {
            // The table is exactly what the kernel returns for each input.
            let t = act.io.in_dtype;
            let entries = (t.min()..=t.max()).map(|x| act.eval(x, channel) as i64).collect();
            return Ok(CoreSpec::Table(TableSpec { in_bits, out_bits, entries }));
        }
        let branches = if let Some(k) = act.as_linear_clamp() {
            Some(((k.multiplier, k.shift), (k.multiplier, k.shift), k.lo, k.hi))
        } else {
            act.as_leaky().map(|k| (k.pos, k.neg, out_lo, out_hi))
        };
        match branches {
            Some((pos, neg, lo, hi)) => {
                let mut spec = ReluSpec {
                    in_bits,
                    out_bits,
                    in_zp: act.io.in_zp,
                    out_zp: act.io.out_zp,
                    pos,
                    neg,
                    lo: lo.max(out_lo),
                    hi: hi.min(out_hi),
                    chunk_bits: DEFAULT_CHUNK_BITS,
                    ranges: ReluRanges::default(),
                };
                let (ranges, outs) = analyze_relu(&spec);
                if ranges.overflow {
                    return Err(Unsupported("a requantization multiplier of i32::MIN has no HDL core".into()));
                }
                let t = act.io.in_dtype;
                if let Some(x) =
                    (t.min()..=t.max()).find(|&x| outs[(x - t.min()) as usize] != act.eval(x, channel) as i64)
                {
                    return Err(Unsupported(format!(
                        "internal: requantization model disagrees with the runtime at input {x}"
                    )));
                }
                spec.ranges = ranges;
                Ok(CoreSpec::Relu(spec))
            }
            None => Err(Unsupported(format!(
                "{} kernels have no HDL core yet (uniform piecewise polynomials, rationals, tables and the ReLU family do); \
                 `polyact hdl --fit` lowers a function to uniform segments",
                act.kind.name()
            ))),
        }
    }

    pub fn in_bits(&self) -> usize {
        match self {
            CoreSpec::Poly(p) => p.in_bits,
            CoreSpec::Relu(r) => r.in_bits,
            CoreSpec::Table(t) => t.in_bits,
        }
    }

    pub fn out_bits(&self) -> usize {
        match self {
            CoreSpec::Poly(p) => p.out_bits,
            CoreSpec::Relu(r) => r.out_bits,
            CoreSpec::Table(t) => t.out_bits,
        }
    }

    /// Clock cycles from an input to its output (the core takes one input per clock).
    pub fn latency(&self) -> usize {
        match self {
            CoreSpec::Poly(p) => p.latency(),
            CoreSpec::Relu(r) => r.shape().latency(),
            CoreSpec::Table(_) => crate::stages::table::TABLE_LATENCY,
        }
    }

    /// Short description for reports.
    pub fn describe(&self) -> String {
        match self {
            CoreSpec::Poly(p) => format!(
                "piecewise polynomial, int{} -> int{}, {} segments, degree {}",
                p.in_bits,
                p.out_bits,
                1u32 << p.seg_bits,
                p.degree
            ),
            CoreSpec::Relu(r) => format!(
                "relu family, int{} -> int{}, clamp [{}, {}]{}",
                r.in_bits,
                r.out_bits,
                r.lo,
                r.hi,
                if r.pos == r.neg { "" } else { ", two slopes" }
            ),
            CoreSpec::Table(t) => {
                format!("lookup table, int{} -> int{}, {} exact entries", t.in_bits, t.out_bits, t.entries.len())
            }
        }
    }
}
