//! Reading ONNX node attributes, and errors that name the node.

use anyhow::anyhow;
use tract_onnx::pb::{self, NodeProto};

/// An error naming node `n` (its name or first output) and its operator.
pub fn err_node(n: &NodeProto, msg: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "ONNX node '{}' ({}): {msg}",
        if n.name.is_empty() { n.output.first().map(String::as_str).unwrap_or("?") } else { &n.name },
        n.op_type
    )
}

pub fn attr<'n>(n: &'n NodeProto, name: &str) -> Option<&'n pb::AttributeProto> {
    n.attribute.iter().find(|a| a.name == name)
}

pub fn attr_i(n: &NodeProto, name: &str, default: i64) -> i64 {
    attr(n, name).map_or(default, |a| a.i)
}

pub fn attr_f(n: &NodeProto, name: &str, default: f64) -> f64 {
    attr(n, name).map_or(default, |a| a.f as f64)
}

pub fn attr_ints(n: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(n, name).map(|a| a.ints.clone())
}

pub fn attr_s(n: &NodeProto, name: &str) -> Option<String> {
    attr(n, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}
