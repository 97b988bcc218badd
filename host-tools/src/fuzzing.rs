//! The bodies of the host fuzz targets (`fuzz/fuzz_targets/onnx_import.rs`,
//! `npy_reader.rs`) and of their corpus replay in CI
//! (`host-tools/tests/fuzz_corpus.rs`): whatever the bytes, every stage
//! returns `Ok` or `Err` — never a panic, never an allocation the input does
//! not justify (libFuzzer's memory limit enforces the latter).
//!
//! The importer target is structure-aware: the first byte picks one of
//! [`seed_models`] and the rest is a script of 4-byte edits of its nodes,
//! attributes, operands, initializers and shapes, so mutations get past
//! protobuf parsing and reach each importer. A first byte of `0xFF` takes
//! the rest as raw protobuf instead.

use crate::lower::LowerOpts;
use crate::onnx::build::{float, int, ints, model, node, string, tensor, weight};
use crate::quantize::{calibrate, quantize, QuantOpts, RangeMode};
use polyact::DType;
use prost::Message;
use tract_onnx::pb;

/// Largest graph (total tensor elements) the target runs past import:
/// calibration and quantization of larger ones only slow the fuzzer down.
const MAX_FUZZ_ELEMENTS: usize = 1 << 14;

/// Small valid models that together reach every importer family.
pub fn seed_models() -> Vec<pb::ModelProto> {
    let mlp = model(
        vec![
            node("Gemm", "fc1", &["x", "w1", "b1"], "h", vec![int("transB", 1)]),
            node("Relu", "relu", &["h"], "r", vec![]),
            node("Gemm", "fc2", &["r", "w2"], "z", vec![]),
            node("Softmax", "sm", &["z"], "y", vec![int("axis", -1)]),
        ],
        vec![weight("w1", &[6, 8], 1), weight("b1", &[6], 2), weight("w2", &[6, 4], 3)],
        ("x", &[1, 8]),
        ("y", &[1, 4]),
        17,
    );
    let conv = model(
        vec![
            node("Conv", "c1", &["x", "k1", "kb1"], "c", vec![ints("pads", &[1, 1, 1, 1]), ints("strides", &[1, 1])]),
            node("BatchNormalization", "bn", &["c", "g", "b", "m", "v"], "n", vec![float("epsilon", 1e-5)]),
            node("Relu", "r", &["n"], "r1", vec![]),
            node("MaxPool", "mp", &["r1"], "p", vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])]),
            node("Conv", "dw", &["p", "k2"], "d", vec![int("group", 2), ints("pads", &[1, 1, 1, 1])]),
            node("HardSwish", "hs", &["d"], "h", vec![]),
            node("GlobalAveragePool", "gap", &["h"], "q", vec![]),
            node("Flatten", "fl", &["q"], "f", vec![int("axis", 1)]),
            node("Gemm", "fc", &["f", "w"], "y", vec![]),
        ],
        vec![
            weight("k1", &[2, 1, 3, 3], 4),
            weight("kb1", &[2], 5),
            tensor("g", &[2], &[1.0, 0.5]),
            tensor("b", &[2], &[0.1, -0.1]),
            tensor("m", &[2], &[0.0, 0.2]),
            tensor("v", &[2], &[1.0, 2.0]),
            weight("k2", &[2, 1, 3, 3], 6),
            weight("w", &[2, 3], 7),
        ],
        ("x", &[1, 1, 6, 6]),
        ("y", &[1, 3]),
        17,
    );
    let conv1d = model(
        vec![
            node("Conv", "c", &["x", "k"], "c", vec![ints("kernel_shape", &[3])]),
            node("Tanh", "t", &["c"], "t", vec![]),
            node("AveragePool", "ap", &["t"], "p", vec![ints("kernel_shape", &[2]), ints("strides", &[2])]),
            node("Reshape", "rs", &["p", "shape"], "f", vec![]),
            node("MatMul", "mm", &["f", "w"], "y", vec![]),
        ],
        vec![weight("k", &[3, 1, 3], 8), crate::onnx::build::int64s("shape", &[1, -1]), weight("w", &[21, 2], 9)],
        ("x", &[1, 1, 16]),
        ("y", &[1, 2]),
        17,
    );
    let attention = model(
        vec![
            node("MatMul", "q", &["x", "wq"], "q", vec![]),
            node("MatMul", "k", &["x", "wk"], "k", vec![]),
            node("Transpose", "kt", &["k"], "kt", vec![ints("perm", &[0, 2, 1])]),
            node("MatMul", "s", &["q", "kt"], "s", vec![]),
            node("Mul", "scale", &["s", "c"], "s2", vec![]),
            node("Softmax", "a", &["s2"], "a", vec![int("axis", -1)]),
            node("MatMul", "o", &["a", "x"], "o", vec![]),
            node("Add", "res", &["o", "x"], "r", vec![]),
            node("LayerNormalization", "ln", &["r", "gamma", "beta"], "n", vec![int("axis", -1)]),
            node("ReduceSum", "sum", &["n", "axes"], "y", vec![int("keepdims", 0)]),
        ],
        vec![
            weight("wq", &[4, 4], 10),
            weight("wk", &[4, 4], 11),
            tensor("c", &[], &[0.5]),
            tensor("gamma", &[4], &[1.0, 0.9, 1.1, 1.0]),
            tensor("beta", &[4], &[0.0, 0.1, 0.0, -0.1]),
            crate::onnx::build::int64s("axes", &[1]),
        ],
        ("x", &[1, 3, 4]),
        ("y", &[1, 4]),
        17,
    );
    let shapes = model(
        vec![
            node("MatMul", "l", &["x", "w"], "h", vec![]),
            node("Add", "bias", &["h", "b"], "hb", vec![]),
            node("Split", "sp", &["hb"], "a", vec![int("axis", 1)]),
            node("Sigmoid", "sg", &["gate"], "g", vec![]),
            node("Mul", "glu", &["a", "g"], "m", vec![]),
            node("Concat", "cat", &["m", "a"], "cc", vec![int("axis", 1)]),
            node("Slice", "sl", &["cc", "st", "en", "ax"], "s", vec![]),
            node("Clip", "clip", &["s", "lo", "hi"], "y", vec![]),
        ],
        vec![
            weight("w", &[4, 8], 12),
            weight("b", &[8], 13),
            crate::onnx::build::int64s("st", &[1]),
            crate::onnx::build::int64s("en", &[7]),
            crate::onnx::build::int64s("ax", &[1]),
            tensor("lo", &[], &[-1.0]),
            tensor("hi", &[], &[1.0]),
        ],
        ("x", &[1, 4]),
        ("y", &[1, 6]),
        17,
    );
    let mut shapes = shapes;
    if let Some(g) = shapes.graph.as_mut() {
        g.node[2].output = vec!["a".into(), "gate".into()];
    }
    let rms = model(
        vec![
            node("Mul", "sq", &["x", "x"], "x2", vec![]),
            node("ReduceMean", "ms", &["x2"], "m", vec![ints("axes", &[-1])]),
            node("Add", "eps", &["m", "e"], "me", vec![]),
            node("Sqrt", "rt", &["me"], "r", vec![]),
            node("Reciprocal", "inv", &["r"], "ir", vec![]),
            node("Mul", "norm", &["x", "ir"], "n", vec![]),
            node("Pow", "cube", &["n", "three"], "c", vec![]),
            node("Gelu", "gelu", &["c"], "y", vec![string("approximate", "tanh")]),
        ],
        vec![tensor("e", &[], &[1e-6]), tensor("three", &[], &[3.0])],
        ("x", &[1, 8]),
        ("y", &[1, 8]),
        17,
    );
    vec![mlp, conv, conv1d, attention, shapes, rms]
}

/// Integer values the edits use: edges of every range an attribute has.
const INTS: &[i64] = &[0, 1, -1, 2, 3, -2, 4, 7, 100, 1 << 20, 1 << 40, i64::MAX, i64::MIN, -100];
/// Float values the edits use.
const FLOATS: &[f32] = &[0.0, -1.0, 1.0, 0.5, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -1e-30, 6.0];
/// Attribute names the edits add.
const ATTRS: &[&str] =
    &["axis", "axes", "perm", "pads", "strides", "kernel_shape", "group", "epsilon", "alpha", "keepdims", "split"];

/// Apply one 4-byte edit `[what, a, b, c]` to `m`.
fn edit(m: &mut pb::ModelProto, [what, a, b, c]: [u8; 4]) {
    let Some(g) = m.graph.as_mut() else { return };
    let (a, b, c) = (a as usize, b as usize, c as usize);
    let int_v = INTS[c % INTS.len()];
    let names: Vec<String> = g
        .node
        .iter()
        .flat_map(|n| n.output.iter().cloned())
        .chain(g.initializer.iter().map(|t| t.name.clone()))
        .chain(g.input.iter().map(|i| i.name.clone()))
        .collect();
    let n_nodes = g.node.len();
    let node = if n_nodes > 0 { Some(&mut g.node[a % n_nodes]) } else { None };
    match what % 14 {
        0..=2 => {
            let Some(n) = node else { return };
            let Some(at) = (!n.attribute.is_empty()).then(|| b % n.attribute.len()) else { return };
            let at = &mut n.attribute[at];
            match what % 14 {
                0 => at.i = int_v,
                1 if at.ints.is_empty() || c % 5 == 0 => at.ints.push(int_v),
                1 if c % 5 == 1 => {
                    at.ints.pop();
                }
                1 => {
                    let k = c % at.ints.len();
                    at.ints[k] = INTS[(c / 5) % INTS.len()];
                }
                _ => at.f = FLOATS[c % FLOATS.len()],
            }
        }
        3 => {
            let Some(n) = node else { return };
            let pick =
                if c % 7 == 0 { String::new() } else { names.get(c % names.len().max(1)).cloned().unwrap_or_default() };
            if n.input.is_empty() {
                n.input.push(pick);
            } else {
                let k = b % n.input.len();
                n.input[k] = pick;
            }
        }
        4 => {
            let Some(n) = node else { return };
            if !n.input.is_empty() {
                let k = b % n.input.len();
                n.input.remove(k);
            }
        }
        5 => {
            let Some(n) = node else { return };
            let ops: Vec<&str> = crate::onnx::ops::table().map(|(name, _)| *name).collect();
            n.op_type = ops[c % ops.len()].to_string();
        }
        6 if n_nodes > 0 => {
            g.node.remove(a % n_nodes);
        }
        7 if n_nodes > 0 => {
            let copy = g.node[a % n_nodes].clone();
            g.node.insert((b % n_nodes) + 1, copy);
        }
        8 | 9 if !g.initializer.is_empty() => {
            let k = a % g.initializer.len();
            let t = &mut g.initializer[k];
            if what % 14 == 8 {
                match c % 4 {
                    0 => t.dims.push(int_v.clamp(-1, 1 << 40)),
                    1 => {
                        t.dims.pop();
                    }
                    _ if !t.dims.is_empty() => {
                        let d = b % t.dims.len();
                        t.dims[d] = INTS[(c / 4) % INTS.len()];
                    }
                    _ => {}
                }
            } else if c % 3 == 0 {
                t.float_data.truncate(b % (t.float_data.len() + 1));
            } else if !t.float_data.is_empty() {
                let i = b % t.float_data.len();
                t.float_data[i] = FLOATS[c % FLOATS.len()];
            }
        }
        10 => {
            let Some(pb::type_proto::Value::TensorType(tt)) =
                g.input.first_mut().and_then(|i| i.r#type.as_mut()).and_then(|t| t.value.as_mut())
            else {
                return;
            };
            let Some(shape) = tt.shape.as_mut() else { return };
            let dim = pb::tensor_shape_proto::Dimension {
                value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(int_v)),
                ..Default::default()
            };
            match b % 3 {
                0 => shape.dim.push(dim),
                1 => {
                    shape.dim.pop();
                }
                _ if !shape.dim.is_empty() => {
                    let k = a % shape.dim.len();
                    shape.dim[k] = dim;
                }
                _ => {}
            }
        }
        11 => {
            let Some(n) = node else { return };
            let name = ATTRS[b % ATTRS.len()];
            n.attribute.retain(|at| at.name != name);
            n.attribute.push(if c % 2 == 0 {
                int(name, int_v)
            } else {
                ints(name, &[int_v, INTS[(c / 2) % INTS.len()]])
            });
        }
        12 => {
            if let (Some(o), Some(name)) = (g.output.first_mut(), names.get(c % names.len().max(1))) {
                o.name = name.clone();
            }
        }
        13 => {
            let Some(n) = node else { return };
            match c % 3 {
                0 => n.output.clear(),
                1 => n.output.push(names.get(b % names.len().max(1)).cloned().unwrap_or_default()),
                _ => n.output = vec![names.get(b % names.len().max(1)).cloned().unwrap_or_default()],
            }
        }
        _ => {}
    }
}

/// The model a fuzz input describes: a seed and its edits, or raw protobuf.
pub fn fuzz_model(data: &[u8]) -> Option<pb::ModelProto> {
    let (&first, rest) = data.split_first()?;
    if first == 0xFF {
        return pb::ModelProto::decode(rest).ok();
    }
    let mut seeds = seed_models();
    let n = seeds.len();
    let mut m = seeds.swap_remove(first as usize % n);
    for e in rest.chunks_exact(4) {
        edit(&mut m, [e[0], e[1], e[2], e[3]]);
    }
    Some(m)
}

/// Import the model `data` describes and, when it imports and is small,
/// calibrate, quantize (int8, and int16 when the first byte is 0xF0 or
/// more), validate, run and describe it.
pub fn exercise_onnx(data: &[u8]) {
    let Some(m) = fuzz_model(data) else { return };
    let Ok(g) = crate::onnx::import_model(&m, None) else { return };
    let total: usize = g.tensors.iter().map(|t| t.len()).fold(0, usize::saturating_add);
    if total > MAX_FUZZ_ELEMENTS {
        return;
    }
    let n_in = g.tensors[g.input].len();
    let samples: Vec<Vec<f32>> =
        (0..2).map(|s| (0..n_in).map(|i| ((i * 7 + s * 3) % 11) as f32 / 5.0 - 1.0).collect()).collect();
    let Ok(cal) = calibrate(&g, &samples, RangeMode::MinMax, || {}) else { return };
    // int16 lowering searches fits over 65,536 inputs: one input in 16
    // (first byte 0xF0..=0xFE) takes it, so the rest stay fast.
    let mut widths = vec![DType::I8];
    if (0xF0..0xFF).contains(&data[0]) {
        widths.push(DType::I16);
    }
    for act in widths {
        // A loose target keeps int16 lowering to a few candidates per kernel.
        let lower = LowerOpts { error_lsb: 8.0, max_bytes: 2048, max_degree: 3, ..LowerOpts::default() };
        let opts = QuantOpts { act, range: RangeMode::MinMax, headroom: 0.1, lower, dense_weight_bits: 8 };
        let Ok(q) = quantize(&g, &cal, &opts, |_| {}) else { continue };
        let _ = crate::inspect::describe(&q.blob, Some(&q.report));
        let _ = crate::eval::quantized_outputs(&q.blob, &samples, || {});
        let _ = crate::saturation::range_hits(&g, &q.report, &samples);
        let _ = crate::compile::generate(&q.blob, "fuzz");
    }
}

/// Read `data` as a sample file and as a label file.
pub fn exercise_npy(data: &[u8]) {
    let len = crate::data::npy_header(data).map_or(1, |h| h.shape.iter().skip(1).product());
    let _ = crate::data::samples_from_npy(data, len);
    let _ = crate::data::labels_from_npy(data);
}
