//! The small polynomial core: one DSP multiply-add per degree, possible
//! because the runtime's Horner step rounds half up (`docs/ARITHMETIC.md` §4)
//! and the fitter keeps the accumulators within a DSP block's widths
//! (`polyact::writer::DspLimits`). [`plan`] proves a kernel fits on every
//! input, [`verilog`] writes the core, `crate::stream::bench` its self-checking bench.
//! Kernels that do not fit get the general core (`crate::poly_core`).

pub mod plan;
pub mod readme;
pub mod rom;
pub mod verilog;

pub use crate::stream::bench::BENCH_RUNS;
pub use plan::DspPlan;

use crate::stream::bench;

use polyact::Activation;

/// Every vector the core serves: `(set, x, runtime's y)`.
pub fn reference(act: &Activation, plan: &DspPlan) -> Vec<(usize, i64, i64)> {
    let t = act.io.in_dtype;
    (0..plan.sets).flat_map(|c| (t.min()..=t.max()).map(move |x| (c, x as i64, act.eval(x, c) as i64))).collect()
}

/// Write the core, its bench, vectors and README (with `context`) into `dir`.
pub fn write(
    dir: &std::path::Path,
    name: &str,
    plan: &DspPlan,
    vectors: &[(usize, i64, i64)],
    context: &str,
) -> Result<(), String> {
    let v = verilog::verilog(plan, name);
    crate::stream::write_core(dir, name, &v, &plan.bench_shape(), vectors, &readme::readme(plan, name, context))
}

/// Every bench run on both variants (portable, ECP5), in order.
pub fn check(dir: &std::path::Path, name: &str) -> Result<Vec<(String, crate::tools::BenchResult)>, String> {
    bench::check_variants(dir, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyact::writer::{fit_piecewise_within, kernel_model, DspLimits, KernelDef};
    use polyact::{DType, Model, Quant};

    /// tanh on [-4, 4] at `t` in and out, `2^seg_bits` × 2 segments.
    fn tanh_blob(t: DType, seg_bits: u32, limits: Option<DspLimits>) -> Vec<u8> {
        let half = (t.max() + 1) as f32;
        let (iq, oq) =
            (Quant { scale: 4.0 / half, zero_point: 0 }, Quant { scale: 1.0 / t.max() as f32, zero_point: 0 });
        let f = |x: f64, _: usize| x.tanh();
        let k = fit_piecewise_within(&f, 1, (t, iq), (t, oq), seg_bits, 2, limits).unwrap();
        kernel_model(&KernelDef::Poly(k), 1, iq, oq).unwrap()
    }

    #[test]
    fn narrow_kernels_fit_and_wide_ones_are_refused() {
        let blob = tanh_blob(DType::I16, 8, Some(DspLimits::SB_MAC16));
        let m = Model::from_bytes(&blob).unwrap();
        let act = m.kernel(0).unwrap();
        let plan = DspPlan::new(&act, 0..1, 1).unwrap();
        assert!(plan.steps.iter().all(|s| s.a_bits <= 16 && s.sum_bits <= 32));
        assert_eq!(verilog::latency(&plan, false), 7);
        let wide = tanh_blob(DType::I16, 8, None);
        let m = Model::from_bytes(&wide).unwrap();
        let err = DspPlan::new(&m.kernel(0).unwrap(), 0..1, 1).unwrap_err();
        assert!(err.0.contains("bits"), "{}", err.0);
    }

    /// The int8 core (every input, quickly); the int16 GELU, tanh and
    /// PolyReLU cores are checked the same way in `tests/suites/hdl_cores.rs`.
    #[test]
    fn int8_tanh_core_is_bit_exact_in_icarus_from_any_start_and_with_stalls() {
        let blob = tanh_blob(DType::I8, 4, Some(DspLimits::SB_MAC16));
        let m = Model::from_bytes(&blob).unwrap();
        let act = m.kernel(0).unwrap();
        let plan = DspPlan::new(&act, 0..1, 1).unwrap();
        let dir = std::env::temp_dir().join(format!("polyact_dsp_tanh8_{}", std::process::id()));
        let want = reference(&act, &plan);
        write(&dir, "dsp_tanh8", &plan, &want, "tanh on [-4, 4], int8.").unwrap();
        assert_eq!(crate::tools::verilator_lint(&dir, "dsp_tanh8").unwrap(), "");
        let runs = check(&dir, "dsp_tanh8").unwrap();
        assert_eq!(runs.len(), 2 * BENCH_RUNS.len());
        for (what, r) in runs {
            assert_eq!((r.vectors, r.mismatches), (256, 0), "{what}:\n{}", r.log);
        }
    }
}
