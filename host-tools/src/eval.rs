//! Evaluation on real data: the quantized model runs in the `polyact` runtime
//! itself; the float reference is the ONNX model run by tract.

use anyhow::{anyhow, bail, Result};
use polyact::writer::quantize_value;
use polyact::{Interpreter, Model};
use std::path::Path;
use tract_onnx::prelude::*;

/// Outputs of the float model (tract) for each sample.
pub fn float_outputs(
    onnx: &Path,
    input_dims: &[usize],
    data: &[Vec<f32>],
    mut tick: impl FnMut(),
) -> Result<Vec<Vec<f32>>> {
    guarded(onnx, || float_outputs_unguarded(onnx, input_dims, data, &mut tick))
}

/// Run `f`, third-party code that may panic on a malformed model (tract), so
/// that a panic becomes an error naming the file instead of a crash.
fn guarded<T>(file: &Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    r.unwrap_or_else(|p| {
        let msg = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned());
        bail!("{}: tract cannot run the float model (it stopped: {})", file.display(), msg.unwrap_or_default())
    })
}

fn float_outputs_unguarded(
    onnx: &Path,
    input_dims: &[usize],
    data: &[Vec<f32>],
    tick: &mut impl FnMut(),
) -> Result<Vec<Vec<f32>>> {
    let mut shape = vec![1usize];
    shape.extend_from_slice(input_dims);
    let plan = tract_onnx::onnx()
        .model_for_path(onnx)
        .and_then(|m| m.with_input_fact(0, f32::fact(&shape).into()))
        .and_then(|m| m.into_optimized())
        .and_then(|m| m.into_runnable())
        .map_err(|e| anyhow!("{}: tract cannot run the float model: {e}", onnx.display()))?;
    let mut out = Vec::with_capacity(data.len());
    for x in data {
        let t = Tensor::from_shape(&shape, x).map_err(|e| anyhow!("{e}"))?;
        let r = plan.run(tvec!(t.into())).map_err(|e| anyhow!("{}: float inference failed: {e}", onnx.display()))?;
        let v = r[0].to_plain_array_view::<f32>().map_err(|e| anyhow!("{e}"))?;
        out.push(v.iter().copied().collect());
        tick();
    }
    Ok(out)
}

/// Dequantized outputs of the quantized model for each sample.
pub fn quantized_outputs(blob: &[u8], data: &[Vec<f32>], tick: impl FnMut()) -> Result<Vec<Vec<f32>>> {
    let model = Model::from_bytes(blob).map_err(|e| anyhow!("model blob: {e}"))?;
    let (ti, to) = (model.input().map_err(|e| anyhow!("{e}"))?, model.output().map_err(|e| anyhow!("{e}"))?);
    let q: Vec<Vec<i32>> =
        data.iter().map(|x| x.iter().map(|&v| quantize_value(v as f64, ti.dtype, ti.quant)).collect()).collect();
    let ys = integer_outputs(blob, &q, tick)?;
    Ok(ys.iter().map(|y| y.iter().map(|&v| to.quant.scale * (v - to.quant.zero_point) as f32).collect()).collect())
}

/// The model's integer outputs for integer inputs (the device's view).
pub fn integer_outputs(blob: &[u8], inputs: &[Vec<i32>], mut tick: impl FnMut()) -> Result<Vec<Vec<i32>>> {
    let model = Model::from_bytes(blob).map_err(|e| anyhow!("model blob: {e}"))?;
    let (ti, to) = (model.input().map_err(|e| anyhow!("{e}"))?, model.output().map_err(|e| anyhow!("{e}"))?);
    let mut arena = vec![0u8; model.arena_size()];
    let mut it = Interpreter::new(model, &mut arena).map_err(|e| anyhow!("{e}"))?;
    let mut out = Vec::with_capacity(inputs.len());
    for (i, x) in inputs.iter().enumerate() {
        if x.len() != ti.len() {
            bail!("sample {i} has {} values, the model input has {}", x.len(), ti.len());
        }
        it.set_input(x).map_err(|e| anyhow!("{e}"))?;
        it.invoke().map_err(|e| anyhow!("inference on sample {i}: {e}"))?;
        let mut y = vec![0i32; to.len()];
        it.get_output(&mut y).map_err(|e| anyhow!("{e}"))?;
        out.push(y);
        tick();
    }
    Ok(out)
}

/// Float-vs-quantized comparison.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Comparison {
    pub samples: usize,
    pub float_accuracy: Option<f64>,
    pub quant_accuracy: Option<f64>,
    pub top1_agreement: f64,
    /// Samples whose largest output is shared by several classes (the
    /// first of them counts as the prediction, as in numpy and PyTorch).
    pub float_ties: usize,
    pub quant_ties: usize,
    pub max_abs_error: f64,
    pub mean_abs_error: f64,
    pub float_mse_vs_labels: Option<f64>,
    pub quant_mse_vs_labels: Option<f64>,
}

/// The index of the largest value, the first on a tie (numpy's and
/// PyTorch's argmax), and whether it was a tie.
pub fn argmax(v: &[f32]) -> (usize, bool) {
    let mut best = 0;
    for (i, x) in v.iter().enumerate().skip(1) {
        if x.total_cmp(&v[best]).is_gt() {
            best = i;
        }
    }
    let tie = v.iter().enumerate().any(|(i, x)| i != best && x.total_cmp(&v[best]).is_eq());
    (best, tie)
}

/// Compare outputs; `labels` are class indices (classification) and
/// `targets` real values (regression).
pub fn compare(
    float: &[Vec<f32>],
    quant: &[Vec<f32>],
    labels: Option<&[i64]>,
    targets: Option<&[Vec<f32>]>,
) -> Result<Comparison> {
    if float.len() != quant.len() {
        bail!("float and quantized runs have different sample counts ({} and {})", float.len(), quant.len());
    }
    if float.is_empty() {
        bail!("no samples to compare");
    }
    if let Some((i, (f, q))) = float.iter().zip(quant).enumerate().find(|(_, (f, q))| f.len() != q.len()) {
        bail!("sample {i}: the float model gives {} outputs, the quantized model {}", f.len(), q.len());
    }
    let classes = float[0].len();
    if let Some(l) = labels {
        if l.len() != float.len() {
            bail!("{} labels for {} samples", l.len(), float.len());
        }
        if let Some((i, y)) = l.iter().enumerate().find(|(_, &y)| y < 0 || y as u64 >= classes as u64) {
            bail!("label {i} is {y}, outside the model's {classes} classes (0..{})", classes.saturating_sub(1));
        }
    }
    if let Some(t) = targets {
        if t.len() != float.len() {
            bail!("{} targets for {} samples", t.len(), float.len());
        }
    }
    let n = float.len() as f64;
    let (mut agree, mut maxe, mut sume, mut cnt) = (0usize, 0f64, 0f64, 0usize);
    let (mut float_ties, mut quant_ties) = (0, 0);
    for (f, q) in float.iter().zip(quant) {
        let ((fa, ft), (qa, qt)) = (argmax(f), argmax(q));
        agree += (fa == qa) as usize;
        float_ties += ft as usize;
        quant_ties += qt as usize;
        for (a, b) in f.iter().zip(q) {
            let e = (a - b).abs() as f64;
            maxe = maxe.max(e);
            sume += e;
            cnt += 1;
        }
    }
    let acc = |outs: &[Vec<f32>]| {
        labels.map(|l| outs.iter().zip(l).filter(|(o, &y)| argmax(o).0 as i64 == y).count() as f64 / n)
    };
    let mse = |outs: &[Vec<f32>]| {
        targets.map(|t| {
            let s: f64 =
                outs.iter().zip(t).flat_map(|(o, y)| o.iter().zip(y).map(|(a, b)| ((a - b) as f64).powi(2))).sum();
            s / outs.iter().map(|o| o.len()).sum::<usize>().max(1) as f64
        })
    };
    Ok(Comparison {
        samples: float.len(),
        float_accuracy: acc(float),
        quant_accuracy: acc(quant),
        top1_agreement: agree as f64 / n,
        float_ties,
        quant_ties,
        max_abs_error: maxe,
        mean_abs_error: sume / cnt.max(1) as f64,
        float_mse_vs_labels: mse(float),
        quant_mse_vs_labels: mse(quant),
    })
}
