//! Which kernels fit one DSP multiply-add per Horner step, and the exact
//! widths of everything the core holds, established on every input of every
//! coefficient set it serves.
//!
//! The runtime's step is `sat32(rshr_up(acc·r, s) + c)` and its final shift
//! `rshr_up(acc, f)` (`docs/ARITHMETIC.md` §4). Where the saturations never
//! act, floors compose, so step `j` is `S = acc·r + K` with
//! `K = c·2^s + 2^(s−1)` and `acc' = S >> s`; the last step also absorbs the
//! final shift. [`DspPlan::new`] checks this on every input against the
//! runtime itself and refuses the kernel otherwise.

use crate::ranges::signed_bits;
use crate::spec::Unsupported;
use polyact::activation::{horner_step, locate};
use polyact::arith::sat_i32;
use polyact::Activation;

/// Operand width of the multipliers (iCE40 SB_MAC16: 16 × 16).
pub const OPERAND_BITS: usize = 16;
/// Width of a multiply-add result (the SB_MAC16 post-adder).
pub const SUM_BITS: usize = 32;

/// One multiply-add: `S = a·r + (word << shift | low)`, then `a' = S >> shift`
/// (`out_shift` for the last step).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DspStep {
    /// ROM words `K >> shift` per `[set][segment]`.
    pub words: Vec<i64>,
    pub word_bits: usize,
    /// The constant low `shift` bits of `K` (the rounding half).
    pub low: i64,
    /// Shift of the constant: the step's Horner shift.
    pub shift: u32,
    /// Width of the multiplicand `a` entering this step.
    pub a_bits: usize,
    /// Width of `S`.
    pub sum_bits: usize,
}

/// A piecewise polynomial as a DSP core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DspPlan {
    pub in_bits: usize,
    pub out_bits: usize,
    pub seg_bits: u32,
    /// Coefficient sets in the ROMs (the kernel's sets `first_set ..
    /// first_set + sets`), selected by the `channel` input when > 1.
    pub sets: usize,
    pub first_set: usize,
    /// Parallel lanes (each with its own ROM copy).
    pub lanes: usize,
    pub r_bits: usize,
    /// Leading coefficients per `[set][segment]`.
    pub lead: Vec<i64>,
    pub lead_bits: usize,
    /// Steps in pipeline order (coefficient `d−1` first).
    pub steps: Vec<DspStep>,
    /// `y = clamp(S_last >> out_shift)`.
    pub out_shift: u32,
    /// Range of `S_last >> out_shift` over every input: the clamp exists only
    /// if it leaves the output type.
    pub res_lo: i64,
    pub res_hi: i64,
    pub out_lo: i64,
    pub out_hi: i64,
}

fn half(s: u32) -> i64 {
    if s == 0 {
        0
    } else {
        1i64 << (s - 1)
    }
}

impl DspPlan {
    /// Plan a core for the kernel's coefficient sets `sets` with `lanes` lanes.
    pub fn new(act: &Activation, sets: std::ops::Range<usize>, lanes: usize) -> Result<DspPlan, Unsupported> {
        let p = act.as_poly().ok_or_else(|| Unsupported("not a piecewise polynomial".into()))?;
        if !(1..=16).contains(&lanes) {
            return Err(Unsupported(format!("{lanes} lanes: a core takes 1..=16")));
        }
        if sets.is_empty() || sets.end > act.io.channels {
            let n = act.io.channels;
            return Err(Unsupported(format!("coefficient sets {sets:?}: the kernel has {n} (0..{n})")));
        }
        let (first_set, sets) = (sets.start, sets.len());
        let all = first_set..first_set + sets;
        let d = p.degree;
        if d == 0 {
            return Err(Unsupported("a constant kernel needs no multiplier".into()));
        }
        let (in_bits, out_bits) = (act.io.in_dtype.bits() as usize, act.io.out_dtype.bits() as usize);
        let nseg = p.n_segments();
        let fs = p.final_shift;
        // Constants K per step (pipeline order i ↔ coefficient j = d − 1 − i).
        let k_of = |c: usize, seg: usize, j: usize| -> i64 {
            let s = p.shifts[j] as u32;
            let mut k = ((p.coef(c, seg, j) as i64) << s) + half(s);
            if j == 0 {
                k += half(fs) << s;
            }
            k
        };
        let lead: Vec<i64> =
            all.clone().flat_map(|c| (0..nseg).map(move |s| (c, s))).map(|(c, s)| p.coef(c, s, d) as i64).collect();
        let mut steps = Vec::with_capacity(d);
        for i in 0..d {
            let j = d - 1 - i;
            let s = p.shifts[j] as u32;
            let ks: Vec<i64> =
                all.clone().flat_map(|c| (0..nseg).map(move |sg| (c, sg))).map(|(c, sg)| k_of(c, sg, j)).collect();
            let mask = (1i64 << s) - 1;
            let low = ks[0] & mask;
            if ks.iter().any(|k| k & mask != low) {
                return Err(Unsupported("internal: rounding constants differ between segments".into()));
            }
            let words: Vec<i64> = ks.iter().map(|k| k >> s).collect();
            let (lo, hi) = words.iter().fold((0, 0), |(a, b), &w| (w.min(a), w.max(b)));
            steps.push(DspStep { words, word_bits: signed_bits(lo, hi), low, shift: s, a_bits: 0, sum_bits: 0 });
        }
        let out_shift = p.shifts[0] as u32 + fs;
        // Every input of every set: the composed recurrence against the runtime.
        let (mut a_rng, mut s_rng) = (vec![(0i64, 0i64); d], vec![(0i64, 0i64); d]);
        let (mut res_lo, mut res_hi) = (i64::MAX, i64::MIN);
        let (mut r_lo, mut r_hi) = (0i64, 0i64);
        let t = act.io.in_dtype;
        for c in all {
            for x in t.min()..=t.max() {
                let (seg, r) = locate(in_bits as u32, p.seg_bits, x);
                let (r, idx) = (r as i64, (c - first_set) * nseg + seg);
                r_lo = r_lo.min(r);
                r_hi = r_hi.max(r);
                let (mut a, mut rt) = (lead[idx], p.coef(c, seg, d));
                let mut last = 0;
                for (i, st) in steps.iter().enumerate() {
                    let j = d - 1 - i;
                    a_rng[i] = (a_rng[i].0.min(a), a_rng[i].1.max(a));
                    let sum = a * r + ((st.words[idx] << st.shift) | st.low);
                    s_rng[i] = (s_rng[i].0.min(sum), s_rng[i].1.max(sum));
                    // The runtime's step, to prove the saturation never acts.
                    let full = horner_step(rt, r as i32, p.shifts[j] as u32, p.coef(c, seg, j));
                    rt = sat_i32(full);
                    if full != rt as i64 {
                        return Err(Unsupported(format!("the i32 saturation acts at input {x} (set {c})")));
                    }
                    if j > 0 {
                        a = sum >> st.shift;
                        if a != rt as i64 {
                            return Err(Unsupported(format!("internal: step disagrees with the runtime at input {x}")));
                        }
                    } else {
                        last = sum >> out_shift;
                    }
                }
                res_lo = res_lo.min(last);
                res_hi = res_hi.max(last);
                let (lo, hi) = (t_out_min(act), t_out_max(act));
                if last.clamp(lo, hi) != act.eval(x, c) as i64 {
                    return Err(Unsupported(format!(
                        "internal: core disagrees with the runtime at input {x} (set {c})"
                    )));
                }
            }
        }
        for (i, st) in steps.iter_mut().enumerate() {
            st.a_bits = signed_bits(a_rng[i].0, a_rng[i].1);
            st.sum_bits = signed_bits(s_rng[i].0, s_rng[i].1).max(st.word_bits + st.shift as usize);
            if st.a_bits > OPERAND_BITS {
                return Err(Unsupported(format!(
                    "step {i}'s multiplicand needs {} bits, a DSP multiplier takes {OPERAND_BITS}",
                    st.a_bits
                )));
            }
            if st.sum_bits > SUM_BITS {
                return Err(Unsupported(format!(
                    "step {i}'s multiply-add needs {} bits, a DSP adder has {SUM_BITS}",
                    st.sum_bits
                )));
            }
        }
        let r_bits = signed_bits(r_lo, r_hi);
        if r_bits > OPERAND_BITS {
            return Err(Unsupported(format!("the local coordinate needs {r_bits} bits")));
        }
        Ok(DspPlan {
            in_bits,
            out_bits,
            seg_bits: p.seg_bits,
            sets,
            first_set,
            lanes,
            r_bits,
            lead_bits: steps[0].a_bits,
            lead,
            steps,
            out_shift,
            res_lo,
            res_hi,
            out_lo: t_out_min(act),
            out_hi: t_out_max(act),
        })
    }

    /// Bits of the `channel` input (0 with one coefficient set).
    /// What the streaming bench drives and checks.
    pub fn bench_shape(&self) -> crate::stream::bench::BenchShape {
        crate::stream::bench::BenchShape {
            in_bits: self.in_bits,
            out_bits: self.out_bits,
            lanes: self.lanes,
            channel_bits: self.channel_bits(),
            latency: super::verilog::latency(self, false),
            latency_ecp5: super::verilog::latency(self, true),
        }
    }

    pub fn channel_bits(&self) -> usize {
        if self.sets <= 1 {
            0
        } else {
            (usize::BITS - (self.sets - 1).leading_zeros()) as usize
        }
    }

    /// Words in each coefficient ROM.
    pub fn rom_words(&self) -> usize {
        self.sets << self.seg_bits
    }

    pub fn degree(&self) -> usize {
        self.steps.len()
    }

    /// Whether the output needs a clamp.
    pub fn clamps(&self) -> bool {
        self.res_lo < self.out_lo || self.res_hi > self.out_hi
    }
}

fn t_out_min(act: &Activation) -> i64 {
    act.io.out_dtype.min() as i64
}

fn t_out_max(act: &Activation) -> i64 {
    act.io.out_dtype.max() as i64
}
