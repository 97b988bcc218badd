//! Reading `.npy` sample and label files (ndarray-npy), with the header
//! checked against the file before anything is allocated: a header may
//! claim any shape, and ndarray-npy allocates what it claims.

use anyhow::{anyhow, bail, Result};
use ndarray_npy::ReadNpyExt;
use std::path::Path;

/// Largest `.npy` file read (far beyond any calibration or test set).
pub const MAX_NPY_BYTES: u64 = 1 << 32;

/// What an `.npy` header declares.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyHeader {
    /// The numpy type string, e.g. `<f4`.
    pub descr: String,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
    /// Offset of the first data byte.
    pub data_start: usize,
}

impl NpyHeader {
    /// Bytes per element of the declared type (`None` for non-numeric types).
    pub fn item_size(&self) -> Option<usize> {
        let mut code = self.descr.trim_start_matches(['<', '>', '|', '=']).chars();
        let kind = code.next()?;
        matches!(kind, 'f' | 'i' | 'u' | 'b').then(|| code.as_str().parse().ok()).flatten()
    }
}

/// Parse and check an `.npy` header: its declared data must be exactly the
/// bytes that follow it.
pub fn npy_header(bytes: &[u8]) -> Result<NpyHeader> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        bail!("not an .npy file (no \\x93NUMPY magic)");
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => bail!(".npy format version {v} is not supported"),
    };
    let end = start.checked_add(len).filter(|&e| e <= bytes.len()).ok_or_else(|| anyhow!("truncated .npy header"))?;
    let text = std::str::from_utf8(&bytes[start..end]).map_err(|_| anyhow!(".npy header is not text"))?;
    let field = |key: &str| -> Result<&str> {
        let at = text.find(&format!("'{key}'")).ok_or_else(|| anyhow!(".npy header has no '{key}'"))?;
        let rest = text[at + key.len() + 2..].trim_start();
        rest.strip_prefix(':').map(str::trim_start).ok_or_else(|| anyhow!(".npy header: '{key}' has no value"))
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or_else(|| anyhow!(".npy header: descr is not a type string"))?
        .to_string();
    let fortran_order = field("fortran_order")?.starts_with("True");
    let shape_text = field("shape")?;
    let inner = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| anyhow!(".npy header: shape is not a tuple"))?;
    let shape = inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| anyhow!(".npy header: shape extent '{s}' is not a size")))
        .collect::<Result<Vec<_>>>()?;
    let h = NpyHeader { descr, fortran_order, shape, data_start: end };
    let item = h.item_size().ok_or_else(|| anyhow!(".npy element type '{}' is not a number type", h.descr))?;
    let need = h.shape.iter().try_fold(item, |a, &d| a.checked_mul(d));
    let have = bytes.len() - end;
    match need {
        Some(n) if n == have => Ok(h),
        Some(n) => bail!("the header's shape {:?} of '{}' needs {n} data bytes, the file has {have}", h.shape, h.descr),
        None => bail!("the header's shape {:?} is too large", h.shape),
    }
}

/// The file's bytes, once its size is known to be sane, and its checked header.
fn read_npy_file(path: &Path) -> Result<(Vec<u8>, NpyHeader)> {
    let size = std::fs::metadata(path).map_err(|e| anyhow!("{}: {e}", path.display()))?.len();
    if size > MAX_NPY_BYTES {
        bail!("{}: {size} bytes is larger than the {MAX_NPY_BYTES}-byte limit for .npy files", path.display());
    }
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let h = npy_header(&bytes).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    Ok((bytes, h))
}

/// Samples along the first axis, each flattened (row-major = channels-last).
pub fn read_samples(path: &Path, sample_len: usize) -> Result<Vec<Vec<f32>>> {
    read_rows(path, sample_len, "the model input")
}

/// Rows of `row_len` values along the first axis; `what` says what the
/// rows must match, for the error (the model input, the model output).
pub fn read_rows(path: &Path, row_len: usize, what: &str) -> Result<Vec<Vec<f32>>> {
    let (bytes, _) = read_npy_file(path)?;
    rows_from_npy(&bytes, row_len, what).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// [`read_samples`] of an `.npy` file's bytes.
pub fn samples_from_npy(bytes: &[u8], sample_len: usize) -> Result<Vec<Vec<f32>>> {
    rows_from_npy(bytes, sample_len, "the model input")
}

fn rows_from_npy(bytes: &[u8], sample_len: usize, what: &str) -> Result<Vec<Vec<f32>>> {
    let h = npy_header(bytes)?;
    if h.shape.is_empty() {
        bail!("expected an array of samples, found a scalar");
    }
    if h.descr.trim_start_matches(['<', '>', '=']) != "f4" {
        bail!("samples must be float32 ('<f4'), the file holds '{}'", h.descr);
    }
    let per: usize = h.shape[1..].iter().product();
    if per != sample_len {
        bail!("samples of shape {:?} have {per} values, {what} has {sample_len}", &h.shape[1..]);
    }
    if h.shape[0] == 0 {
        bail!("the file holds no samples (shape {:?})", h.shape);
    }
    let arr = ndarray::ArrayD::<f32>::read_npy(bytes).map_err(|e| anyhow!("not a float32 .npy array: {e}"))?;
    let flat: Vec<f32> = arr.iter().copied().collect();
    if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
        bail!("value {i} (sample {}) is not finite", i / per.max(1));
    }
    Ok(flat.chunks(per.max(1)).map(|c| c.to_vec()).collect())
}

/// Integer class labels (int64 or int32), one per sample.
pub fn read_labels(path: &Path) -> Result<Vec<i64>> {
    let (bytes, _) = read_npy_file(path)?;
    labels_from_npy(&bytes).map_err(|e| anyhow!("{}: {e}", path.display()))
}

/// [`read_labels`] of an `.npy` file's bytes.
pub fn labels_from_npy(bytes: &[u8]) -> Result<Vec<i64>> {
    let h = npy_header(bytes)?;
    if h.shape.len() != 1 {
        bail!("labels must be a 1-D array (one class index per sample), the file's shape is {:?}", h.shape);
    }
    match h.descr.trim_start_matches(['<', '>', '=']) {
        "i8" => Ok(ndarray::ArrayD::<i64>::read_npy(bytes).map_err(|e| anyhow!("{e}"))?.iter().copied().collect()),
        "i4" => {
            Ok(ndarray::ArrayD::<i32>::read_npy(bytes).map_err(|e| anyhow!("{e}"))?.iter().map(|&v| v as i64).collect())
        }
        d => bail!("labels must be an int64 or int32 .npy array, the file holds '{d}'"),
    }
}
