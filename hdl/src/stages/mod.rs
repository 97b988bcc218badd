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

/// A ROM read in two clocks as Verilog: `out <= table[sel]` two clocks after
/// `sel`. Generic devices get one synchronous read plus an output register (a
/// block RAM on iCE40). With `POLYACT_ECP5` defined, tables deeper than 64
/// words are split into 64-word LUT banks read in the first clock and
/// selected in the second: an ECP5 block RAM's clock-to-out alone exceeds a
/// 200 MHz cycle, and a 64:1 multiplexer fits one slice's wide-mux tree.
pub(crate) fn rom_verilog(out: &str, sel: &str, sel_bits: usize, table: &[i64], width: usize) -> String {
    const BANK_BITS: usize = 6;
    let case = |reg: &str, sel: &str, bits: usize, words: &[i64], attr: &str| {
        let mut v = format!("always @(posedge clock) begin\n  {attr}case ({sel})\n");
        for (i, &c) in words.iter().enumerate() {
            v += &format!("    {bits}'d{i}: {reg} <= {};\n", crate::word::lit(c, width));
        }
        v + &format!("    default: {reg} <= {width}'d0;\n  endcase\nend\n")
    };
    let m = width - 1;
    let single = |attr: &str| {
        format!(
            "reg [{m}:0] {out}_q;\n{}always @(posedge clock) {out} <= {out}_q;\n",
            case(&format!("{out}_q"), sel, sel_bits, table, attr)
        )
    };
    let block = single(crate::dsp_core::rom::BLOCK_RAM);
    if table.len() <= 1 << BANK_BITS {
        // Block RAM at any depth on iCE40; LUTs on ECP5 (`-nobram`).
        return format!("`ifdef POLYACT_ECP5\n{}`else\n{block}`endif\n", single(""));
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
        v += &case(&reg, &format!("{sel}[{}:0]", BANK_BITS - 1), BANK_BITS, words, "");
        pick += &format!("    {hb}'d{b}: {out} <= {reg};\n");
    }
    v + &pick + &format!("    default: {out} <= {width}'d0;\n  endcase\nend\n`else\n{block}`endif\n")
}

/// `d` clocks of delay for a `width`-bit signal as Verilog, declaring wire
/// `{p}_out`. Short or narrow delays are register chains; long wide ones a
/// RAM ring (block RAM on iCE40, LUT RAM on ECP5) read into two registers, so
/// a long pipeline does not spend thousands of flip-flops carrying a word
/// along. (A narrow ring would become a register file with a slow read mux.)
pub(crate) fn delay_verilog(p: &str, din: &str, width: usize, d: usize) -> String {
    let m = width - 1;
    if d <= 4 || width < 8 {
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

/// `(lowest bit, width, signed)`: a piece of a signed value that fits a DSP
/// multiplier input (unsigned pieces get a zero sign bit, so 15 bits).
pub(crate) type Piece = (usize, usize, bool);

/// Split a `w`-bit signed value into DSP pieces: 15-bit unsigned ones from
/// the bottom, then a signed top of at most 16 bits.
pub(crate) fn dsp_pieces(w: usize) -> Vec<Piece> {
    const DSP_BITS: usize = 16;
    let (mut v, mut lo) = (Vec::new(), 0);
    while w - lo > DSP_BITS {
        v.push((lo, DSP_BITS - 1, false));
        lo += DSP_BITS - 1;
    }
    v.push((lo, w - lo, true));
    v
}

/// `out` (an `aw + bw`-bit wire) = `a × b` for signed `aw`- and `bw`-bit
/// signals (at most 18 bits each), two clocks later: registered operands, then
/// a registered product. Portable Verilog (yosys packs both registers into
/// iCE40 SB_MAC16 blocks), or with `POLYACT_ECP5` defined an ECP5 MULT18X18D
/// using its own input and output registers, which yosys does not infer.
/// `p` prefixes the names this declares.
pub(crate) fn dsp_multiply(p: &str, a: &str, aw: usize, b: &str, bw: usize, out: &str) -> String {
    assert!(aw <= 18 && bw <= 18, "a DSP multiply takes at most 18-bit operands");
    let pw = aw + bw;
    let ext = |x: &str, w: usize, to: usize| {
        if w == to {
            x.to_string()
        } else {
            format!("{{{{{}{{{x}[{}]}}}}, {x}}}", to - w, w - 1)
        }
    };
    let pins = |port: &str, n: usize, src: &str| {
        (0..n).map(|i| format!(".{port}{i}({src}[{i}])")).collect::<Vec<_>>().join(", ")
    };
    format!(
        "`ifdef POLYACT_ECP5\n\
         wire [17:0] {p}_ma = {a18};\nwire [17:0] {p}_mb = {b18};\nwire [35:0] {p}_mp;\n\
         MULT18X18D #(.REG_INPUTA_CLK(\"CLK0\"), .REG_INPUTB_CLK(\"CLK0\"), .REG_OUTPUT_CLK(\"CLK0\"), .GSR(\"DISABLED\")) {p}_cell (\n  \
         {}, {}, {},\n  \
         .SIGNEDA(1'b1), .SIGNEDB(1'b1), .SOURCEA(1'b0), .SOURCEB(1'b0),\n  \
         .CLK0(clock), .CLK1(1'b0), .CLK2(1'b0), .CLK3(1'b0), .CE0(1'b1), .CE1(1'b1), .CE2(1'b1), .CE3(1'b1),\n  \
         .RST0(1'b0), .RST1(1'b0), .RST2(1'b0), .RST3(1'b0), {});\n\
         assign {out} = {p}_mp[{pm}:0];\n\
         `else\n\
         reg signed [{am}:0] {p}_a;\nreg signed [{bm}:0] {p}_b;\nreg [{pm}:0] {p}_p;\n\
         always @(posedge clock) begin\n  {p}_a <= {a};\n  {p}_b <= {b};\n  \
         {p}_p <= $signed({ae}) * $signed({be});\nend\n\
         assign {out} = {p}_p;\n\
         `endif\n",
        pins("A", 18, &format!("{p}_ma")),
        pins("B", 18, &format!("{p}_mb")),
        (0..18).map(|i| format!(".C{i}(1'b0)")).collect::<Vec<_>>().join(", "),
        pins("P", 36, &format!("{p}_mp")),
        a18 = ext(a, aw, 18),
        b18 = ext(b, bw, 18),
        pm = pw - 1,
        am = aw - 1,
        bm = bw - 1,
        ae = ext(&format!("{p}_a"), aw, pw),
        be = ext(&format!("{p}_b"), bw, pw),
    )
}
