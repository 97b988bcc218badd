//! Slice: a contiguous range of one stored axis (`x.chunk(2, -1)` of a
//! GLU/SwiGLU, ONNX Split and Slice with step 1). A copy; type and
//! quantization kept.
//!
//! Params: `axis start`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Decoded Slice.
#[derive(Clone, Copy, Debug)]
pub struct Slice {
    pub input: TensorInfo,
    pub output: TensorInfo,
    pub axis: usize,
    pub start: usize,
}

impl<'a> Layer<'a> for Slice {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        cx.expect_counts(rec, 2, 2)?;
        let (input, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?);
        if input.rank != output.rank || input.dtype != output.dtype || input.quant != output.quant {
            return Err(cx.bad("slice keeps rank, type and quantization"));
        }
        let (axis, start) = (rec.param(0), rec.param(1));
        if axis < 0 || axis as usize >= input.rank || start < 0 {
            return Err(cx.bad("slice axis outside the rank or negative start"));
        }
        let (axis, start) = (axis as usize, start as usize);
        let fits = (0..input.rank).all(|i| {
            if i == axis {
                start + output.dims[i] <= input.dims[i]
            } else {
                output.dims[i] == input.dims[i]
            }
        });
        if !fits {
            return Err(cx.bad("slice output must be a range of the input along its axis"));
        }
        Ok(Slice { input, output, axis, start })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.input.range())?, s.out);
        Ok(())
    }
}

impl Slice {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let es = self.input.dtype.size();
        let (r, a) = (self.input.rank, self.axis);
        let outer: usize = self.input.dims[..a].iter().product();
        let inner: usize = self.input.dims[a + 1..r].iter().product::<usize>() * es;
        let (n_in, n_out) = (self.input.dims[a], self.output.dims[a]);
        for (o, dst) in y.chunks_exact_mut((n_out * inner).max(1)).enumerate().take(outer) {
            let from = (o * n_in + self.start) * inner;
            if let Some(src) = x.get(from..from + n_out * inner) {
                dst.copy_from_slice(src);
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
        /// `y = x[.., start .. start + len, ..]` along stored `axis` (`len` from `y`).
        pub fn slice(&mut self, x: TensorId, y: TensorId, axis: usize, start: usize) -> &mut Self {
            self.op(OpKind::Slice, &[x, y], alloc::vec![axis as i32, start as i32])
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
    pub struct SliceDef {
        /// Stored axis and first index of the range.
        pub axis: usize,
        pub start: usize,
    }

    impl FloatLayer for SliceDef {
        fn name(&self) -> &'static str {
            "slice"
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, d, a) = (inputs[0], in_dims[0], self.axis);
            let outer: usize = d[..a].iter().product();
            let inner: usize = d[a + 1..].iter().product();
            let (n_in, n_out) = (d[a], out_dims[a]);
            (0..outer).flat_map(|o| x[(o * n_in + self.start) * inner..][..n_out * inner].to_vec()).collect()
        }

        fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
            Some(input)
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.slice(inputs[0], output, self.axis, self.start);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::SliceDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::ModelBuilder;
    use crate::{DType, Interpreter, Model, Quant};

    /// Both halves of a `[3, 8]` tensor along each axis hold exactly the
    /// input's elements of that range; a range past the end is refused.
    #[test]
    fn halves_along_each_axis_are_the_input_ranges() {
        let q = Quant { scale: 0.1, zero_point: 0 };
        for (axis, od) in [(1usize, [3usize, 4]), (0, [1, 8])] {
            for start in [0, if axis == 1 { 4 } else { 2 }] {
                let mut b = ModelBuilder::new();
                let (x, y) = (b.tensor(DType::I16, &[3, 8], q), b.tensor(DType::I16, &od, q));
                b.slice(x, y, axis, start).set_input(x).set_output(y);
                let blob = b.finish().unwrap();
                let m = Model::from_bytes(&blob).unwrap();
                let mut arena = vec![0u8; m.arena_size()];
                let mut it = Interpreter::new(m, &mut arena).unwrap();
                let xs: Vec<i32> = (0..24).map(|v| v * 11 - 100).collect();
                it.set_input(&xs).unwrap();
                it.invoke().unwrap();
                let mut out = vec![0; od[0] * od[1]];
                it.get_output(&mut out).unwrap();
                for (k, &v) in out.iter().enumerate() {
                    let (r, c) = (k / od[1], k % od[1]);
                    let (ir, ic) = if axis == 0 { (r + start, c) } else { (r, c + start) };
                    assert_eq!(v, xs[ir * 8 + ic], "axis {axis} start {start} out {k}");
                }
            }
        }
        let mut b = ModelBuilder::new();
        let (x, y) = (b.tensor(DType::I8, &[3, 8], q), b.tensor(DType::I8, &[3, 4], q));
        b.slice(x, y, 1, 5).set_input(x).set_output(y);
        let e = b.finish().unwrap_err().to_string();
        assert!(e.contains("range of the input"), "{e}");
    }
}
