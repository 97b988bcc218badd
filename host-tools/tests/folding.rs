//! BatchNorm folding, MatMul + Add bias folding, Flatten of NCHW and fused
//! elementwise activations, checked against an independent oracle: tract runs
//! the same ONNX file, the importer's float graph must agree.

mod common;

use common::{ints, weight as t, write_model};
use polyact_tools::ir::Op;
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

#[test]
fn a_bias_read_by_several_activations_folds_once_into_the_dense() {
    // PolyNorm after a Linear over tokens, as the dynamo exporter writes it:
    // MatMul, then Add(bias) read by x, x·x and x·x·x, each RMS-normalised.
    // The bias must end in the dense, not in three per-channel tables.
    let mut nodes = vec![
        node("MatMul", &["x", "w"], "mm", vec![]),
        node("Add", &["mm", "b"], "h1", vec![]),
        node("Mul", &["h1", "h1"], "h2", vec![]),
        node("Mul", &["h2", "h1"], "h3", vec![]),
    ];
    for i in 1..=3 {
        let v = |s: &str| format!("{s}{i}");
        let (p, sq, m, a, r, ri, n) = (v("h"), v("sq"), v("m"), v("a"), v("r"), v("ri"), v("n"));
        nodes.extend([
            node("Mul", &[&p, &p], &sq, vec![]),
            node("ReduceMean", &[&sq], &m, vec![ints("axes", &[-1]), common::int("keepdims", 1)]),
            node("Add", &[&m, "eps"], &a, vec![]),
            node("Sqrt", &[&a], &r, vec![]),
            node("Reciprocal", &[&r], &ri, vec![]),
            node("Mul", &[&p, &ri], &n, vec![]),
        ]);
    }
    nodes.extend([node("Add", &["n1", "n2"], "s", vec![]), node("Add", &["s", "n3"], "y", vec![])]);
    let inits = vec![t("w", &[6, 5], 1), t("b", &[5], 2), common::tensor("eps", &[], &[1e-6])];
    let p = write_model(nodes, inits, ("x", &[1, 3, 6]), ("y", &[1, 3, 5]), "shared_bias.onnx");
    let g = onnx::import(&p).unwrap();
    let shown: Vec<String> = g.nodes.iter().map(|n| format!("{} {:?}", n.op.name(), n.op)).collect();
    let per_channel = |n: &&polyact_tools::ir::Node| matches!(&n.op, Op::Act(a) if a.f.to_string().contains("c[5]"));
    assert_eq!(g.nodes.iter().filter(per_channel).count(), 0, "{shown:#?}");
    let bias = g.nodes.iter().find_map(|n| if let Op::Dense(d) = &n.op { Some(d.b.clone()) } else { None });
    assert!(bias.unwrap().iter().any(|&b| b != 0.0), "the bias stayed outside the dense: {shown:#?}");
    let xs: Vec<Vec<f32>> =
        (0..4).map(|s| (0..18).map(|i| ((i * 5 + s * 11) % 13) as f32 / 6.0 - 1.0).collect()).collect();
    let want = eval::float_outputs(&p, &[3, 6], &xs, || {}).unwrap();
    for (x, w) in xs.iter().zip(&want) {
        let got = &float_eval::eval(&g, x).unwrap()[g.output];
        for (a, b) in got.iter().zip(w) {
            assert!((a - *b as f64).abs() < 1e-4, "importer {a} vs tract {b}");
        }
    }
}
