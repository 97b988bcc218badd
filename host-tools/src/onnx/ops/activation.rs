//! Unary activations: each ONNX operator names the scalar operator it
//! becomes, fused into the pending expression of its tensor.

use super::Import::{self, Unary};
use crate::expr::Un;
use crate::onnx::attrs::{attr_f, attr_finite, attr_s, err_node};
use anyhow::Result;
use tract_onnx::pb::NodeProto;

/// The unary operators.
pub const OPS: &[(&str, Import)] = &[
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
    ("Tan", Unary(|_| Ok(Un::Tan))),
    ("Atan", Unary(|_| Ok(Un::Atan))),
    ("Asin", Unary(|_| Ok(Un::Asin))),
    ("Acos", Unary(|_| Ok(Un::Acos))),
    ("Sinh", Unary(|_| Ok(Un::Sinh))),
    ("Cosh", Unary(|_| Ok(Un::Cosh))),
    ("Asinh", Unary(|_| Ok(Un::Asinh))),
    ("Acosh", Unary(|_| Ok(Un::Acosh))),
    ("Atanh", Unary(|_| Ok(Un::Atanh))),
    ("Sign", Unary(|_| Ok(Un::Sign))),
    ("Round", Unary(|_| Ok(Un::Round))),
    ("Floor", Unary(|_| Ok(Un::Floor))),
    ("Ceil", Unary(|_| Ok(Un::Ceil))),
    ("Celu", Unary(celu)),
    ("ThresholdedRelu", Unary(|n| Ok(Un::ThresholdedRelu(attr_finite(n, "alpha", 1.0)?)))),
    ("Shrink", Unary(|n| Ok(Un::Shrink(attr_finite(n, "bias", 0.0)?, attr_finite(n, "lambd", 0.5)?)))),
];

/// `Celu` (its alpha must not be 0: it divides by it).
fn celu(n: &NodeProto) -> Result<Un> {
    match attr_finite(n, "alpha", 1.0)? {
        a if a != 0.0 => Ok(Un::Celu(a)),
        _ => Err(err_node(n, "Celu alpha 0 divides by zero")),
    }
}

/// `Gelu` (opset 20): exact, or its tanh approximation.
fn gelu(n: &NodeProto) -> Result<Un> {
    match attr_s(n, "approximate").as_deref() {
        Some("tanh") => Ok(Un::GeluTanh),
        None | Some("none") => Ok(Un::Gelu),
        Some(other) => Err(err_node(n, format!("unknown GELU approximation '{other}'"))),
    }
}
