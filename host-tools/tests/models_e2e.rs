//! Every example model under `models/`: import, calibrate, quantize to int8 and
//! int16, run in the `polyact` runtime, and compare with the float model.
//! Bounds (issues #3, #4 and #12): digits, MNIST and the multiplicative and
//! attention networks int8 within 1.0 accuracy point of float, int16 within 0.2; the accelerometer model at its float accuracy,
//! above its majority baseline; the sine regression's MSE at most 2.5× (int8)
//! / 1.5× (int16) the float MSE. The importer's float graph must reproduce
//! PyTorch's stored outputs, and every activation must certify at the target.

use polyact::DType;
use polyact_tools::lower::LowerOpts;
use polyact_tools::model_zoo::{self, metric, read_meta};
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models").join(name)
}

fn check(name: &str, int8_points: f64, int16_points: f64) {
    check_file(name, model_zoo::MODEL_FILE, int8_points, int16_points);
}

/// [`check`] of the model file and of the other exporter's copy of the same
/// weights: both PyTorch exporters import, agree with PyTorch and quantize.
fn check_both_exporters(name: &str, int8_points: f64, int16_points: f64) {
    check(name, int8_points, int16_points);
    let other: Vec<&str> = model_zoo::OTHER_EXPORTER_FILES.into_iter().filter(|f| dir(name).join(f).exists()).collect();
    assert_eq!(other.len(), 1, "{name}: expected the other exporter's file, found {other:?}");
    check_file(name, other[0], int8_points, int16_points);
}

fn check_file(name: &str, file: &str, int8_points: f64, int16_points: f64) {
    for (act, bound) in [(DType::I8, int8_points), (DType::I16, int16_points)] {
        let r = model_zoo::evaluate_file(&dir(name), file, act).unwrap();
        let name = &format!("{name} ({file})");
        println!("{name} {act:?}: {:?}", r.comparison);
        assert!(
            r.importer_vs_torch <= 1e-3,
            "{name}: importer float graph differs from PyTorch by {}",
            r.importer_vs_torch
        );
        if let Some(e) = r.max_activation_err {
            assert!(e <= LowerOpts::default().error_lsb, "{name}: activation certified at {e} LSB");
        }
        // The float metric recorded at training time is what tract reproduces.
        assert!(
            (metric(&r, false) - r.meta.float_metric).abs() <= 1e-6 + 1e-3 * r.meta.float_metric.abs(),
            "{name}: float metric {} vs meta {}",
            metric(&r, false),
            r.meta.float_metric
        );
        let (f, q) = (metric(&r, false), metric(&r, true));
        if r.meta.task == "regression" {
            assert!(q <= bound * f, "{name} {act:?}: float mse {f}, quantized {q}");
        } else {
            assert!(100.0 * (f - q) <= bound + 1e-9, "{name} {act:?}: float {f:.4}, quantized {q:.4}");
        }
    }
}

#[test]
fn digits_polyrelu() {
    check("digits_polyrelu", 1.0, 0.2);
}

#[test]
fn digits_pau_rational_and_external_weights() {
    check("digits_pau", 1.0, 0.2);
}

#[test]
fn digits_helu() {
    check("digits_helu", 1.0, 0.2);
}

#[test]
fn digits_hermite() {
    check("digits_hermite", 1.0, 0.2);
}

#[test]
fn digits_gelu() {
    check("digits_gelu", 1.0, 0.2);
}

#[test]
fn digits_polynorm() {
    check("digits_polynorm", 1.0, 0.2);
}

#[test]
fn digits_custom_unnamed_activation() {
    check("digits_custom", 1.0, 0.2);
}

#[test]
fn mnist_conv_depthwise() {
    check("mnist_dwconv", 1.0, 0.2);
}

#[test]
fn motion_conv1d_matches_float_and_beats_baseline() {
    check("motion_conv1d", 0.0, 0.0);
    let m = read_meta(&dir("motion_conv1d")).unwrap();
    let base = m.baseline.unwrap()["majority_class_accuracy"].as_f64().unwrap();
    assert!(m.float_metric > base + 0.5, "float {} vs baseline {base}", m.float_metric);
}

#[test]
fn sine_regression() {
    check("sine", 2.5, 1.5);
}

#[test]
fn transformer_with_polyrelu_ffn() {
    check_both_exporters("digits_transformer_polyrelu", 1.0, 0.2);
}

#[test]
fn transformer_with_polynorm_ffn() {
    check_both_exporters("digits_transformer_polynorm", 1.0, 0.2);
}

#[test]
fn transformer_with_power_softmax_attention() {
    check_both_exporters("digits_transformer_powersoftmax", 1.0, 0.2);
}

#[test]
fn swiglu_mlp() {
    check_both_exporters("digits_swiglu", 1.0, 0.2);
}

#[test]
fn monet_multiplicative_network() {
    check_both_exporters("digits_monet", 1.0, 0.2);
}

#[test]
fn every_model_directory_is_tested() {
    // Each name has its own test function above.
    use polyact_tools::model_zoo::{DIGITS_MODELS, MULTIPLICATIVE_MODELS};
    let tested: Vec<&str> = DIGITS_MODELS
        .into_iter()
        .chain(MULTIPLICATIVE_MODELS)
        .chain(["mnist_dwconv", "motion_conv1d", "sine"])
        .collect();
    for e in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")).unwrap() {
        let p = e.unwrap().path();
        if p.join("meta.json").exists() {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            assert!(tested.contains(&name.as_str()), "model {name} has no end-to-end test");
        }
    }
}
