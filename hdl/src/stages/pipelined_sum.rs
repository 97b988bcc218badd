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
}

impl PipelinedSum {
    pub fn chunks(&self) -> usize {
        self.width.div_ceil(self.chunk)
    }

    /// Register stages of the carry-save reduction of `n` operands.
    fn csa_stages(n: usize) -> usize {
        let (mut n, mut layers) = (n, 0usize);
        while n > 2 {
            n = 2 * (n / 3) + n % 3;
            layers += 1;
        }
        layers.max(1)
    }

    /// Clocks from registered operands to a valid sum.
    pub fn cycles(&self) -> usize {
        Self::csa_stages(self.operands) + self.chunks()
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
        let mut ci = cin.to_string();
        let (mut stage, mut layer) = (0, 0);
        loop {
            {
                if terms.len() > 2 {
                    let mut next = Vec::new();
                    for (g, t) in terms.chunks(3).enumerate() {
                        if let [a, b, c] = t {
                            let n = format!("{p}_l{layer}_{g}");
                            let _ = writeln!(v, "wire [{m}:0] {n}s = {a} ^ {b} ^ {c};", m = w - 1);
                            let _ =
                                writeln!(v, "wire [{m}:0] {n}m = ({a} & {b}) | ({a} & {c}) | ({b} & {c});", m = w - 1);
                            next.push(format!("{n}s"));
                            next.push(if w == 1 { format!("{w}'d0") } else { format!("{{{n}m[{}:0], 1'b0}}", w - 2) });
                        } else {
                            next.extend(t.iter().cloned());
                        }
                    }
                    terms = next;
                    layer += 1;
                }
            }
            let regs: Vec<String> = (0..terms.len()).map(|i| format!("{p}_t{stage}_{i}")).collect();
            let _ = writeln!(v, "reg [{m}:0] {};\nreg {p}_ci{stage};", regs.join(", "), m = w - 1);
            let _ = write!(v, "always @(posedge clock) begin {p}_ci{stage} <= {ci};");
            for (r, t) in regs.iter().zip(&terms) {
                let _ = write!(v, " {r} <= {t};");
            }
            let _ = writeln!(v, " end");
            ci = format!("{p}_ci{stage}");
            terms = regs;
            stage += 1;
            if terms.len() <= 2 {
                break;
            }
        }
        debug_assert_eq!(stage, Self::csa_stages(self.operands));
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
            let _ = writeln!(v, "reg [{cw}:0] {p}_s{t};");
            let _ = writeln!(
                v,
                "always @(posedge clock) {p}_s{t} <= {{1'b0, {x}}} + {{1'b0, {y}}} + {{{cw}'d0, {carry}}};"
            );
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
