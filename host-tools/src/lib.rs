//! polyact host tools: ONNX import, activation lowering with certified error,
//! quantization, evaluation, flashing and HDL cores. The `polyact` binary (src/main.rs) is a thin
//! CLI over these modules; every integer result comes from the `polyact`
//! runtime crate itself.

pub mod compile;
pub mod cortex_run;
pub mod data;
pub mod eval;
pub mod expr;
pub mod expr_parse;
pub mod flash;
pub mod float_eval;
pub mod fuzzing;
pub mod hdl;
pub mod hdl_network;
pub mod inspect;
pub mod ir;
pub mod layer_error;
pub mod layers;
pub mod lower;
pub mod model_zoo;
pub mod onnx;
pub mod passes;
pub mod plot;
pub mod quantize;
pub mod report;
pub mod saturation;
pub mod tflite;
