//! Named rewrites of the float graph, run in order after import. Each pass
//! is one file: a function `&mut Graph -> how many rewrites`, listed once in
//! [`PASSES`]. (Elementwise subgraphs over one tensor are already fused at
//! import, where their operands are still known; layout is tracked at import
//! too, see `onnx::layout`.)

pub mod fold_affine;
pub mod fuse_elementwise;
pub mod remove_identity;

use crate::ir::Graph;
use anyhow::{Context, Result};

/// A graph rewrite.
#[derive(Clone, Copy, Debug)]
pub struct Pass {
    pub name: &'static str,
    /// Rewrite `g`; returns how many places changed.
    pub run: fn(&mut Graph) -> Result<usize>,
}

/// Every pass, in the order they run.
pub const PASSES: &[Pass] = &[
    Pass { name: "fuse_elementwise", run: fuse_elementwise::run },
    Pass { name: "fold_affine", run: fold_affine::run },
    Pass { name: "remove_identity", run: remove_identity::run },
];

/// Run every pass on `g`, then drop the tensors they orphaned; returns
/// `(pass, rewrites)` for each.
pub fn run_all(g: &mut Graph) -> Result<Vec<(&'static str, usize)>> {
    let mut counts = Vec::new();
    for p in PASSES {
        let n = (p.run)(g).with_context(|| format!("graph pass {}", p.name))?;
        counts.push((p.name, n));
    }
    g.compact();
    Ok(counts)
}
