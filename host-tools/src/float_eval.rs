//! Float evaluation of the imported graph (f64), used for calibration ranges.
//! Each layer follows its ONNX semantics (`crate::layers`); integer
//! semantics live only in the `polyact` runtime.

use crate::ir::Graph;
use anyhow::{bail, Result};

/// Values of every tensor for one input sample.
pub fn eval(g: &Graph, input: &[f32]) -> Result<Vec<Vec<f64>>> {
    let mut v: Vec<Vec<f64>> = vec![Vec::new(); g.tensors.len()];
    if input.len() != g.tensors[g.input].len() {
        bail!("input has {} values, the model expects {}", input.len(), g.tensors[g.input].len());
    }
    v[g.input] = input.iter().map(|&x| x as f64).collect();
    for n in &g.nodes {
        let inputs: Vec<&[f64]> = n.inputs.iter().map(|&t| v[t].as_slice()).collect();
        let in_dims: Vec<&[usize]> = n.inputs.iter().map(|&t| g.tensors[t].dims.as_slice()).collect();
        let out = n.op.layer().eval(&inputs, &in_dims, &g.tensors[n.output].dims);
        v[n.output] = out;
    }
    Ok(v)
}
