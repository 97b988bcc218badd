//! Tensor table entries: element type, shape, quantization, arena placement.
//!
//! ```text
//! dtype u8 | rank u8 | reserved u16 | dims 4×u16 | zero_point i32 | scale f32
//! arena_offset u32 | first_op u16 | last_op u16                    (28 bytes)
//! ```
//! The lifetime fields are written by the planner and re-derived by the
//! validator, which then proves that tensors live at the same time never share
//! arena bytes — without allocating.

use crate::dtype::{le_u16_at, le_u32_at, DType};
use crate::error::Error;

/// Bytes per tensor-table entry.
pub const TENSOR_RECORD_LEN: usize = 28;
/// `first_op` of the graph input / `last_op` of the graph output.
pub const LIFETIME_OPEN: u16 = 0xFFFF;
/// Maximum tensor rank (batch is always 1 and not stored; layout is channels-last).
pub const MAX_RANK: usize = 4;

/// Affine quantization: `real = scale · (q − zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quant {
    pub scale: f32,
    pub zero_point: i32,
}

/// One entry of the tensor table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TensorInfo {
    pub dtype: DType,
    pub rank: usize,
    /// Dimensions; entries past `rank` are 1.
    pub dims: [usize; MAX_RANK],
    pub quant: Quant,
    /// Byte offset of the tensor in the arena.
    pub offset: usize,
    /// Op that produces it (`LIFETIME_OPEN` for the graph input), as planned.
    pub first_op: u16,
    /// Last op that reads it (`LIFETIME_OPEN` for the graph output), as planned.
    pub last_op: u16,
}

impl TensorInfo {
    /// Parse and validate entry `index` from its 28 bytes.
    pub fn parse(b: &[u8], index: usize) -> Result<TensorInfo, Error> {
        let bad = |reason| Error::InvalidTensor { tensor: index, reason };
        if b.len() < TENSOR_RECORD_LEN {
            return Err(Error::Truncated { what: "tensor entry", need: TENSOR_RECORD_LEN, have: b.len() });
        }
        let dtype = DType::from_tag(b[0] as i64, "tensor dtype")?;
        let rank = b[1] as usize;
        if rank == 0 || rank > MAX_RANK {
            return Err(bad("rank must be 1..=4"));
        }
        if le_u16_at(b, 2) != 0 {
            return Err(bad("reserved field is not zero"));
        }
        let mut dims = [1usize; MAX_RANK];
        for (i, d) in dims.iter_mut().enumerate() {
            let v = le_u16_at(b, 4 + 2 * i) as usize;
            if i < rank {
                if v == 0 {
                    return Err(bad("zero-sized dimension"));
                }
                *d = v;
            } else if v != 1 {
                return Err(bad("dimension past rank must be 1"));
            }
        }
        let zero_point = i32::from_le_bytes([b[12], b[13], b[14], b[15]]);
        if zero_point < dtype.min() || zero_point > dtype.max() {
            return Err(bad("zero point outside the element range"));
        }
        let scale = f32::from_le_bytes([b[16], b[17], b[18], b[19]]);
        if !(scale.is_finite() && scale > 0.0) {
            return Err(bad("scale must be finite and positive"));
        }
        let offset = le_u32_at(b, 20) as usize;
        let first_op = le_u16_at(b, 24);
        let last_op = le_u16_at(b, 26);
        let t = TensorInfo { dtype, rank, dims, quant: Quant { scale, zero_point }, offset, first_op, last_op };
        if t.len().checked_mul(dtype.size()).is_none() || t.len() > u32::MAX as usize {
            return Err(bad("too many elements"));
        }
        Ok(t)
    }

    /// Decode an entry that [`TensorInfo::parse`] has already accepted: no
    /// checks, so inference does not pay for validation again. Total on any
    /// bytes (a bad entry decodes to garbage values, never a panic).
    #[inline]
    pub fn decode_validated(b: &[u8; TENSOR_RECORD_LEN]) -> TensorInfo {
        let u16_at = |i: usize| u16::from_le_bytes([b[i], b[i + 1]]);
        let rank = (b[1] as usize).clamp(1, MAX_RANK);
        let mut dims = [1usize; MAX_RANK];
        for (i, d) in dims.iter_mut().enumerate().take(rank) {
            *d = u16_at(4 + 2 * i) as usize;
        }
        TensorInfo {
            dtype: if b[0] == 2 { DType::I16 } else { DType::I8 },
            rank,
            dims,
            quant: Quant {
                scale: f32::from_le_bytes([b[16], b[17], b[18], b[19]]),
                zero_point: i32::from_le_bytes([b[12], b[13], b[14], b[15]]),
            },
            offset: u32::from_le_bytes([b[20], b[21], b[22], b[23]]) as usize,
            first_op: u16_at(24),
            last_op: u16_at(26),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// Always false: dimensions are validated non-zero.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Size in bytes.
    pub fn bytes(&self) -> usize {
        self.len() * self.dtype.size()
    }

    /// Innermost (channel) dimension.
    pub fn channels(&self) -> usize {
        self.dims[self.rank - 1]
    }

    /// Shape as `[H, W, C]` for spatial layers: rank 3 as is, rank 2 `[W, C]` as
    /// `[1, W, C]`, rank 1 `[C]` as `[1, 1, C]`. `None` for rank 4.
    pub fn hwc(&self) -> Option<[usize; 3]> {
        match self.rank {
            1 => Some([1, 1, self.dims[0]]),
            2 => Some([1, self.dims[0], self.dims[1]]),
            3 => Some([self.dims[0], self.dims[1], self.dims[2]]),
            _ => None,
        }
    }

    /// Arena byte range.
    pub fn range(&self) -> core::ops::Range<usize> {
        self.offset..self.offset + self.bytes()
    }
}
