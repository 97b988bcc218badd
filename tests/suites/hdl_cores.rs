//! The HDL cores CI builds: a learned polynomial from a real model (PolyReLU),
//! fitted smooth functions with many segments (GELU, tanh) and the ReLU family,
//! each simulated on every input in rust-hdl and as Verilog in Icarus against
//! the runtime kernel; the small DSP cores (GELU, tanh, PolyReLU) through the
//! CLI's paths, synthesized for both FPGA families.

use polyact::{DType, Model};
use polyact_hdl::synth::Device;
use polyact_hdl::CoreSpec;
use polyact_tools::expr_parse::parse;
use polyact_tools::hdl::{build, from_fit, from_model, layer_kernel, Core, HdlJob, HdlOutcome};
use polyact_tools::lower::{fit_function, with_runtime_kernel, FittedFunction, LowerOpts};
use polyact_tools::model_zoo::{quantize_file_with, MODEL_FILE};
use polyact_tools::report::write_model;
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
    assert!(matches!(out.general(), Some(CoreSpec::Poly(_))), "{}", out.describe());
    assert_eq!(out.lint.as_deref(), Some(""));
}

#[test]
fn fitted_gelu_and_tanh_with_many_segments_are_bit_exact() {
    for (f, range) in [("gelu(x)", (-8.0, 8.0)), ("tanh(x)", (-4.0, 4.0))] {
        let fitted = fit(f, DType::I16, range);
        let name = if f.starts_with("gelu") { "gelu" } else { "tanh" };
        let out = build_fit(&fitted, &job(name, vec![]));
        let Some(CoreSpec::Poly(p)) = out.general() else { panic!("{f}: {}", out.describe()) };
        assert!(p.seg_bits >= 3, "{f}: {}", out.describe());
        assert!(fitted.lowered.max_err <= LowerOpts::default().error_lsb);
        assert_eq!(out.vectors, 65536);
    }
}

#[test]
fn relu_family_and_table_cores_are_bit_exact() {
    // ReLU and LeakyReLU at int16 (every input)...
    let relu = fit("relu(x)", DType::I16, (-4.0, 4.0));
    let out = build_fit(&relu, &job("relu16", vec![]));
    assert!(matches!(out.general(), Some(CoreSpec::Relu(_))) && out.vectors == 65536, "{}", out.describe());
    let leaky = fit("relu(x) - 0.1*relu(-x)", DType::I16, (-3.0, 5.0));
    let out = build_fit(&leaky, &job("leaky16", vec![]));
    let Some(CoreSpec::Relu(r)) = out.general() else { panic!("{}", out.describe()) };
    assert!(r.pos != r.neg, "{r:?}");
    // ...and at int8 with a zero point, where the exact table wins.
    let leaky8 = fit("relu(x) - 0.1*relu(-x)", DType::I8, (-3.0, 5.0));
    let out = build_fit(&leaky8, &job("leaky8", vec![]));
    assert!(matches!(out.general(), Some(CoreSpec::Table(_))) && out.vectors == 256, "{}", out.describe());
}

/// Item 1's limits for a small core: at most 2 DSP blocks and 300
/// flip-flops, at most 12 cycles of latency on either family.
fn assert_small_dsp_core(what: &str, out: &HdlOutcome) {
    let plan = out.dsp().unwrap_or_else(|| panic!("{what}: not a DSP core: {}", out.describe()));
    assert_eq!(out.vectors, 65536, "{what}");
    // Portable and ECP5 variants, each free-running, stalling, from X, 0 and 1.
    assert_eq!(out.benches.len(), 2 * polyact_hdl::dsp_core::BENCH_RUNS.len(), "{what}");
    assert!(out.benches.iter().all(|(_, b)| b.vectors == 65536 && b.mismatches == 0), "{what}");
    for ecp5 in [false, true] {
        assert!(polyact_hdl::dsp_core::verilog::latency(plan, ecp5) <= 12, "{what}: {}", out.describe());
    }
    assert_eq!(out.reports.len(), 2, "{what}");
    for r in &out.reports {
        assert!(r.dsps <= 2 && r.ffs <= 300 && r.luts > 0, "{what}: {r:?}");
        assert!(r.fmax_mhz > 20.0 && r.fmax_mhz < 1000.0, "{what}: {r:?}");
    }
    let readme = std::fs::read_to_string(out_dir(what).join("README.md")).unwrap();
    assert!(readme.contains("| iCE40 UP5K |") && readme.contains("| ECP5-25k |"), "{readme}");
    assert!(readme.contains("zero point") || readme.contains("(x − "), "{readme}");
}

fn out_dir(name: &str) -> PathBuf {
    job(name, vec![]).out
}

/// The CLI's paths to a small core: `polyact hdl --fit F` (lowered within the
/// core's limits), and `polyact quantize --fpga-cores` then `polyact hdl
/// MODEL --layer N`; each checked on every input and synthesized for both
/// families.
#[test]
fn small_dsp_cores_for_gelu_tanh_and_polyrelu_through_the_cli_paths() {
    // tanh's slope (4 output LSB per input LSB) leaves its slope word 12
    // fractional bits in a 16-bit multiplicand: 0.52 LSB, not 0.51.
    let default = LowerOpts::default().error_lsb;
    for (f, range, name, error_lsb) in
        [("gelu(x)", (-8.0, 8.0), "dsp_gelu", default), ("tanh(x)", (-4.0, 4.0), "dsp_tanh", 0.53)]
    {
        let opts = LowerOpts { error_lsb, ..LowerOpts::default() }.fpga_core();
        let fitted = fit_function(parse(f).unwrap(), DType::I16, range, DType::I16, None, &opts, |_| {}).unwrap();
        assert!(fitted.lowered.max_err <= opts.error_lsb, "{f}: {}", fitted.lowered.max_err);
        let out = from_fit(&fitted, &job(name, Device::ALL.to_vec())).unwrap();
        assert_small_dsp_core(name, &out);
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_polyrelu");
    let lower = LowerOpts::default().two_dsp_cores();
    let (_, q) = quantize_file_with(&dir, MODEL_FILE, DType::I16, lower).unwrap();
    let work = out_dir("dsp_polyrelu_model");
    std::fs::create_dir_all(&work).unwrap();
    let blob = work.join("model.pam");
    write_model(&blob, &q.blob, &q.report).unwrap();
    let m = Model::from_bytes(&q.blob).unwrap();
    let layer = (0..m.n_ops()).find(|&i| layer_kernel(&m, i).is_ok_and(|a| a.as_poly().is_some())).unwrap();
    let out = from_model(&blob, layer, &job("dsp_polyrelu", Device::ALL.to_vec())).unwrap();
    assert_small_dsp_core("dsp_polyrelu", &out);
    let readme = std::fs::read_to_string(out_dir("dsp_polyrelu").join("README.md")).unwrap();
    assert!(readme.contains("applies this activation fused") && readme.contains("real = "), "{readme}");
}

#[test]
fn unsupported_kernels_and_layers_get_clear_errors() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_pau");
    let (_, q) = polyact_tools::model_zoo::quantize_example(&dir, DType::I8).unwrap();
    let m = Model::from_bytes(&q.blob).unwrap();
    let e = layer_kernel(&m, m.n_ops() + 3).unwrap_err().to_string();
    assert!(e.contains("the model has"), "{e}");
    // The rational core takes one coefficient set, one lane.
    let (_, q16) = polyact_tools::model_zoo::quantize_example(&dir, DType::I16).unwrap();
    let m16 = Model::from_bytes(&q16.blob).unwrap();
    let act = (0..m16.n_ops())
        .find_map(|i| layer_kernel(&m16, i).ok().filter(|a| a.kind == polyact::activation::KernelKind::Rational))
        .expect("the int16 PAU model lowers its activations to rational kernels");
    let e = build(&act, "pau", None, &HdlJob { lanes: 2, ..job("pau_lanes", vec![]) }).err().unwrap().to_string();
    assert!(e.contains("rational core has one lane"), "{e}");
}

/// A PAU layer of the int16 digits model (an exact rational kernel, safe
/// denominator): the rational core on every input, from any start state,
/// with stalls. (Its synthesis takes minutes: `cargo xtask fpga-core-table`.)
#[test]
fn pau_layer_of_the_digits_model_is_a_bit_exact_rational_core() {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_pau");
    let (_, q) = polyact_tools::model_zoo::quantize_example(&dir, DType::I16).unwrap();
    let m = Model::from_bytes(&q.blob).unwrap();
    let layer = (0..m.n_ops())
        .find(|&i| layer_kernel(&m, i).is_ok_and(|a| a.kind == polyact::activation::KernelKind::Rational))
        .unwrap();
    let act = layer_kernel(&m, layer).unwrap();
    let out = build(&act, "digits_pau", None, &job("pau16", vec![])).unwrap();
    let Core::Rational(plan) = &out.core else { panic!("{}", out.describe()) };
    assert!(plan.num.steps.len() >= 2 && plan.den.steps.len() >= 2, "{}", out.describe());
    assert_eq!(out.vectors, 65536);
    assert_eq!(out.benches.len(), 2 * polyact_hdl::stream::bench::BENCH_RUNS.len());
    assert!(out.benches.iter().all(|(_, b)| b.vectors == 65536 && b.mismatches == 0));
    assert_eq!(out.lint.as_deref(), Some(""));
}
