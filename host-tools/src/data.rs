//! Reading `.npy` sample and label files (ndarray-npy).

use anyhow::{anyhow, bail, Result};
use ndarray_npy::ReadNpyExt;
use std::fs::File;
use std::path::Path;

/// Samples along the first axis, each flattened (row-major = channels-last).
pub fn read_samples(path: &Path, sample_len: usize) -> Result<Vec<Vec<f32>>> {
    let file = File::open(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let arr = ndarray::ArrayD::<f32>::read_npy(file)
        .map_err(|e| anyhow!("{}: not a float32 .npy array: {e}", path.display()))?;
    let shape = arr.shape().to_vec();
    if shape.is_empty() {
        bail!("{}: expected an array of samples, found a scalar", path.display());
    }
    let per: usize = shape[1..].iter().product();
    if per != sample_len {
        bail!(
            "{}: samples of shape {:?} have {per} values, the model input has {sample_len}",
            path.display(),
            &shape[1..]
        );
    }
    let flat: Vec<f32> = arr.iter().copied().collect();
    if let Some(i) = flat.iter().position(|v| !v.is_finite()) {
        bail!("{}: value {i} is not finite", path.display());
    }
    Ok(flat.chunks(per.max(1)).map(|c| c.to_vec()).collect())
}

/// Integer class labels (int64 or int32).
pub fn read_labels(path: &Path) -> Result<Vec<i64>> {
    let open = || File::open(path).map_err(|e| anyhow!("{}: {e}", path.display()));
    if let Ok(a) = ndarray::ArrayD::<i64>::read_npy(open()?) {
        return Ok(a.iter().copied().collect());
    }
    if let Ok(a) = ndarray::ArrayD::<i32>::read_npy(open()?) {
        return Ok(a.iter().map(|&v| v as i64).collect());
    }
    bail!("{}: labels must be an int64 or int32 .npy array", path.display())
}
