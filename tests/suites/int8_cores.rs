//! Fast checks of each core kind on int8 kernels built with the runtime's own
//! writer: every input on every core target (rust-hdl, Icarus portable and
//! ECP5), against the runtime kernel, and a clean Verilator lint. (The int16
//! cores of real models and fitted functions are in `hdl_cores`.)

use polyact::writer::{fit_piecewise, kernel_model, KernelDef};
use polyact::{DType, Model, Quant};
use polyact_hdl::tools::verilator_lint;
use polyact_hdl::CoreSpec;
use polyact_tests::core_targets::{assert_bit_exact, CoreCase};

fn q(scale: f32, zero_point: i32) -> Quant {
    Quant { scale, zero_point }
}

/// Build, run on every core target, lint; return the spec.
fn exact(k: &KernelDef, in_q: Quant, out_q: Quant, name: &str) -> CoreSpec {
    let blob = kernel_model(k, 1, in_q, out_q).unwrap();
    let model = Model::from_bytes(&blob).unwrap();
    let case = CoreCase::new(&model.kernel(0).unwrap(), name);
    assert_bit_exact(&case);
    assert_eq!(verilator_lint(&case.dir, name).unwrap(), "", "{name}");
    case.spec
}

#[test]
fn piecewise_cubic_gelu() {
    let gelu = |x: f64, _: usize| 0.5 * x * (1.0 + polyact::certify::erf(x / std::f64::consts::SQRT_2));
    let (iq, oq) = (q(8.0 / 128.0, 0), q(8.0 / 128.0, -1));
    let k = KernelDef::Poly(fit_piecewise(&gelu, 1, (DType::I8, iq), (DType::I8, oq), 3, 3).unwrap());
    let spec = exact(&k, iq, oq, "gelu8");
    assert!(matches!(spec, CoreSpec::Poly(ref p) if p.degree == 3 && p.seg_bits == 3));
}

#[test]
fn relu_with_zero_points_and_rescale() {
    let (iq, oq) = (q(0.05, -3), q(0.04, -128));
    let spec = exact(&KernelDef::relu((DType::I8, iq), (DType::I8, oq)), iq, oq, "relu8");
    assert!(matches!(spec, CoreSpec::Relu(ref r) if r.in_zp == -3 && r.out_zp == -128));
}

#[test]
fn relu6_into_int16() {
    let (iq, oq) = (q(0.05, 7), q(0.0002, 0));
    exact(&KernelDef::relu6((DType::I8, iq), (DType::I16, oq)), iq, oq, "relu6_8_16");
}

#[test]
fn leaky_relu_two_branches() {
    let (iq, oq) = (q(0.03, 10), q(0.03, 5));
    let spec = exact(&KernelDef::leaky_relu((DType::I8, iq), (DType::I8, oq), 0.125), iq, oq, "leaky8");
    assert!(matches!(spec, CoreSpec::Relu(ref r) if r.pos != r.neg));
}

#[test]
fn table_of_sigmoid() {
    let (iq, oq) = (q(0.06, 0), q(1.0 / 256.0, -128));
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let spec = exact(&KernelDef::table(iq, (DType::I8, oq), &[&sig]), iq, oq, "sigmoid8");
    assert!(matches!(spec, CoreSpec::Table(_)));
}
