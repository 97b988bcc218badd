//! Test helpers: a least-squares segment fitter (the real minimax fitter is the
//! host tools' job) and a one-op model harness.
#![allow(dead_code)]

use polyact::writer::KernelDef;
use polyact::{DType, Interpreter, Model, Quant};

/// Least-squares piecewise fit (the writer's shared fitter).
pub fn fit_segments(
    f: &dyn Fn(f64) -> f64,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    seg_bits: u32,
    degree: usize,
) -> KernelDef {
    let g = |x: f64, _: usize| f(x);
    KernelDef::Poly(polyact::writer::fit_piecewise(&g, 1, in_t, out_t, seg_bits, degree).expect("encodable"))
}

/// Build a one-kernel model and return its blob (kernel 0 is `k`).
pub fn kernel_blob(k: &KernelDef, channels: usize, in_q: Quant, out_q: Quant) -> Vec<u8> {
    polyact::writer::kernel_model(k, channels, in_q, out_q).expect("valid kernel model")
}

/// Run a blob on one input vector, returning the output values.
pub fn run(blob: &[u8], x: &[i32]) -> Vec<i32> {
    let model = Model::from_bytes(blob).expect("valid model");
    let mut arena = vec![0u8; model.arena_size()];
    let mut it = Interpreter::new(model, &mut arena).unwrap();
    it.set_input(x).unwrap();
    it.invoke().unwrap();
    let mut y = vec![0; model.output().unwrap().len()];
    it.get_output(&mut y).unwrap();
    y
}

pub fn q(scale: f32, zero_point: i32) -> Quant {
    Quant { scale, zero_point }
}

/// Real value of a quantized integer.
pub fn deq(v: i32, qt: Quant) -> f64 {
    qt.scale as f64 * (v - qt.zero_point) as f64
}

pub fn gelu(x: f64) -> f64 {
    0.5 * x * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub use polyact::certify::erf;
