//! Verilog for a pipelined multi-operand adder: one carry-save stage reduces
//! the operands to two vectors, then the sum is formed `chunk` bits per clock
//! with the carry registered between chunks. Every clock therefore holds at
//! most two LUT levels or one short carry chain — what keeps an iCE40 at
//! 100 MHz and an ECP5 at 200 MHz — at the price of latency and skew registers.

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
    pub fn chunks(&self) -> usize {
        self.width.div_ceil(self.chunk)
    }

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
        self.csa_stages() + self.chunks()
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
        // Chunk t is summed at clock t+2 from operands delayed t clocks, then
        // delayed chunks−1−t clocks so all chunks leave together.
        let nc = self.chunks();
        let mut parts = Vec::new();
        for t in 0..nc {
            let (lo, hi) = (t * self.chunk, ((t + 1) * self.chunk).min(w));
            let cw = hi - lo;
            let (mut x, mut y) = (format!("{p}_x[{}:{lo}]", hi - 1), format!("{p}_y[{}:{lo}]", hi - 1));
            for k in 1..=t {
                let _ = writeln!(v, "reg [{m}:0] {p}_x{t}_{k}, {p}_y{t}_{k};", m = cw - 1);
                let _ = writeln!(v, "always @(posedge clock) begin {p}_x{t}_{k} <= {x}; {p}_y{t}_{k} <= {y}; end");
                x = format!("{p}_x{t}_{k}");
                y = format!("{p}_y{t}_{k}");
            }
            let carry = if t == 0 {
                format!("{p}_ci")
            } else {
                let pw = self.chunk;
                format!("{p}_s{}[{pw}]", t - 1)
            };
            // The carry enters as an extra low bit of both operands (its sum
            // bit is 0, its carry-out the carry): the chain starts from a
            // constant, without an iCE40 carry-init cell.
            let _ = writeln!(
                v,
                "reg [{cw}:0] {p}_s{t};\nwire [{}:0] {p}_w{t} = {{1'b0, {x}, {carry}}} + {{1'b0, {y}, {carry}}};",
                cw + 1
            );
            let _ = writeln!(v, "always @(posedge clock) {p}_s{t} <= {p}_w{t}[{}:1];", cw + 1);
            let mut out = format!("{p}_s{t}[{}:0]", cw - 1);
            for k in 1..nc - t {
                let _ = writeln!(v, "reg [{m}:0] {p}_r{t}_{k};", m = cw - 1);
                let _ = writeln!(v, "always @(posedge clock) {p}_r{t}_{k} <= {out};");
                out = format!("{p}_r{t}_{k}");
            }
            parts.push(out);
        }
        parts.reverse();
        let _ = writeln!(v, "wire [{m}:0] {p}_s = {{{}}};", parts.join(", "), m = w - 1);
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
