//! Float-side helpers for writing quantized parameters.

use crate::activation::KernelIo;
use crate::arith::quantize_multiplier;
use crate::dtype::DType;
use crate::format::Quant;

/// Quantize a real value: `round(real / scale) + zero_point`, saturated.
pub fn quantize_value(real: f64, dtype: DType, q: Quant) -> i32 {
    let v = (real / q.scale as f64).round() + q.zero_point as f64;
    v.clamp(dtype.min() as f64, dtype.max() as f64) as i32
}

/// `(multiplier, shift)` for a real rescale factor; `None` if not representable.
pub fn requant_params(scale: f64) -> Option<(i32, i32)> {
    quantize_multiplier(scale)
}

/// Kernel typing for an input and output tensor quantization.
pub fn kernel_io(in_dtype: DType, in_q: Quant, out_dtype: DType, out_q: Quant, channels: usize) -> KernelIo {
    KernelIo { in_dtype, out_dtype, in_zp: in_q.zero_point, out_zp: out_q.zero_point, channels }
}
