//! BatchNorm folding, MatMul + Add bias folding, Flatten of NCHW and fused
//! elementwise activations, checked against an independent oracle: tract runs
//! the same ONNX file, the importer's float graph must agree.

use polyact_tools::{eval, float_eval, onnx_import};
use prost::Message;
use tract_onnx::pb;

fn vi(name: &str, dims: &[i64]) -> pb::ValueInfoProto {
    let dim = dims
        .iter()
        .map(|&d| pb::tensor_shape_proto::Dimension {
            value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(d)),
            ..Default::default()
        })
        .collect();
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: 1,
                shape: Some(pb::TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn t(name: &str, dims: &[i64], seed: u32) -> pb::TensorProto {
    let n: i64 = dims.iter().product();
    let data =
        (0..n).map(|i| ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 1000.0 - 0.4).collect();
    pb::TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 1, float_data: data, ..Default::default() }
}

fn node(op: &str, inputs: &[&str], out: &str, attrs: Vec<pb::AttributeProto>) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: out.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![out.into()],
        attribute: attrs,
        ..Default::default()
    }
}

fn ints(name: &str, v: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto { name: name.into(), ints: v.to_vec(), r#type: 7, ..Default::default() }
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
    let m = pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: 17 }],
        graph: Some(pb::GraphProto {
            node: nodes,
            initializer: inits,
            input: vec![vi("x", &[1, 6, 6, 2])],
            output: vec![vi("y", &[1, 5])],
            name: "fold".into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let p = std::env::temp_dir().join(format!("polyact-fold-{}.onnx", std::process::id()));
    std::fs::write(&p, m.encode_to_vec()).unwrap();
    let g = onnx_import::import(&p).unwrap();
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
