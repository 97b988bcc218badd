//! The HDL cores CI builds: a learned polynomial from a real model (PolyReLU),
//! fitted smooth functions with many segments (GELU, tanh) and the ReLU family,
//! each simulated on every input in rust-hdl and as Verilog in Icarus against
//! the runtime kernel; one synthesized for both FPGA families.

use polyact::{DType, Model};
use polyact_hdl::synth::Device;
use polyact_hdl::CoreSpec;
use polyact_tools::expr_parse::parse;
use polyact_tools::hdl::{build, layer_kernel, HdlJob};
use polyact_tools::lower::{fit_function, with_runtime_kernel, FittedFunction, LowerOpts};
use std::path::{Path, PathBuf};

fn job(name: &str, report: Vec<Device>) -> HdlJob {
    HdlJob {
        out: std::env::temp_dir().join(format!("polyact_hdl_test_{name}")),
        name: name.into(),
        channel: 0,
        chunk_bits: polyact_hdl::spec::DEFAULT_CHUNK_BITS,
        check: true,
        report,
        lanes: 1,
        all_channels: false,
        general: false,
    }
}

fn fit(f: &str, bits: DType, range: (f64, f64)) -> FittedFunction {
    let opts = LowerOpts { max_degree: 2, knots: false, ..LowerOpts::default() };
    fit_function(parse(f).unwrap(), bits, range, bits, None, &opts, |_| {}).unwrap()
}

/// Build with every check on; `build` fails on any mismatch or lint warning.
fn build_fit(fitted: &FittedFunction, j: &HdlJob) -> polyact_tools::hdl::HdlOutcome {
    let (iq, oq) = (fitted.in_t.1, fitted.out_t.1);
    with_runtime_kernel(&fitted.lowered.kernel, iq, oq, |act| build(act, "test", None, j)).unwrap().unwrap()
}

#[test]
fn polyrelu_layer_of_the_digits_model_is_bit_exact() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_polyrelu");
    let (_, q) = polyact_tools::model_zoo::quantize_example(&dir, DType::I16).unwrap();
    let m = Model::from_bytes(&q.blob).unwrap();
    let layer = (0..m.n_ops()).find(|&i| layer_kernel(&m, i).is_ok_and(|a| a.as_poly().is_some())).unwrap();
    let act = layer_kernel(&m, layer).unwrap();
    let out = build(&act, "digits_polyrelu", None, &job("polyrelu", vec![])).unwrap();
    assert_eq!(out.vectors, 65536);
    assert!(matches!(out.spec, CoreSpec::Poly(_)), "{}", out.spec.describe());
    assert_eq!(out.lint.as_deref(), Some(""));
}

#[test]
fn fitted_gelu_and_tanh_with_many_segments_are_bit_exact() {
    for (f, range) in [("gelu(x)", (-8.0, 8.0)), ("tanh(x)", (-4.0, 4.0))] {
        let fitted = fit(f, DType::I16, range);
        let name = if f.starts_with("gelu") { "gelu" } else { "tanh" };
        let out = build_fit(&fitted, &job(name, vec![]));
        let CoreSpec::Poly(p) = &out.spec else { panic!("{f}: {}", out.spec.describe()) };
        assert!(p.seg_bits >= 3, "{f}: {}", out.spec.describe());
        assert!(fitted.lowered.max_err <= LowerOpts::default().error_lsb);
        assert_eq!(out.vectors, 65536);
    }
}

#[test]
fn relu_family_and_table_cores_are_bit_exact() {
    // ReLU and LeakyReLU at int16 (every input)...
    let relu = fit("relu(x)", DType::I16, (-4.0, 4.0));
    let out = build_fit(&relu, &job("relu16", vec![]));
    assert!(matches!(out.spec, CoreSpec::Relu(_)) && out.vectors == 65536, "{}", out.spec.describe());
    let leaky = fit("relu(x) - 0.1*relu(-x)", DType::I16, (-3.0, 5.0));
    let out = build_fit(&leaky, &job("leaky16", vec![]));
    let CoreSpec::Relu(r) = &out.spec else { panic!("{}", out.spec.describe()) };
    assert!(r.pos != r.neg, "{r:?}");
    // ...and at int8 with a zero point, where the exact table wins.
    let leaky8 = fit("relu(x) - 0.1*relu(-x)", DType::I8, (-3.0, 5.0));
    let out = build_fit(&leaky8, &job("leaky8", vec![]));
    assert!(matches!(out.spec, CoreSpec::Table(_)) && out.vectors == 256, "{}", out.spec.describe());
}

#[test]
fn synthesis_reports_resources_and_fmax_for_both_families() {
    let fitted = fit("tanh(x)", DType::I16, (-4.0, 4.0));
    let out = build_fit(&fitted, &job("tanh_synth", Device::ALL.to_vec()));
    assert_eq!(out.reports.len(), 2);
    for r in &out.reports {
        // A degree-2 core multiplies twice per element: DSP blocks, and a
        // pipeline of registers and carry chains around them.
        assert!(r.dsps >= 2 && r.luts > 50 && r.ffs > 200, "{r:?}");
        assert!(r.fmax_mhz > 20.0 && r.fmax_mhz < 1000.0, "{r:?}");
    }
    let readme = std::fs::read_to_string(job("tanh_synth", vec![]).out.join("README.md")).unwrap();
    assert!(readme.contains("| iCE40 UP5K |") && readme.contains("| ECP5-25k |"), "{readme}");
}

#[test]
fn unsupported_kernels_and_layers_get_clear_errors() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_pau");
    let (_, q) = polyact_tools::model_zoo::quantize_example(&dir, DType::I8).unwrap();
    let m = Model::from_bytes(&q.blob).unwrap();
    let e = layer_kernel(&m, m.n_ops() + 3).unwrap_err().to_string();
    assert!(e.contains("the model has"), "{e}");
    // PAU at int16 lowers to an exact rational kernel: no core for it yet.
    let (_, q16) = polyact_tools::model_zoo::quantize_example(&dir, DType::I16).unwrap();
    let m16 = Model::from_bytes(&q16.blob).unwrap();
    let act = (0..m16.n_ops())
        .find_map(|i| layer_kernel(&m16, i).ok().filter(|a| a.kind == polyact::activation::KernelKind::Rational))
        .expect("the int16 PAU model lowers its activations to rational kernels");
    let e = build(&act, "pau", None, &job("pau", vec![])).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("rational kernels have no HDL core"), "{e}");
}
