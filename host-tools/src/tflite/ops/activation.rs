//! Standalone activations. int8: polyact's exact tables, each entry the
//! correctly rounded function of its input level — TFLM's fixed-point
//! kernels can land one level away where the real value is near a rounding
//! boundary (measured on every input in `tests/tflite_import.rs`: LEAKY_RELU
//! and HARD_SWISH differ by one level on a few inputs; RELU, RELU6,
//! LOGISTIC and TANH agreed everywhere on the cases tried). int16: the ReLU
//! family through polyact's ReLU kernels.

use super::{Agreement, OpImport};
use crate::tflite::graph::Graph;
use crate::tflite::schema::{Operator, Options};
use anyhow::{bail, Result};
use polyact::writer::KernelDef;
use polyact::DType;

const TABLE: Agreement =
    Agreement::Rounding("a correctly rounded table; TFLite's fixed-point kernel may differ by one level");

pub const OPS: &[OpImport] = &[
    OpImport { code: 19, name: "RELU", run: relu, agreement: TABLE },
    OpImport { code: 20, name: "RELU_N1_TO_1", run: relu_n1_to_1, agreement: TABLE },
    OpImport { code: 21, name: "RELU6", run: relu6, agreement: TABLE },
    OpImport { code: 98, name: "LEAKY_RELU", run: leaky_relu, agreement: TABLE },
    OpImport { code: 14, name: "LOGISTIC", run: logistic, agreement: TABLE },
    OpImport { code: 28, name: "TANH", run: tanh, agreement: TABLE },
    OpImport { code: 117, name: "HARD_SWISH", run: hard_swish, agreement: TABLE },
];

fn relu(g: &mut Graph, op: &Operator) -> Result<()> {
    unary(g, op, "RELU", &|x: f64| x.max(0.0), Some(KernelDef::relu))
}

fn relu6(g: &mut Graph, op: &Operator) -> Result<()> {
    unary(g, op, "RELU6", &|x: f64| x.clamp(0.0, 6.0), Some(KernelDef::relu6))
}

fn relu_n1_to_1(g: &mut Graph, op: &Operator) -> Result<()> {
    unary(g, op, "RELU_N1_TO_1", &|x: f64| x.clamp(-1.0, 1.0), None)
}

fn leaky_relu(g: &mut Graph, op: &Operator) -> Result<()> {
    let alpha = match op.options() {
        Options::LeakyRelu(o) => o.alpha() as f64,
        _ => 0.0,
    };
    unary(g, op, "LEAKY_RELU", &move |x: f64| if x < 0.0 { alpha * x } else { x }, None)
}

fn logistic(g: &mut Graph, op: &Operator) -> Result<()> {
    unary(g, op, "LOGISTIC", &|x: f64| 1.0 / (1.0 + (-x).exp()), None)
}

fn tanh(g: &mut Graph, op: &Operator) -> Result<()> {
    unary(g, op, "TANH", &f64::tanh, None)
}

fn hard_swish(g: &mut Graph, op: &Operator) -> Result<()> {
    unary(g, op, "HARD_SWISH", &|x: f64| x * (x + 3.0).clamp(0.0, 6.0) / 6.0, None)
}

type Int16Kernel = fn((DType, polyact::Quant), (DType, polyact::Quant)) -> KernelDef;

/// `y = f(x)`: an exact table for int8 input, else the int16 ReLU kernel.
fn unary(g: &mut Graph, op: &Operator, name: &str, f: &dyn Fn(f64) -> f64, int16: Option<Int16Kernel>) -> Result<()> {
    let (x, y) = (g.operand(op, 0)?, g.output(op)?);
    let (in_t, out_t) = (g.act_type(x)?, g.act_type(y)?);
    let k = match (in_t.0, int16) {
        (DType::I8, _) => KernelDef::table(in_t.1, out_t, &[f]),
        (DType::I16, Some(kernel)) => kernel(in_t, out_t),
        (DType::I16, None) => bail!(
            "operator {}: int16 {name} is not imported yet (int8 becomes an exact table; for int16, export the model to ONNX \
             and let `polyact quantize` lower it with a certified kernel)",
            g.op_index
        ),
    };
    let (xi, yi) = (g.id(x)?, g.id(y)?);
    let kid = g.b.kernel(&k);
    g.b.activation(xi, yi, kid);
    Ok(())
}
