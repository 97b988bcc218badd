//! The rational core as Verilog, clock-enabled edge by edge:
//! - edge 1 takes `x`; edge 2 makes `t = x − zp` and the denominator's operand `u`;
//! - each Horner step takes three edges: partial products of 17-bit pieces,
//!   their sum `p`, then `clamp((p >> s) + c + p[s−1])`; numerator and
//!   denominator run side by side, the shorter one delayed;
//! - then `den = floor + |d|` and `A = |num|·2^pre`; `N2 = 2A + den`; the
//!   overflow test; one restoring-division stage per quotient bit;
//!   `out_zp ± q`; the output clamp.
//!
//! Feed-forward, so correct from any start state after [`latency`] edges.

use super::plan::{HornerPlan, RationalPlan};
use crate::stream::{chain, resize, sext, with_start_state, zext};
use crate::word::lit;
use std::fmt::Write;

/// Clocks per Horner step: the partial products (multiplicands split into
/// 17-bit pieces, one DSP block each; on ECP5 a MULT18X18D with its input
/// and output registers, as routing into and out of an unregistered block
/// alone takes most of a 10 ns cycle), their sum, then the rounding add and
/// the clamp.
fn step_clocks(ecp5: bool) -> usize {
    if ecp5 {
        4
    } else {
        3
    }
}

/// Multiplicand bits per DSP piece below the top one (18 × 18 signed blocks).
const PIECE_BITS: usize = 17;

/// Edges from `x` sampled to the end of the longer recurrence.
fn horner_end(plan: &RationalPlan, ecp5: bool) -> usize {
    2 + step_clocks(ecp5) * plan.num.steps.len().max(plan.den.steps.len())
}

/// Clock-enabled edges from `x` sampled to its `y` on the outputs.
pub fn latency(plan: &RationalPlan, ecp5: bool) -> usize {
    horner_end(plan, ecp5) + 5 + plan.q_bits
}

/// Width of the denominator's operand `u` (`|t|` needs one more bit).
fn u_bits(plan: &RationalPlan) -> usize {
    plan.t_bits + plan.u_abs as usize
}

/// One recurrence with operand chain `ops` (`ops[k]` is sampled at edge
/// `3 + k`) of width `ub`, prefix `p`; returns (Verilog, the result word and
/// its width).
fn horner(h: &HornerPlan, p: &str, ops: &[String], ub: usize, ecp5: bool) -> (String, String, usize) {
    let mut v = String::new();
    let _ = writeln!(v, "wire signed [{}:0] {p}_a0 = {};", h.lead_bits - 1, lit(h.lead, h.lead_bits));
    let mut a = format!("{p}_a0");
    for (i, st) in h.steps.iter().enumerate() {
        let (pb, vb, s) = (st.prod_bits, st.sum_bits, st.shift as usize);
        // Partial products of 17-bit pieces of `a` (the top piece signed),
        // then their sum: the product `p`.
        let ab = st.a_bits;
        let pieces = if ab <= PIECE_BITS + 1 { 1 } else { 1 + (ab - PIECE_BITS - 1).div_ceil(PIECE_BITS) };
        let mut terms = Vec::with_capacity(pieces);
        for k in 0..pieces {
            let lo = k * PIECE_BITS;
            let (piece, w) = if k + 1 == pieces {
                (if pieces == 1 { a.clone() } else { format!("$signed({a}[{}:{lo}])", ab - 1) }, ab - lo)
            } else {
                (format!("$signed({{1'b0, {a}[{}:{lo}]}})", lo + PIECE_BITS - 1), PIECE_BITS + 1)
            };
            let q = format!("{p}_q{i}_{k}");
            let op = &ops[step_clocks(ecp5) * i];
            if ecp5 {
                // The piece and the operand as 18-bit signed words, named so
                // they can be sign-extended.
                let _ = writeln!(v, "wire signed [{}:0] {q}_x = {piece};", w - 1);
                let _ = writeln!(v, "wire signed [{}:0] {q}_o = {op};", ub - 1);
                v += &crate::emit::mult18x18d_cell(
                    &q,
                    &sext(&format!("{q}_x"), w, 18),
                    &sext(&format!("{q}_o"), ub, 18),
                );
                let _ = writeln!(v, "wire signed [{}:0] {q} = $signed({q}_mp[{}:0]);", w + ub - 1, w + ub - 1);
            } else {
                let _ = writeln!(v, "reg signed [{}:0] {q};", w + ub - 1);
                let _ = writeln!(v, "always @(posedge clock) if (ce) {q} <= {piece} * {op};");
            }
            let _ = writeln!(v, "wire signed [{}:0] {q}_e = {};", pb - 1, resize(&q, w + ub, pb));
            terms.push(if lo == 0 { format!("{q}_e") } else { format!("({q}_e <<< {lo})") });
        }
        let _ = writeln!(v, "reg signed [{}:0] {p}_p{i};", pb - 1);
        let _ = writeln!(v, "always @(posedge clock) if (ce) {p}_p{i} <= {};", terms.join(" + "));
        // (p >> s) + c + p[s − 1], all at the adder's width w.
        let cb = crate::ranges::signed_bits(st.c, st.c);
        let w = vb.max(pb.saturating_sub(s).max(1)).max(cb);
        let pw = format!("{p}_p{i}");
        let shifted = if s >= pb { format!("{pw}[{}]", pb - 1) } else { format!("{pw}[{}:{s}]", pb - 1) };
        let sw = pb.saturating_sub(s).max(1);
        let _ = writeln!(v, "wire [{}:0] {p}_h{i} = {shifted};", sw - 1);
        let round = if s == 0 { format!("{w}'d0") } else { zext(&format!("{pw}[{}]", (s - 1).min(pb - 1)), 1, w) };
        let _ = writeln!(
            v,
            "wire signed [{}:0] {p}_v{i} = {} + {} + {round};",
            w - 1,
            sext(&format!("{p}_h{i}"), sw, w),
            lit(st.c, w)
        );
        let value = match st.clamp {
            Some((lo, hi)) => {
                let _ = writeln!(
                    v,
                    "wire signed [{m}:0] {p}_c{i} = ({p}_v{i} > {h}) ? {h} : ({p}_v{i} < {l}) ? {l} : {p}_v{i};",
                    m = w - 1,
                    h = lit(hi, w),
                    l = lit(lo, w)
                );
                format!("{p}_c{i}")
            }
            None => format!("{p}_v{i}"),
        };
        let _ = writeln!(v, "reg signed [{}:0] {p}_a{};", st.acc_bits - 1, i + 1);
        let _ = writeln!(v, "always @(posedge clock) if (ce) {p}_a{} <= {value}[{}:0];", i + 1, st.acc_bits - 1);
        a = format!("{p}_a{}", i + 1);
    }
    (v, a, h.result_bits())
}

/// The module body of one variant (`ecp5`: MULT18X18D cells).
fn body(plan: &RationalPlan, ecp5: bool) -> String {
    let (ib, ob) = (plan.in_bits, plan.out_bits);
    let lat = latency(plan, ecp5);
    let end = horner_end(plan, ecp5);
    let mut b = String::new();
    let (vv, vs) = chain("v", "in_valid", 1, lat);
    b += &vv;
    let _ = writeln!(b, "assign out_valid = {};", vs[lat]);
    // Edges 1-2: x, then t and u.
    let (tb, ub) = (plan.t_bits, u_bits(plan));
    let _ = writeln!(b, "reg signed [{}:0] x_r;\nalways @(posedge clock) if (ce) x_r <= x;", ib - 1);
    let _ = writeln!(b, "wire signed [{}:0] t_w = {} - {};", tb - 1, sext("x_r", ib, tb), lit(plan.in_zp, tb.max(ib)));
    let u =
        if plan.u_abs { format!("t_w[{}] ? -{e} : {e}", tb - 1, e = sext("t_w", tb, ub)) } else { "t_w".to_string() };
    let _ = writeln!(b, "wire signed [{}:0] u_w = {u};", ub - 1);
    let (tv, ts) = chain("t", "t_w", tb, end);
    let (uv, us) = chain("u", "u_w", ub, end);
    b += &tv;
    b += &uv;
    let signed = |names: &[String]| -> Vec<String> { names.iter().map(|n| format!("$signed({n})")).collect() };
    // Recurrences: the operand sampled at edge 3 + k is the chain's stage 1 + k.
    let (nv, num, nb) = horner(&plan.num, "n", &signed(&ts[1..]), tb, ecp5);
    let (dv, d, db) = horner(&plan.den, "d", &signed(&us[1..]), ub, ecp5);
    b += &nv;
    b += &dv;
    // Align both results to edge `end`.
    let align = |b: &mut String, p: &str, w: &str, bits: usize, steps: usize| -> String {
        let delay = end - (2 + step_clocks(ecp5) * steps);
        if steps == 0 || delay == 0 {
            return w.to_string();
        }
        let (cv, cs) = chain(p, w, bits, delay);
        *b += &cv;
        format!("$signed({})", cs[delay])
    };
    let num = align(&mut b, "nq", &num, nb, plan.num.steps.len());
    let d = align(&mut b, "dq", &d, db, plan.den.steps.len());
    // den = floor + |d|; A = |num|·2^pre; the sign.
    let (denb, ab, n2b, d2b) = (plan.den_bits, plan.a_bits, plan.n2_bits, plan.d2_bits());
    let _ = writeln!(b, "wire signed [{}:0] d_f = {d};\nwire signed [{}:0] n_f = {num};", db - 1, nb - 1);
    // |v| of a `bits`-wide signed word, as `bits + 1` unsigned bits.
    let abs = |b: &mut String, name: &str, w: &str, bits: usize, signed: bool| {
        let x = sext(w, bits, bits + 1);
        let v = if signed { format!("{w}[{}] ? -{x} : {x}", bits - 1) } else { x };
        let _ = writeln!(b, "wire [{bits}:0] {name} = {v};");
    };
    abs(&mut b, "d_abs", "d_f", db, plan.den_signed);
    abs(&mut b, "n_abs", "n_f", nb, true);
    let dw = denb.max(db + 1) + 1;
    let _ = writeln!(
        b,
        "wire [{m}:0] den_w = {f} + {da};\nreg [{}:0] den_r;\nalways @(posedge clock) if (ce) den_r <= den_w[{}:0];",
        denb - 1,
        denb - 1,
        m = dw - 1,
        f = lit(plan.floor, dw).replace("'sh", "'h"),
        da = zext("d_abs", db + 1, dw),
    );
    let pre = plan.pre_shift as usize;
    let aw = nb + 1 + pre;
    let shifted = if pre == 0 { "n_abs".to_string() } else { format!("{{n_abs, {pre}'d0}}") };
    let a_src = if aw >= ab { format!("a_w[{}:0]", ab - 1) } else { zext("a_w", aw, ab) };
    let _ = writeln!(
        b,
        "wire [{}:0] a_w = {shifted};\nreg [{}:0] a_r;\nalways @(posedge clock) if (ce) a_r <= {a_src};",
        aw - 1,
        ab - 1
    );
    let _ = writeln!(b, "reg neg_r;\nalways @(posedge clock) if (ce) neg_r <= n_f[{}];", nb - 1);
    // N2 = 2A + den, D2 = 2·den.
    let _ = writeln!(
        b,
        "reg [{}:0] n2_r;\nreg [{}:0] d2_r;\nreg neg_2;\nalways @(posedge clock) if (ce) begin\n  \
         n2_r <= {} + {};\n  d2_r <= {{den_r, 1'b0}};\n  neg_2 <= neg_r;\nend",
        n2b - 1,
        d2b - 1,
        zext("{a_r, 1'b0}", ab + 1, n2b),
        zext("den_r", denb, n2b),
    );
    // Overflow test, the first remainder (what a quotient within range needs).
    let q = plan.q_bits;
    let w0 = d2b + q;
    let ovf = if plan.overflow {
        let w = n2b.max(w0 + 1);
        format!("{{{}'d0, n2_r}} >= ({{{}'d0, d2_r}} << {q})", w - n2b, w - d2b)
    } else {
        "1'b0".into()
    };
    let r0 = if n2b >= w0 { format!("n2_r[{}:0]", w0 - 1) } else { format!("{{{}'d0, n2_r}}", w0 - n2b) };
    let _ = writeln!(
        b,
        "reg [{}:0] r_0;\nreg [{}:0] dd_0;\nreg ng_0, ov_0;\nalways @(posedge clock) if (ce) begin\n  \
         r_0 <= {r0};\n  dd_0 <= d2_r;\n  ng_0 <= neg_2;\n  ov_0 <= {ovf};\nend",
        w0 - 1,
        d2b - 1
    );
    // Restoring division: stage j decides quotient bit k = q − j.
    for j in 1..=q {
        let k = q - j;
        let (p, c) = (j - 1, j);
        let _ = writeln!(
            b,
            "wire [{dm}:0] df_{c} = {{1'b0, r_{p}[{hi}:{k}]}} - {{2'b0, dd_{p}}};\nwire ge_{c} = ~df_{c}[{dm}];",
            dm = d2b + 1,
            hi = d2b + k
        );
        let (rest, keep) = if k == 0 {
            (format!("df_{c}[{}:0]", d2b - 1), format!("r_{p}[{}:0]", d2b - 1))
        } else {
            (format!("{{df_{c}[{}:0], r_{p}[{}:0]}}", d2b - 1, k - 1), format!("r_{p}[{}:0]", d2b + k - 1))
        };
        let qd = if j == 1 { format!("ge_{c}") } else { format!("{{q_{p}, ge_{c}}}") };
        let _ = writeln!(
            b,
            "reg [{}:0] r_{c};\nreg [{}:0] dd_{c};\nreg [{}:0] q_{c};\nreg ng_{c}, ov_{c};\n\
             always @(posedge clock) if (ce) begin\n  r_{c} <= ge_{c} ? {rest} : {keep};\n  dd_{c} <= dd_{p};\n  \
             q_{c} <= {qd};\n  ng_{c} <= ng_{p};\n  ov_{c} <= ov_{p};\nend",
            (d2b + k).max(1) - 1,
            d2b - 1,
            j - 1
        );
    }
    // y = clamp(out_zp ± q), or the bound a too-large quotient saturates
    // to. In one clock the low output bits of out_zp ± q and whether it
    // saturates (q against the constants out_hi − zp and zp − out_lo); in the
    // next, the selection.
    let (hq, lq) = ((plan.out_hi - plan.out_zp) as u128, (plan.out_zp - plan.out_lo) as u128);
    let bits = |v: u128| (128 - v.leading_zeros() as usize).max(1);
    let cw = q.max(bits(hq)).max(bits(lq));
    let qo = if q >= ob { format!("q_{q}[{}:0]", ob - 1) } else { zext(&format!("q_{q}"), q, ob) };
    let qc = zext(&format!("q_{q}"), q, cw);
    let _ = writeln!(
        b,
        "wire [{om}:0] qo = {qo};\nwire [{cm}:0] qc = {qc};\nreg [{om}:0] yl_r;\nreg hi_y, lo_y;\n\
         always @(posedge clock) if (ce) begin\n  yl_r <= (ng_{q} ? -qo : qo) + {zp};\n  \
         hi_y <= ~ng_{q} & (ov_{q} | (qc > {cw}'d{hq}));\n  lo_y <= ng_{q} & (ov_{q} | (qc > {cw}'d{lq}));\nend",
        om = ob - 1,
        cm = cw - 1,
        zp = lit(plan.out_zp, ob).replace("'sh", "'h"),
    );
    let _ = writeln!(
        b,
        "reg [{om}:0] y_r;\nalways @(posedge clock) if (ce) y_r <= hi_y ? {ohi} : lo_y ? {olo} : yl_r;\nassign y = y_r;",
        om = ob - 1,
        olo = lit(plan.out_lo, ob).replace("'sh", "'h"),
        ohi = lit(plan.out_hi, ob).replace("'sh", "'h"),
    );
    with_start_state(&b)
}

/// The core, module `name`: the portable body, or with `POLYACT_ECP5` the
/// one built on MULT18X18D cells.
pub fn verilog(plan: &RationalPlan, name: &str) -> String {
    let (ib, ob) = (plan.in_bits, plan.out_bits);
    format!(
        "// {name}: {desc}.\n\
         // Latency {lat} clock-enabled cycles ({lat5} with POLYACT_ECP5), one result per clock.\n\
         // Generated by polyact-hdl; pipeline words carry bits a later stage may not use.\n\
         /* verilator lint_off UNUSEDSIGNAL */\n`timescale 1ns/1ps\n\
         module {name} (\n  input clock,\n  input ce,\n  input in_valid,\n  input [{xm}:0] x,\n  \
         output out_valid,\n  output [{om}:0] y\n);\n`ifdef POLYACT_ECP5\n{ecp5}`else\n{generic}`endif\nendmodule\n",
        desc = describe(plan),
        lat = latency(plan, false),
        lat5 = latency(plan, true),
        xm = ib - 1,
        om = ob - 1,
        ecp5 = body(plan, true),
        generic = body(plan, false),
    )
}

/// One line about what the core computes.
pub fn describe(plan: &RationalPlan) -> String {
    format!(
        "int{} -> int{} rational, numerator degree {}, denominator degree {} ({}), {}-bit divisor, {} quotient bits{}",
        plan.in_bits,
        plan.out_bits,
        plan.num.steps.len(),
        plan.den.steps.len(),
        if plan.u_abs { "safe: over |x|" } else { "|Q(x)|" },
        plan.d2_bits(),
        plan.q_bits,
        if plan.overflow { " (larger quotients saturate)" } else { "" }
    )
}
