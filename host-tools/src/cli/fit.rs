//! `polyact fit`: lower one function and print its certificate.

use super::args::{dtype, parse_bits, parse_range};
use super::progress::bar;
use anyhow::Result;
use polyact_tools::expr_parse;
use polyact_tools::lower::{fit_function, with_runtime_kernel, FittedFunction, LowerOpts};
use polyact_tools::plot;
use std::path::PathBuf;

/// Lower one activation function and print its certificate.
#[derive(clap::Args)]
pub struct Args {
    /// A name (tanh, gelu, silu, mish, snake, ...) or an expression in x.
    pub function: String,
    #[command(flatten)]
    pub q: FitArgs,
    /// Write an SVG plot of f against the kernel and of the error curve.
    #[arg(long)]
    pub plot: Option<PathBuf>,
}

/// How to quantize a function for `fit`.
#[derive(clap::Args)]
pub struct FitArgs {
    #[arg(long, default_value_t = 16, value_parser = parse_bits)]
    pub in_bits: u32,
    /// Real input range LO,HI.
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    pub range: (f64, f64),
    /// Real output range LO,HI (default: the function's range over the input range).
    #[arg(long, value_parser = parse_range, allow_hyphen_values = true)]
    pub out_range: Option<(f64, f64)>,
    #[arg(long, value_parser = parse_bits)]
    pub out_bits: Option<u32>,
    #[arg(long, default_value_t = LowerOpts::default().error_lsb, value_parser = super::args::parse_error_lsb)]
    pub error_lsb: f64,
    /// Highest polynomial degree to fit.
    #[arg(long, default_value_t = LowerOpts::default().max_degree)]
    pub max_degree: usize,
    /// Only uniform segments (no knots at the function's kinks), as an HDL core takes.
    #[arg(long)]
    pub uniform: bool,
    /// Set by `polyact hdl`: lower within an FPGA core's limits (`LowerOpts::fpga_core`).
    #[arg(skip)]
    pub fpga_core: bool,
}

/// Lower `function` as `q` says, with a progress spinner.
pub fn fit_cmd(function: &str, q: &FitArgs) -> Result<FittedFunction> {
    let f = expr_parse::parse(function)?;
    let pb = bar(0, "fitting");
    let mut opts =
        LowerOpts { error_lsb: q.error_lsb, max_degree: q.max_degree, knots: !q.uniform, ..LowerOpts::default() };
    if q.fpga_core {
        opts = opts.fpga_core();
    }
    let fitted =
        fit_function(f, dtype(q.in_bits), q.range, dtype(q.out_bits.unwrap_or(q.in_bits)), q.out_range, &opts, |m| {
            pb.set_message(m.to_string())
        })?;
    pb.finish_and_clear();
    Ok(fitted)
}

pub fn run(Args { function, q, plot }: Args) -> Result<()> {
    let fitted = fit_cmd(&function, &q)?;
    let (f, l) = (&fitted.f, &fitted.lowered);
    let ((ti, in_q), (to, out_q), range, (lo, hi)) = (fitted.in_t, fitted.out_t, q.range, fitted.out_range);
    let in_bits = q.in_bits;
    let cover = polyact_tools::lower::certified_range((ti, in_q));
    out!("function   {f}");
    out!("input      {ti:?} scale {:e} zp {} (range {}..{})", in_q.scale, in_q.zero_point, range.0, range.1);
    out!("output     {to:?} scale {:e} zp {} (range {lo:.6}..{hi:.6})", out_q.scale, out_q.zero_point);
    out!("kernel     {} ({} bytes of coefficients)", l.method, l.coef_bytes);
    out!(
        "certified  max error {:.4} LSB (at input {}), mean {:.4} LSB, over all {} inputs, real [{:.6}, {:.6}]",
        l.max_err,
        l.worst_input,
        l.mean_err,
        1u64 << in_bits,
        cover.0,
        cover.1
    );
    if let Some(p) = plot {
        let title = format!("{function}: {}, max {:.3} LSB", l.method, l.max_err);
        with_runtime_kernel(&l.kernel, in_q, out_q, |k| plot::plot_kernel(&p, &title, f, k, 0, in_q, out_q))??;
        out!("plot       {}", p.display());
    }
    Ok(())
}
