//! Every input of each core through rust-hdl's simulator, compared with the
//! `polyact` runtime kernel decoded from a real blob.

use polyact::writer::{fit_piecewise, kernel_model, KernelDef};
use polyact::{DType, Model, Quant};
use polyact_hdl::{sim::simulate, CoreSpec};

fn q(scale: f32, zero_point: i32) -> Quant {
    Quant { scale, zero_point }
}

fn check(k: &KernelDef, in_q: Quant, out_q: Quant) {
    let blob = kernel_model(k, 1, in_q, out_q).unwrap();
    let model = Model::from_bytes(&blob).unwrap();
    let act = model.kernel(0).unwrap();
    let spec = CoreSpec::from_activation(&act, 0).unwrap();
    let t = act.io.in_dtype;
    let xs: Vec<i64> = (t.min()..=t.max()).map(|x| x as i64).collect();
    let t0 = std::time::Instant::now();
    let got = simulate(&spec, &xs).unwrap();
    eprintln!("{}: {} inputs in {:?}", spec.describe(), xs.len(), t0.elapsed());
    let mut bad = 0;
    for (&x, &y) in xs.iter().zip(&got) {
        let want = act.eval(x as i32, 0) as i64;
        if want != y {
            if bad < 5 {
                eprintln!("x {x}: core {y}, runtime {want}");
            }
            bad += 1;
        }
    }
    assert_eq!(bad, 0, "{bad} of {} inputs differ", xs.len());
}

#[test]
fn gelu_int16_fit() {
    let gelu = |x: f64, _: usize| 0.5 * x * (1.0 + polyact::certify::erf(x / std::f64::consts::SQRT_2));
    let (iq, oq) = (q(8.0 / 32768.0, 0), q(8.0 / 32768.0, 0));
    let k = KernelDef::Poly(fit_piecewise(&gelu, 1, (DType::I16, iq), (DType::I16, oq), 5, 3).unwrap());
    check(&k, iq, oq);
}

#[test]
fn relu_int8() {
    let (iq, oq) = (q(0.05, -3), q(0.04, -128));
    check(&KernelDef::relu((DType::I8, iq), (DType::I8, oq)), iq, oq);
}

#[test]
fn emitted_verilog_runs_in_icarus() {
    let gelu = |x: f64, _: usize| 0.5 * x * (1.0 + polyact::certify::erf(x / std::f64::consts::SQRT_2));
    let (iq, oq) = (q(8.0 / 32768.0, 0), q(8.0 / 32768.0, 0));
    let k = KernelDef::Poly(fit_piecewise(&gelu, 1, (DType::I16, iq), (DType::I16, oq), 5, 3).unwrap());
    let blob = kernel_model(&k, 1, iq, oq).unwrap();
    let model = Model::from_bytes(&blob).unwrap();
    let act = model.kernel(0).unwrap();
    let spec = CoreSpec::from_activation(&act, 0).unwrap();
    let dir = std::env::temp_dir().join("polyact_hdl_gelu");
    std::fs::create_dir_all(&dir).unwrap();
    let pairs: Vec<(i64, i64)> = (-32768..32768).map(|x| (x, act.eval(x as i32, 0) as i64)).collect();
    std::fs::write(dir.join("gelu.v"), polyact_hdl::emit::verilog(&spec, "gelu").unwrap()).unwrap();
    std::fs::write(dir.join("gelu_tb.v"), polyact_hdl::emit::testbench(&spec, "gelu", pairs.len())).unwrap();
    std::fs::write(dir.join("vectors.hex"), polyact_hdl::emit::vectors_hex(&pairs)).unwrap();
    let r = polyact_hdl::tools::icarus(&dir, "gelu").unwrap();
    eprintln!("{}", r.log);
    eprintln!("lint: {}", polyact_hdl::tools::verilator_lint(&dir, "gelu").unwrap());
    assert_eq!((r.vectors, r.mismatches), (65536, 0));
}
