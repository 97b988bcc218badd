//! Whole-network designs: the digits MLP (int8) as streaming Verilog, every
//! test input byte-identical with the runtime interpreter in Icarus at two
//! parallelism points; the requantization module on its own against the
//! runtime's `requantize`; one synthesis run with its report checked.

use polyact::DType;
use polyact_hdl::network::bench::{run_bench, EXPECTED_FILE};
use polyact_hdl::network::requant::{write_unit_bench, Case};
use polyact_hdl::network::Lanes;
use polyact_hdl::synth::Device;
use polyact_hdl::tools::icarus;
use polyact_hdl::tools::Variant;
use polyact_tools::hdl_network::{build_network, NetJob};
use std::path::{Path, PathBuf};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models")
}

/// The int8 example model `example` as `polyact quantize` writes it.
fn blob_of(example: &str, dir: &Path) -> PathBuf {
    let (_, q) = polyact_tools::model_zoo::quantize_example(&models().join(example), DType::I8).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("{example}8.pam"));
    std::fs::write(&path, &q.blob).unwrap();
    path
}

fn digits_blob(dir: &Path) -> PathBuf {
    blob_of("digits_pau", dir)
}

fn job(dir: &Path, lanes: Lanes, max_inputs: usize, report: Vec<Device>) -> NetJob {
    job_on("digits_pau", dir, lanes, max_inputs, report)
}

fn job_on(example: &str, dir: &Path, lanes: Lanes, max_inputs: usize, report: Vec<Device>) -> NetJob {
    NetJob {
        out: dir.to_path_buf(),
        name: "digits_net".into(),
        lanes,
        inputs: Some(models().join(example).join("test_x.npy")),
        max_inputs,
        check: true,
        report,
    }
}

#[test]
fn digits_mlp_network_is_byte_identical_with_the_runtime_at_two_parallelism_points() {
    let dir = std::env::temp_dir().join("polyact_net_digits");
    let blob = digits_blob(&dir);
    // One lane per layer, every test input; `build_network` fails on any
    // differing byte, with free-running and with stalling streams.
    let one = build_network(&blob, &job(&dir.join("lanes1"), Lanes::Each(1), usize::MAX, vec![])).unwrap();
    assert_eq!((one.inferences, one.lanes.as_str(), one.macs), (359, "1,1,1", 3392));
    let (free, stalled) = one.benches.as_ref().unwrap();
    assert_eq!((free.mismatches, stalled.mismatches, free.inferences), (0, 0, 359));
    // Fully parallel: one lane per output channel.
    let full = build_network(&blob, &job(&dir.join("full"), Lanes::Full, 100, vec![])).unwrap();
    assert_eq!((full.inferences, full.lanes.as_str()), (100, "32,32,10"));
    let (f, _) = full.benches.as_ref().unwrap();
    assert!(f.cycles_per_inference() < free.cycles_per_inference() / 2.0, "{} vs {}", f.latency, free.latency);

    // The bench really compares: one changed expected byte is one mismatch.
    let d = dir.join("full");
    let text = std::fs::read_to_string(d.join(EXPECTED_FILE)).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let b = u8::from_str_radix(&lines[13], 16).unwrap();
    lines[13] = format!("{:02x}", b ^ 1);
    std::fs::write(d.join(EXPECTED_FILE), lines.join("\n") + "\n").unwrap();
    let r = run_bench(&d, "digits_net", false).unwrap();
    assert_eq!((r.inferences, r.mismatches), (100, 1), "{}", r.log);
}

#[test]
fn motion_conv1d_network_is_byte_identical_with_the_runtime() {
    // Conv1D (padding, stride 2) → Conv1D → average pool → Dense.
    let dir = std::env::temp_dir().join("polyact_net_motion");
    let blob = blob_of("motion_conv1d", &dir);
    let one = build_network(&blob, &job_on("motion_conv1d", &dir.join("lanes1"), Lanes::Each(1), 12, vec![])).unwrap();
    assert_eq!((one.inferences, one.lanes.as_str(), one.macs), (12, "1,1,1,1", 56064));
    assert!(one.describe.contains("Conv1D") && one.describe.contains("average pool"), "{}", one.describe);
    let four = build_network(&blob, &job_on("motion_conv1d", &dir.join("lanes4"), Lanes::Each(4), 12, vec![])).unwrap();
    assert_eq!(four.lanes, "4,4,1,4");
    let (a, b) = (&one.benches.as_ref().unwrap().0, &four.benches.as_ref().unwrap().0);
    assert!(b.cycles_per_inference() < a.cycles_per_inference() / 2.0, "{} vs {}", b.latency, a.latency);
}

#[test]
fn requantization_module_matches_the_runtime_on_edge_and_random_cases() {
    let mut cases: Vec<Case> = Vec::new();
    let accs = [i32::MIN, i32::MIN + 1, -1 << 20, -12345, -2, -1, 0, 1, 2, 777, 1 << 24, i32::MAX - 1, i32::MAX];
    let mults = [0, 1, 1 << 30, 1_518_500_250, i32::MAX];
    for &a in &accs {
        for &m in &mults {
            for s in [-31, -20, -10, -1, 0, 1, 5, 17, 30] {
                cases.push((a, m, s));
            }
        }
    }
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..4000 {
        let r = next();
        let acc = (r as i32) >> (r >> 59);
        let mult = ((next() >> 33) as i32) | (1 << 30);
        let shift = (next() % 62) as i32 - 31;
        cases.push((acc, mult, shift));
    }
    let dir = std::env::temp_dir().join("polyact_net_requant");
    write_unit_bench(&dir, "rq", &cases, -7).unwrap();
    let r = icarus(&dir, "rq", Variant::Generic).unwrap();
    assert_eq!((r.vectors, r.mismatches), (cases.len(), 0), "{}", r.log);
}

#[test]
fn digits_network_synthesizes_for_the_ice40_with_a_sane_report() {
    let dir = std::env::temp_dir().join("polyact_net_synth");
    let blob = digits_blob(&dir);
    let o = build_network(&blob, &job(&dir.join("ice40"), Lanes::Each(1), 20, vec![Device::Ice40Up5k])).unwrap();
    let r = &o.reports[0];
    // Three layers: a multiplier lane and a requantization multiplier each;
    // weights (3,392 bytes) in block RAM; at least some clock.
    assert_eq!(r.dsps, 6, "{r:?}");
    assert!(r.brams >= 7 && r.brams <= 30, "{r:?}");
    assert!(r.luts > 100 && r.luts < 5280 && r.ffs > 100, "{r:?}");
    assert!(r.fmax_mhz > 10.0 && r.fmax_mhz < 500.0, "{r:?}");
    let readme = std::fs::read_to_string(dir.join("ice40/README.md")).unwrap();
    assert!(readme.contains("iCE40 UP5K") && readme.contains("inferences / s"), "{readme}");
}

#[test]
fn models_a_network_design_cannot_hold_are_refused_with_the_reason() {
    let m = models();
    let err = |example: &str, act: DType| {
        let (_, q) = polyact_tools::model_zoo::quantize_example(&m.join(example), act).unwrap();
        let model = polyact::Model::from_bytes(&q.blob).unwrap();
        match polyact_hdl::network::NetworkSpec::from_model(&model, &Lanes::Each(1)) {
            Ok(_) => panic!("{example} at {act:?} was accepted"),
            Err(e) => e.0,
        }
    };
    assert!(err("digits_pau", DType::I16).contains("int8"));
    // SwiGLU: two Dense ops read the same input, so it is not a chain.
    let e = err("digits_swiglu", DType::I8);
    assert!(e.contains("op 1") && e.contains("does not read the previous op's output"), "{e}");
}
