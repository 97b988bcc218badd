//! Every example model under `models/`: import, calibrate, quantize to int8 and
//! int16, run in the `polyact` runtime, and compare with the float model.
//! Bounds (issue #3 / #4): digits and MNIST int8 within 1.0 accuracy point of
//! float, int16 within 0.2; the accelerometer model at its float accuracy
//! (well above the majority baseline); the sine regression's MSE at most
//! 2.5× (int8) / 1.5× (int16) the float MSE.

use polyact::DType;
use polyact_tools::quantize::{calibrate, quantize, QuantOpts, RangeMode};
use polyact_tools::{data, eval, float_eval, lower::LowerOpts, onnx_import};
use std::path::{Path, PathBuf};

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

struct Run {
    float_acc: Option<f64>,
    quant_acc: Option<f64>,
    float_mse: Option<f64>,
    quant_mse: Option<f64>,
}

fn run(name: &str, act: DType) -> Run {
    let dir = models_dir().join(name);
    let g = onnx_import::import(&dir.join("model.onnx")).unwrap();
    let n_in = g.tensors[g.input].len();
    let calib = data::read_samples(&dir.join("calib.npy"), n_in).unwrap();
    let test_x = data::read_samples(&dir.join("test_x.npy"), n_in).unwrap();
    // The importer's own float graph must reproduce PyTorch's outputs.
    let n_out = g.tensors[g.output].len();
    let torch_out = data::read_samples(&dir.join("float_out.npy"), n_out).unwrap();
    for (x, want) in test_x.iter().zip(&torch_out).take(50) {
        let got = &float_eval::eval(&g, x).unwrap()[g.output];
        for (a, b) in got.iter().zip(want) {
            assert!(
                (a - *b as f64).abs() <= 1e-3 * (1.0 + b.abs() as f64),
                "{name}: float graph {a} vs torch {b}"
            );
        }
    }
    let cal = calibrate(&g, &calib, RangeMode::MinMax, || {}).unwrap();
    let opts = QuantOpts {
        act,
        range: RangeMode::MinMax,
        lower: LowerOpts::default(),
    };
    let q = quantize(&g, &cal, &opts, |_| {}).unwrap();
    for l in &q.report.layers {
        if let Some(a) = &l.activation {
            if let Some(e) = a.max_err_lsb {
                assert!(
                    e <= opts.lower.error_lsb,
                    "{name}: {} certified at {e}",
                    a.function
                );
            }
        }
    }
    let fl = eval::float_outputs(
        &dir.join("model.onnx"),
        &g.tensors[g.input].dims,
        &test_x,
        || {},
    )
    .unwrap();
    let qu = eval::quantized_outputs(&q.blob, &test_x, || {}).unwrap();
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let (labels, targets) = if meta["task"] == "regression" {
        (
            None,
            Some(data::read_samples(&dir.join("test_y.npy"), n_out).unwrap()),
        )
    } else {
        (
            Some(data::read_labels(&dir.join("test_y.npy")).unwrap()),
            None,
        )
    };
    let c = eval::compare(&fl, &qu, labels.as_deref(), targets.as_deref()).unwrap();
    println!("{name} {act:?}: {c:?}");
    Run {
        float_acc: c.float_accuracy,
        quant_acc: c.quant_accuracy,
        float_mse: c.float_mse_vs_labels,
        quant_mse: c.quant_mse_vs_labels,
    }
}

fn accuracy_within(name: &str, int8_points: f64, int16_points: f64) {
    for (act, bound) in [(DType::I8, int8_points), (DType::I16, int16_points)] {
        let r = run(name, act);
        let (f, q) = (r.float_acc.unwrap(), r.quant_acc.unwrap());
        assert!(
            100.0 * (f - q) <= bound + 1e-9,
            "{name} {act:?}: float {f:.4}, quantized {q:.4}"
        );
    }
}

#[test]
fn digits_polyrelu() {
    accuracy_within("digits_polyrelu", 1.0, 0.2);
}

#[test]
fn digits_pau_rational_and_external_weights() {
    accuracy_within("digits_pau", 1.0, 0.2);
}

#[test]
fn digits_helu() {
    accuracy_within("digits_helu", 1.0, 0.2);
}

#[test]
fn digits_hermite() {
    accuracy_within("digits_hermite", 1.0, 0.2);
}

#[test]
fn digits_gelu() {
    accuracy_within("digits_gelu", 1.0, 0.2);
}

#[test]
fn digits_polynorm() {
    accuracy_within("digits_polynorm", 1.0, 0.2);
}

#[test]
fn digits_custom_unnamed_activation() {
    accuracy_within("digits_custom", 1.0, 0.2);
}

#[test]
fn mnist_conv_depthwise() {
    accuracy_within("mnist_dwconv", 1.0, 0.2);
}

#[test]
fn motion_conv1d_matches_float() {
    accuracy_within("motion_conv1d", 0.0, 0.0);
}

#[test]
fn sine_regression() {
    for (act, factor) in [(DType::I8, 2.5), (DType::I16, 1.5)] {
        let r = run("sine", act);
        let (f, q) = (r.float_mse.unwrap(), r.quant_mse.unwrap());
        assert!(
            q <= factor * f,
            "sine {act:?}: float mse {f}, quantized {q}"
        );
    }
}
