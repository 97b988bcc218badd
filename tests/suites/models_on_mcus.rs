//! Cross-target differential test: for every example model, 1000 inputs give
//! byte-identical outputs on the host runtime and on emulated Cortex-M4 and
//! Cortex-M0 (QEMU) — from the model partition, and compiled into the image
//! (`polyact compile`) — plus boot-time refusal of a corrupt model partition,
//! refusal before flashing of a model too large for the board, and refusal to
//! compile a layer the compiled kernels do not cover.
//!
//! Needs `qemu-system-arm` and the thumb targets (`cargo xtask setup`).

use polyact::{DType, Model};
use polyact_tests::example_models::quantized;
use polyact_tests::model_targets::{assert_same_bits, Mode, ModelTarget, Qemu};
use polyact_tools::flash::{board, check_fits, compiled_firmware, firmware, quantize_inputs, run_qemu};
use std::time::Duration;

/// Every example input byte-identical with the host runtime on `boards` in `mode`.
fn differential_in(name: &str, act: DType, boards: &[&str], mode: Mode) {
    let (blob, inputs) = quantized(name, act);
    let targets: Vec<Qemu> = boards.iter().map(|b| Qemu::new(b, mode)).collect();
    let targets: Vec<&dyn ModelTarget> = targets.iter().map(|t| t as &dyn ModelTarget).collect();
    assert_same_bits(&format!("{name} {act:?}"), &blob, &inputs, &targets);
}

fn differential(name: &str, act: DType, boards: &[&str]) {
    differential_in(name, act, boards, Mode::Partition)
}

/// Every emulated core.
const ALL: [&str; 5] = ["qemu-m0", "qemu-m3", "qemu-m4", "qemu-m7", "qemu-m33"];
const M0_M4: [&str; 2] = ["qemu-m0", "qemu-m4"];

#[test]
fn digits_models_on_m0_and_m4() {
    for name in polyact_tools::model_zoo::DIGITS_MODELS {
        differential(name, DType::I8, &M0_M4);
    }
    // int16 exercises the 16x8 path, the polynomial and rational kernels and
    // the 64-bit division on the M0 (no divider).
    for name in ["digits_pau", "digits_gelu", "digits_polynorm"] {
        differential(name, DType::I16, &M0_M4);
    }
}

#[test]
fn sine_and_motion_on_m0_and_m4() {
    // Every emulated core on the smallest model: M0, M3, M4, M7, M33.
    differential("sine", DType::I8, &ALL);
    differential("sine", DType::I16, &M0_M4);
    differential("motion_conv1d", DType::I8, &M0_M4);
    differential("motion_conv1d", DType::I16, &M0_M4);
}

#[test]
fn compiled_models_on_m0_and_m4() {
    // Every core on sine (M4 and M7 take the SMLAD inner loop, the others the
    // portable one); digits MLPs with fused table activations.
    differential_in("sine", DType::I8, &ALL, Mode::Compiled);
    for name in ["digits_pau", "digits_gelu"] {
        differential_in(name, DType::I8, &M0_M4, Mode::Compiled);
    }
}

#[test]
fn compiled_convolutions_on_m0_and_m4() {
    // Conv1D, Conv2D and depthwise compiled; pooling interpreted.
    differential_in("motion_conv1d", DType::I8, &M0_M4, Mode::Compiled);
    let (blob, _) = quantized("mnist_dwconv", DType::I8);
    let g = polyact_tools::compile::generate(&blob, "mnist_dwconv").unwrap();
    assert!(g.source.contains("ConvI8<") && g.source.contains("DepthwiseI8<"));
    assert_eq!(g.interpreted, vec![(3, "avg_pool")]);
    differential_in("mnist_dwconv", DType::I8, &["qemu-m4"], Mode::Compiled);
}

#[test]
fn compiled_models_with_interpreted_layers() {
    // PolyNorm: standalone activation ops compiled to tables, RMS norms and
    // adds interpreted; int16 PAU: every layer interpreted (16x8 Dense,
    // rational kernels).
    let (blob, _) = quantized("digits_polynorm", DType::I8);
    let g = polyact_tools::compile::generate(&blob, "digits_polynorm").unwrap();
    assert!(g.source.contains("LookupI8 { tables"), "no compiled activation op");
    assert!(g.interpreted.iter().any(|&(_, k)| k == "rms_norm"), "{:?}", g.interpreted);
    differential_in("digits_polynorm", DType::I8, &M0_M4, Mode::Compiled);
    let (blob, _) = quantized("digits_pau", DType::I16);
    assert_eq!(polyact_tools::compile::generate(&blob, "digits_pau").unwrap().interpreted.len(), 3);
    differential_in("digits_pau", DType::I16, &["qemu-m4"], Mode::Compiled);
}

#[test]
fn multiplicative_and_attention_networks_on_m0_and_m4() {
    // Issue 12: the transformers (Reshape, Transpose, MatMul of two
    // activations, LayerNorm, Softmax / Power-Softmax's per-row Div,
    // ReduceMean over tokens, a constant positional embedding), SwiGLU's and
    // MONet's Mul of two tensors. The arenas fit the micro:bit.
    for name in polyact_tools::model_zoo::MULTIPLICATIVE_MODELS {
        differential(name, DType::I8, &M0_M4);
    }
    // int16: the int64 accumulators of the two-activation MatMul and the
    // 16-bit division and square roots on the M0 (no divider).
    for name in ["digits_transformer_polynorm", "digits_transformer_powersoftmax"] {
        differential(name, DType::I16, &M0_M4);
    }
}

#[test]
fn compiled_transformer_on_m0_and_m4() {
    // Dense layers and the fused activations compiled; attention, norms and
    // shape ops called as interpreted layers by type.
    let (blob, _) = quantized("digits_transformer_polyrelu", DType::I8);
    let g = polyact_tools::compile::generate(&blob, "digits_transformer_polyrelu").unwrap();
    for kind in ["matmul", "softmax", "layer_norm", "transpose"] {
        assert!(g.interpreted.iter().any(|&(_, k)| k == kind), "{kind}: {:?}", g.interpreted);
    }
    differential_in("digits_transformer_polyrelu", DType::I8, &M0_M4, Mode::Compiled);
    differential_in("digits_transformer_powersoftmax", DType::I16, &["qemu-m4"], Mode::Compiled);
}

#[test]
fn compile_refuses_a_corrupt_model_with_the_reason() {
    let (mut blob, _) = quantized("sine", DType::I8);
    let n = blob.len();
    blob[n - 3] ^= 0x10;
    let e = format!("{:#}", polyact_tools::compile::generate(&blob, "sine").unwrap_err());
    assert!(e.contains("model") && e.contains("CRC"), "{e}");
}

#[test]
fn mnist_on_m4_and_refused_on_m0() {
    differential("mnist_dwconv", DType::I8, &["qemu-m4"]);
    let (blob, _) = quantized("mnist_dwconv", DType::I8);
    let m0 = firmware(board("qemu-m0").unwrap()).unwrap();
    let e = check_fits("qemu-m0", &m0.info, &blob).unwrap_err().to_string();
    assert!(e.contains("arena") && e.contains("refused before flashing"), "{e}");
    // Compiled into the image, the same arena would overrun the M0's stack.
    let e = format!("{:#}", compiled_firmware(board("qemu-m0").unwrap(), &blob, "mnist_dwconv").unwrap_err());
    assert!(e.contains("arena") && e.contains("refused before flashing"), "{e}");
}

#[test]
fn corrupt_model_partition_is_refused_at_boot() {
    let m4 = board("qemu-m4").unwrap();
    let (mut blob, inputs) = quantized("digits_gelu", DType::I8);
    let vectors = quantize_inputs(&blob, &inputs[..1]).unwrap();
    let n = blob.len();
    blob[n - 10] ^= 0x55;
    let run = run_qemu(m4, &firmware(m4).unwrap(), &blob, &vectors, false, Duration::from_secs(120)).unwrap();
    assert_ne!(run.exit_code, 0);
    assert!(
        run.log.iter().any(|l| l.starts_with("ERROR") && l.contains("model partition rejected") && l.contains("CRC")),
        "{:?}",
        run.log
    );
    assert!(run.outputs.is_empty());
}

#[test]
fn profile_counts_instructions_deterministically() {
    let m4 = board("qemu-m4").unwrap();
    let (blob, inputs) = quantized("sine", DType::I8);
    let vectors = quantize_inputs(&blob, &inputs[..10]).unwrap();
    let fw = firmware(m4).unwrap();
    let a = run_qemu(m4, &fw, &blob, &vectors, true, Duration::from_secs(120)).unwrap();
    let b = run_qemu(m4, &fw, &blob, &vectors, true, Duration::from_secs(120)).unwrap();
    assert_eq!(a.exit_code, 0);
    assert_eq!((a.mean_ticks, &a.op_ticks), (b.mean_ticks, &b.op_ticks), "icount runs must repeat exactly");
    assert_eq!(a.op_ticks.len(), Model::from_bytes(&blob).unwrap().n_ops());
    assert!(a.mean_ticks > 0 && a.op_ticks.iter().sum::<u64>() <= a.mean_ticks);
}

/// Issue 13's networks, imported from PyTorch's own layouts: the
/// MobileNetV3-style MNIST net (NCHW input transposed on the device,
/// HardSwish, residual adds), the version-B rational and xATLU MLPs, the NCW
/// Conv1D. int16 runs the knot (HardSwish), version-B rational and fitted
/// (xATLU) kernels on the M0 too.
/// (Each model is quantized once per width and run from the partition and
/// compiled on both cores.)
#[test]
fn activation_networks_on_m0_and_m4() {
    let targets: Vec<Qemu> = [Mode::Partition, Mode::Compiled]
        .into_iter()
        .flat_map(|mode| M0_M4.iter().map(move |b| Qemu::new(b, mode)))
        .collect();
    let targets: Vec<&dyn ModelTarget> = targets.iter().map(|t| t as &dyn ModelTarget).collect();
    for name in polyact_tools::model_zoo::ACTIVATION_NETS {
        for act in [DType::I8, DType::I16] {
            let (blob, inputs) = quantized(name, act);
            assert_same_bits(&format!("{name} {act:?}"), &blob, &inputs, &targets);
        }
    }
}

/// Issue 13's knot polynomials at int16, as `polyact quantize` lowers them
/// (HardSwish on MobileNetV3's calibrated range, a Floor staircase): a
/// binary search over `i16` knots, then Horner, on every core. 1000 inputs of
/// 64 values sweep the whole range, so nearly every raw input is run.
#[test]
fn knot_polynomial_kernels_on_m0_and_m4() {
    use polyact_tools::expr_parse::parse;
    use polyact_tools::lower::{fit_function, LowerOpts};
    for (function, range) in [("hardswish(x)", (-5.0, 7.0)), ("floor(3*x) + 0.1*x", (-4.0, 4.0))] {
        let f = parse(function).unwrap();
        let fitted = fit_function(f, DType::I16, range, DType::I16, None, &LowerOpts::default(), |_| {}).unwrap();
        let k = &fitted.lowered.kernel;
        assert_eq!(k.kind(), polyact::activation::KernelKind::KnotPoly, "{function}: {}", fitted.lowered.method);
        let n = 64;
        let blob = polyact::writer::kernel_model(k, n, fitted.in_t.1, fitted.out_t.1).unwrap();
        let span = (range.1 - range.0) as f32;
        let inputs: Vec<Vec<f32>> = (0..1000)
            .map(|i| (0..n).map(|j| range.0 as f32 + span * ((i * n + j) as f32 / (1000 * n) as f32)).collect())
            .collect();
        let targets: Vec<Qemu> = M0_M4.iter().map(|b| Qemu::new(b, Mode::Partition)).collect();
        let targets: Vec<&dyn ModelTarget> = targets.iter().map(|t| t as &dyn ModelTarget).collect();
        assert_same_bits(function, &blob, &inputs, &targets);
    }
}

/// Issue 16's TFLite models (TFLM's hello_world sine on all 256 input
/// levels, micro_speech on 1000 generated inputs), imported from their
/// `.tflite` files: the QEMU boards give the host runtime's bytes, which
/// `host-tools/tests/tflite_import.rs` proves are TensorFlow Lite Micro's —
/// from the partition and compiled, on the M4 and the M0.
#[test]
fn tflm_models_on_m4_and_m0() {
    use polyact_tools::tflite::{self, oracle};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    for (file, n) in [("sine.tflite", 0), ("speech.tflite", 1000)] {
        let imp = tflite::import_file(&oracle::model_path(root, file).unwrap()).unwrap();
        let (_, q, _) = imp.input;
        // Integer levels as the reals they stand for (quantized back exactly).
        let inputs: Vec<Vec<f32>> = oracle::test_inputs(&imp, n, 0x7F1)
            .iter()
            .map(|x| x.iter().map(|&v| q.scale * (v - q.zero_point) as f32).collect())
            .collect();
        for mode in [Mode::Partition, Mode::Compiled] {
            let targets: Vec<Qemu> = M0_M4.iter().map(|b| Qemu::new(b, mode)).collect();
            let targets: Vec<&dyn ModelTarget> = targets.iter().map(|t| t as &dyn ModelTarget).collect();
            assert_same_bits(&format!("tflm {file}"), &imp.blob, &inputs, &targets);
        }
    }
}
