//! Reading ONNX node attributes and operands, checked before use, and errors
//! that name the node.

use anyhow::{anyhow, bail, Result};
use tract_onnx::pb::{self, NodeProto};

/// An error naming node `n` (its name or first output) and its operator.
pub fn err_node(n: &NodeProto, msg: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "ONNX node '{}' ({}): {msg}",
        if n.name.is_empty() { n.output.first().map(String::as_str).unwrap_or("?") } else { &n.name },
        n.op_type
    )
}

/// The name of operand `i` of `n`, which the operator requires.
pub fn input(n: &NodeProto, i: usize) -> Result<&str> {
    match n.input.get(i).map(String::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => bail!("operand {i} is missing ({} given)", n.input.len()),
    }
}

/// The name of `n`'s (first) output.
pub fn output(n: &NodeProto) -> Result<&str> {
    match n.output.first().map(String::as_str) {
        Some(s) if !s.is_empty() => Ok(s),
        _ => bail!("the node has no output"),
    }
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

/// A float attribute that must be finite (a NaN epsilon or slope would
/// poison every value after it).
pub fn attr_finite(n: &NodeProto, name: &str, default: f64) -> Result<f64> {
    let v = attr_f(n, name, default);
    if !v.is_finite() {
        bail!("attribute {name} is {v}, not a finite number");
    }
    Ok(v)
}

pub fn attr_ints(n: &NodeProto, name: &str) -> Option<Vec<i64>> {
    attr(n, name).map(|a| a.ints.clone())
}

/// An integer-list attribute of exactly `len` values, each at least `min`
/// and at most [`MAX_GEOMETRY`] (strides, dilations, pads, kernel sizes),
/// or `default` repeated when absent.
pub fn attr_sizes(n: &NodeProto, name: &str, len: usize, default: usize, min: usize) -> Result<Vec<usize>> {
    let Some(v) = attr_ints(n, name) else { return Ok(vec![default; len]) };
    if v.len() != len {
        bail!("attribute {name} has {} values, {len} expected", v.len());
    }
    v.iter()
        .map(|&x| match usize::try_from(x) {
            Ok(u) if u >= min && u <= MAX_GEOMETRY => Ok(u),
            _ => bail!("attribute {name} value {x} is outside {min}..={MAX_GEOMETRY}"),
        })
        .collect()
}

/// Largest stride, dilation, pad or window accepted (far beyond any model
/// that fits a microcontroller; it keeps every extent computation in range).
pub const MAX_GEOMETRY: usize = 1 << 16;

pub fn attr_s(n: &NodeProto, name: &str) -> Option<String> {
    attr(n, name).map(|a| String::from_utf8_lossy(&a.s).into_owned())
}

/// An axis attribute or operand `a` normalised to `0..rank` (negative
/// values count from the end).
pub fn axis_in(a: i64, rank: usize) -> Result<usize> {
    let r = rank as i64;
    let v = if a < 0 { a + r } else { a };
    if !(0..r).contains(&v) {
        bail!("axis {a} is outside rank {rank}");
    }
    Ok(v as usize)
}
