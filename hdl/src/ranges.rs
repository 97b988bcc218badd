//! Exact value ranges of every intermediate of a piecewise-polynomial core,
//! found by running the kernel's recurrence on every input. The hardware is
//! sized from them: no wider than the values it will ever hold, and saturation
//! logic only where saturation can actually happen. (The co-simulation then
//! checks the sized hardware on those same inputs.)

use crate::spec::PolySpec;
use polyact::arith::{rshr_i32, rshr_i64, sat_i32};

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
    /// `rshr(acc·r, shift) + c` before the `i32` saturation.
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
    /// `rshr(acc, final_shift)` before output saturation.
    pub out: Range,
}

/// Evaluate `spec` on every input, recording ranges. Also returns the outputs,
/// so callers can check this recurrence against the runtime kernel.
pub fn analyze(spec: &PolySpec) -> (PolyRanges, Vec<i64>) {
    let d = spec.degree;
    let mut rr = PolyRanges {
        r: Range::empty(),
        steps: vec![StepRanges { acc_in: Range::empty(), sum: Range::empty(), saturates: false }; d],
        acc: Range::empty(),
        out: Range::empty(),
    };
    let n = 1i64 << spec.in_bits;
    let local = spec.in_bits as u32 - spec.seg_bits;
    let mut outs = Vec::with_capacity(n as usize);
    for u in 0..n {
        let seg = if local >= 63 { 0 } else { (u >> local) as usize };
        let r = if local == 0 { 0 } else { (u & ((1 << local) - 1)) - (1 << (local - 1)) };
        rr.r.add(r);
        let mut acc = spec.coefs[seg][d] as i64;
        for i in 0..d {
            let j = d - 1 - i;
            let st = &mut rr.steps[i];
            st.acc_in.add(acc);
            let v = rshr_i64(acc * r, spec.shifts[j]) + spec.coefs[seg][j] as i64;
            st.sum.add(v);
            acc = sat_i32(v) as i64;
            st.saturates |= acc != v;
        }
        rr.acc.add(acc);
        let v = rshr_i32(acc as i32, spec.final_shift) as i64;
        rr.out.add(v);
        outs.push(v.clamp(spec.out_lo, spec.out_hi));
    }
    (rr, outs)
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

/// Ranges of the ReLU family's requantization, over every input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReluRanges {
    /// `t = x − in_zp`.
    pub t: Range,
    /// `t << left` before the `i32` saturation, and whether it saturates.
    pub shifted: Range,
    pub saturates: bool,
    /// `a·m + 2^30` (the high half is `h`).
    pub p: Range,
    /// `h`, `v = rshr(h, right)`, `s = out_zp + v`.
    pub h: Range,
    pub v: Range,
    pub s: Range,
    /// `a = m = i32::MIN` happens (TFLite's one overflow case).
    pub overflow: bool,
}

/// Evaluate the ReLU family's requantization on every input: `y = clamp(out_zp
/// + rshr(⌊(sat32(t << left)·m + 2^30) / 2^31⌋, right), lo, hi)`, the branch
/// chosen by the sign of `t = x − in_zp`. Returns the ranges and the outputs.
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
    let n = 1i64 << spec.in_bits;
    let min = -(n / 2);
    let mut outs = Vec::with_capacity(n as usize);
    for x in min..min + n {
        let t = x - spec.in_zp as i64;
        r.t.add(t);
        let (m, sh) = if t < 0 { spec.neg } else { spec.pos };
        let (left, right) = (sh.max(0) as u32, (-sh).max(0) as u32);
        let shifted = t << left;
        r.shifted.add(shifted);
        let a = shifted.clamp(i32::MIN as i64, i32::MAX as i64);
        r.saturates |= a != shifted;
        let ovf = a == i32::MIN as i64 && m == i32::MIN;
        r.overflow |= ovf;
        let p = a * m as i64 + (1 << 30);
        r.p.add(p);
        let h = if ovf { i32::MAX as i64 } else { p >> 31 };
        r.h.add(h);
        let v = rshr_i64(h, right);
        r.v.add(v);
        let s = spec.out_zp as i64 + v;
        r.s.add(s);
        outs.push(s.clamp(spec.lo as i64, spec.hi as i64));
    }
    (r, outs)
}
