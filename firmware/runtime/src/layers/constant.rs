//! A constant tensor written into the arena (a learned positional
//! embedding, a scale of any shape): the operand of an elementwise layer
//! whose other operand is computed. Its bytes are the quantized values in
//! the data section; each inference copies them to the tensor.
//!
//! Tensors: `output` only. Params: `data(off,len)`.

use super::arena_io::in_place;
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Constant.
#[derive(Clone, Copy, Debug)]
pub struct Constant<'a> {
    pub output: TensorInfo,
    pub data: &'a [u8],
}

impl<'a> Layer<'a> for Constant<'a> {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 1, 2)?;
        let output = cx.tensor(rec, 0)?;
        let data = rec.data(0, "constant values")?;
        if data.len() != output.bytes() {
            return Err(cx.bad("constant values must fill the output tensor exactly"));
        }
        Ok(Constant { output, data })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        in_place(arena, &self.output)?.copy_from_slice(self.data);
        Ok(())
    }

    fn constant_bytes(&self) -> usize {
        self.data.len()
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{quantize_value, ModelBuilder, TensorId};

    impl ModelBuilder {
        /// Tensor `y` holds `values` (real, in `y`'s stored order), quantized
        /// with `y`'s type and quantization.
        pub fn constant(&mut self, y: TensorId, values: &[f64]) -> &mut Self {
            let (dt, q) = self.tensor_type(y);
            let mut bytes = alloc::vec![0u8; values.len() * dt.size()];
            for (i, &v) in values.iter().enumerate() {
                dt.store(&mut bytes, i, quantize_value(v, dt, q));
            }
            let (o, l) = self.push_data(&bytes);
            self.op(OpKind::Constant, &[y], alloc::vec![o, l])
        }
    }
}

/// The layer before quantization: its f64 semantics and how it writes itself.
#[cfg(feature = "std")]
mod float {
    use crate::writer::float::FloatLayer;
    use crate::writer::{ModelBuilder, TensorId};
    use std::vec::Vec;

    #[derive(Clone, Debug)]
    pub struct ConstantDef {
        /// The values in the tensor's stored order.
        pub values: Vec<f64>,
    }

    impl FloatLayer for ConstantDef {
        fn name(&self) -> &'static str {
            "constant"
        }

        fn eval(&self, _: &[&[f64]], _: &[&[usize]], _: &[usize]) -> Vec<f64> {
            self.values.clone()
        }

        fn write(&self, b: &mut ModelBuilder, _inputs: &[TensorId], output: TensorId) -> usize {
            b.constant(output, &self.values);
            self.values.len() * b.tensor_type(output).0.size()
        }
    }
}
#[cfg(feature = "std")]
pub use float::ConstantDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::ModelBuilder;
    use crate::{DType, Interpreter, Model, Quant};

    /// `x + c` with a constant of the input's whole shape (a positional
    /// embedding): every element gets its own constant; a constant of the
    /// wrong size is refused with the reason.
    #[test]
    fn a_full_shape_constant_adds_elementwise() {
        let q = Quant { scale: 0.5, zero_point: 0 };
        let mut b = ModelBuilder::new();
        let (x, c, y) =
            (b.tensor(DType::I16, &[2, 3], q), b.tensor(DType::I16, &[2, 3], q), b.tensor(DType::I16, &[2, 3], q));
        let pos = [1.0, -2.0, 3.5, 0.0, 10.0, -0.5];
        b.constant(c, &pos).add(x, c, y).set_input(x).set_output(y);
        let blob = b.finish().unwrap();
        let m = Model::from_bytes(&blob).unwrap();
        let mut arena = vec![0u8; m.arena_size()];
        let mut it = Interpreter::new(m, &mut arena).unwrap();
        for round in 0..2 {
            let xs: Vec<i32> = (0..6).map(|i| i * 7 - 20 + round).collect();
            it.set_input(&xs).unwrap();
            it.invoke().unwrap();
            let mut out = vec![0; 6];
            it.get_output(&mut out).unwrap();
            for i in 0..6 {
                assert_eq!(out[i], xs[i] + (pos[i] / 0.5) as i32, "element {i}");
            }
        }
        let mut b = ModelBuilder::new();
        let (x, c, y) = (b.tensor(DType::I8, &[4], q), b.tensor(DType::I8, &[4], q), b.tensor(DType::I8, &[4], q));
        b.constant(c, &[1.0, 2.0]).add(x, c, y).set_input(x).set_output(y);
        let e = b.finish().unwrap_err().to_string();
        assert!(e.contains("constant values must fill"), "{e}");
    }
}
