//! Test helpers: a least-squares segment fitter (the real minimax fitter is the
//! host tools' job) and a one-op model harness.
#![allow(dead_code)]

use polyact::writer::{encode_poly, kernel_io, segment_center, KernelDef, ModelBuilder};
use polyact::{DType, Interpreter, Model, Quant};

/// Least-squares fit of `f` on each segment, in the segment's local
/// coordinate, as output LSBs; solved in the scaled variable `u = r / R`.
pub fn fit_segments(
    f: &dyn Fn(f64) -> f64,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
    seg_bits: u32,
    degree: usize,
) -> KernelDef {
    let local = in_t.0.bits() - seg_bits;
    let half = if local == 0 { 1.0 } else { 2f64.powi(local as i32 - 1) };
    let n = degree + 1;
    let mut segs = Vec::new();
    for s in 0..1usize << seg_bits {
        let c = segment_center(in_t.0, seg_bits, s);
        let (lo, hi) = if local == 0 { (0, 0) } else { (-(half as i32), half as i32 - 1) };
        let mut ata = vec![vec![0.0f64; n]; n];
        let mut atb = vec![0.0f64; n];
        for r in lo..=hi {
            let x = in_t.1.scale as f64 * (c + r - in_t.1.zero_point) as f64;
            let y = f(x) / out_t.1.scale as f64 + out_t.1.zero_point as f64;
            let u = r as f64 / half;
            let pw: Vec<f64> = (0..n).map(|j| u.powi(j as i32)).collect();
            for i in 0..n {
                atb[i] += pw[i] * y;
                for j in 0..n {
                    ata[i][j] += pw[i] * pw[j];
                }
            }
        }
        let a = solve(ata, atb);
        segs.push((0..n).map(|j| a[j] / half.powi(j as i32)).collect::<Vec<f64>>());
    }
    let io = kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, 1);
    KernelDef::Poly(encode_poly(io, seg_bits, &segs).expect("encodable"))
}

/// Gaussian elimination with partial pivoting (small, well-conditioned systems).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let p = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap();
        a.swap(col, p);
        b.swap(col, p);
        if a[col][col].abs() < 1e-300 {
            continue;
        }
        for row in col + 1..n {
            let k = a[row][col] / a[col][col];
            let pivot = a[col].clone();
            for (v, p) in a[row].iter_mut().zip(&pivot).skip(col) {
                *v -= k * p;
            }
            b[row] -= k * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = if a[row][row].abs() < 1e-300 { 0.0 } else { (b[row] - s) / a[row][row] };
    }
    x
}

/// Build a one-kernel model and return its blob (kernel 0 is `k`).
pub fn kernel_blob(k: &KernelDef, channels: usize, in_q: Quant, out_q: Quant) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let kid = b.kernel(k);
    let x = b.tensor(k.io().in_dtype, &[channels], in_q);
    let y = b.tensor(k.io().out_dtype, &[channels], out_q);
    b.activation(x, y, kid).set_input(x).set_output(y);
    b.finish().expect("valid kernel model")
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

/// erf to ~1e-15 (series for small |x|, continued fraction tail otherwise).
pub fn erf(x: f64) -> f64 {
    if x.abs() < 3.0 {
        let mut sum = x;
        let mut term = x;
        let x2 = x * x;
        for n in 1..200 {
            term *= -x2 / n as f64;
            let add = term / (2 * n + 1) as f64;
            sum += add;
            if add.abs() < 1e-18 {
                break;
            }
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        // erfc continued fraction (Lentz), accurate for |x| >= 3.
        let ax = x.abs();
        let mut f = ax;
        for k in (1..60).rev() {
            f = ax + (k as f64 / 2.0) / f;
        }
        let erfc = (-ax * ax).exp() / std::f64::consts::PI.sqrt() / f;
        x.signum() * (1.0 - erfc)
    }
}
