//! Building small ONNX models in tests (tract-onnx's protobuf types + prost).
#![allow(dead_code)]

pub use polyact_tools::onnx::build::*;
use prost::Message;
use std::path::PathBuf;
use tract_onnx::pb;

/// A unique temporary path for this test process.
pub fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("polyact-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// Write an opset-17 model with one input and one output to a temporary file.
pub fn write_model(
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    input: (&str, &[i64]),
    output: (&str, &[i64]),
    file: &str,
) -> PathBuf {
    write_model_opset(nodes, inits, input, output, file, 17)
}

/// [`write_model`] at another opset.
pub fn write_model_opset(
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    input: (&str, &[i64]),
    output: (&str, &[i64]),
    file: &str,
    opset: i64,
) -> PathBuf {
    let m = model(nodes, inits, input, output, opset);
    let p = tmp(file);
    std::fs::write(&p, m.encode_to_vec()).unwrap();
    p
}
