//! Transpose by any permutation of the stored axes (attention's head split
//! and merge, `Kᵀ`): a copy, output axis `i` being input axis `perm[i]`.
//! Type and quantization are kept.
//!
//! Params: `perm[0..rank]`.

use super::arena_io::Split;
use super::{DecodeCtx, Layer};
use crate::error::Error;
use crate::format::{Record, TensorInfo, MAX_RANK};

/// Decoded Transpose.
#[derive(Clone, Copy, Debug)]
pub struct Transpose {
    pub input: TensorInfo,
    pub output: TensorInfo,
    /// Output axis `i` reads input axis `perm[i]`.
    pub perm: [usize; MAX_RANK],
}

impl<'a> Layer<'a> for Transpose {
    fn decode(rec: &Record<'a>, cx: &DecodeCtx<'_, 'a>) -> Result<Self, Error> {
        let (input, output) = (cx.tensor(rec, 0)?, cx.tensor(rec, 1)?);
        let rank = input.rank;
        cx.expect_counts(rec, 2, rank)?;
        if output.rank != rank || input.dtype != output.dtype || input.quant != output.quant {
            return Err(cx.bad("transpose keeps rank, type and quantization"));
        }
        let mut perm = [0usize; MAX_RANK];
        let mut seen = [false; MAX_RANK];
        for (i, p) in perm.iter_mut().enumerate().take(rank) {
            let axis = rec.param(i);
            if axis < 0 || axis as usize >= rank || seen[axis as usize] {
                return Err(cx.bad("transpose axes must be a permutation of the input's axes"));
            }
            seen[axis as usize] = true;
            *p = axis as usize;
            if output.dims[i] != input.dims[*p] {
                return Err(cx.bad("transpose output dims must be the permuted input dims"));
            }
        }
        for (i, p) in perm.iter_mut().enumerate().skip(rank) {
            *p = i;
        }
        Ok(Transpose { input, output, perm })
    }

    fn run(&self, arena: &mut [u8]) -> Result<(), Error> {
        let s = Split::new(arena, self.output.range())?;
        self.compute(s.input(self.input.range())?, s.out);
        Ok(())
    }
}

impl Transpose {
    /// The layer on its input and output bytes.
    pub fn compute(&self, x: &[u8], y: &mut [u8]) {
        let es = self.input.dtype.size();
        // Element strides of the input, then of the input axis each output axis reads.
        let d = self.input.dims;
        let in_stride = [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1];
        let stride = self.perm.map(|p| in_stride[p]);
        let o = self.output.dims;
        let mut out = y.chunks_exact_mut(es);
        for i0 in 0..o[0] {
            for i1 in 0..o[1] {
                for i2 in 0..o[2] {
                    let base = i0 * stride[0] + i1 * stride[1] + i2 * stride[2];
                    for i3 in 0..o[3] {
                        let at = (base + i3 * stride[3]) * es;
                        let (Some(dst), Some(src)) = (out.next(), x.get(at..at + es)) else { return };
                        dst.copy_from_slice(src);
                    }
                }
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
        /// `y = x` with its stored axes permuted: output axis `i` is input axis `perm[i]`.
        pub fn transpose(&mut self, x: TensorId, y: TensorId, perm: &[usize]) -> &mut Self {
            self.op(OpKind::Transpose, &[x, y], perm.iter().map(|&p| p as i32).collect())
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
    pub struct TransposeDef {
        /// Output axis `i` is input axis `perm[i]` (stored axes, no batch).
        pub perm: Vec<usize>,
    }

    impl FloatLayer for TransposeDef {
        fn name(&self) -> &'static str {
            "transpose"
        }

        fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64> {
            let (x, d) = (inputs[0], in_dims[0]);
            let mut stride = vec![1usize; d.len()];
            for i in (0..d.len().saturating_sub(1)).rev() {
                stride[i] = stride[i + 1] * d[i + 1];
            }
            let n: usize = out_dims.iter().product();
            (0..n)
                .map(|k| {
                    let (mut rest, mut at) = (k, 0);
                    for (i, &od) in out_dims.iter().enumerate().rev() {
                        at += (rest % od) * stride[self.perm[i]];
                        rest /= od;
                    }
                    x[at]
                })
                .collect()
        }

        fn output_quant(&self, input: Quant, _: DType) -> Option<Quant> {
            Some(input)
        }

        fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize {
            b.transpose(inputs[0], output, &self.perm);
            0
        }
    }
}
#[cfg(feature = "std")]
pub use float::TransposeDef;

#[cfg(all(test, feature = "std"))]
mod tests {
    use crate::writer::ModelBuilder;
    use crate::{DType, Interpreter, Model, Quant};

    /// Every permutation of a rank-3 int16 tensor moves each element to the
    /// permuted index; a non-permutation is refused with the reason.
    #[test]
    fn every_rank3_permutation_moves_elements_to_the_permuted_index() {
        let q = Quant { scale: 0.1, zero_point: 0 };
        let dims = [2usize, 3, 4];
        for perm in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
            let mut b = ModelBuilder::new();
            let x = b.tensor(DType::I16, &dims, q);
            let y = b.tensor(DType::I16, &perm.map(|p| dims[p]), q);
            b.transpose(x, y, &perm).set_input(x).set_output(y);
            let blob = b.finish().unwrap();
            let m = Model::from_bytes(&blob).unwrap();
            let mut arena = vec![0u8; m.arena_size()];
            let mut it = Interpreter::new(m, &mut arena).unwrap();
            let xs: Vec<i32> = (0..24).map(|v| v * 37 - 400).collect();
            it.set_input(&xs).unwrap();
            it.invoke().unwrap();
            let mut out = vec![0; 24];
            it.get_output(&mut out).unwrap();
            let od = perm.map(|p| dims[p]);
            for (k, &v) in out.iter().enumerate() {
                let oi = [k / (od[1] * od[2]), (k / od[2]) % od[1], k % od[2]];
                let mut ii = [0; 3];
                for a in 0..3 {
                    ii[perm[a]] = oi[a];
                }
                assert_eq!(v, xs[(ii[0] * 3 + ii[1]) * 4 + ii[2]], "perm {perm:?}, output {k}");
            }
        }
        let mut b = ModelBuilder::new();
        let (x, y) = (b.tensor(DType::I8, &[2, 2], q), b.tensor(DType::I8, &[2, 2], q));
        b.transpose(x, y, &[1, 1]).set_input(x).set_output(y);
        let e = b.finish().unwrap_err().to_string();
        assert!(e.contains("permutation"), "{e}");
    }
}
