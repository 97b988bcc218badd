//! Reshape: the same elements, type and quantization under new dims. Free
//! when the planner put the output over the input; a copy otherwise.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Reshape.
#[derive(Clone, Copy, Debug)]
pub struct Reshape {
    pub input: TensorInfo,
    pub output: TensorInfo,
}

impl<'a> Layer<'a> for Reshape {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 0)?;
        let input = cx.tensor(rec, 0)?;
        let output = cx.tensor(rec, 1)?;
        if input.dtype != output.dtype || input.quant != output.quant || input.len() != output.len() {
            return Err(cx.bad("reshape must keep element count, type and quantization"));
        }
        Ok(Reshape { input, output })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        if self.input.offset != self.output.offset {
            let s = Split::new(arena, self.output.range())?;
            s.out.copy_from_slice(s.input(self.input.range())?);
        }
        Ok(())
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Reshape / flatten (same elements, type and quantization).
        pub fn reshape(&mut self, x: TensorId, y: TensorId) -> &mut Self {
            self.op(OpKind::Reshape, &[x, y], alloc::vec::Vec::new())
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::FloatLayer;
    use crate::writer::{ModelBuilder, TensorId};
    use crate::{DType, Quant};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct ReshapeDef;

    impl FloatLayer for ReshapeDef {
        fn name(&self) -> &'static str {
            "reshape"
        }

        fn eval(&self, inputs: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
            inputs[0].to_vec()
        }

        fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
            Some(input)
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.reshape(inputs[0], output);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::ReshapeDef;
