//! Host throughput of the activation kernels and of Dense / Conv2D, through the
//! interpreter (the same code the firmware runs).
//! `cargo xtask bench` (= `cargo bench -p polyact --features std --bench kernels`)

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use polyact::activation::DenMode;
use polyact::writer::samples::{exact_poly_kernel, piecewise_poly_kernel, requant_per_channel, Rng};
use polyact::writer::{encode_rational, kernel_io, ConvGeom, KernelDef, ModelBuilder, WeightedDef};
use polyact::{DType, Interpreter, Model, Quant};

const N: usize = 4096;

fn q(scale: f32, zero_point: i32) -> Quant {
    Quant { scale, zero_point }
}

fn activation_model(k: &KernelDef, n: usize) -> Vec<u8> {
    let mut b = ModelBuilder::new();
    let kid = b.kernel(k);
    let io = *k.io();
    let dims = [n / io.channels, io.channels];
    let x = b.tensor(io.in_dtype, &dims, q(1.0 / 4096.0, io.in_zp));
    let y = b.tensor(io.out_dtype, &dims, q(1.0 / 4096.0, io.out_zp));
    b.activation(x, y, kid).set_input(x).set_output(y);
    b.finish().expect("bench model")
}

fn bench_model(c: &mut Criterion, group: &str, name: &str, blob: &[u8], elements: u64) {
    let model = Model::from_bytes(blob).unwrap();
    let mut arena = vec![0u8; model.arena_size()];
    let mut it = Interpreter::new(model, &mut arena).unwrap();
    let mut r = Rng(1);
    let t = model.input().unwrap();
    let x: Vec<i32> = (0..t.len()).map(|_| r.int(t.dtype.min(), t.dtype.max())).collect();
    it.set_input(&x).unwrap();
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(elements));
    g.bench_function(BenchmarkId::from_parameter(name), |b| b.iter(|| it.invoke().unwrap()));
    g.finish();
}

fn activations(c: &mut Criterion) {
    let t16 = (DType::I16, q(1.0 / 4096.0, 0));
    let t8 = (DType::I8, q(1.0 / 16.0, 0));
    let tanh_seg = |s: usize| vec![0.0, 1.0 - 0.001 * s as f64, 0.0, -0.3];
    let rat = encode_rational(
        kernel_io(t16.0, t16.1, t16.0, t16.1, 1),
        &[vec![0.0, 1.0, 1e-5, 1e-10, 0.0, 1e-20]],
        &[vec![1.0, 0.0, 1e-5, 1e-10, 0.0, 1e-19]],
        DenMode::Safe,
    )
    .unwrap();
    let cases: Vec<(&str, KernelDef)> = vec![
        ("relu_i8", KernelDef::relu(t8, t8)),
        ("relu_i16", KernelDef::relu(t16, t16)),
        ("leaky_relu_i16", KernelDef::leaky_relu(t16, t16, 0.1)),
        ("prelu_i16", KernelDef::prelu(t16, t16, &[0.1; 16])),
        ("table_i8", KernelDef::table(t8.1, t8, &[&|v: f64| v.tanh()])),
        ("poly_deg1_64seg_i16", piecewise_poly_kernel(&|s| vec![0.01 * s as f64, 0.9], 6, t16, t16).unwrap()),
        ("poly_deg3_128seg_i16", piecewise_poly_kernel(&tanh_seg, 7, t16, t16).unwrap()),
        ("poly_deg5_exact_i16", exact_poly_kernel(&[0.0, 1.0, 0.1, -0.05, 0.001, 0.0001], t16, t16).unwrap()),
        ("rational_5_4_i16", KernelDef::Rational(rat)),
    ];
    for (name, k) in cases {
        let n = if name.contains("prelu") { N / 16 * 16 } else { N };
        bench_model(c, "activation", name, &activation_model(&k, n), n as u64);
    }
}

fn dense(c: &mut Criterion) {
    for dt in [DType::I8, DType::I16] {
        let (n_in, n_out) = (256, 128);
        let mut r = Rng(2);
        let w = r.i8s(n_in * n_out, 127);
        let bias = r.i32s(n_out, 1000);
        let (m, s) = requant_per_channel(1.0 / 64.0, &vec![0.001; n_out], 1.0 / 16.0);
        let mut b = ModelBuilder::new();
        let x = b.tensor(dt, &[n_in], q(1.0 / 64.0, 0));
        let y = b.tensor(dt, &[n_out], q(1.0 / 16.0, 0));
        b.dense(
            x,
            y,
            &WeightedDef { weights: &w, bias: &bias, multipliers: &m, shifts: &s, clamp: None, kernel: None },
        );
        b.set_input(x).set_output(y);
        let name = format!("dense_256x128_{dt:?}").to_lowercase();
        bench_model(c, "layer_macs", &name, &b.finish().unwrap(), (n_in * n_out) as u64);
    }
}

fn conv2d(c: &mut Criterion) {
    for dt in [DType::I8, DType::I16] {
        let (h, w, cin, cout) = (16, 16, 8, 16);
        let mut r = Rng(3);
        let wt = r.i8s(cout * 9 * cin, 127);
        let bias = r.i32s(cout, 1000);
        let (m, s) = requant_per_channel(1.0 / 64.0, &vec![0.001; cout], 1.0 / 16.0);
        let mut b = ModelBuilder::new();
        let x = b.tensor(dt, &[h, w, cin], q(1.0 / 64.0, 0));
        let y = b.tensor(dt, &[h, w, cout], q(1.0 / 16.0, 0));
        let g = ConvGeom { window: [3, 3], stride: [1, 1], dilation: [1, 1], pad: [1, 1, 1, 1] };
        b.conv2d(
            x,
            y,
            &WeightedDef { weights: &wt, bias: &bias, multipliers: &m, shifts: &s, clamp: None, kernel: None },
            &g,
        );
        b.set_input(x).set_output(y);
        let name = format!("conv2d_16x16x8_3x3x16_{dt:?}").to_lowercase();
        bench_model(c, "layer_macs", &name, &b.finish().unwrap(), (h * w * cout * 9 * cin) as u64);
    }
}

criterion_group!(benches, activations, dense, conv2d);
criterion_main!(benches);
