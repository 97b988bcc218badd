//! Conv1D / Conv2D int8 layer engine: the [`dense`](super::dense) engine over
//! output positions, each tap's input byte found through a tap-address ROM
//! built here from the runtime's geometry (stride, dilation, padding).
//! Padding taps read the input zero point: with the engine's folded bias
//! they add nothing, as the runtime's `(zp − zp) · w`.

use super::dense::DenseSpec;
use super::{hex, NetLayer};
use crate::spec::Unsupported;
use polyact::layers::conv::Geometry;
use polyact::{DType, Op};
use std::fmt::Write;

/// The input pixel `(iy, ix)` tap `(ky, kx)` of output pixel `(oy, ox)`
/// reads, or `None` where it falls in the padding.
pub fn tap_pixel(g: &Geometry, (oy, ox): (usize, usize), (ky, kx): (usize, usize)) -> Option<(usize, usize)> {
    let iy = (oy * g.stride[0] + ky * g.dilation[0]).checked_sub(g.pad[0]).filter(|&y| y < g.in_hwc[0]);
    let ix = (ox * g.stride[1] + kx * g.dilation[1]).checked_sub(g.pad[1]).filter(|&x| x < g.in_hwc[1]);
    iy.zip(ix)
}

/// The input byte (or `None`: padding) of every tap of every output position,
/// in the weights' `[kh][kw][Cin]` order.
pub fn gather_table(g: &Geometry) -> Vec<Option<usize>> {
    let [_, iw, cin] = g.in_hwc;
    let [oh, ow, _] = g.out_hwc;
    let [kh, kw] = g.window;
    let mut t = Vec::with_capacity(oh * ow * kh * kw * cin);
    for oy in 0..oh {
        for ox in 0..ow {
            for ky in 0..kh {
                for kx in 0..kw {
                    let px = tap_pixel(g, (oy, ox), (ky, kx));
                    t.extend((0..cin).map(|ci| px.map(|(y, x)| (y * iw + x) * cin + ci)));
                }
            }
        }
    }
    t
}

/// A tap-address table as `initial` assignments into `grom`: each word is
/// the input byte address (`addr_bits` wide) with the padding flag above it.
pub fn tap_rom_init(taps: &[Option<usize>], addr_bits: usize) -> String {
    let mut s = String::new();
    for (j, a) in taps.iter().enumerate() {
        let word = a.map_or(1i64 << addr_bits, |a| a as i64);
        let _ = writeln!(s, "    grom[{j}] = {};", hex(addr_bits + 1, word));
    }
    s
}

/// The [`LAYERS`](super::LAYERS) constructor.
pub fn build(op: &Op, k: usize, lanes: usize) -> Result<Option<Box<dyn NetLayer>>, Unsupported> {
    let (Op::Conv1D(c) | Op::Conv2D(c)) = op else { return Ok(None) };
    if c.input.dtype != DType::I8 || c.output.dtype != DType::I8 {
        return Err(Unsupported(format!("op {k} ({}) is not int8 in and out", op.kind().name())));
    }
    let g = &c.g;
    let taps = g.window[0] * g.window[1] * g.in_hwc[2];
    let positions = g.out_hwc[0] * g.out_hwc[1];
    let mut spec = DenseSpec::weighted(&c.w, &c.input, (taps, g.out_hwc[2], positions), lanes, k)?;
    spec.gather = Some(gather_table(g));
    spec.kind = if matches!(op, Op::Conv1D(_)) { "Conv1D" } else { "Conv2D" };
    Ok(Some(Box::new(spec)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_follows_stride_dilation_and_padding() {
        // 1-D: 5 pixels of 2 channels, kernel 3, stride 2, pad 1 each side.
        let g = Geometry {
            in_hwc: [1, 5, 2],
            out_hwc: [1, 3, 1],
            window: [1, 3],
            stride: [1, 2],
            dilation: [1, 1],
            pad: [0, 1, 0, 1],
        };
        let t = gather_table(&g);
        assert_eq!(t.len(), 3 * 3 * 2);
        // Output 0 reads pixel -1 (padding), 0, 1; output 2 reads 3, 4, 5 (padding).
        assert_eq!(&t[..6], &[None, None, Some(0), Some(1), Some(2), Some(3)]);
        assert_eq!(&t[12..], &[Some(6), Some(7), Some(8), Some(9), None, None]);
        let dilated = Geometry { dilation: [1, 2], out_hwc: [1, 2, 1], ..g };
        // Output 1 starts at padded pixel 2: taps at 2, 4, 6 → pixels 1, 3 and past the end.
        assert_eq!(tap_pixel(&dilated, (0, 1), (0, 2)), None);
        assert_eq!(tap_pixel(&dilated, (0, 1), (0, 1)), Some((0, 3)));
    }
}
