//! (feature `std`) A layer as the host sees it before quantization: what it
//! computes in f64 (the ONNX semantics, for calibration), the output
//! quantization it fixes, and how it writes itself with the builder. Each
//! layer file implements this beside its integer kernel, so one file holds
//! everything about a layer; the host's float graph keeps these as boxed
//! values (`polyact-tools`' `Op::Layer`).

use super::{ModelBuilder, TensorId};
use crate::{DType, Quant};
use std::boxed::Box;
use std::vec::Vec;

/// A layer of the host's float graph.
pub trait FloatLayer: CloneFloatLayer + core::fmt::Debug + Send + Sync {
    /// The runtime op name it becomes.
    fn name(&self) -> &'static str;

    /// The output in f64 from the inputs (channels-last, batch dropped).
    fn eval(&self, inputs: &[&[f64]], in_dims: &[&[usize]], out_dims: &[usize]) -> Vec<f64>;

    /// The output quantization when the layer fixes it (a reshape keeps its
    /// input's, a softmax has a fixed scale); `None`: from calibration.
    fn output_quant(&self, _input: Quant, _act: DType) -> Option<Quant> {
        None
    }

    /// Multiply-accumulates per inference.
    fn macs(&self, _in_dims: &[&[usize]], _out_dims: &[usize]) -> usize {
        0
    }

    /// Add the layer reading `inputs` and writing `output`; returns the bytes
    /// of constants it stored.
    fn write(&self, b: &mut ModelBuilder, inputs: &[TensorId], output: TensorId) -> usize;
}

/// A boxed copy of a float layer (the float graph is cloned by passes and
/// tests); every `Clone` float layer has it.
pub trait CloneFloatLayer {
    fn clone_box(&self) -> Box<dyn FloatLayer>;
}

impl<T: FloatLayer + Clone + 'static> CloneFloatLayer for T {
    fn clone_box(&self) -> Box<dyn FloatLayer> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn FloatLayer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// `[H, W, C]` of channels-last dims (1-D: `[1, W, C]`).
pub fn hwc(d: &[usize]) -> [usize; 3] {
    match d.len() {
        0 => [1, 1, 1],
        1 => [1, 1, d[0]],
        2 => [1, d[0], d[1]],
        _ => [d[0], d[1], d[2]],
    }
}

/// Input position of window tap `k` for output `o`, if inside the input.
pub fn tap(o: usize, k: usize, stride: usize, dil: usize, pad: usize, n: usize) -> Option<usize> {
    let p = (o * stride + k * dil) as isize - pad as isize;
    (p >= 0 && (p as usize) < n).then_some(p as usize)
}

/// The innermost (channel) extent of dims.
pub fn channels(d: &[usize]) -> usize {
    *d.last().unwrap_or(&1)
}
