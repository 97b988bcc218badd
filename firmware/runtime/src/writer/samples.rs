//! Small deterministic sample models built in code, used by the demo, the
//! tests, the benchmarks and the fuzz seed corpus. Weights come from a fixed
//! pseudo-random sequence: these exercise the format and kernels, they are not
//! trained networks (trained models live in `models/`).

use super::builder::{ConvGeom, ModelBuilder, PoolGeom, TensorId, WeightedDef};
use super::kernels::KernelDef;
use super::poly_encode::{encode_poly, local_poly_from_real, segment_center};
use super::quant::{kernel_io, requant_params};
use crate::dtype::DType;
use crate::error::Error;
use crate::format::Quant;
use alloc::vec::Vec;

/// A tiny deterministic generator (SplitMix64): the same weights on every machine.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform integer in `lo..=hi`.
    pub fn int(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i32
    }
    pub fn i8s(&mut self, n: usize, lim: i32) -> Vec<i8> {
        (0..n).map(|_| self.int(-lim, lim) as i8).collect()
    }
    pub fn i32s(&mut self, n: usize, lim: i32) -> Vec<i32> {
        (0..n).map(|_| self.int(-lim, lim)).collect()
    }
}

/// Per-channel requantization parameters for `channels` outputs.
pub fn requant_per_channel(in_scale: f64, w_scales: &[f64], out_scale: f64) -> (Vec<i32>, Vec<i32>) {
    w_scales.iter().map(|ws| requant_params(in_scale * ws / out_scale).unwrap_or((0, 0))).unzip()
}

/// A single-segment exact polynomial kernel for `f(x) = Σ c_k x^k`.
pub fn exact_poly_kernel(
    coefs: &[f64],
    in_t: (DType, Quant),
    out_t: (DType, Quant),
) -> Result<KernelDef, super::EncodeError> {
    piecewise_poly_kernel(&|_| coefs.to_vec(), 0, in_t, out_t)
}

/// A piecewise polynomial whose segment `s` is the real polynomial `seg(s)`.
pub fn piecewise_poly_kernel(
    seg: &dyn Fn(usize) -> Vec<f64>,
    seg_bits: u32,
    in_t: (DType, Quant),
    out_t: (DType, Quant),
) -> Result<KernelDef, super::EncodeError> {
    let io = kernel_io(in_t.0, in_t.1, out_t.0, out_t.1, 1);
    let segs: Vec<Vec<f64>> = (0..1usize << seg_bits)
        .map(|s| local_poly_from_real(&seg(s), in_t.1, out_t.1, segment_center(in_t.0, seg_bits, s)))
        .collect();
    Ok(KernelDef::Poly(encode_poly(io, seg_bits, &segs)?))
}

fn q(scale: f32, zero_point: i32) -> Quant {
    Quant { scale, zero_point }
}

/// MLP `in → hidden → out` with a learned cubic (PolyReLU-style) activation
/// fused into the first layer, then softmax. `act` is the activation type.
pub fn mlp(act: DType, n_in: usize, hidden: usize, n_out: usize, seed: u64) -> Result<Vec<u8>, Error> {
    let mut r = Rng(seed);
    let mut b = ModelBuilder::new();
    let (s_act, zp) = match act {
        DType::I8 => (1.0 / 32.0, 0),
        DType::I16 => (1.0 / 4096.0, 0),
    };
    let x = b.tensor(act, &[n_in], q(s_act, zp));
    let h = b.tensor(act, &[hidden], q(s_act, zp));
    let logits = b.tensor(act, &[n_out], q(s_act * 4.0, zp));
    let probs = b.tensor(act, &[n_out], if act == DType::I8 { q(1.0 / 256.0, -128) } else { q(1.0 / 32768.0, 0) });
    let pre = (act, q(s_act * 2.0, zp));
    let poly = exact_poly_kernel(&[0.0, 0.9, 0.25, -0.03], pre, (act, q(s_act, zp)))
        .map_err(|_| Error::BadField { what: "sample kernel", value: 0 })?;
    let k = b.kernel(&poly);
    let w1 = r.i8s(n_in * hidden, 127);
    let ws1: Vec<f64> = (0..hidden).map(|c| 0.02 + 0.0005 * c as f64).collect();
    let bias1 = r.i32s(hidden, 2000);
    let (m1, s1) = requant_per_channel(s_act as f64, &ws1, pre.1.scale as f64);
    b.dense(
        x,
        h,
        &WeightedDef { weights: &w1, bias: &bias1, multipliers: &m1, shifts: &s1, clamp: None, kernel: Some(k) },
    );
    let w2 = r.i8s(hidden * n_out, 127);
    let bias2 = r.i32s(n_out, 1000);
    let (m2, s2) = requant_per_channel(s_act as f64, &[0.01], s_act as f64 * 4.0);
    b.dense(
        h,
        logits,
        &WeightedDef { weights: &w2, bias: &bias2, multipliers: &m2, shifts: &s2, clamp: None, kernel: None },
    );
    b.softmax(logits, probs, 1.0);
    b.set_input(x).set_output(probs);
    b.finish()
}

/// A model that uses every operator and every activation kernel kind, so
/// format tests and the fuzz corpus cover the whole decoder.
pub fn every_op(seed: u64) -> Result<Vec<u8>, Error> {
    let mut r = Rng(seed);
    let mut b = ModelBuilder::new();
    let i8t = DType::I8;
    let qa = q(1.0 / 16.0, -3);
    let x = b.tensor(i8t, &[6, 6, 2], qa);
    let c1 = b.tensor(i8t, &[6, 6, 4], qa);
    let d1 = b.tensor(i8t, &[3, 3, 8], qa);
    let p1 = b.tensor(i8t, &[2, 2, 8], qa);
    let seq = b.tensor(i8t, &[4, 8], qa);
    let c1d = b.tensor(i8t, &[4, 8], qa);
    let g1 = b.tensor(i8t, &[1, 8], qa);
    let flat = b.tensor(i8t, &[8], qa);
    let a_leaky = b.tensor(i8t, &[8], qa);
    let a_table = b.tensor(i8t, &[8], qa);
    let sum = b.tensor(i8t, &[8], q(1.0 / 8.0, 0));
    let cat = b.tensor(i8t, &[16], q(1.0 / 8.0, 0));
    let h16 = b.tensor(DType::I16, &[16], q(1.0 / 2048.0, 0));
    let a_poly = b.tensor(DType::I16, &[16], q(1.0 / 2048.0, 0));
    let a_rat = b.tensor(DType::I16, &[16], q(1.0 / 2048.0, 0));
    let a_knot = b.tensor(DType::I16, &[16], q(1.0 / 2048.0, 0));
    let a_prelu = b.tensor(DType::I16, &[16], q(1.0 / 2048.0, 0));
    let normed = b.tensor(DType::I16, &[16], q(1.0 / 4096.0, 0));
    let logits = b.tensor(DType::I16, &[5], q(1.0 / 1024.0, 0));
    let probs = b.tensor(DType::I16, &[5], q(1.0 / 32768.0, 0));

    let k_relu = b.kernel(&KernelDef::relu((i8t, qa), (i8t, qa)));
    let k_relu6 = b.kernel(&KernelDef::relu6((i8t, qa), (i8t, qa)));
    let k_helu = b.kernel(&KernelDef::helu((i8t, qa), (i8t, qa), 0.05));
    let k_leaky = b.kernel(&KernelDef::leaky_relu((i8t, qa), (i8t, qa), 0.1));
    let k_table = b.kernel(&KernelDef::table(qa, (i8t, qa), &[&|v: f64| v.tanh()]));
    let t16 = (DType::I16, q(1.0 / 2048.0, 0));
    let sig = |s: usize| -> Vec<f64> { alloc::vec![0.5 + 0.01 * s as f64, 0.25, 0.0, -0.02] };
    let k_poly = b.kernel(
        &piecewise_poly_kernel(&sig, 2, t16, t16).map_err(|_| Error::BadField { what: "sample kernel", value: 1 })?,
    );
    let rat = super::poly_encode::encode_rational(
        kernel_io(DType::I16, t16.1, DType::I16, t16.1, 1),
        &[alloc::vec![0.0, 1.0, 0.0005]],
        &[alloc::vec![1.0, 0.0, 0.0001, 0.0]],
        crate::activation::DenMode::Safe,
    )
    .map_err(|_| Error::BadField { what: "sample kernel", value: 2 })?;
    let k_rat = b.kernel(&KernelDef::Rational(rat));
    // A clipped unit on its kinks: 0 below −2, quadratic up to 0, linear after.
    let knots = alloc::vec![-32768, -4096, 0];
    let knot_segs = [alloc::vec![0.0, 0.0, 0.0], alloc::vec![-1024.0, 0.5, 0.0002], alloc::vec![1024.0, 1.0, 0.0]];
    let knot =
        super::poly_encode::encode_knot_poly(kernel_io(DType::I16, t16.1, DType::I16, t16.1, 1), &[knots], &knot_segs)
            .map_err(|_| Error::BadField { what: "sample kernel", value: 3 })?;
    let k_knot = b.kernel(&KernelDef::KnotPoly(knot));
    let alphas: Vec<f64> = (0..16).map(|c| 0.01 * c as f64).collect();
    let k_prelu = b.kernel(&KernelDef::prelu(t16, t16, &alphas));

    let per = |r: &mut Rng,
               b: &mut ModelBuilder,
               xi,
               yo,
               n_w: usize,
               cout: usize,
               k,
               geom: Option<(ConvGeom, usize, bool)>| {
        let w = r.i8s(n_w, 40);
        let bias = r.i32s(cout, 300);
        let (ms, ss) = requant_per_channel(1.0 / 16.0, &alloc::vec![0.01; cout], 1.0 / 16.0);
        let wd = WeightedDef { weights: &w, bias: &bias, multipliers: &ms, shifts: &ss, clamp: None, kernel: k };
        match geom {
            Some((g, 0, false)) => b.conv2d(xi, yo, &wd, &g),
            Some((g, 0, true)) => b.conv1d(xi, yo, &wd, &g),
            Some((g, dm, _)) => b.depthwise_conv2d(xi, yo, &wd, &g, dm),
            None => b.dense(xi, yo, &wd),
        };
    };
    let same3 = ConvGeom { window: [3, 3], stride: [1, 1], dilation: [1, 1], pad: [1, 1, 1, 1] };
    per(&mut r, &mut b, x, c1, 4 * 9 * 2, 4, Some(k_relu), Some((same3, 0, false)));
    let dw = ConvGeom { window: [3, 3], stride: [2, 2], dilation: [1, 1], pad: [1, 1, 0, 0] };
    per(&mut r, &mut b, c1, d1, 9 * 8, 8, Some(k_relu6), Some((dw, 2, false)));
    b.max_pool(d1, p1, &PoolGeom { window: [2, 2], stride: [1, 1], pad: [0; 4] });
    b.reshape(p1, seq);
    let g1d = ConvGeom { window: [1, 3], stride: [1, 1], dilation: [1, 2], pad: [0, 2, 0, 2] };
    per(&mut r, &mut b, seq, c1d, 8 * 3 * 8, 8, Some(k_helu), Some((g1d, 0, true)));
    b.global_avg_pool(c1d, g1);
    b.reshape(g1, flat);
    b.activation(flat, a_leaky, k_leaky);
    b.activation(flat, a_table, k_table);
    b.add(a_leaky, a_table, sum);
    b.concat(&[sum, a_table], cat, 0);
    let w = r.i8s(16 * 16, 60);
    let bias = r.i32s(16, 500);
    let (ms, ss) = requant_per_channel(1.0 / 8.0, &[0.01], 1.0 / 2048.0);
    let wd = WeightedDef { weights: &w, bias: &bias, multipliers: &ms, shifts: &ss, clamp: None, kernel: None };
    b.dense(cat, h16, &wd);
    b.activation(h16, a_poly, k_poly);
    b.activation(a_poly, a_rat, k_rat);
    b.activation(a_rat, a_knot, k_knot);
    b.activation(a_knot, a_prelu, k_prelu);
    let gains = r.i8s(16, 127);
    b.rms_norm(a_prelu, normed, &gains, 1.0 / 64.0, 1e-5);
    let w = r.i8s(16 * 5, 127);
    let bias = r.i32s(5, 5000);
    let (ms, ss) = requant_per_channel(1.0 / 4096.0, &[0.02; 5], 1.0 / 1024.0);
    b.dense(
        normed,
        logits,
        &WeightedDef { weights: &w, bias: &bias, multipliers: &ms, shifts: &ss, clamp: None, kernel: None },
    );
    b.softmax(logits, probs, 1.0);
    b.set_input(x).set_output(probs);
    b.finish()
}

/// Test support for two-operand elementwise layers: a blob whose op 1 is the
/// layer `build` adds on int8 tensors `(a, a', y)` of quantizations `q`
/// (`a'` is the input requantized to `q[1]`: a graph has one input).
pub fn two_operand_blob(q: [Quant; 3], build: impl FnOnce(&mut ModelBuilder, TensorId, TensorId, TensorId)) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let [x, x2, y] = q.map(|q| b.tensor(DType::I8, &[4], q));
    b.concat(&[x], x2, 0);
    build(&mut b, x, x2, y);
    b.set_input(x).set_output(y);
    b.finish().unwrap_or_default()
}

/// Every int8 operand pair `(a, b)`, as two byte vectors of 65,536 elements.
pub fn all_int8_pairs() -> (Vec<u8>, Vec<u8>) {
    (-128..128i32).flat_map(|a| (-128..128i32).map(move |b| (a as i8 as u8, b as i8 as u8))).unzip()
}

/// Check an int8 layer's outputs on [`all_int8_pairs`] against `real(a, b)`
/// of the dequantized operands, rounded to the output grid and saturated:
/// within `tol` LSB. `real` returns `None` for pairs checked elsewhere.
pub fn assert_int8_pairs(
    q: [Quant; 3],
    (xa, xb): (&[u8], &[u8]),
    out: &[u8],
    real: impl Fn(f64, f64) -> Option<f64>,
    tol: f64,
) {
    let deq = |v: u8, q: Quant| q.scale as f64 * (v as i8 as f64 - q.zero_point as f64);
    for i in 0..out.len() {
        let (a, b) = (deq(xa[i], q[0]), deq(xb[i], q[1]));
        let Some(r) = real(a, b) else { continue };
        let exact = r / q[2].scale as f64 + q[2].zero_point as f64;
        let got = out[i] as i8 as f64;
        let err = (got - exact.clamp(-128.0, 127.0)).abs();
        assert!(err <= tol + 1e-6 * exact.abs(), "a {a} b {b}: got {got}, exact {exact} (tolerance {tol} LSB)");
    }
}
