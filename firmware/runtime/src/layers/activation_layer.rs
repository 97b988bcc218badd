//! A standalone activation: one activation kernel applied elementwise (per
//! channel where the kernel has channel sets), in place when the planner put
//! the output over the dying input.
//!
//! Params: `kernel` (index into the kernel section).

use super::arena_io::{in_place, Split};
use super::{DecodeCtx, Layer};
use crate::activation::Activation;
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded activation layer.
#[derive(Clone, Copy, Debug)]
pub struct ActivationLayer<'a> {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub kernel_index: usize,
    pub kernel: Activation<'a>,
}

impl<'a> Layer<'a> for ActivationLayer<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 1)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        let k = rec.param(0);
        if k < 0 {
            return Err(Error::BadField { what: "activation kernel index", value: k as i64 });
        }
        let kernel = cx.tables.kernel(k as usize)?;
        if input.len() != output.len() || input.dims != output.dims {
            return Err(cx.bad("activation input and output must have the same shape"));
        }
        if kernel.io.in_dtype != input.dtype || kernel.io.in_zp != input.quant.zero_point {
            return Err(cx.bad("kernel input type or zero point differs from the input tensor"));
        }
        if kernel.io.out_dtype != output.dtype || kernel.io.out_zp != output.quant.zero_point {
            return Err(cx.bad("kernel output type or zero point differs from the output tensor"));
        }
        if !kernel.fits_channels(output.channels()) {
            return Err(cx.bad("kernel channel sets do not match the tensor's channels"));
        }
        Ok(ActivationLayer { input, output, kernel_index: k as usize, kernel })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let (input, output) = (&self.input, &self.output);
        if input.offset == output.offset && input.dtype == output.dtype {
            self.kernel.apply_in_place(in_place(arena, output)?, output.len(), output.channels());
        } else {
            let s = Split::new(arena, output.range())?;
            self.kernel.apply(s.input(input.range())?, s.out, output.len(), output.channels());
        }
        Ok(())
    }

    fn activation(&self) -> Option<(usize, Activation<'a>)> {
        Some((self.kernel_index, self.kernel))
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{KernelId, ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Standalone activation.
        pub fn activation(&mut self, x: TensorId, y: TensorId, k: KernelId) -> &mut Self {
            self.op(OpKind::Activation, &[x, y], alloc::vec![k.0 as i32])
        }
    }
}
