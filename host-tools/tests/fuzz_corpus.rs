//! Replay the host fuzz targets' corpora (`fuzz/corpus/onnx_import`,
//! `fuzz/corpus/npy_reader`) through the same bodies the fuzzer runs: every
//! input, the crashes found and fixed included, must return without a panic.

use std::path::PathBuf;

fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(name);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect()
}

#[test]
fn onnx_import_corpus_replays_without_a_panic() {
    let files = corpus("onnx_import");
    assert!(files.len() >= 12, "the corpus holds only {} inputs", files.len());
    let mut imported = 0;
    for (path, data) in &files {
        let r = std::panic::catch_unwind(|| polyact_tools::fuzzing::exercise_onnx(data));
        assert!(r.is_ok(), "{} panics", path.display());
        let m = polyact_tools::fuzzing::fuzz_model(data);
        imported += m.is_some_and(|m| polyact_tools::onnx::import_model(&m, None).is_ok()) as usize;
    }
    // The seeds themselves are valid models: the corpus reaches past import.
    assert!(imported >= 12, "only {imported} corpus inputs import");
}

#[test]
fn npy_reader_corpus_replays_without_a_panic() {
    let files = corpus("npy_reader");
    assert!(files.len() >= 10, "the corpus holds only {} inputs", files.len());
    for (path, data) in &files {
        let r = std::panic::catch_unwind(|| polyact_tools::fuzzing::exercise_npy(data));
        assert!(r.is_ok(), "{} panics", path.display());
    }
}

#[test]
fn every_seed_model_imports_and_quantizes() {
    for (i, m) in polyact_tools::fuzzing::seed_models().iter().enumerate() {
        let g = polyact_tools::onnx::import_model(m, None).unwrap_or_else(|e| panic!("seed {i}: {e:#}"));
        let n = g.tensors[g.input].len();
        let xs: Vec<Vec<f32>> = (0..3).map(|s| (0..n).map(|k| ((k + s) % 5) as f32 / 4.0 - 0.5).collect()).collect();
        let cal = polyact_tools::quantize::calibrate(&g, &xs, polyact_tools::quantize::RangeMode::MinMax, || {})
            .unwrap_or_else(|e| panic!("seed {i}: {e:#}"));
        let opts = polyact_tools::quantize::QuantOpts::new(polyact::DType::I8);
        polyact_tools::quantize::quantize(&g, &cal, &opts, |_| {}).unwrap_or_else(|e| panic!("seed {i}: {e:#}"));
    }
}
