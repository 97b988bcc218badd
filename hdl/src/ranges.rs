//! Exact value ranges of every intermediate of a piecewise-polynomial core,
//! found by running the kernel's recurrence on every input. The hardware is
//! sized from them: no wider than the values it will ever hold, and saturation
//! logic only where saturation can actually happen. (The co-simulation then
//! checks the sized hardware on those same inputs.)

use polyact::activation::Poly;
use polyact::arith::{requantize_parts, sat_i32};

/// Smallest two's-complement width holding every value in `[lo, hi]` (≥ 1).
pub fn signed_bits(lo: i64, hi: i64) -> usize {
    let need = |v: i64| if v < 0 { 65 - (!v).leading_zeros() as usize } else { 65 - v.leading_zeros() as usize };
    need(lo).max(need(hi)).max(1)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub lo: i64,
    pub hi: i64,
}

impl Range {
    fn empty() -> Self {
        Range { lo: i64::MAX, hi: i64::MIN }
    }
    fn add(&mut self, v: i64) {
        self.lo = self.lo.min(v);
        self.hi = self.hi.max(v);
    }
    pub fn bits(&self) -> usize {
        signed_bits(self.lo, self.hi)
    }
}

/// Ranges of one Horner step (pipeline order: the step folding in coefficient
/// `degree − 1 − i` is step `i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepRanges {
    /// Accumulator entering the step.
    pub acc_in: Range,
    /// `rshr_up(acc·r, shift) + c` before the `i32` saturation.
    pub sum: Range,
    /// Whether that saturation ever changes a value.
    pub saturates: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolyRanges {
    /// Local coordinate `r`.
    pub r: Range,
    pub steps: Vec<StepRanges>,
    /// Final accumulator.
    pub acc: Range,
    /// `rshr_up(acc, final_shift)` before output saturation.
    pub out: Range,
}

/// Run the runtime kernel `poly` (coefficient set `channel`) on every input,
/// recording ranges through its traced evaluation. A constant polynomial gets
/// the one hardware step a core always has (zero leading coefficient).
pub fn analyze(poly: &Poly, channel: usize) -> PolyRanges {
    let steps = poly.degree.max(1);
    let mut rr = PolyRanges {
        r: Range::empty(),
        steps: vec![StepRanges { acc_in: Range::empty(), sum: Range::empty(), saturates: false }; steps],
        acc: Range::empty(),
        out: Range::empty(),
    };
    let half = 1i32 << (poly.in_bits() - 1);
    for x in -half..half {
        rr.r.add(poly.locate(x).1 as i64);
        let mut i = 0;
        let mut last = None;
        let out = poly.eval_traced(x, channel, |acc_in, sum| {
            let st = &mut rr.steps[i];
            st.acc_in.add(acc_in as i64);
            st.sum.add(sum);
            st.saturates |= sat_i32(sum) as i64 != sum;
            last = Some(sat_i32(sum));
            i += 1;
        });
        if poly.degree == 0 {
            // The padded step: 0 · r + c0.
            let c0 = poly.coef(channel, poly.locate(x).0, 0);
            rr.steps[0].acc_in.add(0);
            rr.steps[0].sum.add(c0 as i64);
            last = Some(c0);
        }
        rr.acc.add(last.unwrap_or_default() as i64);
        rr.out.add(out as i64);
    }
    rr
}

/// Ranges of the ReLU family's requantization, over every input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReluRanges {
    /// `t = x − in_zp`.
    pub t: Range,
    /// `t << left` before the `i32` saturation, and whether it saturates.
    pub shifted: Range,
    pub saturates: bool,
    /// `a·m + 2^30` (the hardware's form of the high multiply: `h` is its top).
    pub p: Range,
    /// `h`, `v = rshr(h, right)`, `s = out_zp + v`.
    pub h: Range,
    pub v: Range,
    pub s: Range,
    /// `a = m = i32::MIN` happens (TFLite's one overflow case).
    pub overflow: bool,
}

/// Run the runtime's requantization ([`requantize_parts`]) on every input of
/// the ReLU-family kernel `spec`, the branch chosen by the sign of
/// `t = x − in_zp`. Returns the ranges and the outputs (`clamp(out_zp + v)`),
/// which the caller checks against the kernel itself.
pub fn analyze_relu(spec: &crate::spec::ReluSpec) -> (ReluRanges, Vec<i64>) {
    let mut r = ReluRanges {
        t: Range::empty(),
        shifted: Range::empty(),
        p: Range::empty(),
        h: Range::empty(),
        v: Range::empty(),
        s: Range::empty(),
        ..Default::default()
    };
    let half = 1i32 << (spec.in_bits - 1);
    let mut outs = Vec::with_capacity(2 * half as usize);
    for x in -half..half {
        let t = x - spec.in_zp;
        r.t.add(t as i64);
        let (m, sh) = if t < 0 { spec.neg } else { spec.pos };
        let q = requantize_parts(t, m, sh);
        r.shifted.add(q.shifted);
        r.saturates |= q.operand as i64 != q.shifted;
        r.overflow |= q.operand == i32::MIN && m == i32::MIN;
        r.p.add(q.operand as i64 * m as i64 + (1 << 30));
        r.h.add(q.high as i64);
        r.v.add(q.out as i64);
        let s = spec.out_zp.saturating_add(q.out);
        r.s.add(s as i64);
        outs.push(s.clamp(spec.lo, spec.hi) as i64);
    }
    (r, outs)
}

#[cfg(test)]
mod tests {
    use super::signed_bits;

    #[test]
    fn widths() {
        assert_eq!(signed_bits(0, 0), 1);
        assert_eq!(signed_bits(-1, 0), 1);
        assert_eq!(signed_bits(-128, 127), 8);
        assert_eq!(signed_bits(-129, 0), 9);
        assert_eq!(signed_bits(0, 128), 9);
        assert_eq!(signed_bits(i32::MIN as i64, i32::MAX as i64), 32);
    }
}
