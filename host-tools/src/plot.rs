//! SVG plots of a lowered activation: the function against the kernel's
//! output over the whole input range, and the kernel's error in output LSBs.

use crate::expr::Expr;
use anyhow::{anyhow, Result};
use plotters::prelude::*;
use polyact::{Activation, Quant};
use std::path::Path;

/// Plot channel `ch` of `kernel` against `f` into `path` (SVG).
pub fn plot_kernel(
    path: &Path,
    title: &str,
    f: &Expr,
    kernel: &Activation,
    ch: usize,
    in_q: Quant,
    out_q: Quant,
) -> Result<()> {
    let (ti, to) = (kernel.io.in_dtype, kernel.io.out_dtype);
    let step = if ti.bits() == 16 { 16 } else { 1 };
    let mut curve = Vec::new();
    let mut kern = Vec::new();
    let mut err = Vec::new();
    for q in (ti.min()..=ti.max()).step_by(step) {
        let x = in_q.scale as f64 * (q - in_q.zero_point) as f64;
        let ideal = polyact::certify::ideal(q, in_q, to, out_q, &|v| f.eval(v, ch));
        let y = kernel.eval(q, ch);
        curve.push((x, out_q.scale as f64 * (ideal - out_q.zero_point as f64)));
        kern.push((x, out_q.scale as f64 * (y - out_q.zero_point) as f64));
        err.push((x, y as f64 - ideal));
    }
    let (x0, x1) = (curve[0].0, curve[curve.len() - 1].0);
    let (y0, y1) = curve.iter().chain(&kern).fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let emax = err.iter().fold(0.5f64, |m, p| m.max(p.1.abs())) * 1.1;
    let root = SVGBackend::new(path, (900, 700)).into_drawing_area();
    let e = |e: &dyn std::fmt::Display| anyhow!("{}: {e}", path.display());
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let (top, bottom) = root.split_vertically(420);
    let pad = (y1 - y0).abs().max(1e-9) * 0.05;
    let mut c = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(|x| e(&x))?;
    c.configure_mesh().x_desc("x").y_desc("f(x)").draw().map_err(|x| e(&x))?;
    c.draw_series(LineSeries::new(curve, &BLUE))
        .map_err(|x| e(&x))?
        .label("f (clamped to the output range)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    c.draw_series(LineSeries::new(kern, &RED))
        .map_err(|x| e(&x))?
        .label(format!("{} kernel", kernel.kind.name()))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    c.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(|x| e(&x))?;
    let mut c2 = ChartBuilder::on(&bottom)
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, -emax..emax)
        .map_err(|x| e(&x))?;
    c2.configure_mesh().x_desc("x").y_desc("error (LSB)").draw().map_err(|x| e(&x))?;
    c2.draw_series(LineSeries::new(err, &BLACK)).map_err(|x| e(&x))?;
    for b in [-0.5, 0.5] {
        c2.draw_series(LineSeries::new(vec![(x0, b), (x1, b)], &GREEN)).map_err(|x| e(&x))?;
    }
    root.present().map_err(|x| e(&x))?;
    Ok(())
}
