//! The exact width of every word of a rational (PAU) core, established on
//! every input against the runtime.
//!
//! The runtime computes `y = sat(out_zp + round_div(num · 2^pre, floor + |d|))`
//! with two Horner recurrences (`polyact::activation::Rational`). Each step is
//! `acc' = clamp(rshr_up(acc·u, s) + c)`, i.e. `(p >> s) + c + p[s−1]` for
//! the product `p`: one multiply, one add with the rounding bit as its carry
//! in (the denominator's constants are too wide to fold into the product as
//! the DSP core does), and a clamp only where some input reaches it. The
//! quotient rounded half away from zero is `⌊N2 / D2⌋` with `N2 = 2·A + den`,
//! `D2 = 2·den` and `A = |num| · 2^pre`, one restoring-division stage per
//! quotient bit; quotients past the output range only need to be known as
//! such. [`RationalPlan::new`] replays this on every input and refuses the
//! kernel unless it equals the runtime everywhere.

use crate::ranges::signed_bits;
use crate::spec::Unsupported;
use polyact::activation::{DenMode, Rational, DEN_LIMIT};
use polyact::arith::{round_div_i64, rshr_up_i64};
use polyact::Activation;

/// One Horner step `acc' = clamp((p >> shift) + c + p[shift − 1])`, `p = acc·u`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HornerStep {
    pub c: i64,
    pub shift: u32,
    /// Widths of the multiplicand entering the step, of the product and of
    /// the sum (before the clamp), each the exact range over every input.
    pub a_bits: usize,
    pub prod_bits: usize,
    pub sum_bits: usize,
    /// The saturation bounds, where some input reaches them.
    pub clamp: Option<(i64, i64)>,
    /// Width of the step's result (after the clamp).
    pub acc_bits: usize,
}

/// A Horner recurrence: the leading coefficient, then the steps in the order
/// they run (coefficient `deg − 1` first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HornerPlan {
    pub lead: i64,
    pub lead_bits: usize,
    pub steps: Vec<HornerStep>,
}

impl HornerPlan {
    /// Width of the recurrence's result.
    pub fn result_bits(&self) -> usize {
        self.steps.last().map_or(self.lead_bits, |s| s.acc_bits)
    }
}

/// A rational kernel's channel set as a core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RationalPlan {
    pub in_bits: usize,
    pub out_bits: usize,
    pub in_zp: i64,
    pub out_zp: i64,
    pub out_lo: i64,
    pub out_hi: i64,
    /// The coefficient set the core holds.
    pub channel: usize,
    /// `t = x − in_zp`; the denominator runs on `|t|` (PAU's safe form) or `t`.
    pub t_bits: usize,
    pub u_abs: bool,
    pub num: HornerPlan,
    pub den: HornerPlan,
    /// Whether the denominator polynomial can be negative (else `|d| = d`).
    pub den_signed: bool,
    pub floor: i64,
    pub pre_shift: u32,
    /// Unsigned widths of `den`, `A = |num|·2^pre` and `N2 = 2·A + den`.
    pub den_bits: usize,
    pub a_bits: usize,
    pub n2_bits: usize,
    /// Quotient bits computed; with `overflow`, larger quotients are detected
    /// up front and saturate.
    pub q_bits: usize,
    pub overflow: bool,
}

/// Unsigned width of `v ≥ 0` (at least 1).
fn unsigned_bits(v: u128) -> usize {
    (128 - v.leading_zeros() as usize).max(1)
}

/// The range of every word of a recurrence over all inputs.
struct Tracker {
    lo: Vec<i128>,
    hi: Vec<i128>,
}

impl Tracker {
    fn new(n: usize) -> Self {
        Tracker { lo: vec![i128::MAX; n], hi: vec![i128::MIN; n] }
    }

    fn see(&mut self, i: usize, v: i128) {
        self.lo[i] = self.lo[i].min(v);
        self.hi[i] = self.hi[i].max(v);
    }

    fn bits(&self, i: usize) -> Result<usize, Unsupported> {
        let (lo, hi) = (self.lo[i], self.hi[i]);
        if lo < i64::MIN as i128 || hi > i64::MAX as i128 {
            return Err(Unsupported(format!("a word of the rational core exceeds 64 bits ({lo}..{hi})")));
        }
        Ok(signed_bits(lo as i64, hi as i64))
    }
}

/// Words each step reports: product, sum (unclamped) and clamped result.
const WORDS: usize = 3;
const PROD: usize = 0;
const SUM: usize = 1;
const ACC: usize = 2;

/// The recurrence `lead`, then `(c, s)` per step on operand `u`: each step
/// `rshr_up(acc·u, s) + c` (the runtime's rounding, `polyact::arith`), which
/// the hardware forms as `(p >> s) + c + p[s − 1]`; clamped to `lim` where
/// `clamps[i]` (everywhere when `None`); `see(i·WORDS + word, value)`. `None`
/// if a product leaves the runtime's `i64`.
fn run(
    lead: i64,
    steps: &[(i64, u32)],
    lim: (i64, i64),
    u: i64,
    clamps: Option<&[bool]>,
    mut see: impl FnMut(usize, i128),
) -> Option<i64> {
    let mut acc = lead as i128;
    for (i, &(c, s)) in steps.iter().enumerate() {
        let prod = i64::try_from(acc * u as i128).ok()?;
        let v = rshr_up_i64(prod, s) as i128 + c as i128;
        acc = if clamps.is_none_or(|c| c[i]) { v.clamp(lim.0 as i128, lim.1 as i128) } else { v };
        for (w, val) in [(PROD, prod as i128), (SUM, v), (ACC, acc)] {
            see(WORDS * i + w, val);
        }
    }
    Some(acc as i64)
}

impl RationalPlan {
    /// The plan for set `channel` of `act`, or why the core does not take it.
    pub fn new(act: &Activation, channel: usize) -> Result<RationalPlan, Unsupported> {
        let r: &Rational = act.as_rational().ok_or_else(|| Unsupported("not a rational kernel".into()))?;
        let io = act.io;
        if channel >= io.channels {
            return Err(Unsupported(format!("channel {channel}: the kernel has {} sets", io.channels)));
        }
        let (it, ot) = (io.in_dtype, io.out_dtype);
        let (in_zp, out_zp) = (io.in_zp as i64, io.out_zp as i64);
        let num_steps: Vec<(i64, u32)> =
            (0..r.deg_p).rev().map(|j| (r.num_coef(channel, j) as i64, r.num_shifts[j] as u32)).collect();
        let den_steps: Vec<(i64, u32)> =
            (0..r.deg_q).rev().map(|j| (r.den_coef(channel, j), r.den_shifts[j] as u32)).collect();
        let num_lead = r.num_coef(channel, r.deg_p) as i64;
        let den_lead = r.den_coef(channel, r.deg_q);
        let u_abs = r.mode == DenMode::Safe;
        let (n32, d47) = ((i32::MIN as i64, i32::MAX as i64), (-DEN_LIMIT, DEN_LIMIT));
        let inputs = || (it.min()..=it.max()).map(|x| (x, x as i64 - in_zp));
        let overflow = || Unsupported("a Horner product leaves the runtime's 64 bits".into());
        // Pass 1: which saturations act (the runtime saturates every step).
        let (mut tn, mut td) = (Tracker::new(WORDS * num_steps.len()), Tracker::new(WORDS * den_steps.len()));
        for (_, t) in inputs() {
            let u = if u_abs { t.abs() } else { t };
            run(num_lead, &num_steps, n32, t, None, |i, v| tn.see(i, v)).ok_or_else(overflow)?;
            run(den_lead, &den_steps, d47, u, None, |i, v| td.see(i, v)).ok_or_else(overflow)?;
        }
        let acting = |tr: &Tracker, n: usize, (lo, hi): (i64, i64)| -> Vec<bool> {
            (0..n).map(|i| tr.lo[WORDS * i + SUM] < lo as i128 || tr.hi[WORDS * i + SUM] > hi as i128).collect()
        };
        let (cn, cd) = (acting(&tn, num_steps.len(), n32), acting(&td, den_steps.len(), d47));
        // Pass 2: with exactly those clamps, every width and the quotient.
        let (mut tn, mut td) = (Tracker::new(WORDS * num_steps.len()), Tracker::new(WORDS * den_steps.len()));
        let (mut t_lo, mut t_hi, mut d_lo) = (i64::MAX, i64::MIN, i64::MAX);
        let (mut den_max, mut a_max, mut n2_max, mut q_max) = (0i64, 0u128, 0u128, 0u128);
        let mut cases = Vec::with_capacity(1 << it.bits());
        for (x, t) in inputs() {
            (t_lo, t_hi) = (t_lo.min(t), t_hi.max(t));
            let u = if u_abs { t.abs() } else { t };
            let num = run(num_lead, &num_steps, n32, t, Some(&cn), |i, v| tn.see(i, v)).ok_or_else(overflow)?;
            let d = run(den_lead, &den_steps, d47, u, Some(&cd), |i, v| td.see(i, v)).ok_or_else(overflow)?;
            d_lo = d_lo.min(d);
            let den = r.den_floor(channel) + d.abs();
            den_max = den_max.max(den);
            let a = (num.unsigned_abs() as u128) << r.pre_shift;
            let n2 = 2 * a + den as u128;
            // The runtime's own rounded division (the core forms it as
            // ⌊N2 / 2·den⌋, checked in Icarus on every input).
            let q = round_div_i64(num << r.pre_shift, den).unsigned_abs() as u128;
            (a_max, n2_max, q_max) = (a_max.max(a), n2_max.max(n2), q_max.max(q));
            cases.push((x, num < 0, q));
        }
        let q_limit = 1u128 << (ot.bits() + 1);
        let (q_bits, overflow) =
            if q_max < q_limit { (unsigned_bits(q_max), false) } else { (ot.bits() as usize + 1, true) };
        let (out_lo, out_hi) = (ot.min() as i64, ot.max() as i64);
        for (x, neg, q) in cases {
            let y = if q >= 1u128 << q_bits {
                if neg {
                    out_lo
                } else {
                    out_hi
                }
            } else {
                let q = q as i64;
                (out_zp + if neg { -q } else { q }).clamp(out_lo, out_hi)
            };
            let want = act.eval(x, channel) as i64;
            if y != want {
                return Err(Unsupported(format!(
                    "the rational core's recurrence gives {y} at input {x}, the runtime {want}"
                )));
            }
        }
        let horner = |lead: i64, steps: &[(i64, u32)], tr: &Tracker, clamps: &[bool], lim: (i64, i64)| {
            let lead_bits = signed_bits(lead, lead);
            let mut a_bits = lead_bits;
            let mut out = Vec::with_capacity(steps.len());
            for (i, &(c, s)) in steps.iter().enumerate() {
                let acc_bits = tr.bits(WORDS * i + ACC)?;
                out.push(HornerStep {
                    c,
                    shift: s,
                    a_bits,
                    prod_bits: tr.bits(WORDS * i + PROD)?,
                    sum_bits: tr.bits(WORDS * i + SUM)?,
                    clamp: clamps[i].then_some(lim),
                    acc_bits,
                });
                a_bits = acc_bits;
            }
            Ok::<_, Unsupported>(HornerPlan { lead, lead_bits, steps: out })
        };
        Ok(RationalPlan {
            in_bits: it.bits() as usize,
            out_bits: ot.bits() as usize,
            in_zp,
            out_zp,
            out_lo,
            out_hi,
            channel,
            t_bits: signed_bits(t_lo, t_hi),
            u_abs,
            num: horner(num_lead, &num_steps, &tn, &cn, n32)?,
            den: horner(den_lead, &den_steps, &td, &cd, d47)?,
            den_signed: d_lo < 0,
            floor: r.den_floor(channel),
            pre_shift: r.pre_shift,
            den_bits: unsigned_bits(den_max as u128),
            a_bits: unsigned_bits(a_max),
            n2_bits: unsigned_bits(n2_max),
            q_bits,
            overflow,
        })
    }

    /// Width of the division's divisor `D2 = 2·den`.
    pub fn d2_bits(&self) -> usize {
        self.den_bits + 1
    }
}
