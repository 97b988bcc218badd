//! Pipeline stages: each is one register stage with its combinational logic
//! in front, written twice on purpose — once as Verilog text (what is
//! synthesized) and once as the Rust model rust-hdl simulates. Both are checked
//! against the `polyact` runtime on every input, in rust-hdl and in Icarus.
//!
//! Signals are plain bit vectors holding two's-complement words; the Verilog
//! reads them through `$signed`.

pub mod delay;
pub mod pipelined_sum;
pub mod poly;
pub mod relu;
pub mod table;

/// `x / 2^s` rounded half away from zero (the contract's `rshr`) as Verilog:
/// floor shift plus a round-up bit, so it never overflows. `x` is a `width`-bit
/// signed expression name; the result is declared as wire `out`.
pub(crate) fn rshr_verilog(out: &str, x: &str, width: usize, s: u32) -> String {
    if s == 0 {
        return format!("wire signed [{m}:0] {out} = $signed({x});\n", m = width - 1);
    }
    let s = s as usize;
    let m = width - 1;
    // Round up when the discarded part exceeds half: its top bit is set and,
    // for negative x, some lower bit is set too (ties go away from zero).
    let up = if s == 1 {
        format!("{x}[0] & ~{x}[{m}]")
    } else {
        format!("{x}[{t}] & (~{x}[{m}] | (|{x}[{l}:0]))", t = s - 1, l = s - 2)
    };
    format!(
        "wire {out}_up = {up};\n\
         wire signed [{m}:0] {out} = ($signed({x}) >>> {s}) + $signed({{{m}'d0, {out}_up}});\n"
    )
}

/// The Rust model of [`rshr_verilog`]: floor shift plus round-up bit.
pub(crate) fn rshr_model(x: i64, s: u32) -> i64 {
    if s == 0 {
        return x;
    }
    let rem = x & ((1i64 << s) - 1);
    let half = 1i64 << (s - 1);
    let up = rem >= half && (x >= 0 || rem > half);
    (x >> s) + up as i64
}

/// A ROM read in two clocks as Verilog: `out <= table[sel]` two clocks after
/// `sel`. Generic devices get one synchronous read plus an output register (a
/// block RAM on iCE40). With `POLYACT_ECP5` defined, tables deeper than 64
/// words are split into 64-word LUT banks read in the first clock and
/// selected in the second: an ECP5 block RAM's clock-to-out alone exceeds a
/// 200 MHz cycle, and a 64:1 multiplexer fits one slice's wide-mux tree.
pub(crate) fn rom_verilog(out: &str, sel: &str, sel_bits: usize, table: &[i64], width: usize) -> String {
    const BANK_BITS: usize = 6;
    let case = |reg: &str, sel: &str, bits: usize, words: &[i64]| {
        let mut v = format!("always @(posedge clock) begin\n  case ({sel})\n");
        for (i, &c) in words.iter().enumerate() {
            v += &format!("    {bits}'d{i}: {reg} <= {};\n", crate::word::lit(c, width));
        }
        v + &format!("    default: {reg} <= {width}'d0;\n  endcase\nend\n")
    };
    let m = width - 1;
    let single = format!(
        "reg [{m}:0] {out}_q;\n{}always @(posedge clock) {out} <= {out}_q;\n",
        case(&format!("{out}_q"), sel, sel_bits, table)
    );
    if table.len() <= 1 << BANK_BITS {
        return single;
    }
    let hb = sel_bits - BANK_BITS;
    let mut v = format!(
        "`ifdef POLYACT_ECP5\nreg [{}:0] {out}_hi;\nalways @(posedge clock) {out}_hi <= {sel}[{}:{BANK_BITS}];\n",
        hb - 1,
        sel_bits - 1
    );
    let mut pick = format!("always @(posedge clock) begin\n  case ({out}_hi)\n");
    for (b, words) in table.chunks(1 << BANK_BITS).enumerate() {
        let reg = format!("{out}_b{b}");
        v += &format!("reg [{m}:0] {reg};\n");
        v += &case(&reg, &format!("{sel}[{}:0]", BANK_BITS - 1), BANK_BITS, words);
        pick += &format!("    {hb}'d{b}: {out} <= {reg};\n");
    }
    v + &pick + &format!("    default: {out} <= {width}'d0;\n  endcase\nend\n`else\n{single}`endif\n")
}

/// Saturate the signed expression `x` to `[lo, hi]` as a Verilog expression.
pub(crate) fn clamp_verilog(x: &str, x_width: usize, lo: i64, hi: i64, out_width: usize) -> String {
    format!(
        "(($signed({x}) > {hi}) ? {hil} : ($signed({x}) < {lo}) ? {lol} : {x}[{m}:0])",
        hi = crate::word::lit(hi, x_width),
        lo = crate::word::lit(lo, x_width),
        hil = crate::word::lit(hi, out_width),
        lol = crate::word::lit(lo, out_width),
        m = out_width - 1
    )
}

/// `d` clocks of delay for a `width`-bit signal as Verilog, declaring wire
/// `{p}_out`. Short delays are register chains; longer ones a RAM ring
/// (block RAM on iCE40, LUT RAM on ECP5) read into two registers, so a long
/// pipeline does not spend thousands of flip-flops carrying a few bits along.
pub(crate) fn delay_verilog(p: &str, din: &str, width: usize, d: usize) -> String {
    let m = width - 1;
    if d <= 4 {
        let mut v = String::new();
        let mut prev = din.to_string();
        for k in 1..=d {
            v += &format!("reg [{m}:0] {p}_{k};\nalways @(posedge clock) {p}_{k} <= {prev};\n");
            prev = format!("{p}_{k}");
        }
        return v + &format!("wire [{m}:0] {p}_out = {prev};\n");
    }
    // Written at one clock, read D − 2 clocks later, then two registers:
    // the ring needs more than D − 2 words.
    let a = (usize::BITS - (d - 2).leading_zeros()) as usize;
    let words = 1usize << a;
    format!(
        "reg [{m}:0] {p}_mem [0:{last}];\n\
         reg [{am}:0] {p}_wp = {a}'d{start};\nreg [{am}:0] {p}_rp = {a}'d0;\nreg [{m}:0] {p}_q, {p}_out;\n\
         always @(posedge clock) begin\n  {p}_mem[{p}_wp] <= {din};\n  {p}_q <= {p}_mem[{p}_rp];\n  \
         {p}_out <= {p}_q;\n  {p}_wp <= {p}_wp + {a}'d1;\n  {p}_rp <= {p}_rp + {a}'d1;\nend\n",
        last = words - 1,
        am = a - 1,
        start = d - 2,
    )
}

#[cfg(test)]
mod tests {
    use super::rshr_model;
    use polyact::arith::rshr_i64;

    #[test]
    fn rounding_model_matches_the_contract() {
        for s in 0..12 {
            for x in -5000i64..5000 {
                assert_eq!(rshr_model(x, s), rshr_i64(x, s), "x {x} s {s}");
            }
        }
        for s in [20, 31, 40, 46] {
            for x in [i64::MIN / 4, -(1 << 46), -(1i64 << (s - 1)), (1i64 << (s - 1)) - 1, 1 << 46] {
                assert_eq!(rshr_model(x, s), rshr_i64(x, s), "x {x} s {s}");
            }
        }
    }
}
