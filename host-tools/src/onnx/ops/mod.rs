//! The importer table: every ONNX operator polyact imports, listed once,
//! with the function (in this folder, one file per family) that imports it.
//! Unary activations only name the scalar operator they become; the
//! importer fuses them into the pending expression of their tensor.

pub mod conv;
pub mod elementwise;
pub mod linear;
pub mod norm;
pub mod pool;
pub mod reduce;
pub mod shape;
pub mod softmax;

use super::attrs::{attr_f, attr_s, err_node};
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
                let u = op(n)?;
                imp.elementwise(n, |a| Ok(Expr::un(u, a.remove(0))))
            }
            Import::Node(f) => f(imp, n),
        }
    }
}

use Import::{Node, Unary};

/// Every operator the importer knows.
pub const TABLE: &[(&str, Import)] = &[
    // unary activations (fused)
    ("Relu", Unary(|_| Ok(Un::Relu))),
    ("Sigmoid", Unary(|_| Ok(Un::Sigmoid))),
    ("Tanh", Unary(|_| Ok(Un::Tanh))),
    ("Erf", Unary(|_| Ok(Un::Erf))),
    ("Exp", Unary(|_| Ok(Un::Exp))),
    ("Log", Unary(|_| Ok(Un::Log))),
    ("Softplus", Unary(|_| Ok(Un::Softplus))),
    ("Sin", Unary(|_| Ok(Un::Sin))),
    ("Cos", Unary(|_| Ok(Un::Cos))),
    ("Sqrt", Unary(|_| Ok(Un::Sqrt))),
    ("Abs", Unary(|_| Ok(Un::Abs))),
    ("Neg", Unary(|_| Ok(Un::Neg))),
    ("Reciprocal", Unary(|_| Ok(Un::Reciprocal))),
    ("HardSwish", Unary(|_| Ok(Un::HardSwish))),
    ("Mish", Unary(|_| Ok(Un::Mish))),
    ("Softsign", Unary(|_| Ok(Un::Softsign))),
    ("HardSigmoid", Unary(|n| Ok(Un::HardSigmoid(attr_f(n, "alpha", 0.2), attr_f(n, "beta", 0.5))))),
    ("Elu", Unary(|n| Ok(Un::Elu(attr_f(n, "alpha", 1.0))))),
    (
        "Selu",
        Unary(|n| {
            Ok(Un::Selu(attr_f(n, "alpha", 1.673_263_192_176_818_8), attr_f(n, "gamma", 1.050_700_987_355_480_5)))
        }),
    ),
    ("LeakyRelu", Unary(|n| Ok(Un::LeakyRelu(attr_f(n, "alpha", 0.01))))),
    ("Gelu", Unary(gelu)),
    // elementwise.rs
    ("Add", Node(elementwise::binary)),
    ("Sub", Node(elementwise::binary)),
    ("Mul", Node(elementwise::binary)),
    ("Div", Node(elementwise::binary)),
    ("Pow", Node(elementwise::binary)),
    ("Max", Node(elementwise::binary)),
    ("Min", Node(elementwise::binary)),
    ("PRelu", Node(elementwise::binary)),
    ("Clip", Node(elementwise::clip)),
    // linear.rs
    ("Gemm", Node(linear::gemm)),
    ("MatMul", Node(linear::matmul)),
    // conv.rs
    ("Conv", Node(conv::conv)),
    // norm.rs
    ("BatchNormalization", Node(norm::batchnorm)),
    ("LayerNormalization", Node(norm::layer_norm)),
    // pool.rs
    ("MaxPool", Node(pool::max_pool)),
    ("AveragePool", Node(pool::avg_pool)),
    ("GlobalMaxPool", Node(pool::global_max_pool)),
    ("GlobalAveragePool", Node(pool::global_avg_pool)),
    ("ReduceMean", Node(pool::reduce_mean)),
    // reduce.rs
    ("ReduceSum", Node(reduce::reduce_sum)),
    ("ReduceMax", Node(reduce::reduce_max)),
    // shape.rs
    ("Identity", Node(shape::identity)),
    ("Dropout", Node(shape::identity)),
    ("Constant", Node(shape::constant)),
    ("Flatten", Node(shape::reshape)),
    ("Reshape", Node(shape::reshape)),
    ("Transpose", Node(shape::transpose)),
    ("Concat", Node(shape::concat)),
    ("Split", Node(shape::split)),
    ("Slice", Node(shape::slice)),
    // softmax.rs
    ("Softmax", Node(softmax::softmax)),
];

/// The importer of ONNX operator `op_type`.
pub fn lookup(op_type: &str) -> Option<&'static Import> {
    TABLE.iter().find(|(name, _)| *name == op_type).map(|(_, i)| i)
}

/// The operators imported, for error messages.
pub fn supported() -> String {
    TABLE.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
}

/// `Gelu` (opset 20): exact, or its tanh approximation.
fn gelu(n: &NodeProto) -> Result<Un> {
    match attr_s(n, "approximate").as_deref() {
        Some("tanh") => Ok(Un::GeluTanh),
        None | Some("none") => Ok(Un::Gelu),
        Some(other) => Err(err_node(n, format!("unknown GELU approximation '{other}'"))),
    }
}
