//! The DSP polynomial core as Verilog: per lane, an input register, the
//! coefficient ROMs (one-clock reads), one multiply-add per degree and an
//! output clamp; a clock enable on every register and a valid bit alongside.
//!
//! The data path is feed-forward (no counters, no RAM rings), so after
//! [`latency`] clock-enabled edges every register holds a function of the
//! inputs sampled since: the core needs no reset and is correct from any
//! power-up state. `POLYACT_START_STATE` (a bench define) forces that state.

use super::plan::DspPlan;
use super::rom::rom;
use crate::stream::{chain, sext, with_start_state};
use crate::word::lit;
use std::fmt::Write;

/// Clocks of a multiply-add: operand registers and the sum register on
/// iCE40 (both inside SB_MAC16); on ECP5 the MULT18X18D's operand and
/// product registers, then the addition in the fabric.
fn step_clocks(ecp5: bool) -> usize {
    if ecp5 {
        3
    } else {
        2
    }
}

/// Edge at which step `i` samples its operands (input register at edge 1,
/// one-clock ROM reads ready for edge 3).
fn operand_edge(i: usize, ecp5: bool) -> usize {
    3 + i * step_clocks(ecp5)
}

/// Clock-enabled edges from `x` sampled to its `y` on the outputs:
/// the output register loads at this edge.
pub fn latency(plan: &DspPlan, ecp5: bool) -> usize {
    3 + plan.degree() * step_clocks(ecp5)
}

/// The multiply-add of step `i` in lane `l`: `s = a·r + {word, low}`.
fn step(plan: &DspPlan, l: &str, i: usize, a: &str, r: &str, k_gen: &str, k_ecp5: &str) -> String {
    let st = &plan.steps[i];
    let (ab, rb, sb, sh) = (st.a_bits, plan.r_bits, st.sum_bits, st.shift as usize);
    let p = format!("{l}s{i}");
    let kval = |w: &str| {
        let word = sext(w, st.word_bits, sb - sh);
        if sh == 0 {
            format!("$signed({word})")
        } else {
            format!("$signed({{{word}, {}}})", lit(st.low, sh).replace("'sh", "'h"))
        }
    };
    let mut v = String::new();
    let _ = writeln!(v, "reg signed [{}:0] {p};", sb - 1);
    let _ = write!(
        v,
        "`ifdef POLYACT_ECP5\n{cell}\
         always @(posedge clock) if (ce) {p} <= $signed({p}_mp[{sm}:0]) + {kecp};\n\
         `else\n\
         reg signed [{am}:0] {p}_a;\nreg signed [{rm}:0] {p}_r;\nreg signed [{sm}:0] {p}_k;\n\
         always @(posedge clock) if (ce) begin\n  {p}_a <= {a};\n  {p}_r <= {r};\n  {p}_k <= {kgen};\n  \
         {p} <= {p}_a * {p}_r + {p}_k;\nend\n\
         `endif\n",
        cell = crate::emit::mult18x18d_cell(&p, &sext(a, ab, 18), &sext(r, rb, 18)),
        sm = sb - 1,
        am = ab - 1,
        rm = rb - 1,
        kecp = kval(k_ecp5),
        kgen = kval(k_gen),
    );
    v
}

/// One lane: `x`, `channel` bits in, `y` out.
fn lane(plan: &DspPlan, n: usize, x: &str, ch: Option<&str>, y: &str) -> String {
    let (ib, ob) = (plan.in_bits, plan.out_bits);
    let l = format!("l{n}_");
    let local = ib - plan.seg_bits as usize;
    let mut v = String::new();
    let _ = writeln!(v, "// lane {n}");
    let cb = plan.channel_bits();
    // One chain of {channel, x}: each stage derives the ROM address and the
    // local coordinate it needs (narrower than carrying words and r along).
    let cw = cb + ib;
    let din = match ch {
        Some(ch) => format!("{{{ch}, {x}}}"),
        None => x.to_string(),
    };
    let d = plan.degree();
    let depth = (0..d).map(|i| operand_edge(i, true).max(operand_edge(i, false) - 1)).max().unwrap_or(1);
    let (xv, xs) = chain(&format!("{l}x"), &din, cw, depth);
    v += &xv;
    // u = x − type_min flips the sign bit; seg = u's top bits; r = the low
    // bits with their top bit flipped, read as signed.
    let addr_bits = (cb + plan.seg_bits as usize).max(1);
    let addr_of = |w: &str| -> String {
        let seg = if plan.seg_bits == 0 {
            String::new()
        } else if local == 0 {
            format!("~{w}[{}], {w}[{}:0]", ib - 1, ib - 2)
        } else if plan.seg_bits == 1 {
            format!("~{w}[{}]", ib - 1)
        } else {
            format!("~{w}[{}], {w}[{}:{local}]", ib - 1, ib - 2)
        };
        let chan = if cb > 0 { format!("{w}[{}:{ib}]", cw - 1) } else { String::new() };
        match (chan.is_empty(), seg.is_empty()) {
            (false, false) => format!("{{{chan}, {seg}}}"),
            (false, true) => chan,
            (true, false) => format!("{{{seg}}}"),
            (true, true) => "1'b0".into(),
        }
    };
    let rb = plan.r_bits;
    let r_of = |w: &str| -> String {
        if local == 0 {
            "1'b0".to_string()
        } else if local == ib {
            format!("{w}[{}:0]", ib - 1)
        } else if local == 1 {
            format!("~{w}[0]")
        } else {
            format!("{{~{w}[{}], {w}[{}:0]}}", local - 1, local - 2)
        }
    };
    // A wire per variant: `(generic, ecp5)` expressions.
    let pick = |v: &mut String, name: &str, width: usize, g: String, e: String| {
        if g == e {
            let _ = writeln!(v, "wire [{}:0] {name} = {g};", width - 1);
        } else {
            let _ = writeln!(
                v,
                "`ifdef POLYACT_ECP5\nwire [{m}:0] {name} = {e};\n`else\nwire [{m}:0] {name} = {g};\n`endif",
                m = width - 1
            );
        }
    };
    // A ROM whose word is sampled at edge T reads the address of stage T − 2.
    pick(&mut v, &format!("{l}lead_addr"), addr_bits, addr_of(&xs[1]), addr_of(&xs[1]));
    v += &rom(&format!("{l}lead"), &format!("{l}lead_addr"), addr_bits, &plan.lead, plan.lead_bits, false);
    let mut a = format!("{l}lead");
    for (i, st) in plan.steps.iter().enumerate() {
        let (tg, te) = (operand_edge(i, false), operand_edge(i, true));
        let w = format!("{l}w{i}");
        // generic: the word is sampled with the operands (edge T); ECP5: by
        // the fabric adder after the DSP's two register stages (edge T + 2),
        // from a two-clock read when the ROM is banked.
        let ecp5_read = if plan.rom_words() > 1 << super::rom::BANK_BITS { 2 } else { 1 };
        pick(&mut v, &format!("{w}_addr"), addr_bits, addr_of(&xs[tg - 2]), addr_of(&xs[te + 1 - ecp5_read]));
        v += &rom(&w, &format!("{w}_addr"), addr_bits, &st.words, st.word_bits, true);
        let r = format!("{l}r{i}");
        pick(&mut v, &r, rb, r_of(&xs[tg - 1]), r_of(&xs[te - 1]));
        v += &step(plan, &l, i, &a, &r, &w, &w);
        if i + 1 < d {
            let nb = plan.steps[i + 1].a_bits;
            let _ = writeln!(
                v,
                "wire [{}:0] {l}a{} = {l}s{i}[{}:{}];",
                nb - 1,
                i + 1,
                st.shift as usize + nb - 1,
                st.shift
            );
            a = format!("{l}a{}", i + 1);
        }
    }
    // y = clamp(S >> out_shift) to the output type.
    let last = &plan.steps[d - 1];
    let (sb, sh) = (last.sum_bits, plan.out_shift as usize);
    let rw = sb.saturating_sub(sh).max(1);
    let _ =
        writeln!(v, "wire [{}:0] {l}res = {l}s{}[{}:{}];", rw - 1, d - 1, (sh + rw - 1).min(sb - 1), sh.min(sb - 1));
    let out = if plan.clamps() && rw > ob {
        let _ = writeln!(v, "wire {l}ovf = ~(&{l}res[{t}:{m}] | ~(|{l}res[{t}:{m}]));", t = rw - 1, m = ob - 1);
        format!(
            "{l}ovf ? ({l}res[{}] ? {} : {}) : {l}res[{}:0]",
            rw - 1,
            lit(plan.out_lo, ob),
            lit(plan.out_hi, ob),
            ob - 1
        )
    } else if rw >= ob {
        format!("{l}res[{}:0]", ob - 1)
    } else {
        sext(&format!("{l}res"), rw, ob)
    };
    let _ = writeln!(v, "reg [{}:0] {l}y;\nalways @(posedge clock) if (ce) {l}y <= {out};\nassign {y} = {l}y;", ob - 1);
    v
}

/// The core, module `name`.
pub fn verilog(plan: &DspPlan, name: &str) -> String {
    let (ib, ob, n) = (plan.in_bits, plan.out_bits, plan.lanes);
    let cb = plan.channel_bits();
    let mut ports = format!("  input clock,\n  input ce,\n  input in_valid,\n  input [{}:0] x,\n", n * ib - 1);
    if cb > 0 {
        let _ = writeln!(ports, "  input [{}:0] channel,", n * cb - 1);
    }
    let _ = write!(ports, "  output out_valid,\n  output [{}:0] y", n * ob - 1);
    let lat_g = latency(plan, false);
    let lat_e = latency(plan, true);
    let mut body = String::new();
    let (vv, vs) = chain("v", "in_valid", 1, lat_e);
    body += &vv;
    let _ = writeln!(
        body,
        "`ifdef POLYACT_ECP5\nassign out_valid = {};\n`else\nassign out_valid = {};\n`endif",
        vs[lat_e], vs[lat_g]
    );
    for k in 0..n {
        let ch = (cb > 0).then(|| format!("channel[{}:{}]", (k + 1) * cb - 1, k * cb));
        body += &lane(
            plan,
            k,
            &format!("x[{}:{}]", (k + 1) * ib - 1, k * ib),
            ch.as_deref(),
            &format!("y[{}:{}]", (k + 1) * ob - 1, k * ob),
        );
    }
    format!(
        "// {name}: {desc}.\n\
         // Latency {lat_g} clock-enabled cycles ({lat_e} with POLYACT_ECP5), one result per lane per clock.\n\
         // Generated by polyact-hdl; pipeline words carry bits a later stage may not use.\n\
         /* verilator lint_off UNUSEDSIGNAL */\n`timescale 1ns/1ps\n\
         module {name} (\n{ports}\n);\n{body}endmodule\n",
        desc = describe(plan),
        body = with_start_state(&body),
    )
}

/// One line about what the core computes.
pub fn describe(plan: &DspPlan) -> String {
    format!(
        "int{} -> int{} piecewise polynomial, {} segments x degree {}, {} coefficient set(s), {} lane(s), \
         one DSP multiply-add per degree",
        plan.in_bits,
        plan.out_bits,
        1u32 << plan.seg_bits,
        plan.degree(),
        plan.sets,
        plan.lanes
    )
}
