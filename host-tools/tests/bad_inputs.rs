//! Malformed and unsupported inputs: each gives a clear error naming the file
//! or ONNX node and the reason — no panic, and a nonzero exit from the CLI.

mod common;

use common::tmp;
use polyact_tools::{data, onnx};
use std::path::{Path, PathBuf};
use std::process::Command;

fn node(op: &str, name: &str, inputs: &[&str], output: &str) -> tract_onnx::pb::NodeProto {
    common::node(op, name, inputs, output, vec![])
}

fn weight(name: &str, dims: &[i64]) -> tract_onnx::pb::TensorProto {
    common::weight(name, dims, 0)
}

fn model(
    nodes: Vec<tract_onnx::pb::NodeProto>,
    inits: Vec<tract_onnx::pb::TensorProto>,
    input_dims: &[i64],
    file: &str,
) -> PathBuf {
    common::write_model(nodes, inits, ("x", input_dims), ("y", &[1, 4]), file)
}

fn import_err(p: &Path) -> String {
    format!("{:#}", onnx::import(p).unwrap_err())
}

#[test]
fn not_onnx_and_missing_files() {
    let p = tmp("garbage.onnx");
    std::fs::write(&p, b"this is not a protobuf \xff\xff\xff\xff").unwrap();
    assert!(import_err(&p).contains("not a readable ONNX model"), "{}", import_err(&p));
    let e = import_err(Path::new("/nonexistent/model.onnx"));
    assert!(e.contains("/nonexistent/model.onnx"), "{e}");
    let real = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_gelu/model.onnx")).unwrap();
    let t = tmp("truncated.onnx");
    std::fs::write(&t, &real[..real.len() / 3]).unwrap();
    assert!(onnx::import(&t).is_err());
}

#[test]
fn unsupported_operator_is_named() {
    let p = model(
        vec![node("Gemm", "fc", &["x", "w"], "h"), node("LSTM", "my_lstm", &["h"], "y")],
        vec![weight("w", &[8, 4])],
        &[1, 8],
        "lstm.onnx",
    );
    let e = import_err(&p);
    assert!(e.contains("my_lstm") && e.contains("LSTM") && e.contains("unsupported operator"), "{e}");
}

#[test]
fn power_of_two_tensors_is_refused_with_reason() {
    // A gate (Mul of two tensors) imports; a tensor raised to another does not.
    let p = model(
        vec![
            node("Gemm", "a", &["x", "w"], "h1"),
            node("Gemm", "b", &["x", "w"], "h2"),
            node("Pow", "power", &["h1", "h2"], "y"),
        ],
        vec![weight("w", &[8, 4])],
        &[1, 8],
        "pow2.onnx",
    );
    let e = import_err(&p);
    assert!(e.contains("power") && e.contains("Pow of two different tensors is not supported"), "{e}");
}

#[test]
fn shape_mismatch_and_missing_weights() {
    let p = model(vec![node("Gemm", "fc", &["x", "w"], "y")], vec![weight("w", &[6, 4])], &[1, 8], "mismatch.onnx");
    let e = import_err(&p);
    assert!(e.contains("fc") && e.contains("8 features"), "{e}");
    let p = model(vec![node("Gemm", "fc", &["x", "nowhere"], "y")], vec![], &[1, 8], "missing.onnx");
    let e = import_err(&p);
    assert!(e.contains("nowhere"), "{e}");
    let p = model(vec![node("Gemm", "fc", &["x", "w"], "y")], vec![weight("w", &[8, 4])], &[2, 8], "batch.onnx");
    assert!(import_err(&p).contains("batch dimension"), "{}", import_err(&p));
}

#[test]
fn bad_data_files() {
    let p = tmp("text.npy");
    std::fs::write(&p, b"1,2,3\n").unwrap();
    assert!(format!("{:#}", data::read_samples(&p, 3).unwrap_err()).contains("text.npy"));
    let real = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_gelu/calib.npy");
    let e = format!("{:#}", data::read_samples(&real, 10).unwrap_err());
    assert!(e.contains("64 values") && e.contains("has 10"), "{e}");
    let labels = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_gelu/test_y.npy");
    let e = format!("{:#}", data::read_samples(&labels, 1).unwrap_err());
    assert!(e.contains("float32"), "{e}");
    let e = format!("{:#}", data::read_labels(&real).unwrap_err());
    assert!(e.contains("1-D") && e.contains("[200, 64]"), "{e}");
}

#[test]
fn cli_exits_nonzero_with_the_reason() {
    let bin = env!("CARGO_BIN_EXE_polyact");
    let p = model(
        vec![node("Gemm", "fc", &["x", "w"], "h"), node("LSTM", "my_lstm", &["h"], "y")],
        vec![weight("w", &[8, 4])],
        &[1, 8],
        "cli.onnx",
    );
    let calib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/digits_gelu/calib.npy");
    let out = Command::new(bin)
        .args([
            "quantize",
            p.to_str().unwrap(),
            "--calib",
            calib.to_str().unwrap(),
            "-o",
            tmp("x.pam").to_str().unwrap(),
        ])
        .env("POLYACT_NO_PROGRESS", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("my_lstm") && err.starts_with("error:"), "{err}");
    let corrupt = tmp("corrupt.pam");
    std::fs::write(&corrupt, b"PACT\x01\x00\x30\x00garbage").unwrap();
    let out = Command::new(bin).args(["inspect", corrupt.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("corrupt.pam"));
    let out = Command::new(bin).args(["fit", "tanh", "--range", "3,1"]).output().unwrap();
    assert!(!out.status.success());
}

#[test]
fn causal_attention_masks_are_refused_with_the_reason() {
    // Scores of one head, then a causal mask: as a constant (a registered
    // buffer, or the dynamo export's folded torch.triu) through Where, and
    // built at run time with Trilu (the TorchScript export of torch.triu).
    let scores = |mask: tract_onnx::pb::NodeProto| {
        vec![
            node("MatMul", "q_proj", &["x", "wq"], "q"),
            node("MatMul", "k_proj", &["x", "wk"], "k"),
            common::node("Transpose", "kt", &["k"], "kt", vec![common::ints("perm", &[0, 2, 1])]),
            node("MatMul", "scores", &["q", "kt"], "s"),
            mask,
            common::node("Softmax", "softmax", &["sm"], "y", vec![common::int("axis", -1)]),
        ]
    };
    let mut m = common::tensor("m", &[4, 4], &[0.0; 16]);
    m.data_type = tract_onnx::pb::tensor_proto::DataType::Bool as i32;
    m.float_data.clear();
    m.int32_data = (0..16).map(|i| i32::from(i % 4 > i / 4)).collect();
    let inits =
        || vec![weight("wq", &[4, 4]), weight("wk", &[4, 4]), common::tensor("ninf", &[], &[f32::NEG_INFINITY])];
    let io = |nodes, inits, file| common::write_model(nodes, inits, ("x", &[1, 4, 4]), ("y", &[1, 4, 4]), file);
    let mut with_const = inits();
    with_const.push(m);
    let p = io(scores(node("Where", "masked_fill", &["m", "ninf", "s"], "sm")), with_const, "causal_where.onnx");
    let e = import_err(&p);
    assert!(e.contains("masked_fill") && e.contains("Where") && e.contains("masked attention"), "{e}");
    let p = io(scores(node("Trilu", "causal_triu", &["s"], "sm")), inits(), "causal_trilu.onnx");
    let e = import_err(&p);
    assert!(e.contains("causal_triu") && e.contains("mask built at run time"), "{e}");
}
