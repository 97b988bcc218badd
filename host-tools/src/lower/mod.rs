//! Lowering: choose the cheapest runtime kernel for `f` that meets the error
//! target, and certify it by running the runtime kernel itself on every
//! representable input.
//!
//! Order of preference: ReLU family (no constants) → exact int8 table →
//! exact polynomial (symbolic) → exact rational (symbolic, PAU) → fitted
//! piecewise polynomial (smallest coefficient budget that certifies).

mod exact;
mod kinks;
mod knots;

use crate::expr::Expr;
use anyhow::{bail, Result};
use exact::{exact_poly, exact_rational, exact_version_b};
use polyact::certify::{certify, Certificate};
use polyact::writer::{DspLimits, KernelDef};
use polyact::{DType, Model, Quant};

/// What lowering aims for.
#[derive(Clone, Copy, Debug)]
pub struct LowerOpts {
    /// Largest acceptable certified error in output LSBs.
    pub error_lsb: f64,
    /// Largest coefficient budget per channel set for fitted polynomials.
    pub max_bytes: usize,
    /// Highest degree a fitted polynomial may have: each degree is a
    /// multiply per element on a CPU, a DSP-block stage on an FPGA.
    pub max_degree: usize,
    /// Whether knot polynomials may be chosen (segments at the function's
    /// kinks). Off for HDL cores, which implement uniform segments only.
    pub knots: bool,
    /// Finest uniform segment grid a fitted polynomial may use (`2^max_seg_bits`
    /// segments): an HDL core's coefficient ROM depth.
    pub max_seg_bits: u32,
    /// Accumulator limits of one DSP multiply-add per Horner step, for
    /// polynomials that become FPGA cores (`None`: 32-bit accumulators, the
    /// most precise on a CPU).
    pub dsp: Option<DspLimits>,
}

impl Default for LowerOpts {
    fn default() -> Self {
        // Correct rounding (0.5) plus a documented allowance for the kernel's
        // internal rounding (Horner steps, requantization).
        LowerOpts {
            error_lsb: 0.5 + 1.0 / 64.0,
            max_bytes: 16 * 1024,
            max_degree: 5,
            knots: true,
            max_seg_bits: FINEST_SEG_BITS,
            dsp: None,
        }
    }
}

impl LowerOpts {
    /// Limits for kernels that become FPGA cores of one DSP multiply-add per
    /// degree (`polyact_hdl::dsp_core`): uniform segments, ROMs of at most 256
    /// words (one DSP block per degree: keep `max_degree` low), accumulators
    /// within SB_MAC16's 16 × 16 + 32.
    pub fn fpga_core(self) -> LowerOpts {
        LowerOpts {
            knots: false,
            max_seg_bits: polyact_hdl::spec::MAX_SEG_BITS,
            dsp: Some(DspLimits::SB_MAC16),
            ..self
        }
    }

    /// [`fpga_core`](Self::fpga_core) at degree ≤ 2: two DSP blocks per core,
    /// what `polyact quantize --fpga-cores` lowers with.
    pub fn two_dsp_cores(self) -> LowerOpts {
        LowerOpts { max_degree: 2, ..self }.fpga_core()
    }
}

/// A chosen kernel with its certificate.
#[derive(Clone, Debug)]
pub struct Lowered {
    pub kernel: KernelDef,
    /// How it was obtained: "relu", "table", "exact polynomial", "fit 64x3", ...
    pub method: String,
    pub max_err: f64,
    pub mean_err: f64,
    pub worst_input: i32,
    pub coef_bytes: usize,
}

/// Run `use_it` on the runtime's decoding of kernel `k` (serialized into a
/// one-op model and validated, exactly as a device would see it).
pub fn with_runtime_kernel<R>(
    k: &KernelDef,
    in_q: Quant,
    out_q: Quant,
    use_it: impl FnOnce(&polyact::Activation) -> R,
) -> Result<R> {
    let blob = polyact::writer::kernel_model(k, k.io().channels, in_q, out_q)
        .map_err(|e| anyhow::anyhow!("kernel does not validate: {e}"))?;
    let model = Model::from_bytes(&blob).map_err(|e| anyhow::anyhow!("{e}"))?;
    let kernel = model.kernel(0).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(use_it(&kernel))
}

/// Certify `k` against `f` on every input of every channel set.
pub fn certify_kernel(k: &KernelDef, f: &Expr, in_q: Quant, out_q: Quant) -> Result<Certificate> {
    with_runtime_kernel(k, in_q, out_q, |kernel| certify_all(kernel, f, in_q, out_q))
}

fn certify_all(kernel: &polyact::Activation, f: &Expr, in_q: Quant, out_q: Quant) -> Certificate {
    let io = kernel.io;
    let mut total: Option<Certificate> = None;
    for ch in 0..io.channels {
        let g = |x: f64| f.eval(x, ch);
        let c = certify(kernel, ch, in_q, out_q, &g);
        total = Some(match total {
            None => c,
            Some(t) => Certificate {
                max_err: t.max_err.max(c.max_err),
                worst_input: if c.max_err > t.max_err { c.worst_input } else { t.worst_input },
                mean_err: t.mean_err + c.mean_err,
                inputs: t.inputs + c.inputs,
                not_correctly_rounded: t.not_correctly_rounded + c.not_correctly_rounded,
            },
        });
    }
    let mut t = total.expect("at least one channel");
    t.mean_err /= io.channels as f64;
    t
}

fn coef_bytes(k: &KernelDef) -> usize {
    match k {
        KernelDef::Table { io, entries } => entries.len() * io.out_dtype.size(),
        KernelDef::Poly(p) => p.coefs.len() * 4,
        KernelDef::Rational(r) => r.num.len() * 4 + r.den.len() * 8,
        KernelDef::KnotPoly(k) => k.knots.len() * 2 + k.coefs.len() * 4,
        KernelDef::PRelu { neg, .. } => neg.len() * 8,
        _ => 0,
    }
}

fn finish(kernel: KernelDef, method: String, f: &Expr, in_q: Quant, out_q: Quant) -> Result<Lowered> {
    let c = certify_kernel(&kernel, f, in_q, out_q)?;
    Ok(Lowered {
        coef_bytes: coef_bytes(&kernel),
        kernel,
        method,
        max_err: c.max_err,
        mean_err: c.mean_err,
        worst_input: c.worst_input,
    })
}

/// Real input values to probe a function's shape with.
fn probe_points(in_t: (DType, Quant)) -> Vec<f64> {
    let step = if in_t.0 == DType::I8 { 1 } else { 7 };
    (in_t.0.min()..=in_t.0.max())
        .step_by(step)
        .map(|q| in_t.1.scale as f64 * (q - in_t.1.zero_point) as f64)
        .chain([-1.0, -0.5, 0.5, 1.0])
        .collect()
}

fn matches(f: &Expr, ch: usize, pts: &[f64], g: impl Fn(f64) -> f64) -> bool {
    pts.iter().all(|&x| {
        let (a, b) = (f.eval(x, ch), g(x));
        (a - b).abs() <= 1e-9 * (1.0 + b.abs())
    })
}

/// ReLU, ReLU6, LeakyReLU or PReLU, if `f` is exactly one of them.
fn relu_family(f: &Expr, in_t: (DType, Quant), out_t: (DType, Quant)) -> Option<(KernelDef, &'static str)> {
    let pts = probe_points(in_t);
    let channels = f.channels();
    if channels == 1 {
        if matches(f, 0, &pts, |x| x.max(0.0)) {
            return Some((KernelDef::relu(in_t, out_t), "relu"));
        }
        if matches(f, 0, &pts, |x| x.clamp(0.0, 6.0)) {
            return Some((KernelDef::relu6(in_t, out_t), "relu6"));
        }
    }
    let alphas: Vec<f64> = (0..channels).map(|c| f.eval(-1.0, c) / -1.0).collect();
    let all = (0..channels).all(|c| matches(f, c, &pts, |x| if x >= 0.0 { x } else { alphas[c] * x }));
    if !all {
        return None;
    }
    if channels == 1 {
        Some((KernelDef::leaky_relu(in_t, out_t, alphas[0]), "leaky_relu"))
    } else {
        Some((KernelDef::prelu(in_t, out_t, &alphas), "prelu"))
    }
}

/// Least-squares fit of every segment (the shared fitter in the writer).
pub fn fit_piecewise(
    f: &Expr,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    seg_bits: u32,
    degree: usize,
    dsp: Option<DspLimits>,
) -> Result<KernelDef> {
    let g = |x: f64, ch: usize| f.eval(x, ch);
    let def = polyact::writer::fit_piecewise_within(&g, f.channels(), in_t, out_t, seg_bits, degree, dsp)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(KernelDef::Poly(def))
}

/// The real input of raw value `q`.
fn real_of(q: i32, quant: Quant) -> f64 {
    quant.scale as f64 * (q - quant.zero_point) as f64
}

/// The first representable input (of any channel) where `f` is not a
/// finite number, as `(raw input, real input, channel, f's value)`.
fn first_non_finite(f: &Expr, in_t: (DType, Quant), keep: impl Fn(f64) -> bool) -> Option<(i32, f64, usize, f64)> {
    (0..f.channels()).find_map(|ch| {
        (in_t.0.min()..=in_t.0.max()).find_map(|q| {
            let x = real_of(q, in_t.1);
            let y = f.eval(x, ch);
            (keep(x) && !y.is_finite()).then_some((q, x, ch, y))
        })
    })
}

/// The real input range a kernel's certificate covers: every representable input.
pub fn certified_range(in_t: (DType, Quant)) -> (f64, f64) {
    (real_of(in_t.0.min(), in_t.1), real_of(in_t.0.max(), in_t.1))
}

/// Lower an activation whose input was calibrated to the real range
/// `calibrated`. A function with a one-sided domain (sqrt, log, 1/x on
/// positive inputs) that is undefined somewhere on the representable input
/// range but defined on the calibrated range is lowered as
/// `f(clip(x, lo, hi))`: inputs past the calibrated range saturate to its
/// ends, as every tensor's do, and the certificate is for that function.
pub fn lower_calibrated(
    f: &Expr,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    calibrated: (f64, f64),
    opts: &LowerOpts,
    progress: impl FnMut(&str),
) -> Result<(Expr, Lowered)> {
    let inside = |(lo, hi): (f64, f64)| move |x: f64| x >= lo && x <= hi;
    let f = match first_non_finite(f, in_t, |_| true) {
        Some(_) if calibrated.0 <= calibrated.1 && first_non_finite(f, in_t, inside(calibrated)).is_none() => {
            // The clip's kinks on the finest segment grid the fitter uses,
            // when f is defined there too: a fitted polynomial cannot follow
            // a kink inside a segment.
            let aligned = aligned_outward(calibrated, in_t);
            let (lo, hi) = if first_non_finite(f, in_t, inside(aligned)).is_none() && f_finite_at(f, aligned) {
                aligned
            } else {
                calibrated
            };
            f.replace(&Expr::X, &Expr::Clip(Box::new(Expr::X), lo, hi))
        }
        _ => f.clone(),
    };
    let l = lower(&f, in_t, out_t, opts, progress)?;
    Ok((f, l))
}

/// Most kinks a function may have for kink-aware lowering (a staircase of
/// more steps is left to the uniform fit).
const MAX_KINKS: usize = 1024;

/// Finest segment grid of the fitter (`seg_bits` up to 10).
const FINEST_SEG_BITS: u32 = 10;

/// `range` widened to the nearest segment boundaries of the finest grid.
fn aligned_outward((lo, hi): (f64, f64), (t, q): (DType, Quant)) -> (f64, f64) {
    let step = 1i64 << t.bits().saturating_sub(FINEST_SEG_BITS);
    let raw = |x: f64| (x / q.scale as f64 + q.zero_point as f64).clamp(t.min() as f64, t.max() as f64);
    let (a, b) = (raw(lo).floor() as i64 - t.min() as i64, raw(hi).ceil() as i64 - t.min() as i64);
    let down = t.min() as i64 + a.div_euclid(step) * step;
    let up = (t.min() as i64 + (b + step - 1).div_euclid(step) * step).min(t.max() as i64);
    (real_of(down as i32, q), real_of(up as i32, q))
}

/// Whether `f` is finite at both ends of `range` (every channel).
fn f_finite_at(f: &Expr, (lo, hi): (f64, f64)) -> bool {
    (0..f.channels()).all(|ch| f.eval(lo, ch).is_finite() && f.eval(hi, ch).is_finite())
}

/// Choose and certify a kernel for `f` between the given input and output
/// types. `f` must be a finite number on every representable input, or the
/// certificate would not mean anything there.
pub fn lower(
    f: &Expr,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    opts: &LowerOpts,
    mut progress: impl FnMut(&str),
) -> Result<Lowered> {
    let (in_q, out_q) = (in_t.1, out_t.1);
    if let Some((q, x, ch, y)) = first_non_finite(f, in_t, |_| true) {
        let (lo, hi) = certified_range(in_t);
        bail!(
            "{f} is {y} at x = {x} (raw input {q}{}), inside the input range [{lo}, {hi}] to certify: the function is not defined on all of it",
            if f.channels() > 1 { format!(", channel {ch}") } else { String::new() }
        );
    }
    if !(out_q.scale.is_finite() && out_q.scale > 0.0 && in_q.scale.is_finite() && in_q.scale > 0.0) {
        bail!("input scale {} and output scale {} must be positive and finite", in_q.scale, out_q.scale);
    }
    let mut best: Option<Lowered> = None;
    let consider = |l: Lowered, best: &mut Option<Lowered>| -> bool {
        let ok = l.max_err <= opts.error_lsb;
        if best.as_ref().is_none_or(|b| l.max_err < b.max_err) {
            *best = Some(l);
        }
        ok
    };
    if let Some((k, name)) = relu_family(f, in_t, out_t) {
        let l = finish(k, name.to_string(), f, in_q, out_q)?;
        if consider(l.clone(), &mut best) {
            return Ok(l);
        }
    }
    if in_t.0 == DType::I8 {
        let ch = f.channels();
        let fs: Vec<Box<dyn Fn(f64) -> f64 + '_>> =
            (0..ch).map(|c| Box::new(move |x| f.eval(x, c)) as Box<dyn Fn(f64) -> f64>).collect();
        let refs: Vec<&dyn Fn(f64) -> f64> = fs.iter().map(|b| b.as_ref()).collect();
        return finish(KernelDef::table(in_q, out_t, &refs), "table".into(), f, in_q, out_q);
    }
    if let Some(k) = exact_poly(f, in_t, out_t, opts) {
        let l = finish(k?, "exact polynomial".into(), f, in_q, out_q)?;
        if consider(l.clone(), &mut best) {
            return Ok(l);
        }
    }
    if let Some(Ok(k)) = exact_rational(f, in_t, out_t) {
        let l = finish(k, "exact rational".into(), f, in_q, out_q)?;
        if consider(l.clone(), &mut best) {
            return Ok(l);
        }
    }
    if let Some(Ok(k)) = exact_version_b(f, in_t, out_t) {
        let l = finish(k, "exact rational (version B)".into(), f, in_q, out_q)?;
        if consider(l.clone(), &mut best) {
            return Ok(l);
        }
    }
    let channels = f.channels();
    // A function with kinks off the power-of-two grid: segments at its kinks.
    let kinks = if opts.knots { kinks::knots_of(f, in_t, MAX_KINKS) } else { None };
    let smooth = kinks.as_ref().is_some_and(|k| k.len() == 1);
    let on_kinks = match &kinks {
        Some(k) if !smooth => knots::lower_on_knots(f, in_t, out_t, k, opts, &mut progress)?,
        _ => None,
    };
    let mut candidates: Vec<(usize, u32, usize)> = Vec::new();
    for degree in 1..=opts.max_degree.clamp(1, polyact::activation::MAX_DEGREE) {
        for seg_bits in 0..=opts.max_seg_bits.min(FINEST_SEG_BITS) {
            let bytes = (1usize << seg_bits) * (degree + 1) * 4;
            // Uniform segments only where they are cheaper than the knots.
            let cheaper = on_kinks.as_ref().is_none_or(|k| bytes * channels < k.coef_bytes);
            if bytes <= opts.max_bytes && cheaper {
                candidates.push((bytes, seg_bits, degree));
            }
        }
    }
    if opts.dsp.is_some() {
        // An FPGA core spends one DSP block per degree and its ROMs fit block
        // RAM at any depth up to the limit: fewest multipliers first.
        candidates.sort_by_key(|&(bytes, seg_bits, degree)| (degree, bytes, seg_bits));
    } else {
        candidates.sort();
    }
    for (bytes, seg_bits, degree) in candidates {
        progress(&format!("fit {} segments x degree {degree} ({} B)", 1 << seg_bits, bytes * channels));
        let Ok(k) = fit_piecewise(f, in_t, out_t, seg_bits, degree, opts.dsp) else {
            continue;
        };
        let l = finish(k, format!("fit {}x{degree}", 1 << seg_bits), f, in_q, out_q)?;
        if consider(l.clone(), &mut best) {
            return Ok(l);
        }
    }
    if let Some(l) = on_kinks {
        return Ok(l);
    }
    // Smooth but uneven (a sharp peak, a steep edge): segments where it needs them.
    if smooth {
        if let Some(l) = knots::lower_on_knots(f, in_t, out_t, &[in_t.0.min()], opts, &mut progress)? {
            return Ok(l);
        }
    }
    match best {
        Some(b) => bail!(
            "cannot meet {:.3} LSB within {} B of coefficients: best is {:.3} LSB ({}); pass a larger --error-lsb",
            opts.error_lsb,
            opts.max_bytes,
            b.max_err,
            b.method
        ),
        None => bail!("no kernel could represent the function"),
    }
}

/// A function lowered from the command line (`polyact fit`, `polyact hdl --fit`).
pub struct FittedFunction {
    pub f: Expr,
    pub in_t: (DType, Quant),
    pub out_t: (DType, Quant),
    /// The real input and output ranges the quantizations cover.
    pub in_range: (f64, f64),
    pub out_range: (f64, f64),
    pub lowered: Lowered,
}

/// Quantize `f` over the real input `range` (and `out_range`, default: f's
/// range there) and lower it to the cheapest kernel certified within `error_lsb`.
pub fn fit_function(
    f: Expr,
    in_t: DType,
    range: (f64, f64),
    out_t: DType,
    out_range: Option<(f64, f64)>,
    opts: &LowerOpts,
    progress: impl FnMut(&str),
) -> Result<FittedFunction> {
    let in_q = crate::quantize::quant_for(in_t, range.0, range.1);
    let (lo, hi) = out_range.unwrap_or_else(|| {
        (in_t.min()..=in_t.max())
            .map(|q| f.eval(in_q.scale as f64 * (q - in_q.zero_point) as f64, 0))
            .fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        if let Some((q, x, _, y)) = first_non_finite(&f, (in_t, in_q), |_| true) {
            bail!(
                "{f} is {y} at x = {x} (raw input {q}) inside --range {}..{}: the function is not defined on all of it",
                range.0,
                range.1
            );
        }
        bail!("output range {lo}..{hi} is not finite");
    }
    let out_q = crate::quantize::quant_for(out_t, lo, hi);
    let lowered = lower(&f, (in_t, in_q), (out_t, out_q), opts, progress)?;
    Ok(FittedFunction { f, in_t: (in_t, in_q), out_t: (out_t, out_q), in_range: range, out_range: (lo, hi), lowered })
}
