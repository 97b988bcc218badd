//! The rational (PAU) core: the runtime's numerator and denominator Horner
//! recurrences side by side (one multiply and one add per step, the rounding
//! folded into the added constant as in the DSP core), then a restoring
//! divider with one stage per quotient bit. One result per clock, the same
//! `ce` / `in_valid` interface and bench as the DSP core, no reset.

pub mod plan;
pub mod readme;
pub mod verilog;

pub use plan::RationalPlan;

use crate::stream::bench::BenchShape;
use polyact::Activation;

/// Every input with the runtime's output: `(0, x, y)` (one coefficient set).
pub fn reference(act: &Activation, plan: &RationalPlan) -> Vec<(usize, i64, i64)> {
    let t = act.io.in_dtype;
    (t.min()..=t.max()).map(|x| (0, x as i64, act.eval(x, plan.channel) as i64)).collect()
}

impl RationalPlan {
    /// What the streaming bench drives and checks.
    pub fn bench_shape(&self) -> BenchShape {
        BenchShape {
            in_bits: self.in_bits,
            out_bits: self.out_bits,
            lanes: 1,
            channel_bits: 0,
            latency: verilog::latency(self, false),
            latency_ecp5: verilog::latency(self, true),
        }
    }
}

/// Write the core, its bench, vectors and README (with `context`) into `dir`.
pub fn write(
    dir: &std::path::Path,
    name: &str,
    plan: &RationalPlan,
    vectors: &[(usize, i64, i64)],
    context: &str,
) -> Result<(), String> {
    let v = verilog::verilog(plan, name);
    crate::stream::write_core(dir, name, &v, &plan.bench_shape(), vectors, &readme::readme(plan, name, context))
}

/// Every bench run ([`crate::stream::bench::BENCH_RUNS`]: free, stalling, from X, 0 and 1) on
/// both variants (portable, ECP5), in order.
pub fn check(dir: &std::path::Path, name: &str) -> Result<Vec<(String, crate::tools::BenchResult)>, String> {
    crate::stream::bench::check_variants(dir, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::bench::BENCH_RUNS;
    use polyact::activation::DenMode;
    use polyact::writer::{encode_rational, kernel_io, kernel_model, KernelDef};
    use polyact::{DType, Model, Quant};

    /// A safe PAU `(p0 + p1·x + p2·x² + p3·x³) / (1 + |q1·x| + |q2·x²|)` at
    /// int8 on [-4, 4] with an output zero point.
    fn pau_blob() -> Vec<u8> {
        let (iq, oq) = (Quant { scale: 4.0 / 128.0, zero_point: 3 }, Quant { scale: 3.0 / 128.0, zero_point: -10 });
        let (p, q) = ([0.02, 0.5, 0.4, 0.1], [0.3, 0.2]);
        let s = iq.scale as f64;
        let num: Vec<f64> = p.iter().enumerate().map(|(k, c)| c * s.powi(k as i32) / oq.scale as f64).collect();
        let den = vec![1.0, 0.0, q[0] * s, q[1] * s * s];
        let io = kernel_io(DType::I8, iq, DType::I8, oq, 1);
        let k = encode_rational(io, &[num], &[den], DenMode::Safe).unwrap();
        kernel_model(&KernelDef::Rational(k), 1, iq, oq).unwrap()
    }

    #[test]
    fn int8_pau_core_is_bit_exact_in_icarus_from_any_start_and_with_stalls() {
        let blob = pau_blob();
        let m = Model::from_bytes(&blob).unwrap();
        let act = m.kernel(0).unwrap();
        let plan = RationalPlan::new(&act, 0).unwrap();
        assert_eq!((plan.num.steps.len(), plan.den.steps.len()), (3, 2));
        let dir = std::env::temp_dir().join(format!("polyact_pau8_{}", std::process::id()));
        let want = reference(&act, &plan);
        // Not a constant: the bench would not notice a core stuck at one value.
        assert!(want.iter().any(|v| v.2 != want[0].2));
        write(&dir, "pau8", &plan, &want, "A PAU at int8.").unwrap();
        assert_eq!(crate::tools::verilator_lint(&dir, "pau8").unwrap(), "");
        let runs = check(&dir, "pau8").unwrap();
        assert_eq!(runs.len(), 2 * BENCH_RUNS.len());
        for (what, r) in runs {
            assert_eq!((r.vectors, r.mismatches), (256, 0), "{what}:\n{}", r.log);
        }
    }

    #[test]
    fn other_kernels_are_refused() {
        let blob = pau_blob();
        let m = Model::from_bytes(&blob).unwrap();
        let act = m.kernel(0).unwrap();
        assert!(RationalPlan::new(&act, 1).unwrap_err().0.contains("sets"));
        // Indices past the coefficients read as 0, never out of bounds.
        let r = act.as_rational().unwrap();
        assert_eq!((r.num_coef(usize::MAX, 0), r.den_coef(1, 0), r.den_floor(usize::MAX / 2)), (0, 0, 0));
        assert_ne!(r.den_floor(0), 0);
    }
}
