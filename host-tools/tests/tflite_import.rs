//! The TFLite importer against TFLite's own interpreters: TFLM's
//! hello_world sine on every input level and micro_speech on 1000
//! generated inputs give TensorFlow Lite Micro's bytes; LiteRT's desktop
//! build (single-rounding requantization) is within two levels; bad files
//! are refused by name.

use polyact_tools::eval::integer_outputs;
use polyact_tools::tflite::oracle::{self, Oracle};
use polyact_tools::tflite::{self};
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("host-tools sits in the workspace")
}

/// Import `file`, run polyact and TFLite on the test inputs, require equal
/// bytes; returns the number of inputs compared.
fn bit_exact_with_tflite(file: &str, n: usize) -> usize {
    let path = oracle::model_path(workspace(), file).unwrap();
    let imp = tflite::import_file(&path).unwrap();
    assert!(imp.rounding.is_empty(), "{file}: {:?}", imp.rounding);
    let xs = oracle::test_inputs(&imp, n, 0x7F1);
    let ours = integer_outputs(&imp.blob, &xs, || {}).unwrap();
    let theirs = oracle::reference_outputs(Oracle::Tflm, &path, &xs).unwrap();
    assert_eq!(ours.len(), theirs.len());
    let differing: Vec<usize> = (0..xs.len()).filter(|&i| ours[i] != theirs[i]).collect();
    assert!(
        differing.is_empty(),
        "{file}: {} of {} inputs differ from TFLM, first #{}: polyact {:?} vs TFLM {:?}",
        differing.len(),
        xs.len(),
        differing[0],
        ours[differing[0]],
        theirs[differing[0]]
    );
    // A model whose outputs never change would pass trivially.
    let distinct: std::collections::BTreeSet<&Vec<i32>> = ours.iter().collect();
    assert!(distinct.len() > 4, "{file}: only {} distinct outputs", distinct.len());
    xs.len()
}

#[test]
fn tflm_sine_is_tflite_bit_for_bit_on_every_input() {
    assert_eq!(bit_exact_with_tflite("sine.tflite", 0), 256);
}

#[test]
fn tflm_micro_speech_is_tflite_bit_for_bit_on_1000_inputs() {
    assert_eq!(bit_exact_with_tflite("speech.tflite", 1000), 1000);
}

#[test]
fn litert_with_single_rounding_is_within_two_levels() {
    // LiteRT's desktop interpreter rounds the requantization once (half
    // up) where TFLM and polyact round twice (TFLite's gemmlowp form): the
    // difference is documented in docs/ARITHMETIC.md and bounded here: one
    // level per requantization adds up over the sine model's three layers
    // to two at its output; micro_speech's softmax magnifies a one-level
    // logit difference to five of its 256 probability levels.
    for (file, n, bound) in [("sine.tflite", 0, 2), ("speech.tflite", 1000, 5)] {
        let path = oracle::model_path(workspace(), file).unwrap();
        let imp = tflite::import_file(&path).unwrap();
        let xs = oracle::test_inputs(&imp, n, 0x7F1);
        let ours = integer_outputs(&imp.blob, &xs, || {}).unwrap();
        let litert = oracle::reference_outputs(Oracle::LiteRt, &path, &xs).unwrap();
        let worst = ours.iter().flatten().zip(litert.iter().flatten()).map(|(a, b)| (a - b).abs()).max().unwrap();
        eprintln!("{file}: polyact vs LiteRT: at most {worst} levels apart");
        assert!(worst <= bound, "{file}: polyact and LiteRT differ by {worst} levels (bound {bound})");
    }
}

#[test]
fn a_changed_weight_is_caught_by_the_oracle() {
    // The comparison can fail: flip one weight byte of the speech model's
    // Dense layer inside the .tflite and polyact follows the file while the
    // unchanged oracle does not.
    let path = oracle::model_path(workspace(), "speech.tflite").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let imp = tflite::import(&bytes).unwrap();
    let xs = oracle::test_inputs(&imp, 200, 3);
    let theirs = oracle::reference_outputs(Oracle::Tflm, &path, &xs).unwrap();
    let mut mutated = imp.blob.clone();
    // The Dense weights are the blob's largest constant: 4 × 4000 int8.
    let at = mutated.len() / 2;
    for b in &mut mutated[at..at + 64] {
        *b = b.wrapping_add(77);
    }
    let crc = polyact::format::header::blob_crc(&mutated).to_le_bytes();
    let field = polyact::format::header::CRC_FIELD;
    mutated[field..field + 4].copy_from_slice(&crc);
    let ours = integer_outputs(&mutated, &xs, || {}).unwrap();
    assert!((0..xs.len()).any(|i| ours[i] != theirs[i]), "a corrupted model still matched TFLite everywhere");
}

#[test]
fn bad_tflite_files_are_refused_by_name() {
    let path = oracle::model_path(workspace(), "sine.tflite").unwrap();
    let good = std::fs::read(&path).unwrap();
    let err = |b: &[u8]| format!("{:#}", tflite::import(b).unwrap_err());
    assert!(err(b"").contains("not a TFLite flatbuffer"));
    assert!(err(&good[..good.len() / 2]).contains("corrupt TFLite flatbuffer"));
    let mut wrong_id = good.clone();
    wrong_id[4..8].copy_from_slice(b"ONNX");
    assert!(err(&wrong_id).contains("TFL3"));
    // Every truncation and many single-byte corruptions: an error or a
    // valid blob, never a panic.
    for cut in (0..good.len()).step_by(37) {
        let _ = tflite::import(&good[..cut]);
    }
    for i in (0..good.len()).step_by(3) {
        let mut b = good.clone();
        b[i] ^= 0xA5;
        if let Ok(imp) = tflite::import(&b) {
            polyact::Model::from_bytes(&imp.blob).expect("an imported blob always validates");
        }
    }
}

#[test]
fn tflm_person_detection_is_tflite_bit_for_bit_on_100_inputs() {
    // A MobileNet v1 (0.25) on 96×96 grey images: SAME-padded strided
    // convolutions, depthwise, average pooling, softmax.
    assert_eq!(bit_exact_with_tflite("person_detect.tflite", 100), 100);
}

#[test]
fn single_operators_against_tflm_on_every_int8_input() {
    // One-operator models written with TFLite's schema: every int8 input
    // level through TFLM and through polyact. Operators marked bit-exact
    // must give TFLM's bytes; the exact tables (correctly rounded, where
    // TFLM's kernels compute in fixed point) must be within one level.
    /// (operator, input (scale, zero point), output (scale, zero point), alpha)
    type Case = (&'static str, (f32, i32), (f32, i32), f32);
    let cases: [Case; 7] = [
        ("RELU", (0.05, 3), (0.03, -128), 0.0),
        // TFLM's RELU6 clamps the raw input and ignores the output's
        // quantization (converters give both the same): so does the case.
        ("RELU6", (0.05, 3), (0.05, 3), 0.0),
        ("LEAKY_RELU", (0.05, 3), (0.04, 10), 0.1),
        ("LOGISTIC", (0.05, 3), (1.0 / 256.0, -128), 0.0),
        ("TANH", (0.03, -5), (1.0 / 128.0, 0), 0.0),
        ("HARD_SWISH", (0.05, 3), (0.03, -100), 0.0),
        ("QUANTIZE", (0.05, 3), (0.07, -9), 0.0),
    ];
    let dir = std::env::temp_dir().join(format!("polyact-single-op-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xs = vec![(-128..=127).collect::<Vec<i32>>()];
    for (op, qi, qo, alpha) in cases {
        let path = dir.join(format!("{op}.tflite"));
        oracle::single_op_model(op, qi, qo, alpha, &path).unwrap();
        let imp = tflite::import_file(&path).unwrap();
        let ours = integer_outputs(&imp.blob, &xs, || {}).unwrap();
        let theirs = oracle::reference_outputs(Oracle::Tflm, &path, &xs).unwrap();
        let diffs: Vec<i32> = ours[0].iter().zip(&theirs[0]).map(|(a, b)| (a - b).abs()).collect();
        let (worst, differing) = (diffs.iter().max().copied().unwrap(), diffs.iter().filter(|&&d| d > 0).count());
        eprintln!("{op}: {differing} of 256 inputs differ from TFLM, by at most {worst}");
        let exact = polyact_tools::tflite::ops::table().find(|o| o.name == op).unwrap().agreement
            == polyact_tools::tflite::ops::Agreement::BitExact;
        assert!(if exact { worst == 0 } else { worst <= 1 }, "{op}: {differing} inputs differ, by up to {worst}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
