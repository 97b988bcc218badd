//! The hls4ml-style baseline for BENCHMARKS.md: an activation as a 1024-entry
//! table of 18-bit fixed-point values (hls4ml's defaults: `table_size` 1024,
//! `ap_fixed<18,8>` entries evaluated at each bin's lower edge, indexed by the
//! top 10 bits of the input), measured on every int16 input with the same
//! quantization our cores use, next to the certified error of our kernel.
//!
//! `cargo run --release -p polyact-tools --example table_baseline`

use polyact::certify::ideal;
use polyact::DType;
use polyact_tools::expr_parse::parse;
use polyact_tools::lower::{fit_function, LowerOpts};

fn main() -> anyhow::Result<()> {
    println!("| function | hls4ml-style table max / mean error (LSB) | polyact kernel certified max / mean (LSB) |");
    println!("|---|---|---|");
    for (name, range) in [("gelu(x)", (-8.0, 8.0)), ("tanh(x)", (-4.0, 4.0))] {
        let f = parse(name)?;
        let opts = LowerOpts { max_degree: 2, knots: false, ..LowerOpts::default() };
        let fitted = fit_function(f.clone(), DType::I16, range, DType::I16, None, &opts, |_| {})?;
        let ((ti, iq), (to, oq)) = (fitted.in_t, fitted.out_t);
        const N: i64 = 1024;
        const FRAC: i32 = 10; // ap_fixed<18,8>: 10 fractional bits
        let (lo, hi) = (iq.scale as f64 * ti.min() as f64, iq.scale as f64 * (ti.max() + 1) as f64);
        let table: Vec<f64> = (0..N)
            .map(|i| {
                let x = lo + (hi - lo) * i as f64 / N as f64;
                (f.eval(x, 0) * 2f64.powi(FRAC)).round() / 2f64.powi(FRAC)
            })
            .collect();
        let (mut max, mut sum) = (0.0f64, 0.0);
        for q in ti.min()..=ti.max() {
            let idx = (((q - ti.min()) as i64 * N) >> ti.bits()) as usize;
            let y =
                (table[idx] / oq.scale as f64 + oq.zero_point as f64).round().clamp(to.min() as f64, to.max() as f64);
            let e = (y - ideal(q, iq, to, oq, &|x| f.eval(x, 0))).abs();
            max = max.max(e);
            sum += e;
        }
        let n = (ti.max() - ti.min() + 1) as f64;
        let l = &fitted.lowered;
        println!(
            "| {name} on {range:?} | {max:.1} / {:.2} | {:.3} / {:.3} ({}) |",
            sum / n,
            l.max_err,
            l.mean_err,
            l.method
        );
    }
    Ok(())
}
