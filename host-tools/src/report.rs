//! What quantization decided, per layer, saved next to the blob as
//! `MODEL.pam.json` so `inspect` can show certificates and ONNX names
//! (the blob itself carries only what the runtime needs).

use crate::lower::Lowered;
use polyact::{DType, Quant};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct QuantJson {
    pub scale: f32,
    pub zero_point: i32,
}

impl From<QuantJson> for Quant {
    fn from(q: QuantJson) -> Self {
        Quant { scale: q.scale, zero_point: q.zero_point }
    }
}

impl From<Quant> for QuantJson {
    fn from(q: Quant) -> Self {
        QuantJson { scale: q.scale, zero_point: q.zero_point }
    }
}

/// How one activation was lowered and how exact it is.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActivationReport {
    pub function: String,
    /// The function itself, for plots and re-certification.
    pub expr: Option<crate::expr::Expr>,
    /// Input and output quantization of the kernel.
    pub in_quant: Option<QuantJson>,
    pub out_quant: Option<QuantJson>,
    pub method: String,
    pub kernel_index: Option<usize>,
    pub coef_bytes: usize,
    /// Certified over every representable input (None for fused clamps,
    /// whose only error is the requantization rounding).
    pub max_err_lsb: Option<f64>,
    pub mean_err_lsb: Option<f64>,
    /// The real input range the certificate covers (every representable
    /// input of the kernel); past it, inputs saturate before the kernel.
    #[serde(default)]
    pub certified_range: Option<(f64, f64)>,
}

impl ActivationReport {
    pub fn from_lowered(
        f: &crate::expr::Expr,
        l: &Lowered,
        kernel_index: usize,
        (in_t, in_q): (DType, Quant),
        out_q: Quant,
    ) -> Self {
        ActivationReport {
            function: f.to_string(),
            expr: Some(f.clone()),
            in_quant: Some(in_q.into()),
            out_quant: Some(out_q.into()),
            method: l.method.clone(),
            kernel_index: Some(kernel_index),
            coef_bytes: l.coef_bytes,
            max_err_lsb: Some(l.max_err),
            mean_err_lsb: Some(l.mean_err),
            certified_range: Some(crate::lower::certified_range((in_t, in_q))),
        }
    }

    pub fn clamp(function: &str, relu6: bool) -> Self {
        ActivationReport {
            function: function.to_string(),
            expr: None,
            in_quant: None,
            out_quant: None,
            method: if relu6 { "fused clamp (relu6)" } else { "fused clamp (relu)" }.into(),
            kernel_index: None,
            coef_bytes: 0,
            max_err_lsb: None,
            mean_err_lsb: None,
            certified_range: None,
        }
    }
}

/// One runtime op.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LayerReport {
    pub name: String,
    pub kind: String,
    pub input_dims: Vec<usize>,
    pub output_dims: Vec<usize>,
    pub macs: usize,
    pub weight_bytes: usize,
    pub fused: bool,
    pub activation: Option<ActivationReport>,
    /// Quantization of the layer's stored output (its range is what the
    /// integer model can represent; `eval` counts values past it).
    #[serde(default)]
    pub output_quant: Option<QuantJson>,
}

impl LayerReport {
    pub fn new(name: &str, kind: &str, input_dims: &[usize], output_dims: &[usize]) -> Self {
        LayerReport {
            name: name.to_string(),
            kind: kind.to_string(),
            input_dims: input_dims.to_vec(),
            output_dims: output_dims.to_vec(),
            macs: 0,
            weight_bytes: 0,
            fused: false,
            activation: None,
            output_quant: None,
        }
    }
}

/// The whole model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub act_bits: u32,
    pub layers: Vec<LayerReport>,
    pub blob_bytes: usize,
    pub arena_bytes: usize,
    pub input: QuantJson,
    pub output: QuantJson,
    /// Each layer against the float model on the calibration samples
    /// (`polyact quantize` measures it; `inspect` shows it).
    #[serde(default)]
    pub layer_errors: Option<Vec<crate::layer_error::LayerError>>,
}

impl Report {
    pub fn new(act: DType) -> Self {
        let q = QuantJson { scale: 1.0, zero_point: 0 };
        Report {
            act_bits: act.bits(),
            layers: Vec::new(),
            blob_bytes: 0,
            arena_bytes: 0,
            input: q,
            output: q,
            layer_errors: None,
        }
    }
}

/// Largest model blob read (the format's offsets are 32-bit, and no
/// microcontroller has this much flash).
pub const MAX_BLOB_BYTES: u64 = 256 << 20;

/// A model blob's bytes, its size checked before it is read.
pub fn read_blob(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?.len();
    if size > MAX_BLOB_BYTES {
        anyhow::bail!("{}: {size} bytes is larger than any model blob can be ({MAX_BLOB_BYTES})", path.display());
    }
    std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))
}

/// The quantization report next to blob `blob`, if there is one.
pub fn read_report(blob: &std::path::Path) -> anyhow::Result<Option<Report>> {
    let rp = report_path(blob);
    match std::fs::metadata(&rp) {
        Err(_) => Ok(None),
        Ok(m) if m.len() > MAX_BLOB_BYTES => {
            anyhow::bail!("{}: {} bytes is too large for a report", rp.display(), m.len())
        }
        Ok(_) => {
            let text = std::fs::read_to_string(&rp).map_err(|e| anyhow::anyhow!("reading {}: {e}", rp.display()))?;
            serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| anyhow::anyhow!("{}: not a polyact report: {e}", rp.display()))
        }
    }
}

/// Write a quantized model as `polyact quantize` does: the blob at `path`,
/// its report next to it ([`report_path`]).
pub fn write_model(path: &std::path::Path, blob: &[u8], report: &Report) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::write(path, blob).with_context(|| format!("writing {}", path.display()))?;
    let rp = report_path(path);
    std::fs::write(&rp, serde_json::to_string_pretty(report)?).with_context(|| format!("writing {}", rp.display()))
}

/// Where `polyact quantize` writes the report of blob `blob`: `<blob>.json`.
pub fn report_path(blob: &std::path::Path) -> std::path::PathBuf {
    let mut p = blob.as_os_str().to_owned();
    p.push(".json");
    std::path::PathBuf::from(p)
}

/// `text` with the lines between the `begin` and `end` marker lines replaced
/// by `body`: how the generated tables in the docs are refreshed.
pub fn replace_marked(text: &str, begin: &str, end: &str, body: &str) -> anyhow::Result<String> {
    let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
        anyhow::bail!("table markers `{begin}` … `{end}` not found");
    };
    Ok(format!("{}{begin}\n{body}{}", &text[..a], &text[b..]))
}

/// Replace the marked table in the file at `path` by `body` ([`replace_marked`]).
pub fn update_marked(path: &std::path::Path, begin: &str, end: &str, body: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    std::fs::write(path, replace_marked(&text, begin, end, body)?)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}
