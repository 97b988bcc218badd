//! The main job at this stage: build models in code with the blob writer, load
//! them with the runtime's validator, run them, and print what happened.
//!
//! `cargo xtask demo` (or `cargo run --release -p polyact --features std --example demo`)

use polyact::certify::certify;
use polyact::writer::samples::{every_op, exact_poly_kernel, mlp, Rng};
use polyact::writer::ModelBuilder;
use polyact::{DType, Interpreter, Model, Quant};

fn run(name: &str, blob: &[u8], seed: u64) -> Result<(), polyact::Error> {
    let model = Model::from_bytes(blob)?;
    let mut arena = vec![0u8; model.arena_size()];
    let input = model.input()?;
    let mut it = Interpreter::new(model, &mut arena)?;
    let mut r = Rng(seed);
    let x: Vec<i32> = (0..input.len()).map(|_| r.int(input.dtype.min(), input.dtype.max())).collect();
    it.set_input(&x)?;
    it.invoke()?;
    let out_t = model.output()?;
    let mut y = vec![0i32; out_t.len()];
    it.get_output(&mut y)?;
    let probs: Vec<String> =
        y.iter().map(|&v| format!("{:.3}", out_t.quant.scale as f64 * (v - out_t.quant.zero_point) as f64)).collect();
    println!(
        "{name}: blob {} B, {} ops, {} kernels, arena {} B",
        blob.len(),
        model.n_ops(),
        model.n_kernels(),
        model.arena_size()
    );
    for op in model.ops() {
        let op = op?;
        let act = op
            .activation()
            .map(|(i, k)| format!("  activation #{i}: {} ({} B)", k.kind.name(), k.constant_bytes()))
            .unwrap_or_default();
        println!("  {:<17} MACs {:>6}  weights {:>5} B{act}", op.kind().name(), op.macs(), op.weight_bytes());
    }
    println!("  output (dequantized): [{}]", probs.join(", "));
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    run("mlp int8  16-32-10", &mlp(DType::I8, 16, 32, 10, 1)?, 7)?;
    run("mlp int16 16-32-10", &mlp(DType::I16, 16, 32, 10, 1)?, 7)?;
    run("every-op network", &every_op(3)?, 11)?;

    // A learned cubic on int16, certified on all 65,536 inputs.
    let t = (DType::I16, Quant { scale: 1.0 / 4096.0, zero_point: 0 });
    let coefs = [0.1, 0.5, 0.25, -0.05];
    let mut b = ModelBuilder::new();
    let k = b.kernel(&exact_poly_kernel(&coefs, t, t)?);
    let x = b.tensor(t.0, &[1], t.1);
    let y = b.tensor(t.0, &[1], t.1);
    b.activation(x, y, k).set_input(x).set_output(y);
    let blob = b.finish()?;
    let model = Model::from_bytes(&blob)?;
    let kernel = model.kernel(0)?;
    let f = |v: f64| coefs.iter().rev().fold(0.0, |acc, c| acc * v + c);
    let c = certify(&kernel, 0, t.1, t.1, &f);
    println!(
        "cubic 0.1 + 0.5x + 0.25x² − 0.05x³, int16: {} inputs, max error {:.4} LSB, mean {:.4} LSB, {} B of coefficients",
        c.inputs,
        c.max_err,
        c.mean_err,
        kernel.constant_bytes()
    );
    Ok(())
}
