//! Coefficient ROMs read in one clock-enabled clock. Portable: a synchronous
//! read marked `rom_style = "block"`, which iCE40 maps to block RAM at any
//! depth (left to itself, yosys builds a ROM of 64 words or fewer from LUTs,
//! a six-level mux that halves the clock). With
//! `POLYACT_ECP5`: banks of 128 words (a LUT7 per bit within one PFU), each
//! registered, and the bank selected combinationally after the register — an
//! ECP5 block RAM's clock-to-out alone would take most of a 200 MHz cycle.

use crate::word::lit;
use std::fmt::Write;

/// The attribute that asks yosys for block RAM (an iCE40 SB_RAM40_4K).
pub const BLOCK_RAM: &str = "(* rom_style = \"block\" *) ";

/// Words per ECP5 bank, as address bits.
pub const BANK_BITS: usize = 7;

/// The ROM as a `case` statement in a clocked block (`attr`: an attribute
/// for the statement, e.g. [`BLOCK_RAM`]).
fn case(at: &str, reg: &str, sel: &str, bits: usize, words: &[i64], width: usize, attr: &str) -> String {
    let mut v = format!("{at} begin\n  {attr}case ({sel})\n");
    for (i, &c) in words.iter().enumerate() {
        let _ = writeln!(v, "    {bits}'d{i}: {reg} <= {};", lit(c, width));
    }
    v + &format!("    default: {reg} <= {width}'d0;\n  endcase\nend\n")
}

/// `out`, valid one enabled clock after `sel` (`sel_bits` wide) — with
/// `POLYACT_ECP5` and `ecp5_register`, two: the selected word is registered
/// again, for a consumer with logic of its own behind it (an adder).
pub fn rom(out: &str, sel: &str, sel_bits: usize, table: &[i64], width: usize, ecp5_register: bool) -> String {
    let at = "always @(posedge clock) if (ce)";
    let m = width - 1;
    let single = format!("reg [{m}:0] {out};\n{}", case(at, out, sel, sel_bits, table, width, BLOCK_RAM));
    if table.len() <= 1 << BANK_BITS {
        // ECP5 cores are synthesized with `-nobram`: the same read in LUTs.
        let luts = format!("reg [{m}:0] {out};\n{}", case(at, out, sel, sel_bits, table, width, ""));
        return format!("`ifdef POLYACT_ECP5\n{luts}`else\n{single}`endif\n");
    }
    let hb = sel_bits - BANK_BITS;
    let mut v = format!(
        "`ifdef POLYACT_ECP5\nreg [{}:0] {out}_hi;\n{at} {out}_hi <= {sel}[{}:{BANK_BITS}];\n",
        hb - 1,
        sel_bits - 1
    );
    let sel_reg = if ecp5_register { format!("{out}_sel") } else { out.to_string() };
    let mut pick = if ecp5_register {
        format!("reg [{m}:0] {out};\nreg [{m}:0] {sel_reg};\n{at} {out} <= {sel_reg};\nalways @(*) begin\n  case ({out}_hi)\n")
    } else {
        format!("reg [{m}:0] {out};\nalways @(*) begin\n  case ({out}_hi)\n")
    };
    for (b, words) in table.chunks(1 << BANK_BITS).enumerate() {
        let reg = format!("{out}_b{b}");
        let _ = writeln!(v, "reg [{m}:0] {reg};");
        v += &case(at, &reg, &format!("{sel}[{}:0]", BANK_BITS - 1), BANK_BITS, words, width, "");
        let _ = writeln!(pick, "    {hb}'d{b}: {sel_reg} = {reg};");
    }
    v + &pick + &format!("    default: {sel_reg} = {width}'d0;\n  endcase\nend\n`else\n{single}`endif\n")
}
