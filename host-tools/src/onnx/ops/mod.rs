//! The importer table: every ONNX operator polyact imports, listed once, in
//! the `OPS` table of its family's file (one file per operator family, with
//! the functions that import them). Unary activations only name the scalar
//! operator they become; the importer fuses them into the pending
//! expression of their tensor.

pub mod activation;
pub mod conv;
pub mod elementwise;
pub mod linear;
pub mod norm;
pub mod pool;
pub mod reduce;
pub mod shape;
pub mod softmax;
pub mod unsupported;

use super::importer::Importer;
use crate::expr::{Expr, Un};
use anyhow::Result;
use tract_onnx::pb::NodeProto;

/// How one ONNX operator is imported.
#[derive(Clone, Copy)]
pub enum Import {
    /// An elementwise function of one tensor, given by its scalar operator.
    Unary(fn(&NodeProto) -> Result<Un>),
    /// Any other node.
    Node(fn(&mut Importer, &NodeProto) -> Result<()>),
}

impl Import {
    /// Import node `n`.
    pub fn run(&self, imp: &mut Importer, n: &NodeProto) -> Result<()> {
        match self {
            Import::Unary(op) => {
                crate::onnx::attrs::input(n, 0)?;
                let u = op(n)?;
                imp.elementwise(n, |a| Ok(Expr::un(u, a.remove(0))))
            }
            Import::Node(f) => f(imp, n),
        }
    }
}

/// Every family's operators, in lookup order.
const FAMILIES: &[&[(&str, Import)]] = &[
    activation::OPS,
    elementwise::OPS,
    linear::OPS,
    conv::OPS,
    norm::OPS,
    pool::OPS,
    reduce::OPS,
    shape::OPS,
    softmax::OPS,
];

/// Every operator the importer knows, with its importer.
pub fn table() -> impl Iterator<Item = &'static (&'static str, Import)> {
    FAMILIES.iter().flat_map(|f| f.iter())
}

/// The importer of ONNX operator `op_type`.
pub fn lookup(op_type: &str) -> Option<&'static Import> {
    table().find(|(name, _)| *name == op_type).map(|(_, i)| i)
}

/// The operators imported, for error messages.
pub fn supported() -> String {
    table().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}
