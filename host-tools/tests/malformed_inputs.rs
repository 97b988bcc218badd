//! The `polyact` binary on malformed and unusual inputs — ONNX files built
//! here, `.npy` files, blobs, flags, closed and full outputs. Each case
//! asserts: no panic (exit 101 or a "panicked" message), the exit code (1 for
//! a refused input, 2 for a refused flag), and that the message names the
//! thing (node, file, tensor, flag) and the reason.

mod common;

use common::{float, int, ints, node, tensor, tmp, weight};
use prost::Message;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tract_onnx::pb;

/// A float32 `.npy` file of `shape` filled with a smooth ramp.
fn npy_f32(name: &str, shape: &[usize], data: Option<&[f32]>) -> PathBuf {
    let n: usize = shape.iter().product();
    let ramp: Vec<f32> = (0..n).map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0).collect();
    npy_raw(name, "<f4", shape, &data.unwrap_or(&ramp).iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<_>>())
}

/// An `.npy` file with any header and data bytes.
fn npy_raw(name: &str, descr: &str, shape: &[usize], data: &[u8]) -> PathBuf {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let sh = if shape.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
    let mut h = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {sh}, }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(h.len() as u16).to_le_bytes());
    b.extend_from_slice(h.as_bytes());
    b.extend_from_slice(data);
    let p = tmp(name);
    std::fs::write(&p, b).unwrap();
    p
}

/// An int64 label file.
fn labels(name: &str, v: &[i64]) -> PathBuf {
    npy_raw(name, "<i8", &[v.len()], &v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<_>>())
}

fn write(name: &str, m: &pb::ModelProto) -> PathBuf {
    let p = tmp(name);
    std::fs::write(&p, m.encode_to_vec()).unwrap();
    p
}

/// The base MLP `x[1,8] → Gemm(4) → Relu → y[1,4]`, edited by `edit`.
fn mlp(name: &str, edit: impl FnOnce(&mut pb::GraphProto)) -> PathBuf {
    let mut m = common::model(
        vec![
            node("Gemm", "fc", &["x", "w", "b"], "h", vec![int("transB", 1)]),
            node("Relu", "act", &["h"], "y", vec![]),
        ],
        vec![weight("w", &[4, 8], 1), weight("b", &[4], 2)],
        ("x", &[1, 8]),
        ("y", &[1, 4]),
        17,
    );
    edit(m.graph.as_mut().unwrap());
    write(name, &m)
}

/// The base conv net `x[1,1,8,8] → Conv 3x3 → MaxPool 2 → Flatten → Gemm(3)`.
fn convnet(name: &str, edit: impl FnOnce(&mut pb::GraphProto)) -> PathBuf {
    let mut m = common::model(
        vec![
            node("Conv", "conv", &["x", "k", "kb"], "c", vec![ints("pads", &[1, 1, 1, 1])]),
            node("MaxPool", "pool", &["c"], "p", vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])]),
            node("Flatten", "flat", &["p"], "f", vec![]),
            node("Gemm", "fc", &["f", "w"], "y", vec![int("transB", 1)]),
        ],
        vec![weight("k", &[2, 1, 3, 3], 3), weight("kb", &[2], 4), weight("w", &[3, 32], 5)],
        ("x", &[1, 1, 8, 8]),
        ("y", &[1, 3]),
        17,
    );
    edit(m.graph.as_mut().unwrap());
    write(name, &m)
}

/// A BatchNormalization after the MLP's Gemm, with variance `v`.
fn with_batchnorm(g: &mut pb::GraphProto, v: pb::TensorProto) {
    g.node.insert(1, node("BatchNormalization", "bn", &["h", "g", "bb", "m", "v"], "hn", vec![]));
    g.node[2].input[0] = "hn".into();
    g.initializer.extend([
        tensor("g", &[4], &[1.0; 4]),
        tensor("bb", &[4], &[0.0; 4]),
        tensor("m", &[4], &[0.0; 4]),
        v,
    ]);
}

fn set_attr(g: &mut pb::GraphProto, node: usize, a: pb::AttributeProto) {
    let n = &mut g.node[node];
    n.attribute.retain(|x| x.name != a.name);
    n.attribute.push(a);
}

fn init<'g>(g: &'g mut pb::GraphProto, name: &str) -> &'g mut pb::TensorProto {
    g.initializer.iter_mut().find(|t| t.name == name).unwrap()
}

fn input_dims(g: &mut pb::GraphProto, dims: &[i64]) {
    g.input[0] = common::value("x", dims);
}

/// What one case runs and expects.
struct Case {
    name: &'static str,
    args: Vec<String>,
    code: i32,
    expect: Vec<&'static str>,
    stdout_full: bool,
}

fn case(name: &'static str, args: &[&str], code: i32, expect: &[&'static str]) -> Case {
    Case { name, args: args.iter().map(|s| s.to_string()).collect(), code, expect: expect.to_vec(), stdout_full: false }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn quantize_case(name: &'static str, model: &Path, calib: &Path, expect: &[&'static str]) -> Case {
    let out = tmp(&format!("{name}.pam"));
    case(name, &["quantize", s(model), "--calib", s(calib), "-o", s(&out)], 1, expect)
}

fn run(c: &Case) {
    let bin = env!("CARGO_BIN_EXE_polyact");
    let mut cmd = Command::new(bin);
    cmd.args(&c.args).env("POLYACT_NO_PROGRESS", "1");
    if c.stdout_full {
        cmd.stdout(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap());
    } else {
        cmd.stdout(Stdio::piped());
    }
    let out = cmd.stderr(Stdio::piped()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && out.status.code() != Some(101), "{}: panicked:\n{err}", c.name);
    assert_eq!(out.status.code(), Some(c.code), "{}: exit status {:?}, stderr:\n{err}", c.name, out.status);
    for e in &c.expect {
        assert!(err.contains(e), "{}: the message does not contain '{e}':\n{err}", c.name);
    }
}

#[test]
fn sixty_malformed_or_unusual_inputs_are_refused_by_name_and_reason() {
    let calib8 = npy_f32("calib8.npy", &[20, 8], None);
    let calib64 = npy_f32("calib64.npy", &[20, 1, 8, 8], None);
    let good = mlp("good.onnx", |_| {});
    let blob = tmp("good.pam");
    let q = Command::new(env!("CARGO_BIN_EXE_polyact"))
        .args(["quantize", s(&good), "--calib", s(&calib8), "-o", s(&blob)])
        .output()
        .unwrap();
    assert!(q.status.success(), "{}", String::from_utf8_lossy(&q.stderr));
    let garbage = tmp("garbage.onnx");
    std::fs::write(&garbage, b"\x08\x01\x12\xff\xff\xff\xff\x0fnot protobuf").unwrap();
    let real = std::fs::read(&good).unwrap();
    let truncated = tmp("truncated.onnx");
    std::fs::write(&truncated, &real[..real.len() / 2]).unwrap();
    let corrupt_blob = tmp("corrupt.pam");
    let mut cb = std::fs::read(&blob).unwrap();
    let mid = cb.len() / 2;
    cb[mid] ^= 0x5a;
    std::fs::write(&corrupt_blob, &cb).unwrap();
    let short_blob = tmp("short.pam");
    std::fs::write(&short_blob, &std::fs::read(&blob).unwrap()[..20]).unwrap();
    let test8 = npy_f32("test8.npy", &[6, 8], None);

    let scratch = tmp("flag.pam");
    let flag = |name, extra: &[&str], expect: &[&'static str]| {
        let mut args = vec!["quantize", s(&good), "--calib", s(&calib8), "-o", s(&scratch)];
        args.extend_from_slice(extra);
        case(name, &args, 2, expect)
    };
    let eval_case = |name, extra: &[&str], expect: &[&'static str]| {
        let mut args = vec!["eval", s(&blob), "--onnx", s(&good), "--data", s(&test8)];
        args.extend_from_slice(extra);
        case(name, &args, 1, expect)
    };
    let mut cases = vec![
        // Files that are not ONNX models, or not whole ones.
        quantize_case("garbage-onnx", &garbage, &calib8, &["garbage.onnx", "not a readable ONNX model"]),
        quantize_case(
            "missing-onnx",
            Path::new("/nonexistent/m.onnx"),
            &calib8,
            &["/nonexistent/m.onnx", "No such file"],
        ),
        quantize_case("truncated-onnx", &truncated, &calib8, &["truncated.onnx"]),
        quantize_case("no-graph", &write("nograph.onnx", &pb::ModelProto::default()), &calib8, &["has no graph"]),
        // Graph inputs and outputs.
        quantize_case(
            "two-inputs",
            &mlp("two_inputs.onnx", |g| g.input.push(common::value("z", &[1, 2]))),
            &calib8,
            &["exactly one input, it has 2"],
        ),
        quantize_case(
            "zero-dim",
            &mlp("zero_dim.onnx", |g| input_dims(g, &[1, 0])),
            &calib8,
            &["input 'x'", "dimension 1 is not a fixed size"],
        ),
        quantize_case(
            "huge-dims",
            &mlp("huge_dims.onnx", |g| input_dims(g, &[1, 1 << 40, 1 << 40])),
            &calib8,
            &["input 'x'", "larger than"],
        ),
        quantize_case(
            "batch-2",
            &mlp("batch2.onnx", |g| input_dims(g, &[2, 8])),
            &calib8,
            &["batch dimension must be 1"],
        ),
        quantize_case(
            "output-never-computed",
            &mlp("no_out.onnx", |g| g.output[0].name = "nowhere".into()),
            &calib8,
            &["'nowhere' is never computed"],
        ),
        quantize_case(
            "two-outputs",
            &mlp("two_out.onnx", |g| g.output.push(common::value("h", &[1, 4]))),
            &calib8,
            &["exactly one output, it has 2"],
        ),
        // Nodes and operands.
        quantize_case(
            "unsupported-op",
            &mlp("lstm.onnx", |g| g.node[1].op_type = "LSTM".into()),
            &calib8,
            &["'act' (LSTM)", "unsupported operator"],
        ),
        quantize_case(
            "unknown-op",
            &mlp("unknown.onnx", |g| g.node[1].op_type = "FancyAct".into()),
            &calib8,
            &["'act' (FancyAct)", "unsupported operator (polyact imports"],
        ),
        quantize_case(
            "missing-operand",
            &mlp("no_operand.onnx", |g| g.node[0].input.truncate(1)),
            &calib8,
            &["'fc' (Gemm)", "operand 1 is missing"],
        ),
        quantize_case("no-operands", &mlp("no_operands.onnx", |g| g.node[1].input.clear()), &calib8, &["'act' (Relu)"]),
        quantize_case(
            "no-output",
            &mlp("no_output.onnx", |g| g.node[0].output.clear()),
            &calib8,
            &["(Gemm)", "has no output"],
        ),
        quantize_case(
            "unknown-operand",
            &mlp("unknown_operand.onnx", |g| g.node[1].input[0] = "ghost".into()),
            &calib8,
            &["'act' (Relu)", "'ghost' is not produced"],
        ),
        // Gemm.
        quantize_case(
            "gemm-bias-length",
            &mlp("gemm_bias.onnx", |g| *init(g, "b") = weight("b", &[3], 2)),
            &calib8,
            &["'fc' (Gemm)", "bias has 3 values for 4 outputs"],
        ),
        quantize_case(
            "gemm-weight-shape",
            &mlp("gemm_w.onnx", |g| *init(g, "w") = weight("w", &[4, 5], 1)),
            &calib8,
            &["'fc' (Gemm)", "8 features", "expects 5"],
        ),
        quantize_case(
            "gemm-weight-rank",
            &mlp("gemm_rank.onnx", |g| *init(g, "w") = weight("w", &[32], 1)),
            &calib8,
            &["'fc' (Gemm)", "weight must be 2-D"],
        ),
        quantize_case(
            "gemm-alpha-nan",
            &mlp("gemm_alpha.onnx", |g| set_attr(g, 0, float("alpha", f32::NAN))),
            &calib8,
            &["'fc' (Gemm)", "alpha is NaN"],
        ),
        quantize_case(
            "gemm-transA",
            &mlp("gemm_ta.onnx", |g| set_attr(g, 0, int("transA", 1))),
            &calib8,
            &["'fc' (Gemm)", "transA is not supported"],
        ),
        // Initializers.
        quantize_case(
            "init-count",
            &mlp("init_count.onnx", |g| init(g, "w").float_data.truncate(7)),
            &calib8,
            &["initializer 'w'", "needs 32 values", "stores 7"],
        ),
        quantize_case(
            "init-huge",
            &mlp("init_huge.onnx", |g| init(g, "w").dims = vec![1 << 31, 1 << 31]),
            &calib8,
            &["initializer 'w'", "larger than"],
        ),
        quantize_case(
            "init-negative-dim",
            &mlp("init_neg.onnx", |g| init(g, "w").dims = vec![-4, 8]),
            &calib8,
            &["initializer 'w'", "negative dimension"],
        ),
        quantize_case(
            "init-string",
            &mlp("init_str.onnx", |g| init(g, "w").data_type = 8),
            &calib8,
            &["initializer 'w'", "element type 8"],
        ),
        quantize_case(
            "init-raw-length",
            &mlp("init_raw.onnx", |g| {
                let t = init(g, "b");
                t.float_data.clear();
                t.raw_data = vec![0; 13];
            }),
            &calib8,
            &["initializer 'b'", "raw data of 13 bytes"],
        ),
        quantize_case(
            "init-nan-weight",
            &mlp("init_nan.onnx", |g| init(g, "w").float_data[5] = f32::NAN),
            &calib8,
            &["initializer 'w'", "value 5 is NaN"],
        ),
        // Conv.
        quantize_case(
            "conv-pads-rank",
            &convnet("conv_pads.onnx", |g| set_attr(g, 0, ints("pads", &[1, 1]))),
            &calib64,
            &["'conv' (Conv)", "pads has 2 values, 4 expected"],
        ),
        quantize_case(
            "conv-empty-strides",
            &convnet("conv_strides.onnx", |g| set_attr(g, 0, ints("strides", &[]))),
            &calib64,
            &["'conv' (Conv)", "strides has 0 values"],
        ),
        quantize_case(
            "conv-stride-0",
            &convnet("conv_s0.onnx", |g| set_attr(g, 0, ints("strides", &[0, 1]))),
            &calib64,
            &["'conv' (Conv)", "strides value 0"],
        ),
        quantize_case(
            "conv-negative-pad",
            &convnet("conv_negpad.onnx", |g| set_attr(g, 0, ints("pads", &[-1, 1, 1, 1]))),
            &calib64,
            &["'conv' (Conv)", "pads value -1"],
        ),
        quantize_case(
            "conv-huge-dilation",
            &convnet("conv_dil.onnx", |g| set_attr(g, 0, ints("dilations", &[1 << 40, 1]))),
            &calib64,
            &["'conv' (Conv)", "dilations value"],
        ),
        quantize_case(
            "conv-bias-length",
            &convnet("conv_bias.onnx", |g| *init(g, "kb") = weight("kb", &[5], 4)),
            &calib64,
            &["'conv' (Conv)", "bias has 5 values for 2 output channels"],
        ),
        quantize_case(
            "conv-kernel-too-big",
            &convnet("conv_big.onnx", |g| {
                *init(g, "k") = weight("k", &[2, 1, 11, 11], 3);
                set_attr(g, 0, ints("pads", &[0, 0, 0, 0]));
            }),
            &calib64,
            &["'conv' (Conv)", "larger than the padded input"],
        ),
        quantize_case(
            "conv-channels",
            &convnet("conv_ch.onnx", |g| *init(g, "k") = weight("k", &[2, 3, 3, 3], 3)),
            &calib64,
            &["'conv' (Conv)", "expects 3 input channels, input has 1"],
        ),
        quantize_case(
            "conv-groups",
            &convnet("conv_groups.onnx", |g| set_attr(g, 0, int("group", 7))),
            &calib64,
            &["'conv' (Conv)", "7 groups"],
        ),
        // Pooling.
        quantize_case(
            "pool-kernel-rank",
            &convnet("pool_rank.onnx", |g| set_attr(g, 1, ints("kernel_shape", &[2]))),
            &calib64,
            &["'pool' (MaxPool)", "kernel_shape [2]"],
        ),
        quantize_case(
            "pool-window-too-big",
            &convnet("pool_big.onnx", |g| set_attr(g, 1, ints("kernel_shape", &[64, 64]))),
            &calib64,
            &["'pool' (MaxPool)", "window 64 is larger than the padded input"],
        ),
        quantize_case(
            "pool-stride-0",
            &convnet("pool_s0.onnx", |g| set_attr(g, 1, ints("strides", &[0, 0]))),
            &calib64,
            &["'pool' (MaxPool)", "strides value 0"],
        ),
        quantize_case(
            "pool-no-kernel",
            &convnet("pool_nok.onnx", |g| g.node[1].attribute.retain(|a| a.name != "kernel_shape")),
            &calib64,
            &["'pool' (MaxPool)", "missing kernel_shape"],
        ),
        // BatchNorm, Clip, shapes.
        quantize_case(
            "batchnorm-variance-length",
            &mlp("bn_var.onnx", |g| with_batchnorm(g, tensor("v", &[3], &[1.0; 3]))),
            &calib8,
            &["'bn' (BatchNormalization)", "variance has 3 values, the scale has 4"],
        ),
        quantize_case(
            "batchnorm-negative-variance",
            &mlp("bn_neg.onnx", |g| with_batchnorm(g, tensor("v", &[4], &[1.0, -2.0, 1.0, 1.0]))),
            &calib8,
            &["'bn' (BatchNormalization)", "channel 1: variance -2", "not positive"],
        ),
        quantize_case(
            "clip-inverted",
            &mlp("clip_inv.onnx", |g| {
                g.node[1].op_type = "Clip".into();
                g.node[1].input.extend(["lo".into(), "hi".into()]);
                g.initializer.extend([tensor("lo", &[], &[2.0]), tensor("hi", &[], &[1.0])]);
            }),
            &calib8,
            &["'act' (Clip)", "min 2 and max 1 do not form a range"],
        ),
        quantize_case(
            "clip-nan",
            &mlp("clip_nan.onnx", |g| {
                g.node[1].op_type = "Clip".into();
                set_attr(g, 1, float("min", f32::NAN));
            }),
            &calib8,
            &["'act' (Clip)", "min NaN"],
        ),
        quantize_case(
            "reshape-zero-past-rank",
            &mlp("reshape0.onnx", |g| {
                g.node.push(node("Reshape", "rs", &["y", "shape"], "z", vec![]));
                g.output[0].name = "z".into();
                g.initializer.push(common::int64s("shape", &[1, 2, 0, 0]));
            }),
            &calib8,
            &["'rs' (Reshape)", "a 0 at axis 2 is past the input's rank 2"],
        ),
        quantize_case(
            "reshape-two-minus-one",
            &mlp("reshape_m1.onnx", |g| {
                g.node.push(node("Reshape", "rs", &["y", "shape"], "z", vec![]));
                g.output[0].name = "z".into();
                g.initializer.push(common::int64s("shape", &[1, -1, -1]));
            }),
            &calib8,
            &["'rs' (Reshape)", "negative extent other than a single -1"],
        ),
        quantize_case(
            "reshape-count",
            &mlp("reshape_count.onnx", |g| {
                g.node.push(node("Reshape", "rs", &["y", "shape"], "z", vec![]));
                g.output[0].name = "z".into();
                g.initializer.push(common::int64s("shape", &[1, 3]));
            }),
            &calib8,
            &["'rs' (Reshape)", "does not keep the element count"],
        ),
        quantize_case(
            "concat-axis",
            &mlp("concat_axis.onnx", |g| {
                g.node.push(node("Concat", "cat", &["y", "h"], "z", vec![int("axis", 5)]));
                g.output[0].name = "z".into();
            }),
            &calib8,
            &["'cat' (Concat)", "axis 5 is outside rank 2"],
        ),
        quantize_case(
            "transpose-perm",
            &mlp("transpose.onnx", |g| {
                g.node.push(node("Transpose", "tr", &["y"], "z", vec![ints("perm", &[0, 0])]));
                g.output[0].name = "z".into();
            }),
            &calib8,
            &["'tr' (Transpose)", "not a permutation"],
        ),
        quantize_case(
            "split-sizes",
            &mlp("split.onnx", |g| {
                let mut n = node("Split", "sp", &["y"], "z", vec![int("axis", 1), ints("split", &[3, 3])]);
                n.output.push("z2".into());
                g.node.push(n);
                g.output[0].name = "z".into();
            }),
            &calib8,
            &["'sp' (Split)", "do not cover axis 1 of extent 4"],
        ),
        quantize_case(
            "softmax-axis",
            &mlp("softmax.onnx", |g| {
                g.node.push(node("Softmax", "sm", &["y"], "z", vec![int("axis", 0)]));
                g.output[0].name = "z".into();
            }),
            &calib8,
            &["'sm' (Softmax)", "last axis"],
        ),
        quantize_case(
            "layernorm-eps-nan",
            &mlp("ln_eps.onnx", |g| {
                g.node.push(node("LayerNormalization", "ln", &["y", "gam"], "z", vec![float("epsilon", f32::NAN)]));
                g.output[0].name = "z".into();
                g.initializer.push(tensor("gam", &[4], &[1.0; 4]));
            }),
            &calib8,
            &["'ln' (LayerNormalization)", "epsilon is NaN"],
        ),
        quantize_case(
            "layernorm-scale-length",
            &mlp("ln_scale.onnx", |g| {
                g.node.push(node("LayerNormalization", "ln", &["y", "gam"], "z", vec![]));
                g.output[0].name = "z".into();
                g.initializer.push(tensor("gam", &[3], &[1.0; 3]));
            }),
            &calib8,
            &["'ln' (LayerNormalization)", "scale has 3 values for 4 channels"],
        ),
        quantize_case(
            "matmul-shapes",
            &mlp("matmul.onnx", |g| {
                g.node.push(node("MatMul", "mm", &["y", "h"], "z", vec![]));
                g.output[0].name = "z".into();
            }),
            &calib8,
            &["'mm' (MatMul)", "needs shapes"],
        ),
        // Functions undefined where they are certified; non-finite floats.
        quantize_case(
            "log-of-negative",
            &mlp("log.onnx", |g| g.node[1].op_type = "Log".into()),
            &calib8,
            &["calibration sample 0", "y (fused elementwise)", "Log(x)", "is NaN at x = -"],
        ),
        // .npy files.
        quantize_case("calib-not-npy", &good, &garbage, &["garbage.onnx", "not an .npy file"]),
        quantize_case(
            "calib-huge-header",
            &good,
            &npy_raw("huge.npy", "<f4", &[100_000_000_000, 8], &[0; 32]),
            &["huge.npy", "needs 3200000000000 data bytes, the file has 32"],
        ),
        quantize_case(
            "calib-wrapping-shape",
            &good,
            &npy_raw("wrap.npy", "<f4", &[1 << 62, 1 << 62], &[]),
            &["wrap.npy", "too large"],
        ),
        quantize_case(
            "calib-sample-length",
            &good,
            &npy_f32("len5.npy", &[4, 5], None),
            &["len5.npy", "have 5 values, the model input has 8"],
        ),
        quantize_case(
            "calib-float64",
            &good,
            &npy_raw("f8.npy", "<f8", &[2, 8], &[0; 128]),
            &["f8.npy", "must be float32", "<f8"],
        ),
        quantize_case(
            "calib-nan",
            &good,
            &npy_f32("nan.npy", &[1, 8], Some(&[0.0, 1.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0])),
            &["nan.npy", "value 2 (sample 0) is not finite"],
        ),
        quantize_case(
            "calib-empty",
            &good,
            &npy_f32("empty.npy", &[0, 8], Some(&[])),
            &["empty.npy", "holds no samples"],
        ),
        quantize_case(
            "calib-scalar",
            &good,
            &npy_f32("scalar.npy", &[], Some(&[1.0])),
            &["scalar.npy", "found a scalar"],
        ),
        quantize_case(
            "calib-truncated-header",
            &good,
            &{
                let p = tmp("trunc.npy");
                std::fs::write(&p, b"\x93NUMPY\x01\x00\xff\x00{'descr'").unwrap();
                p
            },
            &["trunc.npy", "truncated .npy header"],
        ),
        quantize_case(
            "calib-object",
            &good,
            &npy_raw("obj.npy", "|O", &[1], &[0; 8]),
            &["obj.npy", "not a number type"],
        ),
        // Flags.
        flag("percentile-zero", &["--percentile", "0"], &["--percentile", "(0, 100]"]),
        flag("percentile-negative", &["--percentile=-5"], &["--percentile", "(0, 100]"]),
        flag("percentile-150", &["--percentile", "150"], &["--percentile", "(0, 100]"]),
        flag("percentile-nan", &["--percentile", "NaN"], &["--percentile", "(0, 100]"]),
        flag("headroom-negative", &["--headroom=-1"], &["--headroom", "from 0 to 100"]),
        flag("error-lsb-nan", &["--error-lsb", "nan"], &["--error-lsb"]),
        flag("act-bits-12", &["--act-bits", "12"], &["--act-bits", "must be 8 or 16"]),
        case(
            "output-dir-missing",
            &["quantize", s(&good), "--calib", s(&calib8), "-o", "/nonexistent/dir/x.pam"],
            1,
            &["/nonexistent/dir/x.pam"],
        ),
        case("flash-count-zero", &["flash", s(&blob), "--count", "0"], 2, &["--count", "at least 1"]),
        case(
            "flash-model-addr-without-chip",
            &["flash", s(&blob), "--model-addr", "0x8000"],
            2,
            &["--model-addr", "--chip"],
        ),
        case("flash-unknown-board", &["flash", s(&blob), "--board", "qemu-z80"], 2, &["--board", "qemu-z80"]),
        // fit: functions undefined on the range they would certify.
        case(
            "fit-sqrt-negative",
            &["fit", "sqrt(x)", "--range", "-1,1", "--in-bits", "8"],
            1,
            &["Sqrt(x)", "is NaN at x = -", "not defined on all of it"],
        ),
        case(
            "fit-log-negative",
            &["fit", "log(x)", "--range", "-1,1", "--in-bits", "16"],
            1,
            &["Log(x)", "not defined"],
        ),
        case(
            "fit-reciprocal-zero",
            &["fit", "1/x", "--range", "-1,1", "--in-bits", "8"],
            1,
            &["at x = 0", "not defined"],
        ),
        case("fit-range-inverted", &["fit", "tanh", "--range", "3,1"], 2, &["--range", "LO must be below HI"]),
        case("fit-range-nan", &["fit", "tanh", "--range", "nan,1"], 2, &["--range"]),
        case("fit-unknown-function", &["fit", "frobnicate(x)", "--range", "-1,1"], 1, &["frobnicate"]),
        // Blobs and outputs.
        case("inspect-missing", &["inspect", "/nonexistent/m.pam"], 1, &["/nonexistent/m.pam"]),
        case("inspect-corrupt", &["inspect", s(&corrupt_blob)], 1, &["corrupt.pam"]),
        case("inspect-truncated", &["inspect", s(&short_blob)], 1, &["short.pam"]),
        case("inspect-onnx-as-blob", &["inspect", s(&good)], 1, &["good.onnx"]),
        Case {
            stdout_full: true,
            ..case("inspect-to-full-disk", &["inspect", s(&blob)], 1, &["writing to standard output"])
        },
        Case {
            stdout_full: true,
            ..case(
                "quantize-to-full-disk",
                &["quantize", s(&good), "--calib", s(&calib8), "-o", s(&tmp("full.pam"))],
                1,
                &["writing to standard output"],
            )
        },
        // eval: data, labels and targets that do not fit the model.
        eval_case(
            "eval-labels-out-of-range",
            &["--labels", s(&labels("l_range.npy", &[0, 1, 2, 3, 9, 0]))],
            &["l_range.npy", "label 4 is 9, outside the model's 4 classes"],
        ),
        eval_case(
            "eval-negative-label",
            &["--labels", s(&labels("l_neg.npy", &[0, -1, 2, 3, 1, 0]))],
            &["l_neg.npy", "label 1 is -1"],
        ),
        eval_case(
            "eval-label-count",
            &["--labels", s(&labels("l_count.npy", &[0, 1]))],
            &["l_count.npy", "2 labels for the 6 samples"],
        ),
        eval_case(
            "eval-labels-float",
            &["--labels", s(&npy_f32("l_f.npy", &[6], None))],
            &["l_f.npy", "int64 or int32"],
        ),
        eval_case(
            "eval-labels-2d",
            &["--labels", s(&npy_raw("l_2d.npy", "<i8", &[6, 2], &[0; 96]))],
            &["l_2d.npy", "1-D array"],
        ),
        eval_case(
            "eval-targets-shape",
            &["--targets", s(&npy_f32("t_shape.npy", &[6, 3], None))],
            &["t_shape.npy", "have 3 values, the model output has 4"],
        ),
        eval_case(
            "eval-targets-count",
            &["--targets", s(&npy_f32("t_count.npy", &[2, 4], None))],
            &["t_count.npy", "2 targets for the 6 samples"],
        ),
        case(
            "eval-empty-data",
            &["eval", s(&blob), "--onnx", s(&good), "--data", s(&npy_f32("e_empty.npy", &[0, 8], Some(&[])))],
            1,
            &["e_empty.npy", "no samples"],
        ),
        case(
            "eval-corrupt-blob",
            &["eval", s(&corrupt_blob), "--onnx", s(&good), "--data", s(&test8)],
            1,
            &["corrupt.pam"],
        ),
        case(
            "eval-garbage-onnx",
            &["eval", s(&blob), "--onnx", s(&garbage), "--data", s(&test8)],
            1,
            &["garbage.onnx"],
        ),
    ];
    // The report of another model next to a blob: eval says so.
    let other = tmp("other.pam");
    std::fs::copy(&blob, &other).unwrap();
    std::fs::write(
        polyact_tools::report::report_path(&other),
        std::fs::read_to_string(polyact_tools::report::report_path(&blob)).unwrap().replace("\"fc\"", "\"renamed\""),
    )
    .unwrap();
    cases.push(case(
        "eval-report-of-another-model",
        &["eval", s(&other), "--onnx", s(&good), "--data", s(&test8)],
        1,
        &["other.pam.json", "does not describe this ONNX model"],
    ));
    println!("{} malformed or unusual inputs", cases.len());
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    for c in &cases {
        run(c);
    }
}

#[test]
fn a_closed_pipe_is_an_error_not_a_panic() {
    let calib = npy_f32("pipe_calib.npy", &[10, 8], None);
    let good = mlp("pipe.onnx", |_| {});
    let blob = tmp("pipe.pam");
    let q = Command::new(env!("CARGO_BIN_EXE_polyact"))
        .args(["quantize", s(&good), "--calib", s(&calib), "-o", s(&blob)])
        .output()
        .unwrap();
    assert!(q.status.success());
    // The reading end is closed before the command writes anything.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_polyact")).args(["inspect", s(&blob)]).stdout(writer).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("writing to standard output") && !err.contains("panicked"), "{err}");
}
