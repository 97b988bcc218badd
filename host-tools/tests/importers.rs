//! Every operator of the importer table, imported from a tiny ONNX graph and
//! evaluated by the float graph (`float_eval`), agrees with tract running the
//! same file. A table operator without a case here fails the coverage test.

mod common;

use common::{float, int, int64s, ints, node, string, tensor, weight, write_model_opset};
use polyact_tools::{eval, float_eval, onnx};
use tract_onnx::pb;

/// One tiny graph: nodes, initializers, input and output shapes, opset.
struct Case {
    name: &'static str,
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    input: Vec<i64>,
    output: Vec<i64>,
    opset: i64,
}

/// A case on a `[1, 6]` input at opset 17.
fn flat(name: &'static str, nodes: Vec<pb::NodeProto>, inits: Vec<pb::TensorProto>, out: &[i64]) -> Case {
    Case { name, nodes, inits, input: vec![1, 6], output: out.to_vec(), opset: 17 }
}

fn n(op: &str, inputs: &[&str], out: &str, attrs: Vec<pb::AttributeProto>) -> pb::NodeProto {
    node(op, out, inputs, out, attrs)
}

/// `x [1, 6] → op → y`, attributes `attrs`.
fn unary(op: &str, attrs: Vec<pb::AttributeProto>) -> Case {
    Case {
        name: "unary",
        nodes: vec![n(op, &["x"], "y", attrs)],
        inits: vec![],
        input: vec![1, 6],
        output: vec![1, 6],
        opset: 17,
    }
}

/// `y = x op c` with a per-channel constant.
fn with_const(op: &str) -> Case {
    let c = tensor("c", &[6], &[0.5, 1.5, -0.75, 2.0, 0.25, 1.25]);
    Case {
        name: "const",
        nodes: vec![n(op, &["x", "c"], "y", vec![])],
        inits: vec![c],
        input: vec![1, 6],
        output: vec![1, 6],
        opset: 17,
    }
}

/// NHWC input `[1, 5, 5, 2]` → NCHW → `body` (reading "xt", writing "b") → NHWC output.
fn nchw(body: Vec<pb::NodeProto>, inits: Vec<pb::TensorProto>, out_nhwc: &[i64]) -> Case {
    let mut nodes = vec![n("Transpose", &["x"], "xt", vec![ints("perm", &[0, 3, 1, 2])])];
    nodes.extend(body);
    nodes.push(n("Transpose", &["b"], "y", vec![ints("perm", &[0, 2, 3, 1])]));
    Case { name: "nchw", nodes, inits, input: vec![1, 5, 5, 2], output: out_nhwc.to_vec(), opset: 17 }
}

fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = [
        "Relu",
        "Sigmoid",
        "Tanh",
        "Erf",
        "Exp",
        "Log",
        "Softplus",
        "Sin",
        "Cos",
        "Sqrt",
        "Abs",
        "Neg",
        "Reciprocal",
        "HardSwish",
        "Softsign",
    ]
    .iter()
    .map(|op| unary(op, vec![]))
    .collect();
    v.push(unary("HardSigmoid", vec![float("alpha", 0.3), float("beta", 0.4)]));
    v.push(unary("Elu", vec![float("alpha", 0.7)]));
    v.push(unary("Selu", vec![]));
    v.push(unary("LeakyRelu", vec![float("alpha", 0.2)]));
    v.push(Case { opset: 18, ..unary("Mish", vec![]) });
    // A convolution straight from a multi-channel NCHW graph input, as
    // PyTorch exports nn.Conv2d (the importer stores it channels last).
    v.push(Case {
        name: "conv from an NCHW graph input",
        nodes: vec![
            n("Conv", &["x", "k"], "b", vec![ints("pads", &[1, 1, 1, 1])]),
            n("Transpose", &["b"], "y", vec![ints("perm", &[0, 2, 3, 1])]),
        ],
        inits: vec![weight("k", &[3, 2, 3, 3], 7)],
        input: vec![1, 2, 5, 5],
        output: vec![1, 5, 5, 3],
        opset: 17,
    });
    for op in ["Tan", "Atan", "Sinh", "Cosh", "Asinh", "Sign", "Round", "Floor", "Ceil"] {
        v.push(unary(op, vec![]));
    }
    v.push(unary("Celu", vec![float("alpha", 0.8)]));
    v.push(unary("ThresholdedRelu", vec![float("alpha", 0.9)]));
    v.push(unary("Shrink", vec![float("bias", 0.2), float("lambd", 0.7)]));
    // Inverse functions on their domains: |x| < 1, and x ≥ 1 for Acosh.
    for (op, pre, c) in [("Asin", "Mul", 0.5), ("Acos", "Mul", 0.5), ("Atanh", "Mul", 0.5), ("Acosh", "Add", 1.0)] {
        let nodes = vec![n(pre, &["x", "c"], "t", vec![]), n(op, &["t"], "y", vec![])];
        v.push(flat("inverse on its domain", nodes, vec![tensor("c", &[], &[c])], &[1, 6]));
    }
    v.push(Case { opset: 20, ..unary("Gelu", vec![string("approximate", "tanh")]) });
    for op in ["Add", "Sub", "Mul", "Div", "Max", "Min", "PRelu"] {
        v.push(with_const(op));
    }
    v.push(flat("pow", vec![n("Pow", &["x", "p"], "y", vec![])], vec![tensor("p", &[], &[3.0])], &[1, 6]));
    // Masks as PyTorch writes them: comparisons, logic, casts back to float
    // (a B-spline basis's `((x >= g0) & (x < g1)).to(x.dtype)`).
    let f32_cast = || vec![int("to", 1)];
    v.push(flat(
        "mask",
        vec![
            n("GreaterOrEqual", &["x", "lo"], "a", vec![]),
            n("Less", &["x", "hi"], "b", vec![]),
            n("And", &["a", "b"], "m", vec![]),
            n("Cast", &["m"], "mf", f32_cast()),
            n("Mul", &["x", "mf"], "y", vec![]),
        ],
        vec![tensor("lo", &[6], &[-0.5, -0.2, 0.0, 0.1, -1.0, 0.3]), tensor("hi", &[], &[0.4])],
        &[1, 6],
    ));
    v.push(flat(
        "mask or not",
        vec![
            n("Greater", &["x", "lo"], "a", vec![]),
            n("LessOrEqual", &["x", "hi"], "b", vec![]),
            n("Not", &["a"], "na", vec![]),
            n("Or", &["na", "b"], "m", vec![]),
            n("Cast", &["m"], "y", f32_cast()),
        ],
        vec![tensor("lo", &[], &[0.2]), tensor("hi", &[], &[-0.3])],
        &[1, 6],
    ));
    v.push(flat(
        "cast to int and back",
        vec![
            n("Mul", &["x", "k"], "t", vec![]),
            n("Cast", &["t"], "i", vec![int("to", 6)]),
            n("Cast", &["i"], "y", f32_cast()),
        ],
        vec![tensor("k", &[], &[3.0])],
        &[1, 6],
    ));
    v.push(flat(
        "unsqueeze, squeeze",
        vec![
            n("Unsqueeze", &["x", "ax"], "u", vec![]),
            n("Relu", &["u"], "r", vec![]),
            n("Squeeze", &["r", "ax"], "y", vec![]),
        ],
        vec![int64s("ax", &[2])],
        &[1, 6],
    ));
    v.push(flat(
        "clip",
        vec![n("Clip", &["x", "lo", "hi"], "y", vec![])],
        vec![tensor("lo", &[], &[0.3]), tensor("hi", &[], &[1.2])],
        &[1, 6],
    ));
    // Two different tensors: a residual add, a difference, an elementwise max / min.
    for op in ["Add", "Sub", "Max", "Min"] {
        let nodes = vec![
            n("Relu", &["x"], "a", vec![]),
            n("Sigmoid", &["x"], "s", vec![]),
            n("MatMul", &["s", "w"], "b", vec![]),
            n(op, &["a", "b"], "y", vec![]),
        ];
        v.push(flat("two tensors", nodes, vec![weight("w", &[6, 6], 3)], &[1, 6]));
    }
    v.push(flat(
        "gate (SwiGLU: silu(x W1) * x W2)",
        gate_nodes(),
        vec![weight("w1", &[6, 5], 3), weight("w2", &[6, 5], 4)],
        &[1, 5],
    ));
    v.push(flat(
        "gemm",
        vec![n("Gemm", &["x", "w", "b"], "y", vec![int("transB", 1), float("alpha", 0.5)])],
        vec![weight("w", &[4, 6], 1), weight("b", &[4], 2)],
        &[1, 4],
    ));
    v.push(flat(
        "matmul + bias + tanh",
        vec![n("MatMul", &["x", "w"], "m", vec![]), n("Add", &["m", "b"], "a", vec![]), n("Tanh", &["a"], "y", vec![])],
        vec![weight("w", &[6, 4], 1), weight("b", &[4], 2)],
        &[1, 4],
    ));
    let conv = |group: i64| {
        n(
            "Conv",
            &["xt", "cw", "cb"],
            "c",
            vec![ints("kernel_shape", &[3, 3]), ints("pads", &[1, 1, 1, 1]), int("group", group)],
        )
    };
    let c = conv(1);
    v.push(nchw(
        vec![c, n("BatchNormalization", &["c", "g", "be", "mu", "var"], "bn", vec![]), n("Relu", &["bn"], "b", vec![])],
        vec![
            weight("cw", &[3, 2, 3, 3], 4),
            weight("cb", &[3], 5),
            weight("g", &[3], 6),
            weight("be", &[3], 7),
            weight("mu", &[3], 8),
            tensor("var", &[3], &[0.5, 1.0, 2.0]),
        ],
        &[1, 5, 5, 3],
    ));
    let dw = conv(2);
    v.push(nchw(
        vec![dw, n("Relu", &["c"], "b", vec![])],
        vec![weight("cw", &[2, 1, 3, 3], 4), weight("cb", &[2], 5)],
        &[1, 5, 5, 2],
    ));
    v.push(nchw(
        vec![n("BatchNormalization", &["xt", "g", "be", "mu", "var"], "b", vec![])],
        vec![weight("g", &[2], 6), weight("be", &[2], 7), weight("mu", &[2], 8), tensor("var", &[2], &[0.5, 2.0])],
        &[1, 5, 5, 2],
    ));
    let pool_attrs = || vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])];
    v.push(nchw(vec![n("MaxPool", &["xt"], "b", pool_attrs())], vec![], &[1, 2, 2, 2]));
    v.push(nchw(vec![n("AveragePool", &["xt"], "b", pool_attrs())], vec![], &[1, 2, 2, 2]));
    v.push(nchw(vec![n("GlobalMaxPool", &["xt"], "b", vec![])], vec![], &[1, 1, 1, 2]));
    v.push(nchw(vec![n("GlobalAveragePool", &["xt"], "b", vec![])], vec![], &[1, 1, 1, 2]));
    v.push(nchw(vec![n("ReduceMean", &["xt"], "b", vec![ints("axes", &[2, 3])])], vec![], &[1, 1, 1, 2]));
    v.push(flat(
        "rms norm (ReduceMean of x²)",
        vec![
            n("Mul", &["x", "x"], "sq", vec![]),
            n("ReduceMean", &["sq"], "ms", vec![ints("axes", &[-1])]),
            n("Add", &["ms", "eps"], "mse", vec![]),
            n("Sqrt", &["mse"], "rms", vec![]),
            n("Reciprocal", &["rms"], "inv", vec![]),
            n("Mul", &["x", "inv"], "y", vec![]),
        ],
        vec![tensor("eps", &[], &[1e-6])],
        &[1, 6],
    ));
    v.push(flat(
        "identity, dropout",
        vec![n("Identity", &["x"], "i", vec![]), n("Dropout", &["i"], "d", vec![]), n("Tanh", &["d"], "y", vec![])],
        vec![],
        &[1, 6],
    ));
    let constant = pb::NodeProto {
        attribute: vec![pb::AttributeProto {
            name: "value".into(),
            t: Some(tensor("", &[6], &[1.0, 2.0, 3.0, 0.5, 0.25, 4.0])),
            r#type: 4,
            ..Default::default()
        }],
        ..n("Constant", &[], "k", vec![])
    };
    v.push(flat("constant", vec![constant, n("Mul", &["x", "k"], "y", vec![])], vec![], &[1, 6]));
    v.push(flat(
        "reshape",
        vec![n("Reshape", &["x", "shape"], "r", vec![]), n("Tanh", &["r"], "y", vec![])],
        vec![int64s("shape", &[1, 2, 3])],
        &[1, 2, 3],
    ));
    v.push(Case {
        input: vec![1, 2, 3],
        ..flat("flatten", vec![n("Flatten", &["x"], "f", vec![]), n("Tanh", &["f"], "y", vec![])], vec![], &[1, 6])
    });
    v.push(nchw(vec![n("Relu", &["xt"], "b", vec![])], vec![], &[1, 5, 5, 2]));
    v.push(Case {
        input: vec![1, 3, 2, 4],
        ..flat(
            "head split",
            vec![n("Transpose", &["x"], "t", vec![ints("perm", &[0, 2, 1, 3])]), n("Tanh", &["t"], "y", vec![])],
            vec![],
            &[1, 2, 3, 4],
        )
    });
    v.push(Case {
        input: vec![1, 3, 4],
        ..flat("attention scores", attention_nodes(), attention_weights(), &[1, 3, 3])
    });
    let concat = n("Concat", &["a", "s"], "y", vec![int("axis", 1)]);
    v.push(flat(
        "concat",
        vec![n("Relu", &["x"], "a", vec![]), n("Sigmoid", &["x"], "s", vec![]), concat],
        vec![],
        &[1, 12],
    ));
    // Constants of the tensor's shape (a learned positional embedding) and
    // broadcast along the last axis (a per-token scale).
    let pos = vec![n("Add", &["x", "pos"], "e", vec![]), n("Mul", &["e", "tok"], "y", vec![])];
    let pos_inits = vec![weight("pos", &[1, 3, 4], 7), weight("tok", &[3, 1], 8)];
    v.push(Case { input: vec![1, 3, 4], ..flat("positional embedding", pos, pos_inits, &[1, 3, 4]) });
    // Reductions of a plain tensor: over tokens, over features, keepdims both ways.
    let reductions = [
        n("ReduceSum", &["x", "ax"], "y", vec![int("keepdims", 1)]),
        n("ReduceMax", &["x"], "y", vec![ints("axes", &[-1]), int("keepdims", 1)]),
        n("ReduceMin", &["x"], "y", vec![ints("axes", &[-1]), int("keepdims", 1)]),
        n("ReduceMean", &["x"], "y", vec![ints("axes", &[1]), int("keepdims", 0)]),
    ];
    for (r, out) in reductions.into_iter().zip([[1, 3, 1], [1, 3, 1], [1, 3, 1], [1, 4, 0]]) {
        let out: Vec<i64> = out.into_iter().filter(|&d| d > 0).collect();
        v.push(Case { input: vec![1, 3, 4], ..flat("reduce", vec![r], vec![int64s("ax", &[-1])], &out) });
    }
    v.push(Case {
        input: vec![1, 3, 4],
        ..flat("power softmax", power_softmax_nodes(), power_softmax_inits(), &[1, 3, 3])
    });
    v.push(flat("glu (split)", glu_nodes(), vec![weight("w", &[6, 8], 4)], &[1, 4]));
    let slice = n("Slice", &["x", "st", "en", "ax1"], "sl", vec![]);
    let slice_inits = vec![int64s("st", &[1]), int64s("en", &[3]), int64s("ax1", &[1])];
    v.push(Case {
        input: vec![1, 3, 4],
        ..flat("slice", vec![slice, n("Tanh", &["sl"], "y", vec![])], slice_inits, &[1, 2, 4])
    });
    let ln = n("LayerNormalization", &["x", "g", "be"], "y", vec![float("epsilon", 1e-5)]);
    let ln_inits = vec![weight("g", &[6], 1), weight("be", &[6], 2)];
    v.push(Case { input: vec![1, 3, 6], ..flat("layer norm", vec![ln], ln_inits, &[1, 3, 6]) });
    v.push(flat("softmax", vec![n("Softmax", &["x"], "y", vec![int("axis", -1)])], vec![], &[1, 6]));
    v
}

/// SwiGLU's gate: `silu(x W1) ⊙ (x W2)`, silu written as PyTorch exports it.
fn gate_nodes() -> Vec<pb::NodeProto> {
    vec![
        n("MatMul", &["x", "w1"], "h1", vec![]),
        n("Sigmoid", &["h1"], "sg", vec![]),
        n("Mul", &["h1", "sg"], "silu", vec![]),
        n("MatMul", &["x", "w2"], "h2", vec![]),
        n("Mul", &["silu", "h2"], "y", vec![]),
    ]
}

/// A GLU as PyTorch writes it: `a, b = (x W).chunk(2, -1); a * sigmoid(b)`.
fn glu_nodes() -> Vec<pb::NodeProto> {
    let split =
        pb::NodeProto { output: vec!["a".into(), "b".into()], ..n("Split", &["h"], "a", vec![int("axis", -1)]) };
    vec![
        n("MatMul", &["x", "w"], "h", vec![]),
        split,
        n("Sigmoid", &["b"], "g", vec![]),
        n("Mul", &["a", "g"], "y", vec![]),
    ]
}

/// Power-Softmax attention weights: `p = s²`, `p / (Σ p + ε)` over the last axis.
fn power_softmax_nodes() -> Vec<pb::NodeProto> {
    let mut v = attention_nodes();
    v.last_mut().unwrap().output[0] = "s".into();
    v.last_mut().unwrap().name = "s".into();
    v.extend([
        n("Mul", &["s", "s"], "p", vec![]),
        n("ReduceSum", &["p", "ax"], "z", vec![int("keepdims", 1)]),
        n("Add", &["z", "eps"], "ze", vec![]),
        n("Div", &["p", "ze"], "y", vec![]),
    ]);
    v
}

fn power_softmax_inits() -> Vec<pb::TensorProto> {
    let mut v = attention_weights();
    v.extend([int64s("ax", &[-1]), tensor("eps", &[], &[1e-6])]);
    v
}

/// Attention scores of one head: `(x Wq)(x Wk)ᵀ` over 3 tokens of width 4.
fn attention_nodes() -> Vec<pb::NodeProto> {
    vec![
        n("MatMul", &["x", "wq"], "q", vec![]),
        n("MatMul", &["x", "wk"], "k", vec![]),
        n("Transpose", &["k"], "kt", vec![ints("perm", &[0, 2, 1])]),
        n("MatMul", &["q", "kt"], "y", vec![]),
    ]
}

fn attention_weights() -> Vec<pb::TensorProto> {
    vec![weight("wq", &[4, 4], 5), weight("wk", &[4, 4], 6)]
}

/// Positive, non-integer inputs: inside every unary operator's domain.
fn samples(len: usize) -> Vec<Vec<f32>> {
    (0..3).map(|s| (0..len).map(|i| 0.1 + ((i * 7 + s * 5) % 19) as f32 / 10.0).collect()).collect()
}

#[test]
fn every_importer_agrees_with_tract() {
    for (k, c) in cases().into_iter().enumerate() {
        let ops: Vec<&str> = c.nodes.iter().map(|n| n.op_type.as_str()).collect();
        let label = format!("case {k} ({}: {})", c.name, ops.join(" → "));
        let p = write_model_opset(
            c.nodes.clone(),
            c.inits.clone(),
            ("x", &c.input),
            ("y", &c.output),
            &format!("importer_{k}.onnx"),
            c.opset,
        );
        let g = onnx::import(&p).unwrap_or_else(|e| panic!("{label}: import: {e:#}"));
        let dims: Vec<usize> = c.input[1..].iter().map(|&d| d as usize).collect();
        let xs = samples(dims.iter().product());
        let want = eval::float_outputs(&p, &dims, &xs, || {}).unwrap_or_else(|e| panic!("{label}: tract: {e:#}"));
        for (x, w) in xs.iter().zip(&want) {
            let got = &float_eval::eval(&g, x).unwrap()[g.output];
            assert_eq!(got.len(), w.len(), "{label}");
            for (i, (a, b)) in got.iter().zip(w).enumerate() {
                assert!(
                    (a - *b as f64).abs() <= 1e-4 * (1.0 + a.abs()),
                    "{label}: output {i}: importer {a} vs tract {b}"
                );
            }
        }
    }
}

#[test]
fn every_table_operator_has_a_case() {
    let used: Vec<String> = cases().iter().flat_map(|c| c.nodes.iter().map(|n| n.op_type.clone())).collect();
    let missing: Vec<&str> =
        onnx::ops::table().map(|(name, _)| *name).filter(|op| !used.iter().any(|u| u == op)).collect();
    assert!(missing.is_empty(), "importer table operators without a tract case: {missing:?}");
}

/// Import `c`, check its layer kinds, quantize it at int8 and int16 on 64
/// inputs and require the runtime's outputs within `tol` (int8, int16) of
/// tract's float outputs, relative to the output span.
fn assert_quantizes_close(c: Case, kinds: &[&str], tol: (f32, f32)) {
    use polyact::DType;
    use polyact_tools::quantize::{calibrate, quantize, QuantOpts, RangeMode};
    let file = format!("{}.onnx", c.name.replace(' ', "_"));
    let p = write_model_opset(c.nodes, c.inits, ("x", &c.input), ("y", &c.output), &file, c.opset);
    let g = onnx::import(&p).unwrap();
    let got_kinds: Vec<&str> = g.nodes.iter().map(|n| n.op.name()).collect();
    assert_eq!(got_kinds, kinds, "{}", c.name);
    let dims: Vec<usize> = c.input[1..].iter().map(|&d| d as usize).collect();
    let len: usize = dims.iter().product();
    let xs: Vec<Vec<f32>> =
        (0..64).map(|s| (0..len).map(|i| ((i * 5 + s * 7) % 23) as f32 / 11.0 - 1.0).collect()).collect();
    let want = eval::float_outputs(&p, &dims, &xs, || {}).unwrap();
    let span = want.iter().flatten().fold(0.0f32, |m, v| m.max(v.abs()));
    for (act, tol) in [(DType::I8, tol.0), (DType::I16, tol.1)] {
        let cal = calibrate(&g, &xs, RangeMode::MinMax, || {}).unwrap();
        let opts = QuantOpts::new(act);
        let q = quantize(&g, &cal, &opts, |_| {}).unwrap();
        let got = eval::quantized_outputs(&q.blob, &xs, || {}).unwrap();
        let worst = got.iter().flatten().zip(want.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
        assert!(worst <= tol * span, "{} {act:?}: max error {worst} of output span {span}", c.name);
    }
}

/// int8 weights bound both widths (about 1/254 of each weight).
const WEIGHTED_TOL: (f32, f32) = (0.03, 0.01);

/// The gate: the product of two tensors is one Mul layer, and `x ⊙
/// sigmoid(x)` of one tensor stays a fused activation of the Dense before it.
#[test]
fn a_gated_network_quantizes_with_a_mul_of_two_tensors() {
    let inits = vec![weight("w1", &[6, 5], 3), weight("w2", &[6, 5], 4)];
    let c = flat("gate", gate_nodes(), inits, &[1, 5]);
    assert_quantizes_close(c, &["dense", "dense", "activation", "mul"], WEIGHTED_TOL);
}

/// Attention scores: a Transpose and a MatMul of two tensors.
#[test]
fn attention_scores_quantize_with_a_matmul_of_two_tensors() {
    let c = Case { input: vec![1, 3, 4], ..flat("att", attention_nodes(), attention_weights(), &[1, 3, 3]) };
    assert_quantizes_close(c, &["dense", "dense", "transpose", "matmul"], WEIGHTED_TOL);
}

/// A positional embedding and a per-token scale: Constant tensors, an Add
/// and a Mul of two tensors (activation quantization only: 8 bits and 16).
#[test]
fn constants_of_any_shape_quantize_as_tensors() {
    let nodes = vec![n("Add", &["x", "pos"], "e", vec![]), n("Mul", &["e", "tok"], "y", vec![])];
    let inits = vec![weight("pos", &[1, 3, 4], 7), weight("tok", &[3, 1], 8)];
    let c = Case { input: vec![1, 3, 4], ..flat("pos", nodes, inits, &[1, 3, 4]) };
    assert_quantizes_close(c, &["constant", "add", "constant", "mul"], (0.02, 0.001));
}

/// Pre-LN: LayerNormalization then a Dense.
#[test]
fn layer_norm_quantizes() {
    let nodes = vec![
        n("LayerNormalization", &["x", "g", "be"], "l", vec![float("epsilon", 1e-5)]),
        n("MatMul", &["l", "w"], "y", vec![]),
    ];
    let inits = vec![weight("g", &[8], 1), weight("be", &[8], 2), weight("w", &[8, 4], 3)];
    let c = Case { input: vec![1, 3, 8], ..flat("ln", nodes, inits, &[1, 3, 4]) };
    assert_quantizes_close(c, &["layer_norm", "dense"], WEIGHTED_TOL);
}

/// Mean over tokens (a transformer's pooling) and a sum over features,
/// quantized.
#[test]
fn reductions_quantize() {
    let nodes = vec![
        n("ReduceMean", &["x"], "m", vec![ints("axes", &[1]), int("keepdims", 0)]),
        n("MatMul", &["m", "w"], "h", vec![]),
        n("ReduceSum", &["h", "ax"], "y", vec![int("keepdims", 1)]),
    ];
    let inits = vec![weight("w", &[4, 5], 3), int64s("ax", &[-1])];
    let c = Case { input: vec![1, 3, 4], ..flat("red", nodes, inits, &[1, 1]) };
    assert_quantizes_close(c, &["reduce_mean", "reshape", "dense", "reduce_sum"], WEIGHTED_TOL);
}

/// Power-Softmax's normalisation: a Div by one value per row. At int8 the
/// squared scores of a row of small logits fall to a few LSBs of the
/// tensor's scale and their ratios lose most of their precision (measured
/// here: 0.26 of the output span); int16 keeps them (1.3 %, the int8 weights'
/// share). Attention in an int8 model wants its scores at int16 — mixed
/// precision is not done yet.
#[test]
fn power_softmax_quantizes_with_a_per_row_div() {
    let c = Case { input: vec![1, 3, 4], ..flat("psm", power_softmax_nodes(), power_softmax_inits(), &[1, 3, 3]) };
    let kinds = ["dense", "dense", "transpose", "matmul", "activation", "reduce_sum", "activation", "div"];
    assert_quantizes_close(c, &kinds, (0.3, 0.02));
}

/// A GLU: Split into two Slices, a sigmoid gate, a Mul of two tensors.
#[test]
fn a_glu_with_split_quantizes() {
    let c = flat("glu", glu_nodes(), vec![weight("w", &[6, 8], 4)], &[1, 4]);
    assert_quantizes_close(c, &["dense", "slice", "slice", "activation", "mul"], WEIGHTED_TOL);
}

/// A basis expansion whose grid differs per input (a KAN after a grid
/// update) is refused by name, not imported wrongly; with one shared grid the
/// same graph agrees with tract.
#[test]
fn a_basis_with_a_per_input_grid_is_refused_by_name() {
    let nodes = |_: ()| {
        vec![
            n("Unsqueeze", &["x", "ax"], "u", vec![]),
            n("GreaterOrEqual", &["u", "g"], "m", vec![]),
            n("Cast", &["m"], "mf", vec![int("to", 1)]),
            n("Mul", &["mf", "u"], "b", vec![]),
            n("Reshape", &["b", "shape"], "y", vec![]),
        ]
    };
    let grid = |rows_differ: bool| {
        let v: Vec<f32> = (0..18)
            .map(|i| (i % 3) as f32 * 0.3 - 0.3 + if rows_differ { (i / 3) as f32 * 0.01 } else { 0.0 })
            .collect();
        tensor("g", &[6, 3], &v)
    };
    let inits = |differ| vec![int64s("ax", &[2]), grid(differ), int64s("shape", &[1, 18])];
    let p = write_model_opset(nodes(()), inits(true), ("x", &[1, 6]), ("y", &[1, 18]), "basis_per_input.onnx", 17);
    let e = format!("{:#}", onnx::import(&p).unwrap_err());
    assert!(e.contains("'g'") && e.contains("differs between inputs"), "{e}");
    let p = write_model_opset(nodes(()), inits(false), ("x", &[1, 6]), ("y", &[1, 18]), "basis_shared.onnx", 17);
    let g = onnx::import(&p).unwrap();
    let xs: Vec<Vec<f32>> =
        (0..16).map(|s| (0..6).map(|i| ((i * 5 + s * 7) % 23) as f32 / 11.0 - 1.0).collect()).collect();
    let want = eval::float_outputs(&p, &[6], &xs, || {}).unwrap();
    for (x, w) in xs.iter().zip(&want) {
        let got = &float_eval::eval(&g, x).unwrap()[g.output];
        assert!(got.iter().zip(w).all(|(a, b)| (a - *b as f64).abs() < 1e-6), "{got:?} vs {w:?}");
    }
}
