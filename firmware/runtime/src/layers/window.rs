//! The window geometry shared by convolution, depthwise convolution and
//! pooling: channels-last input and output extents, window, stride,
//! dilation and explicit padding, checked against each other.

use crate::error::Error;
use crate::format::{Record, TensorInfo};

/// Window geometry shared by convolutions and pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub in_hwc: [usize; 3],
    pub out_hwc: [usize; 3],
    pub window: [usize; 2],
    pub stride: [usize; 2],
    pub dilation: [usize; 2],
    /// top, left, bottom, right
    pub pad: [usize; 4],
}

/// Output extent of one spatial axis, or `None` if the window does not fit.
pub fn out_extent(inp: usize, k: usize, stride: usize, dil: usize, pad_lo: usize, pad_hi: usize) -> Option<usize> {
    let span = dil * (k - 1) + 1;
    let padded = inp + pad_lo + pad_hi;
    if padded < span {
        return None;
    }
    Some((padded - span) / stride + 1)
}

impl Geometry {
    /// Decode the ten geometry params starting at `at` and check them against
    /// the input and output shapes.
    pub fn decode(
        rec: &Record,
        at: usize,
        op: usize,
        input: &TensorInfo,
        output: &TensorInfo,
        one_d: bool,
    ) -> Result<Self, Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        let mut v = [0usize; 10];
        for (i, x) in v.iter_mut().enumerate() {
            let p = rec.param(at + i);
            let lo = if i < 6 { 1 } else { 0 };
            if p < lo || p > u16::MAX as i32 {
                return Err(bad("window, stride and dilation must be >= 1 and padding >= 0"));
            }
            *x = p as usize;
        }
        let (Some(in_hwc), Some(out_hwc)) = (input.hwc(), output.hwc()) else {
            return Err(bad("convolution tensors must have rank 1 to 3"));
        };
        if one_d
            && (input.rank != 2 || output.rank != 2 || v[0] != 1 || v[2] != 1 || v[4] != 1 || v[6] != 0 || v[8] != 0)
        {
            return Err(bad("conv1d takes [W, C] tensors and a 1-high window"));
        }
        let g = Geometry {
            in_hwc,
            out_hwc,
            window: [v[0], v[1]],
            stride: [v[2], v[3]],
            dilation: [v[4], v[5]],
            pad: [v[6], v[7], v[8], v[9]],
        };
        g.check(op)?;
        Ok(g)
    }

    /// Padding smaller than the window (so every window sees real input) and
    /// output extents that follow from input, window, stride, dilation, padding.
    pub fn check(&self, op: usize) -> Result<(), Error> {
        let bad = |reason| Error::InvalidOp { op, reason };
        let (k, p) = (self.window, self.pad);
        if p[0] >= k[0] || p[2] >= k[0] || p[1] >= k[1] || p[3] >= k[1] {
            return Err(bad("padding must be smaller than the window"));
        }
        for axis in 0..2 {
            let (lo, hi) = (p[axis], p[axis + 2]);
            let o = out_extent(self.in_hwc[axis], k[axis], self.stride[axis], self.dilation[axis], lo, hi);
            if o != Some(self.out_hwc[axis]) {
                return Err(bad(
                    "output spatial size does not follow from input, window, stride, dilation and padding",
                ));
            }
        }
        Ok(())
    }

    /// Copy the receptive field of output pixel `(oy, ox)` of an int8 input
    /// into `patch` (`kh·kw·cin` bytes, tap-major like the weights); taps
    /// outside the input read as `pad`, the input zero point, so they add
    /// nothing to `Σ (x − zp)·w`.
    #[inline(always)]
    pub fn gather_patch(&self, x: &[u8], (oy, ox): (usize, usize), pad: u8, patch: &mut [u8]) {
        let [ih, iw, cin] = self.in_hwc;
        let kw = self.window[1].max(1);
        for (t, dst) in patch.chunks_exact_mut(cin.max(1)).enumerate() {
            let (ky, kx) = (t / kw, t % kw);
            let iy = (oy * self.stride[0] + ky * self.dilation[0]).checked_sub(self.pad[0]).filter(|&v| v < ih);
            let ix = (ox * self.stride[1] + kx * self.dilation[1]).checked_sub(self.pad[1]).filter(|&v| v < iw);
            let src = iy.zip(ix).and_then(|(iy, ix)| x.get((iy * iw + ix) * cin..(iy * iw + ix + 1) * cin));
            match src {
                Some(src) => dst.copy_from_slice(src),
                None => dst.fill(pad),
            }
        }
    }

    /// Range `[k0, k1)` of window taps on `axis` that fall inside the input
    /// for output position `o` (empty when none do).
    #[inline(always)]
    pub fn valid_taps(&self, axis: usize, o: usize) -> (usize, usize) {
        let (s, d, p, n, k) =
            (self.stride[axis], self.dilation[axis], self.pad[axis], self.in_hwc[axis], self.window[axis]);
        let start = o * s;
        // Smallest k with start + k·d ≥ p; all k with start + k·d < n + p.
        let k0 = if start >= p { 0 } else { (p - start).div_ceil(d) };
        let k1 = if n + p > start { (n + p - start).div_ceil(d).min(k) } else { 0 };
        (k0.min(k1), k1)
    }
}
