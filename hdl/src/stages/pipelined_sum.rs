//! Verilog for a pipelined multi-operand adder: carry-save stages reduce the
//! operands to two vectors, then a carry-select adder forms every `chunk`-bit
//! piece of the sum for both carry-ins at once, resolves the chunk carries
//! with a parallel prefix and selects. Every clock holds one LUT level (or,
//! for chunks over two bits, one short carry chain) — what keeps an iCE40 at
//! 100 MHz and an ECP5 at 200 MHz — at the price of latency and registers.

use std::fmt::Write;

/// Shape of the adder: operand width and chunk size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipelinedSum {
    pub width: usize,
    pub chunk: usize,
    /// Number of operands (besides the carry-in).
    pub operands: usize,
    /// Carry-save stage at whose input the carry-in becomes valid (it may be
    /// computed through its own pipeline, see [`round_up`]).
    pub cin_stage: usize,
}

impl PipelinedSum {
    /// Register stages before the chunks: one per 3:2 layer, at least one,
    /// and enough for the carry-in to arrive.
    fn csa_stages(&self) -> usize {
        let (mut n, mut layers) = (self.operands, 0usize);
        while n > 2 {
            n = 2 * (n / 3) + n % 3;
            layers += 1;
        }
        layers.max(1).max(self.cin_stage + 1)
    }

    /// Clocks from registered operands to a valid sum.
    pub fn cycles(&self) -> usize {
        self.csa_stages() + Self::levels(self.bounds().len()) + 2
    }

    /// Declares wire `{p}_s[width−1:0]` = Σ `ops` + `cin` (mod 2^width), valid
    /// [`Self::cycles`] clocks after `ops` and `cin` (each exactly `width`
    /// bits, and 1 bit).
    pub fn verilog(&self, p: &str, ops: &[String], cin: &str) -> String {
        let w = self.width;
        let mut v = String::new();
        // Carry-save reduction to two vectors: 3:2 layers of one LUT level,
        // each registered.
        assert_eq!(ops.len(), self.operands, "the operand count fixes the latency");
        let mut terms: Vec<String> = ops.to_vec();
        let mut ci = String::new();
        let mut layer = 0;
        for stage in 0..self.csa_stages() {
            if terms.len() > 2 {
                let mut next = Vec::new();
                for (g, t) in terms.chunks(3).enumerate() {
                    if let [a, b, c] = t {
                        let n = format!("{p}_l{layer}_{g}");
                        let _ = writeln!(v, "wire [{m}:0] {n}s = {a} ^ {b} ^ {c};", m = w - 1);
                        let _ = writeln!(v, "wire [{m}:0] {n}m = ({a} & {b}) | ({a} & {c}) | ({b} & {c});", m = w - 1);
                        next.push(format!("{n}s"));
                        next.push(if w == 1 { format!("{w}'d0") } else { format!("{{{n}m[{}:0], 1'b0}}", w - 2) });
                    } else {
                        next.extend(t.iter().cloned());
                    }
                }
                terms = next;
                layer += 1;
            }
            let regs: Vec<String> = (0..terms.len()).map(|i| format!("{p}_t{stage}_{i}")).collect();
            let _ = writeln!(v, "reg [{m}:0] {};", regs.join(", "), m = w - 1);
            let mut body = String::new();
            if stage >= self.cin_stage {
                let src = if stage == self.cin_stage { cin.to_string() } else { ci.clone() };
                ci = format!("{p}_ci{stage}");
                let _ = writeln!(v, "reg {ci};");
                let _ = write!(body, " {ci} <= {src};");
            }
            for (r, t) in regs.iter().zip(&terms) {
                let _ = write!(body, " {r} <= {t};");
            }
            let _ = writeln!(v, "always @(posedge clock) begin{body} end");
            terms = regs;
        }
        assert!(terms.len() <= 2, "carry-save reduction left {} terms", terms.len());
        while terms.len() < 2 {
            terms.push(format!("{w}'d0"));
        }
        let _ = writeln!(
            v,
            "wire [{m}:0] {p}_x = {};\nwire [{m}:0] {p}_y = {};\nwire {p}_ci = {ci};",
            terms[0],
            terms[1],
            m = w - 1
        );
        v + &self.prefix_add(p)
    }

    /// Chunk boundaries: a one-bit chunk 0 (it takes the carry-in), then
    /// `chunk`-bit chunks.
    fn bounds(&self) -> Vec<(usize, usize)> {
        let mut b = vec![(0, 1)];
        let mut lo = 1;
        while lo < self.width {
            b.push((lo, (lo + self.chunk).min(self.width)));
            lo += self.chunk;
        }
        b
    }

    /// Prefix levels to resolve the carries of `n` chunks.
    fn levels(n: usize) -> usize {
        (usize::BITS - (n.max(1) - 1).leading_zeros()) as usize
    }

    /// Carry-select addition of `{p}_x + {p}_y + {p}_ci`: every chunk's sum
    /// with carry-in 0 and 1 at once (one LUT level for two-bit chunks), the
    /// chunk carries by a Kogge–Stone prefix (one LUT level per clock), then a
    /// select. Declares `{p}_s`.
    fn prefix_add(&self, p: &str) -> String {
        let mut v = String::new();
        let bounds = self.bounds();
        let n = bounds.len();
        // Level 0: per chunk (s0, g) = x + y and (s1, q) = x + y + 1.
        for (t, &(lo, hi)) in bounds.iter().enumerate() {
            let cw = hi - lo;
            let (x, y) = (format!("{p}_x[{}:{lo}]", hi - 1), format!("{p}_y[{}:{lo}]", hi - 1));
            let _ = writeln!(v, "reg [{}:0] {p}_s0_{t}, {p}_s1_{t};\nreg {p}_g{t}_0, {p}_q{t}_0;", cw - 1);
            let (x0, y0) = (format!("{p}_x[{lo}]"), format!("{p}_y[{lo}]"));
            let (s0, g, s1, q) = if t == 0 {
                // The carry-in is known: s0 is the sum, g its carry-out.
                let c = format!("{p}_ci");
                (
                    format!("{x0} ^ {y0} ^ {c}"),
                    format!("({x0} & {y0}) | (({x0} | {y0}) & {c})"),
                    format!("{x0} ^ {y0} ^ {c}"),
                    "1'b0".into(),
                )
            } else if cw == 1 {
                (format!("{x0} ^ {y0}"), format!("{x0} & {y0}"), format!("~({x0} ^ {y0})"), format!("{x0} | {y0}"))
            } else if cw == 2 {
                let (x1, y1) = (format!("{p}_x[{}]", lo + 1), format!("{p}_y[{}]", lo + 1));
                let (k, o) = (format!("({x0} & {y0})"), format!("({x0} | {y0})"));
                (
                    format!("{{{x1} ^ {y1} ^ {k}, {x0} ^ {y0}}}"),
                    format!("({x1} & {y1}) | (({x1} | {y1}) & {k})"),
                    format!("{{{x1} ^ {y1} ^ {o}, ~({x0} ^ {y0})}}"),
                    format!("({x1} & {y1}) | (({x1} | {y1}) & {o})"),
                )
            } else {
                let _ = writeln!(
                    v,
                    "wire [{cw}:0] {p}_a{t} = {{1'b0, {x}}} + {{1'b0, {y}}};\nwire [{cw}:0] {p}_b{t} = {{1'b0, {x}}} + {{1'b0, {y}}} + {}'d1;",
                    cw + 1
                );
                (
                    format!("{p}_a{t}[{}:0]", cw - 1),
                    format!("{p}_a{t}[{cw}]"),
                    format!("{p}_b{t}[{}:0]", cw - 1),
                    format!("{p}_b{t}[{cw}]"),
                )
            };
            let _ = writeln!(
                v,
                "always @(posedge clock) begin {p}_s0_{t} <= {s0}; {p}_g{t}_0 <= {g}; {p}_s1_{t} <= {s1}; {p}_q{t}_0 <= {q}; end"
            );
        }
        // Prefix levels: G_t = carry out of chunks 0..=t, delaying the sums.
        let levels = Self::levels(n);
        let mut sums: Vec<(String, String)> = (0..n).map(|t| (format!("{p}_s0_{t}"), format!("{p}_s1_{t}"))).collect();
        for l in 1..=levels {
            let d = 1 << (l - 1);
            for (t, &(lo, hi)) in bounds.iter().enumerate() {
                let (g, q) = (format!("{p}_g{t}_{}", l - 1), format!("{p}_q{t}_{}", l - 1));
                let (gn, qn) = if t >= d {
                    let (gd, qd) = (format!("{p}_g{}_{}", t - d, l - 1), format!("{p}_q{}_{}", t - d, l - 1));
                    (format!("{g} | ({q} & {gd})"), format!("{q} & {qd}"))
                } else {
                    (g.clone(), q.clone())
                };
                let cw = hi - lo;
                let (a, b) = (format!("{p}_s0_{t}_{l}"), format!("{p}_s1_{t}_{l}"));
                let _ = writeln!(v, "reg {p}_g{t}_{l}, {p}_q{t}_{l};\nreg [{}:0] {a}, {b};", cw - 1);
                let _ = writeln!(
                    v,
                    "always @(posedge clock) begin {p}_g{t}_{l} <= {gn}; {p}_q{t}_{l} <= {qn}; {a} <= {}; {b} <= {}; end",
                    sums[t].0,
                    sums[t].1
                );
                sums[t] = (a, b);
            }
        }
        // Select each chunk's sum by the carry out of the chunks below it.
        let mut parts = Vec::new();
        for (t, &(lo, hi)) in bounds.iter().enumerate() {
            let _ = writeln!(v, "reg [{}:0] {p}_r{t};", hi - lo - 1);
            let pick = if t == 0 {
                sums[0].0.clone()
            } else {
                format!("{p}_g{}_{levels} ? {} : {}", t - 1, sums[t].1, sums[t].0)
            };
            let _ = writeln!(v, "always @(posedge clock) {p}_r{t} <= {pick};");
            parts.push(format!("{p}_r{t}"));
        }
        parts.reverse();
        let _ = writeln!(v, "wire [{}:0] {p}_s = {{{}}};", self.width - 1, parts.join(", "));
        v
    }
}

/// `expr` (a `w`-bit signed value) shifted left by `shift` and sign-extended or
/// truncated to exactly `width` bits; `None` if nothing of it is left.
pub fn fit(expr: &str, w: usize, shift: usize, width: usize) -> Option<String> {
    if shift >= width {
        return None;
    }
    let zeros = if shift == 0 { String::new() } else { format!(", {shift}'d0") };
    let total = w + shift;
    Some(if total >= width {
        let keep = width - shift;
        if keep == w {
            format!("{{{expr}{zeros}}}")
        } else {
            format!("{{{expr}[{}:0]{zeros}}}", keep - 1)
        }
    } else {
        format!("{{{{{}{{{expr}[{}]}}}}, {expr}{zeros}}}", width - total, w - 1)
    })
}

/// The contract's round-half-away-from-zero decision for dropping the low
/// `s` bits of a value: round up iff bit `s−1` is set and (the value is
/// non-negative or a lower bit is set). `src` is a registered signal whose
/// low `s` bits are those bits, `neg` a registered 1-bit sign aligned with it.
/// The OR of the lower bits is a pipelined 4-ary tree, one LUT level per
/// clock. Returns (Verilog, the decision as an expression, the clock at which
/// that expression is valid, counted from `src`).
pub fn round_up(p: &str, src: &str, s: usize, neg: &str) -> (String, String, usize) {
    assert!(s >= 1);
    if s == 1 {
        return (String::new(), format!("{src}[0] & ~{neg}"), 0);
    }
    let mut v = String::new();
    let mut level: Vec<String> = (0..s - 1).map(|i| format!("{src}[{i}]")).collect();
    let (mut b, mut n) = (format!("{src}[{}]", s - 1), neg.to_string());
    let mut depth = 0;
    loop {
        depth += 1;
        let groups: Vec<String> = level.chunks(4).map(|g| g.join(" | ")).collect();
        let regs: Vec<String> = (0..groups.len()).map(|i| format!("{p}_or{depth}_{i}")).collect();
        let _ = writeln!(v, "reg {};\nreg {p}_b{depth}, {p}_n{depth};", regs.join(", "));
        let _ = write!(v, "always @(posedge clock) begin {p}_b{depth} <= {b}; {p}_n{depth} <= {n};");
        for (r, g) in regs.iter().zip(&groups) {
            let _ = write!(v, " {r} <= {g};");
        }
        let _ = writeln!(v, " end");
        b = format!("{p}_b{depth}");
        n = format!("{p}_n{depth}");
        level = regs;
        if level.len() == 1 {
            break;
        }
    }
    (v, format!("{b} & (~{n} | {})", level[0]), depth)
}

/// Clocks [`round_up`] takes for `s` dropped bits.
pub fn round_up_depth(s: usize) -> usize {
    let (mut n, mut depth) = (s.saturating_sub(1), 0);
    while n > 0 {
        n = n.div_ceil(4);
        depth += 1;
        if n == 1 {
            break;
        }
    }
    depth
}
