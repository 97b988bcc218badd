//! `polyact inspect`: what a blob contains, from the blob itself (validated by
//! the runtime), enriched with the quantization report when it is present.

use crate::report::Report;
use anyhow::{anyhow, Result};
use polyact::Model;
use std::fmt::Write;

/// A human-readable description of `blob` (and its `report`, if any).
pub fn describe(blob: &[u8], report: Option<&Report>) -> Result<String> {
    let m = Model::from_bytes(blob).map_err(|e| anyhow!("{e}"))?;
    let (ti, to) = (m.input().map_err(|e| anyhow!("{e}"))?, m.output().map_err(|e| anyhow!("{e}"))?);
    let mut s = String::new();
    // A report written for another blob would put wrong names and
    // certificates next to these ops: it is left out, and said so.
    let report = report.filter(|r| {
        let fits = r.blob_bytes == blob.len() && r.layers.len() == m.n_ops();
        if !fits {
            let _ = writeln!(
                s,
                "note: the quantization report does not describe this blob ({} ops, {} bytes); ignored",
                r.layers.len(),
                r.blob_bytes
            );
        }
        fits
    });
    let dims = |t: &polyact::TensorInfo| t.dims[..t.rank].iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x");
    writeln!(
        s,
        "model: {} bytes, format v{}, {} ops, {} activation kernels, arena {} bytes",
        blob.len(),
        polyact::format::FORMAT_VERSION,
        m.n_ops(),
        m.n_kernels(),
        m.arena_size()
    )?;
    writeln!(s, "input  {:?} [{}] scale {:e} zp {}", ti.dtype, dims(&ti), ti.quant.scale, ti.quant.zero_point)?;
    writeln!(s, "       layout: {}", input_layout(&m)?)?;
    writeln!(s, "output {:?} [{}] scale {:e} zp {}", to.dtype, dims(&to), to.quant.scale, to.quant.zero_point)?;
    writeln!(s, "{:<3} {:<17} {:<28} {:>13} {:>9} {:>9}  activation", "#", "op", "name", "output", "MACs", "weights")?;
    let (mut macs, mut wbytes) = (0, 0);
    for (i, op) in m.ops().enumerate() {
        let op = op.map_err(|e| anyhow!("{e}"))?;
        let layer = report.and_then(|r| r.layers.get(i));
        let out = out_tensor(&m, i)?;
        let name = layer.map_or(String::new(), |l| l.name.chars().take(28).collect());
        let act = match (op.activation(), layer.and_then(|l| l.activation.as_ref())) {
            (_, Some(a)) => match (a.max_err_lsb, a.mean_err_lsb) {
                (Some(mx), Some(mn)) => format!(
                    "{} via {} ({} B), certified max {:.4} / mean {:.4} LSB{}",
                    short(&a.function),
                    a.method,
                    a.coef_bytes,
                    mx,
                    mn,
                    a.certified_range.map_or(String::new(), |(lo, hi)| format!(" on inputs [{lo:.4}, {hi:.4}]"))
                ),
                _ => format!("{} via {}", short(&a.function), a.method),
            },
            (Some((k, a)), None) => {
                format!("kernel #{k} {} ({} B)", a.kind.name(), a.constant_bytes())
            }
            (None, None) => String::new(),
        };
        writeln!(
            s,
            "{:<3} {:<17} {:<28} {:>13} {:>9} {:>9}  {act}",
            i,
            op.kind().name(),
            name,
            out,
            op.macs(),
            op.weight_bytes()
        )?;
        macs += op.macs();
        wbytes += op.weight_bytes();
    }
    writeln!(s, "total: {macs} MACs, {wbytes} bytes of weights and requantization constants")?;
    if let Some(errors) = report.and_then(|r| r.layer_errors.as_ref()) {
        writeln!(s, "per-layer error on the calibration samples: SNR against the float model (dB), and the floor")?;
        writeln!(
            s,
            "rounding and saturation alone leave at each layer's width (far below it: weights or requantization)"
        )?;
        writeln!(s, "{}", crate::layer_error::table(errors))?;
    }
    Ok(s)
}

/// A function's text, shortened for a table row (the report keeps it whole).
fn short(f: &str) -> String {
    const MAX: usize = 48;
    if f.chars().count() <= MAX {
        f.to_string()
    } else {
        format!("{}…", f.chars().take(MAX - 1).collect::<String>())
    }
}

/// How the device input is laid out: always row-major in the dims shown,
/// which are the ONNX graph input's without the batch axis. When the model
/// convolves a channels-first (NCW/NCHW) input, its first op is the
/// transpose to channels-last, run on the device: samples are fed in the
/// model's own layout either way.
fn input_layout(m: &Model) -> Result<String> {
    let first = m.op_records().next().transpose().map_err(|e| anyhow!("{e}"))?;
    let transposed = first.is_some_and(|rec| {
        polyact::OpKind::from_tag(rec.tag).is_ok_and(|k| k == polyact::OpKind::Transpose)
            && rec.n_tensors() > 0
            && m.tensor(rec.tensor(0)).is_ok_and(|t| Some(t) == m.input().ok())
    });
    Ok(if transposed {
        "channels first (NCW/NCHW), as the model was exported; op 0 moves it to channels last on the device. Feed .npy samples in the model's own layout".into()
    } else {
        "row-major in these dims, the ONNX graph input's own layout without the batch axis. Feed .npy samples in the model's own layout".into()
    })
}

fn out_tensor(m: &Model, op: usize) -> Result<String> {
    let rec = m.op_records().nth(op).ok_or_else(|| anyhow!("op {op} missing"))?.map_err(|e| anyhow!("{e}"))?;
    let last = rec.n_tensors().checked_sub(1).ok_or_else(|| anyhow!("op {op} has no tensors"))?;
    let t = m.tensor(rec.tensor(last)).map_err(|e| anyhow!("{e}"))?;
    Ok(t.dims[..t.rank].iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"))
}
