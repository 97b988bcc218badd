//! BatchNorm folding, MatMul + Add bias folding, Flatten of NCHW and fused
//! elementwise activations, checked against an independent oracle: tract runs
//! the same ONNX file, the importer's float graph must agree.

mod common;

use common::{ints, weight as t, write_model};
use polyact_tools::{eval, float_eval, onnx};

fn node(op: &str, inputs: &[&str], out: &str, attrs: Vec<tract_onnx::pb::AttributeProto>) -> tract_onnx::pb::NodeProto {
    common::node(op, out, inputs, out, attrs)
}

#[test]
fn conv_batchnorm_flatten_matmul_add_agree_with_tract() {
    // x [1,6,6,2] NHWC -> Transpose -> Conv 3x3 (pad 1) -> BatchNorm -> HardSwish
    // -> Flatten (NCHW order!) -> MatMul -> Add(bias) -> Tanh.
    let nodes = vec![
        node("Transpose", &["x"], "xt", vec![ints("perm", &[0, 3, 1, 2])]),
        node("Conv", &["xt", "cw", "cb"], "c", vec![ints("kernel_shape", &[3, 3]), ints("pads", &[1, 1, 1, 1])]),
        node("BatchNormalization", &["c", "g", "b", "m", "v"], "bn", vec![]),
        node("HardSwish", &["bn"], "hs", vec![]),
        node("Flatten", &["hs"], "f", vec![]),
        node("MatMul", &["f", "mw"], "mm", vec![]),
        node("Add", &["mm", "mb"], "a", vec![]),
        node("Tanh", &["a"], "y", vec![]),
    ];
    let mut var = t("v", &[4], 9);
    var.float_data.iter_mut().for_each(|v| *v = v.abs() + 0.5);
    let inits = vec![
        t("cw", &[4, 2, 3, 3], 1),
        t("cb", &[4], 2),
        t("g", &[4], 3),
        t("b", &[4], 4),
        t("m", &[4], 5),
        var,
        t("mw", &[144, 5], 6),
        t("mb", &[5], 7),
    ];
    let p = write_model(nodes, inits, ("x", &[1, 6, 6, 2]), ("y", &[1, 5]), "fold.onnx");
    let g = onnx::import(&p).unwrap();
    // BatchNorm folded into the conv and the bias into the dense; the flatten
    // keeps HWC storage (a byte copy the planner can do in place) and the
    // dense weights are permuted to match.
    let kinds: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(kinds, ["conv2d", "activation", "reshape", "dense", "activation"], "{kinds:?}");
    let xs: Vec<Vec<f32>> =
        (0..4).map(|s| (0..72).map(|i| ((i * 7 + s * 13) % 17) as f32 / 8.0 - 1.0).collect()).collect();
    let want = eval::float_outputs(&p, &[6, 6, 2], &xs, || {}).unwrap();
    for (x, w) in xs.iter().zip(&want) {
        let got = &float_eval::eval(&g, x).unwrap()[g.output];
        for (a, b) in got.iter().zip(w) {
            assert!((a - *b as f64).abs() < 1e-4, "importer {a} vs tract {b}");
        }
    }
}
