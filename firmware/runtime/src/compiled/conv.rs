//! Compiled int8 convolutions: per output pixel, the receptive field is
//! gathered into a patch ([`Geometry::gather_patch`], the interpreter's own)
//! and the output channels are a [`DenseI8`] over it — conv weights are
//! already `[cout][kh·kw·cin]` rows, and zero-point padding adds nothing. A
//! depthwise output channel takes its input channel's taps from the patch.

use super::DenseI8;
use crate::layers::dot::dot_i8_raw;
use crate::layers::window::Geometry;

/// int8 convolution with a `P = kh·kw·cin` patch and `M` output channels.
#[derive(Clone, Copy, Debug)]
pub struct ConvI8<'a, const P: usize, const M: usize> {
    pub geometry: Geometry,
    /// The input zero point (what padding taps read).
    pub input_zp: i8,
    /// Weights as patch rows, with the epilogue.
    pub channels: DenseI8<'a, P, M>,
}

impl<const P: usize, const M: usize> ConvI8<'_, P, M> {
    #[inline(always)]
    pub fn run(&self, x: &[u8], y: &mut [u8]) {
        if M == 0 {
            return;
        }
        let ow = self.geometry.out_hwc[1].max(1);
        let mut patch = [0u8; P];
        for (p, pixel) in y.chunks_exact_mut(M).enumerate() {
            self.geometry.gather_patch(x, (p / ow, p % ow), self.input_zp as u8, &mut patch);
            if let Some(out) = pixel.first_chunk_mut::<M>() {
                self.channels.run(&patch, out);
            }
        }
    }
}

/// int8 depthwise convolution: `T = kh·kw` taps, `C` input channels, `M`
/// output channels (`M = C · depth_multiplier`). `channels.weights[c]` are
/// output channel `c`'s taps (the blob's `[tap][cout]` layout, transposed).
#[derive(Clone, Copy, Debug)]
pub struct DepthwiseI8<'a, const T: usize, const C: usize, const M: usize> {
    pub geometry: Geometry,
    pub input_zp: i8,
    pub depth_multiplier: usize,
    pub channels: DenseI8<'a, T, M>,
}

impl<const T: usize, const C: usize, const M: usize> DepthwiseI8<'_, T, C, M> {
    #[inline(always)]
    pub fn run(&self, x: &[u8], y: &mut [u8]) {
        if M == 0 || C == 0 {
            return;
        }
        let ow = self.geometry.out_hwc[1].max(1);
        let dm = self.depth_multiplier.max(1);
        let mut patch = [[0u8; C]; T];
        for (p, pixel) in y.chunks_exact_mut(M).enumerate() {
            self.geometry.gather_patch(x, (p / ow, p % ow), self.input_zp as u8, patch.as_flattened_mut());
            for (c, out) in pixel.iter_mut().enumerate() {
                let taps: [u8; T] = core::array::from_fn(|t| patch[t][(c / dm) % C]);
                *out = self.channels.output(c, dot_i8_raw(&taps, &self.channels.weights[c]));
            }
        }
    }
}
