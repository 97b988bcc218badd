//! Expand: repeat every element `m` times along a new innermost axis,
//! `[.., n] → [.., n, m]` — the broadcast of `x.unsqueeze(-1)` against a
//! grid, which a KAN's basis expansion starts from: element `(i, j)` of the
//! output is `x_i`, and the per-channel activation after it evaluates basis
//! function `j` there. A copy; type and quantization kept.
//!
//! Params: none (`m` is the output's innermost extent). The input may
//! already carry the new axis as extent 1 (`[.., n, 1]`).

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Expand.
#[derive(Clone, Copy, Debug)]
pub struct Expand {
    pub input: TensorInfo,
    pub output: TensorInfo,
    /// Copies of each input element.
    pub m: usize,
}

impl<'a> Layer<'a> for Expand {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 0)?;
        let (input, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?);
        if input.dtype != output.dtype || input.quant != output.quant {
            return Err(cx.bad("expand keeps type and quantization"));
        }
        let m = output.channels();
        // `[.., n] → [.., n, m]`, or the unsqueezed `[.., n, 1] → [.., n, m]`.
        let k = output.rank.saturating_sub(1);
        let lead = input.rank >= k && output.rank >= 1 && input.dims[..k] == output.dims[..k];
        let shape_ok = lead && (input.rank == k || (input.rank == output.rank && input.dims[k] == 1));
        if !shape_ok || m == 0 {
            return Err(cx.bad(
                "expand output must be the input's shape with one more innermost axis (or its last axis of 1 widened)",
            ));
        }
        Ok(Expand { input, output, m })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.input.range())?, s.out);
        Ok(())
    }
}

impl Expand {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let es = self.input.dtype.size();
        for (v, dst) in x.chunks_exact(es).zip(y.chunks_exact_mut(es * self.m)) {
            for d in dst.chunks_exact_mut(es) {
                d.copy_from_slice(v);
            }
        }
    }
}

/// How the host writes this layer into a blob.
#[cfg(feature = "writer")]
mod encode {
    use crate::ops::OpKind;
    use crate::writer::{ModelBuilder, TensorId};

    impl ModelBuilder {
        /// `y[.., i, j] = x[.., i]` for every `j` of `y`'s innermost axis.
        pub fn expand(&mut self, x: TensorId, y: TensorId) -> &mut Self {
            self.op(OpKind::Expand, &[x, y], alloc::vec![])
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
    pub struct ExpandDef;

    impl FloatLayer for ExpandDef {
        fn name(&self) -> &'static str {
            "expand"
        }

        fn eval(&self, inputs: &[&[f64]], _in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let m = out_dims.last().copied().unwrap_or(1);
            inputs[0].iter().flat_map(|&v| std::iter::repeat_n(v, m)).collect()
        }

        fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
            Some(input)
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.expand(inputs[0], output);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::ExpandDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::ModelBuilder;
    use crate::{DType, Interpreter, Model, Quant};

    /// Every output element is its input element, on both widths; an output
    /// of another shape is refused.
    #[test]
    fn each_element_is_repeated_along_the_new_axis() {
        let q = Quant { scale: 0.1, zero_point: 3 };
        for dt in [DType::I8, DType::I16] {
            let mut b = ModelBuilder::new();
            let (x, y) = (b.tensor(dt, &[2, 3], q), b.tensor(dt, &[2, 3, 4], q));
            b.expand(x, y).set_input(x).set_output(y);
            let blob = b.finish().unwrap();
            let m = Model::from_bytes(&blob).unwrap();
            let mut arena = vec![0u8; m.arena_size()];
            let mut it = Interpreter::new(m, &mut arena).unwrap();
            let xs: Vec<i32> = (0..6).map(|v| v * 17 - 60).collect();
            it.set_input(&xs).unwrap();
            it.invoke().unwrap();
            let mut out = vec![0; 24];
            it.get_output(&mut out).unwrap();
            assert!(out.iter().enumerate().all(|(k, &v)| v == xs[k / 4]), "{dt:?}: {out:?}");
        }
        let mut b = ModelBuilder::new();
        let (x, y) = (b.tensor(DType::I8, &[2, 3], q), b.tensor(DType::I8, &[3, 3, 4], q));
        b.expand(x, y).set_input(x).set_output(y);
        assert!(b.finish().unwrap_err().to_string().contains("one more innermost axis"));
    }
}
